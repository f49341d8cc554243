//! The reference collector's check of received events, with the SDK's own rules (not a
//! copy). Built only with the `collector` feature, into the collector's wasm: browsers never
//! download it.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::{input, set};
use crate::identify;
use crate::ids::normalize_uuid;

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

fn check(event: &JsValue) -> Result<(), Problem> {
    let problem = |code: &'static str, field: &str, msg: &str| (code, field.to_string(), msg.to_string());
    if !input::is_plain_object(event) {
        return Err(problem("event_type", "event", "an event must be an object"));
    }
    let get = |k: &str| Reflect::get(event, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
    for field in ["messageId", "visitorId", "sessionId"] {
        if get(field).as_string().and_then(|v| normalize_uuid(&v)).is_none() {
            return Err(problem("invalid_uuid", field, "must be a UUID"));
        }
    }
    if get("timestamp").as_string().is_none_or(|t| t.len() < 20) {
        return Err(problem("invalid_timestamp", "timestamp", "must be an ISO-8601 string"));
    }
    match get("type").as_string().as_deref() {
        Some("session_start") => {
            let reason = get("reason").as_string().unwrap_or_default();
            if !["new_tab", "sealed", "idle", "max_length", "reset", "consent"].contains(&reason.as_str()) {
                return Err(problem("invalid_reason", "reason", "unknown session_start reason"));
            }
            let prev = get("previousSessionId");
            if !prev.is_null() && prev.as_string().and_then(|v| normalize_uuid(&v)).is_none() {
                return Err(problem("invalid_uuid", "previousSessionId", "must be null or a UUID"));
            }
            Ok(())
        }
        Some("identify") => {
            let mut fields = vec![("id".to_string(), input::value(&get("id"))), ("email".to_string(), input::value(&get("email")))];
            let custom = get("customProperties");
            let mut provided = 0;
            if !custom.is_undefined() {
                let more = input::fields(&custom).map_err(|_| problem("value_type", "customProperties", "must be an object"))?;
                provided = more.len();
                fields.extend(more.into_iter().filter(|(k, _)| k != "id" && k != "email"));
            }
            let call = identify::validate(fields).map_err(|e| (e.code.as_str(), e.field.clone(), e.message()))?;
            if call.custom.len() != provided {
                return Err(problem("pii", "customProperties", "a custom property holds personal data or is reserved"));
            }
            if let Some(email) = get("email").as_string() {
                if call.email.as_deref() != Some(email.as_str()) {
                    return Err(problem("email_invalid", "email", "email must be trimmed and lower-cased"));
                }
            }
            Ok(())
        }
        _ => Err(problem("unknown_type", "type", "type must be session_start or identify")),
    }
}
