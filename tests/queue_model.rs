//! Model-based test of `sessionsight::queue`: random sequences of push, regular and urgent
//! take, settle (2xx, network error, 408, 429 with and without `Retry-After`, 413, other
//! 4xx, 5xx), reload (`encode` → `decode`) and adoption of another queue run against the
//! real `Queue` and against a small model (pending ids in order, the ids each outstanding
//! batch carries as parsed back out of its body, the fate of every id ever pushed). After
//! every step it proves that no event is ever lost (each id is pending, delivered once,
//! rejected, or evicted by the cap and counted), that no id is in two outstanding batches,
//! that batches respect `batch_size`, `max_batch_bytes` and FIFO order, that a regular take
//! waits for the batch in flight and the backoff, that backoff grows, is capped and honours
//! `Retry-After`, that a 413 halves the next batch, and that persistence round-trips the
//! pending ids and the `dropped` count. Unload (urgent) batches are tracked apart: they never
//! block a regular take, a regular batch may carry their events again, and whichever answer
//! delivers an event first removes it. The clock also jumps backwards: a wait is never longer
//! than the delay that set it, measured from the current clock (`retry_in`). Every identify
//! event evicted or rejected is reported (`take_lost_identify`), and nothing else is. The `known_bug_*` tests at the end are `#[ignore]`d
//! minimal reproductions of defects this model found; they pass once the defects are fixed.

use std::collections::HashMap;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use sessionsight::ids::iso8601;
use sessionsight::queue::{Batch, Outcome, Policy, Queue, Verdict};

/// With `true`, the model also demands exactly-once `dropped` accounting and that batches
/// from before a reload are always stale. Both fail today (proptest shrinks them to
/// `known_bug_concurrent_batches_report_evictions_twice` and
/// `known_bug_batch_ids_restart_after_decode`), so the model tolerates those two known
/// defects, and only those, while this is `false`.
const STRICT: bool = true;

const START_MS: f64 = 1_700_000_000_000.0;
const RETRY_AFTER_CAP_MS: f64 = 3_600_000.0;

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// Every third event is an identify event (its JSON starts like one).
fn is_identify(id: &str) -> bool {
    id.get(24..).and_then(|n| n.parse::<u64>().ok()).is_some_and(|n| n % 3 == 0)
}

fn event_json(id: &str, pad: usize) -> String {
    let kind = if is_identify(id) { "\"type\":\"identify\"," } else { "" };
    format!("{{{kind}\"id\":\"{id}\",\"pad\":\"{}\"}}", "x".repeat(pad))
}

// ---------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    /// A new event with a fresh id.
    Push { pad: usize },
    /// An id already pending, with a different payload: must be ignored.
    PushDuplicate { pick: Index, pad: usize },
    Take { urgent: bool, advance_ms: f64 },
    /// Settles an outstanding batch (`prefer_open`; nothing when none is) or any batch
    /// ever taken (mostly stale ones).
    Settle { prefer_open: bool, pick: Index, outcome: Outcome, jitter: f64, advance_ms: f64 },
    Reload,
    /// The wall clock moves back (NTP, the user, a VM resume).
    ClockBack { back_ms: f64 },
    /// Asks how long the next regular send waits.
    RetryIn,
    /// Adopts a queue holding duplicates of some of our pending ids (`dups`) then `fresh`
    /// new events; without duplicates its cap is `extra_cap`, so it may have evicted some.
    Adopt { fresh: Vec<usize>, dups: Vec<Index>, extra_cap: usize },
}

fn pad() -> impl Strategy<Value = usize> {
    prop_oneof![6 => 0usize..40, 3 => 0usize..400, 1 => Just(1500usize)]
}

fn advance() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => Just(0.0),
        3 => (0u32..3_000).prop_map(f64::from),
        3 => (0u32..200_000).prop_map(f64::from),
        1 => Just(3_700_000.0),
    ]
}

fn retry_after() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0..10_000.0f64,
        2 => 0.0..5_000_000.0f64,
        1 => Just(0.0),
        1 => Just(-1.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
    ]
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        8 => Just(Outcome::Accepted),
        2 => Just(Outcome::Network),
        1 => Just(Outcome::Status { code: 408, retry_after_ms: None }),
        1 => Just(Outcome::Status { code: 429, retry_after_ms: None }),
        2 => retry_after().prop_map(|ra| Outcome::Status { code: 429, retry_after_ms: Some(ra) }),
        3 => Just(Outcome::Status { code: 413, retry_after_ms: None }),
        1 => prop::sample::select(vec![400u16, 401, 403, 404, 422])
            .prop_map(|code| Outcome::Status { code, retry_after_ms: None }),
        2 => (prop::sample::select(vec![500u16, 502, 503]), prop::option::of(retry_after()))
            .prop_map(|(code, retry_after_ms)| Outcome::Status { code, retry_after_ms }),
    ]
}

