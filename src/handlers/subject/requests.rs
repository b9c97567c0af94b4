//! Rights requests: which rights apply (by the legal bases of the person's data, with
//! the reason when one does not), a form per right, filing with a reference, a due
//! date one month out and a confirmation e-mail, and a status page with a timeline.
//! Objections to direct marketing and withdrawals of consent take effect at once.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::preferences::task_status_key;
use super::{basis_key, role_key};
use crate::db::queries::catalog::StoredCatalog;
use crate::db::queries::decisions::{self, Decision, Engine};
use crate::db::queries::requests::{self, NewItem, NewRequest};
use crate::db::queries::staff_actions::StaffAction;
use crate::db::queries::subject_data::{self, FilingScope, SubjectData};
use crate::db::queries::subjects::SubjectSummary;
use crate::db::queries::{audit, outbox, propagation, restrictions};
use crate::db::{DbConnection, DbError};
use crate::domain::audit::Actor;
use crate::domain::catalog::LegalBasis;
use crate::domain::ids::{CategoryId, EntityId, PublicId, PurposeId, RecordId, SubjectId};
use crate::domain::person::MAX_RECORD_VALUE_CHARS;
use crate::domain::rights::{Availability, ProcessingProfile, RequestKind, RequestStatus, due_at, reference};
use crate::email::messages as mail;
use crate::error::AppError;
use crate::extractors::session::require_recent_sign_in;
use crate::extractors::{CsrfForm, PageContext, SubjectAccess};
use crate::handlers::staff::on_behalf;
use crate::handlers::{render, see_other};
use crate::i18n::messages;
use crate::state::AppState;

/// Longest statement a person can write (characters).
pub const MAX_STATEMENT_CHARS: usize = 4000;

/// Message key of a request kind.
pub fn kind_key(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Access => "request_kind.access",
        RequestKind::Portability => "request_kind.portability",
        RequestKind::Rectification => "request_kind.rectification",
        RequestKind::Erasure => "request_kind.erasure",
        RequestKind::Restriction => "request_kind.restriction",
        RequestKind::Objection => "request_kind.objection",
        RequestKind::Withdrawal => "request_kind.withdrawal",
        RequestKind::AutomatedDecisionReview => "request_kind.automated_decision_review",
    }
}

/// Message key of a request status.
pub fn status_key(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Received => "request_status.received",
        RequestStatus::AwaitingDecision => "request_status.awaiting_decision",
        RequestStatus::Approved => "request_status.approved",
        RequestStatus::PartiallyApproved => "request_status.partially_approved",
        RequestStatus::Rejected => "request_status.rejected",
        RequestStatus::Completed => "request_status.completed",
        RequestStatus::Withdrawn => "request_status.withdrawn",
    }
}

fn action_key(action: &str) -> &'static str {
    match action {
        "rectify" => "task_action.rectify",
        "erase" => "task_action.erase",
        "restrict" => "task_action.restrict",
        "lift_restriction" => "task_action.lift_restriction",
        "object" => "task_action.object",
        _ => "task_action.stop_marketing",
    }
}

/// What the rights depend on: the legal bases of the purposes the person's data serves.
pub fn profile(data: &SubjectData, stored: &StoredCatalog) -> ProcessingProfile {
    let mut bases = Vec::new();
    let mut automated = false;
    for purpose in data.records.iter().flat_map(|r| r.purposes.iter()).filter_map(|p| stored.purpose(*p)) {
        if !bases.contains(&purpose.legal_basis) {
            bases.push(purpose.legal_basis);
        }
        automated |= purpose.automated_decision;
    }
    ProcessingProfile { bases, automated, has_data: !data.records.is_empty() || !data.relationships.is_empty() }
}

/// One right on the requests page.
pub struct RightOption {
    /// The kind, as in URLs.
    pub kind: &'static str,
    /// Message key of its name.
    pub name: &'static str,
    /// Message key of what it does.
    pub description: String,
    /// Message key of why it is not offered, if it is not.
    pub not_offered: Option<&'static str>,
}

/// One filed request.
pub struct RequestRow {
    /// Public id (link).
    pub public_id: String,
    /// Reference.
    pub reference: String,
    /// Message key of the kind.
    pub kind: &'static str,
    /// Entity or all.
    pub scope: Option<String>,
    /// Message key of the status.
    pub status: &'static str,
    /// Received (formatted).
    pub received: String,
    /// Due (formatted).
    pub due: String,
}

