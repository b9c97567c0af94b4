//! The privacy officers' queue: filter requests, open one (a look at the person's data,
//! recorded on their "who looked" page), decide it (approve, approve in part naming the
//! records left out and the legal reason, or reject with reasons), extend its deadline,
//! and chase overdue recipients.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::Duration;

use super::callers::EmptyForm;
use crate::db::DbError;
use crate::db::queries::decisions::{self, Decision, Engine};
use crate::db::queries::queue::{self, QueueFilter};
use crate::db::queries::staff_actions::{self, NewStaffAction, StaffAction};
use crate::db::queries::{propagation, requests, subject_data, subjects};
use crate::domain::ids::{PublicId, RequestId, SubjectId};
use crate::domain::rights::{RequestKind, RequestStatus, reference};
use crate::domain::staff::Permission;
use crate::error::AppError;
use crate::extractors::{CsrfForm, CurrentStaff, PageContext};
use crate::handlers::subject::requests::{TaskRow, kind_key, status_key, task_row};
use crate::handlers::{render, see_other};
use crate::i18n::messages;
use crate::state::AppState;

/// Filters from the query string.
#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    due: String,
}

/// A line of the queue page.
pub struct Line {
    /// Public id.
    pub id: String,
    /// Reference.
    pub reference: String,
    /// Person.
    pub person: String,
    /// Message key of the kind.
    pub kind: &'static str,
    /// Message key of the status.
    pub status: &'static str,
    /// Scope.
    pub scope: String,
    /// Due (formatted).
    pub due: String,
    /// Past due and still open.
    pub overdue: bool,
    /// web or phone.
    pub channel: String,
}

/// `GET /staff/requests`.
#[derive(Template)]
#[template(path = "staff/queue.html")]
pub struct QueuePage {
    ctx: PageContext,
    lines: Vec<Line>,
    kinds: Vec<(&'static str, &'static str)>,
    entities: Vec<(String, String)>,
    kind: String,
    status: String,
    entity: String,
    due: String,
}

/// `GET /staff/requests?kind=&status=&entity=&due=`.
pub async fn list(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::DecideRequests)?;
    let stored = &state.catalog;
    let now = state.clock.now();
    let bad = |what: &str| AppError::BadRequest(format!("unknown {what} filter"));
    let kind = match query.kind.as_str() {
        "" => None,
        k => Some(k.parse::<RequestKind>().map_err(|_| bad("kind"))?),
    };
    let status = match query.status.as_str() {
        "" | "open" => Some("open".to_owned()),
        "all" => None,
        s => Some(s.parse::<RequestStatus>().map_err(|_| bad("status"))?.as_str().to_owned()),
    };
    let entity = match query.entity.as_str() {
        "" => None,
        key => Some(
            stored
                .ids
                .entities
                .iter()
                .find(|(k, _)| k.as_str() == key)
                .map(|(_, id)| *id)
                .ok_or_else(|| bad("entity"))?,
        ),
    };
    let due_before = match query.due.as_str() {
        "" => None,
        "overdue" => Some(now),
        "week" => Some(now + Duration::days(7)),
        _ => return Err(bad("due")),
    };
    let filter = QueueFilter { kind, status, entity, due_before };
    let rows = state.db.run(move |c| queue::list(c, &filter, 500)).await?;
    let ctx = PageContext::for_request(&req, Some(&me.session));
    let texts = messages(ctx.lang);
    let lines = rows
        .into_iter()
        .map(|r| Line {
            reference: reference(&r.public_id),
            id: r.public_id,
            person: r.person,
            kind: kind_key(r.kind),
            status: status_key(r.status),
            scope: r.entity.and_then(|e| stored.entity(e)).map(|e| e.legal_name.clone()).unwrap_or_default(),
            due: texts.date(r.due_at.date()),
            overdue: r.status.is_open() && r.due_at < now,
            channel: r.channel,
        })
        .collect();
    let page = QueuePage {
        ctx,
        lines,
        kinds: RequestKind::ALL.iter().map(|k| (k.as_str(), kind_key(*k))).collect(),
        entities: stored.catalog.entities.iter().map(|e| (e.key.to_string(), e.legal_name.clone())).collect(),
        kind: query.kind.clone(),
        status: if query.status.is_empty() { "open".into() } else { query.status.clone() },
        entity: query.entity.clone(),
        due: query.due.clone(),
    };
    render(StatusCode::OK, &page)
}