fn jitter() -> impl Strategy<Value = f64> {
    prop_oneof![6 => 0.0..1.0f64, 1 => Just(0.0), 1 => Just(1.0), 1 => Just(f64::NAN)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => pad().prop_map(|pad| Op::Push { pad }),
        1 => (any::<Index>(), pad()).prop_map(|(pick, pad)| Op::PushDuplicate { pick, pad }),
        5 => (prop::bool::weighted(0.25), advance())
            .prop_map(|(urgent, advance_ms)| Op::Take { urgent, advance_ms }),
        5 => (prop::bool::weighted(0.85), any::<Index>(), outcome(), jitter(), advance()).prop_map(
            |(prefer_open, pick, outcome, jitter, advance_ms)| Op::Settle { prefer_open, pick, outcome, jitter, advance_ms }
        ),
        1 => Just(Op::Reload),
        1 => prop_oneof![Just(1.0), 0.0..10_000.0f64, Just(86_400_000.0), Just(1e11)].prop_map(|back_ms| Op::ClockBack { back_ms }),
        1 => Just(Op::RetryIn),
        1 => (vec(pad(), 0..6), vec(any::<Index>(), 0..3), 0usize..5)
            .prop_map(|(fresh, dups, extra_cap)| Op::Adopt { fresh, dups, extra_cap }),
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    (1usize..=6, 3usize..=30, 300usize..=2000, 10.0..2000.0f64, 0.5..64.0f64).prop_map(
        |(batch_size, cap, max_batch_bytes, base, factor)| Policy {
            batch_size,
            max_batch_bytes,
            cap,
            base_backoff_ms: base,
            max_backoff_ms: base * factor,
        },
    )
}

// ---------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Pending,
    Delivered,
    Rejected,
    Evicted,
}

/// A batch the queue handed out, with what its body says it carries.
#[derive(Debug)]
struct Sent {
    batch: Batch,
    ids: Vec<String>,
    dropped: u32,
    /// Reload generation it was taken in.
    epoch: u32,
    /// Not yet settled (in its own epoch).
    open: bool,
    /// Taken by an unload flush.
    urgent: bool,
}

#[derive(Debug)]
struct Model {
    policy: Policy,
    api_key: String,
    now: f64,
    next_n: u64,
    /// Pending ids, oldest first (the queue's order).
    pending: Vec<String>,
    json: HashMap<String, String>,
    /// Pending id → index in `sent` of the outstanding regular batch carrying it.
    carrier: HashMap<String, usize>,
    /// Pending id → index in `sent` of the outstanding unload batch carrying it.
    ucarrier: HashMap<String, usize>,
    sent: Vec<Sent>,
    fate: HashMap<String, Fate>,
    epoch: u32,
    /// Events evicted by a cap (ours or an adopted queue's), ever.
    evicted: u64,
    /// Evictions not yet reported in a delivered batch: the queue's `dropped`.
    unreported: u32,
    /// Sum of `dropped` over the bodies of delivered batches.
    reported: u64,
    delivered: u64,
    rejected: u64,
    /// Consecutive failures since the last delivery (or reload).
    attempt: u32,
    retry_at: f64,
    /// The delay `retry_at` was set with (the longest wait from any clock reading).
    retry_delay: f64,
    /// An identify event was evicted or rejected since the queue last reported one.
    lost_identify: bool,
    /// Most events per batch after a 413, until the next delivery (or reload).
    split_limit: Option<usize>,
    /// Jitter-free backoff of the previous failure of the current streak.
    streak_base: Option<f64>,
}

/// `(dropped, events array text with brackets, ids)` of a batch body, checking the envelope.
fn parse_body<'b>(body: &'b str, api_key: &str, now: f64) -> (u32, &'b str, Vec<String>) {
    let head = format!("{{\"apiKey\":\"{api_key}\",\"sentAt\":\"{}\",\"dropped\":", iso8601(now));
    let rest = body.strip_prefix(head.as_str()).unwrap_or_else(|| panic!("bad envelope head: {body}"));
    let (dropped, rest) = rest.split_once(",\"events\":").unwrap_or_else(|| panic!("no events: {body}"));
    let dropped: u32 = dropped.parse().unwrap_or_else(|_| panic!("bad dropped {dropped:?}"));
    let events = rest.strip_suffix('}').unwrap_or_else(|| panic!("unterminated body: {body}"));
    let inner = events.strip_prefix('[').and_then(|e| e.strip_suffix(']')).expect("events is an array");
    let ids = if inner.is_empty() {
        Vec::new()
    } else {
        // Pads are only `x`, so `},{` only ever separates two events.
        inner
            .split("},{")
            .map(|e| {
                let e = e.trim_start_matches('{');
                let e = e.strip_prefix("\"type\":\"identify\",").unwrap_or(e);
                let after = e.strip_prefix("\"id\":\"").expect("event starts with its id");
                after.split('"').next().expect("id is quoted").to_string()
            })
            .collect()
    };
    (dropped, events, ids)
}

