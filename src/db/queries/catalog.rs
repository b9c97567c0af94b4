//! The catalog in the database: `sync` makes the stored register equal to the file
//! (inside the caller's transaction), `load` reads it back with the row ids.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::catalog::{
    Authority, Catalog, Category, Channel, Entity, Field, Purpose, Recipient, RecipientMarketing, Retention,
};
use crate::db::schema::*;
use crate::db::{DbConnection, DbError};
use crate::domain::catalog::Key;
use crate::domain::ids::{AuthorityId, CategoryId, ChannelId, EntityId, PurposeId, RecipientId};
use crate::domain::{Bilingual, EmailAddress};

/// The register as stored, with the row id of every item.
#[derive(Debug, Clone)]
pub struct StoredCatalog {
    /// The items.
    pub catalog: Catalog,
    /// Their row ids.
    pub ids: CatalogIds,
    /// Where each category and purpose stands in the catalog, by row id.
    order: CatalogOrder,
}

/// Catalog positions by row id: what lists of a person's data sort by, in the portal
/// rather than in SQL (joining the catalog tables only to sort was most of a dashboard's
/// records query on PostgreSQL; see BENCHMARKS.md, tenth run).
#[derive(Debug, Clone, Default)]
struct CatalogOrder {
    categories: HashMap<CategoryId, usize>,
    purposes: HashMap<PurposeId, usize>,
}

impl StoredCatalog {
    fn find<'a, T, I: PartialEq + Copy>(
        items: &'a [T],
        ids: &HashMap<Key, I>,
        id: I,
        key: impl Fn(&T) -> &Key,
    ) -> Option<&'a T> {
        let k = ids.iter().find(|(_, v)| **v == id).map(|(k, _)| k)?;
        items.iter().find(|item| key(item) == k)
    }

    /// The entity with row id `id`.
    pub fn entity(&self, id: EntityId) -> Option<&Entity> {
        Self::find(&self.catalog.entities, &self.ids.entities, id, |e| &e.key)
    }

    /// The category with row id `id`.
    pub fn category(&self, id: CategoryId) -> Option<&Category> {
        Self::find(&self.catalog.categories, &self.ids.categories, id, |c| &c.key)
    }

    /// The purpose with row id `id`.
    pub fn purpose(&self, id: PurposeId) -> Option<&Purpose> {
        Self::find(&self.catalog.purposes, &self.ids.purposes, id, |p| &p.key)
    }

    /// The recipient with row id `id`.
    pub fn recipient(&self, id: RecipientId) -> Option<&Recipient> {
        Self::find(&self.catalog.recipients, &self.ids.recipients, id, |r| &r.key)
    }

    /// The channel with row id `id`.
    pub fn channel(&self, id: ChannelId) -> Option<&Channel> {
        Self::find(&self.catalog.channels, &self.ids.channels, id, |c| &c.key)
    }

    /// The category's place in the catalog (ids it does not know come last).
    pub fn category_position(&self, id: CategoryId) -> usize {
        self.order.categories.get(&id).copied().unwrap_or(usize::MAX)
    }

    /// The purpose's place in the catalog (ids it does not know come last).
    pub fn purpose_position(&self, id: PurposeId) -> usize {
        self.order.purposes.get(&id).copied().unwrap_or(usize::MAX)
    }

    /// The supervisory authority of an entity.
    pub fn authority_of(&self, entity: &Entity) -> Option<&Authority> {
        self.catalog.authorities.iter().find(|a| a.key == entity.authority)
    }

    /// The label of a field in a category, in `language` (the field key if unknown).
    pub fn field_label<'a>(
        &'a self,
        category: &'a Category,
        field: &'a str,
        language: crate::domain::Language,
    ) -> &'a str {
        category.fields.iter().find(|f| f.key.as_str() == field).map(|f| f.label.get(language)).unwrap_or(field)
    }
}

/// Row ids by key, per kind of item.
#[derive(Debug, Clone, Default)]
pub struct CatalogIds {
    /// Authorities.
    pub authorities: HashMap<Key, AuthorityId>,
    /// Channels.
    pub channels: HashMap<Key, ChannelId>,
    /// Entities.
    pub entities: HashMap<Key, EntityId>,
    /// Categories.
    pub categories: HashMap<Key, CategoryId>,
    /// Purposes.
    pub purposes: HashMap<Key, PurposeId>,
    /// Recipients.
    pub recipients: HashMap<Key, RecipientId>,
}