/// `GET /requests`.
#[derive(Template, WebTemplate)]
#[template(path = "subject/requests.html")]
pub struct RequestsPage {
    ctx: PageContext,
    requests: Vec<RequestRow>,
    rights: Vec<RightOption>,
}

/// `GET /requests`: the person's requests and the rights they can exercise.
pub async fn requests_page(
    ctx: PageContext,
    me: SubjectAccess,
    state: web::Data<AppState>,
) -> Result<RequestsPage, AppError> {
    let subject = me.subject_id;
    let catalog = state.catalog.clone();
    let data = state.db.run(move |c| subject_data::load_current(c, subject, &catalog)).await?;
    let stored = &state.catalog;
    let texts = messages(ctx.lang);
    let profile = profile(&data, stored);
    let rights = RequestKind::ALL
        .iter()
        .map(|&kind| RightOption {
            kind: kind.as_str(),
            name: kind_key(kind),
            description: format!("{}_about", kind_key(kind)),
            not_offered: match kind.availability(&profile) {
                Availability::Offered => None,
                Availability::NotOffered(why) => Some(why),
            },
        })
        .collect();
    let requests = data
        .requests
        .iter()
        .map(|r| RequestRow {
            public_id: r.public_id.clone(),
            reference: reference(&r.public_id),
            kind: kind_key(r.kind),
            scope: r.entity.and_then(|e| stored.entity(e)).map(|e| e.legal_name.clone()),
            status: status_key(r.status),
            received: texts.date(r.received_at.date()),
            due: texts.date(r.extended_due_at.unwrap_or(r.due_at).date()),
        })
        .collect();
    Ok(RequestsPage { ctx, requests, rights })
}

/// A choice in a form: (value, label, extra).
pub type Choice = (String, String, String);

/// `GET /requests/new/{kind}` and its re-render after a refused submission.
#[derive(Template)]
#[template(path = "subject/request_new.html")]
pub struct NewRequestPage {
    ctx: PageContext,
    kind: &'static str,
    name: &'static str,
    intro: String,
    scopes: Vec<Choice>,
    records: Vec<Choice>,
    purposes: Vec<Choice>,
    categories: Vec<Choice>,
    error: Option<&'static str>,
    existing: Option<String>,
    form: HashMap<String, String>,
}

impl NewRequestPage {
    fn value(&self, name: &str) -> String {
        self.form.get(name).cloned().unwrap_or_default()
    }

    fn checked(&self, name: &str) -> bool {
        self.form.get(name).is_some_and(|v| !v.is_empty())
    }

    fn selected(&self, name: &str, value: &str) -> bool {
        self.form.get(name).is_some_and(|v| v == value)
    }
}

fn parse_kind(raw: &str) -> Result<RequestKind, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// The purposes a kind can name, for this person: legitimate-interest / public-task
/// and direct-marketing purposes (objection), consent purposes (withdrawal), automated
/// ones (review).
fn eligible_purposes(kind: RequestKind, data: &SubjectData, stored: &StoredCatalog) -> Vec<PurposeId> {
    let mut out: Vec<PurposeId> = Vec::new();
    let related: Vec<EntityId> = data.relationships.iter().map(|r| r.entity).collect();
    let candidates = data.records.iter().flat_map(|r| r.purposes.iter().copied()).chain(
        stored.catalog.purposes.iter().filter(|p| p.marketing).filter_map(|p| {
            let entity = stored.ids.entities.get(&p.entity)?;
            related.contains(entity).then(|| stored.ids.purposes.get(&p.key).copied()).flatten()
        }),
    );
    for pid in candidates {
        let Some(p) = stored.purpose(pid) else {
            continue;
        };
        let fits = match kind {
            RequestKind::Objection => p.legal_basis.allows_objection() || p.marketing,
            RequestKind::Withdrawal => p.legal_basis == LegalBasis::Consent,
            RequestKind::AutomatedDecisionReview => p.automated_decision,
            _ => false,
        };
        if fits && !out.contains(&pid) {
            out.push(pid);
        }
    }
    out.sort_by_key(|id| stored.purpose_position(*id));
    out
}

