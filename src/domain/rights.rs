//! Rights requests: the kinds a person can file, the states a request moves through,
//! and the legal deadlines (Art. 12(3)).

use time::{Date, Month, OffsetDateTime};

use super::catalog::LegalBasis;
use super::text_enum::text_enum;

text_enum! {
    /// A right exercised under Arts. 15–22 or 7(3).
    pub enum RequestKind {
        /// Art. 15.
        Access => "access",
        /// Art. 20.
        Portability => "portability",
        /// Art. 16.
        Rectification => "rectification",
        /// Art. 17.
        Erasure => "erasure",
        /// Art. 18.
        Restriction => "restriction",
        /// Art. 21.
        Objection => "objection",
        /// Art. 7(3).
        Withdrawal => "withdrawal",
        /// Art. 22(3).
        AutomatedDecisionReview => "automated_decision_review",
    }
}

text_enum! {
    /// Where a request stands.
    pub enum RequestStatus {
        /// Filed, not yet looked at.
        Received => "received",
        /// Waiting for a privacy officer.
        AwaitingDecision => "awaiting_decision",
        /// Approved in full.
        Approved => "approved",
        /// Approved except for named records kept for a legal reason.
        PartiallyApproved => "partially_approved",
        /// Refused, with reasons and the right to complain.
        Rejected => "rejected",
        /// Carried out.
        Completed => "completed",
        /// Withdrawn by the person.
        Withdrawn => "withdrawn",
    }
}

impl RequestStatus {
    /// Whether the request still needs work.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RequestStatus::Received
                | RequestStatus::AwaitingDecision
                | RequestStatus::Approved
                | RequestStatus::PartiallyApproved
        )
    }
}

/// Whether a right can be exercised for the purposes in scope, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// The right applies.
    Offered,
    /// It does not; the reason is a message key explaining why.
    NotOffered(&'static str),
}

/// What the person's processing looks like, as far as the rights depend on it.
#[derive(Debug, Clone, Default)]
pub struct ProcessingProfile {
    /// Legal bases of the purposes their data serves.
    pub bases: Vec<LegalBasis>,
    /// Whether any purpose involves automated decisions or profiling.
    pub automated: bool,
    /// Whether they hold any data at all.
    pub has_data: bool,
}

impl RequestKind {
    /// Whether this right is offered for `profile` (Arts. 20, 21, 7(3), 22 depend on
    /// the legal basis; the others always apply when data is held).
    pub fn availability(self, profile: &ProcessingProfile) -> Availability {
        let any = |f: fn(LegalBasis) -> bool| profile.bases.iter().any(|b| f(*b));
        if !profile.has_data {
            return Availability::NotOffered("rights.why_no_data");
        }
        match self {
            RequestKind::Access | RequestKind::Rectification | RequestKind::Erasure | RequestKind::Restriction => {
                Availability::Offered
            }
            RequestKind::Portability if any(LegalBasis::allows_portability) => Availability::Offered,
            RequestKind::Portability => Availability::NotOffered("rights.why_portability"),
            RequestKind::Objection if any(LegalBasis::allows_objection) => Availability::Offered,
            RequestKind::Objection => Availability::NotOffered("rights.why_objection"),
            RequestKind::Withdrawal if any(LegalBasis::allows_withdrawal) => Availability::Offered,
            RequestKind::Withdrawal => Availability::NotOffered("rights.why_withdrawal"),
            RequestKind::AutomatedDecisionReview if profile.automated => Availability::Offered,
            RequestKind::AutomatedDecisionReview => Availability::NotOffered("rights.why_automated"),
        }
    }
}

/// A request's human reference, e.g. `REQ-1F3A9C2B` (from its public id).
pub fn reference(public_id: &str) -> String {
    let hex: String = public_id.chars().filter(|c| c.is_ascii_hexdigit()).take(8).collect();
    format!("REQ-{}", hex.to_ascii_uppercase())
}

/// The date `months` calendar months after `date`; when that month is shorter, its
/// last day (the rule of Reg. 1182/71 as applied to Art. 12(3): 31 January + 1 month
/// is 28 or 29 February).
pub fn add_calendar_months(date: Date, months: u32) -> Date {
    let zero_based = date.month() as u32 - 1 + months;
    let year = date.year() + (zero_based / 12) as i32;
    let month = Month::try_from((zero_based % 12 + 1) as u8).unwrap_or(Month::December);
    let last_day = time::util::days_in_month(month, year);
    let day = date.day().min(last_day);
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// When a request received at `received_at` must be answered: one calendar month later.
pub fn due_at(received_at: OffsetDateTime) -> OffsetDateTime {
    received_at.replace_date(add_calendar_months(received_at.date(), 1))
}

/// The latest a deadline can be extended to: two further months (three in total).
pub fn latest_extended_due_at(received_at: OffsetDateTime) -> OffsetDateTime {
    received_at.replace_date(add_calendar_months(received_at.date(), 3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn one_month_later_keeps_the_day() {
        assert_eq!(add_calendar_months(date!(2026 - 03 - 15), 1), date!(2026 - 04 - 15));
        assert_eq!(add_calendar_months(date!(2026 - 12 - 10), 1), date!(2027 - 01 - 10));
    }

    #[test]
    fn missing_day_becomes_last_day_of_month() {
        assert_eq!(add_calendar_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_calendar_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(add_calendar_months(date!(2026 - 03 - 31), 1), date!(2026 - 04 - 30));
        assert_eq!(add_calendar_months(date!(2026 - 11 - 30), 3), date!(2027 - 02 - 28));
    }

    #[test]
    fn deadlines_run_from_receipt() {
        let received = datetime!(2026-01-31 14:00 UTC);
        assert_eq!(due_at(received), datetime!(2026-02-28 14:00 UTC));
        assert_eq!(latest_extended_due_at(received), datetime!(2026-04-30 14:00 UTC));
    }

    #[test]
    fn rights_are_offered_by_legal_basis() {
        use Availability::*;
        let only_contract = ProcessingProfile { bases: vec![LegalBasis::Contract], automated: false, has_data: true };
        assert_eq!(RequestKind::Portability.availability(&only_contract), Offered);
        assert_eq!(RequestKind::Objection.availability(&only_contract), NotOffered("rights.why_objection"));
        assert_eq!(RequestKind::Withdrawal.availability(&only_contract), NotOffered("rights.why_withdrawal"));
        assert_eq!(
            RequestKind::AutomatedDecisionReview.availability(&only_contract),
            NotOffered("rights.why_automated")
        );
        let li = ProcessingProfile {
            bases: vec![LegalBasis::LegitimateInterest, LegalBasis::LegalObligation],
            automated: true,
            has_data: true,
        };
        assert_eq!(RequestKind::Portability.availability(&li), NotOffered("rights.why_portability"));
        assert_eq!(RequestKind::Objection.availability(&li), Offered);
        assert_eq!(RequestKind::AutomatedDecisionReview.availability(&li), Offered);
        assert_eq!(RequestKind::Erasure.availability(&li), Offered);
        assert_eq!(RequestKind::Access.availability(&ProcessingProfile::default()), NotOffered("rights.why_no_data"));
    }

    #[test]
    fn references_are_short_and_stable() {
        assert_eq!(reference("1f3a9c2b-0000-4000-8000-000000000000"), "REQ-1F3A9C2B");
    }

    #[test]
    fn open_states() {
        assert!(RequestStatus::Received.is_open());
        assert!(!RequestStatus::Completed.is_open());
        assert!(!RequestStatus::Rejected.is_open());
    }
}
