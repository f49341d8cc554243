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
//! hand-written scanners. Regexes (IBAN and credentials) are compiled lazily, once each,
//! and only ever run `^`-anchored at a candidate position a byte scan already found
//! (two letters + two digits at a word start; a known key prefix), so a failed attempt
//! costs a few bytes and nothing is quadratic. Every candidate is confirmed in plain Rust:
//! the bytes around it, Luhn, ISO 13616 mod-97, digit counts. Input longer than
//! [`MAX_SCAN_BYTES`] is inspected only up to that length; nothing indexes unchecked, so no
//! input can panic.

use regex_lite::Regex;
use std::sync::OnceLock;

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
    let text = bounded(value);
    let bytes = text.as_bytes();
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();

    if digits >= 9 && has_ssn(bytes) {
        return Some(PiiKind::Ssn);
    }
    if digits >= 13 && has_card(bytes) {
        return Some(PiiKind::Card);
    }
    if digits >= 2 && has_iban(text) {
        return Some(PiiKind::Iban);
    }
    if digits >= 8 && has_phone(bytes, digits) {
        return Some(PiiKind::Phone);
    }
    if has_credential(text) {
        return Some(PiiKind::Credential);
    }
    None
}

/// Whether `value` contains any PII family (`detect(value).is_some()`).
#[must_use]
pub fn contains_pii(value: &str) -> bool {
    detect(value).is_some()
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// `value` cut to at most [`MAX_SCAN_BYTES`], on a char boundary.
fn bounded(value: &str) -> &str {
    if value.len() <= MAX_SCAN_BYTES {
        return value;
    }
    let mut end = MAX_SCAN_BYTES;
    while end > 0 && !value.is_char_boundary(end) {
        end -= 1;
    }
    value.get(..end).unwrap_or("")
}

/// The byte just before `index`, if any.
fn byte_before(b: &[u8], index: usize) -> Option<u8> {
    index.checked_sub(1).and_then(|i| b.get(i)).copied()
}

fn is_digit(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit())
}

fn is_alnum(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric())
}

/// A regex `\w` byte: ASCII alphanumeric or `_`.
fn is_word(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// A regex compiled on first use. `None` only if the (constant) pattern failed to compile,
/// which tests rule out; callers then treat the family as absent instead of trapping.
fn lazy(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(pattern).ok()).as_ref()
}

/// End (as an index into `text`) of the match of the `^`-anchored `re` at byte `at`.
/// Anchored searches stop as soon as no match is possible, so a failed attempt costs only
/// the few bytes it looked at; `at` is always the index of an ASCII byte, hence a char
/// boundary (`get` would refuse anything else rather than panic).
fn find_at(re: &Regex, text: &str, at: usize) -> Option<usize> {
    let m = re.find(text.get(at..)?)?;
    Some(at + m.end())
}

/// Whether a digit run starts at `i` (a digit not preceded by a digit).
fn run_starts_at(b: &[u8], i: usize) -> bool {
    is_digit(b.get(i).copied()) && !is_digit(byte_before(b, i))
}

/// Matches a fixed-width numeric shape at `b[i..]` and returns its end: in `shape`, `d` is
/// an ASCII digit, `s` a separator from `seps` (the same byte at every `s`), and any other
/// byte stands for itself. The digit families are scanned with shapes rather than regexes:
/// `regex-lite`'s `PikeVM` costs 0.3–0.7 µs per byte on digit-heavy text, a shape a few ns.
fn shape_at(b: &[u8], i: usize, shape: &[u8], seps: &[u8]) -> Option<usize> {
    let mut sep = None;
    for (k, &want) in shape.iter().enumerate() {
        let c = *b.get(i + k)?;
        let ok = match want {
            b'd' => c.is_ascii_digit(),
            b's' => seps.contains(&c) && *sep.get_or_insert(c) == c,
            _ => c == want,
        };
        if !ok {
            return None;
        }
    }
    Some(i + shape.len())
}

/// Context check for numeric shapes (SSN, NANP phone): the match must not be glued to a
/// longer number. `joiners` are the characters that glue two digit runs into one token
/// (`2024-01-15`, `1.2.3`, `12:30`), a joiner only counting when a digit sits on its far
/// side. When `words` is set, letters count as glue too (`ORD-555-123-4567`, `x5551234567`).
fn numeric_context_ok(b: &[u8], start: usize, end: usize, joiners: &[u8], words: bool) -> bool {
    let before = byte_before(b, start);
    if is_digit(before) || (words && (is_alnum(before) || before == Some(b'_') || before == Some(b'+'))) {
        return false;
    }
    if let Some(p) = before {
        if joiners.contains(&p) {
            let pp = byte_before(b, start.saturating_sub(1));
            if is_digit(pp) || (words && matches!(p, b'-' | b'.') && is_alnum(pp)) {
                return false;
            }
        }
    }
    let after = b.get(end).copied();
    if is_digit(after) || (words && (is_alnum(after) || after == Some(b'_'))) {
        return false;
    }
    if let Some(n) = after {
        if joiners.contains(&n) && is_digit(b.get(end + 1).copied()) {
            return false;
        }
    }
    true
}

