//! The reference collector's check of a whole received batch (SPEC §5, §6), in one call: the
//! body's bytes in, the accepted records out, so the collector crosses into the core once per
//! batch rather than once per field. Every field is held to the protocol's grammar, ids are
//! made canonical before anyone deduplicates on them, and identify events pass the SDK's own
//! validation and PII rules. Plain Rust (serde_json), built for the collector and native tests;
//! browsers never download it.

use serde::de::IgnoredAny;
use serde_json::Value;

mod shape;
use shape::{Body, Events, Props, RawEvent};

use crate::identify::{self, js_len, Input};
use crate::ids::normalize_uuid;
use crate::wire::{Prop, Properties};

/// Most events in one batch (the SDK sends 50 by default).
pub const MAX_EVENTS: usize = 1000;
/// The characters of `id`, `email` and custom keys and values one batch may ask the PII scan to
/// read. The largest event the SDK sends has about 23,600 (20 keys of 128 and values of 1,024,
/// an id, an email), so any single event fits; a bigger batch is answered 413, which the SDK
/// answers by splitting it. It keeps the CPU one request costs small.
pub const MAX_SCANNED_CHARS: usize = 64 * 1024;
/// `dropped` is a count the SDK keeps in a u32 but a database keeps in a signed 32-bit integer.
pub const MAX_DROPPED: u64 = i32::MAX as u64;
const MAX_API_KEY: usize = 256;
const REASONS: [&str; 6] = ["new_tab", "sealed", "idle", "max_length", "reset", "consent"];

/// Why a batch is refused: the HTTP status, a stable code and a message naming the field.
#[derive(Debug, PartialEq)]
pub struct Rejection {
    pub status: u16,
    pub error: &'static str,
    pub detail: String,
}

/// One accepted event, as the store keeps it: its canonical keys and the record's JSON text
/// (the protocol's fields of its type, then `receivedAt` and the batch's `dropped`).
#[derive(Debug, PartialEq)]
pub struct Record {
    pub message_id: String,
    pub kind: &'static str,
    pub visitor_id: String,
    pub session_id: String,
    pub timestamp: String,
    pub json: String,
}

/// A batch that passed every check.
#[derive(Debug, PartialEq)]
pub struct Accepted {
    pub dropped: u32,
    pub records: Vec<Record>,
}

fn reject(status: u16, error: &'static str, detail: impl Into<String>) -> Rejection {
    Rejection { status, error, detail: detail.into() }
}

/// Checks one wire-format body (already inflated) and returns its records, or the first problem.
pub fn check_batch(body: &[u8], received_at: &str) -> Result<Accepted, Rejection> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(match serde_json::from_slice::<IgnoredAny>(body) {
            Ok(_) => reject(400, "not_an_object", "body must be a JSON object"),
            Err(_) => reject(400, "malformed_json", "body is not JSON"),
        });
    }
    let batch: Body = serde_json::from_slice(body).map_err(|_| reject(400, "malformed_json", "body is not JSON"))?;
    match &batch.api_key {
        Some(Value::String(k)) if !k.is_empty() && js_len(k) <= MAX_API_KEY && !k.chars().any(char::is_control) => {}
        _ => return Err(reject(400, "invalid_api_key", "apiKey must be a non-empty string of at most 256 characters")),
    }
    match &batch.sent_at {
        Some(Value::String(s)) if is_utc_timestamp(s) => {}
        _ => return Err(reject(400, "invalid_sent_at", "sentAt must be an ISO-8601 UTC string (YYYY-MM-DDTHH:MM:SS.sssZ)")),
    }
    let dropped = match &batch.dropped {
        None => 0,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(d) if d <= MAX_DROPPED => d as u32,
            _ => return Err(reject(400, "invalid_dropped", "dropped must be an integer from 0 to 2147483647")),
        },
        Some(_) => return Err(reject(400, "invalid_dropped", "dropped must be an integer from 0 to 2147483647")),
    };
    let Some(Events::List(events)) = batch.events else {
        return Err(reject(400, "invalid_events", "events must be an array"));
    };
    if events.len() > MAX_EVENTS {
        return Err(reject(413, "too_many_events", format!("more than {MAX_EVENTS} events")));
    }
    let scanned: usize = events.iter().filter_map(|s| s.0.as_ref()).map(scanned_chars).sum();
    if scanned > MAX_SCANNED_CHARS {
        return Err(reject(
            413,
            "too_much_text",
            format!("the batch carries more than {MAX_SCANNED_CHARS} characters of values to check; send fewer events per batch"),
        ));
    }
    let mut records = Vec::with_capacity(events.len());
    for (index, slot) in events.iter().enumerate() {
        let record = match &slot.0 {
            Some(event) => check_event(event, received_at, dropped),
            None => Err(problem("event_type", "event", "an event must be an object")),
        }
        .map_err(|(code, field, message)| reject(422, "invalid_event", format!("events[{index}].{field}: {code}: {message}")))?;
        records.push(record);
    }
    Ok(Accepted { dropped, records })
}

