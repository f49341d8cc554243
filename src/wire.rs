//! The wire format of SPEC §5, defined once: the two events and the batch envelope as serde
//! types. The reference collector deserializes what it receives into them; the browser writes
//! them with the small hand-written writer below (`Event::json`, `Envelope::open`: no serde, no
//! JSON or float formatting code in the wasm), which the native tests check against serde_json.

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// One event of a batch, tagged by `type`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    SessionStart(SessionStart),
    Identify(Identify),
}

/// A tab's session began (or rotated: `previousSessionId` is the one it replaces).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionStart {
    pub message_id: String,
    pub timestamp: String,
    pub visitor_id: String,
    pub session_id: String,
    /// Always written (`null` for a new tab).
    pub previous_session_id: Option<String>,
    pub reason: String,
    /// See [`AsMap`].
    #[serde(flatten, skip_deserializing)]
    pub as_map: AsMap,
}

/// An identify() call that changed the profile: only what the caller provided.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Identify {
    pub message_id: String,
    pub timestamp: String,
    pub visitor_id: String,
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub custom_properties: Properties,
    /// See [`AsMap`].
    #[serde(flatten, skip_deserializing)]
    pub as_map: AsMap,
}

/// Custom properties in the caller's order (a JSON object on the wire).
#[derive(Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(from = "std::collections::BTreeMap<String, Prop>")]
pub struct Properties(pub Vec<(String, Prop)>);

impl From<std::collections::BTreeMap<String, Prop>> for Properties {
    fn from(map: std::collections::BTreeMap<String, Prop>) -> Self {
        Properties(map.into_iter().collect())
    }
}

impl Serialize for Properties {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A custom property value: a string, a finite number or a boolean.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
pub enum Prop {
    Str(String),
    Num(f64),
    Bool(bool),
}

/// A batch: the envelope around the events (SPEC §5).
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<'a> {
    pub api_key: &'a str,
    pub sent_at: String,
    /// Events evicted by the queue's cap and not yet reported.
    pub dropped: u32,
    pub events: &'a [Event],
    /// See [`AsMap`].
    #[serde(flatten)]
    pub as_map: AsMap,
}

/// A field of every serialized wire struct that writes nothing (a flattened unit), so serde
/// sends the struct through `serialize_map` rather than `serialize_struct`. serde-wasm-bindgen
/// interns struct field names in a pointer-keyed hash map (one JS string per name, kept for
/// the page's lifetime): its hashing and table code cost the page 0.9 KB gzip, more than the
/// few dozen keys a batch holds are worth. Map keys take the plain string path. The output
/// is the same JSON either way (see the tests below).
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Default)]
pub struct AsMap;

impl Envelope<'_> {
    /// The envelope's JSON up to and including the events' `[`, for the queue to append
    /// the events (kept as JSON text since they were queued) and close with `]}`.
    pub fn open(&self) -> Option<String> {
        let mut o = String::with_capacity(128);
        o.push_str("{\"apiKey\":");
        push_str(&mut o, self.api_key);
        text(&mut o, "sentAt", &self.sent_at);
        o.push_str(",\"dropped\":");
        crate::json::push_u64(&mut o, u64::from(self.dropped));
        o.push_str(",\"events\":[");
        Some(o)
    }
}

/// The JSON writer the browser uses for the wire types, by hand: serde's derives above define
/// the format (the collector reads what the SDK sends with them), and the native tests check
/// that this writes what serde_json writes, and reads back as the same values, for generated
/// events. Serializing through serde-wasm-bindgen and `JSON.stringify` cost the page 2.2 KB gzip
/// more (the `Serialize` code, the serializer and its glue).
impl Event {
    pub fn json(&self) -> String {
        let mut o = String::with_capacity(320);
        let (kind, message_id, timestamp, visitor_id, session_id) = match self {
            Event::SessionStart(e) => ("session_start", &e.message_id, &e.timestamp, &e.visitor_id, &e.session_id),
            Event::Identify(e) => ("identify", &e.message_id, &e.timestamp, &e.visitor_id, &e.session_id),
        };
        o.push_str("{\"type\":");
        push_str(&mut o, kind);
        text(&mut o, "messageId", message_id);
        text(&mut o, "timestamp", timestamp);
        text(&mut o, "visitorId", visitor_id);
        text(&mut o, "sessionId", session_id);
        match self {
            Event::SessionStart(e) => {
                o.push_str(",\"previousSessionId\":");
                match &e.previous_session_id {
                    Some(p) => push_str(&mut o, p),
                    None => o.push_str("null"),
                }
                text(&mut o, "reason", &e.reason);
            }
            Event::Identify(e) => {
                for (k, v) in [("id", &e.id), ("email", &e.email)] {
                    if let Some(v) = v {
                        text(&mut o, k, v);
                    }
                }
                o.push_str(",\"customProperties\":{");
                for (i, (k, v)) in e.custom_properties.0.iter().enumerate() {
                    if i > 0 {
                        o.push(',');
                    }
                    push_str(&mut o, k);
                    o.push(':');
                    match v {
                        Prop::Str(s) => push_str(&mut o, s),
                        Prop::Num(n) => push_num(&mut o, *n),
                        Prop::Bool(b) => o.push_str(if *b { "true" } else { "false" }),
                    }
                }
                o.push('}');
            }
        }
        o.push('}');
        o
    }
}