// ---------------------------------------------------------------------------------------
// SSN
// ---------------------------------------------------------------------------------------

fn has_ssn(b: &[u8]) -> bool {
    (0..b.len()).any(|i| {
        if !run_starts_at(b, i) {
            return false;
        }
        let Some(end) = shape_at(b, i, b"dddsddsdddd", b"- ") else {
            return false;
        };
        let spaced = b.get(i + 3) == Some(&b' ');
        let joiners: &[u8] = if spaced { b"-./ " } else { b"-./" };
        numeric_context_ok(b, i, end, joiners, false) && b.get(i..end).is_some_and(ssn_parts_ok)
    })
}

/// Rejects numbers the SSA never issues: area 000, 666 or 900–999, group 00, serial 0000.
fn ssn_parts_ok(m: &[u8]) -> bool {
    let (Some(area), Some(group), Some(serial)) = (m.get(0..3), m.get(4..6), m.get(7..11)) else {
        return false;
    };
    area != b"000" && area != b"666" && area.first() != Some(&b'9') && group != b"00" && serial != b"0000"
}

// ---------------------------------------------------------------------------------------
// Payment cards
// ---------------------------------------------------------------------------------------

/// Scans maximal chains of digit groups joined by single spaces or dashes and tries every
/// run of consecutive groups (same separator throughout, groups of ≥ 3 digits when there
/// is more than one) holding 13–19 digits, so `4111 1111 1111 1111 123` still finds the
/// card. A chain touching a letter, a `+` or a decimal point is not a card
/// (`a716-446655440000`, `+4915112345678`, `0.8364729174628193`).
fn has_card(b: &[u8]) -> bool {
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let chain_start = i;
        groups.clear();
        loop {
            let group_start = i;
            while is_digit(b.get(i).copied()) {
                i += 1;
            }
            groups.push((group_start, i));
            match (b.get(i), b.get(i + 1)) {
                (Some(b' ' | b'-'), Some(d)) if d.is_ascii_digit() => i += 1,
                _ => break,
            }
        }
        if chain_edges_ok(b, chain_start, i) && chain_has_card(b, &groups) {
            return true;
        }
    }
    false
}

fn chain_edges_ok(b: &[u8], start: usize, end: usize) -> bool {
    let before = byte_before(b, start);
    if is_alnum(before) || before == Some(b'+') {
        return false;
    }
    if matches!(before, Some(b'.' | b',')) && is_digit(byte_before(b, start.saturating_sub(1))) {
        return false;
    }
    let after = b.get(end).copied();
    if is_alnum(after) {
        return false;
    }
    !(matches!(after, Some(b'.' | b',')) && is_digit(b.get(end + 1).copied()))
}

fn chain_has_card(b: &[u8], groups: &[(usize, usize)]) -> bool {
    for (first, &(first_start, first_end)) in groups.iter().enumerate() {
        let mut digits = [0u8; 19];
        let mut total = 0usize;
        let mut sep: Option<u8> = None;
        for &(gs, ge) in groups.iter().skip(first) {
            let len = ge - gs;
            if gs > first_start {
                // Joining groups: one separator kind throughout, no short groups.
                let this_sep = byte_before(b, gs).unwrap_or(0);
                if *sep.get_or_insert(this_sep) != this_sep || len < 3 || first_end - first_start < 3 {
                    break;
                }
            }
            let (Some(dst), Some(src)) = (digits.get_mut(total..total + len), b.get(gs..ge)) else {
                break; // more than 19 digits
            };
            dst.copy_from_slice(src);
            total += len;
            if total >= 13 && card_number_ok(digits.get(..total).unwrap_or(&[])) {
                return true;
            }
        }
    }
    false
}

/// Major industry identifier 2–6 (Mastercard 2/5, Amex/Diners/JCB 3, Visa 4, Discover/
/// UnionPay/Maestro 6) and a valid Luhn check digit. Requiring 2–6 keeps millisecond
/// timestamps (`1705312200000`), ISBN-13s (978…) and zero runs out.
fn card_number_ok(digits: &[u8]) -> bool {
    matches!(digits.first(), Some(b'2'..=b'6')) && luhn_ok(digits)
}

fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &c) in digits.iter().rev().enumerate() {
        let mut v = u32::from(c.wrapping_sub(b'0'));
        if v > 9 {
            return false;
        }
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

// ---------------------------------------------------------------------------------------
// IBAN
// ---------------------------------------------------------------------------------------

static IBAN_RE: OnceLock<Option<Regex>> = OnceLock::new();

/// Country codes of the SWIFT IBAN registry plus the countries with published IBAN-like
/// formats (mostly francophone Africa). A checksum alone lets 1 in 97 random tokens through.
const IBAN_COUNTRIES: &[&[u8; 2]] = &[
    b"AD", b"AE", b"AL", b"AO", b"AT", b"AZ", b"BA", b"BE", b"BF", b"BG", b"BH", b"BI", b"BJ",
    b"BR", b"BY", b"CF", b"CG", b"CH", b"CI", b"CM", b"CR", b"CV", b"CY", b"CZ", b"DE", b"DJ",
    b"DK", b"DO", b"DZ", b"EE", b"EG", b"ES", b"FI", b"FK", b"FO", b"FR", b"GA", b"GB", b"GE",
    b"GI", b"GL", b"GQ", b"GR", b"GT", b"GW", b"HN", b"HR", b"HU", b"IE", b"IL", b"IQ", b"IR",
    b"IS", b"IT", b"JO", b"KM", b"KW", b"KZ", b"LB", b"LC", b"LI", b"LT", b"LU", b"LV", b"LY",
    b"MA", b"MC", b"MD", b"ME", b"MG", b"MK", b"ML", b"MN", b"MR", b"MT", b"MU", b"MZ", b"NE",
    b"NI", b"NL", b"NO", b"OM", b"PK", b"PL", b"PS", b"PT", b"QA", b"RO", b"RS", b"RU", b"SA",
    b"SC", b"SD", b"SE", b"SI", b"SK", b"SM", b"SN", b"SO", b"ST", b"SV", b"TD", b"TG", b"TL",
    b"TN", b"TR", b"UA", b"VA", b"VG", b"XK", b"YE",
];

fn has_iban(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 15 {
        return false;
    }
    (0..b.len()).any(|i| {
        // Candidates: two letters then two digits, starting a word. Only then the regex.
        let shape = matches!(
            b.get(i..i + 4),
            Some([l0, l1, d0, d1]) if l0.is_ascii_alphabetic() && l1.is_ascii_alphabetic()
                && d0.is_ascii_digit() && d1.is_ascii_digit()
        );
        if !shape || is_alnum(byte_before(b, i)) {
            return false;
        }
        // Compact form uppercase only (lowercase compact tokens are mostly hex hashes);
        // the grouped form accepts either case.
        let Some(re) = lazy(
            &IBAN_RE,
            r"^(?:[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}|[A-Za-z]{2}[0-9]{2}(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,4})?)",
        ) else {
            return false;
        };
        find_at(re, text, i).is_some_and(|end| iban_candidate_ok(b, i, end))
    })
}

/// Confirms a candidate: word-bounded at the end, and for the grouped form also tries
/// dropping trailing groups (`… 7034 CASH` where `CASH` is the next word).
fn iban_candidate_ok(b: &[u8], start: usize, end: usize) -> bool {
    let mut end = end;
    loop {
        let Some(candidate) = b.get(start..end) else {
            return false;
        };
        if !is_alnum(b.get(end).copied()) && iban_ok(candidate) {
            return true;
        }
        match candidate.iter().rposition(|&c| c == b' ') {
            Some(p) => end = start + p,
            None => return false,
        }
    }
}

/// Length 15–34 without spaces, known country, numeric check digits, mod-97 == 1.
fn iban_ok(candidate: &[u8]) -> bool {
    let mut chars = [0u8; 34];
    let mut n = 0usize;
    for &c in candidate {
        if c == b' ' {
            continue;
        }
        let Some(slot) = chars.get_mut(n) else {
            return false;
        };
        *slot = c.to_ascii_uppercase();
        n += 1;
    }
    if n < 15 {
        return false;
    }
    let (Some(head), Some(tail)) = (chars.get(..4), chars.get(4..n)) else {
        return false;
    };
    let &[c0, c1, d0, d1] = head else {
        return false;
    };
    if !IBAN_COUNTRIES.contains(&&[c0, c1]) || !d0.is_ascii_digit() || !d1.is_ascii_digit() {
        return false;
    }
    // ISO 13616: move the first four characters to the end, read letters as 10..35, and
    // the resulting number must be 1 mod 97. Folded digit by digit, so it never overflows.
    let mut rem: u32 = 0;
    for &c in tail.iter().chain(head.iter()) {
        rem = match c {
            b'0'..=b'9' => (rem * 10 + u32::from(c - b'0')) % 97,
            b'A'..=b'Z' => (rem * 100 + u32::from(c - b'A') + 10) % 97,
            _ => return false,
        };
    }
    rem == 1
}

// ---------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------

fn has_phone(b: &[u8], digits: usize) -> bool {
    (digits >= 10 && has_nanp(b)) || (b.contains(&b'+') && has_intl_phone(b))
}

/// North American numbers: `555-123-4567`, `555.123.4567`, `555 123 4567` (one separator
/// throughout), `(555) 123-4567` / `(555)123-4567` / `(555) 123 4567`, optionally after
/// `+1 `, `+1-`, `1-`, `1 ` (or `+1`/`1` directly before the parenthesis). The whole
/// match, prefix included, must not be glued to letters or to a longer number.
fn has_nanp(b: &[u8]) -> bool {
    (0..b.len()).any(|i| {
        let Some(&c) = b.get(i) else { return false };
        if !(c == b'(' || c == b'+' || run_starts_at(b, i)) {
            return false;
        }
        let Some(end) = nanp_at(b, i) else {
            return false;
        };
        let spaced = b.get(i..end).is_some_and(|m| m.contains(&b' '));
        let joiners: &[u8] = if spaced { b"-./:, " } else { b"-./:," };
        numeric_context_ok(b, i, end, joiners, true)
    })
}

/// End of a NANP number starting exactly at `i` (country prefix preferred when present).
fn nanp_at(b: &[u8], i: usize) -> Option<usize> {
    let after_one = match (b.get(i), b.get(i + 1)) {
        (Some(b'+'), Some(b'1')) => Some(i + 2),
        (Some(b'1'), _) => Some(i + 1),
        _ => None,
    };
    if let Some(k) = after_one {
        let body = match b.get(k) {
            Some(b' ' | b'.' | b'-') => nanp_body_at(b, k + 1),
            Some(b'(') => nanp_body_at(b, k),
            _ => None,
        };
        if body.is_some() {
            return body;
        }
    }
    nanp_body_at(b, i)
}

fn nanp_body_at(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'(') {
        return shape_at(b, i, b"dddsdddsdddd", b"-. ");
    }
    let mut k = shape_at(b, i, b"(ddd)", b"")?;
    if matches!(b.get(k), Some(b' ' | b'.' | b'-')) {
        k += 1;
    }
    shape_at(b, k, b"dddsdddd", b" .-")
}

