//! The wasm boundary: one `Sdk` object the JS shim drives, plus `validateIdentify` (and,
//! with the `collector` feature, `checkEvent` for the reference collector). It reads and writes the world (cookies, storage, crypto) and leaves
//! every decision to the pure modules; time comes in as `now` from the shim. Nothing here
//! unwraps: whatever the browser refuses degrades to memory-only mode.

#[cfg(feature = "collector")]
mod collector;
mod input;
mod store;

#[cfg(feature = "collector")]
pub use collector::check_event;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::cookie::{FIRSTPARTY_SESSION, SESSION, VISITOR, VISITOR_MAX_AGE_S};
use crate::error::ValidationError;
use crate::identify::{self, Identify, Value};
use crate::ids::{iso8601, normalize_uuid, uuid_v4, uuid_v7};
use crate::profile::Profile;
use crate::queue::{Batch, Outcome, Policy, Queue, Verdict};
use crate::session::{Reason, Session, Timeouts};
use crate::wire::{self, Event};
use store::{Cookies, Kv};

const LS_VISITOR: &str = "ss_vid";
const LS_PROFILE: &str = "ss_prof";
const LS_DOMAIN: &str = "ss_dom";
const LS_QUEUE_PREFIX: &str = "ss_q:";
const SS_SESSION: &str = "ss_sid";
const SS_TAB: &str = "ss_tab";

/// `init()` options the core reads (the shim reads `endpoint`, `debug`, `onError`, timers).
/// Read field by field with `Reflect`: a wrong type is a clear error naming the option.
struct Options {
    api_key: Option<String>,
    cookie_domain: Option<String>,
    consent: Option<String>,
    batch_size: Option<f64>,
    max_queue_size: Option<f64>,
    session_idle_timeout_ms: Option<f64>,
    session_max_length_ms: Option<f64>,
}

impl Options {
    fn read(o: &JsValue) -> Result<Options, JsValue> {
        if !input::is_plain_object(o) {
            return Err(options_error("options must be an object"));
        }
        // Absent (undefined or null) is None; a value of the wrong type is an error naming it.
        fn field<T>(o: &JsValue, k: &str, kind: &str, as_t: impl Fn(&JsValue) -> Option<T>) -> Result<Option<T>, JsValue> {
            let v = Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
            if v.is_undefined() || v.is_null() {
                return Ok(None);
            }
            as_t(&v).map(Some).ok_or_else(|| options_error(&crate::json::cat(&[k, " must be a ", kind])))
        }
        let string = |k: &str| field(o, k, "string", JsValue::as_string);
        let number = |k: &str| field(o, k, "number", JsValue::as_f64);
        Ok(Options {
            api_key: string("apiKey")?,
            cookie_domain: string("cookieDomain")?,
            consent: string("consent")?,
            batch_size: number("batchSize")?,
            max_queue_size: number("maxQueueSize")?,
            session_idle_timeout_ms: number("sessionIdleTimeoutMs")?,
            session_max_length_ms: number("sessionMaxLengthMs")?,
        })
    }
}

fn positive(v: Option<f64>, default: f64) -> f64 {
    v.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(default)
}

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

fn options_error(msg: &str) -> JsValue {
    let err = js_sys::Error::new(&crate::json::cat(&["SessionSight.init: ", msg]));
    err.set_name("SessionSightConfigError");
    err.into()
}

/// Where the SDK keeps things: the browser's stores when allowed, memory otherwise.
struct Stores {
    local: Kv,
    tab: Kv,
    cookies: Option<Cookies>,
}

impl Stores {
    fn memory() -> Stores {
        Stores { local: Kv::memory(), tab: Kv::memory(), cookies: None }
    }

    fn browser(host: &str, secure: bool, domain_override: Option<&str>) -> Stores {
        let local = Kv::local();
        let tab = Kv::session();
        let cookies = Cookies::open(secure).map(|mut jar| {
            jar.domain = match domain_override {
                Some(d) => Some(d.to_string()),
                None => Self::cookie_domain(&jar, &local, host),
            };
            jar
        });
        Stores { local, tab, cookies }
    }

