//! identify() validation and scrubbing (SPEC §4, seed 004): caller bugs throw with a stable
//! code, PII in custom string values is dropped silently. The browser layer turns a JS object
//! into a list of `(key, Input)`; everything decided about it is decided here.

use crate::error::{Code, ValidationError};
use crate::pii;

pub const MAX_ID_LEN: usize = 256;
pub const MAX_EMAIL_LEN: usize = 320;
pub const MAX_CUSTOM_KEY_LEN: usize = 128;
pub const MAX_CUSTOM_VALUE_LEN: usize = 1024;
pub const MAX_CUSTOM_PROPERTY_COUNT: usize = 20;

/// One value of the caller's payload, as the browser layer read it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// `undefined` or `null`: not provided.
    Absent,
    Str(String),
    /// A number with its JavaScript `String(n)` text, so the core never formats floats.
    Num { value: f64, text: String },
    Bool(bool),
    /// Anything else, named by kind (`object`, `array`, `function`, `bigint`, `symbol`, …).
    Other(&'static str),
    /// Reading it failed (a getter threw, a revoked Proxy): `payload_unreadable`.
    Unreadable,
}

impl Input {
    /// A number input whose text is Rust's rendering; for native callers and tests.
    pub fn num(value: f64) -> Input {
        Input::Num { value, text: value.to_string() }
    }
}

/// A custom property value that passed validation, with its JSON text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    /// A finite number and its JavaScript `String(n)` text (fingerprinted as is, sent as a number).
    Num(f64, String),
    Bool(bool),
}

impl Value {
    pub fn to_json(&self) -> String {
        match self {
            Value::Str(s) => {
                let mut out = String::with_capacity(s.len() + 2);
                crate::json::push_str(&mut out, s);
                out
            }
            Value::Num(_, t) => t.clone(),
            Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        }
    }
}

/// A validated, scrubbed identify() call: only what the caller provided.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Identify {
    pub id: Option<String>,
    pub email: Option<String>,
    pub custom: Vec<(String, Value)>,
}

impl Identify {
    pub fn is_empty(&self) -> bool {
        self.id.is_none() && self.email.is_none() && self.custom.is_empty()
    }
}

/// Length as JavaScript's `String.length` counts it (UTF-16 code units).
pub fn js_len(s: &str) -> usize {
    // ASCII (nearly every value) has one UTF-16 unit per byte; `is_ascii` checks a word at a time.
    if s.is_ascii() {
        return s.len();
    }
    s.encode_utf16().count()
}

