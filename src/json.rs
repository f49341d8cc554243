//! Text the core writes without `core::fmt` (`format!`, `to_string` on numbers would pull
//! its formatting machinery into the shipped wasm): decimal and hex integers for storage and
//! timestamps, and JSON string literals for profile fingerprints, and reading those integers
//! back (one routine: std's `parse` brings one per integer type and radix). Wire JSON is `wire`'s.

/// The parts joined: `[a, b].concat()` without its generic joining code.
pub fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `s` as an unsigned integer in `radix` (10 or 16, either case): digits only, no sign, not
/// empty, no overflow.
pub fn parse_u64(s: &str, radix: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        let d = (b as char).to_digit(radix)?;
        n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))
    })
}

/// Appends `n` in decimal.
pub fn push_u64(out: &mut String, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

/// Appends `n` in decimal, with a minus sign when negative.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Appends `n` as exactly 16 lower-case hex digits.
pub fn push_hex16(out: &mut String, n: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        out.push(HEX[((n >> (shift * 4)) & 0xF) as usize] as char);
    }
}

/// Appends `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let n = c as u32;
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((n >> shift) & 0xF) as usize] as char);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_json_requires() {
        let mut s = String::new();
        push_str(&mut s, "a\"b\\c\nd\u{1}é\u{2028}");
        assert_eq!(s, r#""a\"b\\c\nd\u0001é\u2028""#);
    }

    #[test]
    fn renders_integers_without_fmt() {
        for n in [0u64, 7, 10, 42, 1_795_860_000_123, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        let mut s = String::new();
        push_i64(&mut s, -9_007_199_254_740_991);
        push_i64(&mut s, i64::MIN);
        assert_eq!(s, format!("{}{}", -9_007_199_254_740_991i64, i64::MIN));
        let mut h = String::new();
        push_hex16(&mut h, 0xabc);
        push_hex16(&mut h, u64::MAX);
        assert_eq!(h, format!("{:016x}{:016x}", 0xabc, u64::MAX));
    }

    #[test]
    fn parses_what_it_renders_and_nothing_else() {
        for n in [0u64, 7, 42, 1_795_860_000_123, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(parse_u64(&s, 10), Some(n));
            let mut h = String::new();
            push_hex16(&mut h, n);
            assert_eq!(parse_u64(&h, 16), Some(n));
            assert_eq!(parse_u64(&h.to_uppercase(), 16), Some(n));
        }
        for bad in ["", "-1", "+1", " 1", "1 ", "1.5", "x", "18446744073709551616", "ff"] {
            assert_eq!(parse_u64(bad, 10), None, "{bad:?}");
        }
        assert_eq!(parse_u64("g", 16), None);
        assert_eq!(parse_u64("10000000000000000", 16), None);
    }
}
