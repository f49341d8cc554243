//! identify()'s checks without sending anything, for forms and the demo: the error identify()
//! would throw, and which custom keys it would drop as PII (key and family, never the value).

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::{input, set, to_js_error};
use crate::identify;

/// identify()'s checks for a demo: `{ error, dropped: [{ key, family }] }`, where `error` is
/// the `SessionSightValidationError` identify() would throw (or null) and `dropped` names each
/// custom key that would be dropped as PII with its family (`ssn|card|iban|phone|credential`),
/// never its value.
#[wasm_bindgen(js_name = explainIdentify)]
pub fn explain_identify(payload: JsValue) -> JsValue {
    let out = Object::new();
    let dropped = js_sys::Array::new();
    match input::fields(&payload).and_then(identify::explain) {
        Ok((_, keys)) => {
            set(&out, "error", JsValue::NULL);
            for (key, kind) in keys {
                let item = Object::new();
                set(&item, "key", key);
                set(&item, "family", kind.as_str());
                dropped.push(&item);
            }
        }
        Err(e) => set(&out, "error", to_js_error(&e)),
    }
    set(&out, "dropped", dropped);
    out.into()
}
