//! Consent and the visitor as one site-wide state shared by every tab of the site. A denial
//! (here, at init on a later visit, or in another tab) erases everything the SDK ever stored
//! and leaves this tab in memory; a reset or a re-grant in another tab is adopted. `sync`
//! notices what other tabs did by reading the stored `ss_vid` (and the cookie, to tell a
//! denial from a page clearing its own localStorage), and runs before anything is written or
//! sent; the shim also hands it other tabs' announced denials.

use wasm_bindgen::prelude::*;

use super::store::{self, Cookies, Stores};
use super::{random, Sdk, LS_VISITOR, PREFIX, SERVER_SESSION_MARK, SERVER_VISITOR_MARK, SS_TAB};
use crate::cookie::{FIRSTPARTY_SESSION, SESSION, VISITOR};
use crate::ids::{normalize_uuid, uuid_v4};
use crate::profile::Profile;
use crate::session::Reason;

/// The visitor id the last grant of consent minted (a denial erases it). A persisting tab
/// that finds it as the new `ss_vid` missed a denial in between; a denied tab follows a new
/// `ss_vid` only when it is there.
const LS_GRANT: &str = "ss_grant";

#[wasm_bindgen]
impl Sdk {
    /// Follows what other tabs did to the site-wide state (the shim calls it on the `storage`
    /// event and on `pageshow`/focus; the core also runs it before writing and in identify).
    /// The stored `ss_vid` gone while this tab persists: consent was denied elsewhere, so go
    /// memory-only and drop the old visitor's events (unless the cookie still names a
    /// visitor: see `settle_cleared`). A different valid `ss_vid`: another tab
    /// reset or granted consent again, so adopt it (a denied tab only after an explicit grant).
    /// True when the visitor changed.
    pub fn sync(&mut self, now: f64) -> bool {
        if !self.started {
            return false;
        }
        if self.consent {
            if self.cleared_at > 0.0 {
                return self.settle_cleared(now, false);
            }
            if !self.stores.local.is_persistent() {
                return false;
            }
            match self.stores.local.get(LS_VISITOR).and_then(|v| normalize_uuid(&v)) {
                // A denial deletes the cookie first; a page clearing its own localStorage (a
                // logout's `localStorage.clear()`, `Clear-Site-Data: "storage"`) leaves it.
                // Which one it was is settled later: memory only until then.
                None if cookie_visitor(self.secure).is_some() => {
                    self.cleared_at = now.max(1.0);
                    self.storage_failed = self.storage_failed();
                    self.stores = Stores::memory();
                    return false;
                }
                None => self.deny(),
                Some(id) if id != self.visitor_id => {
                    if self.stores.local.get(LS_GRANT).as_deref() == Some(id.as_str()) {
                        // Denied and granted again meanwhile: the old visitor's events go.
                        self.queue.discard_all();
                        self.follow(id, now, Reason::Consent);
                    } else {
                        self.follow(id, now, Reason::Reset);
                    }
                }
                Some(_) => return false,
            }
            return true;
        }
        // Denied here: only an explicit grant elsewhere (which writes `ss_grant`; a denial
        // erases it) brings this tab back, not a tab that merely started and wrote an id.
        if store::peek_local(LS_GRANT).is_none() {
            return false;
        }
        match store::peek_local(LS_VISITOR).and_then(|v| normalize_uuid(&v)) {
            Some(id) if id != self.visitor_id => {
                self.grant_stores();
                // (The grant may have come so soon after the denial that this tab, following
                // the denial late, deleted the new cookie: it is written again.)
                self.write_visitor(&id);
                self.follow(id, now, Reason::Consent);
                true
            }
            _ => false,
        }
    }

    /// Another tab announced a denial (the shim's channel): followed at once, whatever this
    /// tab's view of the stores shows yet, unless consent was granted again since (the
    /// stored `ss_grant` names the stored visitor): then `sync` follows the grant.
    #[wasm_bindgen(js_name = deniedElsewhere)]
    pub fn denied_elsewhere(&mut self, now: f64) -> bool {
        let grant = store::peek_local(LS_GRANT);
        if !self.consent || (grant.is_some() && grant == store::peek_local(LS_VISITOR)) {
            return self.sync(now);
        }
        self.deny();
        true
    }

