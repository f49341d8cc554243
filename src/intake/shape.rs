//! How a received batch is read: the envelope and each event's protocol fields as JSON values,
//! everything else skipped without being built. Custom visitors, so that a field of the wrong
//! shape is named by the checks in `intake` rather than failing the whole parse, and so that
//! nothing outside the protocol is ever materialised.

use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// The envelope as received: the protocol's fields read as JSON values (checked in `intake`), every
/// other field skipped without being built (serde_json skips a value iteratively, so a field
/// nested 100,000 deep outside the protocol costs no stack).
#[derive(Deserialize)]
pub(super) struct Body {
    #[serde(rename = "apiKey")]
    pub(super) api_key: Option<Value>,
    #[serde(rename = "sentAt")]
    pub(super) sent_at: Option<Value>,
    pub(super) dropped: Option<Value>,
    pub(super) events: Option<Events>,
}

/// `events`: a list of slots, or anything else (refused as `invalid_events`).
pub(super) enum Events {
    List(Vec<Slot>),
    NotAList,
}

/// One element of `events`: an event's protocol fields, or `None` when it is not an object.
pub(super) struct Slot(pub(super) Option<RawEvent>);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawEvent {
    #[serde(rename = "type")]
    pub(super) kind: Option<Value>,
    pub(super) message_id: Option<Value>,
    pub(super) timestamp: Option<Value>,
    pub(super) visitor_id: Option<Value>,
    pub(super) session_id: Option<Value>,
    pub(super) previous_session_id: Option<Value>,
    pub(super) reason: Option<Value>,
    pub(super) id: Option<Value>,
    pub(super) email: Option<Value>,
    pub(super) custom_properties: Option<Props>,
}

/// `customProperties`: its entries in the sender's order (a repeated key keeps its first place
/// and its last value, as `JSON.parse` does), or anything else (refused as `value_type`).
pub(super) enum Props {
    Entries(Vec<(String, Value)>),
    NotAnObject,
}

/// A visitor for a JSON value of one expected shape (a list for `events`, an object for an
/// event): the other shapes are consumed without being built and read as `Self::Value::default()`.
macro_rules! other_shapes_are_default {
    () => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
}

impl Default for Events {
    fn default() -> Self {
        Events::NotAList
    }
}

struct EventsVisitor;

impl<'de> Visitor<'de> for EventsVisitor {
    type Value = Events;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Events, A::Error> {
        let mut slots = Vec::new();
        while let Some(slot) = seq.next_element::<Slot>()? {
            slots.push(slot);
        }
        Ok(Events::List(slots))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Events, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Events::NotAList)
    }
    other_shapes_are_default!();
}

impl<'de> Deserialize<'de> for Events {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EventsVisitor)
    }
}

impl Default for Props {
    fn default() -> Self {
        Props::NotAnObject
    }
}

struct PropsVisitor;

impl<'de> Visitor<'de> for PropsVisitor {
    type Value = Props;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("custom properties")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Props, A::Error> {
        let mut entries: Vec<(String, Value)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(Props::Entries(entries))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Props, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Props::NotAnObject)
    }
    other_shapes_are_default!();
}

impl<'de> Deserialize<'de> for Props {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PropsVisitor)
    }
}

impl Default for Slot {
    fn default() -> Self {
        Slot(None)
    }
}

struct SlotVisitor;

impl<'de> Visitor<'de> for SlotVisitor {
    type Value = Slot;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Slot, A::Error> {
        RawEvent::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(|e| Slot(Some(e)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Slot, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Slot(None))
    }
    other_shapes_are_default!();
}

impl<'de> Deserialize<'de> for Slot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SlotVisitor)
    }
}

