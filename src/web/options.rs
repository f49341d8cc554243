//! `init()` options as the core reads them: field by field with `Reflect` (no serde: it
//! would pull float formatting into the wasm), each wrong type a clear error naming it.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

use super::input;

/// `init()` options the core reads (the shim reads `endpoint`, `debug`, `onError`, timers).
/// Read field by field with `Reflect`: a wrong type is a clear error naming the option.
pub(super) struct Options {
    pub(super) api_key: Option<String>,
    pub(super) cookie_domain: Option<String>,
    pub(super) consent: Option<String>,
    pub(super) batch_size: Option<f64>,
    pub(super) max_queue_size: Option<f64>,
    pub(super) session_idle_timeout_ms: Option<f64>,
    pub(super) session_max_length_ms: Option<f64>,
    /// The shim's wrapper around the site's `beforeSend` (see `delivery::push_event`).
    pub(super) before_send: Option<js_sys::Function>,
}

impl Options {
    pub(super) fn read(o: &JsValue) -> Result<Options, JsValue> {
        if !input::is_plain_object(o) {
            return Err(options_error("options must be an object"));
        }
        // Absent (undefined or null) is None; a value of the wrong type is an error naming it.
        fn field<T>(o: &JsValue, k: &str, kind: &str, as_t: impl Fn(&JsValue) -> Option<T>) -> Result<Option<T>, JsValue> {
            let v = Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
            if v.is_undefined() || v.is_null() {
                return Ok(None);
            }
            as_t(&v).map(Some).ok_or_else(|| options_error(&crate::json::cat(&[k, " must be a ", kind])))
        }
        let string = |k: &str| field(o, k, "string", JsValue::as_string);
        let number = |k: &str| field(o, k, "number", JsValue::as_f64);
        Ok(Options {
            api_key: string("apiKey")?,
            cookie_domain: string("cookieDomain")?,
            consent: string("consent")?,
            batch_size: number("batchSize")?,
            max_queue_size: number("maxQueueSize")?,
            session_idle_timeout_ms: number("sessionIdleTimeoutMs")?,
            session_max_length_ms: number("sessionMaxLengthMs")?,
            before_send: field(o, "beforeSend", "function", |v| v.is_function().then(|| v.clone().unchecked_into()))?,
        })
    }
}

pub(super) fn positive(v: Option<f64>, default: f64) -> f64 {
    v.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(default)
}

pub(super) fn options_error(msg: &str) -> JsValue {
    let err = js_sys::Error::new(&crate::json::cat(&["SessionSight.init: ", msg]));
    err.set_name("SessionSightConfigError");
    err.into()
}