fn build_form_page(
    ctx: PageContext,
    kind: RequestKind,
    data: &SubjectData,
    stored: &StoredCatalog,
    error: Option<&'static str>,
    existing: Option<String>,
    form: HashMap<String, String>,
) -> NewRequestPage {
    let language = ctx.lang;
    let mut scopes = vec![("all".to_owned(), ctx.t("requests.scope_all").into_owned(), String::new())];
    for entity in &stored.catalog.entities {
        let Some(id) = stored.ids.entities.get(&entity.key) else {
            continue;
        };
        let roles: Vec<String> = data
            .relationships
            .iter()
            .filter(|r| &r.entity == id)
            .map(|r| ctx.t(role_key(r.role)).into_owned())
            .collect();
        if !roles.is_empty() || data.records.iter().any(|r| &r.entity == id) {
            scopes.push((entity.key.to_string(), entity.legal_name.clone(), roles.join(", ")));
        }
    }
    let records = if kind == RequestKind::Rectification {
        data.records
            .iter()
            .filter(|r| r.erased_at.is_none())
            .filter_map(|r| {
                let entity = stored.entity(r.entity)?;
                let category = stored.category(r.category)?;
                let value: String = r.value.chars().take(60).collect();
                Some((
                    r.id.0.to_string(),
                    format!(
                        "{} — {}: {}",
                        category.name.get(language),
                        stored.field_label(category, &r.field, language),
                        value
                    ),
                    entity.legal_name.clone(),
                ))
            })
            .collect()
    } else {
        Vec::new()
    };
    let purposes = eligible_purposes(kind, data, stored)
        .into_iter()
        .filter_map(|pid| {
            let p = stored.purpose(pid)?;
            let entity = stored.catalog.entity(&p.entity)?;
            let basis = ctx.t(basis_key(p.legal_basis)).into_owned();
            let marketing =
                if p.marketing { format!(" · {}", ctx.t("requests.marketing_at_once")) } else { String::new() };
            Some((
                p.key.to_string(),
                format!("{} ({})", p.name.get(language), entity.legal_name),
                format!("{basis}{marketing}"),
            ))
        })
        .collect();
    let categories = if kind == RequestKind::Restriction {
        stored
            .catalog
            .categories
            .iter()
            .filter(|c| {
                stored.ids.categories.get(&c.key).is_some_and(|id| data.records.iter().any(|r| &r.category == id))
            })
            .map(|c| (c.key.to_string(), c.name.get(language).to_owned(), String::new()))
            .collect()
    } else {
        Vec::new()
    };
    NewRequestPage {
        intro: format!("{}_intro", kind_key(kind)),
        ctx,
        kind: kind.as_str(),
        name: kind_key(kind),
        scopes,
        records,
        purposes,
        categories,
        error,
        existing,
        form,
    }
}

