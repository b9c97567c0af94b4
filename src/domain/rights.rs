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
    /// Whether it may be decided now (approved, approved in part, or rejected).
    pub fn can_decide(self) -> bool {
        matches!(self, RequestStatus::Received | RequestStatus::AwaitingDecision)
    }

    /// Whether it may be marked completed, with `unsettled` of its recipients' tasks
    /// still unanswered: only a carried-out request, and only when every recipient
    /// answered (Art. 19 — completion is the person's proof that it reached everyone).
    pub fn can_complete(self, unsettled: u64) -> bool {
        matches!(self, RequestStatus::Approved | RequestStatus::PartiallyApproved) && unsettled == 0
    }

    /// Whether nothing can happen to it any more.
    pub fn is_final(self) -> bool {
        matches!(self, RequestStatus::Rejected | RequestStatus::Completed | RequestStatus::Withdrawn)
    }

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

/// Property tests (security checklist: deadlines per Art. 12(3); Art. 19 completion).
#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use time::{Date, Month};

    use super::*;

    fn any_date() -> impl Strategy<Value = Date> {
        (1970i32..2200, 1u8..=12, 1u8..=31).prop_map(|(y, m, d)| {
            let month = Month::try_from(m).unwrap_or(Month::January);
            let day = d.min(time::util::days_in_month(month, y));
            Date::from_calendar_date(y, month, day).unwrap_or(Date::MIN)
        })
    }

    proptest! {
        /// Calendar months: the month advances by exactly `n`, the day is kept or
        /// clipped to the month's last day, and the result is never earlier.
        #[test]
        fn calendar_months_keep_or_clip_the_day(date in any_date(), n in 0u32..=48) {
            let later = add_calendar_months(date, n);
            let months = |d: Date| d.year() as i64 * 12 + d.month() as i64 - 1;
            prop_assert_eq!(months(later) - months(date), n as i64);
            let last = time::util::days_in_month(later.month(), later.year());
            prop_assert_eq!(later.day(), date.day().min(last));
            prop_assert!(later >= date);
        }

        /// The deadline is one calendar month after receipt, never less than 28 days
        /// nor more than 31; the latest extension is two more months, and ordering holds.
        #[test]
        fn deadlines_are_one_and_three_calendar_months(date in any_date(), secs in 0i64..86_400) {
            let received = date.midnight().assume_utc() + time::Duration::seconds(secs);
            let due = due_at(received);
            let days = (due - received).whole_days();
            prop_assert!((28..=31).contains(&days), "{} days", days);
            prop_assert_eq!(due.time(), received.time());
            let latest = latest_extended_due_at(received);
            prop_assert!(latest > due);
            prop_assert!((latest - received).whole_days() <= 92);
            prop_assert_eq!(latest.date(), add_calendar_months(received.date(), 3));
        }

        /// Leap years: the last day of January plus a month is the last day of February.
        #[test]
        fn january_31st_lands_on_the_last_of_february(year in 1970i32..2200) {
            let jan31 = Date::from_calendar_date(year, Month::January, 31).unwrap_or(Date::MIN);
            let feb = add_calendar_months(jan31, 1);
            prop_assert_eq!(feb.month(), Month::February);
            prop_assert_eq!(feb.day(), time::util::days_in_month(Month::February, year));
        }

        /// The request lifecycle under any order of events: it is completed only when
        /// every recipient's task is answered, and a final status never changes.
        #[test]
        fn no_path_to_completed_with_unsettled_tasks(steps in proptest::collection::vec(step(), 0..40)) {
            let mut status = RequestStatus::Received;
            let mut tasks: Vec<bool> = Vec::new();
            for s in steps {
                let before = status;
                match s {
                    Step::Decide(verdict, n) if status.can_decide() => {
                        status = match verdict {
                            0 => RequestStatus::Approved,
                            1 => RequestStatus::PartiallyApproved,
                            _ => RequestStatus::Rejected,
                        };
                        if status != RequestStatus::Rejected {
                            tasks = vec![false; n as usize];
                        }
                    }
                    Step::Decide(..) => {}
                    Step::Answer(i) if !tasks.is_empty() && !status.is_final() => {
                        let len = tasks.len();
                        tasks[i as usize % len] = true;
                    }
                    Step::Answer(_) => {}
                    Step::Settle => {
                        let unsettled = tasks.iter().filter(|t| !**t).count() as u64;
                        if status.can_complete(unsettled) {
                            status = RequestStatus::Completed;
                        }
                    }
                }
                if status == RequestStatus::Completed {
                    prop_assert!(tasks.iter().all(|t| *t), "completed with {:?}", tasks);
                }
                if before.is_final() {
                    prop_assert_eq!(status, before, "a final status changed");
                }
            }
        }
    }

    #[derive(Debug, Clone)]
    enum Step {
        Decide(u8, u8),
        Answer(u8),
        Settle,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0u8..3, 0u8..5).prop_map(|(v, n)| Step::Decide(v, n)),
            any::<u8>().prop_map(Step::Answer),
            Just(Step::Settle),
        ]
    }
}