/// How many characters of this event the PII scan would read (cheap: no scan).
fn scanned_chars(e: &RawEvent) -> usize {
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => js_len(s),
        _ => 0,
    };
    let mut n = text(e.id.as_ref()) + text(e.email.as_ref());
    if let Some(Props::Entries(props)) = &e.custom_properties {
        n += props.iter().map(|(k, v)| js_len(k) + text(Some(v))).sum::<usize>();
    }
    n
}

type Problem = (&'static str, String, String);

fn problem(code: &'static str, field: &str, msg: &str) -> Problem {
    (code, field.to_string(), msg.to_string())
}

/// The canonical (trimmed, lower-case) form of a UUID field, or the problem naming it.
fn uuid_field(value: &Option<Value>, field: &str) -> Result<String, Problem> {
    match value {
        Some(Value::String(s)) => normalize_uuid(s).ok_or_else(|| problem("invalid_uuid", field, "must be a UUID")),
        _ => Err(problem("invalid_uuid", field, "must be a UUID")),
    }
}

fn check_event(e: &RawEvent, received_at: &str, dropped: u32) -> Result<Record, Problem> {
    let kind = match e.kind.as_ref().and_then(Value::as_str) {
        Some("session_start") => "session_start",
        Some("identify") => "identify",
        _ => return Err(problem("unknown_type", "type", "type must be session_start or identify")),
    };
    let message_id = uuid_field(&e.message_id, "messageId")?;
    let visitor_id = uuid_field(&e.visitor_id, "visitorId")?;
    let session_id = uuid_field(&e.session_id, "sessionId")?;
    let timestamp = match e.timestamp.as_ref().and_then(Value::as_str) {
        Some(t) if is_utc_timestamp(t) => t.to_string(),
        _ => return Err(problem("invalid_timestamp", "timestamp", "must be an ISO-8601 UTC string (YYYY-MM-DDTHH:MM:SS.sssZ)")),
    };
    let mut json = String::with_capacity(256);
    json.push_str("{\"type\":\"");
    json.push_str(kind);
    for (key, value) in [("messageId", &message_id), ("timestamp", &timestamp), ("visitorId", &visitor_id), ("sessionId", &session_id)] {
        json.push_str("\",\"");
        json.push_str(key);
        json.push_str("\":\"");
        json.push_str(value);
    }
    json.push('"');
    if kind == "session_start" {
        session_start_fields(e, &mut json)?;
    } else {
        identify_fields(e, &mut json)?;
    }
    json.push_str(",\"receivedAt\":");
    push_string(&mut json, received_at);
    json.push_str(",\"dropped\":");
    json.push_str(&dropped.to_string());
    json.push('}');
    Ok(Record { message_id, kind, visitor_id, session_id, timestamp, json })
}

/// `previousSessionId` (always written, `null` for a new tab, as the SDK sends it) and `reason`.
fn session_start_fields(e: &RawEvent, json: &mut String) -> Result<(), Problem> {
    match &e.previous_session_id {
        None => json.push_str(",\"previousSessionId\":null"),
        Some(_) => {
            let prev = uuid_field(&e.previous_session_id, "previousSessionId")
                .map_err(|_| problem("invalid_uuid", "previousSessionId", "must be null or a UUID"))?;
            json.push_str(",\"previousSessionId\":\"");
            json.push_str(&prev);
            json.push('"');
        }
    }
    match e.reason.as_ref().and_then(Value::as_str) {
        Some(r) if REASONS.contains(&r) => {
            json.push_str(",\"reason\":\"");
            json.push_str(r);
            json.push('"');
            Ok(())
        }
        _ => Err(problem("invalid_reason", "reason", "unknown session_start reason")),
    }
}

/// The identify fields through the SDK's own validation: what it would not send is refused.
fn identify_fields(e: &RawEvent, json: &mut String) -> Result<(), Problem> {
    let text = |value: &Option<Value>, field: &str, code: &'static str, msg: &str| match value {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(problem(code, field, msg)),
    };
    let id = text(&e.id, "id", "id_type", "id must be a string")?;
    let email = text(&e.email, "email", "email_type", "email must be a string")?;
    let props = match &e.custom_properties {
        None => None,
        Some(Props::Entries(p)) => Some(p),
        Some(_) => return Err(problem("value_type", "customProperties", "must be an object")),
    };
    let mut fields = vec![
        ("id".to_string(), id.clone().map(Input::Str).unwrap_or(Input::Absent)),
        ("email".to_string(), email.clone().map(Input::Str).unwrap_or(Input::Absent)),
    ];
    let mut typed = Vec::new();
    for (key, value) in props.into_iter().flatten() {
        let prop = match value {
            Value::String(s) => Prop::Str(s.clone()),
            Value::Bool(b) => Prop::Bool(*b),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.is_finite() => Prop::Num(f),
                _ => return Err(problem("value_type", key, "must be a string, a finite number or a boolean")),
            },
            _ => return Err(problem("value_type", key, "must be a string, a finite number or a boolean")),
        };
        if key != "id" && key != "email" {
            fields.push((key.clone(), match &prop {
                Prop::Str(s) => Input::Str(s.clone()),
                Prop::Num(n) => Input::Num { value: *n, text: String::new() },
                Prop::Bool(b) => Input::Bool(*b),
            }));
        }
        typed.push((key.clone(), prop));
    }
    let call = identify::validate(fields).map_err(|err| (err.code.as_str(), err.field.clone(), err.message()))?;
    if call.custom.len() != typed.len() {
        return Err(problem("pii", "customProperties", "a custom property holds personal data or is reserved"));
    }
    if call.email != email {
        return Err(problem("email_invalid", "email", "email must be trimmed and lower-cased"));
    }
    for (key, value) in [("id", &id), ("email", &email)] {
        if let Some(v) = value {
            json.push_str(",\"");
            json.push_str(key);
            json.push_str("\":");
            push_string(json, v);
        }
    }
    if props.is_some() {
        json.push_str(",\"customProperties\":");
        json.push_str(&serde_json::to_string(&Properties(typed)).unwrap_or_else(|_| "{}".into()));
    }
    Ok(())
}

