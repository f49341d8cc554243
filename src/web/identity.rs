//! Who this tab is counting: the visitor id (cookie, storage, or the server's own `ss_vid`),
//! this tab's session and when it rotates, the `ss_sid`/`fsid` session cookies, and the ids a
//! server issued (SPEC §7.1) adopted once. Split from `mod.rs` so the `Sdk` glue stays small.

use wasm_bindgen::prelude::*;

use super::{random, Sdk, LS_VISITOR, SERVER_SESSION_MARK, SERVER_VISITOR_MARK};
use crate::cookie::{FIRSTPARTY_SESSION, SESSION, VISITOR, VISITOR_MAX_AGE_S};
use crate::ids::{iso8601, normalize_uuid, uuid_v4, uuid_v7};
use crate::session::{Reason, Session};
use crate::wire::{self, Event};

#[wasm_bindgen]
impl Sdk {
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

    /// The collector answered that these sessions are sealed (`ids` space-separated).
    pub fn sealed(&mut self, ids: &str, now: f64) -> bool {
        self.sync(now);
        let mine = crate::text::parts(ids, b' ').any(|id| id == self.session.id);
        if mine {
            self.rotate(now, Reason::Sealed);
        }
        mine
    }

    /// Logout: a fresh visitor, session and profile (other tabs adopt it through `sync`).
    pub fn reset(&mut self, now: f64) {
        self.sync(now);
        // A logout often clears localStorage just before: the new visitor must reach the
        // cookie now, or settling later would follow the old one back.
        self.settle_now(now);
        self.new_visitor();
        self.rotate(now, Reason::Reset);
    }
}

impl Sdk {
    /// SPEC §3: a valid cookie wins, else a valid stored value, else a new id; both re-synced.
    /// Under a server-issued `ss_vid` (§7.1) this page writes its cookies at the server's domain.
    pub(super) fn resolve_visitor(&mut self) -> String {
        self.follow_server_domain();
        let from_cookie = self.stores.cookies.as_ref().and_then(|c| c.get(VISITOR)).and_then(|v| normalize_uuid(&v));
        let from_storage = || self.stores.local.get(LS_VISITOR).and_then(|v| normalize_uuid(&v));
        let id = from_cookie.or_else(from_storage).unwrap_or_else(|| uuid_v4(random()));
        self.write_visitor(&id);
        id
    }

    /// Except over a server-issued `ss_vid` holding this very id: the server renews that
    /// cookie, and a write from script would bring Safari's 7-day cap back.
    pub(super) fn write_visitor(&self, id: &str) {
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
    pub(super) fn follow_server_domain(&mut self) {
        let Some(jar) = self.stores.cookies.as_mut() else { return };
        let Some(mark) = jar.get(SERVER_VISITOR_MARK).map(|m| m.trim().to_ascii_lowercase()) else { return };
        let host = crate::text::trim_end(&self.host, b'.').to_ascii_lowercase();
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
    pub(super) fn take_server_session(&self) -> Option<String> {
        let jar = self.stores.cookies.as_ref()?;
        let minted = normalize_uuid(&jar.get(SERVER_SESSION_MARK)?);
        jar.delete(SERVER_SESSION_MARK, &self.host);
        let minted = minted?;
        (jar.get(SESSION).and_then(|v| normalize_uuid(&v)).as_deref() == Some(minted.as_str())).then_some(minted)
    }

    pub(super) fn new_visitor(&mut self) {
        self.visitor_id = uuid_v4(random());
        self.write_visitor(&self.visitor_id);
        self.forget_profile();
    }

    pub(super) fn claim_cookie(&self) {
        if !self.claimable {
            return;
        }
        if let Some(c) = &self.stores.cookies {
            c.set(SESSION, &self.session.id, None);
            c.set(FIRSTPARTY_SESSION, &self.session.id, None);
        }
    }

    pub(super) fn rotate(&mut self, now: f64, reason: Reason) {
        self.rotate_with(now, reason, reason != Reason::Sealed);
    }

    /// `take_cookie`: claim the session cookies even if another tab's session is in them.
    pub(super) fn rotate_with(&mut self, now: f64, reason: Reason, take_cookie: bool) {
        let previous = std::mem::replace(&mut self.session, Session::new(uuid_v7(now, random()), now));
        // Take the cookie only if it showed this tab's session: another tab may own it now.
        let owned = self.stores.cookies.as_ref().and_then(|c| c.get(SESSION)).map_or(true, |v| v == previous.id);
        self.session_dirty = true;
        if owned || take_cookie {
            self.claim_cookie();
        }
        self.push_session_start(now, reason, Some(&previous.id).filter(|p| !p.is_empty()).map(|p| p.as_str()));
    }

    pub(super) fn push_session_start(&mut self, now: f64, reason: Reason, previous: Option<&str>) {
        let event = Event::SessionStart(wire::SessionStart {
            message_id: uuid_v4(random()),
            timestamp: iso8601(now),
            visitor_id: self.visitor_id.clone(),
            session_id: self.session.id.clone(),
            previous_session_id: previous.map(str::to_string),
            reason: reason.as_str().to_string(),
            as_map: wire::AsMap,
        });
        self.push_event(event);
    }
}
