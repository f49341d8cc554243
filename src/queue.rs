//! The delivery queue and retry policy (SPEC §5) as a pure state machine over an injected
//! clock and jitter: batching, exponential backoff with `Retry-After`, splitting on 413,
//! dropping rejected batches with a report, and a cap that evicts the oldest events and
//! counts them in the envelope's `dropped`. The browser layer persists it and the JS shim
//! moves the bytes.

use crate::ids::iso8601;
use crate::json;
use crate::wire::Envelope;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Most events in one request.
    pub batch_size: usize,
    /// Most body bytes in one request: inside the browser's 64 KB keepalive budget.
    pub max_batch_bytes: usize,
    /// Most events kept; beyond it the oldest are dropped and counted.
    pub cap: usize,
    pub base_backoff_ms: f64,
    pub max_backoff_ms: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { batch_size: 50, max_batch_bytes: 60_000, cap: 1000, base_backoff_ms: 1000.0, max_backoff_ms: 60_000.0 }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Item {
    id: String,
    json: String,
    /// The batch carrying it right now, if any.
    batch: Option<u32>,
}

/// One request's worth of events, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub id: u32,
    pub count: usize,
    pub body: String,
}

/// What came back for a batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// 2xx.
    Accepted,
    /// The request failed before any status (offline, refused, reset).
    Network,
    /// Any other HTTP status, with `Retry-After` in milliseconds when the server gave one.
    Status { code: u16, retry_after_ms: Option<f64> },
}

/// What the queue did about it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    Delivered { count: usize },
    Retry { at_ms: f64 },
    /// 413: the batch was too large; its events go again in smaller batches at once.
    Split,
    /// A 4xx the server will never accept: the events are dropped and reported.
    Rejected { count: usize, status: u16 },
    /// The batch was unknown (already settled); nothing changed.
    Stale,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    policy: Policy,
    /// Oldest first (a Vec: the cap evicts rarely, and VecDeque's code costs wasm bytes).
    items: Vec<Item>,
    /// Events evicted by the cap and not yet reported in a delivered envelope.
    dropped: u32,
    /// The part of `dropped` each batch in flight carries: (batch id, count).
    reserved: Vec<(u32, u32)>,
    next_batch: u32,
    attempt: u32,
    retry_at_ms: f64,
    split_limit: Option<usize>,
    /// When the owning tab last wrote it (persisted: lets a tab without Web Locks tell a
    /// closed tab's queue from a live one).
    written_ms: f64,
}

impl Queue {
    pub fn new(policy: Policy) -> Self {
        Queue { policy, items: Vec::new(), dropped: 0, reserved: Vec::new(), next_batch: 1, attempt: 0, retry_at_ms: 0.0, split_limit: None, written_ms: 0.0 }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn dropped(&self) -> u32 {
        self.dropped
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|i| i.id.as_str())
    }

    pub fn in_flight(&self) -> bool {
        self.items.iter().any(|i| i.batch.is_some())
    }

    /// When the next regular send may happen (0 when it may happen now).
    pub fn retry_at_ms(&self) -> f64 {
        self.retry_at_ms
    }

    /// Adds an event; returns how many old events the cap evicted.
    pub fn push(&mut self, id: String, json: String) -> u32 {
        if self.items.iter().any(|i| i.id == id) {
            return 0;
        }
        self.items.push(Item { id, json, batch: None });
        let mut evicted = 0;
        while self.items.len() > self.policy.cap.max(1) {
            // The oldest event not in flight: one in flight may be delivered yet.
            let oldest = self.items.iter().position(|i| i.batch.is_none()).unwrap_or(0);
            self.items.remove(oldest);
            evicted += 1;
        }
        self.dropped = self.dropped.saturating_add(evicted);
        evicted
    }

    /// True when a regular flush should send now.
    pub fn ready(&self, now_ms: f64) -> bool {
        !self.in_flight() && now_ms >= self.retry_at_ms && !self.items.is_empty()
    }

    /// The next batch to send. A regular flush waits for the previous batch and the backoff;
    /// an unload flush (`urgent`) sends what is not already in flight, whatever the backoff.
    pub fn take(&mut self, now_ms: f64, api_key: &str, urgent: bool) -> Option<Batch> {
        if !urgent && !self.ready(now_ms) {
            return None;
        }
        let limit = self.split_limit.unwrap_or(usize::MAX).min(self.policy.batch_size).max(1);
        let id = self.next_batch;
        // Evictions another batch in flight already reports are not reported twice.
        let carried = self.dropped.saturating_sub(self.reserved.iter().map(|(_, n)| n).sum());
        let mut body = Envelope { api_key, sent_at: iso8601(now_ms), dropped: carried, events: &[] }.open()?;
        let mut count = 0;
        for item in self.items.iter_mut().filter(|i| i.batch.is_none()) {
            let fits = body.len() + 1 + item.json.len() + 2 <= self.policy.max_batch_bytes;
            if count == limit || (count > 0 && !fits) {
                break;
            }
            if count > 0 {
                body.push(',');
            }
            body.push_str(&item.json);
            item.batch = Some(id);
            count += 1;
        }
        if count == 0 {
            return None;
        }
        body.push_str("]}");
        self.next_batch = self.next_batch.wrapping_add(1).max(1);
        if carried > 0 {
            self.reserved.push((id, carried));
        }
        Some(Batch { id, count, body })
    }

