//! The one error type of identify(): caller bugs, each with a stable `code` and the offending
//! `field`. The wasm boundary turns it into a JS `Error` named `SessionSightValidationError`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub code: Code,
    /// The offending field: `id`, `email`, a custom key, or `payload` for the call as a whole.
    pub field: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    NotAnObject,
    IdType,
    IdEmpty,
    IdEmailShaped,
    IdPii,
    IdTooLong,
    EmailType,
    EmailInvalid,
    EmailTooLong,
    KeyTooLong,
    KeyReserved,
    ValueTooLong,
    ValueType,
    TooManyProperties,
    PayloadUnreadable,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NotAnObject => "not_an_object",
            Code::IdType => "id_type",
            Code::IdEmpty => "id_empty",
            Code::IdEmailShaped => "id_email_shaped",
            Code::IdPii => "id_contains_pii",
            Code::IdTooLong => "id_too_long",
            Code::EmailType => "email_type",
            Code::EmailInvalid => "email_invalid",
            Code::EmailTooLong => "email_too_long",
            Code::KeyTooLong => "key_too_long",
            Code::KeyReserved => "key_reserved",
            Code::ValueTooLong => "value_too_long",
            Code::ValueType => "value_type",
            Code::TooManyProperties => "too_many_properties",
            Code::PayloadUnreadable => "payload_unreadable",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Code::NotAnObject => "identify() takes a plain object",
            Code::IdType => "id must be a string or a finite integer",
            Code::IdEmpty => "id must not be empty",
            Code::IdEmailShaped => "id looks like an email: use the email slot for emails",
            Code::IdPii => "id contains personal data (SSN, card, credential or phone): use a non-PII identifier",
            Code::IdTooLong => "id is longer than 256 characters",
            Code::EmailType => "email must be a string",
            Code::EmailInvalid => "email must have a single @, a TLD and no whitespace",
            Code::EmailTooLong => "email is longer than 320 characters",
            Code::KeyTooLong => "custom property key is longer than 128 characters",
            Code::KeyReserved => "__proto__ cannot be a custom property key",
            Code::ValueTooLong => "custom property value is longer than 1024 characters",
            Code::ValueType => "custom property value must be a string, a finite number or a boolean",
            Code::TooManyProperties => "more than 20 custom properties",
            Code::PayloadUnreadable => "the payload could not be read (a getter threw, a revoked Proxy, a re-entrant call): pass plain values",
        }
    }
}

impl ValidationError {
    pub fn new(code: Code, field: &str) -> Self {
        ValidationError { code, field: field.to_string() }
    }

    /// The message the browser shows. Built by concatenation, not `format!`, so the shipped
    /// wasm carries no `core::fmt`; `Display` (for native callers) prints the same text.
    pub fn message(&self) -> String {
        let text = self.code.message();
        let mut out = String::with_capacity(40 + text.len() + self.field.len());
        out.push_str("SessionSight.identify: ");
        out.push_str(text);
        out.push_str(" (field `");
        out.push_str(&self.field);
        out.push_str("`)");
        out
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ValidationError {}