/// `GET /requests/new/{kind}`: the form for one right.
pub async fn new_request(
    ctx: PageContext,
    me: SubjectAccess,
    state: web::Data<AppState>,
    kind: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let kind = parse_kind(&kind)?;
    let subject = me.subject_id;
    let catalog = state.catalog.clone();
    let data = state.db.run(move |c| subject_data::load_records(c, subject, &catalog)).await?;
    if let Availability::NotOffered(why) = kind.availability(&profile(&data, &state.catalog)) {
        let page = build_form_page(ctx, kind, &data, &state.catalog, Some(why), None, HashMap::new());
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    render(StatusCode::OK, &build_form_page(ctx, kind, &data, &state.catalog, None, None, HashMap::new()))
}

/// A validated request, ready to file.
struct Validated {
    entity: Option<EntityId>,
    statement: String,
    items: Vec<NewItem>,
}

fn clean_text(raw: &str) -> String {
    raw.trim().chars().filter(|c| !c.is_control() || *c == '\n').collect::<String>().replace("\r\n", "\n")
}

/// What a filing read about the person: their records, or, for a request that names
/// nothing, only who they are and which entities hold their data.
enum Basis {
    Records(SubjectData),
    Scope(FilingScope),
}

impl Basis {
    /// Reads what `kind` needs: the records only when the request may name some or its
    /// availability depends on their purposes.
    async fn load(state: &AppState, subject: SubjectId, kind: RequestKind) -> Result<Basis, AppError> {
        Ok(if matches!(kind, RequestKind::Access | RequestKind::Erasure) {
            Basis::Scope(state.db.run(move |c| subject_data::load_scope(c, subject)).await?)
        } else {
            let catalog = state.catalog.clone();
            Basis::Records(state.db.run(move |c| subject_data::load_records(c, subject, &catalog)).await?)
        })
    }

    fn summary(&self) -> &SubjectSummary {
        match self {
            Basis::Records(data) => &data.summary,
            Basis::Scope(scope) => &scope.summary,
        }
    }

    /// Whether `entity` has a relationship with the person or holds a record about them.
    fn holds(&self, entity: EntityId) -> bool {
        match self {
            Basis::Records(data) => {
                data.relationships.iter().any(|r| r.entity == entity) || data.records.iter().any(|r| r.entity == entity)
            }
            Basis::Scope(scope) => {
                scope.relationships.iter().any(|r| r.entity == entity) || scope.record_entities.contains(&entity)
            }
        }
    }

    fn availability(&self, kind: RequestKind, stored: &StoredCatalog) -> Availability {
        match self {
            Basis::Records(data) => kind.availability(&profile(data, stored)),
            // Access and erasure are offered to anyone with data; no legal basis decides.
            Basis::Scope(scope) => kind.availability(&ProcessingProfile {
                bases: Vec::new(),
                automated: false,
                has_data: !scope.relationships.is_empty() || !scope.record_entities.is_empty(),
            }),
        }
    }

    /// The person's records for the form page shown again (read now if not read yet).
    async fn into_records(self, state: &AppState, subject: SubjectId) -> Result<SubjectData, AppError> {
        match self {
            Basis::Records(data) => Ok(data),
            Basis::Scope(_) => {
                let catalog = state.catalog.clone();
                Ok(state.db.run(move |c| subject_data::load_records(c, subject, &catalog)).await?)
            }
        }
    }
}

/// The form again, with why it was not filed.
#[allow(clippy::too_many_arguments)]
async fn refused(
    state: &AppState,
    ctx: PageContext,
    kind: RequestKind,
    basis: Basis,
    subject: SubjectId,
    status: StatusCode,
    why: &'static str,
    existing: Option<String>,
    form: HashMap<String, String>,
) -> Result<HttpResponse, AppError> {
    let data = basis.into_records(state, subject).await?;
    render(status, &build_form_page(ctx, kind, &data, &state.catalog, Some(why), existing, form))
}

fn validate(
    kind: RequestKind,
    form: &HashMap<String, String>,
    basis: &Basis,
    stored: &StoredCatalog,
) -> Result<Validated, &'static str> {
    let scope = form.get("scope").map(String::as_str).unwrap_or("all");
    let entity = match scope {
        "" | "all" => None,
        key => {
            let entity =
                stored.catalog.entities.iter().find(|e| e.key.as_str() == key).ok_or("requests.error_scope")?;
            let id = stored.ids.entities.get(&entity.key).copied().ok_or("requests.error_scope")?;
            if !basis.holds(id) {
                return Err("requests.error_scope");
            }
            Some(id)
        }
    };
    let statement = clean_text(form.get("statement").map(String::as_str).unwrap_or(""));
    if statement.chars().count() > MAX_STATEMENT_CHARS {
        return Err("requests.error_statement_long");
    }
    let mut items = Vec::new();
    // Kinds that name records or purposes are read with their records (`Basis::load`).
    let records = match basis {
        Basis::Records(data) => Some(data),
        Basis::Scope(_) => None,
    };
    match kind {
        RequestKind::Rectification => {
            let record: i64 = form.get("record").and_then(|r| r.trim().parse().ok()).ok_or("requests.error_record")?;
            let own = records
                .ok_or("requests.error_record")?
                .records
                .iter()
                .find(|r| r.id == RecordId(record) && r.erased_at.is_none())
                .ok_or("requests.error_record")?;
            let correct = form.get("mode").map(String::as_str) != Some("statement");
            if correct {
                let value = clean_text(form.get("proposed_value").map(String::as_str).unwrap_or(""));
                if value.is_empty() {
                    return Err("requests.error_value_empty");
                }
                if value.chars().count() > MAX_RECORD_VALUE_CHARS {
                    return Err("requests.error_value_long");
                }
                if value == own.value {
                    return Err("requests.error_value_same");
                }
                items.push(NewItem { record: Some(own.id), proposed_value: Some(value), ..Default::default() });
            } else {
                if statement.is_empty() {
                    return Err("requests.error_statement_needed");
                }
                items.push(NewItem { record: Some(own.id), ..Default::default() });
            }
            return Ok(Validated { entity: Some(own.entity), statement, items });
        }
        RequestKind::Objection | RequestKind::Withdrawal | RequestKind::AutomatedDecisionReview => {
            let eligible = eligible_purposes(kind, records.ok_or("requests.error_purpose")?, stored);
            for (name, value) in form {
                let Some(key) = name.strip_prefix("purpose_") else {
                    continue;
                };
                if value.is_empty() {
                    continue;
                }
                let pid = stored
                    .catalog
                    .purposes
                    .iter()
                    .find(|p| p.key.as_str() == key)
                    .and_then(|p| stored.ids.purposes.get(&p.key).copied())
                    .filter(|id| eligible.contains(id))
                    .ok_or("requests.error_purpose")?;
                items.push(NewItem { purpose: Some(pid), ..Default::default() });
            }
            if items.is_empty() {
                return Err("requests.error_purpose_none");
            }
            if kind == RequestKind::AutomatedDecisionReview && statement.is_empty() {
                return Err("requests.error_statement_needed");
            }
        }
        RequestKind::Restriction => {
            for (name, value) in form {
                let Some(key) = name.strip_prefix("category_") else {
                    continue;
                };
                if value.is_empty() {
                    continue;
                }
                let cid: CategoryId = stored
                    .catalog
                    .categories
                    .iter()
                    .find(|c| c.key.as_str() == key)
                    .and_then(|c| stored.ids.categories.get(&c.key).copied())
                    .ok_or("requests.error_category")?;
                items.push(NewItem { category: Some(cid), ..Default::default() });
            }
            if statement.is_empty() {
                return Err("requests.error_statement_needed");
            }
        }
        RequestKind::Access | RequestKind::Portability | RequestKind::Erasure => {}
    }
    Ok(Validated { entity, statement, items })
}

