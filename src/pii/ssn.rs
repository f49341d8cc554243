//! US social security numbers (`123-45-6789`, `123 45 6789`): a fixed shape, numbers the
//! SSA never issues excluded, never part of a longer number or a date.

use super::scan::{numeric_context_ok, run_starts_at, shape_at};

pub(super) fn has_ssn(b: &[u8]) -> bool {
    (0..b.len()).any(|i| {
        if !run_starts_at(b, i) {
            return false;
        }
        let Some(end) = shape_at(b, i, b"dddsddsdddd", b"- ") else {
            return false;
        };
        let spaced = b.get(i + 3) == Some(&b' ');
        let joiners: &[u8] = if spaced { b"-./ " } else { b"-./" };
        numeric_context_ok(b, i, end, joiners, false) && b.get(i..end).is_some_and(ssn_parts_ok)
    })
}

/// Rejects numbers the SSA never issues: area 000, 666 or 900–999, group 00, serial 0000.
fn ssn_parts_ok(m: &[u8]) -> bool {
    let (Some(area), Some(group), Some(serial)) = (m.get(0..3), m.get(4..6), m.get(7..11)) else {
        return false;
    };
    area != b"000" && area != b"666" && area.first() != Some(&b'9') && group != b"00" && serial != b"0000"
}

#[cfg(test)]
mod tests {
    use crate::pii::tests::{assert_kind, assert_not};
    use crate::pii::PiiKind;

    #[test]
    fn ssn_positives() {
        assert_kind(
            PiiKind::Ssn,
            &[
                "123-45-6789",
                "123 45 6789",
                "my ssn is 123-45-6789 ok",
                "SSN: 078-05-1120",
                "(123-45-6789)",
                "ssn=123 45 6789;",
                "ssn_123-45-6789",
                "ssn123-45-6789",
                "123-45-6789x",
            ],
        );
    }

    #[test]
    fn ssn_negatives() {
        assert_not(
            PiiKind::Ssn,
            &[
                "1123-45-6789",
                "123-45-67890",
                "123-45 6789",
                "123 45-6789",
                "000-12-3456",
                "666-12-3456",
                "900-12-3456",
                "123-00-4567",
                "123-45-0000",
                "2024-123-45-6789",
                "12 123 45 6789",
                "123456789",
            ],
        );
    }
}