impl Model {
    fn new(policy: Policy, api_key: String) -> Self {
        Model {
            policy,
            api_key,
            now: START_MS,
            next_n: 0,
            pending: Vec::new(),
            json: HashMap::new(),
            carrier: HashMap::new(),
            ucarrier: HashMap::new(),
            sent: Vec::new(),
            fate: HashMap::new(),
            epoch: 0,
            evicted: 0,
            unreported: 0,
            reported: 0,
            delivered: 0,
            rejected: 0,
            attempt: 0,
            retry_at: 0.0,
            retry_delay: 0.0,
            lost_identify: false,
            split_limit: None,
            streak_base: None,
        }
    }

    fn fresh(&mut self, pad: usize) -> (String, String) {
        let id = uuid(self.next_n);
        self.next_n += 1;
        let json = event_json(&id, pad);
        self.fate.insert(id.clone(), Fate::Pending);
        self.json.insert(id.clone(), json.clone());
        (id, json)
    }

    fn set_fate(&mut self, id: &str, fate: Fate) {
        self.lost_identify |= matches!(fate, Fate::Evicted | Fate::Rejected) && is_identify(id);
        let was = self.fate.insert(id.to_string(), fate);
        assert_eq!(was, Some(Fate::Pending), "{id} became {fate:?} but was {was:?}");
    }

    /// Appends a pending id and applies the cap; returns how many were evicted.
    fn append(&mut self, id: String) -> u32 {
        self.pending.push(id);
        let mut evicted = 0;
        while self.pending.len() > self.policy.cap.max(1) {
            // The oldest event not in flight goes first (one in flight may be delivered yet).
            let at = self.pending.iter().position(|id| !self.in_flight(id)).unwrap_or(0);
            let old = self.pending.remove(at);
            self.carrier.remove(&old);
            self.ucarrier.remove(&old);
            self.set_fate(&old, Fate::Evicted);
            self.evicted += 1;
            evicted += 1;
        }
        evicted
    }

    fn in_flight(&self, id: &str) -> bool {
        self.carrier.contains_key(id) || self.ucarrier.contains_key(id)
    }

    /// What a take may carry: a regular one anything no regular batch carries, an unload one
    /// only what no batch carries.
    fn free(&self, urgent: bool) -> Vec<String> {
        let taken = |id: &String| if urgent { self.in_flight(id) } else { self.carrier.contains_key(id) };
        self.pending.iter().filter(|id| !taken(id)).cloned().collect()
    }

    /// Mirrors the queue: a wait never ends later than its delay from the current clock.
    fn clamp_retry(&mut self) {
        if self.retry_at > self.now + self.retry_delay {
            self.retry_at = self.now + self.retry_delay;
        }
    }

    fn may_send_regular(&self) -> bool {
        self.carrier.is_empty() && self.now >= self.retry_at && !self.pending.is_empty()
    }

    fn live_ids(&self, idx: usize) -> Vec<String> {
        let carried = |id: &String| self.carrier.get(id) == Some(&idx) || self.ucarrier.get(id) == Some(&idx);
        self.pending.iter().filter(|id| carried(id)).cloned().collect()
    }

    fn remove_pending(&mut self, ids: &[String], fate: Fate) {
        for id in ids {
            self.carrier.remove(id);
            self.ucarrier.remove(id);
            self.set_fate(id, fate);
        }
        self.pending.retain(|id| !ids.contains(id));
    }

    /// Clears the marks of batch `idx` only (an event may also be in another batch).
    fn release(&mut self, idx: usize) {
        self.carrier.retain(|_, &mut i| i != idx);
        self.ucarrier.retain(|_, &mut i| i != idx);
    }

    // -- operations --------------------------------------------------------------------

    fn push(&mut self, q: &mut Queue, pad: usize) {
        let (id, json) = self.fresh(pad);
        let got = q.push(id.clone(), json);
        let want = self.append(id);
        assert_eq!(got, want, "evicted count of push");
        self.unreported += want;
    }

    fn push_duplicate(&mut self, q: &mut Queue, pick: Index, pad: usize) {
        if self.pending.is_empty() {
            return;
        }
        let id = self.pending[pick.index(self.pending.len())].clone();
        assert_eq!(q.push(id.clone(), event_json(&id, pad + 1)), 0, "duplicate push evicts nothing");
        // The kept payload is the first one: checked byte for byte at the next take.
    }