/// `POST /requests/new/{kind}`: files a request.
pub async fn file_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    kind: web::Path<String>,
    form: CsrfForm<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let kind = parse_kind(&kind)?;
    let CsrfForm { form, session } = form;
    let me = SubjectAccess::of_session(&state, session.clone(), &format!("/requests/new/{}", kind.as_str())).await?;
    let subject = me.subject_id;
    if kind == RequestKind::Erasure && me.assisted_by.is_none() {
        // Erasure cannot be undone: it needs a sign-in of the last minutes (OTP-10).
        // (A staff member's assisted session began minutes ago with a verified code.)
        require_recent_sign_in(&session, &state, "/requests/new/erasure")?;
    }
    let basis = Basis::load(&state, subject, kind).await?;
    let stored = state.catalog.clone();
    let ctx = PageContext::for_request(&req, Some(&session));
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let on_behalf = match &me.assisted_by {
        None => None,
        Some(_) => {
            let reason = match on_behalf::check_reason(form.get("reason").map(String::as_str).unwrap_or("")) {
                Ok(r) => r,
                Err(key) => return refused(&state, ctx, kind, basis, subject, unprocessable, key, None, form).await,
            };
            on_behalf::prepare(&state, &me, reason, move |l| {
                let name = messages(l).get(kind_key(kind)).into_owned();
                if l == crate::domain::Language::Nl {
                    format!("een verzoek ingediend: {name}")
                } else {
                    format!("filed a request: {name}")
                }
            })
            .await?
        }
    };
    let (actor, staff_user, channel) = match &me.assisted_by {
        Some(staff) => (me.actor(), Some(staff.id), "phone"),
        None => (me.actor(), None, "web"),
    };
    if let Availability::NotOffered(why) = basis.availability(kind, &stored) {
        return refused(&state, ctx, kind, basis, subject, unprocessable, why, None, form).await;
    }
    let valid = match validate(kind, &form, &basis, &stored) {
        Ok(v) => v,
        Err(why) => {
            tracing::info!(subject.id = %subject, kind = kind.as_str(), reason = why, "rights request refused: invalid");
            return refused(&state, ctx, kind, basis, subject, unprocessable, why, None, form).await;
        }
    };
    let entity = valid.entity;
    let now = state.clock.now();
    let immediate = decided_at_once(kind, &valid.items, &stored, &state.settings);
    let public_id = PublicId::new();
    let summary = basis.summary().clone();
    let confirm = {
        let public_base = state.public_base.clone();
        let reference = reference(public_id.as_str());
        let link = format!("{public_base}/requests/{public_id}");
        let keys = state.keys.clone();
        move |done: bool| -> Result<Option<Vec<u8>>, DbError> {
            let Some(email) = &summary.email else { return Ok(None) };
            let texts = messages(summary.language);
            let message = mail::request_received(
                email,
                &summary.display_name,
                summary.language,
                &reference,
                &texts.get(kind_key(kind)),
                &texts.date(due_at(now).date()),
                done,
                &link,
            )
            .map_err(|e| DbError::Rejected(format!("cannot render the confirmation: {e}")))?;
            let payload = serde_json::to_vec(&message).map_err(|e| DbError::Rejected(e.to_string()))?;
            Ok(Some(keys.seal(&payload)))
        }
    };
    // Rendered before the transaction, which holds the single writer (SQLite) and row
    // locks; only an immediate decision's outcome is known later.
    let prepared = if immediate { None } else { confirm(false)? };
    let st = state.clone();
    let filed = state
        .db
        .transaction(move |c| {
            // No check for an open request of this kind first: the unique index
            // `rights_requests_one_open` (migration 15) refuses the insert, on both
            // backends and for two submissions at once, and nothing is written before it.
            let filed = requests::create(
                c,
                NewRequest {
                    public_id,
                    subject,
                    kind,
                    entity,
                    statement: &valid.statement,
                    items: valid.items.clone(),
                    status: RequestStatus::Received,
                    channel,
                    staff_user,
                    now,
                },
            )?;
            if let Some(ob) = &on_behalf {
                ob.record(c, &st.keys, StaffAction::Request, &reference(&filed.public_id), now)?;
            }
            let filing_audited = |c: &mut DbConnection| {
                audit::append(
                    c,
                    &actor,
                    crate::domain::audit::action::REQUEST_FILED,
                    Some(subject.0),
                    Some("request"),
                    Some(&filed.public_id),
                    serde_json::json!({ "kind": kind.as_str() }),
                    now,
                )
            };
            if immediate {
                // The decision's own audit events follow the filing's.
                filing_audited(c)?;
                let engine = Engine { stored: &stored, keys: &st.keys, public_base: &st.public_base };
                let status =
                    decisions::decide(c, &engine, &filed.public_id, &Decision::Approve, &Actor::System, now)?.status;
                if let Some(sealed) = confirm(status == "completed")? {
                    outbox::enqueue(c, "email", sealed, now, None)?;
                }
            } else {
                if let Some(sealed) = prepared {
                    outbox::enqueue(c, "email", sealed, now, None)?;
                }
                filing_audited(c)?;
            }
            Ok(filed)
        })
        .await;
    let existing = match filed {
        Ok(filed) => {
            state.outbox_wakeup.notify_one();
            tracing::info!(subject.id = %subject, kind = kind.as_str(), request = %filed.public_id, "rights request filed");
            return Ok(see_other(&format!("/requests/{}", filed.public_id)));
        }
        // An open request of this kind for this scope: found to link it in the refusal
        // (none when it closed meanwhile; the form is shown again and can be sent again).
        // Both backends name the index in the message; any other unique key is an error
        // of its own, not a duplicate request.
        Err(DbError::Conflict(why)) if why.contains("rights_requests_one_open") => {
            state.db.run(move |c| requests::open_of_kind(c, subject, kind, entity)).await?
        }
        Err(e) => return Err(e.into()),
    };
    let why = "requests.error_duplicate";
    refused(&state, ctx, kind, basis, subject, StatusCode::CONFLICT, why, existing, form).await
}

