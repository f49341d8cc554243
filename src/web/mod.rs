//! The wasm boundary: one `Sdk` object the JS shim drives, plus `explainIdentify` (and,
//! with the `collector` feature, `checkBatch` for the reference collector). It reads and writes the world (cookies, storage, crypto) and leaves
//! every decision to the pure modules; time comes in as `now` from the shim. Nothing here
//! unwraps: whatever the browser refuses degrades to memory-only mode. Consent and the visitor
//! are one site-wide state: `sync` follows what other tabs did to it (a denial erases and goes
//! memory-only, a reset or a re-grant is adopted) before anything is written or sent.
//!
//! This file keeps the `Sdk` state, its constructor, `start`, `persist` and the getters; the
//! rest of `Sdk` lives beside it by concern: `identity` (visitor, session, cookies, server-issued
//! ids), `identify` (identify() and the profile), `delivery` (queue, batches, adoption),
//! `consent` (consent and `sync`).

#[cfg(feature = "collector")]
mod collector;
mod consent;
mod delivery;
mod explain;
mod identify;
mod identity;
mod input;
mod options;
mod store;

#[cfg(feature = "collector")]
pub use collector::check_batch;
pub use explain::explain_identify;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::ValidationError;
use crate::ids::{normalize_uuid, uuid_v4, uuid_v7};
use crate::json::cat;
use crate::profile::Profile;
use crate::queue::{Batch, Policy, Queue};
use crate::session::{Reason, Session, Timeouts};
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

/// Random bytes for ids, drawn from a pool that `crypto.getRandomValues` refills 256 bytes at a
/// time: one call into the browser per 16 ids instead of one per id (identify() mints one).
fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill_random(&mut out);
    out
}

/// `random`'s body, kept out of the generic so each id size does not get its own copy.
fn fill_random(out: &mut [u8]) {
    thread_local! {
        static POOL: std::cell::RefCell<([u8; 256], usize)> = const { std::cell::RefCell::new(([0; 256], 256)) };
    }
    let n = out.len();
    POOL.with_borrow_mut(|(bytes, used)| {
        if *used + n > bytes.len() {
            if getrandom::fill(bytes).is_err() {
                // crypto.getRandomValues is missing: Math.random is all the page offers.
                for b in bytes.iter_mut() {
                    *b = (js_sys::Math::random() * 256.0) as u8;
                }
            }
            *used = 0;
        }
        if let Some(src) = bytes.get(*used..*used + n) {
            out.copy_from_slice(src);
            // Each byte is handed out once.
            *used += n;
        }
    });
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
    /// When this tab found `ss_vid` gone from localStorage but not from the cookies (0: it
    /// did not): until that is settled (`consent.rs`), the tab keeps to memory.
    cleared_at: f64,
    /// What changed since it was last written to storage (see `persist`).
    queue_dirty: bool,
    profile_dirty: bool,
    session_dirty: bool,
    /// The shim's wrapper around the site's `beforeSend`, if any.
    before_send: Option<js_sys::Function>,
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
        let location = store::window().map(|w| w.location());
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
            started: false, claimable: true, storage_failed: false, profile_version: 0, cleared_at: 0.0,
            queue_dirty: false, profile_dirty: false, session_dirty: false, before_send: o.before_send,
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
            self.new_tab(now);
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

    /// Another live tab took this tab's id: it was duplicated from this one before this tab's
    /// lock was granted (its own check found the id free), and it continues this tab's session.
    /// This tab goes on as a new tab; the events it queued so far stay with it, under its new
    /// id (the other tab may have read them too: a resend is deduplicated by messageId).
    pub fn retab(&mut self, now: f64) {
        self.sync(now);
        self.new_tab(now);
        self.persist();
    }

    fn new_tab(&mut self, now: f64) {
        self.tab_id = uuid_v4(random());
        self.stores.tab.set(SS_TAB, &self.tab_id);
        let id = self.take_server_session().unwrap_or_else(|| uuid_v7(now, random()));
        self.session = Session::new(id, now);
        self.session_dirty = true;
        self.queue.set_unclaimed(true);
        self.claim_cookie();
        self.push_session_start(now, Reason::NewTab, None);
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

    /// Consent as this tab acts on it now (another tab's denial or grant is followed).
    #[wasm_bindgen(getter)]
    pub fn consent(&self) -> bool {
        self.consent
    }

    /// True once any storage write failed (quota full…): the queue lives on in memory.
    #[wasm_bindgen(getter, js_name = storageFailed)]
    pub fn storage_failed(&self) -> bool {
        self.storage_failed || self.stores.local.failed() || self.stores.tab.failed()
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

/// Not exported to JavaScript: the shim never asks; the wasm tests do.
impl Sdk {
    /// True while ids are kept in cookies and storage (consent granted and storage works).
    pub fn persistent(&self) -> bool {
        self.consent && self.stores.is_persistent()
    }
}
