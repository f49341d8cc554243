//! Cutting strings at one ASCII byte. std's `split(char)`, `split_once(char)`, `contains(char)`
//! and `trim_end_matches(char)` each bring a UTF-8 char searcher (with memchr) into the wasm;
//! every separator of the SDK's own formats (cookies, stored queue, session, profile) is
//! ASCII, and a UTF-8 string can be cut at an ASCII byte without splitting a character.

/// `s.split_once(sep)`.
pub fn cut(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// `s.split(sep)`: every piece, empty ones included.
pub fn parts(s: &str, sep: u8) -> Parts<'_> {
    Parts { rest: Some(s), sep }
}

pub struct Parts<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Parts<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        let (piece, rest) = match cut(s, self.sep) {
            Some((piece, rest)) => (piece, Some(rest)),
            None => (s, None),
        };
        self.rest = rest;
        Some(piece)
    }
}

/// `s.contains(b)`.
pub fn has(s: &str, b: u8) -> bool {
    s.as_bytes().contains(&b)
}

/// `s.trim_end_matches(b)`.
pub fn trim_end(s: &str, b: u8) -> &str {
    let keep = s.as_bytes().iter().rposition(|&x| x != b).map_or(0, |i| i + 1);
    s.get(..keep).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_agrees_with_std() {
        for s in ["", ",", "a", "a,b", ",a,,b,", "é,ü,", "ab..", "...", "a.b.c."] {
            assert_eq!(parts(s, b',').collect::<Vec<_>>(), s.split(',').collect::<Vec<_>>(), "{s:?}");
            assert_eq!(cut(s, b','), s.split_once(','), "{s:?}");
            assert_eq!(has(s, b'.'), s.contains('.'), "{s:?}");
            assert_eq!(trim_end(s, b'.'), s.trim_end_matches('.'), "{s:?}");
        }
    }
}