/// Withdrawals of consent, and objections naming only direct-marketing purposes, take
/// effect when filed (Arts. 7(3) and 21(3)); other kinds when settings say so.
fn decided_at_once(
    kind: RequestKind,
    items: &[NewItem],
    stored: &StoredCatalog,
    settings: &crate::settings::Settings,
) -> bool {
    settings.requests.auto_approve.contains(&kind)
        || match kind {
            RequestKind::Withdrawal => true,
            RequestKind::Objection => {
                items.iter().all(|i| i.purpose.and_then(|p| stored.purpose(p)).is_some_and(|p| p.marketing))
            }
            _ => false,
        }
}

/// One step of a request's history.
pub struct TimelineEntry {
    /// When (formatted).
    pub at: String,
    /// Message key of what happened.
    pub what: &'static str,
    /// Details (a reason, a date).
    pub detail: String,
}

/// One onward change of a request.
pub struct TaskRow {
    /// Recipient.
    pub recipient: String,
    /// The entity that disclosed to it.
    pub entity: String,
    /// Message key of the action.
    pub action: &'static str,
    /// Message key of the status (overdue when open past its due date).
    pub status: &'static str,
    /// Stable status name for styling and tests: pending, overdue, applied, declined.
    pub state: &'static str,
    /// Due (formatted).
    pub due: String,
    /// When it was answered (formatted).
    pub answered: Option<String>,
    /// Why it was declined.
    pub decline_reason: Option<String>,
}

