//! International bank account numbers (ISO 13616): a known country, two check digits and
//! 11–30 letters or digits, compact or in groups of any size, in either case, passing the
//! mod-97 check. Where the shape alone is ambiguous (lower-case compact text looks like a
//! hash; a letter glued on one side may belong to the neighbour) the country's registered
//! length must match exactly too, which keeps hashes and ids out. The candidate's shape is
//! written as a regex and checked against regex-lite in the tests
//! (`src/pii/tests/oracle.rs`); the shipped code matches it with the hand-written byte scan
//! `iban_end`.

use super::pattern::{alnum, alpha, digit, run, spaced_run};
use super::scan::{byte_before, is_alnum};

/// Country codes of the SWIFT IBAN registry plus the countries with published IBAN-like
/// formats (mostly francophone Africa), each with its length. A checksum alone lets 1 in 97
/// random tokens through. Four bytes per country, `AD24AE23…`: one string, not a table of
/// pointers (-131 B gzip).
const IBAN_COUNTRIES: &[u8] = concat!(
    "AD24AE23AL28AO25AT20AZ28BA20BE16BF28BG22BH22BI27BJ28BR29BY28CF27CG27CH21CI28CM27CR22CV25CY28CZ24",
    "DE22DJ27DK18DO28DZ26EE20EG29ES24FI18FK18FO18FR27GA27GB22GE22GI23GL18GQ27GR27GT28GW25HN28HR21HU28",
    "IE22IL23IQ23IR26IS26IT27JO30KM27KW30KZ20LB28LC32LI21LT20LU20LV21LY25MA28MC27MD24ME22MG27MK19ML28",
    "MN20MR27MT31MU30MZ25NE28NI28NL18NO15OM23PK24PL28PS29PT25QA29RO24RS22RU33SA24SC31SD18SE24SI19SK24",
    "SM27SN28SO23ST25SV28TD27TG28TL23TN24TR26UA29VA22VG24XK20YE30",
).as_bytes();

pub(super) fn has_iban(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 15 {
        return false;
    }
    (0..b.len()).any(|i| {
        // Candidates: two letters then two digits. Only then the whole shape.
        let shape = matches!(
            b.get(i..i + 4),
            Some([l0, l1, d0, d1]) if l0.is_ascii_alphabetic() && l1.is_ascii_alphabetic()
                && d0.is_ascii_digit() && d1.is_ascii_digit()
        );
        if !shape {
            return false;
        }
        iban_end(b, i).is_some_and(|end| candidate_ok(b, i, end))
    })
}

/// `^[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){11,30}`: letters or digits, each after at most
/// one space, so compact or grouped any way. Its end, if it matches at `b[i..]`.
pub(super) fn iban_end(b: &[u8], i: usize) -> Option<usize> {
    spaced_run(b, run(b, run(b, i, alpha, 2, 2)?, digit, 2, 2)?, alnum, 11, 30)
}

/// Tries the candidate `b[start..end]` and every shorter one ending on a letter or digit
/// (`BE68 5390 0754 7034 CASH` where `CASH` is the next word; `DE89…000x`). Glued to letters
/// or digits on both sides it is part of something longer; glued on one side, or compact
/// and not upper-case, the country's length must match exactly.
fn candidate_ok(b: &[u8], start: usize, end: usize) -> bool {
    let glued_left = is_alnum(byte_before(b, start));
    for e in (start + 15..=end).rev() {
        let (Some(candidate), Some(&last)) = (b.get(start..e), b.get(e - 1)) else {
            continue;
        };
        let glued_right = is_alnum(b.get(e).copied());
        if !last.is_ascii_alphanumeric() || (glued_left && glued_right) {
            continue;
        }
        let grouped = candidate.contains(&b' ');
        let upper = !candidate.iter().any(u8::is_ascii_lowercase);
        let exact = glued_left || glued_right || !(grouped || upper);
        if iban_ok(candidate, exact) {
            return true;
        }
    }
    false
}

/// Length 15–34 without spaces (exactly the country's when `exact`), known country,
/// numeric check digits, mod-97 == 1. Either case.
fn iban_ok(candidate: &[u8], exact: bool) -> bool {
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
    let Some(len) = IBAN_COUNTRIES.chunks_exact(4).find_map(|e| match *e {
        [a, b, tens, ones] if [a, b] == [c0, c1] => Some(usize::from(tens.wrapping_sub(b'0')) * 10 + usize::from(ones.wrapping_sub(b'0'))),
        _ => None,
    }) else {
        return false;
    };
    if !d0.is_ascii_digit() || !d1.is_ascii_digit() || (exact && n != len) {
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

#[cfg(test)]
mod tests {
    use super::iban_ok;
    use crate::pii::tests::{assert_kind, assert_not};
    use crate::pii::PiiKind;

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
                // Case, grouping, glue.
                "de89370400440532013000",
                "De89370400440532013000",
                "gb82west12345698765432",
                "DE89 37040044 0532013000",
                "DE8937040044 0532013000",
                "de89 370 400 440 532 013 000",
                "iban_DE89370400440532013000",
                "ibanDE89370400440532013000",
                "DE89370400440532013000x",
                "GB82WEST12345698765432X",
                "aGB82WEST12345698765432",
                "iban=de89370400440532013000;",
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
                "de89370400440532013001",
                "GB83WEST12345698765432",
                "XX82WEST12345698765432",
                "xGB82WEST12345698765432x",
                "aDE89370400440532013000b",
                "d41d8cd98f00b204e9800998ecf8427e",
                "DE89",
                "de8937040044053201300",
                "sha:9fde89370400440532013000aa",
            ],
        );
    }

    #[test]
    fn mod97_helper() {
        assert!(iban_ok(b"DE89370400440532013000", true));
        assert!(iban_ok(b"de89370400440532013000", true));
        assert!(iban_ok(b"MT84MALT011000012345MTLCAST001S", true));
        assert!(!iban_ok(b"DE89370400440532013001", false));
        assert!(!iban_ok(b"DE8937040044053201300012345678901234567", false));
        // Exact length: a valid checksum at the wrong length for the country.
        assert!(!iban_ok(b"DE8937040044053201300", true));
    }
}