fn push_string(out: &mut String, s: &str) {
    // Serialising a &str cannot fail; the fallback keeps the record valid JSON regardless.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` naming a real instant (the form the SDK writes and
/// `Date.prototype.toISOString` returns): no offsets, no spaces, nothing after the `Z`.
pub fn is_utc_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 30 || b[b.len() - 1] != b'Z' {
        return false;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let shape = b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
    let fraction = &b[19..b.len() - 1];
    let fraction_ok = fraction.is_empty() || (fraction.len() >= 2 && fraction[0] == b'.' && fraction[1..].iter().all(u8::is_ascii_digit));
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) = (num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19)) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => 0,
    };
    shape && fraction_ok && (1..=days).contains(&d) && h < 24 && mi < 60 && sec < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS: &str = "2026-11-22T10:00:00.000Z";
    const ID: &str = "0b7d4c3e-9f1a-4c2b-8d3e-5f6a7b8c9d0e";

    fn body(events: &str, extra: &str) -> Vec<u8> {
        format!(r#"{{"apiKey":"pk_test","sentAt":"{TS}"{extra},"events":[{events}]}}"#).into_bytes()
    }

    fn start(message_id: &str, timestamp: &str) -> String {
        format!(r#"{{"type":"session_start","messageId":"{message_id}","timestamp":"{timestamp}","visitorId":"{ID}","sessionId":"{ID}","previousSessionId":null,"reason":"new_tab"}}"#)
    }

    #[test]
    fn timestamps_follow_the_grammar() {
        for ok in [TS, "2024-02-29T23:59:59Z", "2026-01-01T00:00:00.1Z", "2026-01-01T00:00:00.123456789Z"] {
            assert!(is_utc_timestamp(ok), "{ok}");
        }
        for bad in [
            "2026-11-22T10:00:00.000+01:00",
            "2026-11-22T10:00:00.000Z ",
            "2026-11-22 10:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2023-02-29T00:00:00.000Z",
            "2026-11-22T24:00:00.000Z",
            "2026-11-22T10:00:60.000Z",
            "2026-11-22T10:00:00.Z",
            "2026-11-22T10:00:00.000\0Z",
            "ana@example.com 123-45-6789 4111 1111 1111 1111",
            "",
        ] {
            assert!(!is_utc_timestamp(bad), "{bad:?}");
        }
    }

    #[test]
    fn ids_are_canonical_and_records_hold_protocol_fields_only() {
        let upper = format!("  {}  ", ID.to_uppercase());
        let event = start(&upper, TS).replace(r#""reason""#, r#""extra":{"a":[1,2]},"reason""#);
        let out = check_batch(&body(&event, r#","dropped":3"#), "2026-11-22T10:00:01.000Z").expect("accepted");
        assert_eq!(out.dropped, 3);
        let r = &out.records[0];
        assert_eq!(r.message_id, ID);
        assert_eq!(
            r.json,
            format!(r#"{{"type":"session_start","messageId":"{ID}","timestamp":"{TS}","visitorId":"{ID}","sessionId":"{ID}","previousSessionId":null,"reason":"new_tab","receivedAt":"2026-11-22T10:00:01.000Z","dropped":3}}"#)
        );
    }

    #[test]
    fn dropped_is_bounded() {
        for bad in ["2147483648", "1e21", "-1", "1.5", "\"0\""] {
            let err = check_batch(&body(&start(ID, TS), &format!(r#","dropped":{bad}"#)), TS).unwrap_err();
            assert_eq!(err.error, "invalid_dropped", "{bad}");
        }
        assert!(check_batch(&body(&start(ID, TS), r#","dropped":2147483647"#), TS).is_ok());
    }

    #[test]
    fn a_bad_timestamp_is_a_422_naming_the_event() {
        let err = check_batch(&body(&format!("{},{}", start(ID, TS), start(ID, "2026-11-22T10:00:00.000Z\\u0000")), ""), TS).unwrap_err();
        assert_eq!((err.status, err.error), (422, "invalid_event"));
        assert!(err.detail.starts_with("events[1].timestamp: invalid_timestamp"), "{}", err.detail);
    }

    #[test]
    fn identify_is_checked_by_the_sdk_rules() {
        let identify = |extra: &str| format!(r#"{{"type":"identify","messageId":"{ID}","timestamp":"{TS}","visitorId":"{ID}","sessionId":"{ID}"{extra}}}"#);
        let ok = check_batch(&body(&identify(r#","id":"user-1","customProperties":{"plan":"pro","n":2,"b":true}"#), ""), TS).expect("ok");
        // The sender's order is kept; a repeated key keeps its first place and its last value.
        assert!(ok.records[0].json.contains(r#""id":"user-1","customProperties":{"plan":"pro","n":2.0,"b":true}"#), "{}", ok.records[0].json);
        let twice = check_batch(&body(&identify(r#","customProperties":{"z":"1","a":"2","z":"3"}"#), ""), TS).expect("ok");
        assert!(twice.records[0].json.contains(r#""customProperties":{"z":"3","a":"2"}"#), "{}", twice.records[0].json);
        let pii = check_batch(&body(&identify(r#","customProperties":{"note":"123-45-6789"}"#), ""), TS).unwrap_err();
        assert!(pii.detail.contains("customProperties: pii"), "{}", pii.detail);
        let nested = check_batch(&body(&identify(r#","customProperties":{"a":{"b":1}}"#), ""), TS).unwrap_err();
        assert!(nested.detail.contains("events[0].a: value_type"), "{}", nested.detail);
    }

    #[test]
    fn fields_outside_the_protocol_are_skipped_however_deep_and_shapes_are_named() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let event = start(ID, TS).replace(r#""reason""#, &format!(r#""extra":{deep},"reason""#));
        let out = check_batch(&body(&event, &format!(r#","padding":{deep}"#)), TS).expect("accepted");
        assert!(!out.records[0].json.contains("extra"));
        let code = |b: &[u8]| check_batch(b, TS).map(|_| "ok").unwrap_or_else(|e| e.error);
        assert_eq!(code(b"[]"), "not_an_object");
        assert_eq!(code(b" 42 "), "not_an_object");
        assert_eq!(code(b""), "malformed_json");
        assert_eq!(code(b"{\"apiKey\":"), "malformed_json");
        assert_eq!(code(&body("", "").iter().copied().collect::<Vec<_>>()), "ok");
        let envelope = |events: &str| format!(r#"{{"apiKey":"pk","sentAt":"{TS}","events":{events}}}"#).into_bytes();
        for events in ["{}", "\"[]\"", "null", "7"] {
            assert_eq!(code(&envelope(events)), "invalid_events", "{events}");
        }
        let err = check_batch(&envelope(&format!("[{},[1],null]", start(ID, TS))), TS).unwrap_err();
        assert!(err.detail.starts_with("events[1].event: event_type"), "{}", err.detail);
    }
}