    /// The registrable domain for `host` (None: host-only), found by trial writes once and
    /// cached in localStorage as `host=domain`.
    fn cookie_domain(jar: &Cookies, local: &Kv, host: &str) -> Option<String> {
        if let Some((h, d)) = local.get(LS_DOMAIN).as_deref().and_then(|c| c.split_once('=')) {
            if h == host {
                return (!d.is_empty()).then(|| d.to_string());
            }
        }
        let found = jar.find_domain(host);
        local.set(LS_DOMAIN, &crate::json::cat(&[host, "=", found.as_deref().unwrap_or("")]));
        found
    }

    fn is_persistent(&self) -> bool {
        self.local.is_persistent() || self.cookies.is_some()
    }
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
            Some(other) => return Err(options_error(&crate::json::cat(&["consent must be 'granted' or 'denied', not '", other, "'"]))),
        };
        let location = web_sys::window().map(|w| w.location());
        let host = location.as_ref().and_then(|l| l.hostname().ok()).unwrap_or_default();
        let secure = location.and_then(|l| l.protocol().ok()).is_some_and(|p| p == "https:");
        let domain_override = o.cookie_domain.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
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
    pub fn start(&mut self, now: f64, duplicate: bool) {
        self.visitor_id = self.resolve_visitor();
        let fresh_tab = duplicate || self.tab_id.is_empty() || self.session.id.is_empty();
        if fresh_tab {
            self.tab_id = uuid_v4(random());
            self.stores.tab.set(SS_TAB, &self.tab_id);
            self.session = Session::new(uuid_v7(now, random()), now);
            self.session_dirty = true;
            self.claim_cookie();
            self.push_session_start(now, Reason::NewTab, None);
        } else {
            let key = self.queue_key();
            if let Some(text) = self.stores.local.get(&key) {
                self.queue.adopt(Queue::decode(&text, self.policy));
            }
            self.activity(now, true);
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

    /// Validates, scrubs and merges one call; throws `SessionSightValidationError` on a
    /// caller bug. Returns true when the call changed the profile and an event was queued.
    pub fn identify(&mut self, payload: JsValue, now: f64) -> Result<bool, JsValue> {
        self.last_now = self.last_now.max(now);
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
        let mine = ids.iter().any(|id| *id == self.session.id);
        if mine {
            self.rotate(now, Reason::Sealed);
        }
        mine
    }

    #[wasm_bindgen(js_name = setConsent)]
    pub fn set_consent(&mut self, granted: bool, now: f64) {
        if granted == self.consent {
            return;
        }
        self.consent = granted;
        if granted {
            self.stores = Stores::browser(&self.host, self.secure, self.domain_override.as_deref());
            self.stores.tab.set(SS_TAB, &self.tab_id);
            self.queue_dirty = true;
            self.new_visitor();
            self.rotate(now, Reason::Consent);
        } else {
            self.erase();
            self.stores = Stores::memory();
            self.visitor_id = uuid_v4(random());
            self.profile = Profile::new(&self.visitor_id);
        }
    }

    /// Logout: a fresh visitor, session and profile.
    pub fn reset(&mut self, now: f64) {
        self.new_visitor();
        self.rotate(now, Reason::Reset);
    }

    /// The next batch as `{ id, count, body }`, or null. `urgent` (unload) ignores backoff.
    #[wasm_bindgen(js_name = nextBatch)]
    pub fn next_batch(&mut self, now: f64, urgent: bool) -> JsValue {
        self.last_now = self.last_now.max(now);
        let Some(mut batch) = self.queue.take(now, &self.api_key, urgent) else { return JsValue::NULL };
        let out = Object::new();
        set(&out, "id", batch.id);
        set(&out, "count", batch.count as u32);
        // The body goes to the shim; only the batch's id and count are needed to settle it.
        set(&out, "body", std::mem::take(&mut batch.body));
        self.batches.push(batch);
        out.into()
    }

    /// Applies a response: `status` 0 for a network error. Returns `{ verdict, count, status, retryAt }`.
    pub fn settle(&mut self, batch_id: u32, status: u16, retry_after_ms: f64, now: f64, jitter: f64) -> JsValue {
        self.last_now = self.last_now.max(now);
        let out = Object::new();
        let Some(pos) = self.batches.iter().position(|b| b.id == batch_id) else {
            set(&out, "verdict", "stale");
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
            let text = self.stores.local.get(&crate::json::cat(&[LS_QUEUE_PREFIX, tab])).unwrap_or_default();
            now - Queue::decode(&text, self.policy).written_ms() >= age_ms
        }).collect()
    }

    /// Takes over a closed tab's unsent events. Call only while holding that tab's lock.
    pub fn adopt(&mut self, tab_id: String) -> u32 {
        let key = crate::json::cat(&[LS_QUEUE_PREFIX, &tab_id]);
        let Some(text) = self.stores.local.get(&key) else { return 0 };
        let other = Queue::decode(&text, self.policy);
        let n = other.len() as u32;
        self.queue.adopt(other);
        self.write_queue();
        self.stores.local.remove(&key);
        n
    }

    /// Writes what changed (queue, profile fingerprints, session times) to storage. The shim
    /// calls it once per task (a microtask after any call), so a burst of calls costs one
    /// write each, not one per call; other tabs only read in their own tasks, after it.
    pub fn persist(&mut self) {
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
        crate::json::cat(&[LS_QUEUE_PREFIX, &self.tab_id])
    }

    /// SPEC §3: a valid cookie wins, else a valid stored value, else a new id; both re-synced.
    fn resolve_visitor(&self) -> String {
        let from_cookie = self.stores.cookies.as_ref().and_then(|c| c.get(VISITOR)).and_then(|v| normalize_uuid(&v));
        let from_storage = || self.stores.local.get(LS_VISITOR).and_then(|v| normalize_uuid(&v));
        let id = from_cookie.or_else(from_storage).unwrap_or_else(|| uuid_v4(random()));
        self.write_visitor(&id);
        id
    }

    fn write_visitor(&self, id: &str) {
        if let Some(c) = &self.stores.cookies {
            c.set(VISITOR, id, Some(VISITOR_MAX_AGE_S));
        }
        self.stores.local.set(LS_VISITOR, id);
    }

    fn new_visitor(&mut self) {
        self.visitor_id = uuid_v4(random());
        self.write_visitor(&self.visitor_id);
        self.profile = Profile::new(&self.visitor_id);
        self.profile_dirty = true;
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
        if let Some(c) = &self.stores.cookies {
            c.set(SESSION, &self.session.id, None);
            c.set(FIRSTPARTY_SESSION, &self.session.id, None);
        }
    }

    fn rotate(&mut self, now: f64, reason: Reason) {
        let previous = std::mem::replace(&mut self.session, Session::new(uuid_v7(now, random()), now));
        // Take the cookie only if it showed this tab's session: another tab may own it now.
        let owned = self.stores.cookies.as_ref().and_then(|c| c.get(SESSION)).is_none_or(|v| v == previous.id);
        self.session_dirty = true;
        if owned || reason != Reason::Sealed {
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

    /// Consent denied: every cookie and stored key of the SDK goes.
    fn erase(&self) {
        if let Some(c) = &self.stores.cookies {
            for name in [VISITOR, SESSION, FIRSTPARTY_SESSION] {
                c.delete(name, &self.host);
            }
        }
        for key in [LS_VISITOR, LS_PROFILE, LS_DOMAIN] {
            self.stores.local.remove(key);
        }
        self.stores.local.remove(&self.queue_key());
        self.stores.tab.remove(SS_SESSION);
        self.stores.tab.remove(SS_TAB);
    }
}

/// identify()'s validation without sending anything: null when the payload is acceptable,
/// else the `SessionSightValidationError` that identify() would throw (forms validate as you type).
#[wasm_bindgen(js_name = validateIdentify)]
pub fn validate_identify(payload: JsValue) -> JsValue {
    match input::fields(&payload).and_then(identify::validate) {
        Ok(_) => JsValue::NULL,
        Err(e) => to_js_error(&e),
    }
}
