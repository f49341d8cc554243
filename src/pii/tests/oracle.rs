//! The IBAN and credential patterns as regexes, each with the hand-written matcher that
//! ships instead, and differential tests: at every char boundary `i` of adversarial text,
//! the matcher's end must be regex-lite's `find(&text[i..])` end (both `^`-anchored).

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use regex_lite::Regex;

use crate::pii::credential::{aws_end, dash_key_end, github_end, jwt_end, slack_end, slack_hook_end, stripe_end};
use crate::pii::iban::iban_end;

type Matcher = fn(&[u8], usize) -> Option<usize>;

/// Family, the pattern (the one place each is written as a regex), the matcher shipped for it.
pub(super) const PATTERNS: &[(&str, &str, Matcher)] = &[
    ("iban", r"^[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){11,30}", iban_end),
    ("stripe", r"^(?i:(?:sk|rk|pk)_(?:live|test)_|whsec_)[A-Za-z0-9]{10}", stripe_end),
    ("dash_key", r"^(?:sk-ant-[A-Za-z0-9_.\-]{3}|(?:sk|pk)-[A-Za-z0-9_\-]{16})", dash_key_end),
    ("aws", r"^(?:(?:AKIA|ASIA)[A-Z0-9]{16}|akia[a-z0-9]{16})", aws_end),
    ("github", r"^(?:(?i:gh[pousr]_)[A-Za-z0-9]{20}|(?i:github_pat_)[A-Za-z0-9_]{20})", github_end),
    ("slack", r"^(?i:xox[abposre]-)[0-9]+-[A-Za-z0-9\-]{5}", slack_end),
    (
        "slack_hook",
        r"^(?i:hooks\.slack\.com/services/)T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]",
        slack_hook_end,
    ),
    ("jwt", r"^eyJ[A-Za-z0-9_\-]{7,}\.eyJ[A-Za-z0-9_\-]{7,}\.[A-Za-z0-9_\-]{10}", jwt_end),
];

fn regexes() -> &'static [Regex] {
    static COMPILED: OnceLock<Vec<Regex>> = OnceLock::new();
    COMPILED.get_or_init(|| PATTERNS.iter().map(|(_, p, _)| Regex::new(p).expect("pattern compiles")).collect())
}

/// The first disagreement between a matcher and its regex on `text`, if any.
fn disagreement(text: &str) -> Option<String> {
    disagreement_at(text, text.len())
}

/// [`disagreement`] at the char boundaries up to `last` only.
fn disagreement_at(text: &str, last: usize) -> Option<String> {
    for ((family, _, matcher), re) in PATTERNS.iter().zip(regexes()) {
        for i in (0..=last.min(text.len())).filter(|&i| text.is_char_boundary(i)) {
            let want = re.find(&text[i..]).map(|m| i + m.end());
            let got = matcher(text.as_bytes(), i);
            if got != want {
                return Some(format!("{family} at {i} of {text:?}: matcher {got:?}, regex-lite {want:?}"));
            }
        }
    }
    None
}

/// The pieces adversarial text is made of: every family's prefixes and delimiters, runs of
/// the classes, separators, and non-ASCII chars that Unicode folds to ASCII letters (`ſ`,
/// the Kelvin sign), which regex-lite does not.
const PIECES: &[&str] = &[
    "sk_", "live_", "test_", "rk_", "pk_", "whsec_", "sk-", "sk-ant-", "pk-", "AKIA", "ASIA", "akia", "ghp_",
    "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xoxb-", "xoxp-", "xoxo-", "xoxe-", "xox",
    "hooks.slack.com/services/", "hooks.slack.com/services/T", "T", "B", "/", "/B", "eyJ", ".", ".eyJ", "DE89",
    "GB82", "de89", "_", "-", ".", " ", "  ", "abcdefg", "0123456789", "WEST1234", "q9Z_x-7", "IOSFODNN", "7EXAMPLE",
    "/B0/", "eyJhbGciOi", "é", "ſ", "\u{212A}", "東",
];

/// One piece: a listed one, a letter, a digit or a separator.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(PIECES).prop_map(String::from),
        4 => "[a-zA-Z]",
        3 => "[0-9]",
        2 => "[_\\-. ]",
    ]
}

