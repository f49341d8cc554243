//! Property tests for `sessionsight::pii`: detection never panics (the wasm must never
//! trap), is deterministic, never fires on values that cannot hold PII, and keeps finding
//! known PII (also glued, re-cased or re-grouped) when it is buried in arbitrary
//! digit-free text.

use proptest::prelude::*;
use sessionsight::pii::{contains_pii, detect, PiiKind};

/// Substrings that can start a credential; a digit-free value without any of them cannot
/// contain PII of any family.
const CREDENTIAL_PREFIXES: &[&str] = &[
    "sk_", "rk_", "pk_", "whsec_", "sk-", "pk-", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "xox", "hooks.slack.com", "eyJ",
];

const SAMPLES: &[(PiiKind, &str)] = &[
    (PiiKind::Ssn, "123-45-6789"),
    (PiiKind::Ssn, "123 45 6789"),
    (PiiKind::Card, "4111 1111 1111 1111"),
    (PiiKind::Card, "4111-1111-1111-1111"),
    (PiiKind::Card, "378282246310005"),
    (PiiKind::Iban, "DE89 3704 0044 0532 0130 00"),
    (PiiKind::Iban, "GB82WEST12345698765432"),
    (PiiKind::Phone, "555-123-4567"),
    (PiiKind::Phone, "(555) 123-4567"),
    (PiiKind::Phone, "+1 555 123 4567"),
    (PiiKind::Phone, "+44 20 7946 0958"),
    (PiiKind::Phone, "+4915112345678"),
    (PiiKind::Credential, "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    (PiiKind::Credential, "sk-ant-api03-abcdefghijklmnop"),
    (PiiKind::Credential, "AKIAIOSFODNN7EXAMPLE"),
    (PiiKind::Credential, "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    (PiiKind::Credential, "xoxb-123456789012-abcdefghij"),
    (PiiKind::Credential, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
    // Case, grouping, suffixes and glued prefixes.
    (PiiKind::Iban, "de89370400440532013000"),
    (PiiKind::Iban, "DE89 37040044 0532013000"),
    (PiiKind::Phone, "555-123-4567x123"),
    (PiiKind::Card, "4111111111111111x"),
    (PiiKind::Credential, "aws_AKIAIOSFODNN7EXAMPLE"),
    (PiiKind::Credential, "SK_LIVE_4EC39HQLYJWDARJTT1ZDP7DC"),
];

/// Text mixing arbitrary unicode with the characters the detectors care about.
fn noisy_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(any::<char>(), 0..max).prop_map(|v| v.into_iter().collect::<String>()),
        proptest::string::string_regex(&format!(r"[0-9a-zA-Z +()./:,_\-]{{0,{max}}}")).expect("valid regex"),
        proptest::string::string_regex(&format!(
            r"(sk-|pk_|sk_live_|eyJ|AKIA|ghp_|xoxb-|\+|\(|[0-9]{{1,4}}|[A-Z]{{2}}[0-9]{{2}}|[ .\-]|é|東){{0,{}}}",
            max / 4
        ))
        .expect("valid regex"),
    ]
}

/// Digit-free text: arbitrary unicode, plus letters/punctuation near the credential prefixes.
fn digit_free_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::string::string_regex(r"[a-zA-Z_\-. /:+()éß東]{0,300}").expect("valid regex"),
        proptest::string::string_regex(r"(sk|pk|rk|gh|xo|ey|AK|AS|hooks|slack|[a-zA-Z]|[_\-. ]){0,80}").expect("valid regex"),
    ]
    .prop_map(|s| s.chars().filter(|c| !c.is_ascii_digit()).collect())
}

/// Case-insensitive: several families accept their prefix in any case (`SK_LIVE_`, `GHP_`).
fn has_credential_prefix(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    CREDENTIAL_PREFIXES.iter().any(|p| lower.contains(&p.to_ascii_lowercase()))
}

/// Surrounding text that cannot glue onto a sample: no ASCII alphanumerics at all.
fn separator_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r"[ ,;:!?'\x22éß東☕\-]{0,40}").expect("valid regex")
}

proptest! {
    // Long inputs are slow to generate; fewer cases still cover the 8 KiB cut-off.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn never_panics_on_long_strings(s in proptest::collection::vec(any::<char>(), 0..10_000)) {
        let s: String = s.into_iter().collect();
        let _ = detect(&s);
    }

    #[test]
    fn never_panics_on_long_numeric_text(s in noisy_text(10_000)) {
        let _ = detect(&s);
    }
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_strings(s in any::<String>()) {
        let _ = detect(&s);
    }

    #[test]
    fn never_panics_on_noisy_text(s in noisy_text(400)) {
        let _ = detect(&s);
    }

    #[test]
    fn deterministic(s in noisy_text(400)) {
        let first = detect(&s);
        prop_assert_eq!(first, detect(&s));
        prop_assert_eq!(first.is_some(), contains_pii(&s));
    }

    #[test]
    fn digit_free_prefix_free_is_never_pii(s in digit_free_text()) {
        prop_assume!(!has_credential_prefix(&s));
        prop_assert_eq!(detect(&s), None, "{:?}", s);
    }

    #[test]
    fn samples_are_found_inside_surrounding_text(
        index in 0..SAMPLES.len(),
        before in separator_text(),
        after in separator_text(),
    ) {
        let (kind, sample) = SAMPLES[index];
        let value = format!("{before} {sample} {after}");
        prop_assert_eq!(detect(&value), Some(kind), "{:?}", value);
    }
}
