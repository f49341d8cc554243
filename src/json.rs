//! A minimal JSON writer for the wire format, and the integer rendering every text the core
//! writes uses. The core never parses JSON and only writes strings, integers and pre-rendered
//! numbers, so a few lines here replace a JSON crate and keep `core::fmt` (`format!`,
//! `to_string` on numbers) out of the shipped wasm: ~10 KB of formatting machinery.

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

/// `n` in decimal.
pub fn u64_text(n: u64) -> String {
    let mut out = String::new();
    push_u64(&mut out, n);
    out
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

/// Builds one JSON object field by field.
pub struct Obj {
    out: String,
}

impl Obj {
    pub fn new() -> Self {
        Obj { out: String::from("{") }
    }

    fn key(&mut self, k: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        push_str(&mut self.out, k);
        self.out.push(':');
    }

    pub fn str(mut self, k: &str, v: &str) -> Self {
        self.key(k);
        push_str(&mut self.out, v);
        self
    }

    pub fn opt_str(mut self, k: &str, v: Option<&str>) -> Self {
        self.key(k);
        match v {
            Some(v) => push_str(&mut self.out, v),
            None => self.out.push_str("null"),
        }
        self
    }

    /// Inserts already-valid JSON text (a number, an object, an array).
    pub fn raw(mut self, k: &str, json: &str) -> Self {
        self.key(k);
        self.out.push_str(json);
        self
    }

    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

impl Default for Obj {
    fn default() -> Self {
        Self::new()
    }
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
            assert_eq!(u64_text(n), n.to_string());
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
    fn builds_objects() {
        let o = Obj::new().str("a", "x").opt_str("b", None).raw("c", "42").finish();
        assert_eq!(o, r#"{"a":"x","b":null,"c":42}"#);
        assert_eq!(Obj::new().finish(), "{}");
    }
}