/// The person's view of a task's state.
pub fn task_row(
    t: &propagation::TaskView,
    stored: &StoredCatalog,
    texts: &crate::i18n::Messages,
    now: time::OffsetDateTime,
) -> TaskRow {
    let (status, state) = match t.status.as_str() {
        "applied" => ("task_status.applied", "applied"),
        "declined" => ("task_status.declined", "declined"),
        _ if t.is_overdue(now) => ("task_status.overdue", "overdue"),
        other => (task_status_key(other), "pending"),
    };
    TaskRow {
        recipient: stored.recipient(t.recipient).map(|r| r.name.clone()).unwrap_or_default(),
        entity: stored.entity(t.entity).map(|e| e.legal_name.clone()).unwrap_or_default(),
        action: action_key(&t.action),
        status,
        state,
        due: texts.date(t.due_at.date()),
        answered: t.resolved_at.map(|at| texts.date_time(at)),
        decline_reason: t.decline_reason.clone(),
    }
}

/// `GET /requests/{id}`.
#[derive(Template, WebTemplate)]
#[template(path = "subject/request.html")]
pub struct RequestPage {
    ctx: PageContext,
    reference: String,
    kind: &'static str,
    scope: Option<String>,
    status: &'static str,
    rejected: bool,
    received: String,
    due: String,
    statement: String,
    items: Vec<String>,
    timeline: Vec<TimelineEntry>,
    tasks: Vec<TaskRow>,
    authorities: Vec<(String, String, String)>,
    public_id: String,
    certificate: bool,
}

