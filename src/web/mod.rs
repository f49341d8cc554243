//! The wasm boundary: one `Sdk` object the JS shim drives, plus `validateIdentify` (and,
//! with the `collector` feature, `checkEvent` for the reference collector). It reads and writes the world (cookies, storage, crypto) and leaves
//! every decision to the pure modules; time comes in as `now` from the shim. Nothing here
//! unwraps: whatever the browser refuses degrades to memory-only mode. Consent and the visitor
//! are one site-wide state: `sync` follows what other tabs did to it (a denial erases and goes
//! memory-only, a reset or a re-grant is adopted) before anything is written or sent.

#[cfg(feature = "collector")]
mod collector;
mod consent;
mod explain;
mod input;
mod options;
mod store;

#[cfg(feature = "collector")]
pub use collector::check_event;
pub use explain::{explain_identify, validate_identify};

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::cookie::{FIRSTPARTY_SESSION, SESSION, VISITOR, VISITOR_MAX_AGE_S};
use crate::error::ValidationError;
use crate::identify::{self, Identify, Value};
use crate::ids::{iso8601, normalize_uuid, uuid_v4, uuid_v7};
use crate::json::cat;
use crate::profile::Profile;
use crate::queue::{Batch, Outcome, Policy, Queue, Verdict};
use crate::session::{Reason, Session, Timeouts};
use crate::wire::{self, Event};
use consent::erase_everything;
use options::{options_error, positive, Options};
use store::Stores;

/// Every key and cookie the SDK writes starts with it (besides the `fsid` cookie).
const PREFIX: &str = "ss_";

const LS_VISITOR: &str = "ss_vid";
const LS_PROFILE: &str = "ss_prof";
const LS_QUEUE_PREFIX: &str = "ss_q:";
const SS_SESSION: &str = "ss_sid";
const SS_TAB: &str = "ss_tab";
/// Set by the server helper's `ensureIdentity` (SPEC §7.1). `ss_srv`: the server issues `ss_vid`
/// and renews it on every response, so the SDK leaves that cookie alone; its value is the cookie
/// domain the server uses (`1`: host-only). `ss_srv_sid`: the session the server minted for the
/// page it rendered, adopted once by the first tab that starts while `ss_sid` still holds it.
const SERVER_VISITOR_MARK: &str = "ss_srv";
const SERVER_SESSION_MARK: &str = "ss_srv_sid";

fn random<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if getrandom::fill(&mut buf).is_err() {
        // crypto.getRandomValues is missing: Math.random is all the page offers.
        for b in buf.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    buf
}

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

fn to_js_error(e: &ValidationError) -> JsValue {
    let err = js_sys::Error::new(&e.message());
    err.set_name("SessionSightValidationError");
    set(&err, "code", e.code.as_str());
    set(&err, "field", e.field.as_str());
    err.into()
}

/// One page's SDK state. Created by `new`, made live by `start` once the shim knows whether
/// this tab is a duplicate of another.
#[wasm_bindgen]
pub struct Sdk {
    api_key: String,
    timeouts: Timeouts,
    policy: Policy,
    domain_override: Option<String>,
    host: String,
    secure: bool,
    consent: bool,
    stores: Stores,
    visitor_id: String,
    tab_id: String,
    session: Session,
    queue: Queue,
    batches: Vec<Batch>,
    profile: Profile,
    profile_text: String,
    /// The latest time the shim passed in (stamps queue writes).
    last_now: f64,
    /// `start` ran (the visitor is known).
    started: bool,
    /// The tab may write its session into `ss_sid`/`fsid`: false while a tab that loaded
    /// hidden has not yet been visible or focused.
    claimable: bool,
    /// A storage write failed in a store no longer in use (see `storage_failed`).
    storage_failed: bool,
    /// Bumped whenever the fingerprints of sent identify calls are replaced or forgotten.
    profile_version: u32,
    /// What changed since it was last written to storage (see `persist`).
    queue_dirty: bool,
    profile_dirty: bool,
    session_dirty: bool,
}

