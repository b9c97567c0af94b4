//! The signed-in person's own pages: what is held (by entity and category), who
//! received it, marketing preferences, rights requests and the download. Every query
//! is scoped to the signed-in person; an id of someone else's thing answers 404.

pub mod activity;
pub mod certificate;
pub mod download;
pub mod preferences;
pub mod recipients;
pub mod requests;

use std::collections::BTreeMap;

use actix_web::{HttpRequest, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::catalog::{Category, Entity};
use crate::db::queries::catalog::StoredCatalog;
use crate::db::queries::subject_data::{self, HeldRecord, SubjectData};
use crate::domain::Language;
use crate::domain::catalog::{LegalBasis, RecipientKind, Safeguard};
use crate::domain::ids::EntityId;
use crate::domain::person::{RecordSource, Role};
use crate::domain::retention::{RetentionEnd, retention_end};
use crate::error::AppError;
use crate::extractors::{PageContext, SubjectAccess};
use crate::i18n::messages;
use crate::state::AppState;

/// Values of one field shown before "and N more".
const SHOWN_PER_FIELD: usize = 3;

/// Message key of a role.
pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::CustomerContact => "role.customer_contact",
        Role::ServiceUser => "role.service_user",
        Role::JobApplicant => "role.job_applicant",
        Role::WebsiteVisitor => "role.website_visitor",
    }
}

/// Message key of a legal basis.
pub fn basis_key(basis: LegalBasis) -> &'static str {
    match basis {
        LegalBasis::Contract => "basis.contract",
        LegalBasis::LegalObligation => "basis.legal_obligation",
        LegalBasis::LegitimateInterest => "basis.legitimate_interest",
        LegalBasis::Consent => "basis.consent",
        LegalBasis::VitalInterest => "basis.vital_interest",
        LegalBasis::PublicTask => "basis.public_task",
    }
}

/// Message key of a recipient kind.
pub fn kind_key(kind: RecipientKind) -> &'static str {
    match kind {
        RecipientKind::Processor => "recipient_kind.processor",
        RecipientKind::ThirdParty => "recipient_kind.third_party",
        RecipientKind::Authority => "recipient_kind.authority",
    }
}

/// Message key of a transfer safeguard.
pub fn safeguard_key(safeguard: Safeguard) -> &'static str {
    match safeguard {
        Safeguard::Eea => "safeguard.eea",
        Safeguard::Adequacy => "safeguard.adequacy",
        Safeguard::Scc => "safeguard.scc",
        Safeguard::Bcr => "safeguard.bcr",
        Safeguard::Derogation => "safeguard.derogation",
    }
}

/// Message key of a record source.
pub fn source_key(source: RecordSource) -> &'static str {
    match source {
        RecordSource::Provided => "source.provided",
        RecordSource::Observed => "source.observed",
        RecordSource::Received => "source.received",
        RecordSource::Derived => "source.derived",
    }
}

/// One value held, as shown.
pub struct RecordView {
    /// Record id (for rectification forms).
    pub id: i64,
    /// Field label.
    pub label: String,
    /// Value.
    pub value: String,
    /// Message key of its source.
    pub source: &'static str,
    /// The third party it came from.
    pub source_party: Option<String>,
    /// Collected (formatted).
    pub collected: String,
    /// Last changed (formatted).
    pub updated: String,
    /// Restricted (formatted date), if so.
    pub restricted: Option<String>,
    /// Kept under a legal duty after erasure: reason and until.
    pub kept: Option<(String, String)>,
}

/// The values of one field.
pub struct FieldGroup {
    /// Label.
    pub label: String,
    /// The newest values (all of them on the category page).
    pub records: Vec<RecordView>,
    /// How many there are in total.
    pub total: i64,
}

/// A purpose as shown under a category.
pub struct PurposeView {
    /// Name.
    pub name: String,
    /// The statement's item.
    pub reference: String,
    /// Message key of the legal basis.
    pub basis: &'static str,
    /// The legitimate interest, if that is the basis.
    pub legitimate_interest: Option<String>,
    /// The retention rule in words.
    pub retention: String,
    /// When the data in this category goes, where it follows from the data.
    pub retention_end: Option<String>,
}

/// A recipient of a category.
pub struct ReceivedBy {
    /// Name.
    pub name: String,
    /// Last disclosure (formatted).
    pub last: String,
}

