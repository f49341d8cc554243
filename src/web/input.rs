//! Reads the caller's identify() payload out of JavaScript into the core's `Input` values,
//! naming every JavaScript-only kind (undefined, null, bigint, function, array, Date, Map…)
//! so that validation in `identify` decides about all of them.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Code, ValidationError};
use crate::identify::Input;

/// True for `{}`-like objects: their prototype is null or some realm's `Object.prototype`
/// (itself prototype-less). Arrays, Dates, Maps and class instances are not plain.
pub fn is_plain_object(v: &JsValue) -> bool {
    if !v.is_object() || v.is_function() || Array::is_array(v) {
        return false;
    }
    let proto = Object::get_prototype_of(v);
    proto.is_null() || Object::get_prototype_of(&proto).is_null()
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
    } else if Array::is_array(v) {
        Input::Other("array")
    } else {
        Input::Other("object")
    }
}

/// The payload's own enumerable string keys and their values, in order.
pub fn fields(payload: &JsValue) -> Result<Vec<(String, Input)>, ValidationError> {
    if !is_plain_object(payload) {
        return Err(ValidationError::new(Code::NotAnObject, "payload"));
    }
    let keys = Object::keys(payload.unchecked_ref::<Object>());
    let mut out = Vec::with_capacity(keys.length() as usize);
    for key in keys.iter() {
        let name = key.as_string().unwrap_or_default();
        // A getter that throws is not a string, number or boolean.
        let input = Reflect::get(payload, &key).map(|v| value(&v)).unwrap_or(Input::Other("getter"));
        // Unicode lower-casing of the email by JavaScript (the core only folds ASCII).
        let input = match input {
            Input::Str(s) if name == "email" => Input::Str(String::from(js_sys::JsString::from(s).to_lower_case())),
            other => other,
        };
        out.push((name, input));
    }
    Ok(out)
}
