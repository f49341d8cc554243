//! Phone numbers: North American numbers in their usual written forms, optionally with a
//! country prefix and an extension, and `+`-prefixed international numbers of 8–15 digits.
//! Dates, times, versions, IP addresses and bare digit runs are not phone numbers.

use super::scan::{byte_before, is_alnum, is_digit, numeric_context_ok, run_starts_at, shape_at};

pub(super) fn has_phone(b: &[u8], digits: usize) -> bool {
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
/// and is rejected, as is a `+` glued to letters before it or a longer number after it.
fn has_intl_phone(b: &[u8]) -> bool {
    b.iter().enumerate().any(|(i, &c)| {
        if c != b'+' {
            return false;
        }
        let before = byte_before(b, i);
        !(is_alnum(before) || before == Some(b'+')) && intl_phone_at(b, i + 1)
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
    // A letter after is an extension (`x12`, `ext`) or a glued word, not more number.
    let after = b.get(end).copied();
    !(matches!(after, Some(b'-' | b'.' | b'/' | b':' | b',')) && is_digit(b.get(end + 1).copied()))
}

#[cfg(test)]
mod tests {
    use crate::pii::tests::{assert_kind, assert_not, DATES_VERSIONS_PRICES};
    use crate::pii::PiiKind;

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
                "555-123-4567x123",
                "555-123-4567 x123",
                "(555) 123-4567ext12",
                "555.123.4567#2",
                "tel_555-123-4567",
                "phone:555-123-4567;",
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
                "+4915112345678x12",
                "+44 20 7946 0958ext",
                "tel_+44 20 7946 0958",
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
                "v555.123.4567",
                "ORD555-123-4567",
                "2024-01-15T10:30:00.123Z",
                "20240115T103000Z",
                "1705312200",
            ],
        );
        assert_not(PiiKind::Phone, DATES_VERSIONS_PRICES);
    }
}
