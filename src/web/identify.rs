//! identify() on the page: the call validated and scrubbed by the core, merged into this
//! visitor's profile of fingerprints (shared with the other tabs through localStorage), and
//! queued as an event only when it changed something. Split from `mod.rs` so the `Sdk` glue
//! stays small.

use wasm_bindgen::prelude::*;

use super::{input, random, to_js_error, Sdk, LS_PROFILE};
use crate::identify::{self, Identify, Value};
use crate::ids::{iso8601, uuid_v4};
use crate::profile::Profile;
use crate::wire::{self, Event};

#[wasm_bindgen]
impl Sdk {
    /// Changes whenever the fingerprints of sent identify calls are replaced or forgotten
    /// (new visitor, an identify event lost): a repeated call must then reach `identify`.
    #[wasm_bindgen(getter, js_name = profileVersion)]
    pub fn profile_version(&self) -> u32 {
        self.profile_version
    }

    /// Validates, scrubs and merges one call; throws `SessionSightValidationError` on a
    /// caller bug. Returns true when the call changed the profile and an event was queued.
    pub fn identify(&mut self, payload: JsValue, now: f64) -> Result<bool, JsValue> {
        self.last_now = self.last_now.max(now);
        self.sync(now);
        let fields = input::fields(&payload).map_err(|e| to_js_error(&e))?;
        let call = identify::validate(fields).map_err(|e| to_js_error(&e))?;
        if call.is_empty() {
            return Ok(false);
        }
        self.activity(now, false);
        self.load_profile();
        if !self.profile.merge(&self.visitor_id, &call) {
            return Ok(false);
        }
        self.profile_dirty = true;
        let event = self.identify_event(now, &call);
        self.push_event(event);
        Ok(true)
    }
}

impl Sdk {
    pub(super) fn identify_event(&self, now: f64, call: &Identify) -> Event {
        let custom = call.custom.iter().map(|(k, v)| {
            let prop = match v {
                Value::Str(s) => wire::Prop::Str(s.clone()),
                Value::Num(n, _) => wire::Prop::Num(*n),
                Value::Bool(b) => wire::Prop::Bool(*b),
            };
            (k.clone(), prop)
        });
        Event::Identify(wire::Identify {
            message_id: uuid_v4(random()),
            timestamp: iso8601(now),
            visitor_id: self.visitor_id.clone(),
            session_id: self.session.id.clone(),
            id: call.id.clone(),
            email: call.email.clone(),
            custom_properties: wire::Properties(custom.collect()),
            as_map: wire::AsMap,
        })
    }

    /// A new, empty profile for the current visitor: the next identify() call is sent.
    pub(super) fn forget_profile(&mut self) {
        self.profile = Profile::new(&self.visitor_id);
        self.profile_dirty = true;
        self.profile_version = self.profile_version.wrapping_add(1);
    }

    /// An identify event was lost (rejected, dropped by the cap): it does not count as sent.
    pub(super) fn check_lost_identify(&mut self) {
        if self.queue.take_lost_identify() {
            self.forget_profile();
        }
    }

    /// The stored profile when it belongs to this visitor (another tab may have merged into it).
    /// Unwritten changes of this tab are newer than storage and are kept.
    pub(super) fn load_profile(&mut self) {
        if self.profile_dirty {
            return;
        }
        let text = self.stores.local.get(LS_PROFILE).unwrap_or_default();
        if text == self.profile_text && self.profile.belongs_to(&self.visitor_id) {
            return;
        }
        self.profile = Profile::decode(&text).filter(|p| p.belongs_to(&self.visitor_id))
            .unwrap_or_else(|| Profile::new(&self.visitor_id));
        self.profile_text = text;
    }
}