/// `s` as is, upper-cased, lower-cased or with every ASCII letter's case swapped.
fn recase(s: &str, how: u8) -> String {
    match how {
        1 => s.to_uppercase(),
        2 => s.to_lowercase(),
        3 => s.chars().map(swap_case).collect(),
        _ => s.to_owned(),
    }
}

fn swap_case(c: char) -> char {
    if c.is_ascii_lowercase() {
        c.to_ascii_uppercase()
    } else {
        c.to_ascii_lowercase()
    }
}

/// Up to `max` pieces in any order, each in mixed case half the time.
fn soup(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec((piece(), 0u8..8), 0..max)
        .prop_map(|v| v.iter().map(|(p, how)| recase(p, *how)).collect())
}

/// A match of each family (exact lengths), to be mutated into its near misses.
const SAMPLES: &[&str] = &[
    "DE89 3704 0044 0532 0130 00",
    "GB82WEST12345698765432",
    "de89370400440532013000x",
    "sk_live_4eC39HqLyjWDarjt",
    "whsec_abcdefghij",
    "sk-ant-api",
    "sk-abcdefghijklmnop",
    "pk-abc_def-ghijklmn",
    "AKIAIOSFODNN7EXAMPLE",
    "akiaiosfodnn7example",
    "ghp_abcdefghijklmnopqrst",
    "github_pat_11ABCDEFG0_23456789",
    "xoxb-123456789012-abcde",
    "hooks.slack.com/services/T00000000/B00000000/X",
    "hooks.slack.com/services/T_0/B0_/_",
    "eyJhbGciOi.eyJzdWIiOi.dozjgNryP4",
];

