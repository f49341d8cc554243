//! Reads the caller's identify() payload out of JavaScript into the core's `Input` values,
//! naming every JavaScript-only kind (undefined, null, bigint, function, array, Date, Map…)
//! so that validation in `identify` decides about all of them. Every read that can run the
//! caller's code (getters, Proxy traps) goes through a catching import: a throw becomes
//! `payload_unreadable`, never a raw JS error unwinding through the wasm.

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::{Code, ValidationError};
use crate::identify::Input;

#[wasm_bindgen]
extern "C" {
    /// `Object.keys`, which a Proxy's `ownKeys` trap (or a revoked Proxy) can make throw.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(o: &JsValue) -> Result<Array, JsValue>;
    /// `Array.isArray`, which throws on a revoked Proxy.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(v: &JsValue) -> Result<bool, JsValue>;
}

fn unreadable(field: &str) -> ValidationError {
    ValidationError::new(Code::PayloadUnreadable, field)
}

/// `Ok(true)` for `{}`-like objects: their prototype is null or some realm's
/// `Object.prototype` (itself prototype-less). Arrays, Dates, Maps and class instances are
/// not plain. `Err` when asking throws (a Proxy trap, a revoked Proxy).
pub fn plain_object(v: &JsValue) -> Result<bool, ()> {
    if !v.is_object() || v.is_function() || is_array(v).map_err(|_| ())? {
        return Ok(false);
    }
    let proto = Reflect::get_prototype_of(v).map_err(|_| ())?;
    if proto.is_null() {
        return Ok(true);
    }
    Ok(Reflect::get_prototype_of(&proto).map_err(|_| ())?.is_null())
}

/// `plain_object`, with a throwing object counted as not plain (for `init()` options).
pub fn is_plain_object(v: &JsValue) -> bool {
    plain_object(v).unwrap_or(false)
}

pub fn value(v: &JsValue) -> Input {
    if v.is_undefined() || v.is_null() {
        Input::Absent
    } else if let Some(s) = v.as_string() {
        Input::Str(s)
    } else if let Some(n) = v.as_f64() {
        let text = v.unchecked_ref::<js_sys::Number>().to_string_with_radix(10).map(String::from).unwrap_or_default();
        Input::Num { value: n, text }
    } else if let Some(b) = v.as_bool() {
        Input::Bool(b)
    } else if v.is_bigint() {
        Input::Other("bigint")
    } else if v.is_function() {
        Input::Other("function")
    } else if v.is_symbol() {
        Input::Other("symbol")
    } else if is_array(v).unwrap_or(false) {
        Input::Other("array")
    } else {
        Input::Other("object")
    }
}

/// The payload's own enumerable string keys and their values, in order.
pub fn fields(payload: &JsValue) -> Result<Vec<(String, Input)>, ValidationError> {
    if !plain_object(payload).map_err(|_| unreadable("payload"))? {
        return Err(ValidationError::new(Code::NotAnObject, "payload"));
    }
    let keys = object_keys(payload).map_err(|_| unreadable("payload"))?;
    let mut out = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let name = key.as_string().unwrap_or_default();
        // A getter that throws (or a re-entrant call it makes) leaves nothing to validate.
        let input = Reflect::get(payload, &key).map(|v| value(&v)).unwrap_or(Input::Unreadable);
        // Unicode lower-casing of the email by JavaScript (the core only folds ASCII).
        let input = match input {
            Input::Str(s) if name == "email" => Input::Str(String::from(js_sys::JsString::from(s).to_lower_case())),
            other => other,
        };
        out.push((name, input));
    }
    Ok(out)
}
