//! Native throughput benchmark for `sessionsight::pii::detect`.
//!
//! Run with `cargo run --release --example bench_scrub`. Two workloads:
//! a realistic mix of property values (80% ordinary short values, 10% near misses that look
//! numeric, 10% PII) and 1024-char worst-case values built to push every detector onto its
//! slow path. Prints values/s and MB/s for each.

use sessionsight::pii;
use std::hint::black_box;
use std::time::{Duration, Instant};

const ORDINARY: &[&str] = &[
    "pro", "platform", "enterprise", "ana@example.com", "Hello, world", "en-US", "2024-Q3",
    "build 1234", "#ff00aa", "42", "true", "checkout", "Signed Up", "/pricing", "dark",
    "https://example.com/blog/how-we-scaled?utm_source=newsletter", "Chrome", "macOS 14.2",
    "Berlin", "team-plan", "Add to cart", "1920x1080", "free trial", "annual", "EUR",
];

const NEAR_MISSES: &[&str] = &[
    "2024-01-15", "15.01.2024", "01/15/2024", "12:30:45", "2024-01-15T10:30:00Z",
    "2024-01-15 10:30:00", "v10.15.3", "2.0.0-beta.1", "192.168.100.200", "5551234567",
    "12345678901", "978-3-16-148410-0", "$1,234.56", "1.234,56 €", "SW1A 1AA",
    "d41d8cd98f00b204e9800998ecf8427e", "550e8400-e29b-41d4-a716-446655440000",
    "ORD-2024-000123", "1705312200000", "0.8364729174628193", "risk-averse", "cus_NffrFeUfNV2Hib",
    "price_1MoBy5LkdIwHu7ixZhnattbh", "4111 1111 1111 1112",
];

const PII: &[&str] = &[
    "123-45-6789", "4111 1111 1111 1111", "378282246310005", "DE89 3704 0044 0532 0130 00",
    "GB82WEST12345698765432", "call me at 555-123-4567 tomorrow", "(555) 123-4567",
    "+44 20 7946 0958", "+4915112345678", "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "sk-ant-api03-abcdefghijklmnop", "AKIAIOSFODNN7EXAMPLE",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
];

/// Small deterministic generator so runs are comparable.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = items.len().max(1) as u64;
        items.get((self.next() % len) as usize).copied().unwrap_or("")
    }
}

fn realistic_mix(n: usize) -> Vec<String> {
    let mut rng = Lcg(0x5e55_1075);
    (0..n)
        .map(|_| {
            let roll = rng.next() % 100;
            if roll < 80 {
                rng.pick(ORDINARY).to_string()
            } else if roll < 90 {
                rng.pick(NEAR_MISSES).to_string()
            } else {
                rng.pick(PII).to_string()
            }
        })
        .collect()
}

/// 1024-char values, each aimed at a different slow path.
fn worst_cases() -> Vec<(&'static str, String)> {
    let fill = |unit: &str| -> String { unit.repeat(1024 / unit.len() + 1).chars().take(1024).collect() };
    vec![
        ("digits+dashes", fill("555-123-456 ")),
        ("digit groups", fill("4111 1111 1111 111 ")),
        ("dates/times", fill("2024-01-15T10:30:00Z ")),
        ("plus runs", fill("+44 20 7946 0958 1234 5678 9012 ")),
        ("iban-ish", fill("DE89 3704 0044 0532 X ")),
        ("sk- words", fill("risk-averse-sk-strategy ")),
        ("jwt-ish", fill("eyJhbGciOiJIUzI1NiJ9.eyJz ")),
        ("prose, no digits", fill("the quick brown fox jumps over the lazy dog ")),
        ("unicode", fill("Zürich café 東京 ☕ ")),
        ("pii at end", format!("{} 555-123-4567", fill("lorem ipsum 12 ").chars().take(1011).collect::<String>())),
    ]
}

/// Runs `detect` over `values` repeatedly for at least `min`, returning (values/s, MB/s, hits).
fn measure(values: &[String], min: Duration) -> (f64, f64, usize) {
    let bytes_per_pass: usize = values.iter().map(String::len).sum();
    let mut hits = 0usize;
    for v in values {
        hits += usize::from(pii::detect(v).is_some()); // warm-up: compiles lazy regexes
    }
    let start = Instant::now();
    let mut passes = 0u64;
    while start.elapsed() < min {
        for v in values {
            black_box(pii::detect(black_box(v)));
        }
        passes += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let n = passes as f64 * values.len() as f64;
    let mb = passes as f64 * bytes_per_pass as f64 / 1e6;
    (n / secs, mb / secs, hits)
}

fn main() {
    let min = Duration::from_millis(700);

    let mix = realistic_mix(10_000);
    let avg_len = mix.iter().map(String::len).sum::<usize>() as f64 / mix.len() as f64;
    let (vps, mbps, hits) = measure(&mix, min);
    println!(
        "realistic mix ({} values, avg {avg_len:.1} B, {hits} flagged): {:>12.0} values/s {:>8.1} MB/s",
        mix.len(),
        vps,
        mbps
    );

    for (name, set) in [("ordinary only", ORDINARY), ("near misses only", NEAR_MISSES), ("PII only", PII)] {
        let values: Vec<String> = set.iter().map(|v| (*v).to_string()).collect();
        let (vps, mbps, hits) = measure(&values, min / 2);
        println!("{name:<17} ({} values, {hits} flagged): {vps:>12.0} values/s {mbps:>8.1} MB/s", values.len());
    }

    for (name, value) in worst_cases() {
        let values = vec![value];
        let (vps, mbps, hits) = measure(&values, min / 4);
        println!("worst case 1024 chars, {name:<17} (pii={}): {vps:>10.0} values/s {mbps:>8.1} MB/s", hits > 0);
    }
}