/// International numbers: `+`, a country code not starting with 0, then 8–15 digits in
/// total, in groups separated by one of space, dash or dot, optionally with one pair of
/// parentheses (`+44 (0)20 7946 0958`). A single dot reads as a decimal (`+12345.678901`)
/// and is rejected, as is anything glued to letters or to a longer number.
fn has_intl_phone(b: &[u8]) -> bool {
    b.iter().enumerate().any(|(i, &c)| {
        if c != b'+' {
            return false;
        }
        let before = byte_before(b, i);
        !(is_alnum(before) || matches!(before, Some(b'_' | b'+'))) && intl_phone_at(b, i + 1)
    })
}

fn intl_phone_at(b: &[u8], mut i: usize) -> bool {
    if !matches!(b.get(i), Some(b'1'..=b'9')) {
        return false;
    }
    let mut digits = 0usize;
    let mut dots = 0usize;
    let mut open = false;
    let end = loop {
        while is_digit(b.get(i).copied()) {
            digits += 1;
            i += 1;
        }
        if digits > 15 {
            return false;
        }
        // A separator run: at most one of space/dash/dot and at most one parenthesis.
        let mut j = i;
        let mut plain = 0usize;
        let mut paren = 0usize;
        let mut dot = false;
        let mut now_open = open;
        let mut valid = true;
        while let Some(&c) = b.get(j) {
            match c {
                b' ' | b'-' | b'.' => {
                    plain += 1;
                    dot |= c == b'.';
                }
                b'(' if !now_open => {
                    now_open = true;
                    paren += 1;
                }
                b')' if now_open => {
                    now_open = false;
                    paren += 1;
                }
                b'(' | b')' => {
                    valid = false;
                    break;
                }
                _ => break,
            }
            j += 1;
        }
        if j == i || !valid || plain > 1 || paren > 1 || !is_digit(b.get(j).copied()) {
            break i;
        }
        open = now_open;
        dots += usize::from(dot);
        i = j;
    };
    if open || !(8..=15).contains(&digits) || dots == 1 {
        return false;
    }
    let after = b.get(end).copied();
    if is_alnum(after) || after == Some(b'_') {
        return false;
    }
    !(matches!(after, Some(b'-' | b'.' | b'/' | b':' | b',')) && is_digit(b.get(end + 1).copied()))
}

