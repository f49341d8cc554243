//! Cookies, localStorage and sessionStorage behind one small interface, each with a memory
//! fallback. "Unavailable" (private mode, sandboxed iframe, quota, cookies refused) is a
//! normal answer here, never an exception: every browser call is wrapped, and a refused
//! write leaves the value in memory so the SDK keeps working for this page (and is remembered,
//! so the shim can report a full storage once). `Stores` is the set the SDK uses; consent
//! withdrawal erases by prefix, whether or not they are in use.

use std::cell::{Cell, RefCell};

use wasm_bindgen::JsCast;
use web_sys::{HtmlDocument, Storage};

use crate::cookie::{self, Attrs};

/// Where the registrable cookie domain found for this host is cached (`host=domain`).
const LS_DOMAIN: &str = "ss_dom";

/// A key-value store that may silently refuse.
pub struct Kv {
    backend: Option<Storage>,
    /// Values the browser refused, by key (a handful at most: a Vec is smaller than a map).
    memory: RefCell<Vec<(String, String)>>,
    /// A write the browser refused (quota full, most often).
    failed: Cell<bool>,
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The page's `window` (None in a worker), read directly: `web_sys::window()` goes through
    /// js-sys's search for the global object, four more imports in the glue.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<web_sys::Window>;
}

pub fn window() -> Option<web_sys::Window> {
    WINDOW.with(Clone::clone)
}

fn local_storage() -> Option<Storage> {
    window().and_then(|w| w.local_storage().ok().flatten())
}

fn session_storage() -> Option<Storage> {
    window().and_then(|w| w.session_storage().ok().flatten())
}

impl Kv {
    /// The store if a trial write reads back; a store that exists but refuses the write
    /// (quota full) counts as a failed write.
    fn open(storage: Option<Storage>) -> Kv {
        let mut kv = Kv::memory();
        if let Some(s) = storage {
            let wrote = s.set_item("ss_probe", "1").is_ok();
            let ok = wrote && s.get_item("ss_probe").ok().flatten().as_deref() == Some("1");
            let _ = s.remove_item("ss_probe");
            kv.failed.set(!wrote);
            kv.backend = ok.then_some(s);
        }
        kv
    }

    pub fn local() -> Kv {
        Self::open(local_storage())
    }

    pub fn session() -> Kv {
        Self::open(session_storage())
    }

    pub fn memory() -> Kv {
        Kv { backend: None, memory: RefCell::default(), failed: Cell::new(false) }
    }

    /// True once the browser refused a write (the value then lives in memory).
    pub fn failed(&self) -> bool {
        self.failed.get()
    }

    pub fn is_persistent(&self) -> bool {
        self.backend.is_some()
    }

    pub fn get(&self, key: &str) -> Option<String> {
        if let Some((_, v)) = self.memory.borrow().iter().find(|(k, _)| k == key) {
            return Some(v.clone());
        }
        self.backend.as_ref().and_then(|s| s.get_item(key).ok().flatten())
    }

    /// Writes through to the browser; keeps the value in memory when the browser refuses.
    pub fn set(&self, key: &str, value: &str) {
        let stored = self.backend.as_ref().is_some_and(|s| s.set_item(key, value).is_ok());
        if self.backend.is_some() && !stored {
            self.failed.set(true);
        }
        let mut mem = self.memory.borrow_mut();
        mem.retain(|(k, _)| k != key);
        if !stored {
            mem.push((key.to_string(), value.to_string()));
        }
    }

    pub fn remove(&self, key: &str) {
        self.memory.borrow_mut().retain(|(k, _)| k != key);
        if let Some(s) = &self.backend {
            let _ = s.remove_item(key);
        }
    }

    /// Keys in the browser store that start with `prefix`.
    pub fn keys_with_prefix(&self, prefix: &str) -> Vec<String> {
        self.backend.as_ref().map(|s| keys_of(s, prefix)).unwrap_or_default()
    }
}

fn keys_of(s: &Storage, prefix: &str) -> Vec<String> {
    let n = s.length().unwrap_or(0);
    (0..n).filter_map(|i| s.key(i).ok().flatten()).filter(|k| k.starts_with(prefix)).collect()
}

