//! Marketing preferences: a grid per entity × channel (whatever the catalog declares),
//! one action per change, each change an append-only consent event with the statement
//! version shown; the history; Global Privacy Control; the signed consent receipt.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::DbError;
use crate::db::queries::preferences::{self, ConsentChange};
use crate::db::queries::propagation;
use crate::db::queries::staff_actions::StaffAction;
use crate::db::queries::subject_data;
use crate::domain::ids::{ChannelId, EntityId, SubjectId};
use crate::error::AppError;
use crate::extractors::{CsrfForm, PageContext, SubjectAccess};
use crate::handlers::staff::on_behalf;
use crate::handlers::{render, see_other};
use crate::i18n::messages;
use crate::receipts;
use crate::state::AppState;

/// One cell of the grid.
pub struct Cell {
    /// Channel key.
    pub channel: String,
    /// Channel name.
    pub name: String,
    /// Agreed (`None`: never asked).
    pub granted: Option<bool>,
    /// Last change (formatted).
    pub updated: Option<String>,
    /// Shared with third parties (Global Privacy Control applies).
    pub sharing: bool,
}

/// One entity's row of cells.
pub struct EntityGrid {
    /// Key.
    pub key: String,
    /// Legal name.
    pub legal_name: String,
    /// Trade name.
    pub trade_name: Option<String>,
    /// The statement version consent is given under.
    pub notice_version: String,
    /// Cells.
    pub cells: Vec<Cell>,
}

/// One line of the consent history.
pub struct HistoryRow {
    /// When (formatted).
    pub at: String,
    /// Entity.
    pub entity: String,
    /// Channel or purpose.
    pub what: String,
    /// Given or withdrawn.
    pub granted: bool,
    /// Message key of how.
    pub method: &'static str,
    /// Statement version shown.
    pub notice_version: String,
    /// Recipients told to stop, with message keys of their status.
    pub notified: Vec<(String, &'static str)>,
}

/// `GET /preferences`.
#[derive(Template)]
#[template(path = "subject/preferences.html")]
pub struct PreferencesPage {
    ctx: PageContext,
    grids: Vec<EntityGrid>,
    history: Vec<HistoryRow>,
    gpc: bool,
    gpc_applied: usize,
    error: Option<&'static str>,
}

fn method_key(method: &str) -> &'static str {
    match method {
        "web" => "method.web",
        "support" => "method.support",
        "api" => "method.api",
        "gpc" => "method.gpc",
        _ => "method.import",
    }
}

/// Message key of a propagation task status.
pub fn task_status_key(status: &str) -> &'static str {
    match status {
        "delivered" => "task_status.delivered",
        "applied" => "task_status.applied",
        "declined" => "task_status.declined",
        _ => "task_status.pending",
    }
}

/// Whether the request carries the Global Privacy Control signal (only "1" counts).
pub fn sends_gpc(req: &HttpRequest) -> bool {
    req.headers().get("sec-gpc").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == "1")
}

/// Applies one change in one transaction, with `stop_marketing` tasks for recipients
/// doing marketing on that channel when consent is withdrawn. Returns whether anything
/// changed.
pub async fn change(
    state: &AppState,
    subject: SubjectId,
    entity: EntityId,
    channel: ChannelId,
    granted: bool,
    method: &'static str,
) -> Result<bool, DbError> {
    change_as(state, subject, entity, channel, granted, method, None).await
}

/// `change`, made by a staff member for the person when `on_behalf` is given: the
/// consent event names the staff member, and the action and notice are recorded with it.
pub async fn change_as(
    state: &AppState,
    subject: SubjectId,
    entity: EntityId,
    channel: ChannelId,
    granted: bool,
    method: &'static str,
    on_behalf: Option<on_behalf::OnBehalf>,
) -> Result<bool, DbError> {
    let stored = state.catalog.clone();
    let notice_version = stored.entity(entity).map(|e| e.notice_version.clone()).unwrap_or_default();
    let now = state.clock.now();
    let keys = state.keys.clone();
    let detail = format!(
        "{}/{}",
        stored.entity(entity).map(|e| e.key.as_str()).unwrap_or_default(),
        stored.channel(channel).map(|c| c.key.as_str()).unwrap_or_default()
    );
    state
        .db
        .transaction(move |c| {
            let staff_id = on_behalf.as_ref().map(|ob| ob.staff().public_id.clone());
            let change = ConsentChange {
                subject,
                entity,
                channel,
                granted,
                method: if on_behalf.is_some() { "support" } else { method },
                actor_kind: if on_behalf.is_some() { "staff" } else { "subject" },
                actor_id: staff_id.as_deref(),
                notice_version: &notice_version,
                now,
            };
            let Some(event) = preferences::set(c, &change)? else {
                return Ok(false);
            };
            if !granted {
                propagation::stop_marketing(c, &stored, subject, entity, channel, event, None, now)?;
            }
            if let Some(ob) = &on_behalf {
                ob.record(c, &keys, StaffAction::Preference, &detail, now)?;
            }
            Ok(true)
        })
        .await
}

