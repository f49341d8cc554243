//! Payment card numbers: 13–19 digits, optionally in groups joined by one kind of
//! separator, an issuer digit 2–6 and a valid Luhn check digit.

use super::scan::{byte_before, is_alnum, is_digit};

/// Scans maximal chains of digit groups joined by single spaces or dashes and tries every
/// run of consecutive groups (same separator throughout, groups of ≥ 3 digits when there
/// is more than one) holding 13–19 digits, so `4111 1111 1111 1111 123` still finds the
/// card. See `chain_edges_ok` for what may touch the chain.
pub(super) fn has_card(b: &[u8]) -> bool {
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

/// A chain is a card candidate unless it is a decimal fraction, follows a `+` (an
/// international phone number) or has letters on both sides (an identifier or a hash:
/// `a716-446655440000`); letters on one side do not hide a card (`4111111111111111x`,
/// `cc4111111111111111`), and `_` separates like a space.
fn chain_edges_ok(b: &[u8], start: usize, end: usize) -> bool {
    let before = byte_before(b, start);
    if before == Some(b'+') {
        return false;
    }
    if matches!(before, Some(b'.' | b',')) && is_digit(byte_before(b, start.saturating_sub(1))) {
        return false;
    }
    let after = b.get(end).copied();
    if matches!(after, Some(b'.' | b',')) && is_digit(b.get(end + 1).copied()) {
        return false;
    }
    !(is_alnum(before) && is_alnum(after))
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

#[cfg(test)]
mod tests {
    use super::luhn_ok;
    use crate::pii::tests::{assert_kind, assert_not};
    use crate::pii::PiiKind;

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
                "4111111111111111x",
                "4111111111111111abc",
                "x4111111111111111",
                "cc4111111111111111",
                "card_4111111111111111",
                "4111 1111 1111 1111x",
                "card:4111-1111-1111-1111;",
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
                "+4111111111111111",
                "x4111111111111111x",
                "ab4111111111111111cd",
                "550e8400-e29b-41d4-a716-446655440000",
                "123e4567-e89b-12d3-8456-426614174000",
            ],
        );
    }

    #[test]
    fn luhn_helper() {
        assert!(luhn_ok(b"4111111111111111"));
        assert!(!luhn_ok(b"4111111111111112"));
        assert!(!luhn_ok(b"41111x1111111111"));
    }
}
