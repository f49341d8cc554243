//! Delivery as the core sees it: this tab's queue in localStorage, the batches handed to the
//! shim and their answers settled, retry waits, and the adoption of closed tabs' queues. The
//! shim owns the network; the decisions are `queue`'s. Split from `mod.rs` so the `Sdk` glue
//! stays small.

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::{set, Sdk, LS_QUEUE_PREFIX};
use crate::json::cat;
use crate::queue::{Outcome, Queue, Verdict};
use crate::wire::Event;

/// How long a starting tab's queue is left alone before its lock is held (`otherQueues`): the
/// grant takes milliseconds; a tab gone before it leaves its queue to the next adoption pass.
const UNCLAIMED_MS: f64 = 30_000.0;

#[wasm_bindgen]
impl Sdk {
    /// The next batch as `{ id, count, body }`, or null. `urgent` (unload) ignores backoff.
    #[wasm_bindgen(js_name = nextBatch)]
    pub fn next_batch(&mut self, now: f64, urgent: bool) -> JsValue {
        self.last_now = self.last_now.max(now);
        // A denial in another tab drops the old visitor's events before any goes out. While
        // unsure whether localStorage was cleared by a denial, nothing goes out, unless the
        // page is being left (`urgent`): then the cookie decides at once.
        self.sync(now);
        if urgent {
            self.settle_now(now);
        } else if self.unsure() {
            return JsValue::NULL;
        }
        let Some(mut batch) = self.queue.take(now, &self.api_key, urgent) else { return JsValue::NULL };
        let out = Object::new();
        set(&out, "id", batch.id);
        set(&out, "count", batch.count as u32);
        // The body goes to the shim; only the batch's id and count are needed to settle it.
        set(&out, "body", std::mem::take(&mut batch.body));
        self.batches.push(batch);
        out.into()
    }

    /// Applies a response: `status` 0 for a network error. Returns `{ verdict, count, status,
    /// retryAt, retryIn }`; `retryIn` is the wait before the next regular send in ms, relative,
    /// ≥ 0 and bounded (schedule with it, not with `retryAt`).
    pub fn settle(&mut self, batch_id: u32, status: u16, retry_after_ms: f64, now: f64, jitter: f64) -> JsValue {
        self.last_now = self.last_now.max(now);
        let out = Object::new();
        let Some(pos) = self.batches.iter().position(|b| b.id == batch_id) else {
            set(&out, "verdict", "stale");
            set(&out, "retryIn", self.queue.retry_in(now));
            return out.into();
        };
        let batch = self.batches.swap_remove(pos);
        let outcome = match status {
            0 => Outcome::Network,
            200..=299 => Outcome::Accepted,
            code => Outcome::Status { code, retry_after_ms: retry_after_ms.is_finite().then_some(retry_after_ms) },
        };
        let verdict = self.queue.settle(&batch, outcome, now, jitter);
        self.save_queue();
        self.check_lost_identify();
        set(&out, "retryIn", self.queue.retry_in(now));
        let (name, count) = match verdict {
            Verdict::Delivered { count } => ("delivered", count),
            Verdict::Retry { at_ms } => {
                set(&out, "retryAt", at_ms);
                ("retry", batch.count)
            }
            Verdict::Split => ("split", batch.count),
            Verdict::Rejected { count, status } => {
                set(&out, "status", status);
                ("rejected", count)
            }
            Verdict::Stale => ("stale", 0),
        };
        set(&out, "verdict", name);
        set(&out, "count", count as u32);
        out.into()
    }

    /// Events waiting (including those in flight).
    #[wasm_bindgen(getter)]
    pub fn pending(&self) -> u32 {
        self.queue.len() as u32
    }

    /// Tab ids of other queues in localStorage: adoption candidates if their tab is gone.
    /// Space-separated, as the tab ids are across the boundary (a `Vec<String>` there costs
    /// the page 0.3 KB of conversion code). A starting tab writes its queue before the browser
    /// grants its lock (init() does not wait for the grant): its queue, marked unclaimed, is
    /// left alone for `UNCLAIMED_MS`, or another tab would take a live tab's events (and its lock
    /// for a moment, sending the starting tab off as a copy of itself).
    #[wasm_bindgen(js_name = otherQueues)]
    pub fn other_queues(&self, now: f64) -> String {
        self.other_tabs(&|q| !q.unclaimed() || now - q.written_ms() >= UNCLAIMED_MS)
    }

