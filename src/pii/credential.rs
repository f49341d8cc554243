//! Credentials: Stripe, OpenAI, Anthropic, AWS, GitHub and Slack keys and tokens, Slack
//! webhook URLs, JWTs and generic `sk-`/`pk-` keys. A byte scan finds known prefixes; each
//! family's anchored pattern confirms the token after it. The patterns are written as
//! regexes and checked against regex-lite in the tests (`src/pii/tests/oracle.rs`); the
//! shipped code matches them with the hand-written byte scans below (`*_end`, over
//! `super::pattern`).

use super::pattern::{alnum, base64url, digit, lit, lit_ci, run, word};
use super::scan::{byte_before, is_alnum};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cred {
    Stripe,
    DashKey,
    Aws,
    GitHub,
    Slack,
    SlackHook,
    Jwt,
}

impl Cred {
    /// The family whose prefix starts `rest`, if any (the cheap prefilter). Stripe, GitHub
    /// and Slack prefixes in any case (`SK_LIVE_…`); AWS ids upper- or lower-case; JWTs and
    /// `sk-`/`pk-` keys exactly (`SK-2024-…` is a product code more often than a key).
    fn prefixed(rest: &[u8]) -> Option<Cred> {
        // The first two letters of every prefix, in any case: most positions of a text stop
        // here, before the 16-byte lower-casing below (the scan's cost on long values).
        let two = [rest.first()?.to_ascii_lowercase(), rest.get(1)?.to_ascii_lowercase()];
        if !matches!(&two, b"sk" | b"pk" | b"rk" | b"ak" | b"as" | b"ey" | b"wh" | b"gh" | b"gi" | b"xo" | b"ho") {
            return None;
        }
        match rest {
            [b's' | b'p', b'k', b'-', ..] => return Some(Cred::DashKey),
            [b'A', b'K' | b'S', b'I', b'A', ..] | [b'a', b'k', b'i', b'a', ..] => return Some(Cred::Aws),
            [b'e', b'y', b'J', ..] => return Some(Cred::Jwt),
            _ => {}
        }
        let mut low = [0u8; 16];
        for (l, c) in low.iter_mut().zip(rest) {
            *l = c.to_ascii_lowercase();
        }
        Some(match low {
            [b's' | b'r' | b'p', b'k', b'_', ..] | [b'w', b'h', b's', b'e', b'c', b'_', ..] => Cred::Stripe,
            [b'g', b'h', b'p' | b'o' | b'u' | b's' | b'r', b'_', ..] => Cred::GitHub,
            [b'g', b'i', b't', b'h', b'u', b'b', b'_', b'p', b'a', b't', b'_', ..] => Cred::GitHub,
            [b'x', b'o', b'x', ..] => Cred::Slack,
            [b'h', b'o', b'o', b'k', b's', b'.', b's', b'l', b'a', b'c', b'k', b'.', b'c', b'o', b'm', b'/'] => Cred::SlackHook,
            _ => return None,
        })
    }

    /// End of the family's anchored token at `b[i..]`, if the whole token is there.
    fn end(self, b: &[u8], i: usize) -> Option<usize> {
        match self {
            Cred::Stripe => stripe_end(b, i),
            Cred::DashKey => dash_key_end(b, i),
            Cred::Aws => aws_end(b, i),
            Cred::GitHub => github_end(b, i),
            Cred::Slack => slack_end(b, i),
            Cred::SlackHook => slack_hook_end(b, i),
            Cred::Jwt => jwt_end(b, i),
        }
    }
}

// One matcher per family. Each doc line is the regex it implements, the one that
// `src/pii/tests/oracle.rs` (`PATTERNS`) holds and checks it against.

/// `^(?i:(?:sk|rk|pk)_(?:live|test)_|whsec_)[A-Za-z0-9]{10}`
pub(super) fn stripe_end(b: &[u8], i: usize) -> Option<usize> {
    let prefixes: &[&[u8]] = &[b"sk_live_", b"sk_test_", b"rk_live_", b"rk_test_", b"pk_live_", b"pk_test_", b"whsec_"];
    run(b, lit_ci(b, i, prefixes)?, alnum, 10, 10)
}