    fn take(&mut self, q: &mut Queue, urgent: bool, advance_ms: f64) {
        self.now += advance_ms;
        self.clamp_retry();
        let free = self.free(urgent);
        let expect = if urgent { !free.is_empty() } else { self.may_send_regular() };
        let got = q.take(self.now, &self.api_key, urgent);
        assert_eq!(got.is_some(), expect, "take(urgent={urgent}) returned {got:?}; free={free:?} retry_at={}", self.retry_at);
        let Some(batch) = got else { return };

        let (dropped, events, ids) = parse_body(&batch.body, &self.api_key, self.now);
        let n = ids.len();
        assert_eq!(batch.count, n, "count matches the events in the body");
        assert!(n >= 1);
        // FIFO: the oldest events not already in flight, in push order. This also proves no
        // id is in two outstanding batches: none of them was carried by another one.
        assert_eq!(ids[..], free[..n], "batch is not the oldest free events in order");
        let expected_events = format!("[{}]", ids.iter().map(|id| self.json[id].as_str()).collect::<Vec<_>>().join(","));
        assert_eq!(events, expected_events, "events are the pushed JSON, byte for byte");
        // Size limits.
        let limit = self.split_limit.unwrap_or(usize::MAX).min(self.policy.batch_size).max(1);
        assert!(n <= limit, "batch of {n} > limit {limit} (split {:?})", self.split_limit);
        if n > 1 {
            assert!(batch.body.len() <= self.policy.max_batch_bytes, "body of {} B > {}", batch.body.len(), self.policy.max_batch_bytes);
        }
        // Greedy: a batch only stops early when the next event would come near the budget.
        if n < limit.min(free.len()) {
            let next = &self.json[&free[n]];
            assert!(
                batch.body.len() + 1 + next.len() + 160 > self.policy.max_batch_bytes,
                "batch of {n} stopped early: body {} B, next {} B, budget {}",
                batch.body.len(),
                next.len(),
                self.policy.max_batch_bytes
            );
        }
        // The envelope reports the evictions not yet delivered.
        // The envelope reports the evictions not yet delivered nor carried by another batch.
        let reserved: u32 = self.sent.iter().filter(|b| b.open && b.epoch == self.epoch).map(|b| b.dropped).sum();
        assert_eq!(dropped, self.unreported - reserved, "dropped in the body");

        let idx = self.sent.len();
        let carrier = if urgent { &mut self.ucarrier } else { &mut self.carrier };
        for id in &ids {
            carrier.insert(id.clone(), idx);
        }
        self.sent.push(Sent { batch, ids, dropped, epoch: self.epoch, open: true, urgent });
    }

    fn settle(&mut self, q: &mut Queue, prefer_open: bool, pick: Index, outcome: Outcome, jitter: f64, advance_ms: f64) {
        self.now += advance_ms;
        let open: Vec<usize> = (0..self.sent.len()).filter(|&i| self.sent[i].open && self.sent[i].epoch == self.epoch).collect();
        let idx = if prefer_open && !open.is_empty() {
            open[pick.index(open.len())]
        } else if !prefer_open && !self.sent.is_empty() {
            pick.index(self.sent.len())
        } else {
            return;
        };
        let current = self.sent[idx].epoch == self.epoch;
        if !current && !STRICT {
            // KNOWN BUG (`known_bug_batch_ids_restart_after_decode`): batch ids restart at 1
            // after `decode`, so a pre-reload batch may name a live batch and be applied to
            // events it never carried. Skip exactly those settles.
            let id = self.sent[idx].batch.id;
            if open.iter().any(|&j| self.sent[j].batch.id == id && !self.live_ids(j).is_empty()) {
                return;
            }
        }
        let live = if current { self.live_ids(idx) } else { Vec::new() };
        for id in &live {
            assert!(self.sent[idx].ids.contains(id), "live id {id} was not in the batch body");
        }
        let batch = self.sent[idx].batch.clone();
        let verdict = q.settle(&batch, outcome, self.now, jitter);
        // An open batch of this epoch reserved its `dropped`: a delivered envelope reported
        // it, whatever became of the events it carried.
        let reserved = current && self.sent[idx].open;
        if reserved && outcome == Outcome::Accepted {
            self.unreported = self.unreported.saturating_sub(self.sent[idx].dropped);
            self.reported += u64::from(self.sent[idx].dropped);
        }
        if current {
            self.sent[idx].open = false;
        }
        if live.is_empty() {
            // Settled before, taken before a reload, or every event of it evicted since.
            assert_eq!(verdict, Verdict::Stale, "settling batch {} (epoch {} of {})", batch.id, self.sent[idx].epoch, self.epoch);
            return;
        }
        let count = live.len();
        match outcome {
            Outcome::Accepted => {
                assert_eq!(verdict, Verdict::Delivered { count });
                self.remove_pending(&live, Fate::Delivered);
                self.delivered += count as u64;
                self.attempt = 0;
                self.retry_at = 0.0;
                self.split_limit = None;
                self.streak_base = None;
                assert_eq!(q.retry_at_ms(), 0.0, "a delivery ends the backoff");
            }
            Outcome::Status { code: 413, .. } if count > 1 => {
                assert_eq!(verdict, Verdict::Split);
                self.release(idx);
                // The next batch carries at most half (checked by `take` via the limit).
                self.split_limit = Some(count / 2);
            }
            Outcome::Status { code, .. } if (400..500).contains(&code) && code != 408 && code != 429 => {
                assert_eq!(verdict, Verdict::Rejected { count, status: code });
                self.remove_pending(&live, Fate::Rejected);
                self.rejected += count as u64;
            }
            Outcome::Network | Outcome::Status { .. } => {
                let Verdict::Retry { at_ms } = verdict else { panic!("{outcome:?} gave {verdict:?}, not Retry") };
                self.release(idx);
                self.attempt += 1;
                self.check_backoff(outcome, jitter, at_ms);
                self.retry_at = at_ms;
                self.retry_delay = at_ms - self.now;
            }
        }
    }