    /// Without Web Locks: other tabs' queues nobody has written for `age_ms` (their tab is
    /// most likely closed; a live tab with events rewrites its queue at every retry).
    #[wasm_bindgen(js_name = staleQueues)]
    pub fn stale_queues(&self, now: f64, age_ms: f64) -> String {
        self.other_tabs(&|q| now - q.written_ms() >= age_ms)
    }

    /// Lets a tab's queue go to a tab that adopts orphans: this tab holds its lock now.
    #[wasm_bindgen(js_name = lockHeld)]
    pub fn lock_held(&mut self) {
        if self.queue.unclaimed() {
            self.queue.set_unclaimed(false);
            self.save_queue();
        }
    }

    /// Takes over a closed tab's unsent events. Call only while holding that tab's lock.
    pub fn adopt(&mut self, tab_id: String) -> u32 {
        self.sync(self.last_now);
        let key = cat(&[LS_QUEUE_PREFIX, &tab_id]);
        let Some(text) = self.stores.local.get(&key) else { return 0 };
        let other = Queue::decode(&text, self.policy);
        let n = other.len() as u32;
        self.queue.adopt(other);
        self.check_lost_identify();
        self.write_queue();
        self.stores.local.remove(&key);
        n
    }
}

impl Sdk {
    /// Space-separated ids of the other tabs whose stored queue (its header line) passes `keep`.
    fn other_tabs(&self, keep: &dyn Fn(&Queue) -> bool) -> String {
        let own = self.queue_key();
        let mut out = String::new();
        for key in self.stores.local.keys_with_prefix(LS_QUEUE_PREFIX) {
            let (Some(tab), Some(text)) = (key.strip_prefix(LS_QUEUE_PREFIX), self.stores.local.get(&key)) else { continue };
            let head = crate::text::cut(&text, b'\n').map_or(text.as_str(), |(h, _)| h);
            if key != own && keep(&Queue::decode(head, self.policy)) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(tab);
            }
        }
        out
    }

    pub(super) fn queue_key(&self) -> String {
        cat(&[LS_QUEUE_PREFIX, &self.tab_id])
    }

    /// Queues an event as its JSON text (what storage keeps and batches carry). With the
    /// site's `beforeSend`, the shim's wrapper around it (`js/sdk/before-send.js`) is handed that
    /// text and gives back the final one: the protocol's fields as they were, the caller's fields
    /// as the hook left them after identify()'s own checks and scrubbing (`explainIdentify`);
    /// or null, which drops the event. A dropped identify does not count as sent.
    pub(super) fn push_event(&mut self, event: Event) {
        let (id, identify) = match &event {
            Event::SessionStart(e) => (e.message_id.clone(), false),
            Event::Identify(e) => (e.message_id.clone(), true),
        };
        let mut json = Some(event.json());
        if let (Some(hook), Some(text)) = (&self.before_send, &json) {
            json = hook.call1(&JsValue::NULL, &JsValue::from_str(text)).ok().and_then(|v| v.as_string());
        }
        match json {
            Some(json) => self.push(id, json),
            None if identify => self.forget_profile(),
            None => {}
        }
    }

    pub(super) fn push(&mut self, id: String, json: String) {
        self.queue.push(id, json);
        self.check_lost_identify();
        self.save_queue();
    }

    pub(super) fn save_queue(&mut self) {
        self.queue_dirty = true;
    }

    pub(super) fn write_queue(&mut self) {
        self.queue_dirty = false;
        self.queue.set_written(self.last_now);
        let key = self.queue_key();
        if self.queue.is_empty() && self.queue.dropped() == 0 {
            self.stores.local.remove(&key);
        } else {
            self.stores.local.set(&key, &self.queue.encode());
        }
    }
}

/// Not exported to JavaScript: the shim never asks; the wasm tests do.
impl Sdk {
    /// Milliseconds until a regular flush may send: relative, ≥ 0, bounded by the longest
    /// wait of the policy, whatever the wall clock did since the failure. The shim gets it
    /// with each verdict.
    pub fn retry_in(&mut self, now: f64) -> f64 {
        self.queue.retry_in(now)
    }
}
