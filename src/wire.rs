//! The wire format of SPEC §5, defined once: the two events and the batch envelope as serde
//! types. The SDK serializes them (in the browser with serde-wasm-bindgen's JSON-compatible
//! serializer and `JSON.stringify`, so no JSON or float formatting code ships in the wasm);
//! the reference collector deserializes what it receives into the same types.

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
        let mut text = to_json(self)?;
        text.truncate(text.strip_suffix("]}")?.len());
        Some(text)
    }
}

/// JSON text of a wire value: serde-wasm-bindgen then `JSON.stringify` in the browser (the
/// JSON-compatible serializer makes maps plain objects, and numbers stay JS numbers), serde_json
/// natively. None only if the value cannot be represented, which these types never are.
#[cfg(target_arch = "wasm32")]
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let js = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

// Native: serde_json stands in for JSON.stringify (the browser path runs in the e2e tests).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

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
        let head = Envelope { api_key: "pk\"demo", sent_at: "s".into(), dropped: 3, events: &[], as_map: AsMap }.open().unwrap();
        assert_eq!(head, r#"{"apiKey":"pk\"demo","sentAt":"s","dropped":3,"events":["#);
    }

    #[test]
    fn received_events_deserialize_into_the_same_types() {
        let text = to_json(&start(Some(V))).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), start(Some(V)));
        assert!(serde_json::from_str::<Event>(r#"{"type":"page_view"}"#).is_err());
    }
}
