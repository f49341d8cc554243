//! PII detection for values the SDK is about to send. `identify()` traits and event
//! properties are free-form strings typed or pasted by site owners, and sooner or later one
//! of them carries a social security number, a card number, an IBAN, a phone number or an
//! API key that must never reach the analytics backend. This module answers one question
//! cheaply and without ever trapping the wasm: does this value contain any of those, and
//! which family? It is deliberately conservative about shapes that merely look numeric
//! (dates, times, versions, IPs, ISBNs, prices, UUIDs, hashes, order ids), because a false
//! positive silently destroys a legitimate property.
//!
//! Cost model: one pass counts ASCII digits, and each digit family needs a minimum count
//! (SSN 9, card 13, phone 8, IBAN 2), so most values skip them outright; one more pass looks
//! for credential prefixes. Numeric shapes (SSN, cards, phones) are matched by small
//! hand-written scanners. The IBAN and credential patterns are written as regexes and
//! checked against regex-lite in the tests; the shipped code matches them with hand-written
//! byte scans (`pattern`), only ever `^`-anchored at a candidate position a byte scan
//! already found (two letters + two digits at a word start; a known key prefix), so a
//! failed attempt costs a few bytes and nothing is quadratic. Every candidate is confirmed
//! in plain Rust: the bytes around it, Luhn, ISO 13616 mod-97, digit counts. Input longer
//! than [`MAX_SCAN_BYTES`] is inspected only up to that length; nothing indexes unchecked,
//! so no input can panic.
//!
//! Glue: people write `aws_AKIA…`, `card:4111…`, `4111111111111111x`, `555-123-4567x123`,
//! `de89…` in lower case or with odd spacing. `_` and punctuation always separate tokens;
//! letters on one side of a long checksummed number (card, IBAN) do not hide it, letters on
//! both sides make it part of an identifier or hash; a letter right after a phone number is
//! an extension. One file per family: `ssn`, `card`, `iban`, `phone`, `credential`, over the
//! byte helpers of `scan` and `pattern`.

mod card;
mod credential;
mod iban;
mod pattern;
mod phone;
mod scan;
mod ssn;
#[cfg(test)]
mod tests;

/// The family of personal or secret data found in a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind {
    /// US social security number (`123-45-6789`, `123 45 6789`).
    Ssn,
    /// Payment card number (13–19 digits, Luhn-valid).
    Card,
    /// International bank account number (ISO 13616, mod-97 valid).
    Iban,
    /// North American or `+`-prefixed international phone number.
    Phone,
    /// API key, access token, JWT or secret webhook URL.
    Credential,
}

impl PiiKind {
    /// Stable lowercase name, suitable for logs and redaction markers.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Ssn => "ssn",
            PiiKind::Card => "card",
            PiiKind::Iban => "iban",
            PiiKind::Phone => "phone",
            PiiKind::Credential => "credential",
        }
    }
}

/// Only this many leading bytes of a value are inspected (callers pass ≤ 1024 chars; this
/// is a defence against pathological input, not a limit anyone should hit).
pub const MAX_SCAN_BYTES: usize = 8 * 1024;

/// The first PII family found anywhere inside `value`, if any.
///
/// When a value contains several families, the one declared first in [`PiiKind`] wins
/// (`Ssn`, then `Card`, `Iban`, `Phone`, `Credential`), so the answer is deterministic.
#[must_use]
pub fn detect(value: &str) -> Option<PiiKind> {
    let text = scan::bounded(value);
    let bytes = text.as_bytes();
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();

    if digits >= 9 && ssn::has_ssn(bytes) {
        return Some(PiiKind::Ssn);
    }
    if digits >= 13 && card::has_card(bytes) {
        return Some(PiiKind::Card);
    }
    if digits >= 2 && iban::has_iban(text) {
        return Some(PiiKind::Iban);
    }
    if digits >= 8 && phone::has_phone(bytes, digits) {
        return Some(PiiKind::Phone);
    }
    if credential::has_credential(text) {
        return Some(PiiKind::Credential);
    }
    None
}

/// Whether `value` contains any PII family (`detect(value).is_some()`).
#[must_use]
pub fn contains_pii(value: &str) -> bool {
    detect(value).is_some()
}
