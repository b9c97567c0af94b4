//! Session lifetimes: what ends a session at each stage of signing in.

use time::{Duration, OffsetDateTime};

use crate::domain::ids::SubjectId;
use crate::domain::text_enum::text_enum;
use crate::settings::SessionSettings;

/// Who a session (or a sign-in challenge) is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// A person.
    Subject(SubjectId),
    /// A processor user.
    Processor(i64),
    /// A staff member.
    Staff(i64),
}

impl Principal {
    /// The person, if it is one.
    pub fn subject(self) -> Option<SubjectId> {
        match self {
            Principal::Subject(s) => Some(s),
            _ => None,
        }
    }

    /// The processor user, if it is one.
    pub fn processor(self) -> Option<i64> {
        match self {
            Principal::Processor(p) => Some(p),
            _ => None,
        }
    }

    /// The staff member, if it is one.
    pub fn staff(self) -> Option<i64> {
        match self {
            Principal::Staff(p) => Some(p),
            _ => None,
        }
    }
}

impl From<SubjectId> for Principal {
    fn from(s: SubjectId) -> Principal {
        Principal::Subject(s)
    }
}

text_enum! {
    /// How far a session has come.
    pub enum SessionStage {
        /// Not signed in; holds a CSRF token and binds sign-in challenges to the browser.
        Anonymous => "anonymous",
        /// First factor done; waiting for the authenticator-app code.
        SecondFactor => "second_factor",
        /// Signed in.
        Complete => "complete",
    }
}

/// An anonymous session lives this long (enough to finish signing in).
pub const ANONYMOUS_LIFETIME: Duration = Duration::hours(1);
/// Time allowed between the first and the second factor.
pub const SECOND_FACTOR_LIFETIME: Duration = Duration::minutes(10);
/// `last_seen_at` is written at most this often, so reading a page is not a write.
pub const TOUCH_INTERVAL: Duration = Duration::seconds(60);

/// The times that decide whether a session is still alive.
#[derive(Debug, Clone, Copy)]
pub struct SessionTimes {
    /// Stage.
    pub stage: SessionStage,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last request (up to `TOUCH_INTERVAL` behind).
    pub last_seen_at: OffsetDateTime,
    /// Absolute end.
    pub expires_at: OffsetDateTime,
}

impl SessionTimes {
    /// Whether the session is still alive at `now` (SESS-03 idle, SESS-04 absolute).
    pub fn is_alive(&self, now: OffsetDateTime, settings: &SessionSettings) -> bool {
        if now >= self.expires_at {
            return false;
        }
        match self.stage {
            SessionStage::Anonymous => now - self.created_at < ANONYMOUS_LIFETIME,
            SessionStage::SecondFactor => now - self.created_at < SECOND_FACTOR_LIFETIME,
            SessionStage::Complete => now - self.last_seen_at < settings.idle_timeout,
        }
    }

    /// Whether `last_seen_at` should be written for a request at `now`.
    pub fn needs_touch(&self, now: OffsetDateTime) -> bool {
        now - self.last_seen_at >= TOUCH_INTERVAL
    }
}

/// The absolute end of a session that starts at `now` in `stage`.
pub fn expires_at(stage: SessionStage, now: OffsetDateTime, settings: &SessionSettings) -> OffsetDateTime {
    match stage {
        SessionStage::Anonymous => now + ANONYMOUS_LIFETIME,
        SessionStage::SecondFactor => now + SECOND_FACTOR_LIFETIME,
        SessionStage::Complete => now + settings.absolute_timeout,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn settings() -> SessionSettings {
        SessionSettings {
            idle_timeout: Duration::minutes(30),
            absolute_timeout: Duration::hours(12),
            recent_sign_in: Duration::minutes(10),
        }
    }

    #[test]
    fn complete_sessions_end_when_idle_or_old() {
        let s = settings();
        let t0 = datetime!(2026-11-20 10:00 UTC);
        let times = SessionTimes {
            stage: SessionStage::Complete,
            created_at: t0,
            last_seen_at: t0,
            expires_at: expires_at(SessionStage::Complete, t0, &s),
        };
        assert!(times.is_alive(t0 + Duration::minutes(29), &s));
        assert!(!times.is_alive(t0 + Duration::minutes(31), &s));
        let active = SessionTimes { last_seen_at: t0 + Duration::hours(11) + Duration::minutes(59), ..times };
        assert!(active.is_alive(t0 + Duration::hours(11) + Duration::minutes(59), &s));
        assert!(!active.is_alive(t0 + Duration::hours(12), &s), "absolute timeout wins over activity");
    }

    #[test]
    fn half_signed_in_sessions_are_short() {
        let s = settings();
        let t0 = datetime!(2026-11-20 10:00 UTC);
        let pending = SessionTimes {
            stage: SessionStage::SecondFactor,
            created_at: t0,
            last_seen_at: t0,
            expires_at: expires_at(SessionStage::SecondFactor, t0, &s),
        };
        assert!(pending.is_alive(t0 + Duration::minutes(9), &s));
        assert!(!pending.is_alive(t0 + Duration::minutes(10), &s));
    }
}
