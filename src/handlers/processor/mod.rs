//! The processor sub-portal: a recipient organisation's users see the onward changes
//! addressed to it — only those, and only the data in them — and confirm each as
//! applied or decline it with a reason. Every query is scoped to the user's recipient,
//! so another organisation's task is simply "not found" (404).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::queries::decisions::Engine;
use crate::db::queries::tasks::{self, Answer, ResolveError, Task, View};
use crate::domain::audit::Actor;
use crate::domain::ids::EntityId;
use crate::error::AppError;
use crate::export::formula_safe;
use crate::extractors::session::CurrentProcessor;
use crate::extractors::{CsrfForm, PageContext};
use crate::handlers::{render, see_other, task_cursor};
use crate::i18n::messages;
use crate::state::AppState;
use crate::task_documents::task_json;

/// Longest reference, note or reason a recipient can give (characters).
pub const MAX_ANSWER_CHARS: usize = 2000;

/// One task in the inbox.
pub struct TaskRow {
    /// Public id.
    pub id: String,
    /// Message key of the action.
    pub action: &'static str,
    /// Entity name.
    pub entity: String,
    /// Due (formatted).
    pub due: String,
    /// Message key of the status.
    pub status: &'static str,
    /// Past due and open.
    pub overdue: bool,
    /// Open (can be confirmed in bulk).
    pub open: bool,
}

/// `GET /processor`.
#[derive(Template, WebTemplate)]
#[template(path = "processor/inbox.html")]
pub struct InboxPage {
    ctx: PageContext,
    organisation: String,
    user: String,
    view: &'static str,
    tasks: Vec<TaskRow>,
    counts: (i64, i64, i64),
    /// The cursor of the next page, if there is one.
    next_page: Option<String>,
    /// Whether this is a later page (it links back to the first).
    paged: bool,
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

fn status_key(task: &Task, now: time::OffsetDateTime) -> &'static str {
    if task.is_overdue(now) {
        return "task_status.overdue";
    }
    crate::handlers::subject::preferences::task_status_key(&task.status)
}

fn organisation(state: &AppState, user: &crate::db::queries::processors::ProcessorUser) -> String {
    state.catalog.recipient(user.recipient).map(|r| r.name.clone()).unwrap_or_default()
}

/// `?view=open|overdue|done&after=` (`after`: the cursor of the page before).
#[derive(Deserialize)]
pub struct InboxQuery {
    view: Option<String>,
    after: Option<String>,
}

/// Tasks on one page of the inbox; the next page starts after the last of them.
pub const INBOX_PAGE: usize = 100;

/// `GET /processor`: the organisation's tasks: open, overdue or done.
pub async fn inbox(
    ctx: PageContext,
    me: CurrentProcessor,
    state: web::Data<AppState>,
    query: web::Query<InboxQuery>,
) -> Result<InboxPage, AppError> {
    let view = match query.view.as_deref().map(View::parse) {
        None => View::Open,
        Some(Some(v)) => v,
        Some(None) => return Err(AppError::NotFound),
    };
    let after = match query.after.as_deref() {
        None => None,
        Some(token) => Some(task_cursor::decode(token).ok_or_else(|| {
            AppError::BadRequest("This page link is not one the portal gave out. Start from the first page.".into())
        })?),
    };
    let recipient = me.user.recipient;
    let now = state.clock.now();
    let (mut list, open, overdue, done) = state
        .db
        .run(move |c| {
            let counts = tasks::counts(c, recipient, now)?;
            let page = tasks::list(c, recipient, view, now, INBOX_PAGE as i64 + 1, after)?;
            Ok((page, counts.open, counts.overdue, counts.done))
        })
        .await?;
    // One more than a page was asked for: if it came, there is a next page.
    let next_page = (list.len() > INBOX_PAGE).then(|| {
        list.truncate(INBOX_PAGE);
        list.last().map(task_cursor::encode).unwrap_or_default()
    });
    let texts = messages(ctx.lang);
    let rows = list
        .iter()
        .map(|t| TaskRow {
            id: t.public_id.clone(),
            action: action_key(&t.action),
            entity: state.catalog.entity(EntityId(t.entity_id)).map(|e| e.legal_name.clone()).unwrap_or_default(),
            due: texts.date(t.due_at.date()),
            status: status_key(t, now),
            overdue: t.is_overdue(now),
            open: t.resolved_at.is_none(),
        })
        .collect();
    Ok(InboxPage {
        organisation: organisation(&state, &me.user),
        user: me.user.display_name.clone(),
        view: match view {
            View::Open => "open",
            View::Overdue => "overdue",
            View::Done => "done",
            View::All => "all",
        },
        tasks: rows,
        counts: (open, overdue, done),
        next_page,
        paged: after.is_some(),
        ctx,
    })
}