    fn check_backoff(&mut self, outcome: Outcome, jitter: f64, at_ms: f64) {
        let p = self.policy;
        let envelope = (p.base_backoff_ms * 2f64.powi(self.attempt.min(30) as i32 - 1)).min(p.max_backoff_ms);
        let delay = at_ms - self.now;
        // `now` is ~1.7e12 ms: f64 resolves ~2.4e-4 ms there.
        let tol = 1e-3 + envelope * 1e-9;
        let retry_after = match outcome {
            Outcome::Status { retry_after_ms: Some(ra), .. } if ra.is_finite() && ra > 0.0 => Some(ra.min(RETRY_AFTER_CAP_MS)),
            _ => None,
        };
        assert!(delay >= 0.5 * envelope - tol, "delay {delay} < half of {envelope} (attempt {})", self.attempt);
        match retry_after {
            Some(ra) => {
                assert!(delay >= ra - tol, "delay {delay} shorter than Retry-After {ra}");
                assert!(delay <= envelope.max(ra) + tol, "delay {delay} > max({envelope}, {ra})");
                // Retry-After may dominate: no jitter-free base to read back.
                if delay > envelope + tol {
                    return;
                }
            }
            None => assert!(delay <= envelope + tol && delay <= p.max_backoff_ms + tol, "delay {delay} > {envelope}"),
        }
        // The jitter-free backoff never decreases over a streak of failures and is capped.
        let j = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.5 };
        let base = delay / (0.5 + j / 2.0);
        if retry_after.is_none() {
            assert!(base <= p.max_backoff_ms + 2.0 * tol, "jitter-free backoff {base} > max {}", p.max_backoff_ms);
            if let Some(prev) = self.streak_base {
                assert!(base >= prev - 2.0 * tol, "backoff decreased: {base} after {prev}");
            }
            self.streak_base = Some(base);
        }
    }

    fn reload(&mut self, q: &mut Queue) {
        let text = q.encode();
        assert!(text.starts_with(&format!("q1 {}", self.unreported)), "header of {text:?}");
        *q = Queue::decode(&text, self.policy);
        assert_eq!(q.encode(), text, "decode∘encode is the identity on the text");
        self.epoch += 1;
        self.carrier.clear();
        self.ucarrier.clear();
        for s in &mut self.sent {
            s.open = false;
        }
        self.attempt = 0;
        self.retry_at = 0.0;
        self.retry_delay = 0.0;
        self.split_limit = None;
        self.streak_base = None;
    }

    fn clock_back(&mut self, back_ms: f64) {
        self.now -= back_ms;
    }

    fn retry_in(&mut self, q: &mut Queue) {
        self.clamp_retry();
        let got = q.retry_in(self.now);
        let want = (self.retry_at - self.now).max(0.0);
        assert!((got - want).abs() <= 1e-3, "retry_in {got} != {want}");
        assert!(got <= self.retry_delay + 1e-3 && got <= self.policy.max_wait_ms(), "retry_in {got} beyond the delay {}", self.retry_delay);
        assert!(got.is_finite() && got >= 0.0);
    }

    fn adopt(&mut self, q: &mut Queue, fresh: &[usize], dups: &[Index], extra_cap: usize) {
        let mut dup_ids: Vec<String> = Vec::new();
        if !self.pending.is_empty() {
            for d in dups {
                let id = self.pending[d.index(self.pending.len())].clone();
                if !dup_ids.contains(&id) {
                    dup_ids.push(id);
                }
            }
        }
        // Duplicates go first and, when there are any, the cap leaves room for everything:
        // the other queue only ever evicts fresh ids, and adopting never evicts an id that
        // is about to come back as a duplicate.
        let cap = if dup_ids.is_empty() { extra_cap } else { dup_ids.len() + fresh.len() + extra_cap };
        let mut other = Queue::new(Policy { cap, ..self.policy });
        let mut list = Vec::new();
        for id in &dup_ids {
            other.push(id.clone(), self.json[id].clone());
            list.push(id.clone());
        }
        for &pad in fresh {
            let (id, json) = self.fresh(pad);
            other.push(id.clone(), json);
            list.push(id);
        }
        let lost = list.len().saturating_sub(cap.max(1));
        for id in &list[..lost] {
            self.set_fate(id, Fate::Evicted);
            self.evicted += 1;
        }
        assert_eq!(other.dropped() as usize, lost);
        assert!(other.ids().eq(list[lost..].iter().map(String::as_str)));

        q.adopt(other);
        let mut evicted_here = 0;
        for id in &list[lost..] {
            if !self.pending.contains(id) {
                evicted_here += self.append(id.clone());
            }
        }
        let want = self.unreported + lost as u32 + evicted_here;
        assert_eq!(q.dropped(), want, "dropped after adopting ({lost} lost there, {evicted_here} evicted here)");
        self.unreported = want;
    }

    // -- invariants ----------------------------------------------------------------------

    fn check(&mut self, q: &mut Queue) {
        // A lost identify event is reported once, and only then (it must not count as sent).
        assert_eq!(q.take_lost_identify(), std::mem::take(&mut self.lost_identify), "lost identify");
        assert!(q.ids().eq(self.pending.iter().map(String::as_str)), "queue ids {:?} != model {:?}", q.ids().collect::<Vec<_>>(), self.pending);
        assert_eq!(q.len(), self.pending.len());
        assert_eq!(q.is_empty(), self.pending.is_empty());
        assert_eq!(q.dropped(), self.unreported, "dropped");
        assert_eq!(q.in_flight(), !self.carrier.is_empty() || !self.ucarrier.is_empty(), "in_flight");
        assert_eq!(q.regular_in_flight(), !self.carrier.is_empty(), "regular_in_flight");
        // The model keeps the delay as `at - now` (the verdict gives only `at`), so the two can
        // differ in the last bit after a clock jump: a microsecond is far below any wait.
        // The model keeps the delay as `at - now` (the verdict gives only `at`), so the two can
        // differ in the last bit after a clock jump: a microsecond is far below any wait.
        assert!((q.retry_at_ms() - self.retry_at).abs() <= 1e-3, "retry_at_ms: {} != model {}", q.retry_at_ms(), self.retry_at);
        assert_eq!(q.ready(self.now), self.may_send_regular(), "ready");
        assert!(self.pending.len() <= self.policy.cap.max(1));

        // Every id ever pushed has exactly one fate, and the fates add up.
        let mut by_fate = [0u64; 4];
        for fate in self.fate.values() {
            by_fate[*fate as usize] += 1;
        }
        assert_eq!(self.fate.len() as u64, self.next_n, "an id was pushed without a fate");
        assert_eq!(by_fate[Fate::Pending as usize], self.pending.len() as u64);
        assert!(self.pending.iter().all(|id| self.fate[id] == Fate::Pending));
        assert_eq!(by_fate[Fate::Delivered as usize], self.delivered);
        assert_eq!(by_fate[Fate::Rejected as usize], self.rejected);
        assert_eq!(by_fate[Fate::Evicted as usize], self.evicted);
        assert_eq!(self.pending.len() as u64 + self.delivered + self.rejected + self.evicted, self.next_n);

        // Every eviction is reported (in a delivered body or still in `dropped`).
        let accounted = self.reported + u64::from(q.dropped());
        assert!(accounted >= self.evicted, "{} evictions but only {accounted} reported or pending report", self.evicted);
        if STRICT {
            assert_eq!(accounted, self.evicted, "evictions reported more than once");
        }
        // Outstanding batches are disjoint by construction of `carrier`; each carries only
        // ids its body named.
        for (id, &idx) in &self.carrier {
            assert!(self.sent[idx].open && !self.sent[idx].urgent && self.sent[idx].epoch == self.epoch && self.sent[idx].ids.contains(id));
        }
        for (id, &idx) in &self.ucarrier {
            assert!(self.sent[idx].open && self.sent[idx].urgent && self.sent[idx].epoch == self.epoch && self.sent[idx].ids.contains(id));
        }
    }
}