fn remove_keys(s: &Storage, prefix: &str) {
    // Listed first: removing while indexing would skip keys.
    for k in keys_of(s, prefix) {
        let _ = s.remove_item(&k);
    }
}

/// Removes every key starting with `prefix` from this origin's localStorage and this tab's
/// sessionStorage, whether or not the SDK is using them now (consent denied on a later
/// visit still erases what an earlier one stored, other tabs' queues included).
pub fn erase_prefixed(prefix: &str) {
    for s in [local_storage(), session_storage()].into_iter().flatten() {
        remove_keys(&s, prefix);
    }
}

/// A localStorage value read without any write (a memory-only tab watching the shared state).
pub fn peek_local(key: &str) -> Option<String> {
    local_storage().and_then(|s| s.get_item(key).ok().flatten())
}

/// `document.cookie`, with the attributes of SPEC §3.
pub struct Cookies {
    doc: Option<HtmlDocument>,
    pub domain: Option<String>,
    pub secure: bool,
}

impl Cookies {
    /// Cookies of this document, unless the browser refuses to read them (a sandboxed iframe
    /// throws). No trial write: each costs a round trip to the browser's cookie store, and a
    /// write dropped silently (cookies disabled) is harmless, the visitor id then comes back
    /// from localStorage or memory.
    pub fn open(secure: bool) -> Option<Cookies> {
        let doc = window()?.document()?.dyn_into::<HtmlDocument>().ok()?;
        doc.cookie().ok()?;
        Some(Cookies { doc: Some(doc), domain: None, secure })
    }

    fn header(&self) -> String {
        self.doc.as_ref().and_then(|d| d.cookie().ok()).unwrap_or_default()
    }

    fn write_raw(&self, s: &str) {
        if let Some(d) = &self.doc {
            let _ = d.set_cookie(s);
        }
    }

    pub fn get(&self, name: &str) -> Option<String> {
        cookie::read(&self.header(), name).map(str::to_string)
    }

    pub fn set(&self, name: &str, value: &str, max_age_s: Option<u32>) {
        let attrs = Attrs { domain: self.domain.as_deref(), max_age_s, secure: self.secure };
        self.write_raw(&cookie::set_string(name, value, attrs));
    }

    /// Deletes `name` host-only and at every candidate domain, wherever an older version wrote it.
    pub fn delete(&self, name: &str, host: &str) {
        self.write_raw(&cookie::delete_string(name, None, self.secure));
        for d in cookie::domain_candidates(host) {
            self.write_raw(&cookie::delete_string(name, Some(&d), self.secure));
        }
    }

    /// The registrable domain: the shortest candidate the browser accepts a cookie for.
    pub fn find_domain(&self, host: &str) -> Option<String> {
        for candidate in cookie::domain_candidates(host) {
            let attrs = Attrs { domain: Some(&candidate), max_age_s: None, secure: self.secure };
            self.write_raw(&cookie::set_string("ss_probe", "d", attrs));
            let accepted = self.get("ss_probe").as_deref() == Some("d");
            self.write_raw(&cookie::delete_string("ss_probe", Some(&candidate), self.secure));
            if accepted {
                return Some(candidate);
            }
        }
        None
    }
}

/// Where the SDK keeps things: the browser's stores when allowed, memory otherwise.
pub struct Stores {
    pub local: Kv,
    pub tab: Kv,
    pub cookies: Option<Cookies>,
}

impl Stores {
    pub fn memory() -> Stores {
        Stores { local: Kv::memory(), tab: Kv::memory(), cookies: None }
    }

    pub fn browser(host: &str, secure: bool, domain_override: Option<&str>) -> Stores {
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
        if let Some((h, d)) = local.get(LS_DOMAIN).as_deref().and_then(|c| crate::text::cut(c, b'=')) {
            if h == host {
                return (!d.is_empty()).then(|| d.to_string());
            }
        }
        let found = jar.find_domain(host);
        local.set(LS_DOMAIN, &crate::json::cat(&[host, "=", found.as_deref().unwrap_or("")]));
        found
    }

    pub fn is_persistent(&self) -> bool {
        self.local.is_persistent() || self.cookies.is_some()
    }
}
