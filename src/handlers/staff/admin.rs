//! Administration (admins only): staff accounts and roles, processor users, their API
//! tokens and webhooks. Secrets (tokens, webhook secrets) are shown once, on the page
//! that created them. Every change is an audit event by the admin. The catalog stays
//! configuration.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::callers::EmptyForm;
use crate::db::queries::processors::{self, ProcessorUser};
use crate::db::queries::staff::{self, StaffUser};
use crate::db::queries::tokens::{self, NewToken, TokenInfo};
use crate::db::queries::{audit, sessions, webhooks};
use crate::db::{DbConnection, DbError};
use crate::domain::EmailAddress;
use crate::domain::audit::action;
use crate::domain::ids::RecipientId;
use crate::domain::staff::{Permission, StaffRole};
use crate::error::AppError;
use crate::extractors::{CsrfForm, CurrentStaff, PageContext};
use crate::handlers::render;
use crate::i18n::messages;
use crate::state::AppState;

/// A recipient with its webhook.
pub struct RecipientRow {
    /// Catalog key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Webhook URL and whether it is active.
    pub webhook: Option<(String, bool)>,
}

/// `GET /staff/admin`.
#[derive(Template)]
#[template(path = "staff/admin.html")]
pub struct AdminPage {
    ctx: PageContext,
    staff: Vec<StaffUser>,
    processors: Vec<(ProcessorUser, String)>,
    tokens: Vec<(TokenInfo, String, String)>,
    source_tokens: Vec<(TokenInfo, String, String)>,
    entities: Vec<(String, String)>,
    recipients: Vec<RecipientRow>,
    roles: Vec<(&'static str, &'static str)>,
    message: Option<&'static str>,
    error: Option<&'static str>,
    secret: Option<String>,
}

async fn page(
    req: &HttpRequest,
    me: &CurrentStaff,
    state: &AppState,
    message: Option<&'static str>,
    error: Option<&'static str>,
    secret: Option<String>,
) -> Result<AdminPage, AppError> {
    let keys: Vec<(RecipientId, String, String)> = state
        .catalog
        .catalog
        .recipients
        .iter()
        .filter_map(|r| state.catalog.ids.recipients.get(&r.key).map(|id| (*id, r.key.to_string(), r.name.clone())))
        .collect();
    let lookup = keys.clone();
    let (staff_list, users, token_list, hooks) = state
        .db
        .run(move |c| {
            let mut hooks = Vec::new();
            for (id, _, _) in &lookup {
                hooks.push(webhooks::describe(c, *id)?);
            }
            Ok((staff::list(c)?, processors::list(c, None)?, tokens::list(c)?, hooks))
        })
        .await?;
    let name_of = |id: RecipientId| state.catalog.recipient(id).map(|r| r.name.clone()).unwrap_or_default();
    let ctx = PageContext::for_request(req, Some(&me.session));
    let texts = messages(ctx.lang);
    Ok(AdminPage {
        staff: staff_list,
        processors: users
            .into_iter()
            .map(|u| {
                let n = name_of(u.recipient);
                (u, n)
            })
            .collect(),
        source_tokens: token_list
            .iter()
            .filter(|t| t.kind == "ingest")
            .map(|t| {
                let scope = match &t.entity_scope {
                    Some(s) => s.join(", "),
                    None => texts.get("admin.all_entities").into_owned(),
                };
                let used = t.last_used_at.map(|u| texts.date_time(u)).unwrap_or_else(|| "—".into());
                (t.clone(), scope, used)
            })
            .collect(),
        entities: state.catalog.catalog.entities.iter().map(|e| (e.key.to_string(), e.legal_name.clone())).collect(),
        tokens: token_list
            .into_iter()
            .filter(|t| t.kind == "processor")
            .map(|t| {
                let n = t.recipient.map(name_of).unwrap_or_default();
                let used = t.last_used_at.map(|u| texts.date_time(u)).unwrap_or_else(|| "—".into());
                (t, n, used)
            })
            .collect(),
        recipients: keys
            .into_iter()
            .zip(hooks)
            .map(|((_, key, name), webhook)| RecipientRow { key, name, webhook })
            .collect(),
        roles: StaffRole::ALL.iter().map(|r| (r.as_str(), r.label_key())).collect(),
        message,
        error,
        secret,
        ctx,
    })
}

