//! The signed-in person's account: their sessions (see and end them, sign out
//! everywhere) and their authenticator app (enrol with a QR code, recovery codes,
//! remove it after a recent sign-in).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use time::OffsetDateTime;

use super::{render, see_other};
use crate::auth::totp::{AuthenticatorSecret, generate_recovery_codes, normalize_recovery_code};
use crate::db::DbError;
use crate::db::queries::{authenticators, sessions, subjects};
use crate::error::AppError;
use crate::extractors::session::{removal_cookie, require_recent_sign_in};
use crate::extractors::{CsrfForm, CurrentSubject, PageContext};
use crate::state::AppState;

/// One session as the person sees it.
pub struct SessionRow {
    handle: String,
    browser: String,
    started: String,
    last_seen: String,
    method: &'static str,
    current: bool,
}

/// `GET /account`.
#[derive(Template, WebTemplate)]
#[template(path = "account/overview.html")]
pub struct AccountPage {
    ctx: PageContext,
    email: String,
    authenticator: bool,
    recovery_left: i64,
    sessions: Vec<SessionRow>,
}

/// The authenticator page in its three states.
#[derive(Template, WebTemplate)]
#[template(path = "account/authenticator.html")]
pub struct AuthenticatorPage {
    ctx: PageContext,
    enrolled: bool,
    pending: Option<Enrolment>,
    error: Option<&'static str>,
}

/// What the person needs to add the portal to their app.
pub struct Enrolment {
    qr_png_base64: String,
    secret: String,
    uri: String,
}

/// Shown once after enrolment.
#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
pub struct RecoveryCodesPage {
    ctx: PageContext,
    codes: Vec<String>,
}

fn when(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(&f).unwrap_or_default()
}

/// A short description of a browser from its user agent.
fn browser_name(ua: &str) -> String {
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/", "curl/"]
        .iter()
        .find(|b| ua.contains(*b))
        .map(|b| b.trim_end_matches('/').replace("Edg", "Edge"))
        .unwrap_or_else(|| if ua.is_empty() { "?".into() } else { ua.chars().take(40).collect() });
    let system = ["Windows", "Android", "iPhone", "Mac OS", "Linux"].iter().find(|s| ua.contains(*s)).copied();
    match system {
        Some(system) => format!("{browser} ({system})"),
        None => browser,
    }
}

/// `GET /account`: registered address, authenticator status and sessions.
pub async fn overview(
    ctx: PageContext,
    me: CurrentSubject,
    state: web::Data<AppState>,
) -> Result<AccountPage, AppError> {
    let subject = me.subject_id;
    let (summary, authenticator, list) = state
        .db
        .run(move |c| {
            let summary = subjects::summary(c, subject)?;
            let authenticator = authenticators::find(c, subject)?.filter(|a| a.confirmed_at.is_some());
            let left = match &authenticator {
                Some(a) => authenticators::recovery_codes_left(c, a.id)?,
                None => 0,
            };
            Ok((summary, authenticator.map(|_| left), sessions::list_for_subject(c, subject)?))
        })
        .await?;
    let sessions = list
        .into_iter()
        .map(|s| SessionRow {
            current: s.id == me.session.id,
            browser: browser_name(&s.user_agent),
            started: when(s.times.created_at),
            last_seen: when(s.times.last_seen_at),
            method: if s.auth_method.as_deref() == Some("oidc") {
                "account.method_oidc"
            } else {
                "account.method_email"
            },
            handle: s.handle,
        })
        .collect();
    Ok(AccountPage {
        ctx,
        email: summary.email.map(|e| e.to_string()).unwrap_or_default(),
        authenticator: authenticator.is_some(),
        recovery_left: authenticator.unwrap_or(0),
        sessions,
    })
}

/// Names one session.
#[derive(Deserialize)]
pub struct SessionHandle {
    session: String,
}

/// `POST /account/sessions/end`: ends one of the person's sessions.
pub async fn end_session(state: web::Data<AppState>, form: CsrfForm<SessionHandle>) -> Result<HttpResponse, AppError> {
    let Some(subject) = form.session.subject_id else {
        return Err(AppError::SignInRequired { next: "/account".into() });
    };
    let handle = form.form.session.clone();
    let own = handle == form.session.handle;
    state.db.transaction(move |c| sessions::delete_by_handle(c, subject, &handle)).await?;
    if own {
        let mut response = see_other("/?signed_out=1");
        response.add_cookie(&removal_cookie(&state)).map_err(|e| AppError::Internal(e.into()))?;
        return Ok(response);
    }
    Ok(see_other("/account"))
}

/// A form with no fields besides the CSRF token.
#[derive(Deserialize)]
pub struct NoFields {}

fn signed_in(form: &CsrfForm<NoFields>) -> Result<crate::domain::ids::SubjectId, AppError> {
    match (form.session.stage, form.session.subject_id) {
        (crate::auth::session::SessionStage::Complete, Some(subject)) => Ok(subject),
        _ => Err(AppError::SignInRequired { next: "/account".into() }),
    }
}

/// `POST /account/sessions/end-others`: ends every other session.
pub async fn end_other_sessions(
    state: web::Data<AppState>,
    form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let subject = signed_in(&form)?;
    let keep = form.session.id;
    let ended = state.db.transaction(move |c| sessions::delete_all_for_subject(c, subject, Some(keep))).await?;
    tracing::info!(subject.id = %subject, ended, "other sessions ended");
    Ok(see_other("/account"))
}