/// What a sync changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Items added.
    pub added: usize,
    /// Items removed.
    pub removed: usize,
}

fn existing(rows: Vec<(String, i64)>) -> HashMap<String, i64> {
    rows.into_iter().collect()
}

/// Inserts or updates one row by key and yields its id.
macro_rules! upsert_by_key {
    ($conn:expr, $table:ident, $existing:expr, $key:expr, $row:expr, $report:expr) => {{
        match $existing.get($key.as_str()) {
            Some(&id) => {
                diesel::update($table::table.find(id)).set($row).execute($conn)?;
                id
            }
            None => {
                $report.added += 1;
                diesel::insert_into($table::table).values($row).returning($table::id).get_result::<i64>($conn)?
            }
        }
    }};
}

fn in_use(kind: &str, key: &str, counts: &[(&str, i64)]) -> Result<(), DbError> {
    let users: Vec<String> = counts.iter().filter(|(_, n)| *n > 0).map(|(what, n)| format!("{n} {what}")).collect();
    if users.is_empty() {
        Ok(())
    } else {
        Err(DbError::Rejected(format!(
            "cannot remove {kind} `{key}`: {} still refer to it; keep it in the catalog or erase that data first",
            users.join(", ")
        )))
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = authorities)]
struct AuthorityRow<'a> {
    key: &'a str,
    name: &'a str,
    country: &'a str,
    website: &'a str,
    phone: &'a str,
    address: &'a str,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = marketing_channels)]
struct ChannelRow<'a> {
    key: &'a str,
    name_en: &'a str,
    name_nl: &'a str,
    sharing: bool,
    position: i32,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = entities, treat_none_as_null = true)]
struct EntityRow<'a> {
    key: &'a str,
    legal_name: &'a str,
    trade_name: Option<&'a str>,
    address: &'a str,
    contact_email: &'a str,
    contact_phone: &'a str,
    dpo_name: &'a str,
    dpo_email: &'a str,
    authority_id: i64,
    notice_version: &'a str,
    notice_url: &'a str,
    description_en: &'a str,
    description_nl: &'a str,
    position: i32,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = data_categories)]
struct CategoryRow<'a> {
    key: &'a str,
    name_en: &'a str,
    name_nl: &'a str,
    description_en: &'a str,
    description_nl: &'a str,
    special: bool,
    position: i32,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = purposes, treat_none_as_null = true)]
struct PurposeRow<'a> {
    key: &'a str,
    // Part of the key (id, entity_id) that records and disclosures refer to: SQLite
    // checks every referring row when an UPDATE names it, even unchanged. Set apart,
    // only when it changes.
    #[diesel(skip_update)]
    entity_id: i64,
    reference: &'a str,
    name_en: &'a str,
    name_nl: &'a str,
    description_en: &'a str,
    description_nl: &'a str,
    legal_basis: &'a str,
    legitimate_interest_en: Option<&'a str>,
    legitimate_interest_nl: Option<&'a str>,
    retention_months: Option<i32>,
    retention_from: &'a str,
    retention_en: &'a str,
    retention_nl: &'a str,
    marketing: bool,
    automated_decision: bool,
    position: i32,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = recipients)]
struct RecipientRow<'a> {
    key: &'a str,
    name: &'a str,
    kind: &'a str,
    country: &'a str,
    safeguard: &'a str,
    description_en: &'a str,
    description_nl: &'a str,
    contact_email: &'a str,
    confirmation: &'a str,
    due_days: i32,
    identifiers: String,
    position: i32,
}

/// Makes the stored register equal to `catalog` and reads it back; when it already is,
/// writes nothing (`None` for the report). A start with an unchanged file then only reads:
/// rewriting every catalog row at each start left dead rows behind that the dashboard's
/// queries scanned until a vacuum (see BENCHMARKS.md, tenth run). Run it inside a
/// transaction, as [`sync`].
pub fn sync_if_changed(
    conn: &mut DbConnection,
    catalog: &Catalog,
) -> Result<(StoredCatalog, Option<SyncReport>), DbError> {
    match load(conn) {
        Ok(stored) if stored.catalog.same_register(catalog) => return Ok((stored, None)),
        // A stored value this build cannot parse (or a dangling key) is rewritten by the
        // sync, as before. A failed statement is not: on PostgreSQL it has aborted the
        // transaction, so the sync could only fail with a less telling message.
        Ok(_) | Err(DbError::Rejected(_) | DbError::NotFound) => {}
        Err(other) => return Err(other),
    }
    let report = sync(conn, catalog)?;
    Ok((load(conn)?, Some(report)))
}