use crate::json::push_str;

/// `,"key":"value"` (keys are the protocol's own names: nothing to escape).
fn text(o: &mut String, key: &str, value: &str) {
    o.push_str(",\"");
    o.push_str(key);
    o.push_str("\":");
    push_str(o, value);
}

/// A finite number as JavaScript writes it (`JSON.stringify`), without Rust's float formatting
/// in the wasm: the browser's own `Number.prototype.toString`.
#[cfg(target_arch = "wasm32")]
fn push_num(o: &mut String, n: f64) {
    let text = js_sys::Number::from(n).to_string_with_radix(10).ok().map(String::from);
    o.push_str(text.as_deref().unwrap_or("null"));
}

/// Natively (the tests): integers as JavaScript writes them, other numbers as serde_json does.
#[cfg(not(target_arch = "wasm32"))]
fn push_num(o: &mut String, n: f64) {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        crate::json::push_i64(o, n as i64);
    } else {
        o.push_str(&serde_json::to_string(&n).unwrap_or_default());
    }
}

/// JSON text of a wire value with serde (natively: the oracle the browser's writer is checked
/// against). None only if the value cannot be represented, which these types never are.
#[cfg(not(target_arch = "wasm32"))]
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

// Native: serde_json is the oracle of the hand-written writer (the browser path runs in the e2e tests).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text of every kind the writer must escape or keep: quotes, backslashes, control
    /// characters, line separators, non-ASCII, astral characters.
    fn any_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop_oneof![
            Just('"'), Just('\\'), Just('\n'), Just('\t'), Just('\u{1}'), Just('\u{8}'), Just('\u{1f}'),
            Just('\u{2028}'), Just('é'), Just('😀'), Just('/'), proptest::char::range('a', 'z'), proptest::char::range('0', '9'),
        ], 0..12).prop_map(|c| c.into_iter().collect())
    }

    fn any_prop() -> impl Strategy<Value = Prop> {
        prop_oneof![
            any_text().prop_map(Prop::Str),
            // (Fractions in 64ths: serde_json without float_roundtrip reads other decimals back a bit off.)
            (-64_000_000i64..64_000_000).prop_map(|n| Prop::Num(n as f64 / 64.0)),
            (-9_007_199_254_740_991i64..9_007_199_254_740_991).prop_map(|n| Prop::Num(n as f64)),
            any::<bool>().prop_map(Prop::Bool),
        ]
    }

    fn any_event() -> impl Strategy<Value = Event> {
        let ids = || (any_text(), any_text(), any_text(), any_text());
        prop_oneof![
            (ids(), proptest::option::of(any_text()), any_text()).prop_map(|((m, t, v, s), p, r)| Event::SessionStart(SessionStart {
                message_id: m, timestamp: t, visitor_id: v, session_id: s, previous_session_id: p, reason: r, as_map: AsMap,
            })),
            (ids(), proptest::option::of(any_text()), proptest::option::of(any_text()), proptest::collection::vec((any_text(), any_prop()), 0..5))
                .prop_map(|((m, t, v, s), id, email, mut custom)| {
                    // A JSON object keeps one value per key: the caller's properties never repeat one.
                    let mut seen = std::collections::HashSet::new();
                    custom.retain(|(k, _)| seen.insert(k.clone()));
                    Event::Identify(Identify {
                        message_id: m, timestamp: t, visitor_id: v, session_id: s, id, email,
                        custom_properties: Properties(custom), as_map: AsMap,
                    })
                }),
        ]
    }

    proptest! {
        /// The browser's writer against serde: the same values read back, and the same bytes
        /// wherever the two may write them alike (serde_json writes an integral float as `1.0`,
        /// JavaScript `1`; `json::push_str` also escapes U+2028 and writes `\b` as `\u0008`).
        #[test]
        fn the_hand_written_writer_agrees_with_serde(event in any_event()) {
            let ours = event.json();
            // (The collector reads custom properties into a map: compare them in key order.)
            let sorted = |mut e: Event| {
                if let Event::Identify(i) = &mut e {
                    i.custom_properties.0.sort_by(|a, b| a.0.cmp(&b.0));
                }
                e
            };
            prop_assert_eq!(serde_json::from_str::<Event>(&ours).ok().map(sorted), Some(sorted(event.clone())), "{}", ours);
            let serde = to_json(&event).unwrap_or_default();
            let alike = !serde.contains("\\u") && !ours.contains("\\u") && !serde.contains(".0,") && !serde.contains(".0}") && !serde.contains('\u{2028}');
            if alike {
                prop_assert_eq!(ours, serde);
            }
        }
    }

    #[test]
    fn the_writer_writes_javascript_numbers() {
        let event = Event::Identify(Identify {
            message_id: "m".into(), timestamp: "t".into(), visitor_id: "v".into(), session_id: "s".into(), id: Some("7".into()), email: None,
            custom_properties: Properties(vec![("n".into(), Prop::Num(42.0)), ("f".into(), Prop::Num(-0.5)), ("b".into(), Prop::Bool(false))]),
            as_map: AsMap,
        });
        assert_eq!(event.json(), r#"{"type":"identify","messageId":"m","timestamp":"t","visitorId":"v","sessionId":"s","id":"7","customProperties":{"n":42,"f":-0.5,"b":false}}"#);
    }

    const V: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    fn start(previous: Option<&str>) -> Event {
        Event::SessionStart(SessionStart {
            message_id: V.into(),
            timestamp: "2026-11-22T10:00:00.000Z".into(),
            visitor_id: V.into(),
            session_id: V.into(),
            previous_session_id: previous.map(Into::into),
            reason: "new_tab".into(),
            as_map: AsMap,
        })
    }

    #[test]
    fn session_start_matches_spec_5() {
        assert_eq!(
            to_json(&start(None)).unwrap(),
            format!(r#"{{"type":"session_start","messageId":"{V}","timestamp":"2026-11-22T10:00:00.000Z","visitorId":"{V}","sessionId":"{V}","previousSessionId":null,"reason":"new_tab"}}"#)
        );
    }

    #[test]
    fn identify_keeps_property_order_and_omits_what_was_not_given() {
        let event = Event::Identify(Identify {
            message_id: V.into(),
            timestamp: "t".into(),
            visitor_id: V.into(),
            session_id: V.into(),
            id: None,
            email: Some("ana@example.com".into()),
            custom_properties: Properties(vec![
                ("z".into(), Prop::Str("a\"\n".into())),
                ("a".into(), Prop::Num(1.5)),
                ("m".into(), Prop::Bool(true)),
            ]),
            as_map: AsMap,
        });
        let text = to_json(&event).unwrap();
        assert!(text.starts_with(r#"{"type":"identify","#), "{text}");
        assert!(!text.contains(r#""id""#), "{text}");
        assert!(text.ends_with(r#""email":"ana@example.com","customProperties":{"z":"a\"\n","a":1.5,"m":true}}"#), "{text}");
        // What is written reads back as the same type.
        assert_eq!(serde_json::from_str::<Event>(&text).map(|e| matches!(e, Event::Identify(_))).ok(), Some(true));
    }

    #[test]
    fn the_envelope_opens_for_the_events() {
        let envelope = Envelope { api_key: "pk\"demo", sent_at: "s".into(), dropped: 3, events: &[], as_map: AsMap };
        let head = envelope.open().unwrap();
        assert_eq!(head, r#"{"apiKey":"pk\"demo","sentAt":"s","dropped":3,"events":["#);
        assert_eq!(head + "]}", to_json(&envelope).unwrap(), "serde writes the same envelope");
    }

    #[test]
    fn received_events_deserialize_into_the_same_types() {
        let text = to_json(&start(Some(V))).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), start(Some(V)));
        assert!(serde_json::from_str::<Event>(r#"{"type":"page_view"}"#).is_err());
    }
}