// ---------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cred {
    Stripe,
    DashKey,
    Aws,
    GitHub,
    Slack,
    SlackHook,
    Jwt,
}

static STRIPE_RE: OnceLock<Option<Regex>> = OnceLock::new();
static DASH_KEY_RE: OnceLock<Option<Regex>> = OnceLock::new();
static AWS_RE: OnceLock<Option<Regex>> = OnceLock::new();
static GITHUB_RE: OnceLock<Option<Regex>> = OnceLock::new();
static SLACK_RE: OnceLock<Option<Regex>> = OnceLock::new();
static SLACK_HOOK_RE: OnceLock<Option<Regex>> = OnceLock::new();
static JWT_RE: OnceLock<Option<Regex>> = OnceLock::new();

impl Cred {
    /// The family whose prefix starts `rest`, if any (the cheap prefilter).
    fn prefixed(rest: &[u8]) -> Option<Cred> {
        Some(match rest {
            [b's' | b'r' | b'p', b'k', b'_', ..] | [b'w', b'h', b's', b'e', b'c', b'_', ..] => Cred::Stripe,
            [b's' | b'p', b'k', b'-', ..] => Cred::DashKey,
            [b'A', b'K' | b'S', b'I', b'A', ..] => Cred::Aws,
            [b'g', b'h', b'p' | b'o' | b'u' | b's' | b'r', b'_', ..] => Cred::GitHub,
            [b'g', b'i', ..] if rest.starts_with(b"github_pat_") => Cred::GitHub,
            [b'x', b'o', b'x', ..] => Cred::Slack,
            [b'h', b'o', b'o', b'k', b's', b'.', ..] if rest.starts_with(b"hooks.slack.com/") => Cred::SlackHook,
            [b'e', b'y', b'J', ..] => Cred::Jwt,
            _ => return None,
        })
    }

    /// Anchored pattern for the whole token, compiled on first use.
    fn regex(self) -> Option<&'static Regex> {
        match self {
            Cred::Stripe => lazy(&STRIPE_RE, r"^(?:(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10}|whsec_[A-Za-z0-9]{10})"),
            Cred::DashKey => lazy(&DASH_KEY_RE, r"^(?:sk-ant-[A-Za-z0-9_.\-]{3}|(?:sk|pk)-[A-Za-z0-9_\-]{16})"),
            Cred::Aws => lazy(&AWS_RE, r"^(?:AKIA|ASIA)[A-Z0-9]{16}"),
            Cred::GitHub => lazy(&GITHUB_RE, r"^(?:gh[pousr]_[A-Za-z0-9]{20}|github_pat_[A-Za-z0-9_]{20})"),
            Cred::Slack => lazy(&SLACK_RE, r"^xox[abposr]-[A-Za-z0-9\-]{10}"),
            Cred::SlackHook => lazy(
                &SLACK_HOOK_RE,
                r"^hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]",
            ),
            Cred::Jwt => lazy(&JWT_RE, r"^eyJ[A-Za-z0-9_\-]{7,}\.eyJ[A-Za-z0-9_\-]{7,}\.[A-Za-z0-9_\-]{10}"),
        }
    }
}

/// One pass over the bytes; at each known prefix (that starts a word, except for JWTs and
/// webhook URLs, which are unambiguous anywhere) the family's anchored regex is tried on
/// the rest of the text. Patterns state only the minimum length (`{10}`, not `{10,}`):
/// "at least" is all that matters, and it keeps every attempt short.
fn has_credential(text: &str) -> bool {
    let b = text.as_bytes();
    // A failed JWT attempt at `p` fails for every later `eyJ` inside the same base64url
    // run (same end, shorter first segment), so those are skipped: linear, not quadratic,
    // on `eyJeyJeyJ…`.
    let mut jwt_skip_until = 0usize;
    for i in 0..b.len() {
        let Some(family) = Cred::prefixed(b.get(i..).unwrap_or(&[])) else {
            continue;
        };
        // Prefixes must start a word (`\b`): `risk-averse-strategy…` contains `sk-averse…`.
        let anywhere = matches!(family, Cred::Jwt | Cred::SlackHook);
        if (!anywhere && is_word(byte_before(b, i))) || (family == Cred::Jwt && i < jwt_skip_until) {
            continue;
        }
        let Some(end) = family.regex().and_then(|re| find_at(re, text, i)) else {
            if family == Cred::Jwt {
                jwt_skip_until = i + b.get(i..).map_or(0, |r| r.iter().take_while(|&&c| is_base64url(c)).count());
            }
            continue;
        };
        // AWS key ids are exactly 20 characters, so the end must be a boundary too.
        if family != Cred::Aws || !is_word(b.get(end).copied()) {
            return true;
        }
    }
    false
}

