//! A person as the portal receives them from a source (the demo file now, source
//! systems later): relationships, records, disclosures and marketing choices, all
//! named by catalog keys.

use time::{Date, OffsetDateTime};

use super::catalog::Key;
use super::text_enum::text_enum;
use super::{EmailAddress, Language};

text_enum! {
    /// The capacity in which a person relates to an entity.
    pub enum Role {
        /// Contact person of a customer.
        CustomerContact => "customer_contact",
        /// User of a service.
        ServiceUser => "service_user",
        /// Applicant for a job.
        JobApplicant => "job_applicant",
        /// Visitor of a website.
        WebsiteVisitor => "website_visitor",
    }
}

text_enum! {
    /// Where a piece of data came from (Art. 14(2)(f)).
    pub enum RecordSource {
        /// Provided by the person.
        Provided => "provided",
        /// Observed while the person used a service or site.
        Observed => "observed",
        /// Received from a named third party.
        Received => "received",
        /// Derived by the entity from other data.
        Derived => "derived",
    }
}

/// A person to be stored, with everything held about them.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// The registered address.
    pub email: EmailAddress,
    /// How the person is addressed.
    pub name: String,
    /// The language they read.
    pub language: Language,
    /// Relationships with entities.
    pub relationships: Vec<NewRelationship>,
    /// Data held.
    pub records: Vec<NewRecord>,
    /// Data given to recipients.
    pub disclosures: Vec<NewDisclosure>,
    /// Marketing choices.
    pub preferences: Vec<NewPreference>,
}

/// A relationship with an entity.
#[derive(Debug, Clone)]
pub struct NewRelationship {
    /// The entity.
    pub entity: Key,
    /// In what capacity.
    pub role: Role,
    /// The entity's own reference for the person (customer number), if any.
    pub reference: Option<String>,
    /// Since when.
    pub since: Date,
}

/// One piece of data held.
#[derive(Debug, Clone)]
pub struct NewRecord {
    /// The entity holding it.
    pub entity: Key,
    /// Its category.
    pub category: Key,
    /// The field (a category field key or a free name).
    pub field: String,
    /// The value.
    pub value: String,
    /// Where it came from.
    pub source: RecordSource,
    /// The third party it was received from, when `source` is `Received`.
    pub source_party: Option<Key>,
    /// When it was collected.
    pub collected_at: OffsetDateTime,
    /// The purposes it serves (purposes of the same entity).
    pub purposes: Vec<Key>,
}

/// Data given to a recipient.
#[derive(Debug, Clone)]
pub struct NewDisclosure {
    /// Who received it.
    pub recipient: Key,
    /// The entity that disclosed it.
    pub entity: Key,
    /// For which purpose.
    pub purpose: Key,
    /// Which categories.
    pub categories: Vec<Key>,
    /// When.
    pub at: OffsetDateTime,
}

/// A marketing choice for one entity and channel.
#[derive(Debug, Clone)]
pub struct NewPreference {
    /// The entity.
    pub entity: Key,
    /// The channel.
    pub channel: Key,
    /// Whether the person agreed.
    pub granted: bool,
    /// When they chose.
    pub at: OffsetDateTime,
}

/// Longest value stored for one record (characters); longer values are refused.
pub const MAX_RECORD_VALUE_CHARS: usize = 4000;
/// Longest field name (characters).
pub const MAX_FIELD_CHARS: usize = 100;