/// `GET /processor/tasks/{id}`.
#[derive(Template)]
#[template(path = "processor/task.html")]
pub struct TaskPage {
    ctx: PageContext,
    id: String,
    action: &'static str,
    status: &'static str,
    entity: String,
    due: String,
    open: bool,
    details: Vec<(String, String)>,
    resolution: Option<String>,
    deliveries: Vec<String>,
    error: Option<&'static str>,
}

async fn task_page(
    ctx: PageContext,
    me: &CurrentProcessor,
    state: &AppState,
    id: String,
    error: Option<&'static str>,
) -> Result<TaskPage, AppError> {
    let recipient = me.user.recipient;
    let lookup = id.clone();
    let (task, deliveries) = state
        .db
        .run(move |c| {
            let Some(task) = tasks::get(c, recipient, &lookup)? else { return Ok((None, Vec::new())) };
            let deliveries = tasks::deliveries(c, task.id)?;
            Ok((Some(task), deliveries))
        })
        .await?;
    let task = task.ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let texts = messages(ctx.lang);
    let doc = task_json(&task, &state.catalog, now);
    let mut details = Vec::new();
    for key in ["request", "identifiers", "categories", "corrected", "purpose", "channel"] {
        if let Some(value) = doc.get(key).filter(|v| !v.is_null()) {
            let shown = match value {
                serde_json::Value::Object(map) => map
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                    .collect::<Vec<_>>()
                    .join("; "),
                serde_json::Value::Array(items) => {
                    items.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                }
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            details.push((key.to_owned(), shown));
        }
    }
    let resolution = task.resolved_at.map(|at| {
        let what = if task.status == "applied" {
            format!("{} {}", texts.get("processor.confirmed_on"), texts.date_time(at))
        } else {
            format!(
                "{} {}: {}",
                texts.get("processor.declined_on"),
                texts.date_time(at),
                task.decline_reason.clone().unwrap_or_default()
            )
        };
        match &task.resolution_reference {
            Some(r) => format!("{what} ({r})"),
            None => what,
        }
    });
    Ok(TaskPage {
        id: task.public_id.clone(),
        action: action_key(&task.action),
        status: status_key(&task, now),
        entity: state.catalog.entity(EntityId(task.entity_id)).map(|e| e.legal_name.clone()).unwrap_or_default(),
        due: texts.date(task.due_at.date()),
        open: task.resolved_at.is_none(),
        details,
        resolution,
        deliveries: deliveries
            .iter()
            .map(|d| {
                format!(
                    "#{} {} — {}",
                    d.attempt,
                    texts.date_time(d.at),
                    d.status_code.map(|c| c.to_string()).or(d.error.clone()).unwrap_or_default()
                )
            })
            .collect(),
        error,
        ctx,
    })
}

/// `GET /processor/tasks/{id}`: one task, with the minimum data to act on it.
pub async fn task(
    ctx: PageContext,
    me: CurrentProcessor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &task_page(ctx, &me, &state, id.into_inner(), None).await?)
}

/// The confirm form.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    note: String,
}

/// The decline form.
#[derive(Deserialize)]
pub struct DeclineForm {
    #[serde(default)]
    reason: String,
}

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.chars().filter(|c| !c.is_control() || *c == '\n').collect())
}

async fn answer(
    state: &AppState,
    me: &CurrentProcessor,
    id: &str,
    answer: Answer,
) -> Result<Result<Task, ResolveError>, AppError> {
    let now = state.clock.now();
    let st = state.clone();
    let recipient = me.user.recipient;
    let user = me.user.id;
    let actor = Actor::Processor(me.user.public_id.clone());
    let id = id.to_owned();
    Ok(state
        .db
        .transaction(move |c| {
            let engine = Engine { stored: &st.catalog, keys: &st.keys, public_base: &st.public_base };
            tasks::resolve(c, &engine, recipient, &id, &answer, &actor, Some(user), None, "portal", now)
        })
        .await?)
}

fn processor_of(
    form_session: &crate::db::queries::sessions::SessionRecord,
    me: &CurrentProcessor,
) -> Result<(), AppError> {
    if form_session.id == me.session.id { Ok(()) } else { Err(AppError::CsrfRejected) }
}