/// `GET /requests/{id}`: the status of one of the person's requests; 404 for any id that
/// is not theirs (so ids of other people's requests look like ids that do not exist).
pub async fn request_page(
    ctx: PageContext,
    me: SubjectAccess,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<RequestPage, AppError> {
    let public_id = crate::domain::ids::PublicId::parse(&id).ok_or(AppError::NotFound)?;
    let subject = me.subject_id;
    let lookup = public_id.to_string();
    // One connection, and only what the page shows: the request, the records it names,
    // its onward changes and a restriction's lifting.
    let found = state
        .db
        .run(move |c| {
            let Some(detail) = requests::find(c, subject, &lookup)? else { return Ok(None) };
            let named: Vec<_> = detail.items.iter().filter_map(|i| i.record).collect();
            let records = subject_data::records_named(c, subject, &named)?;
            let request_id = crate::domain::ids::RequestId(detail.summary.id);
            let tasks = propagation::for_subject(c, subject, Some(request_id))?;
            Ok(Some((detail, records, tasks, restrictions::of_request(c, request_id)?)))
        })
        .await?;
    let (detail, records, tasks, lift) = found.ok_or(AppError::NotFound)?;
    let stored = &state.catalog;
    let language = ctx.lang;
    let texts = messages(language);
    let now = state.clock.now();
    let s = &detail.summary;
    let mut timeline = vec![TimelineEntry {
        at: texts.date_time(s.received_at),
        what: "request.event_received",
        detail: String::new(),
    }];
    if let (Some(extended), Some(reason)) = (s.extended_due_at, &detail.extension_reason) {
        timeline.push(TimelineEntry {
            at: texts.date(extended.date()),
            what: "request.event_extended",
            detail: reason.clone(),
        });
    }
    if let Some(decided) = detail.decided_at {
        timeline.push(TimelineEntry {
            at: texts.date_time(decided),
            what: "request.event_decided",
            detail: detail.decision_reason.clone().unwrap_or_default(),
        });
    }
    if let Some(done) = s.completed_at {
        timeline.push(TimelineEntry {
            at: texts.date_time(done),
            what: "request.event_completed",
            detail: String::new(),
        });
    }
    // Lifting a restriction comes after its decision (and usually its completion).
    if let Some(lift) = &lift {
        timeline.push(TimelineEntry {
            at: texts.date_time(lift.announced_at),
            what: "request.event_lift_announced",
            detail: format!("{} {} — {}", texts.get("request.lift_on"), texts.date(lift.lift_at.date()), lift.reason),
        });
        if let Some(lifted) = lift.lifted_at {
            timeline.push(TimelineEntry {
                at: texts.date_time(lifted),
                what: "request.event_lifted",
                detail: String::new(),
            });
        }
    }
    let items = detail
        .items
        .iter()
        .map(|item| {
            let what = if let Some(record) = item.record.and_then(|r| records.iter().find(|x| x.id == r)) {
                let category = stored.category(record.category);
                let label =
                    category.map(|c| stored.field_label(c, &record.field, language).to_owned()).unwrap_or_default();
                match &item.proposed_value {
                    Some(v) => format!("{label}: {} → {v}", record.value),
                    None => format!("{label}: {}", record.value),
                }
            } else if let Some(p) = item.purpose.and_then(|p| stored.purpose(p)) {
                p.name.get(language).to_owned()
            } else if let Some(c) = item.category.and_then(|c| stored.category(c)) {
                c.name.get(language).to_owned()
            } else {
                String::new()
            };
            let outcome = match item.outcome.as_str() {
                "applied" => texts.get("request.item_applied"),
                "kept" => texts.get("request.item_kept"),
                "rejected" => texts.get("request.item_rejected"),
                _ => texts.get("request.item_pending"),
            };
            match &item.kept_reason {
                Some(why) => {
                    let purpose = stored
                        .catalog
                        .purposes
                        .iter()
                        .find(|p| p.key.as_str() == why)
                        .map(|p| p.name.get(language).to_owned())
                        .unwrap_or_else(|| why.clone());
                    match item.kept_until {
                        Some(until) => {
                            format!(
                                "{what} — {outcome}: {purpose}, {} {}",
                                texts.get("request.kept_until"),
                                texts.date(until)
                            )
                        }
                        None => format!("{what} — {outcome}: {purpose}"),
                    }
                }
                None => format!("{what} — {outcome}"),
            }
        })
        .collect();
    let authorities =
        stored.catalog.authorities.iter().map(|a| (a.name.clone(), a.website.clone(), a.phone.clone())).collect();
    Ok(RequestPage {
        reference: reference(&s.public_id),
        kind: kind_key(s.kind),
        scope: s.entity.and_then(|e| stored.entity(e)).map(|e| e.legal_name.clone()),
        status: status_key(s.status),
        rejected: s.status == RequestStatus::Rejected,
        received: texts.date_time(s.received_at),
        due: texts.date(s.extended_due_at.unwrap_or(s.due_at).date()),
        statement: detail.statement.clone(),
        items,
        timeline,
        tasks: tasks.iter().map(|t| task_row(t, stored, texts, now)).collect(),
        authorities,
        certificate: s.status == RequestStatus::Completed,
        public_id: s.public_id.clone(),
        ctx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Language;

    /// Keys built at run time are not seen by the i18n tests; check them here.
    #[test]
    fn every_kind_and_status_has_its_texts() {
        for language in Language::ALL {
            let texts = messages(*language);
            for kind in RequestKind::ALL {
                for key in [
                    kind_key(*kind).to_owned(),
                    format!("{}_about", kind_key(*kind)),
                    format!("{}_intro", kind_key(*kind)),
                ] {
                    assert!(texts.has(&key), "{key} ({language})");
                }
            }
            for status in RequestStatus::ALL {
                assert!(texts.has(status_key(*status)), "{status}");
            }
        }
    }
}
