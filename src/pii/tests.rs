//! Tests across the families: names, every pattern compiles, ordinary values and near
//! misses stay clean, the family order, bounded input; and the helpers the per-family tests
//! share. Natively also the regex of each IBAN and credential pattern (`oracle`), and
//! differential tests of the hand-written matchers against regex-lite.

use super::scan::bounded;
use super::*;

pub(super) fn assert_kind(kind: PiiKind, values: &[&str]) {
    for v in values {
        assert_eq!(detect(v), Some(kind), "expected {} in {v:?}", kind.as_str());
        assert!(contains_pii(v), "contains_pii({v:?})");
    }
}

pub(super) fn assert_none(values: &[&str]) {
    for v in values {
        assert_eq!(detect(v), None, "expected no PII in {v:?}");
        assert!(!contains_pii(v), "contains_pii({v:?})");
    }
}

pub(super) fn assert_not(kind: PiiKind, values: &[&str]) {
    for v in values {
        assert_ne!(detect(v), Some(kind), "did not expect {} in {v:?}", kind.as_str());
    }
}

/// Values that are none of the families: dates, times, versions, IPs, bare digit runs,
/// ISBNs, prices, postcodes, hashes, UUIDs and order ids.
pub(super) const DATES_VERSIONS_PRICES: &[&str] = &[
    "90210",
    "SW1A 1AA",
    "10115",
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "550e8400-e29b-41d4-a716-446655440000",
    "ORD-2024-000123",
    "2024-01-15",
    "15.01.2024",
    "01/15/2024",
    "12:30:45",
    "2024-01-15T10:30:00Z",
    "2024-01-15 10:30:00",
    "1.2.3",
    "v10.15.3",
    "2.0.0-beta.1",
    "192.168.100.200",
    "10.0.0.1",
    "5551234567",
    "12345678901",
    "978-3-16-148410-0",
    "0-306-40615-2",
    "$1,234.56",
    "1.234,56 €",
];

#[test]
fn as_str_names() {
    assert_eq!(PiiKind::Ssn.as_str(), "ssn");
    assert_eq!(PiiKind::Card.as_str(), "card");
    assert_eq!(PiiKind::Iban.as_str(), "iban");
    assert_eq!(PiiKind::Phone.as_str(), "phone");
    assert_eq!(PiiKind::Credential.as_str(), "credential");
}













#[test]
fn ordinary_values_are_clean() {
    assert_none(&[
        "",
        "pro",
        "platform",
        "enterprise",
        "ana@example.com",
        "Hello, world",
        "en-US",
        "2024-Q3",
        "build 1234",
        "#ff00aa",
        "42",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
        "https://example.com/pricing?plan=pro&utm_source=newsletter",
        "Zürich – café ☕ 東京",
        "order #1234 shipped",
        "1705312200000",
        "0.8364729174628193",
    ]);
}

#[test]
fn near_misses_are_clean() {
    assert_none(&[
        "4111 1111 1111 1112",
        "DE89 3704 0044 0532 0130 01",
        "risk-averse",
        "task-force",
        "desk-lamp",
        "pk-12",
        "sk-short",
        "cus_NffrFeUfNV2Hib",
        "price_1MoBy5LkdIwHu7ixZhnattbh",
        // Relatives of the glue and case rules that must stay clean.
        "cus_NffrFeUfNV2Hib_2024",
        "price_1MoBy5LkdIwHu7ixZhnattbh_eur",
        "prod_NWjs8kKbJWmuuc",
        "risk-averse-strategy-for-everyone",
        "risk_averse",
        "ts_1705312200000",
        "1705312200000x",
        "event-1705312200123",
        "2024-01-15T10:30:00.000Z",
        "build_2024.01.15",
        "v1.2.3-rc.4+build.5678",
        "ip_192.168.100.200",
        "10.0.0.1:8080",
        "SKU-5551234567",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "xoxo-hugs-and-kisses",
    ]);
    assert_none(DATES_VERSIONS_PRICES);
}

/// The values reported as getting through, each with the family that must catch it.
#[test]
fn the_reported_misses_are_caught() {
    for (value, kind) in [
        ("de89370400440532013000", PiiKind::Iban),
        ("DE89 37040044 0532013000", PiiKind::Iban),
        ("555-123-4567x123", PiiKind::Phone),
        ("4111111111111111x", PiiKind::Card),
        ("aws_AKIAIOSFODNN7EXAMPLE", PiiKind::Credential),
    ] {
        assert_eq!(detect(value), Some(kind), "{value}");
    }
}

#[test]
fn family_order_is_declaration_order() {
    assert_eq!(detect("sk_live_4eC39HqLyjWDarjtT1zdp7dc 555-123-4567"), Some(PiiKind::Phone));
    assert_eq!(detect("555-123-4567 and 123-45-6789"), Some(PiiKind::Ssn));
    assert_eq!(detect("4111111111111111 DE89370400440532013000"), Some(PiiKind::Card));
}

#[test]
fn long_input_is_bounded_and_safe() {
    let filler = "a".repeat(MAX_SCAN_BYTES);
    assert_eq!(detect(&format!("{filler} 555-123-4567")), None, "past the scan limit");
    assert_eq!(detect(&format!("555-123-4567 {filler}")), Some(PiiKind::Phone));
    // A multi-byte char straddling the cut.
    let straddle = format!("{}é{}", "a".repeat(MAX_SCAN_BYTES - 1), "b".repeat(10));
    assert_eq!(detect(&straddle), None);
    assert_eq!(bounded(&straddle).len(), MAX_SCAN_BYTES - 1);
    // Dense numeric and prefix-heavy junk must neither panic nor match.
    assert_eq!(detect(&"1-".repeat(5000)), None);
    let _ = detect(&"sk-".repeat(3000));
    assert_eq!(detect(&"+(".repeat(3000)), None);
    let _ = detect(&"9 ".repeat(5000));
    let _ = detect(&"eyJ.".repeat(3000));
}

#[test]
fn all_patterns_compile() {
    // Every family once, so each hand-written matcher is exercised.
    assert_eq!(detect("123-45-6789"), Some(PiiKind::Ssn));
    assert_eq!(detect("GB82WEST12345698765432"), Some(PiiKind::Iban));
    assert_eq!(detect("555-123-4567"), Some(PiiKind::Phone));
    for key in [
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "xoxb-123456789012-abcdefghij",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ] {
        assert_eq!(detect(key), Some(PiiKind::Credential), "{key}");
    }
    #[cfg(not(target_arch = "wasm32"))]
    for (family, pattern, _) in oracle::PATTERNS {
        assert!(regex_lite::Regex::new(pattern).is_ok(), "the {family} pattern failed to compile");
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod oracle;