/// A request with `Sec-GPC: 1` opts the person out of every channel the catalog marks
/// as sharing (online advertising, social media); recorded as method `gpc`. Returns how
/// many choices it changed.
pub async fn apply_gpc(req: &HttpRequest, state: &AppState, subject: SubjectId) -> Result<usize, AppError> {
    if !sends_gpc(req) {
        return Ok(0);
    }
    let current = state.db.run(move |c| subject_data::preferences(c, subject)).await?;
    let mut changed = 0;
    for p in current.into_iter().filter(|p| p.granted) {
        if state.catalog.channel(p.channel).is_some_and(|c| c.sharing)
            && change(state, subject, p.entity, p.channel, false, "gpc").await?
        {
            changed += 1;
        }
    }
    if changed > 0 {
        tracing::info!(subject.id = %subject, changed, "Global Privacy Control applied as opt-out");
    }
    Ok(changed)
}

async fn page(
    ctx: PageContext,
    state: &AppState,
    subject: SubjectId,
    gpc: bool,
    gpc_applied: usize,
    error: Option<&'static str>,
) -> Result<PreferencesPage, AppError> {
    let catalog = state.catalog.clone();
    let data = state.db.run(move |c| subject_data::load(c, subject, &catalog)).await?;
    let tasks = state.db.run(move |c| propagation::for_subject(c, subject, None)).await?;
    let stored = &state.catalog;
    let language = ctx.lang;
    let texts = messages(language);
    let mut grids = Vec::new();
    for entity in &stored.catalog.entities {
        let Some(entity_id) = stored.ids.entities.get(&entity.key).copied() else {
            continue;
        };
        let related = data.relationships.iter().any(|r| r.entity == entity_id)
            || data.preferences.iter().any(|p| p.entity == entity_id);
        if !related || entity.marketing_channels.is_empty() {
            continue;
        }
        let cells = entity
            .marketing_channels
            .iter()
            .filter_map(|key| {
                let channel = stored.catalog.channels.iter().find(|c| &c.key == key)?;
                let channel_id = stored.ids.channels.get(key).copied()?;
                let pref = data.preferences.iter().find(|p| p.entity == entity_id && p.channel == channel_id);
                Some(Cell {
                    channel: key.to_string(),
                    name: channel.name.get(language).to_owned(),
                    granted: pref.map(|p| p.granted),
                    updated: pref.map(|p| texts.date(p.updated_at.date())),
                    sharing: channel.sharing,
                })
            })
            .collect();
        grids.push(EntityGrid {
            key: entity.key.to_string(),
            legal_name: entity.legal_name.clone(),
            trade_name: entity.trade_name.clone(),
            notice_version: entity.notice_version.clone(),
            cells,
        });
    }
    let history = data
        .consent_events
        .iter()
        .map(|e| HistoryRow {
            at: texts.date_time(e.at),
            entity: stored.entity(e.entity).map(|x| x.legal_name.clone()).unwrap_or_default(),
            what: e
                .channel
                .and_then(|c| stored.channel(c))
                .map(|c| c.name.get(language).to_owned())
                .or_else(|| e.purpose.and_then(|p| stored.purpose(p)).map(|p| p.name.get(language).to_owned()))
                .unwrap_or_default(),
            granted: e.granted,
            method: method_key(&e.method),
            notice_version: e.notice_version.clone(),
            notified: tasks
                .iter()
                .filter(|t| t.consent_event == Some(e.id))
                .filter_map(|t| Some((stored.recipient(t.recipient)?.name.clone(), task_status_key(&t.status))))
                .collect(),
        })
        .collect();
    Ok(PreferencesPage { ctx, grids, history, gpc, gpc_applied, error })
}