/// Email shape: a single `@`, non-empty local part, a domain with a TLD, no whitespace.
pub fn is_email_shaped(s: &str) -> bool {
    if s.chars().any(char::is_whitespace) {
        return false;
    }
    let mut parts = crate::text::parts(s, b'@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    // The last dot, by bytes: `rsplit_once` brings a reverse char searcher (0.7 KB of wasm).
    let Some(dot) = domain.bytes().rposition(|b| b == b'.') else {
        return false;
    };
    let (host, tld) = (domain.get(..dot).unwrap_or(""), domain.get(dot + 1..).unwrap_or(""));
    !local.is_empty()
        && !host.is_empty()
        && !host.starts_with('.')
        && !host.ends_with('.')
        // Byte and char steps rather than `contains("..")` and `chars().count()`, whose
        // substring searcher and counting code the wasm would carry for this one check.
        && !host.as_bytes().windows(2).any(|w| w == b"..")
        && tld.chars().nth(1).is_some()
        && tld.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
}

/// Validates and scrubs one identify() payload, given as its own keys in order.
pub fn validate(fields: Vec<(String, Input)>) -> Result<Identify, ValidationError> {
    explain(fields).map(|(call, _)| call)
}

/// `validate`, also naming each custom key dropped as PII with its family (never the value).
pub fn explain(fields: Vec<(String, Input)>) -> Result<(Identify, Vec<(String, pii::PiiKind)>), ValidationError> {
    let mut call = Identify::default();
    let mut dropped = Vec::new();
    let mut custom_count = 0;
    for (key, input) in fields {
        match key.as_str() {
            "id" => call.id = validate_id(input)?,
            "email" => call.email = validate_email(input)?,
            _ => {
                if matches!(input, Input::Absent) {
                    continue;
                }
                custom_count += 1;
                if custom_count > MAX_CUSTOM_PROPERTY_COUNT {
                    return Err(ValidationError::new(Code::TooManyProperties, "customProperties"));
                }
                if js_len(&key) > MAX_CUSTOM_KEY_LEN {
                    return Err(ValidationError::new(Code::KeyTooLong, &truncate(&key)));
                }
                // Assigning it to a JavaScript object sets the prototype instead: it could
                // never reach the collector intact, so it is refused rather than lost.
                if key == "__proto__" {
                    return Err(ValidationError::new(Code::KeyReserved, &key));
                }
                match validate_custom(&key, input)? {
                    Ok(value) => call.custom.push((key, value)),
                    Err(kind) => dropped.push((key, kind)),
                }
            }
        }
    }
    Ok((call, dropped))
}

fn validate_id(input: Input) -> Result<Option<String>, ValidationError> {
    let id = match input {
        Input::Absent => return Ok(None),
        Input::Str(s) => s,
        Input::Num { value, .. } if is_safe_integer(value) => {
            let mut text = String::new();
            crate::json::push_i64(&mut text, value as i64);
            text
        }
        Input::Unreadable => return Err(ValidationError::new(Code::PayloadUnreadable, "id")),
        _ => return Err(ValidationError::new(Code::IdType, "id")),
    };
    if id.trim().is_empty() {
        return Err(ValidationError::new(Code::IdEmpty, "id"));
    }
    if js_len(&id) > MAX_ID_LEN {
        return Err(ValidationError::new(Code::IdTooLong, "id"));
    }
    if is_email_shaped(id.trim()) {
        return Err(ValidationError::new(Code::IdEmailShaped, "id"));
    }
    if pii::contains_pii(&id) {
        return Err(ValidationError::new(Code::IdPii, "id"));
    }
    Ok(Some(id))
}

fn is_safe_integer(v: f64) -> bool {
    v.is_finite() && v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_991.0
}

fn validate_email(input: Input) -> Result<Option<String>, ValidationError> {
    let raw = match input {
        Input::Absent => return Ok(None),
        Input::Str(s) => s,
        Input::Unreadable => return Err(ValidationError::new(Code::PayloadUnreadable, "email")),
        _ => return Err(ValidationError::new(Code::EmailType, "email")),
    };
    let email = raw.trim();
    if js_len(email) > MAX_EMAIL_LEN {
        return Err(ValidationError::new(Code::EmailTooLong, "email"));
    }
    if !is_email_shaped(email) {
        return Err(ValidationError::new(Code::EmailInvalid, "email"));
    }
    // ASCII here; the browser layer lower-cases the rest of Unicode with JavaScript's
    // toLowerCase() first, which keeps Unicode case tables out of the wasm.
    Ok(Some(email.to_ascii_lowercase()))
}

/// `Ok(Err(family))` when the value is PII and is dropped silently.
fn validate_custom(key: &str, input: Input) -> Result<Result<Value, pii::PiiKind>, ValidationError> {
    match input {
        Input::Str(s) => {
            if js_len(&s) > MAX_CUSTOM_VALUE_LEN {
                return Err(ValidationError::new(Code::ValueTooLong, key));
            }
            Ok(pii::detect(&s).map_or(Ok(Value::Str(s)), Err))
        }
        Input::Num { value, text } if value.is_finite() => Ok(Ok(Value::Num(value, text))),
        Input::Bool(b) => Ok(Ok(Value::Bool(b))),
        Input::Unreadable => Err(ValidationError::new(Code::PayloadUnreadable, key)),
        _ => Err(ValidationError::new(Code::ValueType, key)),
    }
}

/// True when a custom string value may be kept. Emails pass through.
pub fn scrub(value: &str) -> bool {
    !pii::contains_pii(value)
}

fn truncate(key: &str) -> String {
    key.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Input {
        Input::Str(v.to_string())
    }

    fn call(fields: &[(&str, Input)]) -> Result<Identify, ValidationError> {
        validate(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn code(fields: &[(&str, Input)]) -> (&'static str, String) {
        match call(fields) {
            Err(e) => (e.code.as_str(), e.field),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    #[test]
    fn the_four_basic_calls_of_the_seed() {
        let full = call(&[("id", s("user_abc123")), ("email", s("Ana@Example.com")), ("plan", s("pro"))]).unwrap();
        assert_eq!(full.id.as_deref(), Some("user_abc123"));
        assert_eq!(full.email.as_deref(), Some("ana@example.com"));
        assert_eq!(full.custom, vec![("plan".into(), Value::Str("pro".into()))]);
        let email_only = call(&[("email", s("  ana@example.com "))]).unwrap();
        assert_eq!(email_only.email.as_deref(), Some("ana@example.com"));
        assert!(email_only.id.is_none());
        let id_only = call(&[("id", s("user_abc123"))]).unwrap();
        assert_eq!(id_only.id.as_deref(), Some("user_abc123"));
        let data = call(&[("plan", s("pro")), ("team", s("platform"))]).unwrap();
        assert_eq!(data.custom.len(), 2);
        assert!(call(&[]).unwrap().is_empty());
    }

    #[test]
    fn id_rules() {
        assert_eq!(code(&[("id", s("ana@example.com"))]), ("id_email_shaped", "id".into()));
        assert_eq!(code(&[("id", s(" ana@example.com "))]).0, "id_email_shaped");
        assert_eq!(code(&[("id", s("123-45-6789"))]).0, "id_contains_pii");
        assert_eq!(code(&[("id", s("user-4111 1111 1111 1111"))]).0, "id_contains_pii");
        assert_eq!(code(&[("id", s("555-123-4567"))]).0, "id_contains_pii");
        assert_eq!(code(&[("id", s("sk_live_abcdefghij1234567890"))]).0, "id_contains_pii");
        assert_eq!(code(&[("id", s(&"a".repeat(257)))]).0, "id_too_long");
        assert!(call(&[("id", s(&"a".repeat(256)))]).is_ok());
        assert_eq!(code(&[("id", s(""))]).0, "id_empty");
        assert_eq!(code(&[("id", s("   "))]).0, "id_empty");
        assert_eq!(code(&[("id", Input::num(1.5))]).0, "id_type");
        assert_eq!(code(&[("id", Input::num(f64::NAN))]).0, "id_type");
        assert_eq!(code(&[("id", Input::num(f64::INFINITY))]).0, "id_type");
        assert_eq!(code(&[("id", Input::Bool(true))]).0, "id_type");
        assert_eq!(code(&[("id", Input::Other("object"))]).0, "id_type");
        assert_eq!(call(&[("id", Input::num(42.0))]).unwrap().id.as_deref(), Some("42"));
        assert_eq!(call(&[("id", Input::num(-7.0))]).unwrap().id.as_deref(), Some("-7"));
        assert_eq!(call(&[("id", Input::Absent)]).unwrap().id, None);
        // Near misses stay valid ids.
        for ok in ["user_abc123", "550e8400-e29b-41d4-a716-446655440000", "cus_NffrFeUfNV2Hib", "12345"] {
            assert!(call(&[("id", s(ok))]).is_ok(), "{ok}");
        }
    }

    #[test]
    fn email_rules() {
        for bad in ["ana", "ana@", "@example.com", "ana@example", "ana@@example.com", "a@b@example.com",
            "ana @example.com", "ana@exa mple.com", "ana@example.c", "ana@.com", "ana@example..com", ""] {
            assert_eq!(code(&[("email", s(bad))]).0, "email_invalid", "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(309));
        assert_eq!(js_len(&long), 321);
        assert_eq!(code(&[("email", s(&long))]).0, "email_too_long");
        let max = format!("{}@example.com", "a".repeat(308));
        assert!(call(&[("email", s(&max))]).is_ok());
        assert_eq!(code(&[("email", Input::num(1.0))]).0, "email_type");
        assert_eq!(call(&[("email", Input::Absent)]).unwrap().email, None);
    }

    #[test]
    fn custom_limits_count_js_length() {
        assert!(call(&[("bio", s(&"é".repeat(1024)))]).is_ok());
        assert_eq!(code(&[("bio", s(&"é".repeat(1025)))]), ("value_too_long", "bio".into()));
        // An astral character is two UTF-16 units.
        assert!(call(&[("bio", s(&"😀".repeat(512)))]).is_ok());
        assert_eq!(code(&[("bio", s(&"😀".repeat(513)))]).0, "value_too_long");
        assert!(call(&[(&"k".repeat(128), s("v"))]).is_ok());
        assert_eq!(code(&[(&"k".repeat(129), s("v"))]).0, "key_too_long");
        assert_eq!(code(&[("__proto__", s("v"))]), ("key_reserved", "__proto__".into()));
        assert!(call(&[("constructor", s("v")), ("toString", s("v"))]).is_ok());
    }

    #[test]
    fn custom_count_excludes_id_email_and_absent() {
        let mut fields: Vec<(String, Input)> = (0..20).map(|i| (format!("k{i}"), s("v"))).collect();
        fields.push(("id".into(), s("u1")));
        fields.push(("email".into(), s("a@example.com")));
        fields.push(("skipped".into(), Input::Absent));
        assert!(validate(fields.clone()).is_ok());
        fields.push(("k20".into(), s("v")));
        let err = validate(fields).unwrap_err();
        assert_eq!(err.code, Code::TooManyProperties);
    }

    #[test]
    fn custom_types() {
        let ok = call(&[("n", Input::num(3.0)), ("b", Input::Bool(false)), ("none", Input::Absent)]).unwrap();
        assert_eq!(ok.custom, vec![("n".into(), Value::Num(3.0, "3".into())), ("b".into(), Value::Bool(false))]);
        for (kind, input) in [("nan", Input::num(f64::NAN)), ("inf", Input::num(f64::NEG_INFINITY)),
            ("obj", Input::Other("object")), ("arr", Input::Other("array")), ("fn", Input::Other("function")),
            ("big", Input::Other("bigint"))] {
            assert_eq!(code(&[(kind, input)]), ("value_type", kind.to_string()));
        }
    }

    #[test]
    fn pii_in_custom_values_is_dropped_silently() {
        let out = call(&[("id", s("user-1")), ("plan", s("pro")), ("ssn", s("123-45-6789")),
            ("apiKey", s("sk-ant-xxx...")), ("phone", s("555-123-4567")), ("contact", s("ana@example.com"))]).unwrap();
        let keys: Vec<&str> = out.custom.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["plan", "contact"]);
        // Numbers are never inspected.
        let n = call(&[("n", Input::num(5551234567.0))]).unwrap();
        assert_eq!(n.custom.len(), 1);
    }

    #[test]
    fn explain_names_dropped_keys_and_families_only() {
        let (call, dropped) = explain(vec![("plan".into(), s("pro")), ("card".into(), s("4111 1111 1111 1111")),
            ("key".into(), s("sk_live_4eC39HqLyjWDarjtT1zdp7dc")), ("n".into(), Input::num(5551234567.0))]).unwrap();
        assert_eq!(call.custom.len(), 2);
        assert_eq!(dropped, vec![("card".to_string(), pii::PiiKind::Card), ("key".to_string(), pii::PiiKind::Credential)]);
        assert_eq!(explain(vec![("id".into(), s("ana@example.com"))]).unwrap_err().code, Code::IdEmailShaped);
    }

    #[test]
    fn an_unreadable_value_is_its_own_error() {
        assert_eq!(code(&[("plan", Input::Unreadable)]), ("payload_unreadable", "plan".into()));
        assert_eq!(code(&[("id", Input::Unreadable)]).0, "payload_unreadable");
        assert_eq!(code(&[("email", Input::Unreadable)]).0, "payload_unreadable");
    }

    #[test]
    fn value_json() {
        assert_eq!(Value::Str("a\"b".into()).to_json(), r#""a\"b""#);
        assert_eq!(Value::Num(1.5, "1.5".into()).to_json(), "1.5");
        assert_eq!(Value::Bool(true).to_json(), "true");
    }
}