fn run(policy: Policy, api_key: String, ops: &[Op]) {
    let mut q = Queue::new(policy);
    let mut m = Model::new(policy, api_key);
    for op in ops {
        match op {
            Op::Push { pad } => m.push(&mut q, *pad),
            Op::PushDuplicate { pick, pad } => m.push_duplicate(&mut q, *pick, *pad),
            Op::Take { urgent, advance_ms } => m.take(&mut q, *urgent, *advance_ms),
            Op::Settle { prefer_open, pick, outcome, jitter, advance_ms } => {
                m.settle(&mut q, *prefer_open, *pick, *outcome, *jitter, *advance_ms)
            }
            Op::Reload => m.reload(&mut q),
            Op::ClockBack { back_ms } => m.clock_back(*back_ms),
            Op::RetryIn => m.retry_in(&mut q),
            Op::Adopt { fresh, dups, extra_cap } => m.adopt(&mut q, fresh, dups, *extra_cap),
        }
        m.check(&mut q);
    }
    // Persistence round-trips the pending ids in order and `dropped`, at the end too.
    let back = Queue::decode(&q.encode(), policy);
    assert!(back.ids().eq(q.ids()));
    assert_eq!(back.dropped(), q.dropped());
    assert!(!back.in_flight());
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(256) })]

    /// 256 cases of 1..120 random operations under a random small policy.
    #[test]
    fn queue_matches_model(policy in policy(), api_key in "[a-z_]{1,40}", ops in vec(op(), 1..120)) {
        run(policy, api_key, &ops);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(80) })]

    /// 80 long runs (50..250 operations) with a tiny cap, tiny batches and a 300-byte
    /// budget: evictions of in-flight events, splits down to single events, long failure
    /// streaks that reach the backoff cap.
    #[test]
    fn queue_matches_model_under_pressure(
        batch_size in 1usize..=3,
        cap in 3usize..=6,
        ops in vec(op(), 50..250),
    ) {
        let policy = Policy { batch_size, cap, max_batch_bytes: 300, base_backoff_ms: 100.0, max_backoff_ms: 5_000.0 };
        run(policy, "pk_test".into(), &ops);
    }
}