    /// Applies the outcome of batch `batch`. `jitter` is a random number in [0, 1).
    pub fn settle(&mut self, batch: &Batch, outcome: Outcome, now_ms: f64, jitter: f64) -> Verdict {
        let mine = |i: &Item| i.batch == Some(batch.id);
        // Whatever became of its events, a delivered envelope reported its evictions.
        if let Some(pos) = self.reserved.iter().position(|(b, _)| *b == batch.id) {
            let (_, carried) = self.reserved.swap_remove(pos);
            if outcome == Outcome::Accepted {
                self.dropped = self.dropped.saturating_sub(carried);
            }
        }
        let count = self.items.iter().filter(|i| mine(i)).count();
        if count == 0 {
            return Verdict::Stale;
        }
        match outcome {
            Outcome::Accepted => {
                self.items.retain(|i| !mine(i));
                self.attempt = 0;
                self.retry_at_ms = 0.0;
                self.split_limit = None;
                Verdict::Delivered { count }
            }
            Outcome::Status { code: 413, .. } if count > 1 => {
                self.release(batch.id);
                self.split_limit = Some((count / 2).max(1));
                Verdict::Split
            }
            Outcome::Status { code, .. } if (400..500).contains(&code) && code != 408 && code != 429 => {
                self.items.retain(|i| !mine(i));
                Verdict::Rejected { count, status: code }
            }
            Outcome::Network | Outcome::Status { .. } => {
                self.release(batch.id);
                self.attempt = self.attempt.saturating_add(1);
                let exp = self.policy.base_backoff_ms * 2f64.powi(self.attempt.min(30) as i32 - 1);
                let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.5 };
                let mut delay = exp.min(self.policy.max_backoff_ms) * (0.5 + jitter / 2.0);
                if let Outcome::Status { retry_after_ms: Some(ra), .. } = outcome {
                    if ra.is_finite() && ra > 0.0 {
                        delay = delay.max(ra.min(3_600_000.0));
                    }
                }
                self.retry_at_ms = now_ms + delay;
                Verdict::Retry { at_ms: self.retry_at_ms }
            }
        }
    }

    fn release(&mut self, batch: u32) {
        for item in self.items.iter_mut().filter(|i| i.batch == Some(batch)) {
            item.batch = None;
        }
    }

    /// Takes in another tab's queue (adoption of a closed tab's events), skipping duplicates.
    pub fn adopt(&mut self, other: Queue) {
        self.dropped = self.dropped.saturating_add(other.dropped);
        for item in other.items {
            self.dropped = self.dropped.saturating_add(self.push(item.id, item.json));
        }
    }

    pub fn written_ms(&self) -> f64 {
        self.written_ms
    }

    /// Records when the owner wrote the queue (stored by `encode`).
    pub fn set_written(&mut self, now_ms: f64) {
        self.written_ms = now_ms;
    }

    /// `q1 <dropped> <next batch id> <written ms>` then one `<messageId>\t<event json>` line per event. Event JSON
    /// (`wire::to_json`) never holds a raw newline or tab. In-flight marks are not persisted: after a
    /// reload everything unacknowledged is sent again (at least once).
    pub fn encode(&self) -> String {
        let mut out = String::from("q1 ");
        for (i, n) in [self.dropped.into(), self.next_batch.into(), self.written_ms.max(0.0) as u64].into_iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            json::push_u64(&mut out, n);
        }
        for item in &self.items {
            out.push('\n');
            out.push_str(&item.id);
            out.push('\t');
            out.push_str(&item.json);
        }
        out
    }

    /// Reads what `encode` wrote; malformed lines are skipped, a malformed header reads as empty.
    pub fn decode(text: &str, policy: Policy) -> Queue {
        let mut q = Queue::new(policy);
        let mut lines = text.split('\n');
        let Some(header) = lines.next().and_then(|h| h.strip_prefix("q1 ")) else {
            return q;
        };
        let mut fields = header.split(' ');
        let Some(dropped) = fields.next().and_then(|d| d.parse().ok()) else {
            return q;
        };
        q.dropped = dropped;
        // Batch ids continue where they were, so an answer to a batch sent before the
        // reload can never be taken for one sent after it.
        if let Some(next) = fields.next().and_then(|n| n.parse::<u32>().ok()) {
            q.next_batch = next.max(1);
        }
        if let Some(written) = fields.next().and_then(|n| n.parse::<u64>().ok()) {
            q.written_ms = written as f64;
        }
        for line in lines {
            if let Some((id, json)) = line.split_once('\t') {
                if crate::ids::is_uuid(id) && json.starts_with('{') && json.ends_with('}') {
                    q.dropped = q.dropped.saturating_add(q.push(id.to_string(), json.to_string()));
                }
            }
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn adoption_skips_duplicates() {
        let mut mine = queue_with(2, Policy::default());
        let theirs = queue_with(3, Policy::default());
        mine.adopt(theirs);
        assert_eq!(mine.len(), 3);
        mine.push(id(0), "{}".into());
        assert_eq!(mine.len(), 3);
    }
}