/// `GET /preferences`: the grid and its history.
pub async fn preferences_page(
    req: HttpRequest,
    ctx: PageContext,
    me: SubjectAccess,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    // A staff member's browser signal is not the person's choice.
    let own = me.assisted_by.is_none();
    let applied = if own { apply_gpc(&req, &state, me.subject_id).await? } else { 0 };
    render(StatusCode::OK, &page(ctx, &state, me.subject_id, own && sends_gpc(&req), applied, None).await?)
}

/// One change.
#[derive(Deserialize)]
pub struct PreferenceForm {
    entity: String,
    channel: String,
    granted: String,
    /// Why, when a staff member changes it for the person.
    #[serde(default)]
    reason: String,
}

/// `POST /preferences`: turns one channel of one entity on or off.
pub async fn change_preference(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<PreferenceForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let me = SubjectAccess::of_session(&state, session.clone(), "/preferences").await?;
    let subject = me.subject_id;
    let stored = &state.catalog;
    let entity = stored.catalog.entities.iter().find(|e| e.key.as_str() == form.entity);
    let declared = entity.is_some_and(|e| e.marketing_channels.iter().any(|c| c.as_str() == form.channel));
    let granted = match form.granted.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    let channel = stored.catalog.channels.iter().find(|c| c.key.as_str() == form.channel);
    let ids = entity
        .and_then(|e| stored.ids.entities.get(&e.key).copied())
        .zip(channel.and_then(|c| stored.ids.channels.get(&c.key).copied()));
    let refuse = |error: &'static str| async {
        let ctx = PageContext::for_request(&req, Some(&session));
        render(StatusCode::UNPROCESSABLE_ENTITY, &page(ctx, &state, subject, false, 0, Some(error)).await?)
    };
    let (Some((entity_id, channel_id)), true, Some(granted)) = (ids, declared, granted) else {
        tracing::info!(subject.id = %subject, "preference change refused: channel not declared for the entity");
        return refuse("preferences.error_channel").await;
    };
    let on_behalf = if me.assisted_by.is_some() {
        let reason = match on_behalf::check_reason(&form.reason) {
            Ok(r) => r,
            Err(key) => return refuse(key).await,
        };
        let (entity_name, channel_name) = (entity.map(|e| e.legal_name.clone()), channel.map(|c| c.name.clone()));
        on_behalf::prepare(&state, &me, reason, move |l| {
            let (e, ch) = (
                entity_name.clone().unwrap_or_default(),
                channel_name.as_ref().map(|n| n.get(l).to_owned()).unwrap_or_default(),
            );
            match (l, granted) {
                (crate::domain::Language::Nl, true) => format!("uw toestemming voor {ch} van {e} gegeven"),
                (crate::domain::Language::Nl, false) => format!("uw toestemming voor {ch} van {e} ingetrokken"),
                (_, true) => format!("turned {ch} marketing by {e} on"),
                (_, false) => format!("turned {ch} marketing by {e} off"),
            }
        })
        .await?
    } else {
        None
    };
    if change_as(&state, subject, entity_id, channel_id, granted, "web", on_behalf).await? {
        tracing::info!(subject.id = %subject, granted, "marketing preference changed");
        state.outbox_wakeup.notify_one();
    }
    Ok(see_other(&format!("/preferences#entity-{}", form.entity)))
}

/// `GET /consent-receipt`: a signed Kantara 1.1 receipt of the current preferences.
pub async fn consent_receipt(me: SubjectAccess, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let subject = me.subject_id;
    let catalog = state.catalog.clone();
    let data = state.db.run(move |c| subject_data::load_current(c, subject, &catalog)).await?;
    let key = state.keys.receipt_signing_key();
    let receipt_id = crate::domain::ids::PublicId::new();
    let receipt = receipts::receipt(&data, &state.catalog, state.clock.now(), receipt_id.as_str(), &key);
    let body =
        serde_json::to_vec_pretty(&receipts::document(receipt, &key)).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"consent-receipt-{receipt_id}.json\"")))
        .body(body))
}

/// `GET /consent-receipts/key`: the public key that verifies receipts (JWK).
pub async fn receipt_key(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/jwk+json"))
        .body(receipts::public_jwk(&state.keys.receipt_signing_key()).to_string())
}