// ---------------------------------------------------------------------------------------
// Deterministic edge cases and known bugs
// ---------------------------------------------------------------------------------------

fn small_queue(policy: Policy, n: u64) -> Queue {
    let mut q = Queue::new(policy);
    for i in 0..n {
        q.push(uuid(i), event_json(&uuid(i), 0));
    }
    q
}

#[test]
fn backoff_streak_reaches_the_cap_and_a_delivery_resets_it() {
    let policy = Policy { base_backoff_ms: 100.0, max_backoff_ms: 1_000.0, ..Policy::default() };
    let mut q = small_queue(policy, 1);
    let mut now = 0.0;
    let mut delays = Vec::new();
    for _ in 0..8 {
        let b = q.take(now, "k", false).expect("ready after the backoff");
        let Verdict::Retry { at_ms } = q.settle(&b, Outcome::Network, now, 1.0) else { panic!() };
        delays.push(at_ms - now);
        now = at_ms;
    }
    assert_eq!(delays, [100.0, 200.0, 400.0, 800.0, 1000.0, 1000.0, 1000.0, 1000.0]);
    let b = q.take(now, "k", false).unwrap();
    assert_eq!(q.settle(&b, Outcome::Accepted, now, 0.0), Verdict::Delivered { count: 1 });
    assert_eq!(q.retry_at_ms(), 0.0);
}

#[test]
fn retry_after_is_capped_at_an_hour() {
    let mut q = small_queue(Policy::default(), 1);
    let b = q.take(0.0, "k", false).unwrap();
    let v = q.settle(&b, Outcome::Status { code: 429, retry_after_ms: Some(1e12) }, 0.0, 0.0);
    assert_eq!(v, Verdict::Retry { at_ms: RETRY_AFTER_CAP_MS });
}

/// `adopt` and `decode` write `self.dropped = self.dropped.saturating_add(self.push(..))`
/// while `push` itself adds to `dropped`: correct only because the receiver is read before
/// `push` runs. Pins that each eviction is counted once.
#[test]
fn adopt_and_decode_count_each_eviction_once() {
    let policy = Policy { cap: 3, ..Policy::default() };
    let mut mine = small_queue(policy, 3);
    let mut theirs = Queue::new(policy);
    theirs.push(uuid(10), event_json(&uuid(10), 0));
    mine.adopt(theirs);
    assert_eq!(mine.len(), 3);
    assert_eq!(mine.dropped(), 1, "one event was evicted");

    let big = small_queue(Policy::default(), 5);
    let small = Queue::decode(&big.encode(), policy);
    assert_eq!(small.len(), 3);
    assert_eq!(small.dropped(), 2, "two events were evicted");
}