/// Makes the stored register equal to `catalog`. Run it inside a transaction: on any
/// refusal (an item still in use) nothing of it stays applied.
pub fn sync(conn: &mut DbConnection, catalog: &Catalog) -> Result<SyncReport, DbError> {
    let mut report = SyncReport::default();

    let old = existing(authorities::table.select((authorities::key, authorities::id)).load(conn)?);
    let mut authority_ids = HashMap::new();
    for a in &catalog.authorities {
        let row = AuthorityRow {
            key: a.key.as_str(),
            name: &a.name,
            country: &a.country,
            website: &a.website,
            phone: &a.phone,
            address: &a.address,
        };
        authority_ids.insert(a.key.as_str(), upsert_by_key!(conn, authorities, old, a.key, &row, report));
    }
    let old_authorities = old;

    let old = existing(marketing_channels::table.select((marketing_channels::key, marketing_channels::id)).load(conn)?);
    let mut channel_ids = HashMap::new();
    for (i, c) in catalog.channels.iter().enumerate() {
        let row = ChannelRow {
            key: c.key.as_str(),
            name_en: &c.name.en,
            name_nl: &c.name.nl,
            sharing: c.sharing,
            position: i as i32,
        };
        channel_ids.insert(c.key.as_str(), upsert_by_key!(conn, marketing_channels, old, c.key, &row, report));
    }
    let old_channels = old;

    let old = existing(entities::table.select((entities::key, entities::id)).load(conn)?);
    let mut entity_ids = HashMap::new();
    for (i, e) in catalog.entities.iter().enumerate() {
        let row = EntityRow {
            key: e.key.as_str(),
            legal_name: &e.legal_name,
            trade_name: e.trade_name.as_deref(),
            address: &e.address,
            contact_email: e.contact_email.as_str(),
            contact_phone: &e.contact_phone,
            dpo_name: &e.dpo_name,
            dpo_email: e.dpo_email.as_str(),
            authority_id: authority_ids[e.authority.as_str()],
            notice_version: &e.notice_version,
            notice_url: &e.notice_url,
            description_en: &e.description.en,
            description_nl: &e.description.nl,
            position: i as i32,
        };
        entity_ids.insert(e.key.as_str(), upsert_by_key!(conn, entities, old, e.key, &row, report));
    }
    let old_entities = old;

    let old = existing(data_categories::table.select((data_categories::key, data_categories::id)).load(conn)?);
    let mut category_ids = HashMap::new();
    for (i, c) in catalog.categories.iter().enumerate() {
        let row = CategoryRow {
            key: c.key.as_str(),
            name_en: &c.name.en,
            name_nl: &c.name.nl,
            description_en: &c.description.en,
            description_nl: &c.description.nl,
            special: c.special,
            position: i as i32,
        };
        category_ids.insert(c.key.as_str(), upsert_by_key!(conn, data_categories, old, c.key, &row, report));
    }
    let old_categories = old;

    // Category fields are labels only: replace them wholesale.
    diesel::delete(category_fields::table).execute(conn)?;
    for c in &catalog.categories {
        for (i, f) in c.fields.iter().enumerate() {
            diesel::insert_into(category_fields::table)
                .values((
                    category_fields::category_id.eq(category_ids[c.key.as_str()]),
                    category_fields::key.eq(f.key.as_str()),
                    category_fields::label_en.eq(&f.label.en),
                    category_fields::label_nl.eq(&f.label.nl),
                    category_fields::position.eq(i as i32),
                ))
                .execute(conn)?;
        }
    }

    let old = existing(purposes::table.select((purposes::key, purposes::id)).load(conn)?);
    let old_purpose_entities: HashMap<i64, i64> =
        purposes::table.select((purposes::id, purposes::entity_id)).load(conn)?.into_iter().collect();
    let mut purpose_ids = HashMap::new();
    for (i, p) in catalog.purposes.iter().enumerate() {
        let entity_id = entity_ids[p.entity.as_str()];
        if let Some(&id) = old.get(p.key.as_str())
            && old_purpose_entities.get(&id) != Some(&entity_id)
        {
            let links: i64 =
                record_purposes::table.filter(record_purposes::purpose_id.eq(id)).count().get_result(conn)?;
            let shared: i64 = disclosures::table.filter(disclosures::purpose_id.eq(id)).count().get_result(conn)?;
            if links + shared > 0 {
                return Err(DbError::Rejected(format!(
                    "purpose `{}` cannot move to entity `{}`: data of its current entity refers to it; add a new purpose instead",
                    p.key, p.entity
                )));
            }
        }
        let row = PurposeRow {
            key: p.key.as_str(),
            entity_id,
            reference: &p.reference,
            name_en: &p.name.en,
            name_nl: &p.name.nl,
            description_en: &p.description.en,
            description_nl: &p.description.nl,
            legal_basis: p.legal_basis.as_str(),
            legitimate_interest_en: p.legitimate_interest.as_ref().map(|l| l.en.as_str()),
            legitimate_interest_nl: p.legitimate_interest.as_ref().map(|l| l.nl.as_str()),
            retention_months: p.retention.months.map(|m| m as i32),
            retention_from: p.retention.from.as_str(),
            retention_en: &p.retention.text.en,
            retention_nl: &p.retention.text.nl,
            marketing: p.marketing,
            automated_decision: p.automated_decision,
            position: i as i32,
        };
        let id = upsert_by_key!(conn, purposes, old, p.key, &row, report);
        if old_purpose_entities.get(&id).is_some_and(|e| *e != entity_id) {
            diesel::update(purposes::table.find(id)).set(purposes::entity_id.eq(entity_id)).execute(conn)?;
        }
        purpose_ids.insert(p.key.as_str(), id);
    }
    let old_purposes = old;

    // Purpose ↔ category links are catalog-only: replace them wholesale.
    diesel::delete(purpose_categories::table).execute(conn)?;
    for p in &catalog.purposes {
        for c in &p.categories {
            diesel::insert_into(purpose_categories::table)
                .values((
                    purpose_categories::purpose_id.eq(purpose_ids[p.key.as_str()]),
                    purpose_categories::category_id.eq(category_ids[c.as_str()]),
                ))
                .execute(conn)?;
        }
    }

    let old = existing(recipients::table.select((recipients::key, recipients::id)).load(conn)?);
    let mut recipient_ids = HashMap::new();
    for (i, r) in catalog.recipients.iter().enumerate() {
        let row = RecipientRow {
            key: r.key.as_str(),
            name: &r.name,
            kind: r.kind.as_str(),
            country: &r.country,
            safeguard: r.safeguard.as_str(),
            description_en: &r.description.en,
            description_nl: &r.description.nl,
            contact_email: r.contact_email.as_str(),
            confirmation: r.confirmation.as_str(),
            due_days: r.due_days as i32,
            identifiers: serde_json::to_string(&r.identifiers).map_err(|e| DbError::Rejected(e.to_string()))?,
            position: i as i32,
        };
        recipient_ids.insert(r.key.as_str(), upsert_by_key!(conn, recipients, old, r.key, &row, report));
    }
    let old_recipients = old;

    // Entity channels: preferences point at them, so remove only what left the file.
    let wanted: HashSet<(i64, i64)> = catalog
        .entities
        .iter()
        .flat_map(|e| e.marketing_channels.iter().map(|c| (entity_ids[e.key.as_str()], channel_ids[c.as_str()])))
        .collect();
    let mut wanted_recipient_channels: HashSet<(i64, i64, i64)> = HashSet::new();
    for r in &catalog.recipients {
        for m in &r.marketing {
            for c in &m.channels {
                wanted_recipient_channels.insert((
                    recipient_ids[r.key.as_str()],
                    entity_ids[m.entity.as_str()],
                    channel_ids[c.as_str()],
                ));
            }
        }
    }
    let stored: HashSet<(i64, i64)> = entity_channels::table
        .select((entity_channels::entity_id, entity_channels::channel_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    for &(e, c) in wanted.difference(&stored) {
        diesel::insert_into(entity_channels::table)
            .values((entity_channels::entity_id.eq(e), entity_channels::channel_id.eq(c)))
            .execute(conn)?;
    }
    diesel::delete(recipient_channels::table).execute(conn)?;
    for &(r, e, c) in &wanted_recipient_channels {
        diesel::insert_into(recipient_channels::table)
            .values((
                recipient_channels::recipient_id.eq(r),
                recipient_channels::entity_id.eq(e),
                recipient_channels::channel_id.eq(c),
            ))
            .execute(conn)?;
    }
    for &(e, c) in stored.difference(&wanted) {
        let choices: i64 = marketing_preferences::table
            .filter(marketing_preferences::entity_id.eq(e).and(marketing_preferences::channel_id.eq(c)))
            .count()
            .get_result(conn)?;
        let key = |map: &HashMap<String, i64>, id: i64| {
            map.iter().find(|(_, v)| **v == id).map(|(k, _)| k.clone()).unwrap_or_default()
        };
        let cell = format!("{} on {}", key(&old_channels, c), key(&old_entities, e));
        in_use("marketing channel", &cell, &[("marketing preferences", choices)])?;
        diesel::delete(
            entity_channels::table.filter(entity_channels::entity_id.eq(e).and(entity_channels::channel_id.eq(c))),
        )
        .execute(conn)?;
        report.removed += 1;
    }

    // Items that left the file, most dependent first; refused while data points at them.
    for (key, &id) in old_recipients.iter().filter(|(k, _)| !recipient_ids.contains_key(k.as_str())) {
        in_use(
            "recipient",
            key,
            &[
                ("disclosures", disclosures::table.filter(disclosures::recipient_id.eq(id)).count().get_result(conn)?),
                (
                    "records received from it",
                    records::table.filter(records::source_recipient_id.eq(id)).count().get_result(conn)?,
                ),
                (
                    "propagation tasks",
                    propagation_tasks::table.filter(propagation_tasks::recipient_id.eq(id)).count().get_result(conn)?,
                ),
                (
                    "processor users",
                    processor_users::table.filter(processor_users::recipient_id.eq(id)).count().get_result(conn)?,
                ),
                ("API tokens", api_tokens::table.filter(api_tokens::recipient_id.eq(id)).count().get_result(conn)?),
            ],
        )?;
        diesel::delete(recipients::table.find(id)).execute(conn)?;
        report.removed += 1;
    }
    for (key, &id) in old_purposes.iter().filter(|(k, _)| !purpose_ids.contains_key(k.as_str())) {
        in_use(
            "purpose",
            key,
            &[
                (
                    "records",
                    record_purposes::table.filter(record_purposes::purpose_id.eq(id)).count().get_result(conn)?,
                ),
                ("disclosures", disclosures::table.filter(disclosures::purpose_id.eq(id)).count().get_result(conn)?),
                (
                    "consent events",
                    consent_events::table.filter(consent_events::purpose_id.eq(id)).count().get_result(conn)?,
                ),
                (
                    "rights requests",
                    rights_request_items::table
                        .filter(rights_request_items::purpose_id.eq(id))
                        .count()
                        .get_result(conn)?,
                ),
            ],
        )?;
        diesel::delete(purposes::table.find(id)).execute(conn)?;
        report.removed += 1;
    }
    for (key, &id) in old_categories.iter().filter(|(k, _)| !category_ids.contains_key(k.as_str())) {
        in_use(
            "category",
            key,
            &[
                ("records", records::table.filter(records::category_id.eq(id)).count().get_result(conn)?),
                (
                    "disclosures",
                    disclosure_categories::table
                        .filter(disclosure_categories::category_id.eq(id))
                        .count()
                        .get_result(conn)?,
                ),
                (
                    "rights requests",
                    rights_request_items::table
                        .filter(rights_request_items::category_id.eq(id))
                        .count()
                        .get_result(conn)?,
                ),
            ],
        )?;
        diesel::delete(data_categories::table.find(id)).execute(conn)?;
        report.removed += 1;
    }
    for (key, &id) in old_entities.iter().filter(|(k, _)| !entity_ids.contains_key(k.as_str())) {
        in_use(
            "entity",
            key,
            &[
                (
                    "relationships",
                    relationships::table.filter(relationships::entity_id.eq(id)).count().get_result(conn)?,
                ),
                ("records", records::table.filter(records::entity_id.eq(id)).count().get_result(conn)?),
                ("disclosures", disclosures::table.filter(disclosures::entity_id.eq(id)).count().get_result(conn)?),
                (
                    "consent events",
                    consent_events::table.filter(consent_events::entity_id.eq(id)).count().get_result(conn)?,
                ),
                (
                    "rights requests",
                    rights_requests::table.filter(rights_requests::entity_id.eq(id)).count().get_result(conn)?,
                ),
            ],
        )?;
        diesel::delete(entities::table.find(id)).execute(conn)?;
        report.removed += 1;
    }
    for (key, &id) in old_channels.iter().filter(|(k, _)| !channel_ids.contains_key(k.as_str())) {
        in_use(
            "marketing channel",
            key,
            &[(
                "consent events",
                consent_events::table.filter(consent_events::channel_id.eq(id)).count().get_result(conn)?,
            )],
        )?;
        diesel::delete(marketing_channels::table.find(id)).execute(conn)?;
        report.removed += 1;
    }
    for (key, &id) in old_authorities.iter().filter(|(k, _)| !authority_ids.contains_key(k.as_str())) {
        diesel::delete(authorities::table.find(id)).execute(conn).map_err(|e| match DbError::from(e) {
            DbError::Constraint(_) => {
                DbError::Rejected(format!("cannot remove authority `{key}`: an entity still names it"))
            }
            other => other,
        })?;
        report.removed += 1;
    }
    Ok(report)
}

fn key(raw: String) -> Result<Key, DbError> {
    Key::parse(&raw).map_err(DbError::Rejected)
}

fn email(raw: &str) -> Result<EmailAddress, DbError> {
    EmailAddress::parse(raw).map_err(|e| DbError::Rejected(format!("stored address `{raw}`: {e}")))
}

fn parsed<T: std::str::FromStr>(raw: &str) -> Result<T, DbError>
where
    T::Err: std::fmt::Display,
{
    raw.parse().map_err(|e: T::Err| DbError::Rejected(format!("stored value: {e}")))
}

/// Reads the stored register back, in catalog order.
pub fn load(conn: &mut DbConnection) -> Result<StoredCatalog, DbError> {
    let mut ids = CatalogIds::default();
    let mut order = CatalogOrder::default();

    type AuthorityTuple = (i64, String, String, String, String, String, String);
    let rows: Vec<AuthorityTuple> = authorities::table
        .select((
            authorities::id,
            authorities::key,
            authorities::name,
            authorities::country,
            authorities::website,
            authorities::phone,
            authorities::address,
        ))
        .order(authorities::id)
        .load(conn)?;
    let mut authority_keys = HashMap::new();
    let mut authorities_out = Vec::new();
    for (id, k, name, country, website, phone, address) in rows {
        let k = key(k)?;
        ids.authorities.insert(k.clone(), AuthorityId(id));
        authority_keys.insert(id, k.clone());
        authorities_out.push(Authority { key: k, name, country, website, phone, address });
    }

    let rows: Vec<(i64, String, String, String, bool)> = marketing_channels::table
        .select((
            marketing_channels::id,
            marketing_channels::key,
            marketing_channels::name_en,
            marketing_channels::name_nl,
            marketing_channels::sharing,
        ))
        .order(marketing_channels::position)
        .load(conn)?;
    let mut channel_keys = HashMap::new();
    let mut channels = Vec::new();
    for (id, k, en, nl, sharing) in rows {
        let k = key(k)?;
        ids.channels.insert(k.clone(), ChannelId(id));
        channel_keys.insert(id, k.clone());
        channels.push(Channel { key: k, name: Bilingual { en, nl }, sharing });
    }

    let links: Vec<(i64, i64)> = entity_channels::table
        .inner_join(marketing_channels::table)
        .select((entity_channels::entity_id, entity_channels::channel_id))
        .order(marketing_channels::position)
        .load(conn)?;
    #[derive(Queryable)]
    struct EntityTuple {
        id: i64,
        key: String,
        legal_name: String,
        trade_name: Option<String>,
        address: String,
        contact_email: String,
        contact_phone: String,
        dpo_name: String,
        dpo_email: String,
        authority_id: i64,
        notice_version: String,
        notice_url: String,
        description_en: String,
        description_nl: String,
    }
    let rows: Vec<EntityTuple> = entities::table
        .select((
            entities::id,
            entities::key,
            entities::legal_name,
            entities::trade_name,
            entities::address,
            entities::contact_email,
            entities::contact_phone,
            entities::dpo_name,
            entities::dpo_email,
            entities::authority_id,
            entities::notice_version,
            entities::notice_url,
            entities::description_en,
            entities::description_nl,
        ))
        .order(entities::position)
        .load(conn)?;
    let mut entity_keys = HashMap::new();
    let mut entities_out = Vec::new();
    for e in rows {
        let k = key(e.key)?;
        ids.entities.insert(k.clone(), EntityId(e.id));
        entity_keys.insert(e.id, k.clone());
        entities_out.push(Entity {
            key: k,
            legal_name: e.legal_name,
            trade_name: e.trade_name,
            address: e.address,
            contact_email: email(&e.contact_email)?,
            contact_phone: e.contact_phone,
            dpo_name: e.dpo_name,
            dpo_email: email(&e.dpo_email)?,
            authority: authority_keys.get(&e.authority_id).cloned().ok_or(DbError::NotFound)?,
            notice_version: e.notice_version,
            notice_url: e.notice_url,
            description: Bilingual { en: e.description_en, nl: e.description_nl },
            marketing_channels: links
                .iter()
                .filter(|(eid, _)| *eid == e.id)
                .filter_map(|(_, c)| channel_keys.get(c).cloned())
                .collect(),
        });
    }

    let fields: Vec<(i64, String, String, String)> = category_fields::table
        .select((
            category_fields::category_id,
            category_fields::key,
            category_fields::label_en,
            category_fields::label_nl,
        ))
        .order((category_fields::category_id, category_fields::position))
        .load(conn)?;
    let rows: Vec<(i64, String, String, String, String, String, bool)> = data_categories::table
        .select((
            data_categories::id,
            data_categories::key,
            data_categories::name_en,
            data_categories::name_nl,
            data_categories::description_en,
            data_categories::description_nl,
            data_categories::special,
        ))
        .order(data_categories::position)
        .load(conn)?;
    let mut category_keys = HashMap::new();
    let mut categories = Vec::new();
    for (id, k, name_en, name_nl, desc_en, desc_nl, special) in rows {
        let k = key(k)?;
        order.categories.insert(CategoryId(id), categories.len());
        ids.categories.insert(k.clone(), CategoryId(id));
        category_keys.insert(id, k.clone());
        let mut own_fields = Vec::new();
        for (_, fk, en, nl) in fields.iter().filter(|f| f.0 == id) {
            own_fields.push(Field { key: key(fk.clone())?, label: Bilingual { en: en.clone(), nl: nl.clone() } });
        }
        categories.push(Category {
            key: k,
            name: Bilingual { en: name_en, nl: name_nl },
            description: Bilingual { en: desc_en, nl: desc_nl },
            special,
            fields: own_fields,
        });
    }

    let purpose_links: Vec<(i64, i64)> = purpose_categories::table
        .inner_join(data_categories::table)
        .select((purpose_categories::purpose_id, purpose_categories::category_id))
        .order(data_categories::position)
        .load(conn)?;
    #[derive(Queryable)]
    struct PurposeTuple {
        id: i64,
        key: String,
        entity_id: i64,
        reference: String,
        name_en: String,
        name_nl: String,
        description_en: String,
        description_nl: String,
        legal_basis: String,
        li_en: Option<String>,
        li_nl: Option<String>,
        months: Option<i32>,
        from: String,
        retention_en: String,
        retention_nl: String,
        marketing: bool,
        automated_decision: bool,
    }
    let rows: Vec<PurposeTuple> = purposes::table
        .select((
            purposes::id,
            purposes::key,
            purposes::entity_id,
            purposes::reference,
            purposes::name_en,
            purposes::name_nl,
            purposes::description_en,
            purposes::description_nl,
            purposes::legal_basis,
            purposes::legitimate_interest_en,
            purposes::legitimate_interest_nl,
            purposes::retention_months,
            purposes::retention_from,
            purposes::retention_en,
            purposes::retention_nl,
            purposes::marketing,
            purposes::automated_decision,
        ))
        .order(purposes::position)
        .load(conn)?;
    let mut purposes_out = Vec::new();
    for p in rows {
        let k = key(p.key)?;
        order.purposes.insert(PurposeId(p.id), purposes_out.len());
        ids.purposes.insert(k.clone(), PurposeId(p.id));
        purposes_out.push(Purpose {
            key: k,
            entity: entity_keys.get(&p.entity_id).cloned().ok_or(DbError::NotFound)?,
            reference: p.reference,
            name: Bilingual { en: p.name_en, nl: p.name_nl },
            description: Bilingual { en: p.description_en, nl: p.description_nl },
            legal_basis: parsed(&p.legal_basis)?,
            legitimate_interest: match (p.li_en, p.li_nl) {
                (Some(en), Some(nl)) => Some(Bilingual { en, nl }),
                _ => None,
            },
            retention: Retention {
                months: p.months.map(|m| m as u32),
                from: parsed(&p.from)?,
                text: Bilingual { en: p.retention_en, nl: p.retention_nl },
            },
            categories: purpose_links
                .iter()
                .filter(|(pid, _)| *pid == p.id)
                .filter_map(|(_, c)| category_keys.get(c).cloned())
                .collect(),
            marketing: p.marketing,
            automated_decision: p.automated_decision,
        });
    }

    let marketing_links: Vec<(i64, i64, i64)> = recipient_channels::table
        .inner_join(marketing_channels::table.on(marketing_channels::id.eq(recipient_channels::channel_id)))
        .inner_join(entities::table.on(entities::id.eq(recipient_channels::entity_id)))
        .select((recipient_channels::recipient_id, recipient_channels::entity_id, recipient_channels::channel_id))
        .order((entities::position, marketing_channels::position))
        .load(conn)?;
    #[derive(Queryable)]
    struct RecipientTuple {
        id: i64,
        key: String,
        name: String,
        kind: String,
        country: String,
        safeguard: String,
        description_en: String,
        description_nl: String,
        contact_email: String,
        confirmation: String,
        due_days: i32,
        identifiers: String,
    }
    let rows: Vec<RecipientTuple> = recipients::table
        .select((
            recipients::id,
            recipients::key,
            recipients::name,
            recipients::kind,
            recipients::country,
            recipients::safeguard,
            recipients::description_en,
            recipients::description_nl,
            recipients::contact_email,
            recipients::confirmation,
            recipients::due_days,
            recipients::identifiers,
        ))
        .order(recipients::position)
        .load(conn)?;
    let mut recipients_out = Vec::new();
    for r in rows {
        let k = key(r.key)?;
        ids.recipients.insert(k.clone(), RecipientId(r.id));
        let identifier_texts: Vec<String> = serde_json::from_str(&r.identifiers)
            .map_err(|e| DbError::Rejected(format!("recipient `{k}` identifiers: {e}")))?;
        let mut marketing: Vec<RecipientMarketing> = Vec::new();
        for (_, eid, cid) in marketing_links.iter().filter(|l| l.0 == r.id) {
            let (Some(entity), Some(channel)) = (entity_keys.get(eid), channel_keys.get(cid)) else {
                continue;
            };
            match marketing.iter_mut().find(|m| &m.entity == entity) {
                Some(m) => m.channels.push(channel.clone()),
                None => marketing.push(RecipientMarketing { entity: entity.clone(), channels: vec![channel.clone()] }),
            }
        }
        recipients_out.push(Recipient {
            key: k,
            name: r.name,
            kind: parsed(&r.kind)?,
            country: r.country,
            safeguard: parsed(&r.safeguard)?,
            description: Bilingual { en: r.description_en, nl: r.description_nl },
            contact_email: email(&r.contact_email)?,
            confirmation: parsed(&r.confirmation)?,
            due_days: r.due_days as u32,
            identifiers: identifier_texts,
            marketing,
        });
    }

    Ok(StoredCatalog {
        catalog: Catalog {
            authorities: authorities_out,
            channels,
            entities: entities_out,
            categories,
            purposes: purposes_out,
            recipients: recipients_out,
        },
        ids,
        order,
    })
}
