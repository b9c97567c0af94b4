//! The opaque cursor that pages a recipient's tasks, shared by the processor API
//! (`cursor=`) and the processor sub-portal (`after=`): the last task's due time and
//! row id, so a page starts exactly after the one before in the view's order.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::db::queries::tasks::{Cursor, Task};

/// The cursor of the page after `last`.
pub fn encode(last: &Task) -> String {
    URL_SAFE_NO_PAD.encode(format!("t:{}:{}", last.due_at.unix_timestamp_nanos() / 1000, last.id))
}

/// The cursor `encode` gave out; `None` for anything else.
pub fn decode(cursor: &str) -> Option<Cursor> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let mut parts = text.strip_prefix("t:")?.split(':');
    let micros: i128 = parts.next()?.parse().ok()?;
    let id: i64 = parts.next()?.parse().ok()?;
    let due_at = time::OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()?;
    parts.next().is_none().then_some(Cursor { due_at, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cursors_of_this_shape_decode() {
        let token = URL_SAFE_NO_PAD.encode("t:1700000000123456:42");
        let cursor = decode(&token).unwrap();
        assert_eq!(cursor.id, 42);
        assert_eq!(cursor.due_at.unix_timestamp_nanos(), 1_700_000_000_123_456_000);
        for bad in ["", "zzz", "t:1:2", &URL_SAFE_NO_PAD.encode("t:1:2:3"), &URL_SAFE_NO_PAD.encode("x:1:2")] {
            assert_eq!(decode(bad), None, "{bad}");
        }
        assert_eq!(decode(&URL_SAFE_NO_PAD.encode(format!("t:{}:1", i128::MAX))), None, "out of range");
    }
}