/// Two batches in flight at once (a regular one and an unload flush) both carry the whole
/// `dropped` count; when both are delivered the server is told about the evictions twice.
#[test]

fn regression_concurrent_batches_report_evictions_twice() {
    let policy = Policy { cap: 2, batch_size: 1, ..Policy::default() };
    let mut q = small_queue(policy, 3);
    assert_eq!(q.dropped(), 1);
    let regular = q.take(0.0, "k", false).unwrap();
    let urgent = q.take(0.0, "k", true).unwrap();
    q.settle(&regular, Outcome::Accepted, 0.0, 0.0);
    q.settle(&urgent, Outcome::Accepted, 0.0, 0.0);
    let reported: usize = [&regular, &urgent].iter().map(|b| b.body.matches("\"dropped\":1").count()).sum();
    assert_eq!(reported, 1, "1 eviction reported in {} bodies", reported);
}

/// `decode` restarts batch ids at 1, so a batch taken before a reload is not stale: it is
/// applied to whatever new batch reuses its id, here rejecting an event it never carried.
#[test]

fn regression_batch_ids_restart_after_decode() {
    let policy = Policy { batch_size: 1, ..Policy::default() };
    let mut q = small_queue(policy, 3);
    let first = q.take(0.0, "k", false).unwrap(); // id 1: event 0
    q.settle(&first, Outcome::Accepted, 0.0, 0.0);
    let old = q.take(0.0, "k", false).unwrap(); // id 2: event 1
    q = Queue::decode(&q.encode(), policy);
    let _a = q.take(0.0, "k", true).unwrap(); // id 1: event 1 again
    let _b = q.take(0.0, "k", true).unwrap(); // id 2: event 2
    assert_eq!(q.settle(&old, Outcome::Status { code: 400, retry_after_ms: None }, 0.0, 0.0), Verdict::Stale);
    assert_eq!(q.len(), 2, "event 2 was rejected by a response to a request that never held it");
}

/// The cap evicts the oldest event even while it is in flight. If that request then
/// succeeds, the server has the event and is also told it was dropped; and when every event
/// of a batch was evicted, its success is `Stale`, so the `dropped` it reported is reported
/// again and the backoff it proves over is kept.
#[test]

fn an_in_flight_event_is_not_evicted_while_others_can_be() {
    let policy = Policy { cap: 3, batch_size: 1, ..Policy::default() };
    let mut q = small_queue(policy, 3);
    let b = q.take(0.0, "k", false).unwrap(); // carries event 0
    q.push(uuid(3), event_json(&uuid(3), 0)); // the cap evicts event 0, in flight
    assert_eq!(q.settle(&b, Outcome::Accepted, 0.0, 0.0), Verdict::Delivered { count: 1 });
    // Event 1, the oldest not in flight, made room; event 0 was delivered, not dropped.
    assert_eq!(q.dropped(), 1);
    assert_eq!(q.ids().collect::<Vec<_>>(), [uuid(2), uuid(3)]);
}

/// An `Index` for a pick among one batch (proptest has no constructor; any index picks the only one).
fn only_batch() -> Index {
    use proptest::strategy::{Strategy, ValueTree};
    any::<Index>().new_tree(&mut proptest::test_runner::TestRunner::deterministic()).map(|t| t.current()).unwrap_or_else(|e| panic!("{e}"))
}

/// Found by `queue_matches_model_under_pressure`: after a clock moved back by centuries the
/// model's `at - now` delay and the queue's own delay differ in the last bit; the wait is the same.
#[test]
fn a_retry_after_a_clock_jump_of_centuries_keeps_its_wait() {
    let policy = Policy { batch_size: 1, cap: 3, max_batch_bytes: 300, base_backoff_ms: 100.0, max_backoff_ms: 5_000.0 };
    let mut ops = vec![Op::ClockBack { back_ms: 1e11 }; 6];
    ops.extend([
        Op::Push { pad: 0 },
        Op::Take { urgent: false, advance_ms: 0.0 },
        Op::Settle {
            prefer_open: false,
            pick: only_batch(),
            outcome: Outcome::Status { code: 429, retry_after_ms: Some(3143.684690096342) },
            jitter: 0.20788085488762817,
            advance_ms: 0.0,
        },
        Op::ClockBack { back_ms: 1e11 },
        Op::Push { pad: 104 },
        Op::Take { urgent: false, advance_ms: 1049.0 },
        Op::Take { urgent: false, advance_ms: 0.0 },
        Op::Take { urgent: true, advance_ms: 1938.0 },
        Op::Push { pad: 50 },
    ]);
    run(policy, "pk_test".into(), &ops);
}