/// `POST /account/sign-out-everywhere`: ends every session, this one included.
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let subject = signed_in(&form)?;
    let ended = state.db.transaction(move |c| sessions::delete_all_for_subject(c, subject, None)).await?;
    tracing::info!(subject.id = %subject, ended, "signed out everywhere");
    let mut response = see_other("/?signed_out=1");
    response.add_cookie(&removal_cookie(&state)).map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

async fn enrolment(
    state: &AppState,
    subject: crate::domain::ids::SubjectId,
) -> Result<(bool, Option<Enrolment>), AppError> {
    let (auth, summary) =
        state.db.run(move |c| Ok((authenticators::find(c, subject)?, subjects::summary(c, subject)?))).await?;
    let Some(auth) = auth else {
        return Ok((false, None));
    };
    if auth.confirmed_at.is_some() {
        return Ok((true, None));
    }
    let seed =
        AuthenticatorSecret::from_bytes(state.keys.open(&auth.secret_enc).map_err(|e| AppError::Internal(e.into()))?);
    let account = summary.email.map(|e| e.to_string()).unwrap_or_else(|| summary.display_name.clone());
    let issuer = &state.settings.authenticator.issuer;
    let pending = Enrolment {
        qr_png_base64: seed
            .qr_png_base64(issuer, &account)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?,
        uri: seed.otpauth_uri(issuer, &account).map_err(|e| AppError::Internal(anyhow::anyhow!("otpauth URI: {e}")))?,
        secret: seed.base32(),
    };
    Ok((false, Some(pending)))
}

/// `GET /account/authenticator`: status, or the QR code while enrolling.
pub async fn authenticator_page(
    ctx: PageContext,
    me: CurrentSubject,
    state: web::Data<AppState>,
) -> Result<AuthenticatorPage, AppError> {
    let (enrolled, pending) = enrolment(&state, me.subject_id).await?;
    Ok(AuthenticatorPage { ctx, enrolled, pending, error: None })
}

/// `POST /account/authenticator/start`: a new seed, shown as a QR code.
pub async fn start_enrolment(state: web::Data<AppState>, form: CsrfForm<NoFields>) -> Result<HttpResponse, AppError> {
    let subject = signed_in(&form)?;
    let sealed = state.keys.seal(AuthenticatorSecret::generate().as_bytes());
    let now = state.clock.now();
    state.db.transaction(move |c| authenticators::start_enrolment(c, subject, sealed, now)).await?;
    Ok(see_other("/account/authenticator"))
}

/// The confirming code.
#[derive(Deserialize)]
pub struct ConfirmForm {
    code: String,
}

/// `POST /account/authenticator/confirm`: proves the app works; shows recovery codes.
pub async fn confirm_enrolment(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let Some(subject) = session.subject_id.filter(|_| session.stage == crate::auth::session::SessionStage::Complete)
    else {
        return Err(AppError::SignInRequired { next: "/account/authenticator".into() });
    };
    let now = state.clock.now();
    let codes = generate_recovery_codes();
    let keys = state.keys.clone();
    let plain = codes.clone();
    let code = form.code.trim().to_owned();
    let confirmed = state
        .db
        .transaction(move |c| {
            let Some(auth) = authenticators::find(c, subject)?.filter(|a| a.confirmed_at.is_none()) else {
                return Ok(false);
            };
            let seed = keys.open(&auth.secret_enc).map_err(|e| DbError::Rejected(e.to_string()))?;
            let Some(step) =
                AuthenticatorSecret::from_bytes(seed).verify(&code, now.unix_timestamp().max(0) as u64, None)
            else {
                return Ok(false);
            };
            let hashes: Vec<String> = plain
                .iter()
                .filter_map(|c| normalize_recovery_code(c))
                .map(|c| keys.code_hash(&format!("recovery:{}", auth.id), &c))
                .collect();
            authenticators::confirm(c, auth.id, step, now, &hashes)
        })
        .await?;
    let ctx = PageContext::for_request(&req, Some(&session));
    if !confirmed {
        let (enrolled, pending) = enrolment(&state, subject).await?;
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AuthenticatorPage { ctx, enrolled, pending, error: Some("authenticator.error_code") },
        );
    }
    tracing::info!(subject.id = %subject, "authenticator app enrolled");
    render(StatusCode::OK, &RecoveryCodesPage { ctx, codes })
}

/// `POST /account/authenticator/remove`: a sensitive action, so it needs a recent
/// sign-in.
pub async fn remove_authenticator(
    state: web::Data<AppState>,
    form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let subject = signed_in(&form)?;
    require_recent_sign_in(&form.session, &state, "/account/authenticator")?;
    state.db.transaction(move |c| authenticators::remove(c, subject)).await?;
    tracing::info!(subject.id = %subject, "authenticator app removed");
    Ok(see_other("/account"))
}

#[cfg(test)]
mod tests {
    use super::browser_name;

    #[test]
    fn browsers_are_named_briefly() {
        assert_eq!(
            browser_name(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"
            ),
            "Chrome (Linux)"
        );
        assert_eq!(
            browser_name("Mozilla/5.0 (Windows NT 10.0; rv:130.0) Gecko/20100101 Firefox/130.0"),
            "Firefox (Windows)"
        );
        assert_eq!(browser_name(""), "?");
    }
}