#[wasm_bindgen]
impl Sdk {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, now: f64) -> Result<Sdk, JsValue> {
        let o = Options::read(&options)?;
        let api_key = o.api_key.filter(|k| !k.trim().is_empty()).ok_or_else(|| options_error("apiKey is required"))?;
        let consent = match o.consent.as_deref() {
            None | Some("granted") => true,
            Some("denied") => false,
            Some(other) => return Err(options_error(&cat(&["consent must be 'granted' or 'denied', not '", other, "'"]))),
        };
        let location = web_sys::window().map(|w| w.location());
        let host = location.as_ref().and_then(|l| l.hostname().ok()).unwrap_or_default();
        let secure = location.and_then(|l| l.protocol().ok()).is_some_and(|p| p == "https:");
        let domain_override = o.cookie_domain.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
        if !consent {
            // Denied on this visit: what an earlier visit stored goes before anything else.
            erase_everything(&host, secure);
        }
        let stores = if consent { Stores::browser(&host, secure, domain_override.as_deref()) } else { Stores::memory() };
        let timeouts = Timeouts {
            idle_ms: positive(o.session_idle_timeout_ms, crate::session::DEFAULT_IDLE_MS),
            max_length_ms: positive(o.session_max_length_ms, crate::session::DEFAULT_MAX_LENGTH_MS),
        };
        let defaults = Policy::default();
        let policy = Policy {
            batch_size: positive(o.batch_size, defaults.batch_size as f64).min(1000.0) as usize,
            cap: positive(o.max_queue_size, defaults.cap as f64).min(100_000.0) as usize,
            ..defaults
        };
        let tab_id = stores.tab.get(SS_TAB).and_then(|t| normalize_uuid(&t)).unwrap_or_default();
        let session = stores.tab.get(SS_SESSION).and_then(|s| Session::decode(&s))
            .unwrap_or_else(|| Session::new(String::new(), now));
        Ok(Sdk {
            api_key, timeouts, policy, domain_override, host, secure, consent, stores,
            visitor_id: String::new(), tab_id, session, queue: Queue::new(policy), batches: Vec::new(),
            profile: Profile::default(), profile_text: String::new(), last_now: now,
            started: false, claimable: true, storage_failed: false, profile_version: 0,
            queue_dirty: false, profile_dirty: false, session_dirty: false,
        })
    }

    /// This tab's id as found in sessionStorage (empty for a new tab): the shim checks with
    /// Web Locks whether another live tab holds it, which means this one is a duplicate.
    #[wasm_bindgen(getter, js_name = inheritedTabId)]
    pub fn inherited_tab_id(&self) -> String {
        self.tab_id.clone()
    }

    /// Resolves the visitor, continues or starts this tab's session, loads the queue.
    /// `visible` false (loaded hidden, prerendering; absent means true): the session cookies
    /// are not claimed until the first `activity(now, true)`.
    pub fn start(&mut self, now: f64, duplicate: bool, visible: Option<bool>) {
        self.claimable = visible.unwrap_or(true);
        self.visitor_id = self.resolve_visitor();
        self.started = true;
        let fresh_tab = duplicate || self.tab_id.is_empty() || self.session.id.is_empty();
        if fresh_tab {
            self.tab_id = uuid_v4(random());
            self.stores.tab.set(SS_TAB, &self.tab_id);
            let id = self.take_server_session().unwrap_or_else(|| uuid_v7(now, random()));
            self.session = Session::new(id, now);
            self.session_dirty = true;
            self.claim_cookie();
            self.push_session_start(now, Reason::NewTab, None);
        } else {
            let key = self.queue_key();
            if let Some(text) = self.stores.local.get(&key) {
                self.queue.adopt(Queue::decode(&text, self.policy));
                self.check_lost_identify();
            }
            self.activity(now, self.claimable);
        }
        self.load_profile();
        self.persist();
    }

    #[wasm_bindgen(getter, js_name = visitorId)]
    pub fn visitor_id(&self) -> String {
        self.visitor_id.clone()
    }

    #[wasm_bindgen(getter, js_name = sessionId)]
    pub fn session_id(&self) -> String {
        self.session.id.clone()
    }

    #[wasm_bindgen(getter, js_name = tabId)]
    pub fn tab_id(&self) -> String {
        self.tab_id.clone()
    }

    /// True while ids are kept in cookies and storage (consent granted and storage works).
    #[wasm_bindgen(getter)]
    pub fn persistent(&self) -> bool {
        self.consent && self.stores.is_persistent()
    }

    /// True once any storage write failed (quota full…): the queue lives on in memory.
    #[wasm_bindgen(getter, js_name = storageFailed)]
    pub fn storage_failed(&self) -> bool {
        self.storage_failed || self.stores.local.failed() || self.stores.tab.failed()
    }

    /// Changes whenever the fingerprints of sent identify calls are replaced or forgotten
    /// (new visitor, an identify event lost): a repeated call must then reach `identify`.
    #[wasm_bindgen(getter, js_name = profileVersion)]
    pub fn profile_version(&self) -> u32 {
        self.profile_version
    }

    /// Validates, scrubs and merges one call; throws `SessionSightValidationError` on a
    /// caller bug. Returns true when the call changed the profile and an event was queued.
    pub fn identify(&mut self, payload: JsValue, now: f64) -> Result<bool, JsValue> {
        self.last_now = self.last_now.max(now);
        self.sync(now);
        let fields = input::fields(&payload).map_err(|e| to_js_error(&e))?;
        let call = identify::validate(fields).map_err(|e| to_js_error(&e))?;
        if call.is_empty() {
            return Ok(false);
        }
        self.activity(now, false);
        self.load_profile();
        if !self.profile.merge(&self.visitor_id, &call) {
            return Ok(false);
        }
        self.profile_dirty = true;
        let event = self.identify_event(now, &call);
        self.push_event(event);
        Ok(true)
    }

    /// The person did something in this tab. `claim` (focus, visible, pageshow) also makes
    /// this tab's session the one in the `ss_sid`/`fsid` cookies.
    pub fn activity(&mut self, now: f64, claim: bool) {
        self.last_now = self.last_now.max(now);
        self.sync(now);
        if claim {
            self.claimable = true;
        }
        if let Some(reason) = self.session.expiry(now, self.timeouts) {
            self.rotate(now, reason);
        } else {
            self.session.touch(now);
            self.session_dirty = true;
        }
        if claim {
            self.claim_cookie();
        }
    }

    /// The collector answered that these sessions are sealed.
    pub fn sealed(&mut self, ids: Vec<String>, now: f64) -> bool {
        self.sync(now);
        let mine = ids.contains(&self.session.id);
        if mine {
            self.rotate(now, Reason::Sealed);
        }
        mine
    }

    /// Logout: a fresh visitor, session and profile (other tabs adopt it through `sync`).
    pub fn reset(&mut self, now: f64) {
        self.sync(now);
        self.new_visitor();
        self.rotate(now, Reason::Reset);
    }

    /// The next batch as `{ id, count, body }`, or null. `urgent` (unload) ignores backoff.
    #[wasm_bindgen(js_name = nextBatch)]
    pub fn next_batch(&mut self, now: f64, urgent: bool) -> JsValue {
        self.last_now = self.last_now.max(now);
        // A denial in another tab drops the old visitor's events before any goes out.
        self.sync(now);
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

    /// When a regular flush may next send, in epoch ms (0: now).
    #[wasm_bindgen(getter, js_name = retryAt)]
    pub fn retry_at(&self) -> f64 {
        self.queue.retry_at_ms()
    }

    /// Milliseconds until a regular flush may send: relative, ≥ 0, bounded by the longest
    /// wait of the policy, whatever the wall clock did since the failure.
    #[wasm_bindgen(js_name = retryIn)]
    pub fn retry_in(&mut self, now: f64) -> f64 {
        self.queue.retry_in(now)
    }

    /// Tab ids of other queues in localStorage: adoption candidates if their tab is gone.
    #[wasm_bindgen(js_name = otherQueues)]
    pub fn other_queues(&self) -> Vec<String> {
        let own = self.queue_key();
        self.stores.local.keys_with_prefix(LS_QUEUE_PREFIX).into_iter()
            .filter(|k| *k != own)
            .filter_map(|k| k.strip_prefix(LS_QUEUE_PREFIX).map(str::to_string))
            .collect()
    }

    /// Without Web Locks: other tabs' queues nobody has written for `age_ms` (their tab is
    /// most likely closed; a live tab with events rewrites its queue at every retry).
    #[wasm_bindgen(js_name = staleQueues)]
    pub fn stale_queues(&self, now: f64, age_ms: f64) -> Vec<String> {
        self.other_queues().into_iter().filter(|tab| {
            let text = self.stores.local.get(&cat(&[LS_QUEUE_PREFIX, tab])).unwrap_or_default();
            now - Queue::decode(&text, self.policy).written_ms() >= age_ms
        }).collect()
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

    /// Writes what changed (queue, profile fingerprints, session times) to storage. The shim
    /// calls it once per task (a microtask after any call), so a burst of calls costs one
    /// write each, not one per call; other tabs only read in their own tasks, after it.
    pub fn persist(&mut self) {
        self.sync(self.last_now);
        if self.queue_dirty {
            self.write_queue();
        }
        if self.profile_dirty {
            self.profile_dirty = false;
            self.profile_text = self.profile.encode();
            self.stores.local.set(LS_PROFILE, &self.profile_text);
        }
        if self.session_dirty {
            self.session_dirty = false;
            self.stores.tab.set(SS_SESSION, &self.session.encode());
        }
    }
}

impl Sdk {
    fn queue_key(&self) -> String {
        cat(&[LS_QUEUE_PREFIX, &self.tab_id])
    }

    /// SPEC §3: a valid cookie wins, else a valid stored value, else a new id; both re-synced.
    /// Under a server-issued `ss_vid` (§7.1) this page writes its cookies at the server's domain.
    fn resolve_visitor(&mut self) -> String {
        self.follow_server_domain();
        let from_cookie = self.stores.cookies.as_ref().and_then(|c| c.get(VISITOR)).and_then(|v| normalize_uuid(&v));
        let from_storage = || self.stores.local.get(LS_VISITOR).and_then(|v| normalize_uuid(&v));
        let id = from_cookie.or_else(from_storage).unwrap_or_else(|| uuid_v4(random()));
        self.write_visitor(&id);
        id
    }

    /// Except over a server-issued `ss_vid` holding this very id: the server renews that
    /// cookie, and a write from script would bring Safari's 7-day cap back.
    fn write_visitor(&self, id: &str) {
        if let Some(c) = &self.stores.cookies {
            let server_issued = c.get(SERVER_VISITOR_MARK).is_some()
                && c.get(VISITOR).and_then(|v| normalize_uuid(&v)).as_deref() == Some(id);
            if !server_issued {
                c.set(VISITOR, id, Some(VISITOR_MAX_AGE_S));
            }
        }
        self.stores.local.set(LS_VISITOR, id);
    }

    /// The server names its cookie domain in `ss_srv`; writing ours there too keeps one copy of
    /// each cookie. A value this host cannot use is ignored.
    fn follow_server_domain(&mut self) {
        let Some(jar) = self.stores.cookies.as_mut() else { return };
        let Some(mark) = jar.get(SERVER_VISITOR_MARK).map(|m| m.trim().to_ascii_lowercase()) else { return };
        let host = self.host.trim_end_matches('.').to_ascii_lowercase();
        if mark == "1" {
            jar.domain = None;
        } else if mark.as_bytes().contains(&b'.') && !crate::cookie::is_host_only(&host)
            && (host == mark || host.strip_suffix(mark.as_str()).is_some_and(|rest| rest.ends_with('.'))) {
            jar.domain = Some(mark);
        }
    }

    /// The session the server minted for the response that loaded this page, taken once (the
    /// marker is deleted), and only while `ss_sid` still holds it: once any tab has claimed the
    /// cookie, the marker is stale and this tab mints its own session.
    fn take_server_session(&self) -> Option<String> {
        let jar = self.stores.cookies.as_ref()?;
        let minted = normalize_uuid(&jar.get(SERVER_SESSION_MARK)?);
        jar.delete(SERVER_SESSION_MARK, &self.host);
        let minted = minted?;
        (jar.get(SESSION).and_then(|v| normalize_uuid(&v)).as_deref() == Some(minted.as_str())).then_some(minted)
    }

    fn new_visitor(&mut self) {
        self.visitor_id = uuid_v4(random());
        self.write_visitor(&self.visitor_id);
        self.forget_profile();
    }

    /// A new, empty profile for the current visitor: the next identify() call is sent.
    fn forget_profile(&mut self) {
        self.profile = Profile::new(&self.visitor_id);
        self.profile_dirty = true;
        self.profile_version = self.profile_version.wrapping_add(1);
    }

    /// An identify event was lost (rejected, dropped by the cap): it does not count as sent.
    fn check_lost_identify(&mut self) {
        if self.queue.take_lost_identify() {
            self.forget_profile();
        }
    }

    /// The stored profile when it belongs to this visitor (another tab may have merged into it).
    /// Unwritten changes of this tab are newer than storage and are kept.
    fn load_profile(&mut self) {
        if self.profile_dirty {
            return;
        }
        let text = self.stores.local.get(LS_PROFILE).unwrap_or_default();
        if text == self.profile_text && self.profile.belongs_to(&self.visitor_id) {
            return;
        }
        self.profile = Profile::decode(&text).filter(|p| p.belongs_to(&self.visitor_id))
            .unwrap_or_else(|| Profile::new(&self.visitor_id));
        self.profile_text = text;
    }

    fn claim_cookie(&self) {
        if !self.claimable {
            return;
        }
        if let Some(c) = &self.stores.cookies {
            c.set(SESSION, &self.session.id, None);
            c.set(FIRSTPARTY_SESSION, &self.session.id, None);
        }
    }

    fn rotate(&mut self, now: f64, reason: Reason) {
        self.rotate_with(now, reason, reason != Reason::Sealed);
    }

    /// `take_cookie`: claim the session cookies even if another tab's session is in them.
    fn rotate_with(&mut self, now: f64, reason: Reason, take_cookie: bool) {
        let previous = std::mem::replace(&mut self.session, Session::new(uuid_v7(now, random()), now));
        // Take the cookie only if it showed this tab's session: another tab may own it now.
        let owned = self.stores.cookies.as_ref().and_then(|c| c.get(SESSION)).map_or(true, |v| v == previous.id);
        self.session_dirty = true;
        if owned || take_cookie {
            self.claim_cookie();
        }
        self.push_session_start(now, reason, Some(&previous.id).filter(|p| !p.is_empty()).map(|p| p.as_str()));
    }

    fn push_session_start(&mut self, now: f64, reason: Reason, previous: Option<&str>) {
        let event = Event::SessionStart(wire::SessionStart {
            message_id: uuid_v4(random()),
            timestamp: iso8601(now),
            visitor_id: self.visitor_id.clone(),
            session_id: self.session.id.clone(),
            previous_session_id: previous.map(str::to_string),
            reason: reason.as_str().to_string(),
        });
        self.push_event(event);
    }

    fn identify_event(&self, now: f64, call: &Identify) -> Event {
        let custom = call.custom.iter().map(|(k, v)| {
            let prop = match v {
                Value::Str(s) => wire::Prop::Str(s.clone()),
                Value::Num(n, _) => wire::Prop::Num(*n),
                Value::Bool(b) => wire::Prop::Bool(*b),
            };
            (k.clone(), prop)
        });
        Event::Identify(wire::Identify {
            message_id: uuid_v4(random()),
            timestamp: iso8601(now),
            visitor_id: self.visitor_id.clone(),
            session_id: self.session.id.clone(),
            id: call.id.clone(),
            email: call.email.clone(),
            custom_properties: wire::Properties(custom.collect()),
        })
    }

    /// Queues an event as its JSON text (what storage keeps and batches carry).
    fn push_event(&mut self, event: Event) {
        let id = match &event {
            Event::SessionStart(e) => e.message_id.clone(),
            Event::Identify(e) => e.message_id.clone(),
        };
        if let Some(json) = wire::to_json(&event) {
            self.push(id, json);
        }
    }

    fn push(&mut self, id: String, json: String) {
        self.queue.push(id, json);
        self.check_lost_identify();
        self.save_queue();
    }

    fn save_queue(&mut self) {
        self.queue_dirty = true;
    }

    fn write_queue(&mut self) {
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