/// A record the decision may leave out.
pub struct Choice {
    /// Row id.
    pub id: i64,
    /// "Entity — category: field = value".
    pub label: String,
}

/// `GET /staff/requests/{id}`.
#[derive(Template)]
#[template(path = "staff/request.html")]
pub struct RequestPage {
    ctx: PageContext,
    id: String,
    reference: String,
    person: String,
    kind: &'static str,
    status: &'static str,
    scope: String,
    received: String,
    due: String,
    extended: Option<(String, String)>,
    statement: String,
    items: Vec<String>,
    decided: Option<String>,
    open: bool,
    can_extend: bool,
    choices: Vec<Choice>,
    tasks: Vec<(String, TaskRow)>,
    error: Option<&'static str>,
    message: Option<String>,
}

async fn page(
    req: &HttpRequest,
    me: &CurrentStaff,
    state: &AppState,
    public_id: &str,
    error: Option<&'static str>,
    message: Option<String>,
) -> Result<RequestPage, AppError> {
    let id = PublicId::parse(public_id).ok_or(AppError::NotFound)?.to_string();
    let (lookup, catalog) = (id.clone(), state.catalog.clone());
    let (subject, detail, data, tasks, person) = state
        .db
        .run(move |c| {
            let Some(subject) = requests::owner_of(c, &lookup)? else { return Ok(None) };
            let Some(detail) = requests::find(c, subject, &lookup)? else { return Ok(None) };
            let data = subject_data::load_current(c, subject, &catalog)?;
            let tasks = propagation::for_subject(c, subject, Some(RequestId(detail.summary.id)))?;
            let person = subjects::summary(c, subject)?.display_name;
            Ok(Some((subject, detail, data, tasks, person)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let stored = &state.catalog;
    let ctx = PageContext::for_request(req, Some(&me.session));
    let language = ctx.lang;
    let texts = messages(language);
    let now = state.clock.now();
    let s = &detail.summary;
    let label = |record: &subject_data::HeldRecord| {
        let entity = stored.entity(record.entity).map(|e| e.legal_name.as_str()).unwrap_or_default();
        let category = stored.category(record.category);
        let category_name = category.map(|c| c.name.get(language)).unwrap_or_default();
        let field = category.map(|c| stored.field_label(c, &record.field, language)).unwrap_or(&record.field);
        format!("{entity} — {category_name}: {field} = {}", record.value)
    };
    let items = detail
        .items
        .iter()
        .map(|item| {
            let what = item
                .record
                .and_then(|r| data.records.iter().find(|x| x.id == r))
                .map(label)
                .or_else(|| item.purpose.and_then(|p| stored.purpose(p)).map(|p| p.name.get(language).to_owned()))
                .or_else(|| item.category.and_then(|c| stored.category(c)).map(|c| c.name.get(language).to_owned()))
                .unwrap_or_default();
            match &item.proposed_value {
                Some(v) => format!("{what} → {v} ({})", item.outcome),
                None => format!("{what} ({})", item.outcome),
            }
        })
        .collect();
    let undecided = matches!(s.status, RequestStatus::Received | RequestStatus::AwaitingDecision);
    // What an "approve in part" can leave out: the records the request would touch.
    let choices = match s.kind {
        RequestKind::Erasure | RequestKind::Restriction if undecided => data
            .records
            .iter()
            .filter(|r| r.erased_at.is_none() && s.entity.is_none_or(|e| e == r.entity))
            .filter(|r| s.kind == RequestKind::Erasure || r.restricted_at.is_none())
            .map(|r| Choice { id: r.id.0, label: label(r) })
            .collect(),
        RequestKind::Rectification if undecided => detail
            .items
            .iter()
            .filter_map(|i| i.record.and_then(|r| data.records.iter().find(|x| x.id == r)))
            .map(|r| Choice { id: r.id.0, label: label(r) })
            .collect(),
        _ => Vec::new(),
    };
    let page = RequestPage {
        id: id.clone(),
        reference: reference(&s.public_id),
        person,
        kind: kind_key(s.kind),
        status: status_key(s.status),
        scope: s.entity.and_then(|e| stored.entity(e)).map(|e| e.legal_name.clone()).unwrap_or_default(),
        received: texts.date_time(s.received_at),
        due: texts.date(s.due_at.date()),
        extended: s
            .extended_due_at
            .map(|d| (texts.date(d.date()), detail.extension_reason.clone().unwrap_or_default())),
        statement: detail.statement.clone(),
        items,
        decided: detail.decided_at.map(|d| {
            format!(
                "{}{}",
                texts.date_time(d),
                detail.decision_reason.as_deref().map(|r| format!(" — {r}")).unwrap_or_default()
            )
        }),
        open: undecided,
        can_extend: s.status.is_open() && s.extended_due_at.is_none() && now < s.due_at,
        choices,
        tasks: tasks
            .iter()
            .filter(|t| t.consent_event.is_none())
            .map(|t| (t.public_id.clone(), task_row(t, stored, texts, now)))
            .collect(),
        error,
        message,
        ctx,
    };
    // Opening a request shows the person's data: on their record, like any other look.
    record(state, me, subject, StaffAction::Viewed, &format!("/staff/requests/{id}"), "").await?;
    Ok(page)
}

async fn record(
    state: &AppState,
    me: &CurrentStaff,
    subject: SubjectId,
    action: StaffAction,
    detail: &str,
    reason: &str,
) -> Result<(), AppError> {
    let (staff_user, public_id) = (me.user.id, me.user.public_id.clone());
    let (detail, reason, now) = (detail.to_owned(), reason.to_owned(), state.clock.now());
    state
        .db
        .transaction(move |c| {
            staff_actions::record(
                c,
                NewStaffAction {
                    staff_user,
                    staff_public_id: &public_id,
                    subject,
                    action,
                    channel: "email",
                    detail: &detail,
                    reason: &reason,
                    now,
                },
            )
        })
        .await?;
    Ok(())
}

/// `GET /staff/requests/{id}`.
pub async fn show(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::DecideRequests)?;
    render(StatusCode::OK, &page(&req, &me, &state, &id, None, None).await?)
}

fn same_session(form: &crate::db::queries::sessions::SessionRecord, me: &CurrentStaff) -> Result<(), AppError> {
    if form.id == me.session.id { Ok(()) } else { Err(AppError::CsrfRejected) }
}

/// `POST /staff/requests/{id}/decide`: `decision` = approve | partial | reject, with
/// `reason` and, for partial, `keep_<record id>` for each record left out.
pub async fn decide(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    same_session(&form.session, &me)?;
    me.require(Permission::DecideRequests)?;
    let public_id = PublicId::parse(&id).ok_or(AppError::NotFound)?.to_string();
    let fields = &form.form;
    let reason = fields.get("reason").map(|r| r.trim().to_owned()).unwrap_or_default();
    let refuse = |status: StatusCode, key: &'static str| {
        let (req, me, state, id) = (&req, &me, &state, &public_id);
        async move { render(status, &page(req, me, state, id, Some(key), None).await?) }
    };
    if reason.chars().count() > 2000 {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "queue.error_reason_long").await;
    }
    let decision = match fields.get("decision").map(String::as_str) {
        Some("approve") => Decision::Approve,
        Some("reject") if !reason.is_empty() => Decision::Reject { reason },
        Some("reject") => return refuse(StatusCode::UNPROCESSABLE_ENTITY, "queue.error_reason_required").await,
        Some("partial") => {
            let keep: Vec<i64> =
                fields.keys().filter_map(|k| k.strip_prefix("keep_")).filter_map(|k| k.parse().ok()).collect();
            if keep.is_empty() {
                return refuse(StatusCode::UNPROCESSABLE_ENTITY, "queue.error_keep_none").await;
            }
            if reason.is_empty() {
                return refuse(StatusCode::UNPROCESSABLE_ENTITY, "queue.error_reason_required").await;
            }
            let today = state.clock.now().date();
            let until = fields
                .get("until")
                .and_then(|d| time::Date::parse(d.trim(), &time::format_description::well_known::Iso8601::DATE).ok())
                .filter(|d| *d > today && *d <= today + Duration::days(3653));
            let Some(until) = until else {
                return refuse(StatusCode::UNPROCESSABLE_ENTITY, "queue.error_until").await;
            };
            // Only the person's own records, of this request's reach.
            let (lookup, catalog) = (public_id.clone(), state.catalog.clone());
            let owned = state
                .db
                .run(move |c| {
                    let Some(subject) = requests::owner_of(c, &lookup)? else { return Ok(Vec::new()) };
                    Ok(subject_data::load_current(c, subject, &catalog)?
                        .records
                        .iter()
                        .map(|r| r.id.0)
                        .collect::<Vec<_>>())
                })
                .await?;
            if keep.iter().any(|k| !owned.contains(k)) {
                return refuse(StatusCode::UNPROCESSABLE_ENTITY, "queue.error_keep_unknown").await;
            }
            Decision::ApproveExcept { keep, reason, until }
        }
        _ => return refuse(StatusCode::UNPROCESSABLE_ENTITY, "queue.error_decision").await,
    };
    let st = state.clone();
    let (actor, staff_id, now) = (me.actor(), me.user.id, state.clock.now());
    let lookup = public_id.clone();
    let outcome = state
        .db
        .transaction(move |c| {
            let engine = Engine { stored: &st.catalog, keys: &st.keys, public_base: &st.public_base };
            let result = decisions::decide(c, &engine, &lookup, &decision, &actor, now)?;
            queue::set_decided_by(c, &lookup, staff_id)?;
            Ok(result)
        })
        .await;
    match outcome {
        Ok(result) => {
            state.outbox_wakeup.notify_one();
            tracing::info!(request = %public_id, status = %result.status, tasks = result.tasks, "request decided by staff");
            Ok(see_other(&format!("/staff/requests/{public_id}")))
        }
        // Decided meanwhile (or twice): say so, change nothing.
        Err(DbError::Rejected(_)) => refuse(StatusCode::CONFLICT, "queue.error_decided").await,
        Err(e) => Err(e.into()),
    }
}

/// The extension form.
#[derive(Deserialize)]
pub struct ExtendForm {
    months: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/requests/{id}/extend`.
pub async fn extend(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<ExtendForm>,
) -> Result<HttpResponse, AppError> {
    same_session(&form.session, &me)?;
    me.require(Permission::DecideRequests)?;
    let public_id = PublicId::parse(&id).ok_or(AppError::NotFound)?.to_string();
    let months: u32 = form.form.months.trim().parse().unwrap_or(0);
    let reason = form.form.reason.clone();
    let st = state.clone();
    let (actor, now) = (me.actor(), state.clock.now());
    let lookup = public_id.clone();
    let outcome = state
        .db
        .transaction(move |c| {
            let engine = Engine { stored: &st.catalog, keys: &st.keys, public_base: &st.public_base };
            queue::extend(c, &engine, &lookup, months, &reason, &actor, now)
        })
        .await;
    match outcome {
        Ok(Ok(_)) => {
            state.outbox_wakeup.notify_one();
            Ok(see_other(&format!("/staff/requests/{public_id}")))
        }
        Ok(Err(refusal)) => {
            let status = match refusal {
                queue::ExtendRefusal::Months | queue::ExtendRefusal::Reason => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            render(status, &page(&req, &me, &state, &public_id, Some(refusal.message_key()), None).await?)
        }
        Err(DbError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `POST /staff/requests/{id}/tasks/{task}/resend`: chases an overdue recipient.
pub async fn resend(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: CsrfForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    same_session(&form.session, &me)?;
    me.require(Permission::DecideRequests)?;
    let (request, task) = path.into_inner();
    let request = PublicId::parse(&request).ok_or(AppError::NotFound)?.to_string();
    let task = PublicId::parse(&task).ok_or(AppError::NotFound)?.to_string();
    let st = state.clone();
    let (actor, now) = (me.actor(), state.clock.now());
    let (lookup_request, lookup_task) = (request.clone(), task.clone());
    let sent = state
        .db
        .transaction(move |c| {
            // The task must belong to this request.
            let Some(subject) = requests::owner_of(c, &lookup_request)? else { return Ok(false) };
            let Some(detail) = requests::find(c, subject, &lookup_request)? else { return Ok(false) };
            let tasks = propagation::for_subject(c, subject, Some(RequestId(detail.summary.id)))?;
            if !tasks.iter().any(|t| t.public_id == lookup_task) {
                return Ok(false);
            }
            let engine = Engine { stored: &st.catalog, keys: &st.keys, public_base: &st.public_base };
            queue::resend_task(c, &engine, &lookup_task, &actor, now)
        })
        .await?;
    if !sent {
        return Err(AppError::NotFound);
    }
    state.outbox_wakeup.notify_one();
    let message = Some(messages(PageContext::for_request(&req, None).lang).get("queue.resent").into_owned());
    render(StatusCode::OK, &page(&req, &me, &state, &request, None, message).await?)
}
