//! The tab session lifecycle (SPEC §3) as pure decisions over an injected clock: when a tab's
//! session must rotate and why, and how a session is stored in sessionStorage.

pub const DEFAULT_IDLE_MS: f64 = 30.0 * 60.0 * 1000.0;
pub const DEFAULT_MAX_LENGTH_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    pub idle_ms: f64,
    pub max_length_ms: f64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { idle_ms: DEFAULT_IDLE_MS, max_length_ms: DEFAULT_MAX_LENGTH_MS }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    NewTab,
    Sealed,
    Idle,
    MaxLength,
    Reset,
    Consent,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NewTab => "new_tab",
            Reason::Sealed => "sealed",
            Reason::Idle => "idle",
            Reason::MaxLength => "max_length",
            Reason::Reset => "reset",
            Reason::Consent => "consent",
        }
    }
}

/// One tab's session: its id, when it started and when the person last did something.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub started_ms: f64,
    pub last_activity_ms: f64,
}

impl Session {
    pub fn new(id: String, now_ms: f64) -> Self {
        Session { id, started_ms: now_ms, last_activity_ms: now_ms }
    }

    /// Why this session may not continue at `now_ms`, if it may not.
    pub fn expiry(&self, now_ms: f64, t: Timeouts) -> Option<Reason> {
        if now_ms - self.started_ms >= t.max_length_ms {
            Some(Reason::MaxLength)
        } else if now_ms - self.last_activity_ms >= t.idle_ms {
            Some(Reason::Idle)
        } else {
            None
        }
    }

    /// Records activity by the person (never by timers or background work).
    pub fn touch(&mut self, now_ms: f64) {
        if now_ms > self.last_activity_ms {
            self.last_activity_ms = now_ms;
        }
    }

    /// `id|started|last` for sessionStorage.
    pub fn encode(&self) -> String {
        let mut out = self.id.clone();
        out.push('|');
        crate::json::push_u64(&mut out, self.started_ms as u64);
        out.push('|');
        crate::json::push_u64(&mut out, self.last_activity_ms as u64);
        out
    }

    /// Reads what `encode` wrote; a malformed id or time reads as absent.
    pub fn decode(s: &str) -> Option<Session> {
        let mut parts = crate::text::parts(s, b'|');
        let id = crate::ids::normalize_uuid(parts.next()?)?;
        let started = crate::json::parse_u64(parts.next()?, 10)?;
        let last = crate::json::parse_u64(parts.next()?, 10)?;
        if parts.next().is_some() || last < started {
            return None;
        }
        Some(Session { id, started_ms: started as f64, last_activity_ms: last as f64 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "01936b2e-1e4a-7cc1-8d2b-3f1a2b3c4d5e";
    const MIN: f64 = 60_000.0;

    #[test]
    fn idle_rotation_follows_the_injected_clock() {
        let t = Timeouts::default();
        let mut s = Session::new(ID.into(), 1_000.0);
        assert_eq!(s.expiry(1_000.0 + 29.0 * MIN, t), None);
        s.touch(1_000.0 + 29.0 * MIN);
        assert_eq!(s.expiry(1_000.0 + 58.0 * MIN, t), None);
        assert_eq!(s.expiry(1_000.0 + 59.0 * MIN, t), Some(Reason::Idle));
    }

    #[test]
    fn max_length_wins_over_activity() {
        let t = Timeouts { idle_ms: 30.0 * MIN, max_length_ms: 60.0 * MIN };
        let mut s = Session::new(ID.into(), 0.0);
        for minute in (10..=60).step_by(10) {
            let now = minute as f64 * MIN;
            if minute < 60 {
                assert_eq!(s.expiry(now, t), None, "minute {minute}");
            } else {
                assert_eq!(s.expiry(now, t), Some(Reason::MaxLength));
            }
            s.touch(now);
        }
    }

    #[test]
    fn touch_never_goes_back_in_time() {
        let mut s = Session::new(ID.into(), 100.0);
        s.touch(50.0);
        assert_eq!(s.last_activity_ms, 100.0);
    }

    #[test]
    fn storage_round_trip_and_malformed_values() {
        let s = Session { id: ID.into(), started_ms: 10.0, last_activity_ms: 20.0 };
        assert_eq!(Session::decode(&s.encode()), Some(s));
        for bad in ["", "x|1|2", &format!("{ID}|2|1"), &format!("{ID}|a|2"), &format!("{ID}|1|2|3"), &format!("{ID}|1")] {
            assert_eq!(Session::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn reasons_have_wire_names() {
        let all = [Reason::NewTab, Reason::Sealed, Reason::Idle, Reason::MaxLength, Reason::Reset, Reason::Consent];
        let names: Vec<&str> = all.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, ["new_tab", "sealed", "idle", "max_length", "reset", "consent"]);
    }
}