    /// Granted: a fresh persistent visitor every tab adopts. Denied: everything the SDK ever
    /// stored on this site is erased, this tab's queued events of the old visitor are dropped,
    /// and a fresh visitor id lives in memory only.
    #[wasm_bindgen(js_name = setConsent)]
    pub fn set_consent(&mut self, granted: bool, now: f64) {
        self.sync(now);
        if granted == self.consent {
            return;
        }
        if granted {
            self.grant_stores();
            self.new_visitor();
            self.stores.local.set(LS_GRANT, &self.visitor_id);
            self.rotate(now, Reason::Consent);
        } else {
            self.deny();
        }
    }
}

impl Sdk {
    /// Another tab made `id` the visitor (reset, consent granted again): a new profile, a
    /// new session; the session cookies are taken only if they showed this tab's session.
    fn follow(&mut self, id: String, now: f64, reason: Reason) {
        self.visitor_id = id;
        self.profile = Profile::new(&self.visitor_id);
        self.profile_text.clear();
        self.profile_dirty = false;
        self.profile_version = self.profile_version.wrapping_add(1);
        self.load_profile();
        self.rotate_with(now, reason, false);
    }

    /// `ss_vid` left localStorage but not the cookies at `cleared_at`. Another tab's denial
    /// deletes the cookie too, but this tab may see that a moment after the storage change:
    /// only once the cookie has stayed for `CLEARED_MS` (or at once, `at_once`: see
    /// `settle_now`) is it a page's own clearing. Then everything this tab holds is
    /// written back, and the cookie's visitor is followed if it is another one.
    pub(super) fn settle_cleared(&mut self, now: f64, at_once: bool) -> bool {
        if !at_once && now - self.cleared_at < CLEARED_MS {
            return false;
        }
        self.cleared_at = 0.0;
        let Some(id) = cookie_visitor(self.secure) else {
            self.deny();
            return true;
        };
        self.grant_stores();
        self.profile_dirty = true;
        self.write_visitor(&id);
        if id == self.visitor_id {
            return false;
        }
        self.follow(id, now, Reason::Reset);
        true
    }

    /// True while unsure whether localStorage was cleared by the page or by a denial.
    pub(super) fn unsure(&self) -> bool {
        self.cleared_at > 0.0
    }

    /// What cannot wait (the page being left, a reset) settles `unsure` by the cookie at once.
    pub(super) fn settle_now(&mut self, now: f64) {
        if self.unsure() {
            self.settle_cleared(now, true);
        }
    }

    /// Back to the browser's stores (consent granted, here or in another tab).
    fn grant_stores(&mut self) {
        self.consent = true;
        self.stores = Stores::browser(&self.host, self.secure, self.domain_override.as_deref());
        self.follow_server_domain();
        self.stores.tab.set(SS_TAB, &self.tab_id);
        self.queue_dirty = true;
        self.session_dirty = true;
    }

    /// Consent denied (here or in another tab): erase everything, drop the queued events of
    /// the old visitor(s), and carry on in memory with a fresh visitor id.
    fn deny(&mut self) {
        self.consent = false;
        self.cleared_at = 0.0;
        erase_everything(&self.host, self.secure);
        self.storage_failed = self.storage_failed();
        self.stores = Stores::memory();
        // Every event queued so far carries a visitor id of before the denial (this tab may
        // have followed a reset just now): none of them is sent.
        self.queue.discard_all();
        self.visitor_id = uuid_v4(random());
        self.forget_profile();
    }
}

/// How long `ss_vid` must stay in the cookies after it left localStorage before this tab
/// takes that for the page's own clearing rather than a denial seen half-way (`settle_cleared`).
const CLEARED_MS: f64 = 250.0;

/// The visitor the `ss_vid` cookie names, read afresh (whatever stores this tab uses).
fn cookie_visitor(secure: bool) -> Option<String> {
    Cookies::open(secure)?.get(VISITOR).and_then(|v| normalize_uuid(&v))
}

/// Consent denied: the three cookies (and the server-issued markers) and every `ss_` key of localStorage (other tabs' queues
/// included) and of this tab's sessionStorage go, whether or not this page is using them.
pub(super) fn erase_everything(host: &str, secure: bool) {
    if let Some(c) = Cookies::open(secure) {
        for name in [VISITOR, SESSION, FIRSTPARTY_SESSION, SERVER_VISITOR_MARK, SERVER_SESSION_MARK] {
            c.delete(name, host);
        }
    }
    store::erase_prefixed(PREFIX);
}
