//! Anchored byte scans for the IBAN and credential patterns, so the wasm ships no regex
//! engine: the patterns are written as regexes in the tests and checked against regex-lite.

// Each helper matches one piece of an anchored pattern at `b[i..]` and returns where it
// ends (`None`: no match); pieces chain with `?`. Runs are greedy and never backtrack,
// which gives the regex's end because in every pattern the piece after a run never matches
// a byte of the run. Only ASCII bytes match, as a multi-byte char never does in the regex.

/// End of the first of `alts` that `b[i..]` starts with (`(?:a|b)`, leftmost-first).
pub(super) fn lit(b: &[u8], i: usize, alts: &[&[u8]]) -> Option<usize> {
    let rest = b.get(i..)?;
    alts.iter().find(|a| rest.starts_with(a)).map(|a| i + a.len())
}

/// [`lit`] ignoring ASCII case (`(?i:a|b)`; regex-lite folds ASCII case only).
pub(super) fn lit_ci(b: &[u8], i: usize, alts: &[&[u8]]) -> Option<usize> {
    let rest = b.get(i..)?;
    alts.iter()
        .find(|a| rest.get(..a.len()).is_some_and(|head| head.eq_ignore_ascii_case(a)))
        .map(|a| i + a.len())
}

/// Greedy run of at least `min`, at most `max` bytes of `class` (`[…]{min,max}`; `{n}` is
/// `n, n`, `{n,}` and `+` have `max` = `usize::MAX`).
pub(super) fn run(b: &[u8], i: usize, class: fn(u8) -> bool, min: usize, max: usize) -> Option<usize> {
    let n = b.get(i..)?.iter().take(max).take_while(|&&c| class(c)).count();
    (n >= min).then_some(i + n)
}

/// Greedy run of at least `min`, at most `max` units, each an optional space then a byte of
/// `class` (`(?: ?[…]){min,max}`). A space not followed by a `class` byte ends the run
/// before it.
pub(super) fn spaced_run(b: &[u8], i: usize, class: fn(u8) -> bool, min: usize, max: usize) -> Option<usize> {
    let mut end = i;
    let mut units = 0usize;
    while units < max {
        let at = if b.get(end) == Some(&b' ') { end + 1 } else { end };
        if !b.get(at).is_some_and(|&c| class(c)) {
            break;
        }
        end = at + 1;
        units += 1;
    }
    (units >= min).then_some(end)
}

/// `[A-Za-z]`
pub(super) fn alpha(c: u8) -> bool {
    c.is_ascii_alphabetic()
}

/// `[0-9]`
pub(super) fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}

/// `[A-Za-z0-9]`
pub(super) fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

/// `[A-Za-z0-9_]`
pub(super) fn word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `[A-Za-z0-9_\-]`: the base64url alphabet.
pub(super) fn base64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}
