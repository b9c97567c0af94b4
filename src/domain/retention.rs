//! How long a piece of data is kept, as the catalog states it and as it follows from the
//! data: a date where one can be computed, otherwise the rule in words.

use time::Date;

use super::catalog::RetentionFrom;
use super::rights::add_calendar_months;

/// When data held for a purpose will be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionEnd {
    /// On this date (computed from the data).
    On(Date),
    /// This many months after the relationship ends (it has not ended yet).
    AfterRelationshipEnds(u32),
    /// As long as consent lasts.
    UntilWithdrawn,
    /// The statement gives criteria, not a period.
    ByCriteria,
}

/// The retention end of data collected on `collected`, under a purpose keeping it
/// `months` from `from`, for a relationship that ended on `relationship_ended` (if it did).
pub fn retention_end(
    months: Option<u32>,
    from: RetentionFrom,
    collected: Date,
    relationship_ended: Option<Date>,
) -> RetentionEnd {
    match (from, months) {
        (RetentionFrom::Withdrawal, _) => RetentionEnd::UntilWithdrawn,
        (_, None) => RetentionEnd::ByCriteria,
        (RetentionFrom::Collection, Some(m)) => RetentionEnd::On(add_calendar_months(collected, m)),
        (RetentionFrom::EndOfRelationship, Some(m)) => match relationship_ended {
            Some(ended) => RetentionEnd::On(add_calendar_months(ended, m)),
            None => RetentionEnd::AfterRelationshipEnds(m),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn end_dates_follow_from_the_data_where_they_can() {
        let collected = date!(2024 - 01 - 31);
        assert_eq!(
            retention_end(Some(84), RetentionFrom::Collection, collected, None),
            RetentionEnd::On(date!(2031 - 01 - 31))
        );
        assert_eq!(
            retention_end(Some(13), RetentionFrom::Collection, collected, None),
            RetentionEnd::On(date!(2025 - 02 - 28))
        );
        assert_eq!(
            retention_end(Some(24), RetentionFrom::EndOfRelationship, collected, None),
            RetentionEnd::AfterRelationshipEnds(24)
        );
        assert_eq!(
            retention_end(Some(24), RetentionFrom::EndOfRelationship, collected, Some(date!(2025 - 06 - 30))),
            RetentionEnd::On(date!(2027 - 06 - 30))
        );
        assert_eq!(retention_end(Some(24), RetentionFrom::Withdrawal, collected, None), RetentionEnd::UntilWithdrawn);
        assert_eq!(retention_end(None, RetentionFrom::Collection, collected, None), RetentionEnd::ByCriteria);
    }
}

/// What erasure does with one record, given the purposes it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErasureOutcome {
    /// Erase it.
    Erase,
    /// Keep it (Art. 17(3)(b)): for the purpose at this index of the input, until the
    /// date that follows from the data (if it does).
    Keep {
        /// Index of the purpose that requires keeping it.
        purpose: usize,
        /// Until when.
        until: Option<Date>,
    },
}

/// A purpose as far as erasure is concerned: its basis and retention rule.
#[derive(Debug, Clone, Copy)]
pub struct RetainingPurpose {
    /// The legal basis.
    pub basis: super::catalog::LegalBasis,
    /// Retention months.
    pub months: Option<u32>,
    /// From when.
    pub from: RetentionFrom,
}

/// A record is kept when one of its purposes is a legal obligation whose retention has
/// not ended by `today`; then until the latest such end. Everything else is erased.
pub fn erasure_outcome(
    purposes: &[RetainingPurpose],
    collected: Date,
    relationship_ended: Option<Date>,
    today: Date,
) -> ErasureOutcome {
    let mut keep: Option<(usize, Option<Date>)> = None;
    for (i, p) in purposes.iter().enumerate() {
        if !p.basis.blocks_erasure() {
            continue;
        }
        let until = match retention_end(p.months, p.from, collected, relationship_ended) {
            RetentionEnd::On(date) if date <= today => continue,
            RetentionEnd::On(date) => Some(date),
            // Kept under the law "by criteria": keep, with no computable end.
            _ => None,
        };
        keep = match keep {
            Some((_, Some(current))) if until.is_some_and(|u| u <= current) => keep,
            _ => Some((i, until)),
        };
    }
    match keep {
        Some((purpose, until)) => ErasureOutcome::Keep { purpose, until },
        None => ErasureOutcome::Erase,
    }
}

#[cfg(test)]
mod erasure_tests {
    use super::*;
    use crate::domain::catalog::LegalBasis;
    use time::macros::date;

    #[test]
    fn legal_obligations_keep_records_until_their_period_ends() {
        let tax =
            RetainingPurpose { basis: LegalBasis::LegalObligation, months: Some(84), from: RetentionFrom::Collection };
        let contract =
            RetainingPurpose { basis: LegalBasis::Contract, months: Some(24), from: RetentionFrom::EndOfRelationship };
        let today = date!(2026 - 11 - 20);
        assert_eq!(
            erasure_outcome(&[contract, tax], date!(2024 - 02 - 01), None, today),
            ErasureOutcome::Keep { purpose: 1, until: Some(date!(2031 - 02 - 01)) }
        );
        assert_eq!(erasure_outcome(&[contract], date!(2024 - 02 - 01), None, today), ErasureOutcome::Erase);
        assert_eq!(
            erasure_outcome(&[tax], date!(2018 - 01 - 01), None, today),
            ErasureOutcome::Erase,
            "the legal period is over"
        );
        let by_criteria =
            RetainingPurpose { basis: LegalBasis::LegalObligation, months: None, from: RetentionFrom::Collection };
        assert_eq!(
            erasure_outcome(&[by_criteria], date!(2024 - 02 - 01), None, today),
            ErasureOutcome::Keep { purpose: 0, until: None }
        );
    }
}
