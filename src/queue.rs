//! The delivery queue and retry policy (SPEC §5) as a pure state machine over an injected
//! clock and jitter: batching, exponential backoff with `Retry-After`, splitting on 413,
//! dropping rejected batches with a report, and a cap that evicts the oldest events and
//! counts them in the envelope's `dropped`. A batch sent at unload (`urgent`) never blocks the
//! regular ones: its events stay queued and may go again (the collector deduplicates by
//! `messageId`). Retry waits are kept relative to the clock that set them, so a clock moved
//! back never stalls delivery. The browser layer persists it and the JS shim moves the bytes.

use crate::ids::iso8601;
use crate::json;
use crate::wire::{AsMap, Envelope};

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

/// The longest `Retry-After` honoured; longer answers wait this long.
pub const RETRY_AFTER_CAP_MS: f64 = 3_600_000.0;

impl Policy {
    /// The longest wait any failure can ask for.
    pub fn max_wait_ms(&self) -> f64 {
        self.max_backoff_ms.max(RETRY_AFTER_CAP_MS)
    }
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
    /// The regular batch carrying it right now, if any.
    batch: Option<u32>,
    /// The unload batch carrying it, if any: its fate may never be known.
    urgent: Option<u32>,
}

impl Item {
    fn in_flight(&self) -> bool {
        self.batch.is_some() || self.urgent.is_some()
    }

    fn carried_by(&self, batch: u32) -> bool {
        self.batch == Some(batch) || self.urgent == Some(batch)
    }

    fn is_identify(&self) -> bool {
        self.json.starts_with(IDENTIFY_HEAD)
    }
}

/// How every identify event's JSON starts (`wire::Event` writes its `type` tag first).
const IDENTIFY_HEAD: &str = "{\"type\":\"identify\"";

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
    /// The wait `retry_at_ms` was set with: it is never further away than this from now.
    retry_delay_ms: f64,
    /// An identify event was dropped (cap, rejection) since `take_lost_identify` last looked.
    lost_identify: bool,
    split_limit: Option<usize>,
    /// When the owning tab last wrote it (persisted: lets a tab without Web Locks tell a
    /// closed tab's queue from a live one).
    written_ms: f64,
    /// The owning tab did not hold its lock yet when it wrote the queue (persisted: another
    /// tab must not take a starting tab's queue for a closed tab's).
    unclaimed: bool,
}