/// `POST /processor/tasks/{id}/confirm`.
pub async fn confirm(
    req: actix_web::HttpRequest,
    me: CurrentProcessor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    processor_of(&form.session, &me)?;
    let ctx = PageContext::for_request(&req, Some(&form.session));
    let (reference, note) = (optional(&form.form.reference), optional(&form.form.note));
    if reference.as_ref().is_some_and(|r| r.chars().count() > MAX_ANSWER_CHARS)
        || note.as_ref().is_some_and(|n| n.chars().count() > MAX_ANSWER_CHARS)
    {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &task_page(ctx, &me, &state, id.into_inner(), Some("processor.error_too_long")).await?,
        );
    }
    match answer(&state, &me, &id, Answer::Applied { reference, note }).await? {
        Ok(_) => Ok(see_other(&format!("/processor/tasks/{id}"))),
        Err(ResolveError::NotFound) => Err(AppError::NotFound),
        Err(ResolveError::AlreadyAnswered(_)) => render(
            StatusCode::CONFLICT,
            &task_page(ctx, &me, &state, id.into_inner(), Some("processor.error_already")).await?,
        ),
    }
}

/// `POST /processor/tasks/{id}/decline`: needs a reason.
pub async fn decline(
    req: actix_web::HttpRequest,
    me: CurrentProcessor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<DeclineForm>,
) -> Result<HttpResponse, AppError> {
    processor_of(&form.session, &me)?;
    let ctx = PageContext::for_request(&req, Some(&form.session));
    let Some(reason) = optional(&form.form.reason).filter(|r| r.chars().count() <= MAX_ANSWER_CHARS) else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &task_page(ctx, &me, &state, id.into_inner(), Some("processor.error_reason")).await?,
        );
    };
    match answer(&state, &me, &id, Answer::Declined { reason }).await? {
        Ok(_) => Ok(see_other(&format!("/processor/tasks/{id}"))),
        Err(ResolveError::NotFound) => Err(AppError::NotFound),
        Err(ResolveError::AlreadyAnswered(_)) => render(
            StatusCode::CONFLICT,
            &task_page(ctx, &me, &state, id.into_inner(), Some("processor.error_already")).await?,
        ),
    }
}

/// `POST /processor/tasks/confirm`: confirms every ticked task (`task_<id>=on`).
pub async fn confirm_bulk(
    me: CurrentProcessor,
    state: web::Data<AppState>,
    form: CsrfForm<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    processor_of(&form.session, &me)?;
    let ids: Vec<String> = form.form.keys().filter_map(|k| k.strip_prefix("task_")).map(str::to_owned).collect();
    if ids.is_empty() || ids.len() > 500 {
        return Err(AppError::BadRequest("tick between 1 and 500 tasks".into()));
    }
    // All or nothing: one id that is not this organisation's task undoes the lot.
    let now = state.clock.now();
    let st = state.clone();
    let (recipient, user, actor) = (me.user.recipient, me.user.id, Actor::Processor(me.user.public_id.clone()));
    state
        .db
        .transaction(move |c| {
            let engine = Engine { stored: &st.catalog, keys: &st.keys, public_base: &st.public_base };
            for id in &ids {
                let applied = Answer::Applied { reference: None, note: None };
                match tasks::resolve(c, &engine, recipient, id, &applied, &actor, Some(user), None, "portal", now)? {
                    Ok(_) | Err(ResolveError::AlreadyAnswered(_)) => {}
                    Err(ResolveError::NotFound) => return Err(crate::db::DbError::NotFound),
                }
            }
            Ok(())
        })
        .await?;
    Ok(see_other("/processor?view=done"))
}

/// `GET /processor/tasks.csv`: the organisation's own tasks.
pub async fn export_csv(me: CurrentProcessor, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let recipient = me.user.recipient;
    let now = state.clock.now();
    let all = state.db.run(move |c| tasks::list(c, recipient, View::All, now, 100_000, None)).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let headers = [
        "id",
        "action",
        "entity",
        "status",
        "overdue",
        "created_at",
        "due_at",
        "resolved_at",
        "reference",
        "decline_reason",
        "identifiers",
        "categories",
        "corrected",
    ];
    writer.write_record(headers).map_err(|e| AppError::Internal(e.into()))?;
    for t in &all {
        let doc = task_json(t, &state.catalog, now);
        let cell = |key: &str| -> String {
            match doc.get(key) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            }
        };
        let row = [
            cell("id"),
            cell("action"),
            doc["entity"]["key"].as_str().unwrap_or_default().to_owned(),
            cell("status"),
            cell("overdue"),
            cell("created_at"),
            cell("due_at"),
            cell("resolved_at"),
            doc["resolution"]["reference"].as_str().unwrap_or_default().to_owned(),
            doc["resolution"]["decline_reason"].as_str().unwrap_or_default().to_owned(),
            cell("identifiers"),
            cell("categories"),
            cell("corrected"),
        ];
        writer.write_record(row.iter().map(|c| formula_safe(c))).map_err(|e| AppError::Internal(e.into()))?;
    }
    let body = writer.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((CONTENT_DISPOSITION, "attachment; filename=\"tasks.csv\""))
        .body(body))
}