fn is_base64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_kind(kind: PiiKind, values: &[&str]) {
        for v in values {
            assert_eq!(detect(v), Some(kind), "expected {} in {v:?}", kind.as_str());
            assert!(contains_pii(v), "contains_pii({v:?})");
        }
    }

    fn assert_none(values: &[&str]) {
        for v in values {
            assert_eq!(detect(v), None, "expected no PII in {v:?}");
            assert!(!contains_pii(v), "contains_pii({v:?})");
        }
    }

    fn assert_not(kind: PiiKind, values: &[&str]) {
        for v in values {
            assert_ne!(detect(v), Some(kind), "did not expect {} in {v:?}", kind.as_str());
        }
    }

    /// Values that are none of the families: dates, times, versions, IPs, bare digit runs,
    /// ISBNs, prices, postcodes, hashes, UUIDs and order ids.
    const DATES_VERSIONS_PRICES: &[&str] = &[
        "90210",
        "SW1A 1AA",
        "10115",
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "550e8400-e29b-41d4-a716-446655440000",
        "ORD-2024-000123",
        "2024-01-15",
        "15.01.2024",
        "01/15/2024",
        "12:30:45",
        "2024-01-15T10:30:00Z",
        "2024-01-15 10:30:00",
        "1.2.3",
        "v10.15.3",
        "2.0.0-beta.1",
        "192.168.100.200",
        "10.0.0.1",
        "5551234567",
        "12345678901",
        "978-3-16-148410-0",
        "0-306-40615-2",
        "$1,234.56",
        "1.234,56 €",
    ];

    #[test]
    fn as_str_names() {
        assert_eq!(PiiKind::Ssn.as_str(), "ssn");
        assert_eq!(PiiKind::Card.as_str(), "card");
        assert_eq!(PiiKind::Iban.as_str(), "iban");
        assert_eq!(PiiKind::Phone.as_str(), "phone");
        assert_eq!(PiiKind::Credential.as_str(), "credential");
    }

    #[test]
    fn all_patterns_compile() {
        // Every family once, so each lazily compiled regex is exercised.
        assert_eq!(detect("123-45-6789"), Some(PiiKind::Ssn));
        assert_eq!(detect("GB82WEST12345698765432"), Some(PiiKind::Iban));
        assert_eq!(detect("555-123-4567"), Some(PiiKind::Phone));
        for key in [
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "xoxb-123456789012-abcdefghij",
            "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ] {
            assert_eq!(detect(key), Some(PiiKind::Credential), "{key}");
        }
        for cell in [&IBAN_RE, &STRIPE_RE, &DASH_KEY_RE, &AWS_RE, &GITHUB_RE, &SLACK_RE, &SLACK_HOOK_RE, &JWT_RE] {
            assert!(matches!(cell.get(), Some(Some(_))), "a pattern failed to compile");
        }
    }

    #[test]
    fn ssn_positives() {
        assert_kind(
            PiiKind::Ssn,
            &[
                "123-45-6789",
                "123 45 6789",
                "my ssn is 123-45-6789 ok",
                "SSN: 078-05-1120",
                "(123-45-6789)",
                "ssn=123 45 6789;",
            ],
        );
    }

    #[test]
    fn ssn_negatives() {
        assert_not(
            PiiKind::Ssn,
            &[
                "1123-45-6789",
                "123-45-67890",
                "123-45 6789",
                "123 45-6789",
                "000-12-3456",
                "666-12-3456",
                "900-12-3456",
                "123-00-4567",
                "123-45-0000",
                "2024-123-45-6789",
                "12 123 45 6789",
                "123456789",
            ],
        );
    }

    #[test]
    fn card_positives() {
        assert_kind(
            PiiKind::Card,
            &[
                "4111 1111 1111 1111",
                "4111-1111-1111-1111",
                "4111111111111111",
                "378282246310005",
                "3782 822463 10005",
                "5555555555554444",
                "6011111111111117",
                "2223003122003222",
                "4222222222222",
                "card: 4111 1111 1111 1111, exp 12/27",
                "paid with 4242424242424242.",
                "4111 1111 1111 1111 123",
                "ref 9 4111111111111111",
            ],
        );
    }

    #[test]
    fn card_negatives() {
        assert_not(
            PiiKind::Card,
            &[
                "4111 1111 1111 1112",
                "4111111111111112",
                "41111111111111111111",
                "4111-1111 1111-1111",
                "0000000000000000",
                "1705312200000",
                "9781861972712",
                "0.8364729174628193",
                "x4111111111111111",
                "+4111111111111111",
                "4111111111111111abc",
                "550e8400-e29b-41d4-a716-446655440000",
                "123e4567-e89b-12d3-8456-426614174000",
            ],
        );
    }

    #[test]
    fn iban_positives() {
        assert_kind(
            PiiKind::Iban,
            &[
                "DE89 3704 0044 0532 0130 00",
                "DE89370400440532013000",
                "GB82WEST12345698765432",
                "GB82 WEST 1234 5698 7654 32",
                "gb82 west 1234 5698 7654 32",
                "FR1420041010050500013M02606",
                "NL91ABNA0417164300",
                "NO9386011117947",
                "please wire to DE89 3704 0044 0532 0130 00 today",
                "IBAN:GB82WEST12345698765432.",
                "BE68 5390 0754 7034 CASH",
            ],
        );
    }

    #[test]
    fn iban_negatives() {
        assert_not(
            PiiKind::Iban,
            &[
                "DE89 3704 0044 0532 0130 01",
                "DE89370400440532013001",
                "GB83WEST12345698765432",
                "XX82WEST12345698765432",
                "GB82WEST12345698765432X",
                "aGB82WEST12345698765432",
                "d41d8cd98f00b204e9800998ecf8427e",
                "DE89",
            ],
        );
    }

    #[test]
    fn phone_nanp_positives() {
        assert_kind(
            PiiKind::Phone,
            &[
                "555-123-4567",
                "(555) 123-4567",
                "(555)123-4567",
                "555.123.4567",
                "555 123 4567",
                "+1 555-123-4567",
                "+1-555-123-4567",
                "1-555-123-4567",
                "1 555 123 4567",
                "+1 (555) 123-4567",
                "1-800-555-1234",
                "123-456-7890",
                "call me at 555-123-4567 tomorrow",
                "tel:555.123.4567",
                "Phone (555) 123-4567, ext 12",
            ],
        );
    }

    #[test]
    fn phone_international_positives() {
        assert_kind(
            PiiKind::Phone,
            &[
                "+44 20 7946 0958",
                "+33 1 42 68 53 00",
                "+4915112345678",
                "+44 (0)20 7946 0958",
                "+49-151-1234-5678",
                "+33.1.42.68.53.00",
                "+15551234567",
                "reach me on +44 20 7946 0958 after 6",
                "whatsapp:+4915112345678",
            ],
        );
    }

    #[test]
    fn phone_negatives() {
        assert_not(
            PiiKind::Phone,
            &[
                "2024-01-15T10:30:00+05:30",
                "978-0-306-40615-7",
                "ORD-555-123-4567",
                "555-123-4567-8",
                "1555-123-4567",
                "555-123-45678",
                "+12345.678901",
                "+1234567",
                "+1234567890123456",
                "1e+12345678",
                "+0123456789",
                "+44 (20 7946 0958",
            ],
        );
        assert_not(PiiKind::Phone, DATES_VERSIONS_PRICES);
    }

    #[test]
    fn credential_positives() {
        assert_kind(
            PiiKind::Credential,
            &[
                "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
                "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
                "rk_live_abcdefghij",
                "rk_test_0123456789",
                "pk_live_abcdefghijKLMN",
                "pk_test_TYooMQauvdEDq54NiTphI7jx",
                "whsec_abcdefghij0123",
                "sk-abcdefghijklmnopqrstuvwxyz0123456789",
                "sk-proj-abcdefghijklmnopqrst_uvwx-yz",
                "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
                "sk-ant-xxx...",
                "AKIAIOSFODNN7EXAMPLE",
                "ASIAIOSFODNN7EXAMPLE",
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "gho_abcdefghijklmnopqrst",
                "ghu_abcdefghijklmnopqrst",
                "ghs_abcdefghijklmnopqrst",
                "ghr_abcdefghijklmnopqrst",
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
                "xoxb-123456789012-abcdefghij",
                "xoxp-1234-5678-abcdefgh",
                "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "pk-abcdefghijklmnop",
                "sk-abcdefghijklmnop",
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0x.abcdefghijKLMNOP",
                "my key is sk_live_4eC39HqLyjWDarjtT1zdp7dc, keep it safe",
                "config: {\"key\":\"sk-ant-api03-abc\"}",
                "aws=AKIAIOSFODNN7EXAMPLE;",
            ],
        );
    }

    #[test]
    fn credential_negatives() {
        assert_not(
            PiiKind::Credential,
            &[
                "risk-averse",
                "task-force",
                "desk-lamp",
                "pk-12",
                "sk-short",
                "risk-averse-strategy-for-everyone",
                "task-force-meeting-notes-for-q3-planning",
                "cus_NffrFeUfNV2Hib",
                "price_1MoBy5LkdIwHu7ixZhnattbh",
                "sub_1MowQVLkdIwHu7ixeRlqHVzs",
                "pi_3MtwBwLkdIwHu7ix28a3tqPa",
                "550e8400-e29b-41d4-a716-446655440000",
                "d41d8cd98f00b204e9800998ecf8427e",
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                "sk_live_short",
                "xAKIAIOSFODNN7EXAMPLE",
                "AKIAIOSFODNN7EXAMPLEX",
                "AKIAshort",
                "ghp_short",
                "xoxb-short",
                "eyJhbGciOiJIUzI1NiJ9",
                "the sky-blue paint",
                "ask_test_results_abcdefghijkl",
                "my_sk-abcdefghijklmnopqrstuvwxyz",
                "https://hooks.slack.com/",
            ],
        );
    }

    #[test]
    fn ordinary_values_are_clean() {
        assert_none(&[
            "",
            "pro",
            "platform",
            "enterprise",
            "ana@example.com",
            "Hello, world",
            "en-US",
            "2024-Q3",
            "build 1234",
            "#ff00aa",
            "42",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
            "https://example.com/pricing?plan=pro&utm_source=newsletter",
            "Zürich – café ☕ 東京",
            "order #1234 shipped",
            "1705312200000",
            "0.8364729174628193",
        ]);
    }

    #[test]
    fn near_misses_are_clean() {
        assert_none(&[
            "4111 1111 1111 1112",
            "DE89 3704 0044 0532 0130 01",
            "risk-averse",
            "task-force",
            "desk-lamp",
            "pk-12",
            "sk-short",
            "cus_NffrFeUfNV2Hib",
            "price_1MoBy5LkdIwHu7ixZhnattbh",
        ]);
        assert_none(DATES_VERSIONS_PRICES);
    }

    #[test]
    fn family_order_is_declaration_order() {
        assert_eq!(detect("sk_live_4eC39HqLyjWDarjtT1zdp7dc 555-123-4567"), Some(PiiKind::Phone));
        assert_eq!(detect("555-123-4567 and 123-45-6789"), Some(PiiKind::Ssn));
        assert_eq!(detect("4111111111111111 DE89370400440532013000"), Some(PiiKind::Card));
    }

    #[test]
    fn long_input_is_bounded_and_safe() {
        let filler = "a".repeat(MAX_SCAN_BYTES);
        assert_eq!(detect(&format!("{filler} 555-123-4567")), None, "past the scan limit");
        assert_eq!(detect(&format!("555-123-4567 {filler}")), Some(PiiKind::Phone));
        // A multi-byte char straddling the cut.
        let straddle = format!("{}é{}", "a".repeat(MAX_SCAN_BYTES - 1), "b".repeat(10));
        assert_eq!(detect(&straddle), None);
        assert_eq!(bounded(&straddle).len(), MAX_SCAN_BYTES - 1);
        // Dense numeric and prefix-heavy junk must neither panic nor match.
        assert_eq!(detect(&"1-".repeat(5000)), None);
        let _ = detect(&"sk-".repeat(3000));
        assert_eq!(detect(&"+(".repeat(3000)), None);
        let _ = detect(&"9 ".repeat(5000));
        let _ = detect(&"eyJ.".repeat(3000));
    }

    #[test]
    fn luhn_and_mod97_helpers() {
        assert!(luhn_ok(b"4111111111111111"));
        assert!(!luhn_ok(b"4111111111111112"));
        assert!(!luhn_ok(b"41111x1111111111"));
        assert!(iban_ok(b"DE89370400440532013000"));
        assert!(iban_ok(b"MT84MALT011000012345MTLCAST001S"));
        assert!(!iban_ok(b"DE89370400440532013001"));
        assert!(!iban_ok(b"DE8937040044053201300012345678901234567"));
    }
}
