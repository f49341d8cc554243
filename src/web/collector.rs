//! The reference collector's check of received events, with the SDK's own rules and wire
//! types (not a copy): an event must read as flat protocol fields, deserialize into
//! `wire::Event`, then pass the checks below. Built only with the `collector` feature, into the collector's wasm: browsers never
//! download it (`serde_wasm_bindgen::from_value` brings ~10 KB of float formatting).

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::{input, set};
use crate::identify::{self, Input};
use crate::ids::normalize_uuid;
use crate::wire::{Event, Prop};

/// The collector's check of one received event against the SDK's own rules: null when the
/// event is acceptable, else `{ code, field, message }`.
#[wasm_bindgen(js_name = checkEvent)]
pub fn check_event(event: JsValue) -> JsValue {
    match check(&event) {
        Ok(()) => JsValue::NULL,
        Err((code, field, message)) => {
            let out = Object::new();
            set(&out, "code", code);
            set(&out, "field", field.as_str());
            set(&out, "message", message.as_str());
            out.into()
        }
    }
}

type Problem = (&'static str, String, String);

fn problem(code: &'static str, field: &str, msg: &str) -> Problem {
    (code, field.to_string(), msg.to_string())
}

fn check(event: &JsValue) -> Result<(), Problem> {
    // The shallow field-by-field reading first: it names the field and the rule, and lets
    // only flat protocol fields reach serde, which would otherwise recurse into a nested value
    // as deep as the sender made it (an internally tagged enum buffers the whole object) and
    // overflow the wasm stack.
    diagnose(event)?;
    match serde_wasm_bindgen::from_value::<Event>(protocol_fields(event)) {
        Ok(typed) => check_typed(&typed),
        Err(_) => Err(problem("invalid_event", "event", "does not match the wire format of SPEC §5")),
    }
}

/// A fresh object with only the protocol fields of the event's type (fields outside the
/// protocol are never read further: the collector does not store them).
fn protocol_fields(event: &JsValue) -> JsValue {
    const COMMON: [&str; 5] = ["type", "messageId", "timestamp", "visitorId", "sessionId"];
    let get = |k: &str| Reflect::get(event, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    let more: &[&str] = match get("type").as_string().as_deref() {
        Some("session_start") => &["previousSessionId", "reason"],
        _ => &["id", "email", "customProperties"],
    };
    let out = Object::new();
    for k in COMMON.iter().chain(more) {
        let v = get(k);
        if !v.is_undefined() {
            set(&out, k, v);
        }
    }
    out.into()
}

/// The checks on an event that has the wire types' shape.
fn check_typed(event: &Event) -> Result<(), Problem> {
    let uuid = |field: &str, v: &str| match normalize_uuid(v) {
        Some(_) => Ok(()),
        None => Err(problem("invalid_uuid", field, "must be a UUID")),
    };
    let (message_id, timestamp, visitor_id, session_id) = match event {
        Event::SessionStart(e) => (&e.message_id, &e.timestamp, &e.visitor_id, &e.session_id),
        Event::Identify(e) => (&e.message_id, &e.timestamp, &e.visitor_id, &e.session_id),
    };
    uuid("messageId", message_id)?;
    uuid("visitorId", visitor_id)?;
    uuid("sessionId", session_id)?;
    if timestamp.len() < 20 {
        return Err(problem("invalid_timestamp", "timestamp", "must be an ISO-8601 string"));
    }
    match event {
        Event::SessionStart(e) => {
            if !["new_tab", "sealed", "idle", "max_length", "reset", "consent"].contains(&e.reason.as_str()) {
                return Err(problem("invalid_reason", "reason", "unknown session_start reason"));
            }
            if let Some(prev) = &e.previous_session_id {
                if normalize_uuid(prev).is_none() {
                    return Err(problem("invalid_uuid", "previousSessionId", "must be null or a UUID"));
                }
            }
            Ok(())
        }
        Event::Identify(e) => {
            let text = |v: &Option<String>| v.clone().map(Input::Str).unwrap_or(Input::Absent);
            let mut fields = vec![("id".to_string(), text(&e.id)), ("email".to_string(), text(&e.email))];
            let props = &e.custom_properties.0;
            fields.extend(props.iter().filter(|(k, _)| k != "id" && k != "email").map(|(k, v)| {
                let input = match v {
                    Prop::Str(s) => Input::Str(s.clone()),
                    Prop::Num(n) => Input::Num { value: *n, text: String::new() },
                    Prop::Bool(b) => Input::Bool(*b),
                };
                (k.clone(), input)
            }));
            let call = identify::validate(fields).map_err(|e| (e.code.as_str(), e.field.clone(), e.message()))?;
            if call.custom.len() != props.len() {
                return Err(problem("pii", "customProperties", "a custom property holds personal data or is reserved"));
            }
            if call.email != e.email {
                return Err(problem("email_invalid", "email", "email must be trimmed and lower-cased"));
            }
            Ok(())
        }
    }
}

/// Which field keeps an event from reading as the wire types, and the rule it breaks: a
/// shallow reading (nothing nested is descended into).
fn diagnose(event: &JsValue) -> Result<(), Problem> {
    if !input::is_plain_object(event) {
        return Err(problem("event_type", "event", "an event must be an object"));
    }
    let get = |k: &str| Reflect::get(event, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    for field in ["messageId", "visitorId", "sessionId"] {
        if get(field).as_string().is_none() {
            return Err(problem("invalid_uuid", field, "must be a UUID"));
        }
    }
    if get("timestamp").as_string().is_none() {
        return Err(problem("invalid_timestamp", "timestamp", "must be an ISO-8601 string"));
    }
    let absent = |v: &JsValue| v.is_undefined() || v.is_null();
    match get("type").as_string().as_deref() {
        Some("session_start") => {
            if get("reason").as_string().is_none() {
                return Err(problem("invalid_reason", "reason", "unknown session_start reason"));
            }
            let prev = get("previousSessionId");
            if !absent(&prev) && prev.as_string().is_none() {
                return Err(problem("invalid_uuid", "previousSessionId", "must be null or a UUID"));
            }
            Ok(())
        }
        Some("identify") => {
            for (field, code, msg) in [("id", "id_type", "id must be a string"), ("email", "email_type", "email must be a string")] {
                let v = get(field);
                if !absent(&v) && v.as_string().is_none() {
                    return Err(problem(code, field, msg));
                }
            }
            let custom = get("customProperties");
            if absent(&custom) {
                return Ok(());
            }
            let props = input::fields(&custom).map_err(|_| problem("value_type", "customProperties", "must be an object"))?;
            for (key, value) in props {
                if !matches!(value, Input::Str(_) | Input::Bool(_) | Input::Num { .. }) {
                    return Err(problem("value_type", &key, "must be a string, a finite number or a boolean"));
                }
            }
            Ok(())
        }
        _ => Err(problem("unknown_type", "type", "type must be session_start or identify")),
    }
}