/// One category of one entity.
pub struct CategoryView {
    /// Key (for the "see all" link).
    pub key: String,
    /// Name.
    pub name: String,
    /// What it covers.
    pub description: String,
    /// Values, by field.
    pub fields: Vec<FieldGroup>,
    /// Whether some values are not shown here.
    pub truncated: bool,
    /// Why it is held.
    pub purposes: Vec<PurposeView>,
    /// Who received it.
    pub recipients: Vec<ReceivedBy>,
}

/// One entity's section.
pub struct EntityView {
    /// Key.
    pub key: String,
    /// Legal name.
    pub legal_name: String,
    /// Trade name.
    pub trade_name: Option<String>,
    /// Roles: (message key, reference, since).
    pub roles: Vec<(&'static str, Option<String>, String)>,
    /// DPO.
    pub dpo_name: String,
    /// DPO address.
    pub dpo_email: String,
    /// Supervisory authority: name, website, phone.
    pub authority: (String, String, String),
    /// Categories held.
    pub categories: Vec<CategoryView>,
}

fn record_view(r: &HeldRecord, category: &Category, stored: &StoredCatalog, language: Language) -> RecordView {
    let texts = messages(language);
    RecordView {
        id: r.id.0,
        label: stored.field_label(category, &r.field, language).to_owned(),
        value: r.value.clone(),
        source: source_key(r.source),
        source_party: r.source_party.and_then(|p| stored.recipient(p)).map(|p| p.name.clone()),
        collected: texts.date(r.collected_at.date()),
        updated: texts.date(r.updated_at.date()),
        restricted: r.restricted_at.map(|t| texts.date(t.date())),
        // kept_reason holds the key of the purpose whose legal duty keeps the value.
        kept: r.kept_reason.as_ref().map(|why| {
            let purpose = stored.catalog.purposes.iter().find(|p| p.key.as_str() == why);
            (
                purpose.map(|p| p.name.get(language).to_owned()).unwrap_or_else(|| why.clone()),
                r.kept_until.map(|d| texts.date(d)).unwrap_or_default(),
            )
        }),
    }
}

/// The categories of one entity's data; `only` limits to one category, `all` shows
/// every value instead of the newest few per field.
pub fn category_views(
    data: &SubjectData,
    stored: &StoredCatalog,
    entity_id: EntityId,
    entity: &Entity,
    language: Language,
    only: Option<&str>,
    all: bool,
) -> Vec<CategoryView> {
    let texts = messages(language);
    let ended = data.relationships.iter().filter(|r| r.entity == entity_id).filter_map(|r| r.until).max();
    let mut out = Vec::new();
    for category in &stored.catalog.categories {
        if only.is_some_and(|k| k != category.key.as_str()) {
            continue;
        }
        let Some(category_id) = stored.ids.categories.get(&category.key).copied() else {
            continue;
        };
        let records: Vec<&HeldRecord> =
            data.records.iter().filter(|r| r.entity == entity_id && r.category == category_id).collect();
        if records.is_empty() {
            continue;
        }
        // Fields in first-seen order; records arrive newest first within a field.
        let mut fields: Vec<FieldGroup> = Vec::new();
        let mut truncated = false;
        for r in &records {
            let label = stored.field_label(category, &r.field, language).to_owned();
            let group = match fields.iter_mut().position(|g| g.label == label) {
                Some(i) => &mut fields[i],
                None => {
                    fields.push(FieldGroup { label, records: Vec::new(), total: 0 });
                    fields.last_mut().expect("just pushed")
                }
            };
            group.total += 1;
            if all || group.records.len() < SHOWN_PER_FIELD {
                group.records.push(record_view(r, category, stored, language));
            } else {
                truncated = true;
            }
        }
        // Purposes in catalog order, each with the end date that follows from the
        // newest record it covers.
        let mut purposes = Vec::new();
        for purpose in stored.catalog.purposes.iter().filter(|p| p.entity == entity.key) {
            let Some(pid) = stored.ids.purposes.get(&purpose.key).copied() else {
                continue;
            };
            let newest = records.iter().filter(|r| r.purposes.contains(&pid)).map(|r| r.collected_at.date()).max();
            let Some(newest) = newest else { continue };
            let end = match retention_end(purpose.retention.months, purpose.retention.from, newest, ended) {
                RetentionEnd::On(date) => Some(texts.date(date)),
                _ => None,
            };
            purposes.push(PurposeView {
                name: purpose.name.get(language).to_owned(),
                reference: purpose.reference.clone(),
                basis: basis_key(purpose.legal_basis),
                legitimate_interest: purpose.legitimate_interest.as_ref().map(|l| l.get(language).to_owned()),
                retention: purpose.retention.text.get(language).to_owned(),
                retention_end: end,
            });
        }
        let mut received: BTreeMap<String, time::OffsetDateTime> = BTreeMap::new();
        for d in data.disclosures.iter().filter(|d| d.entity == entity_id && d.categories.contains(&category_id)) {
            if let Some(r) = stored.recipient(d.recipient) {
                let last = received.entry(r.name.clone()).or_insert(d.at);
                *last = (*last).max(d.at);
            }
        }
        out.push(CategoryView {
            key: category.key.to_string(),
            name: category.name.get(language).to_owned(),
            description: category.description.get(language).to_owned(),
            fields,
            truncated,
            purposes,
            recipients: received
                .into_iter()
                .map(|(name, at)| ReceivedBy { name, last: texts.date(at.date()) })
                .collect(),
        });
    }
    out
}

/// The entities that hold something about the person (relationship or data), in
/// catalog order; entities without anything are left out.
pub fn entity_views(data: &SubjectData, stored: &StoredCatalog, language: Language) -> Vec<EntityView> {
    let texts = messages(language);
    stored
        .catalog
        .entities
        .iter()
        .filter_map(|entity| {
            let entity_id = stored.ids.entities.get(&entity.key).copied()?;
            let roles: Vec<_> = data
                .relationships
                .iter()
                .filter(|r| r.entity == entity_id)
                .map(|r| (role_key(r.role), r.reference.clone(), texts.date(r.since)))
                .collect();
            let categories = category_views(data, stored, entity_id, entity, language, None, false);
            if roles.is_empty() && categories.is_empty() {
                return None;
            }
            let authority = stored.authority_of(entity);
            Some(EntityView {
                key: entity.key.to_string(),
                legal_name: entity.legal_name.clone(),
                trade_name: entity.trade_name.clone(),
                roles,
                dpo_name: entity.dpo_name.clone(),
                dpo_email: entity.dpo_email.to_string(),
                authority: authority.map(|a| (a.name.clone(), a.website.clone(), a.phone.clone())).unwrap_or_default(),
                categories,
            })
        })
        .collect()
}

/// `GET /dashboard`.
#[derive(Template, WebTemplate)]
#[template(path = "subject/dashboard.html")]
pub struct DashboardPage {
    ctx: PageContext,
    name: String,
    entities: Vec<EntityView>,
    gpc_applied: usize,
}

/// `GET /dashboard`: everything held, by entity and category.
pub async fn dashboard(
    req: HttpRequest,
    ctx: PageContext,
    me: SubjectAccess,
    state: web::Data<AppState>,
) -> Result<DashboardPage, AppError> {
    // A staff member's browser signal is not the person's choice.
    let gpc_applied =
        if me.assisted_by.is_none() { preferences::apply_gpc(&req, &state, me.subject_id).await? } else { 0 };
    let subject = me.subject_id;
    let catalog = state.catalog.clone();
    let data = state.db.run(move |c| subject_data::load_held(c, subject, &catalog)).await?;
    let entities = entity_views(&data, &state.catalog, ctx.lang);
    Ok(DashboardPage { ctx, name: data.summary.display_name, entities, gpc_applied })
}

/// `GET /data/{entity}/{category}`.
#[derive(Template, WebTemplate)]
#[template(path = "subject/category.html")]
pub struct CategoryPage {
    ctx: PageContext,
    entity_name: String,
    category: CategoryView,
}

/// `GET /data/{entity}/{category}`: every value of one category (long usage logs).
pub async fn category(
    ctx: PageContext,
    me: SubjectAccess,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<CategoryPage, AppError> {
    let (entity_key, category_key) = path.into_inner();
    let stored = &state.catalog;
    let entity = stored.catalog.entities.iter().find(|e| e.key.as_str() == entity_key).ok_or(AppError::NotFound)?;
    let entity_id = stored.ids.entities.get(&entity.key).copied().ok_or(AppError::NotFound)?;
    let subject = me.subject_id;
    let catalog = state.catalog.clone();
    let data = state.db.run(move |c| subject_data::load_held(c, subject, &catalog)).await?;
    let category = category_views(&data, stored, entity_id, entity, ctx.lang, Some(&category_key), true)
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    Ok(CategoryPage { ctx, entity_name: entity.legal_name.clone(), category })
}
