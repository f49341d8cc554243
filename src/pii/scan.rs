//! Byte-level helpers the detectors share: bounded input, neighbours of a match, fixed
//! numeric shapes and the glue rules around a numeric token. (The IBAN and credential
//! patterns are written as regexes and checked against regex-lite in the tests; the shipped
//! code matches them with the hand-written byte scans of `pattern`.)

use super::MAX_SCAN_BYTES;

/// `value` cut to at most [`MAX_SCAN_BYTES`], on a char boundary.
pub(super) fn bounded(value: &str) -> &str {
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
pub(super) fn byte_before(b: &[u8], index: usize) -> Option<u8> {
    index.checked_sub(1).and_then(|i| b.get(i)).copied()
}

pub(super) fn is_digit(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit())
}

pub(super) fn is_alnum(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Whether a digit run starts at `i` (a digit not preceded by a digit).
pub(super) fn run_starts_at(b: &[u8], i: usize) -> bool {
    is_digit(b.get(i).copied()) && !is_digit(byte_before(b, i))
}

/// Matches a fixed-width numeric shape at `b[i..]` and returns its end: in `shape`, `d` is
/// an ASCII digit, `s` a separator from `seps` (the same byte at every `s`), and any other
/// byte stands for itself. The digit families are scanned with shapes rather than regexes:
/// `regex-lite`'s `PikeVM` cost 0.3–0.7 µs per byte on digit-heavy text, a shape a few ns.
pub(super) fn shape_at(b: &[u8], i: usize, shape: &[u8], seps: &[u8]) -> Option<usize> {
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
/// side. When `words` is set, a letter or `+` before glues too (`ORD-555-123-4567`,
/// `v555.123.4567`); a letter after never does (`555-123-4567x123` has an extension), and
/// `_` always separates (`tel_555-123-4567`).
pub(super) fn numeric_context_ok(b: &[u8], start: usize, end: usize, joiners: &[u8], words: bool) -> bool {
    let before = byte_before(b, start);
    if is_digit(before) || (words && (is_alnum(before) || before == Some(b'+'))) {
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
    if is_digit(after) {
        return false;
    }
    if let Some(n) = after {
        if joiners.contains(&n) && is_digit(b.get(end + 1).copied()) {
            return false;
        }
    }
    true
}