/// A sample after a few edits (delete, insert a piece, swap a char's case, cut, or repeat),
/// between a little soup.
fn mutated() -> impl Strategy<Value = String> {
    let edits = proptest::collection::vec((any::<Index>(), 0u8..5, piece()), 0..4);
    (soup(4), select(SAMPLES), 0u8..8, edits, soup(4)).prop_map(|(before, sample, how, edits, after)| {
        let mut chars: Vec<char> = recase(sample, how).chars().collect();
        for (at, op, p) in edits {
            let k = at.index(chars.len() + 1);
            match (op, chars.get(k).copied()) {
                (0, Some(_)) => drop(chars.remove(k)),
                (2, Some(c)) => chars[k] = swap_case(c),
                (3, _) => chars.truncate(k),
                (4, Some(c)) => chars.insert(k, c),
                _ => drop(chars.splice(k..k, p.chars()).count()),
            }
        }
        before + &chars.into_iter().collect::<String>() + &after
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn matchers_agree_with_regex_lite_on_soup(text in soup(64)) {
        prop_assert!(disagreement(&text).is_none(), "{}", disagreement(&text).unwrap_or_default());
    }

    #[test]
    fn matchers_agree_with_regex_lite_on_near_misses(text in mutated()) {
        prop_assert!(disagreement(&text).is_none(), "{}", disagreement(&text).unwrap_or_default());
    }
}

/// Hand cases: (family, text, the end at index 0). Exact lengths, one short, case variants.
const CASES: &[(&str, &str, Option<usize>)] = &[
    ("iban", "DE89370400440532013000", Some(22)),
    ("iban", "DE89 3704 0044 0532 0130 00", Some(27)),
    ("iban", "DE89 3704 0044 0532 0130 00 ", Some(27)),
    ("iban", "de8937040044053", Some(15)),
    ("iban", "DE893704004405", None),
    ("iban", "DE89  37040044053201", None),
    ("iban", "DE89370400440532013000123456789012345", Some(34)),
    ("iban", "D189370400440532013000", None),
    ("stripe", "sk_live_0123456789", Some(18)),
    ("stripe", "sk_live_012345678", None),
    ("stripe", "SK_LIVE_0123456789xyz", Some(18)),
    ("stripe", "Rk_TeSt_abcdefghij", Some(18)),
    ("stripe", "WHSEC_abcdefghij", Some(16)),
    ("stripe", "sk_prod_0123456789", None),
    ("stripe", "\u{17F}k_live_0123456789", None),
    ("dash_key", "sk-ant-abc", Some(10)),
    ("dash_key", "sk-ant-a.b", Some(10)),
    ("dash_key", "sk-ant-ab", None),
    ("dash_key", "sk-ant-ab!cdefghijklmnop", None),
    ("dash_key", "sk-antabcdefghijklm", Some(19)),
    ("dash_key", "pk-abcdefghijklmnop", Some(19)),
    ("dash_key", "pk-abcdefghijklmno", None),
    ("dash_key", "pk-ant-abc", None),
    ("dash_key", "SK-abcdefghijklmnop", None),
    ("aws", "AKIAIOSFODNN7EXAMPLE", Some(20)),
    ("aws", "ASIAIOSFODNN7EXAMPLEX", Some(20)),
    ("aws", "AKIAIOSFODNN7EXAMPL", None),
    ("aws", "akiaiosfodnn7example", Some(20)),
    ("aws", "AKIAiosfodnn7example", None),
    ("aws", "Akiaiosfodnn7example", None),
    ("github", "ghp_abcdefghijklmnopqrst", Some(24)),
    ("github", "GHO_ABCDEFGHIJKLMNOPQRST0", Some(24)),
    ("github", "ghp_abcdefghijklmnopqrs", None),
    ("github", "ghp_abc_efghijklmnopqrst", None),
    ("github", "GitHub_Pat_abc_efghijklmnopqrst", Some(31)),
    ("github", "github_pat_abc_efghijklmnopqrs", None),
    ("slack", "xoxb-1-abcde", Some(12)),
    ("slack", "XOXP-123-a-b-c", Some(14)),
    ("slack", "xoxb--abcde", None),
    ("slack", "xoxb-123-abcd", None),
    ("slack", "xoxz-1-abcde", None),
    ("slack", "xoxo-hugs-and-kisses", None),
    ("slack_hook", "hooks.slack.com/services/T0/B0/X", Some(32)),
    ("slack_hook", "HOOKS.Slack.COM/services/T0_a/B0/X_yz", Some(34)),
    ("slack_hook", "hooks.slack.com/services/T_/B_/_", Some(32)),
    ("slack_hook", "hooks.slack.com/services/t0/B0/X", None),
    ("slack_hook", "hooks.slack.com/services/T/B0/X", None),
    ("slack_hook", "hooks.slack.com/services/T0/B0/", None),
    ("jwt", "eyJabcdefg.eyJabcdefg.0123456789", Some(32)),
    ("jwt", "eyJabcdefg.eyJabcdefg.0123456789-more", Some(32)),
    ("jwt", "eyJabcdef.eyJabcdefg.0123456789", None),
    ("jwt", "eyJabcdefg.eyJabcdefg.012345678", None),
    ("jwt", "EYJabcdefg.eyJabcdefg.0123456789", None),
];

#[test]
fn hand_cases_match_regex_lite() {
    for &(family, text, end) in CASES {
        let index = PATTERNS.iter().position(|(f, _, _)| *f == family).expect("known family");
        let (_, _, matcher) = PATTERNS[index];
        assert_eq!(regexes()[index].find(text).map(|m| m.end()), end, "regex-lite, {family}: {text:?}");
        assert_eq!(matcher(text.as_bytes(), 0), end, "matcher, {family}: {text:?}");
        assert_eq!(disagreement(text), None);
    }
}

/// Every sample with one char deleted, replaced or inserted, at every position, for every
/// printable ASCII char and a few non-ASCII ones: each prefix byte, class edge and length.
/// Checked where the sample starts (0, or 1 after an insertion in front).
#[test]
fn single_edits_of_samples_match_regex_lite() {
    let chars: Vec<char> = (' '..='~').chain(['é', 'ſ', '\u{212A}']).collect();
    for sample in SAMPLES {
        let s: Vec<char> = sample.chars().collect();
        for k in 0..=s.len() {
            let (head, tail) = s.split_at(k);
            let mut edits: Vec<String> = Vec::new();
            if let Some((_, rest)) = tail.split_first() {
                edits.push(head.iter().chain(rest).collect());
                edits.extend(chars.iter().map(|c| head.iter().chain([c]).chain(rest).collect()));
            }
            edits.extend(chars.iter().map(|c| head.iter().chain([c]).chain(tail).collect()));
            for text in edits {
                assert_eq!(disagreement_at(&text, 1), None);
            }
        }
    }
}
