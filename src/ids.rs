//! Identifiers and timestamps from injected randomness and time: UUID v4 for visitors and
//! messages, UUID v7 for sessions (their start time is readable), strict UUID checks for
//! values read back from cookies and storage, and ISO-8601 without float formatting.

use uuid::{Builder, Uuid};

/// A random (v4) UUID from 16 bytes of the caller's randomness.
pub fn uuid_v4(random: [u8; 16]) -> String {
    format_uuid(Builder::from_random_bytes(random).into_uuid())
}

/// A time-ordered (v7) UUID: milliseconds since the epoch, then randomness.
pub fn uuid_v7(now_ms: f64, random: [u8; 10]) -> String {
    let ms = if now_ms.is_finite() && now_ms > 0.0 { now_ms as u64 } else { 0 };
    format_uuid(Builder::from_unix_timestamp_millis(ms, &random).into_uuid())
}

fn format_uuid(id: Uuid) -> String {
    let mut buf = [0u8; 36];
    // `String::from`, not `to_string()`: on `&mut str` the latter goes through `core::fmt`.
    String::from(&*id.hyphenated().encode_lower(&mut buf))
}

/// True for the canonical hyphenated form (8-4-4-4-12 hex digits) and nothing else.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `Some(lower-cased id)` when `s` is a well-formed UUID; blank or malformed counts as absent.
pub fn normalize_uuid(s: &str) -> Option<String> {
    let t = s.trim();
    is_uuid(t).then(|| t.to_ascii_lowercase())
}

/// Milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (integer arithmetic only).
pub fn iso8601(ms: f64) -> String {
    let ms = if ms.is_finite() && ms > 0.0 { ms as i64 } else { 0 };
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    let mut out = String::with_capacity(24);
    push_num(&mut out, y, 4);
    out.push('-');
    push_num(&mut out, m, 2);
    out.push('-');
    push_num(&mut out, d, 2);
    out.push('T');
    push_num(&mut out, h, 2);
    out.push(':');
    push_num(&mut out, mi, 2);
    out.push(':');
    push_num(&mut out, s, 2);
    out.push('.');
    push_num(&mut out, milli, 3);
    out.push('Z');
    out
}

fn push_num(out: &mut String, n: i64, width: usize) {
    let mut digits = String::new();
    crate::json::push_i64(&mut digits, n);
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_has_version_and_variant() {
        let id = uuid_v4([0xAB; 16]);
        assert!(is_uuid(&id));
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn v7_starts_with_the_time() {
        let id = uuid_v7(1_700_000_000_000.0, [7; 10]);
        assert!(is_uuid(&id));
        assert_eq!(&id[14..15], "7");
        // 1_700_000_000_000 ms = 0x018BCFE56800
        assert_eq!(&id[..13], "018bcfe5-6800");
    }

    #[test]
    fn uuid_shape_is_strict() {
        assert!(is_uuid("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(is_uuid("0F8FAD5B-D9CB-469F-A165-70867728950E"));
        for bad in ["", " ", "not-a-uuid", "0f8fad5bd9cb469fa16570867728950e",
            "{0f8fad5b-d9cb-469f-a165-70867728950e}", "0f8fad5b-d9cb-469f-a165-70867728950e0",
            "0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5b_d9cb-469f-a165-70867728950e"] {
            assert!(!is_uuid(bad), "{bad}");
        }
        assert_eq!(normalize_uuid(" 0F8FAD5B-D9CB-469F-A165-70867728950E ").as_deref(),
            Some("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert_eq!(normalize_uuid("x"), None);
    }

    #[test]
    fn iso8601_matches_known_instants() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_795_860_000_000.0), "2026-11-28T10:00:00.000Z");
        assert_eq!(iso8601(951_782_400_123.0), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601(f64::NAN), "1970-01-01T00:00:00.000Z");
    }
}
