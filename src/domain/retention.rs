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
            retention_end(
                Some(24),
                RetentionFrom::EndOfRelationship,
                collected,
                Some(date!(2025 - 06 - 30))
            ),
            RetentionEnd::On(date!(2027 - 06 - 30))
        );
        assert_eq!(
            retention_end(Some(24), RetentionFrom::Withdrawal, collected, None),
            RetentionEnd::UntilWithdrawn
        );
        assert_eq!(
            retention_end(None, RetentionFrom::Collection, collected, None),
            RetentionEnd::ByCriteria
        );
    }
}
