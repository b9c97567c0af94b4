//! Times are stored as UTC `TIMESTAMP` (the type both backends share); the rest of the
//! code works with `OffsetDateTime`.

use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// A moment as stored: UTC without offset.
pub fn to_db(t: OffsetDateTime) -> PrimitiveDateTime {
    let utc = t.to_offset(UtcOffset::UTC);
    PrimitiveDateTime::new(utc.date(), utc.time())
}

/// A stored moment back in UTC.
pub fn from_db(t: PrimitiveDateTime) -> OffsetDateTime {
    t.assume_utc()
}
