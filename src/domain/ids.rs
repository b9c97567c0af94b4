//! Typed identifiers, so a subject id can never be passed where a recipient id is
//! expected. Internal ids are database row numbers; `PublicId` is the random id shown
//! in URLs and APIs, so row numbers never leak to the outside.

use std::fmt;

macro_rules! row_id {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

row_id!(
    /// A supervisory authority.
    AuthorityId,
    /// A legal entity (controller).
    EntityId,
    /// A marketing channel.
    ChannelId,
    /// A data category.
    CategoryId,
    /// A processing purpose.
    PurposeId,
    /// A recipient: processor, third party or authority.
    RecipientId,
    /// A person.
    SubjectId,
    /// One piece of data held about a person.
    RecordId,
    /// A disclosure of data to a recipient.
    DisclosureId,
    /// A rights request.
    RequestId,
    /// A consent event.
    ConsentEventId,
);

/// A random, unguessable identifier for use in URLs and APIs (a UUID v4 in text form).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicId(String);

impl PublicId {
    /// A fresh random id.
    pub fn new() -> Self {
        PublicId(uuid::Uuid::new_v4().to_string())
    }

    /// Accepts only the canonical lower-case hyphenated UUID form.
    pub fn parse(s: &str) -> Option<Self> {
        let parsed = uuid::Uuid::try_parse(s).ok()?;
        let canonical = parsed.to_string();
        (canonical == s).then_some(PublicId(canonical))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for PublicId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for PublicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids_are_unique_and_round_trip() {
        let a = PublicId::new();
        let b = PublicId::new();
        assert_ne!(a, b);
        assert_eq!(PublicId::parse(a.as_str()), Some(a));
    }

    #[test]
    fn public_id_rejects_non_canonical_forms() {
        assert_eq!(PublicId::parse("42"), None);
        assert_eq!(PublicId::parse(""), None);
        let upper = PublicId::new().as_str().to_uppercase();
        assert_eq!(PublicId::parse(&upper), None);
    }
}
