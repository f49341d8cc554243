//! Worked cases of `sessionsight::queue`, one behaviour each: batching and the envelope, the
//! byte budget, backoff and `Retry-After`, 413 splits, rejections, the cap, unload batches that
//! never block regular sends, waits that survive a clock moved back, dropped identify events,
//! discarding and persistence. `queue_model.rs` checks the same rules on random sequences.

use sessionsight::queue::{Outcome, Policy, Queue, Verdict, RETRY_AFTER_CAP_MS};

fn id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn queue_with(n: usize, policy: Policy) -> Queue {
    let mut q = Queue::new(policy);
    for i in 0..n {
        q.push(id(i), format!("{{\"n\":{i}}}"));
    }
    q
}

#[test]
fn batches_respect_size_and_carry_the_envelope() {
    let mut q = queue_with(5, Policy { batch_size: 2, ..Policy::default() });
    let b = q.take(0.0, "pk_demo", false).unwrap();
    assert_eq!(b.count, 2);
    assert_eq!(b.body, r#"{"apiKey":"pk_demo","sentAt":"1970-01-01T00:00:00.000Z","dropped":0,"events":[{"n":0},{"n":1}]}"#);
    // One regular batch at a time.
    assert_eq!(q.take(0.0, "pk_demo", false), None);
    assert_eq!(q.settle(&b, Outcome::Accepted, 1.0, 0.0), Verdict::Delivered { count: 2 });
    assert_eq!(q.len(), 3);
    assert_eq!(q.settle(&b, Outcome::Accepted, 1.0, 0.0), Verdict::Stale);
}

#[test]
fn byte_budget_splits_batches() {
    let mut q = Queue::new(Policy { max_batch_bytes: 1000, ..Policy::default() });
    for i in 0..10 {
        q.push(id(i), format!("{{\"pad\":\"{}\"}}", "x".repeat(300)));
    }
    let b = q.take(0.0, "k", false).unwrap();
    assert!(b.body.len() <= 1000, "{}", b.body.len());
    assert_eq!(b.count, 2);
}

#[test]
fn retries_back_off_and_honour_retry_after() {
    let mut q = queue_with(1, Policy::default());
    let b = q.take(0.0, "k", false).unwrap();
    assert_eq!(q.settle(&b, Outcome::Network, 0.0, 0.0), Verdict::Retry { at_ms: 500.0 });
    assert!(!q.ready(499.0) && q.ready(500.0));
    let b = q.take(500.0, "k", false).unwrap();
    assert_eq!(q.settle(&b, Outcome::Status { code: 503, retry_after_ms: None }, 500.0, 1.0), Verdict::Retry { at_ms: 2500.0 });
    let b = q.take(2500.0, "k", false).unwrap();
    let v = q.settle(&b, Outcome::Status { code: 429, retry_after_ms: Some(30_000.0) }, 2500.0, 0.0);
    assert_eq!(v, Verdict::Retry { at_ms: 32_500.0 });
    let b = q.take(32_500.0, "k", false).unwrap();
    assert_eq!(q.settle(&b, Outcome::Status { code: 408, retry_after_ms: None }, 32_500.0, 0.0), Verdict::Retry { at_ms: 36_500.0 });
    // The cap holds whatever the attempt count.
    for _ in 0..40 {
        let b = q.take(f64::MAX, "k", false).unwrap();
        q.settle(&b, Outcome::Network, 0.0, 1.0);
    }
    assert_eq!(q.retry_at_ms(), 60_000.0);
    let b = q.take(f64::MAX, "k", false).unwrap();
    assert_eq!(q.settle(&b, Outcome::Accepted, 0.0, 0.0), Verdict::Delivered { count: 1 });
    assert_eq!(q.retry_at_ms(), 0.0);
}

#[test]
fn a_413_splits_until_one_event_then_drops_it() {
    let mut q = queue_with(4, Policy::default());
    let b = q.take(0.0, "k", false).unwrap();
    assert_eq!(b.count, 4);
    assert_eq!(q.settle(&b, Outcome::Status { code: 413, retry_after_ms: None }, 0.0, 0.0), Verdict::Split);
    let b = q.take(0.0, "k", false).unwrap();
    assert_eq!(b.count, 2);
    q.settle(&b, Outcome::Status { code: 413, retry_after_ms: None }, 0.0, 0.0);
    let b = q.take(0.0, "k", false).unwrap();
    assert_eq!(b.count, 1);
    assert_eq!(q.settle(&b, Outcome::Status { code: 413, retry_after_ms: None }, 0.0, 0.0), Verdict::Rejected { count: 1, status: 413 });
    assert_eq!(q.len(), 3);
}

#[test]
fn other_4xx_are_dropped_and_reported() {
    let mut q = queue_with(3, Policy::default());
    let b = q.take(0.0, "k", false).unwrap();
    assert_eq!(q.settle(&b, Outcome::Status { code: 400, retry_after_ms: None }, 0.0, 0.0), Verdict::Rejected { count: 3, status: 400 });
    assert!(q.is_empty());
}

#[test]
fn the_cap_evicts_oldest_and_counts_them_until_delivered() {
    let mut q = queue_with(5, Policy { cap: 3, ..Policy::default() });
    assert_eq!(q.len(), 3);
    assert_eq!(q.dropped(), 2);
    assert_eq!(q.ids().next(), Some(id(2).as_str()));
    let b = q.take(0.0, "k", false).unwrap();
    assert!(b.body.contains(r#""dropped":2"#));
    q.settle(&b, Outcome::Accepted, 0.0, 0.0);
    assert_eq!(q.dropped(), 0);
}

#[test]
fn urgent_flush_ignores_backoff_but_not_in_flight_events() {
    let mut q = queue_with(3, Policy { batch_size: 2, ..Policy::default() });
    let first = q.take(0.0, "k", false).unwrap();
    let urgent = q.take(0.0, "k", true).unwrap();
    assert_eq!(urgent.count, 1);
    assert_eq!(q.take(0.0, "k", true), None);
    q.settle(&first, Outcome::Network, 0.0, 0.0);
    assert!(q.take(0.0, "k", false).is_none());
    q.settle(&urgent, Outcome::Accepted, 0.0, 0.0);
    assert_eq!(q.len(), 2);
    // A delivery proves the collector is back: the backoff ends.
    assert_eq!(q.take(0.0, "k", false).unwrap().count, 2);
}

#[test]
fn an_unsettled_unload_batch_never_blocks_regular_sends() {
    let mut q = queue_with(3, Policy::default());
    let unload = q.take(0.0, "k", true).unwrap();
    assert_eq!(unload.count, 3);
    // Its fate may never be known: a regular flush sends the same events again.
    let regular = q.take(1.0, "k", false).expect("not blocked by the unload batch");
    assert_eq!(regular.count, 3);
    assert_eq!(regular.body.matches(r#"{"n":0}"#).count(), 1);
    // A late 2xx for the unload batch still removes its events.
    assert_eq!(q.settle(&unload, Outcome::Accepted, 2.0, 0.0), Verdict::Delivered { count: 3 });
    assert!(q.is_empty());
    assert_eq!(q.settle(&regular, Outcome::Accepted, 3.0, 0.0), Verdict::Stale);
}

#[test]
fn an_unload_batch_failing_releases_only_its_own_mark() {
    let mut q = queue_with(2, Policy::default());
    let unload = q.take(0.0, "k", true).unwrap();
    let regular = q.take(0.0, "k", false).unwrap();
    assert!(matches!(q.settle(&unload, Outcome::Network, 0.0, 0.0), Verdict::Retry { .. }));
    // The regular batch is still out: no second regular batch, but an unload one may go.
    assert!(q.take(1e9, "k", false).is_none());
    assert!(q.take(0.0, "k", true).is_none(), "all events are in the regular batch");
    assert_eq!(q.settle(&regular, Outcome::Accepted, 0.0, 0.0), Verdict::Delivered { count: 2 });
}

#[test]
fn a_clock_moved_back_neither_stalls_nor_overflows_the_wait() {
    let day = 86_400_000.0;
    let t = 1_795_860_000_000.0;
    let mut q = queue_with(1, Policy::default());
    let b = q.take(t, "k", false).unwrap();
    assert_eq!(q.settle(&b, Outcome::Network, t, 1.0), Verdict::Retry { at_ms: t + 1000.0 });
    // The clock goes back a day: the wait is still one second from now, not a day.
    assert_eq!(q.retry_in(t - day), 1000.0);
    assert!(q.take(t - day + 1000.0, "k", false).is_some());
    // Far back (or forward): never negative, never beyond the longest wait.
    let mut q = queue_with(1, Policy::default());
    let b = q.take(t, "k", false).unwrap();
    q.settle(&b, Outcome::Status { code: 429, retry_after_ms: Some(1e15) }, t, 0.0);
    assert_eq!(q.retry_in(0.0), RETRY_AFTER_CAP_MS);
    assert_eq!(q.retry_in(1e300), 0.0);
    assert_eq!(q.retry_in(f64::NAN), 0.0);
    assert_eq!(queue_with(1, Policy::default()).retry_in(t), 0.0);
}

fn identify_json(n: usize) -> String {
    format!("{{\"type\":\"identify\",\"messageId\":\"{}\"}}", id(n))
}

#[test]
fn a_dropped_identify_is_reported_once() {
    // Rejected with a 4xx.
    let mut q = Queue::new(Policy::default());
    q.push(id(1), identify_json(1));
    assert!(!q.take_lost_identify());
    let b = q.take(0.0, "k", false).unwrap();
    q.settle(&b, Outcome::Status { code: 400, retry_after_ms: None }, 0.0, 0.0);
    assert!(q.take_lost_identify());
    assert!(!q.take_lost_identify());
    // A 413 on a single event is a rejection too.
    q.push(id(2), identify_json(2));
    let b = q.take(0.0, "k", false).unwrap();
    assert_eq!(q.settle(&b, Outcome::Status { code: 413, retry_after_ms: None }, 0.0, 0.0), Verdict::Rejected { count: 1, status: 413 });
    assert!(q.take_lost_identify());
    // Evicted by the cap.
    let mut q = Queue::new(Policy { cap: 1, ..Policy::default() });
    q.push(id(3), identify_json(3));
    q.push(id(4), "{}".into());
    assert!(q.take_lost_identify());
    // Evicted while another tab's queue was read back, then adopted.
    let mut theirs = Queue::new(Policy::default());
    theirs.push(id(7), identify_json(7));
    theirs.push(id(8), "{}".into());
    let small = Queue::decode(&theirs.encode(), Policy { cap: 1, ..Policy::default() });
    let mut mine = Queue::new(Policy::default());
    mine.adopt(small);
    assert!(mine.take_lost_identify());
    // Other events lost, or an identify delivered or retried, are not reported.
    let mut q = Queue::new(Policy { cap: 1, ..Policy::default() });
    q.push(id(5), "{}".into());
    q.push(id(6), identify_json(6));
    let b = q.take(0.0, "k", false).unwrap();
    q.settle(&b, Outcome::Network, 0.0, 0.0);
    let b = q.take(1e9, "k", false).unwrap();
    q.settle(&b, Outcome::Accepted, 1e9, 0.0);
    assert!(!q.take_lost_identify());
}

#[test]
fn discard_all_removes_every_event_without_counting_them() {
    let mut q = Queue::new(Policy::default());
    q.push(id(1), "{\"visitorId\":\"a\"}".into());
    q.push(id(2), "{\"visitorId\":\"b\"}".into());
    let b = q.take(0.0, "k", false).unwrap();
    assert_eq!(q.discard_all(), 2);
    assert_eq!(q.dropped(), 0);
    assert!(q.is_empty());
    // An answer to a batch sent before changes nothing.
    assert_eq!(q.settle(&b, Outcome::Accepted, 0.0, 0.0), Verdict::Stale);
}

#[test]
fn persistence_round_trip_forgets_in_flight_marks() {
    let mut q = queue_with(3, Policy { cap: 2, ..Policy::default() });
    q.take(0.0, "k", false);
    let back = Queue::decode(&q.encode(), Policy::default());
    assert_eq!(back.len(), 2);
    assert_eq!(back.dropped(), 1);
    assert!(!back.in_flight());
    assert!(Queue::decode("garbage", Policy::default()).is_empty());
    let partly = format!("q1 0\nnot-an-id\t{{}}\n{}\t{{\"ok\":1}}\n{}\tnot json", id(1), id(2));
    assert_eq!(Queue::decode(&partly, Policy::default()).len(), 1);
}

#[test]
fn the_write_time_survives_persistence() {
    let mut q = queue_with(1, Policy::default());
    q.set_written(1_795_860_000_123.0);
    assert!(q.encode().starts_with("q1 0 1 1795860000123\n"));
    assert_eq!(Queue::decode(&q.encode(), Policy::default()).written_ms(), 1_795_860_000_123.0);
    assert_eq!(Queue::decode("q1 0\n", Policy::default()).written_ms(), 0.0);
}

#[test]
fn a_queue_whose_tab_does_not_hold_its_lock_yet_says_so_until_it_does() {
    let mut q = queue_with(1, Policy::default());
    q.set_written(1_795_860_000_123.0);
    q.set_unclaimed(true);
    assert!(q.encode().starts_with("q1 0 1 1795860000123 1\n"));
    let back = Queue::decode(&q.encode(), Policy::default());
    assert!(back.unclaimed());
    assert_eq!((back.len(), back.written_ms()), (1, 1_795_860_000_123.0));
    q.set_unclaimed(false);
    assert!(!Queue::decode(&q.encode(), Policy::default()).unclaimed());
    // A queue written before the mark existed is a held one.
    assert!(!Queue::decode("q1 0 1 5\n", Policy::default()).unclaimed());
    // Adoption takes the events, never the other queue's mark.
    let mut mine = Queue::new(Policy::default());
    mine.adopt(Queue::decode(&back.encode(), Policy::default()));
    assert!(!mine.unclaimed());
}

#[test]
fn adoption_skips_duplicates() {
    let mut mine = queue_with(2, Policy::default());
    let theirs = queue_with(3, Policy::default());
    mine.adopt(theirs);
    assert_eq!(mine.len(), 3);
    mine.push(id(0), "{}".into());
    assert_eq!(mine.len(), 3);
}