/// `^(?:sk-ant-[A-Za-z0-9_.\-]{3}|(?:sk|pk)-[A-Za-z0-9_\-]{16})`, alternatives in that order.
pub(super) fn dash_key_end(b: &[u8], i: usize) -> Option<usize> {
    let ant = lit(b, i, &[b"sk-ant-"]).and_then(|e| run(b, e, |c| base64url(c) || c == b'.', 3, 3));
    ant.or_else(|| run(b, lit(b, i, &[b"sk-", b"pk-"])?, base64url, 16, 16))
}

/// `^(?:(?:AKIA|ASIA)[A-Z0-9]{16}|akia[a-z0-9]{16})`
pub(super) fn aws_end(b: &[u8], i: usize) -> Option<usize> {
    let upper = |c: u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    let lower = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let id = lit(b, i, &[b"AKIA", b"ASIA"]).and_then(|e| run(b, e, upper, 16, 16));
    id.or_else(|| run(b, lit(b, i, &[b"akia"])?, lower, 16, 16))
}

/// `^(?:(?i:gh[pousr]_)[A-Za-z0-9]{20}|(?i:github_pat_)[A-Za-z0-9_]{20})`
pub(super) fn github_end(b: &[u8], i: usize) -> Option<usize> {
    let short = lit_ci(b, i, &[b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"]).and_then(|e| run(b, e, alnum, 20, 20));
    short.or_else(|| run(b, lit_ci(b, i, &[b"github_pat_"])?, word, 20, 20))
}

/// `^(?i:xox[abposre]-)[0-9]+-[A-Za-z0-9\-]{5}`: Slack tokens start with a numeric team or
/// user id (`xoxb-1234…`); `xoxo-hugs-…` is a greeting.
pub(super) fn slack_end(b: &[u8], i: usize) -> Option<usize> {
    let kinds: &[&[u8]] = &[b"xoxa-", b"xoxb-", b"xoxp-", b"xoxo-", b"xoxs-", b"xoxr-", b"xoxe-"];
    let id = run(b, lit_ci(b, i, kinds)?, digit, 1, usize::MAX)?;
    run(b, lit(b, id, &[b"-"])?, |c| alnum(c) || c == b'-', 5, 5)
}

/// `^(?i:hooks\.slack\.com/services/)T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]`
pub(super) fn slack_hook_end(b: &[u8], i: usize) -> Option<usize> {
    let team = run(b, lit(b, lit_ci(b, i, &[b"hooks.slack.com/services/"])?, &[b"T"])?, word, 1, usize::MAX)?;
    let bot = run(b, lit(b, team, &[b"/B"])?, word, 1, usize::MAX)?;
    run(b, lit(b, bot, &[b"/"])?, word, 1, 1)
}

/// `^eyJ[A-Za-z0-9_\-]{7,}\.eyJ[A-Za-z0-9_\-]{7,}\.[A-Za-z0-9_\-]{10}`
pub(super) fn jwt_end(b: &[u8], i: usize) -> Option<usize> {
    let header = run(b, lit(b, i, &[b"eyJ"])?, base64url, 7, usize::MAX)?;
    let payload = run(b, lit(b, header, &[b".eyJ"])?, base64url, 7, usize::MAX)?;
    run(b, lit(b, payload, &[b"."])?, base64url, 10, 10)
}

/// One pass over the bytes; at each known prefix (that starts a word, except for JWTs and
/// webhook URLs, which are unambiguous anywhere) the family's anchored pattern is matched
/// against the rest of the text. `_` separates words here (`aws_AKIA…`, `key_sk-…`); a letter or
/// digit before the prefix makes it part of a word (`risk-averse`, `ask_test_…`). Patterns state only the minimum length (`{10}`, not `{10,}`):
/// "at least" is all that matters, and it keeps every attempt short.
pub(super) fn has_credential(text: &str) -> bool {
    let b = text.as_bytes();
    // A failed JWT attempt at `p` fails for every later `eyJ` inside the same base64url
    // run (same end, shorter first segment), so those are skipped: linear, not quadratic,
    // on `eyJeyJeyJ…`.
    let mut jwt_skip_until = 0usize;
    for i in 0..b.len() {
        let Some(family) = Cred::prefixed(b.get(i..).unwrap_or(&[])) else {
            continue;
        };
        // Prefixes must start a word (`\b`): `risk-averse-strategy…` contains `sk-averse…`.
        let anywhere = matches!(family, Cred::Jwt | Cred::SlackHook);
        if (!anywhere && is_alnum(byte_before(b, i))) || (family == Cred::Jwt && i < jwt_skip_until) {
            continue;
        }
        let Some(end) = family.end(b, i) else {
            if family == Cred::Jwt {
                jwt_skip_until = i + b.get(i..).map_or(0, |r| r.iter().take_while(|&&c| base64url(c)).count());
            }
            continue;
        };
        // AWS key ids are exactly 20 characters, so the end must be a boundary too.
        if family != Cred::Aws || !is_alnum(b.get(end).copied()) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::pii::tests::{assert_kind, assert_not};
    use crate::pii::PiiKind;

    #[test]
    fn credential_positives() {
        assert_kind(
            PiiKind::Credential,
            &[
                "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
                "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
                "rk_live_abcdefghij",
                "rk_test_0123456789",
                "pk_live_abcdefghijKLMN",
                "pk_test_TYooMQauvdEDq54NiTphI7jx",
                "whsec_abcdefghij0123",
                "sk-abcdefghijklmnopqrstuvwxyz0123456789",
                "sk-proj-abcdefghijklmnopqrst_uvwx-yz",
                "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
                "sk-ant-xxx...",
                "AKIAIOSFODNN7EXAMPLE",
                "ASIAIOSFODNN7EXAMPLE",
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "gho_abcdefghijklmnopqrst",
                "ghu_abcdefghijklmnopqrst",
                "ghs_abcdefghijklmnopqrst",
                "ghr_abcdefghijklmnopqrst",
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
                "xoxb-123456789012-abcdefghij",
                "xoxp-1234-5678-abcdefgh",
                "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "pk-abcdefghijklmnop",
                "sk-abcdefghijklmnop",
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0x.abcdefghijKLMNOP",
                "my key is sk_live_4eC39HqLyjWDarjtT1zdp7dc, keep it safe",
                "config: {\"key\":\"sk-ant-api03-abc\"}",
                "aws=AKIAIOSFODNN7EXAMPLE;",
                "aws_AKIAIOSFODNN7EXAMPLE",
                "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
                "AKIAIOSFODNN7EXAMPLE_prod",
                "akiaiosfodnn7example",
                "stripe_sk_live_4eC39HqLyjWDarjtT1zdp7dc",
                "SK_LIVE_4EC39HQLYJWDARJTT1ZDP7DC",
                "Sk_Test_4eC39HqLyjWDarjtT1zdp7dc",
                "GHP_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                "token_ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "XOXB-123456789012-ABCDEFGHIJ",
                "key_sk-ant-api03-abcdefghijklmnop",
                "my_sk-abcdefghijklmnopqrstuvwxyz",
                "HTTPS://HOOKS.SLACK.COM/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
            ],
        );
    }

    #[test]
    fn credential_negatives() {
        assert_not(
            PiiKind::Credential,
            &[
                "risk-averse",
                "task-force",
                "desk-lamp",
                "pk-12",
                "sk-short",
                "risk-averse-strategy-for-everyone",
                "task-force-meeting-notes-for-q3-planning",
                "cus_NffrFeUfNV2Hib",
                "price_1MoBy5LkdIwHu7ixZhnattbh",
                "sub_1MowQVLkdIwHu7ixeRlqHVzs",
                "pi_3MtwBwLkdIwHu7ix28a3tqPa",
                "550e8400-e29b-41d4-a716-446655440000",
                "d41d8cd98f00b204e9800998ecf8427e",
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                "sk_live_short",
                "xAKIAIOSFODNN7EXAMPLE",
                "AKIAIOSFODNN7EXAMPLEX",
                "AKIAshort",
                "ghp_short",
                "xoxb-short",
                "eyJhbGciOiJIUzI1NiJ9",
                "the sky-blue paint",
                "ask_test_results_abcdefghijkl",
                "xoxo-hugs-and-kisses",
                "XOXO-HUGS-AND-KISSES",
                "SK-2024-EDITION-BLUE-XL",
                "asiapacificregion123",
                "AKIAIOSFODNN7EXAMPLE1",
                "risk_averse_strategy_for_everyone",
                "https://hooks.slack.com/",
            ],
        );
    }
}
