//! The audit chain: who did what to which thing, hash-chained so that changing or
//! removing an event breaks every hash after it (security checklist R5). Events hold
//! ids, never personal values, so erasure never has to break the chain.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The actions the trail records (stored as text; one constant each, so a typo is a
/// compile error and this is the list of what can appear).
pub mod action {
    /// A person (or staff for them) filed a rights request.
    pub const REQUEST_FILED: &str = "request.filed";
    /// A request was approved and carried out in the portal's copy.
    pub const REQUEST_APPROVED: &str = "request.approved";
    /// A request's deadline was extended (Art. 12(3)).
    pub const REQUEST_EXTENDED: &str = "request.extended";
    /// A request was refused, with reasons.
    pub const REQUEST_REJECTED: &str = "request.rejected";
    /// Every recipient answered; the request is complete.
    pub const REQUEST_COMPLETED: &str = "request.completed";
    /// An erasure changed the portal's copy: which records, which suppression markers
    /// (ids and keyed hashes only; the erasure ledger re-applies it after a restore).
    pub const ERASURE_APPLIED: &str = "erasure.applied";
    /// A restored backup was brought up to date with an erasure made after it.
    pub const ERASURE_REAPPLIED: &str = "erasure.reapplied";
    /// A full erasure removed the last identifiers of a person.
    pub const SUBJECT_ERASED: &str = "subject.erased";
    /// A recipient was given an onward change (Art. 19).
    pub const TASK_CREATED: &str = "task.created";
    /// A recipient confirmed it applied a change.
    pub const TASK_APPLIED: &str = "task.applied";
    /// A recipient declined a change, with a reason.
    pub const TASK_DECLINED: &str = "task.declined";
    /// An overdue task was sent to its recipient again.
    pub const TASK_RESENT: &str = "task.resent";
    /// A recipient was reminded of overdue tasks.
    pub const TASK_REMINDER_SENT: &str = "task.reminder_sent";
    /// The person was told a restriction will be lifted, and when.
    pub const RESTRICTION_LIFT_ANNOUNCED: &str = "restriction.lift_announced";
    /// A restriction was lifted on the announced date.
    pub const RESTRICTION_LIFTED: &str = "restriction.lifted";
    /// A staff member looked at or changed a person's data, or helped them (details in
    /// `staff_actions`, by id).
    pub const STAFF_ACTED: &str = "staff.acted";
    /// A staff account was added.
    pub const STAFF_ADDED: &str = "staff.added";
    /// A staff account was disabled.
    pub const STAFF_DISABLED: &str = "staff.disabled";
    /// A staff member's role changed.
    pub const STAFF_ROLE_CHANGED: &str = "staff.role_changed";
    /// A staff member signed in.
    pub const STAFF_SIGNED_IN: &str = "staff.signed_in";
    /// A processor user signed in.
    pub const PROCESSOR_SIGNED_IN: &str = "processor.signed_in";
    /// A processor user was disabled.
    pub const PROCESSOR_USER_DISABLED: &str = "processor_user.disabled";
    /// A processor user was invited.
    pub const PROCESSOR_USER_INVITED: &str = "processor_user.invited";
    /// A source system registered a person.
    pub const INGEST_PERSON_CREATED: &str = "ingest.person_created";
    /// A source system added to or changed what is held about a person.
    pub const INGEST_PERSON_UPDATED: &str = "ingest.person_updated";
    /// An API token was issued.
    pub const TOKEN_ISSUED: &str = "token.issued";
    /// An API token was revoked.
    pub const TOKEN_REVOKED: &str = "token.revoked";
    /// A recipient's webhook endpoint was set.
    pub const WEBHOOK_CONFIGURED: &str = "webhook.configured";
    /// A recipient's webhook endpoint was removed.
    pub const WEBHOOK_REMOVED: &str = "webhook.removed";
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The person themselves.
    Subject(i64),
    /// A staff member (public id).
    Staff(String),
    /// A processor user (public id).
    Processor(String),
    /// A machine token of a recipient (public id).
    Token(String),
    /// A source system.
    Source(String),
    /// The portal itself (jobs, automatic decisions, the CLI).
    System,
}

impl Actor {
    /// Stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Subject(_) => "subject",
            Actor::Staff(_) => "staff",
            Actor::Processor(_) | Actor::Token(_) => "processor",
            Actor::Source(_) => "source",
            Actor::System => "system",
        }
    }

    /// Stored id.
    pub fn id(&self) -> Option<String> {
        match self {
            Actor::Subject(id) => Some(id.to_string()),
            Actor::Staff(id) | Actor::Processor(id) | Actor::Source(id) => Some(id.clone()),
            Actor::Token(id) => Some(format!("token:{id}")),
            Actor::System => None,
        }
    }
}

/// The content of one event, as hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContent {
    /// When (microsecond precision, UTC).
    pub occurred_at: OffsetDateTime,
    /// Actor kind.
    pub actor_kind: String,
    /// Actor id.
    pub actor_id: Option<String>,
    /// What happened, e.g. `request.decided`.
    pub action: String,
    /// Whose data it concerns.
    pub subject_id: Option<i64>,
    /// The thing acted on: kind.
    pub target_kind: Option<String>,
    /// The thing acted on: id.
    pub target_id: Option<String>,
    /// Further ids and states (JSON object; no personal values).
    pub details: serde_json::Value,
}

/// Cuts a time to microseconds, the precision both databases keep.
pub fn to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let nanos = t.nanosecond();
    t.replace_nanosecond(nanos - nanos % 1_000).unwrap_or(t)
}

impl EventContent {
    /// The canonical bytes: a JSON object with sorted keys and a fixed time format.
    pub fn canonical(&self) -> String {
        let at = to_micros(self.occurred_at).to_offset(time::UtcOffset::UTC);
        let when = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            at.year(),
            at.month() as u8,
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.microsecond()
        );
        // serde_json's map keeps keys sorted, so this is stable.
        serde_json::json!({
            "action": self.action,
            "actor_id": self.actor_id,
            "actor_kind": self.actor_kind,
            "details": self.details,
            "occurred_at": when,
            "subject_id": self.subject_id,
            "target_id": self.target_id,
            "target_kind": self.target_kind,
        })
        .to_string()
    }

    /// This event's hash, chained to the previous one.
    pub fn hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        hex::encode(h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn event() -> EventContent {
        EventContent {
            occurred_at: datetime!(2026-11-20 10:00:00.123456789 UTC),
            actor_kind: "system".into(),
            actor_id: None,
            action: "request.decided".into(),
            subject_id: Some(7),
            target_kind: Some("request".into()),
            target_id: Some("abc".into()),
            details: serde_json::json!({ "z": 1, "a": "approved" }),
        }
    }

    #[test]
    fn canonical_form_is_stable_and_sorted() {
        let c = event().canonical();
        assert!(c.starts_with("{\"action\":\"request.decided\""), "{c}");
        assert!(c.contains("\"occurred_at\":\"2026-11-20T10:00:00.123456Z\""), "{c}");
        assert!(c.contains("{\"a\":\"approved\",\"z\":1}"), "{c}");
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = event().hash(GENESIS);
        assert_eq!(base, event().hash(GENESIS));
        assert_ne!(base, event().hash(&base), "chained to the previous hash");
        let mut changed = event();
        changed.details = serde_json::json!({ "z": 1, "a": "rejected" });
        assert_ne!(base, changed.hash(GENESIS));
        let mut changed = event();
        changed.subject_id = Some(8);
        assert_ne!(base, changed.hash(GENESIS));
    }
}