/// `GET /staff/admin`.
pub async fn show(req: HttpRequest, me: CurrentStaff, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    me.require(Permission::Administer)?;
    render(StatusCode::OK, &page(&req, &me, &state, None, None, None).await?)
}

/// Checks the form belongs to this session and the admin role; then runs `change` in
/// one transaction and shows the page with its outcome (the message, or the error).
async fn apply<F>(
    req: &HttpRequest,
    me: &CurrentStaff,
    state: &AppState,
    form_session: &crate::db::queries::sessions::SessionRecord,
    change: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<Result<(&'static str, Option<String>), &'static str>, DbError>
        + Send
        + 'static,
{
    if form_session.id != me.session.id {
        return Err(AppError::CsrfRejected);
    }
    me.require(Permission::Administer)?;
    let outcome = state
        .db
        .transaction(move |c| match change(c)? {
            Ok(done) => Ok(done),
            // Refusals roll back (nothing half-done), then show their message.
            Err(key) => Err(DbError::Rejected(key.to_owned())),
        })
        .await;
    match outcome {
        Ok((message, secret)) => {
            state.outbox_wakeup.notify_one();
            render(StatusCode::OK, &page(req, me, state, Some(message), None, secret).await?)
        }
        Err(DbError::Rejected(key)) => {
            let key = ERRORS.iter().copied().find(|k| *k == key).unwrap_or("admin.error_invalid");
            render(StatusCode::UNPROCESSABLE_ENTITY, &page(req, me, state, None, Some(key), None).await?)
        }
        Err(DbError::Conflict(_)) => {
            render(StatusCode::CONFLICT, &page(req, me, state, None, Some("admin.error_exists"), None).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Every message key a refusal may carry.
const ERRORS: &[&str] = &[
    "admin.error_invalid",
    "admin.error_email",
    "admin.error_name",
    "admin.error_role",
    "admin.error_recipient",
    "admin.error_label",
    "admin.error_source",
    "admin.error_unknown",
    "admin.error_self",
    "admin.error_url",
    "admin.error_federated",
];

fn name_ok(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err("admin.error_name");
    }
    Ok(name.to_owned())
}

fn recipient(state: &AppState, key: &str) -> Result<(RecipientId, String), &'static str> {
    let r = state.catalog.catalog.recipients.iter().find(|r| r.key.as_str() == key).ok_or("admin.error_recipient")?;
    let id = state.catalog.ids.recipients.get(&r.key).copied().ok_or("admin.error_recipient")?;
    Ok((id, r.name.clone()))
}

/// New staff.
#[derive(Deserialize)]
pub struct StaffForm {
    email: String,
    name: String,
    role: String,
}

/// `POST /staff/admin/staff`: a local account.
pub async fn add_staff(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    form: CsrfForm<StaffForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let (actor, now) = (me.actor(), state.clock.now());
    let checked = EmailAddress::parse(&form.email)
        .map_err(|_| "admin.error_email")
        .and_then(|e| Ok((e, name_ok(&form.name)?, form.role.parse::<StaffRole>().map_err(|_| "admin.error_role")?)));
    apply(&req, &me, &state, &session, move |c| {
        let (email, name, role) = match checked {
            Ok(v) => v,
            Err(key) => return Ok(Err(key)),
        };
        let user = staff::create(c, &email, &name, role, now)?;
        audit::append(
            c,
            &actor,
            action::STAFF_ADDED,
            None,
            Some("staff_user"),
            Some(&user.public_id),
            serde_json::json!({ "role": role.as_str() }),
            now,
        )?;
        Ok(Ok(("admin.staff_added", None)))
    })
    .await
}

/// A role change.
#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

fn staff_by_public_id(c: &mut DbConnection, public_id: &str) -> Result<Option<StaffUser>, DbError> {
    Ok(staff::list(c)?.into_iter().find(|u| u.public_id == public_id))
}

/// `POST /staff/admin/staff/{id}/role`.
pub async fn set_role(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let (actor, now, myself) = (me.actor(), state.clock.now(), me.user.id);
    let (id, role) = (id.into_inner(), form.role.parse::<StaffRole>().map_err(|_| "admin.error_role"));
    apply(&req, &me, &state, &session, move |c| {
        let role = match role {
            Ok(r) => r,
            Err(key) => return Ok(Err(key)),
        };
        let Some(user) = staff_by_public_id(c, &id)? else { return Ok(Err("admin.error_unknown")) };
        if user.id == myself {
            return Ok(Err("admin.error_self"));
        }
        if user.federated {
            return Ok(Err("admin.error_federated"));
        }
        staff::set_role(c, user.id, role)?;
        // A new role takes effect at the next sign-in.
        sessions::delete_all_for_staff_user(c, user.id)?;
        audit::append(
            c,
            &actor,
            action::STAFF_ROLE_CHANGED,
            None,
            Some("staff_user"),
            Some(&user.public_id),
            serde_json::json!({ "role": role.as_str() }),
            now,
        )?;
        Ok(Ok(("admin.role_changed", None)))
    })
    .await
}

/// `POST /staff/admin/staff/{id}/disable`.
pub async fn disable_staff(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, myself, id) = (me.actor(), state.clock.now(), me.user.id, id.into_inner());
    apply(&req, &me, &state, &form.session, move |c| {
        let Some(user) = staff_by_public_id(c, &id)? else { return Ok(Err("admin.error_unknown")) };
        if user.id == myself {
            return Ok(Err("admin.error_self"));
        }
        staff::set_disabled(c, user.id, true, now)?;
        sessions::delete_all_for_staff_user(c, user.id)?;
        audit::append(
            c,
            &actor,
            action::STAFF_DISABLED,
            None,
            Some("staff_user"),
            Some(&user.public_id),
            serde_json::json!({}),
            now,
        )?;
        Ok(Ok(("admin.staff_disabled", None)))
    })
    .await
}

/// New processor user.
#[derive(Deserialize)]
pub struct ProcessorForm {
    recipient: String,
    email: String,
    name: String,
}

/// `POST /staff/admin/processors`: invites a processor user (the invitation is mailed).
pub async fn invite_processor(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    form: CsrfForm<ProcessorForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let (actor, now) = (me.actor(), state.clock.now());
    let checked = recipient(&state, &form.recipient).and_then(|r| {
        Ok((r, EmailAddress::parse(&form.email).map_err(|_| "admin.error_email")?, name_ok(&form.name)?))
    });
    let st = state.clone();
    apply(&req, &me, &state, &session, move |c| {
        let ((recipient, organisation), email, name) = match checked {
            Ok(v) => v,
            Err(key) => return Ok(Err(key)),
        };
        processors::invite_and_notify(
            c,
            &st.keys,
            &st.public_base,
            &organisation,
            recipient,
            &email,
            &name,
            &actor,
            now,
        )?;
        Ok(Ok(("admin.processor_invited", None)))
    })
    .await
}

/// `POST /staff/admin/processors/{id}/disable`.
pub async fn disable_processor(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (me.actor(), state.clock.now(), id.into_inner());
    apply(&req, &me, &state, &form.session, move |c| {
        let Some(user) = processors::by_public_id(c, &id)? else { return Ok(Err("admin.error_unknown")) };
        processors::set_disabled(c, user.id, true, now)?;
        sessions::delete_all_for_processor_user(c, user.id)?;
        audit::append(
            c,
            &actor,
            action::PROCESSOR_USER_DISABLED,
            None,
            Some("processor_user"),
            Some(&user.public_id),
            serde_json::json!({}),
            now,
        )?;
        Ok(Ok(("admin.processor_disabled", None)))
    })
    .await
}

/// New token.
#[derive(Deserialize)]
pub struct TokenForm {
    recipient: String,
    label: String,
}

/// `POST /staff/admin/tokens`: a processor API token, shown once.
pub async fn create_token(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    form: CsrfForm<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let (actor, now) = (me.actor(), state.clock.now());
    let label = form.label.trim().to_owned();
    let checked = recipient(&state, &form.recipient)
        .and_then(|r| if label.is_empty() || label.chars().count() > 100 { Err("admin.error_label") } else { Ok(r) });
    apply(&req, &me, &state, &session, move |c| {
        let (recipient, _) = match checked {
            Ok(v) => v,
            Err(key) => return Ok(Err(key)),
        };
        let (_, token) = tokens::issue_recorded(
            c,
            NewToken {
                kind: "processor",
                recipient: Some(recipient),
                source_system: None,
                entity_scope: None,
                label: &label,
            },
            &actor,
            now,
        )?;
        Ok(Ok(("admin.token_created", Some(token))))
    })
    .await
}

/// New source-system token: `entity.<key>=on` for each entity it may write (none: all).
#[derive(Deserialize)]
pub struct SourceTokenForm {
    source: String,
    label: String,
    #[serde(flatten)]
    entities: std::collections::HashMap<String, String>,
}

/// `POST /staff/admin/source-tokens`: an ingestion API token for one source system,
/// optionally limited to some entities, shown once.
pub async fn create_source_token(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    form: CsrfForm<SourceTokenForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let (actor, now) = (me.actor(), state.clock.now());
    let label = form.label.trim().to_owned();
    let source = crate::domain::catalog::Key::parse(form.source.trim()).map(|k| k.to_string());
    let mut scope = Vec::new();
    let mut unknown = false;
    for key in form.entities.keys().filter_map(|k| k.strip_prefix("entity.")) {
        match state.catalog.catalog.entities.iter().find(|e| e.key.as_str() == key) {
            Some(e) => scope.push(e.key.to_string()),
            None => unknown = true,
        }
    }
    scope.sort();
    let checked = match source {
        Err(_) => Err("admin.error_source"),
        Ok(_) if unknown => Err("admin.error_invalid"),
        Ok(_) if label.is_empty() || label.chars().count() > 100 => Err("admin.error_label"),
        Ok(s) => Ok(s),
    };
    apply(&req, &me, &state, &session, move |c| {
        let source = match checked {
            Ok(s) => s,
            Err(key) => return Ok(Err(key)),
        };
        let (_, token) = tokens::issue_recorded(
            c,
            NewToken {
                kind: "ingest",
                recipient: None,
                source_system: Some(&source),
                entity_scope: (!scope.is_empty()).then_some(scope),
                label: &label,
            },
            &actor,
            now,
        )?;
        Ok(Ok(("admin.token_created", Some(token))))
    })
    .await
}

/// `POST /staff/admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (me.actor(), state.clock.now(), id.into_inner());
    apply(&req, &me, &state, &form.session, move |c| {
        if !tokens::revoke(c, &id, now)? {
            return Ok(Err("admin.error_unknown"));
        }
        audit::append(c, &actor, action::TOKEN_REVOKED, None, Some("token"), Some(&id), serde_json::json!({}), now)?;
        Ok(Ok(("admin.token_revoked", None)))
    })
    .await
}

/// A webhook URL.
#[derive(Deserialize)]
pub struct WebhookForm {
    recipient: String,
    url: String,
}

/// `POST /staff/admin/webhooks`: points a recipient's webhook at a URL; the signing
/// secret is shown once.
pub async fn set_webhook(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    form: CsrfForm<WebhookForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let (actor, now) = (me.actor(), state.clock.now());
    let allow_private = state.settings.webhooks.allow_private_targets;
    let checked = recipient(&state, &form.recipient).and_then(|r| {
        Ok((r, crate::webhooks::check_url(form.url.trim(), allow_private).map_err(|_| "admin.error_url")?))
    });
    let keys = state.keys.clone();
    apply(&req, &me, &state, &session, move |c| {
        let ((recipient, _), url) = match checked {
            Ok(v) => v,
            Err(key) => return Ok(Err(key)),
        };
        let secret = webhooks::configure(c, &keys, recipient, &url, &actor, now)?;
        Ok(Ok(("admin.webhook_set", Some(secret))))
    })
    .await
}

/// `POST /staff/admin/webhooks/{recipient}/remove`.
pub async fn remove_webhook(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    key: web::Path<String>,
    form: CsrfForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    let (actor, now) = (me.actor(), state.clock.now());
    let found = recipient(&state, &key);
    apply(&req, &me, &state, &form.session, move |c| {
        let (recipient, _) = match found {
            Ok(v) => v,
            Err(key) => return Ok(Err(key)),
        };
        if !webhooks::remove(c, recipient, &actor, now)? {
            return Ok(Err("admin.error_unknown"));
        }
        Ok(Ok(("admin.webhook_removed", None)))
    })
    .await
}