impl Queue {
    pub fn new(policy: Policy) -> Self {
        Queue { policy, items: Vec::new(), dropped: 0, reserved: Vec::new(), next_batch: 1, attempt: 0, retry_at_ms: 0.0, retry_delay_ms: 0.0, lost_identify: false, split_limit: None, written_ms: 0.0, unclaimed: false }
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

    /// Some event is in a batch not yet settled (regular or unload).
    pub fn in_flight(&self) -> bool {
        self.items.iter().any(Item::in_flight)
    }

    /// A regular batch is out: the next regular one waits for it.
    pub fn regular_in_flight(&self) -> bool {
        self.items.iter().any(|i| i.batch.is_some())
    }

    /// When the next regular send may happen (0 when it may happen now).
    pub fn retry_at_ms(&self) -> f64 {
        self.retry_at_ms
    }

    /// Milliseconds until the next regular send may happen: 0 when it may happen now, never
    /// more than the wait the last failure asked for, whatever the clock did since.
    pub fn retry_in(&mut self, now_ms: f64) -> f64 {
        self.clamp_retry(now_ms);
        let wait = self.retry_at_ms - now_ms;
        if wait.is_finite() && wait > 0.0 { wait.min(self.policy.max_wait_ms()) } else { 0.0 }
    }

    /// A clock moved back must not stretch the wait: it ends at most `retry_delay_ms` from now.
    fn clamp_retry(&mut self, now_ms: f64) {
        if now_ms.is_finite() && self.retry_at_ms > now_ms + self.retry_delay_ms {
            self.retry_at_ms = now_ms + self.retry_delay_ms;
        }
    }

    /// True (once) when an identify event was dropped since the last call: the cap evicted
    /// it or the collector rejected it, so it must not count as sent.
    pub fn take_lost_identify(&mut self) -> bool {
        std::mem::take(&mut self.lost_identify)
    }

    /// Removes every event, in flight or not (consent withdrawn: nothing queued for the old
    /// visitor may go out); returns how many. They are not counted as dropped.
    pub fn discard_all(&mut self) -> usize {
        let n = self.items.len();
        self.items.clear();
        n
    }

    /// Adds an event; returns how many old events the cap evicted.
    pub fn push(&mut self, id: String, json: String) -> u32 {
        if self.items.iter().any(|i| i.id == id) {
            return 0;
        }
        self.items.push(Item { id, json, batch: None, urgent: None });
        let mut evicted = 0;
        while self.items.len() > self.policy.cap.max(1) {
            // The oldest event not in flight: one in flight may be delivered yet.
            let oldest = self.items.iter().position(|i| !i.in_flight()).unwrap_or(0);
            let gone = self.items.remove(oldest);
            self.lost_identify |= gone.is_identify();
            evicted += 1;
        }
        self.dropped = self.dropped.saturating_add(evicted);
        evicted
    }

    /// True when a regular flush should send now. Unload batches in flight do not count.
    pub fn ready(&self, now_ms: f64) -> bool {
        !self.regular_in_flight() && now_ms >= self.retry_at_ms && !self.items.is_empty()
    }

    /// The next batch to send. A regular flush waits for the previous regular batch and the
    /// backoff, and may carry events an unload batch carries too (its fate is unknown); an
    /// unload flush (`urgent`) sends what is not already in flight, whatever the backoff.
    pub fn take(&mut self, now_ms: f64, api_key: &str, urgent: bool) -> Option<Batch> {
        self.clamp_retry(now_ms);
        if !urgent && !self.ready(now_ms) {
            return None;
        }
        let limit = self.split_limit.unwrap_or(usize::MAX).min(self.policy.batch_size).max(1);
        let id = self.next_batch;
        // Evictions another batch in flight already reports are not reported twice.
        let carried = self.dropped.saturating_sub(self.reserved.iter().map(|(_, n)| n).sum());
        let mut body = Envelope { api_key, sent_at: iso8601(now_ms), dropped: carried, events: &[], as_map: AsMap }.open()?;
        let mut count = 0;
        let free = |i: &&mut Item| if urgent { !i.in_flight() } else { i.batch.is_none() };
        for item in self.items.iter_mut().filter(free) {
            let fits = body.len() + 1 + item.json.len() + 2 <= self.policy.max_batch_bytes;
            if count == limit || (count > 0 && !fits) {
                break;
            }
            if count > 0 {
                body.push(',');
            }
            body.push_str(&item.json);
            if urgent {
                item.urgent = Some(id);
            } else {
                item.batch = Some(id);
            }
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
        let mine = |i: &Item| i.carried_by(batch.id);
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
                // Includes a 413 on a single event: it can never be sent.
                self.lost_identify |= self.items.iter().any(|i| mine(i) && i.is_identify());
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
                        delay = delay.max(ra.min(RETRY_AFTER_CAP_MS));
                    }
                }
                self.retry_delay_ms = delay;
                self.retry_at_ms = now_ms + delay;
                Verdict::Retry { at_ms: self.retry_at_ms }
            }
        }
    }

    fn release(&mut self, batch: u32) {
        for item in self.items.iter_mut() {
            if item.batch == Some(batch) {
                item.batch = None;
            }
            if item.urgent == Some(batch) {
                item.urgent = None;
            }
        }
    }

    /// Takes in another tab's queue (adoption of a closed tab's events), skipping duplicates.
    pub fn adopt(&mut self, other: Queue) {
        self.dropped = self.dropped.saturating_add(other.dropped);
        // An identify the other queue lost (its cap, when it was read back) is lost here too.
        self.lost_identify |= other.lost_identify;
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

    pub fn unclaimed(&self) -> bool {
        self.unclaimed
    }

    /// Records whether the owner holds its tab lock (stored by `encode`).
    pub fn set_unclaimed(&mut self, unclaimed: bool) {
        self.unclaimed = unclaimed;
    }

    /// `q1 <dropped> <next batch id> <written ms>[ 1 while unclaimed]` then one `<messageId>\t<event json>` line per event. Event JSON
    /// (`wire::Event::json`) never holds a raw newline or tab. In-flight marks are not persisted: after a
    /// reload everything unacknowledged is sent again (at least once).
    pub fn encode(&self) -> String {
        let mut out = String::from("q1 ");
        for (i, n) in [self.dropped.into(), self.next_batch.into(), self.written_ms.max(0.0) as u64].into_iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            json::push_u64(&mut out, n);
        }
        if self.unclaimed {
            out.push_str(" 1");
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
        let mut lines = crate::text::parts(text, b'\n');
        let Some(header) = lines.next().and_then(|h| h.strip_prefix("q1 ")) else {
            return q;
        };
        let mut fields = crate::text::parts(header, b' ');
        let Some(dropped) = fields.next().and_then(|d| u32::try_from(json::parse_u64(d, 10)?).ok()) else {
            return q;
        };
        q.dropped = dropped;
        // Batch ids continue where they were, so an answer to a batch sent before the
        // reload can never be taken for one sent after it.
        if let Some(next) = fields.next().and_then(|n| u32::try_from(json::parse_u64(n, 10)?).ok()) {
            q.next_batch = next.max(1);
        }
        if let Some(written) = fields.next().and_then(|n| json::parse_u64(n, 10)) {
            q.written_ms = written as f64;
        }
        q.unclaimed = fields.next() == Some("1");
        for line in lines {
            if let Some((id, json)) = crate::text::cut(line, b'\t') {
                if crate::ids::is_uuid(id) && json.starts_with('{') && json.ends_with('}') {
                    q.dropped = q.dropped.saturating_add(q.push(id.to_string(), json.to_string()));
                }
            }
        }
        q
    }
}
