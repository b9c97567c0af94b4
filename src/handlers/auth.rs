//! Signing in and out: an e-mailed one-time code, or an OpenID Connect provider; then
//! the authenticator-app code for people who enrolled one.
//!
//! Whatever address is entered, the answer is the same: known addresses get a code by
//! e-mail (through the outbox, so SMTP time does not show), unknown ones a decoy
//! challenge that no code matches (OTP-09). Every code entry is counted by a
//! conditional UPDATE, so limits hold under parallel requests (OTP-03, OTP-06).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::Duration;

use super::{render, see_other};
use crate::auth::codes::{CodeInputError, OneTimeCode};
use crate::auth::keys::{constant_time_eq, random_token, token_hash};
use crate::auth::rate_limit::Limit;
use crate::auth::session::{SessionStage, expires_at};
use crate::auth::totp::{AuthenticatorSecret, SecondFactorInput};
use crate::db::queries::{authenticators, challenges, oidc_logins, outbox, rate_limits, sessions, subjects};
use crate::db::{DbConnection, DbError};
use crate::domain::EmailAddress;
use crate::domain::email_address::EmailAddressError;
use crate::domain::ids::PublicId;
use crate::email::messages;
use crate::error::AppError;
use crate::extractors::session::{
    client_address, ensure_session, load_session, removal_cookie, safe_next, session_cookie, user_agent,
};
use crate::extractors::{CsrfForm, PageContext};
use crate::state::AppState;

pub use crate::auth::session::Principal;

/// Challenge purpose for subjects signing in.
const SUBJECT_SIGN_IN: &str = "subject_sign_in";
/// How long an OpenID Connect login may take.
const OIDC_LOGIN_LIFETIME: Duration = Duration::minutes(10);

/// The sign-in page.
#[derive(Template)]
#[template(path = "auth/sign_in.html")]
pub struct SignInPage {
    ctx: PageContext,
    email: String,
    error: Option<&'static str>,
    next: String,
    reauth: bool,
    providers: Vec<(String, String)>,
}

/// The page asking for the e-mailed code.
#[derive(Template)]
#[template(path = "auth/code.html")]
pub struct CodePage {
    ctx: PageContext,
    error: Option<&'static str>,
    tries_left: Option<u32>,
    next: String,
    digits: u32,
    minutes: i64,
}

/// The page asking for the authenticator-app code.
#[derive(Template)]
#[template(path = "auth/second_factor.html")]
pub struct SecondFactorPage {
    ctx: PageContext,
    error: Option<&'static str>,
    next: String,
}

/// A short page with a title, a message and a way on.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    ctx: PageContext,
    title: &'static str,
    message: &'static str,
    link: &'static str,
    link_text: &'static str,
}

/// `?next=…&reauth=1`
#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    reauth: Option<String>,
}

/// The address form.
#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    #[serde(default)]
    next: String,
}

/// The code form.
#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    #[serde(default)]
    next: String,
}

/// A form with no fields besides the CSRF token.
#[derive(Deserialize)]
pub struct EmptyForm {}

fn providers(state: &AppState) -> Vec<(String, String)> {
    state.oidc.for_customers().map(|p| (p.key().to_owned(), p.label().to_owned())).collect()
}

pub(crate) fn with_cookie(
    mut response: HttpResponse,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> Result<HttpResponse, AppError> {
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(response)
}

/// `GET /sign-in`: the address form (and the identity providers).
pub async fn sign_in_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let (session, cookie) = ensure_session(&req).await?;
    let reauth = query.reauth.is_some();
    let next = safe_next(query.next.as_deref());
    if session.stage == SessionStage::Complete && !reauth {
        return Ok(see_other(&next));
    }
    let page = SignInPage {
        ctx: PageContext::for_request(&req, Some(&session)),
        email: String::new(),
        error: None,
        next,
        reauth,
        providers: providers(&state),
    };
    with_cookie(render(StatusCode::OK, &page)?, cookie)
}

/// Counts a hit against each limit, stopping at the first one exceeded; returns the
/// seconds to wait when one is.
pub(crate) async fn over_limit(state: &AppState, limits: Vec<Limit>) -> Result<Option<i64>, AppError> {
    let now = state.clock.now();
    Ok(state
        .db
        .transaction(move |c| {
            for limit in &limits {
                if rate_limits::hit(c, limit, now)? > limit.limit {
                    return Ok(Some(limit.retry_after(now)));
                }
            }
            Ok(None)
        })
        .await?)
}

pub(crate) fn too_many(mut response: HttpResponse, retry_after: i64) -> HttpResponse {
    if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

pub(crate) fn client_key(req: &HttpRequest, state: &AppState) -> String {
    state.keys.lookup_hash("client", &client_address(req, state.settings.security.trust_forwarded_for))
}

/// `POST /sign-in`: sends a code if the address is known; answers the same either way.
pub async fn request_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let s = state.settings.sign_in;
    let next = safe_next(Some(&form.next));
    let page = |error: &'static str, email: String| SignInPage {
        ctx: PageContext::for_request(&req, Some(&session)),
        email,
        error: Some(error),
        next: next.clone(),
        reauth: false,
        providers: providers(&state),
    };
    // Every attempt counts against the client, even a malformed one (OTP-08).
    let client = Limit {
        bucket: format!("send:client:{}", client_key(&req, &state)),
        limit: s.sends_per_client,
        window: Duration::minutes(15),
    };
    if let Some(wait) = over_limit(&state, vec![client]).await? {
        tracing::warn!(reason = "client", "sign-in code request refused: rate limit");
        crate::metrics::SIGN_IN_LOCKOUTS.with_label_values(&["code_requests"]).inc();
        return Ok(too_many(
            render(StatusCode::TOO_MANY_REQUESTS, &page("sign_in.error_rate_limited", String::new()))?,
            wait,
        ));
    }
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(e) => {
            let key = match e {
                EmailAddressError::Empty => "sign_in.error_empty",
                EmailAddressError::TooLong => "sign_in.error_too_long",
                EmailAddressError::Invalid => "sign_in.error_invalid",
            };
            tracing::info!("sign-in code request refused: malformed address");
            let typed: String = form.email.chars().filter(|c| !c.is_control()).take(254).collect();
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page(key, typed));
        }
    };
    let address = state.keys.lookup_hash("address", email.as_str());
    let limits = vec![
        Limit {
            bucket: format!("send:cooldown:{address}"),
            limit: 1,
            window: s.resend_cooldown.max(Duration::seconds(1)),
        },
        Limit { bucket: format!("send:address:{address}"), limit: s.sends_per_address, window: Duration::minutes(15) },
        Limit { bucket: "send:all".into(), limit: s.sends_per_minute, window: Duration::minutes(1) },
    ];
    let limits = if s.resend_cooldown.is_zero() { limits.into_iter().skip(1).collect() } else { limits };
    if let Some(wait) = over_limit(&state, limits).await? {
        tracing::warn!(reason = "address", "sign-in code request refused: rate limit");
        crate::metrics::SIGN_IN_LOCKOUTS.with_label_values(&["code_requests"]).inc();
        return Ok(too_many(
            render(StatusCode::TOO_MANY_REQUESTS, &page("sign_in.error_rate_limited", email.to_string()))?,
            wait,
        ));
    }

    let now = state.clock.now();
    let keys = state.keys.clone();
    let session_id = session.id;
    state
        .db
        .transaction(move |c| {
            let who = match subjects::find_by_email(c, &email)? {
                Some(subject_id) => {
                    let summary = subjects::summary(c, subject_id)?;
                    tracing::info!(subject.id = %subject_id, "sign-in code issued");
                    Some(CodeFor {
                        principal: Principal::Subject(subject_id),
                        name: summary.display_name,
                        language: summary.language,
                    })
                }
                None => {
                    tracing::info!("sign-in code requested for an address nobody has");
                    None
                }
            };
            issue_code(c, &keys, session_id, SUBJECT_SIGN_IN, &email, who, s, now)
        })
        .await?;
    state.outbox_wakeup.notify_one();
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Ok(see_other(&format!("/sign-in/code?next={next}")))
}

/// `GET /sign-in/code`: the code form.
pub async fn code_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let (session, cookie) = ensure_session(&req).await?;
    let page = CodePage {
        ctx: PageContext::for_request(&req, Some(&session)),
        error: None,
        tries_left: None,
        next: safe_next(query.next.as_deref()),
        digits: state.settings.sign_in.code_digits,
        minutes: state.settings.sign_in.code_lifetime.whole_minutes(),
    };
    with_cookie(render(StatusCode::OK, &page)?, cookie)
}

enum CodeOutcome {
    /// No usable challenge: none, expired, used, or out of tries.
    Dead,
    /// Wrong code; tries left.
    Wrong(u32),
    /// Signed in (maybe pending the second factor); the new session's token.
    SignedIn { token: String, stage: SessionStage },
}
/// Who a sign-in code goes to, when the address belongs to someone.
pub(crate) struct CodeFor {
    /// Who signs in with it.
    pub principal: Principal,
    /// Their name, for the greeting.
    pub name: String,
    /// Their language.
    pub language: crate::domain::Language,
}

/// Replaces the session's challenge of `purpose` and, for a known address, queues the
/// code by mail with the challenge (dropped if it cannot go out before it expires). For
/// an address nobody has, the challenge is a decoy: no code is sent and none matches,
/// but the flow and its limits behave exactly alike.
#[allow(clippy::too_many_arguments)]
pub(crate) fn issue_code(
    c: &mut DbConnection,
    keys: &crate::auth::keys::Keys,
    session_id: i64,
    purpose: &str,
    email: &EmailAddress,
    who: Option<CodeFor>,
    s: crate::settings::SignInSettings,
    now: time::OffsetDateTime,
) -> Result<(), DbError> {
    let public_id = PublicId::new();
    let expires = now + s.code_lifetime;
    let Some(who) = who else {
        let decoy = keys.code_hash(public_id.as_str(), &random_token());
        challenges::replace(c, session_id, purpose, None, public_id.as_str(), &decoy, now, expires)?;
        return Ok(());
    };
    let code = OneTimeCode::generate(s.code_digits, now);
    let hash = keys.code_hash(public_id.as_str(), code.as_str());
    challenges::replace(c, session_id, purpose, Some(who.principal), public_id.as_str(), &hash, now, expires)?;
    let mail = messages::sign_in_code(email, &who.name, who.language, code.as_str(), s.code_lifetime.whole_minutes())
        .map_err(|e| DbError::Rejected(format!("cannot render the sign-in mail: {e}")))?;
    let payload = serde_json::to_vec(&mail).map_err(|e| DbError::Rejected(e.to_string()))?;
    outbox::enqueue(c, "email", keys.seal(&payload), now, Some(expires))?;
    Ok(())
}

/// Replaces `old_session` with a fresh one for `subject` (new id, new CSRF token:
/// SESS-02), in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) fn rotate_session(
    c: &mut DbConnection,
    state: &AppState,
    old_session: i64,
    principal: impl Into<Principal>,
    stage: SessionStage,
    method: &str,
    oidc: Option<(&str, Vec<u8>)>,
    user_agent: &str,
) -> Result<String, DbError> {
    let principal = principal.into();
    let now = state.clock.now();
    let token = random_token();
    let (provider, id_token_enc) = match oidc {
        Some((p, t)) => (Some(p), Some(t)),
        None => (None, None),
    };
    sessions::create(
        c,
        sessions::NewSession {
            token_hash: &token_hash(&token),
            stage,
            principal: Some(principal),
            acting_for: None,
            csrf_token: &random_token(),
            user_agent,
            now,
            expires_at: expires_at(stage, now, &state.settings.sessions),
            auth_method: Some(method),
            oidc_provider: provider,
            id_token_enc,
        },
    )?;
    sessions::delete(c, old_session)?;
    Ok(token)
}

fn after_first_factor(next: &str, stage: SessionStage) -> String {
    match stage {
        SessionStage::SecondFactor => {
            let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
            format!("/sign-in/authenticator?next={next}")
        }
        _ => next.to_owned(),
    }
}

/// `POST /sign-in/code`: checks the code; on success a new session.
pub async fn verify_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let s = state.settings.sign_in;
    let next = safe_next(Some(&form.next));
    let page = |error: &'static str, tries_left: Option<u32>| CodePage {
        ctx: PageContext::for_request(&req, Some(&session)),
        error: Some(error),
        tries_left,
        next: next.clone(),
        digits: s.code_digits,
        minutes: s.code_lifetime.whole_minutes(),
    };
    let client = Limit {
        bucket: format!("entry:client:{}", client_key(&req, &state)),
        limit: s.entries_per_client,
        window: Duration::minutes(15),
    };
    if let Some(wait) = over_limit(&state, vec![client]).await? {
        tracing::warn!("sign-in code entry refused: rate limit");
        return Ok(too_many(render(StatusCode::TOO_MANY_REQUESTS, &page("code.error_rate_limited", None))?, wait));
    }
    let code = match OneTimeCode::parse(&form.code, s.code_digits) {
        Ok(code) => code,
        Err(e) => {
            let key = match e {
                CodeInputError::Empty => "code.error_empty",
                CodeInputError::NotDigits => "code.error_digits",
                CodeInputError::WrongLength => "code.error_length",
            };
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page(key, None));
        }
    };
    let now = state.clock.now();
    let ua = user_agent(&req);
    let st = state.clone();
    let session_id = session.id;
    let outcome = state
        .db
        .transaction(move |c| {
            let Some(challenge) = challenges::latest_open(c, session_id, SUBJECT_SIGN_IN)? else { return Ok(CodeOutcome::Dead) };
            if !challenges::count_attempt(c, challenge.id, s.max_code_attempts, now)? {
                return Ok(CodeOutcome::Dead);
            }
            let left = s.max_code_attempts.saturating_sub(challenge.attempts as u32 + 1);
            let expected = st.keys.code_hash(&challenge.public_id, code.as_str());
            let (true, Some(subject)) = (constant_time_eq(expected.as_bytes(), challenge.code_hash.as_bytes()), challenge.principal.and_then(Principal::subject)) else {
                return Ok(CodeOutcome::Wrong(left));
            };
            if !challenges::consume(c, challenge.id, now)? {
                return Ok(CodeOutcome::Dead);
            }
            let stage = if authenticators::is_enrolled(c, subject)? { SessionStage::SecondFactor } else { SessionStage::Complete };
            let token = rotate_session(c, &st, session_id, subject, stage, "email_code", None, &ua)?;
            tracing::info!(subject.id = %subject, method = "email_code", second_factor = (stage == SessionStage::SecondFactor), "sign-in: code accepted");
            Ok(CodeOutcome::SignedIn { token, stage })
        })
        .await?;
    match outcome {
        CodeOutcome::Dead => {
            tracing::info!("sign-in code refused: no usable challenge");
            render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_dead", None))
        }
        CodeOutcome::Wrong(left) => {
            tracing::info!(tries_left = left, "sign-in code refused: wrong code");
            crate::metrics::SIGN_IN_FAILURES.with_label_values(&["email_code"]).inc();
            if left == 0 {
                crate::metrics::SIGN_IN_LOCKOUTS.with_label_values(&["email_code"]).inc();
            }
            render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_wrong", Some(left)))
        }
        CodeOutcome::SignedIn { token, stage } => {
            with_cookie(see_other(&after_first_factor(&next, stage)), Some(session_cookie(&state, token)))
        }
    }
}

/// The authenticator-code form.
#[derive(Deserialize)]
pub struct SecondFactorForm {
    code: String,
    #[serde(default)]
    next: String,
}

/// `GET /sign-in/authenticator`: asks for the app code (after the first factor).
pub async fn second_factor_page(req: HttpRequest, query: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    let session = load_session(&req).await?;
    let Some(session) = session.filter(|s| s.stage == SessionStage::SecondFactor) else {
        return Ok(see_other("/sign-in"));
    };
    let page = SecondFactorPage {
        ctx: PageContext::for_request(&req, Some(&session)),
        error: None,
        next: safe_next(query.next.as_deref()),
    };
    render(StatusCode::OK, &page)
}

enum SecondFactorOutcome {
    Wrong,
    SignedIn(String),
}

/// `POST /sign-in/authenticator`: checks an app code (each step once) or a recovery
/// code (each once), at most `totp_failures_per_step` wrong tries per 30 s (TOTP-03).
pub async fn verify_second_factor(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<SecondFactorForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let next = safe_next(Some(&form.next));
    let (SessionStage::SecondFactor, Some(subject)) = (session.stage, session.subject_id) else {
        return Ok(see_other("/sign-in"));
    };
    let page = |error: &'static str| SecondFactorPage {
        ctx: PageContext::for_request(&req, Some(&session)),
        error: Some(error),
        next: next.clone(),
    };
    let Some(input) = SecondFactorInput::parse(&form.code) else {
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page("second_factor.error_format"));
    };
    let failures = Limit {
        bucket: format!("totp:subject:{subject}"),
        limit: state.settings.sign_in.totp_failures_per_step,
        window: Duration::seconds(30),
    };
    let now = state.clock.now();
    let check = failures.clone();
    if state.db.run(move |c| rate_limits::current(c, &check, now)).await? >= failures.limit {
        tracing::warn!(subject.id = %subject, "authenticator code refused: too many wrong codes this step");
        crate::metrics::SIGN_IN_LOCKOUTS.with_label_values(&["authenticator"]).inc();
        return Ok(too_many(
            render(StatusCode::TOO_MANY_REQUESTS, &page("second_factor.error_rate_limited"))?,
            failures.retry_after(now),
        ));
    }
    let ua = user_agent(&req);
    let st = state.clone();
    let session_id = session.id;
    let outcome = state
        .db
        .transaction(move |c| {
            let Some(auth) = authenticators::find(c, subject)?.filter(|a| a.confirmed_at.is_some()) else {
                return Ok(SecondFactorOutcome::Wrong);
            };
            let accepted = match &input {
                SecondFactorInput::Code(code) => {
                    let seed = st.keys.open(&auth.secret_enc).map_err(|e| DbError::Rejected(e.to_string()))?;
                    let step = AuthenticatorSecret::from_bytes(seed).verify(
                        code,
                        now.unix_timestamp().max(0) as u64,
                        auth.last_used_step,
                    );
                    match step {
                        Some(step) => authenticators::use_step(c, auth.id, step)?,
                        None => false,
                    }
                }
                SecondFactorInput::Recovery(code) => authenticators::use_recovery_code(
                    c,
                    auth.id,
                    &st.keys.code_hash(&format!("recovery:{}", auth.id), code),
                    now,
                )?,
            };
            if !accepted {
                return Ok(SecondFactorOutcome::Wrong);
            }
            let token = rotate_session(c, &st, session_id, subject, SessionStage::Complete, "email_code", None, &ua)?;
            Ok(SecondFactorOutcome::SignedIn(token))
        })
        .await?;
    match outcome {
        SecondFactorOutcome::Wrong => {
            state.db.transaction(move |c| rate_limits::hit(c, &failures, now)).await?;
            tracing::info!(subject.id = %subject, "authenticator code refused");
            crate::metrics::SIGN_IN_FAILURES.with_label_values(&["authenticator"]).inc();
            render(StatusCode::UNPROCESSABLE_ENTITY, &page("second_factor.error_wrong"))
        }
        SecondFactorOutcome::SignedIn(token) => {
            tracing::info!(subject.id = %subject, "sign-in: authenticator code accepted");
            with_cookie(see_other(&next), Some(session_cookie(&state, token)))
        }
    }
}

/// `GET /sign-in/oidc/{provider}`: sends the browser to the identity provider.
pub async fn oidc_start(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let provider = state.oidc.get(&key).filter(|p| !p.for_processors() && !p.for_staff()).ok_or(AppError::NotFound)?;
    begin_login(&req, &state, provider, safe_next(query.next.as_deref())).await
}

/// Sends the browser to `provider`, remembering (hashed state, nonce, PKCE verifier)
/// what the callback will need, bound to this browser's session.
pub(crate) async fn begin_login(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    provider: &crate::auth::oidc::Provider,
    next: String,
) -> Result<HttpResponse, AppError> {
    let req = req.clone();
    let (session, cookie) = ensure_session(&req).await?;
    let start = match state.oidc.begin(provider).await {
        Ok(start) => start,
        Err(e) => {
            tracing::warn!(provider = provider.key(), error = %e, "OpenID Connect: cannot start sign-in");
            let page = message(&req, &session, "oidc.unavailable_title", "oidc.unavailable_text");
            return with_cookie(render(StatusCode::BAD_GATEWAY, &page)?, cookie);
        }
    };
    let now = state.clock.now();
    let provider_key = provider.key().to_owned();
    let session_id = session.id;
    state
        .db
        .transaction(move |c| {
            oidc_logins::create(
                c,
                &token_hash(&start.state),
                session_id,
                &provider_key,
                &start.nonce,
                &start.pkce_verifier,
                &next,
                now,
                now + OIDC_LOGIN_LIFETIME,
            )
        })
        .await?;
    with_cookie(see_other(start.url.as_str()), cookie)
}

fn message(
    req: &HttpRequest,
    session: &crate::db::queries::sessions::SessionRecord,
    title: &'static str,
    text: &'static str,
) -> MessagePage {
    MessagePage {
        ctx: PageContext::for_request(req, Some(session)),
        title,
        message: text,
        link: "/sign-in",
        link_text: "oidc.try_email",
    }
}

/// What the provider sends back.
#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

enum OidcOutcome {
    NoData,
    SignedIn { token: String, stage: SessionStage, next: String },
}

/// `GET /sign-in/oidc/callback`: verifies the provider's answer and signs in.
pub async fn oidc_callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, AppError> {
    let (session, cookie) = ensure_session(&req).await?;
    let refuse = |status: StatusCode, title: &'static str, text: &'static str| -> Result<HttpResponse, AppError> {
        with_cookie(render(status, &message(&req, &session, title, text))?, cookie.clone())
    };
    if query.error.is_some() {
        tracing::info!("OpenID Connect: the provider returned an error");
        return refuse(StatusCode::BAD_REQUEST, "oidc.cancelled_title", "oidc.cancelled_text");
    }
    let (Some(code), Some(state_param)) = (query.code.clone(), query.state.as_deref()) else {
        return refuse(StatusCode::BAD_REQUEST, "oidc.failed_title", "oidc.failed_text");
    };
    let now = state.clock.now();
    let state_hash = token_hash(state_param);
    let session_id = session.id;
    // The state must be one this browser session started, unused and fresh (OIDC-03).
    let Some(pending) = state.db.transaction(move |c| oidc_logins::consume(c, &state_hash, session_id, now)).await?
    else {
        tracing::warn!("OpenID Connect: callback with an unknown, used, expired or foreign state");
        return refuse(StatusCode::BAD_REQUEST, "oidc.failed_title", "oidc.failed_text");
    };
    let Some(provider) = state.oidc.get(&pending.provider) else {
        return refuse(StatusCode::BAD_REQUEST, "oidc.failed_title", "oidc.failed_text");
    };
    // Mix-up defence (RFC 9207): an `iss` in the response must be this login's provider.
    if let Some(iss) = &query.iss
        && Some(iss.as_str()) != state.oidc.issuer_of(&pending.provider)
    {
        tracing::warn!(provider = provider.key(), "OpenID Connect: response from another issuer");
        return refuse(StatusCode::BAD_REQUEST, "oidc.failed_title", "oidc.failed_text");
    }
    let extra_claim = provider.for_staff().then(|| provider.role_claim().to_owned());
    let identity =
        match state.oidc.finish(provider, code, pending.pkce_verifier, pending.nonce, extra_claim.as_deref()).await {
            Ok(identity) => identity,
            Err(e) => {
                tracing::warn!(provider = provider.key(), error = %e, "OpenID Connect: sign-in rejected");
                return refuse(StatusCode::BAD_REQUEST, "oidc.failed_title", "oidc.failed_text");
            }
        };
    if provider.for_processors() {
        return processor_callback(&req, &state, provider, identity, session_id, cookie).await;
    }
    if provider.for_staff() {
        return staff_callback(&req, &state, provider, identity, session_id, cookie).await;
    }
    let ua = user_agent(&req);
    let st = state.clone();
    let provider_key = provider.key().to_owned();
    let next = pending.return_to;
    let outcome = state
        .db
        .transaction(move |c| {
            let subject = match subjects::find_by_oidc(c, &identity.issuer, &identity.subject)? {
                Some(subject) => {
                    subjects::touch_oidc(c, &identity.issuer, &identity.subject, now)?;
                    Some(subject)
                }
                // First time: link only through an address the provider marks verified.
                None => match identity.email.as_deref().map(EmailAddress::parse) {
                    Some(Ok(email)) if identity.email_verified => {
                        let found = subjects::find_by_email(c, &email)?;
                        if let Some(subject) = found {
                            subjects::link_oidc(c, subject, &identity.issuer, &identity.subject, now)?;
                            tracing::info!(subject.id = %subject, provider = %provider_key, "OpenID identity linked by verified e-mail");
                        }
                        found
                    }
                    _ => None,
                },
            };
            let Some(subject) = subject else { return Ok(OidcOutcome::NoData) };
            let stage = if authenticators::is_enrolled(c, subject)? { SessionStage::SecondFactor } else { SessionStage::Complete };
            let sealed = st.keys.seal(identity.id_token.as_bytes());
            let token = rotate_session(c, &st, session_id, subject, stage, "oidc", Some((&provider_key, sealed)), &ua)?;
            tracing::info!(subject.id = %subject, method = "oidc", provider = %provider_key, "sign-in: OpenID Connect accepted");
            Ok(OidcOutcome::SignedIn { token, stage, next })
        })
        .await?;
    match outcome {
        OidcOutcome::NoData => {
            tracing::info!(provider = provider.key(), "OpenID Connect: no data held under this identity");
            refuse(StatusCode::OK, "oidc.no_data_title", "oidc.no_data_text")
        }
        OidcOutcome::SignedIn { token, stage, next } => with_cookie(
            see_other(&after_first_factor(&safe_next(Some(&next)), stage)),
            Some(session_cookie(&state, token)),
        ),
    }
}

/// The end of a processor user's sign-in at their organisation's provider: the
/// verified address must be an active processor user of a recipient this provider is
/// configured for. The provider vouches for the second factor.
async fn processor_callback(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    provider: &crate::auth::oidc::Provider,
    identity: crate::auth::oidc::VerifiedIdentity,
    session_id: i64,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> Result<HttpResponse, AppError> {
    let allowed: Vec<crate::domain::ids::RecipientId> = provider
        .processors_of()
        .iter()
        .filter_map(|key| state.catalog.ids.recipients.iter().find(|(k, _)| k.as_str() == key).map(|(_, id)| *id))
        .collect();
    let email = match identity.email.as_deref().map(EmailAddress::parse) {
        Some(Ok(email)) if identity.email_verified => Some(email),
        _ => None,
    };
    let ua = user_agent(req);
    let st = state.clone();
    let provider_key = provider.key().to_owned();
    let now = state.clock.now();
    let token = state
        .db
        .transaction(move |c| {
            let Some(email) = email else { return Ok(None) };
            let Some(user) = crate::db::queries::processors::find_by_email(c, &email)? else { return Ok(None) };
            if !allowed.contains(&user.recipient) {
                return Ok(None);
            }
            let sealed = st.keys.seal(identity.id_token.as_bytes());
            let token = rotate_session(
                c,
                &st,
                session_id,
                Principal::Processor(user.id),
                SessionStage::Complete,
                "oidc",
                Some((&provider_key, sealed)),
                &ua,
            )?;
            crate::db::queries::processors::activate(c, user.id, now)?;
            crate::db::queries::audit::append(
                c,
                &crate::domain::audit::Actor::Processor(user.public_id.clone()),
                crate::domain::audit::action::PROCESSOR_SIGNED_IN,
                None,
                Some("processor_user"),
                Some(&user.id.to_string()),
                serde_json::json!({ "method": "oidc", "provider": provider_key }),
                now,
            )?;
            Ok(Some(token))
        })
        .await?;
    match token {
        Some(token) => with_cookie(see_other("/processor"), Some(session_cookie(state, token))),
        None => {
            tracing::info!(provider = provider.key(), "OpenID Connect: no processor user for this identity");
            let session = crate::extractors::session::load_session(req).await?;
            let page = MessagePage {
                ctx: PageContext::for_request(req, session.as_ref()),
                title: "oidc.no_processor_title",
                message: "oidc.no_processor_text",
                link: "/processor/sign-in",
                link_text: "oidc.try_email",
            };
            with_cookie(render(StatusCode::FORBIDDEN, &page)?, cookie)
        }
    }
}

/// The end of a staff member's sign-in at the staff identity provider: a verified
/// address and a role claim (`agent`, `privacy_officer` or `admin`; in a list, the first
/// known one) are required. The member is created or updated from the claims each time;
/// a disabled member stays out. The provider vouches for the second factor.
async fn staff_callback(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    provider: &crate::auth::oidc::Provider,
    identity: crate::auth::oidc::VerifiedIdentity,
    session_id: i64,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> Result<HttpResponse, AppError> {
    use crate::domain::staff::StaffRole;
    let role: Option<StaffRole> = match &identity.extra {
        Some(serde_json::Value::String(r)) => r.parse().ok(),
        Some(serde_json::Value::Array(list)) => list.iter().filter_map(|r| r.as_str()).find_map(|r| r.parse().ok()),
        _ => None,
    };
    let email = match identity.email.as_deref().map(EmailAddress::parse) {
        Some(Ok(email)) if identity.email_verified => Some(email),
        _ => None,
    };
    let ua = user_agent(req);
    let st = state.clone();
    let provider_key = provider.key().to_owned();
    let now = state.clock.now();
    let token = match (email, role) {
        (Some(email), Some(role)) => {
            let outcome = state
                .db
                .transaction(move |c| {
                    let name =
                        identity.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| email.to_string());
                    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
                    let user = crate::db::queries::staff::upsert_federated(
                        c,
                        &identity.issuer,
                        &identity.subject,
                        &email,
                        &name,
                        role,
                        now,
                    )?;
                    if user.disabled {
                        return Ok(None);
                    }
                    let sealed = st.keys.seal(identity.id_token.as_bytes());
                    let token = rotate_session(
                        c,
                        &st,
                        session_id,
                        Principal::Staff(user.id),
                        SessionStage::Complete,
                        "oidc",
                        Some((&provider_key, sealed)),
                        &ua,
                    )?;
                    crate::db::queries::audit::append(
                        c,
                        &crate::domain::audit::Actor::Staff(user.public_id.clone()),
                        crate::domain::audit::action::STAFF_SIGNED_IN,
                        None,
                        Some("staff_user"),
                        Some(&user.id.to_string()),
                        serde_json::json!({ "method": "oidc", "provider": provider_key, "role": role.as_str() }),
                        now,
                    )?;
                    Ok(Some(token))
                })
                .await;
            match outcome {
                Ok(token) => token,
                // The address belongs to a local account or another identity: no silent takeover.
                Err(crate::db::DbError::Conflict(_)) => None,
                Err(e) => return Err(e.into()),
            }
        }
        _ => None,
    };
    match token {
        Some(token) => with_cookie(see_other("/staff"), Some(session_cookie(state, token))),
        None => {
            tracing::info!(provider = provider.key(), "OpenID Connect: no staff access for this identity");
            let session = crate::extractors::session::load_session(req).await?;
            let page = MessagePage {
                ctx: PageContext::for_request(req, session.as_ref()),
                title: "oidc.no_staff_title",
                message: "oidc.no_staff_text",
                link: "/staff/sign-in",
                link_text: "oidc.try_email",
            };
            with_cookie(render(StatusCode::FORBIDDEN, &page)?, cookie)
        }
    }
}

/// `POST /sign-out`: ends this session, and the provider's where it supports
/// RP-initiated logout.
pub async fn sign_out(state: web::Data<AppState>, form: CsrfForm<EmptyForm>) -> Result<HttpResponse, AppError> {
    let session = form.session;
    let id = session.id;
    let sealed = state
        .db
        .transaction(move |c| {
            let token = sessions::id_token(c, id)?;
            sessions::delete(c, id)?;
            Ok(token)
        })
        .await?;
    if let Some(subject) = session.subject_id {
        tracing::info!(subject.id = %subject, "signed out");
    }
    let provider_logout = match sealed {
        Some((provider, sealed)) => match state.keys.open(&sealed).ok().and_then(|t| String::from_utf8(t).ok()) {
            Some(id_token) => state.oidc.logout_url(&provider, &id_token).await,
            None => None,
        },
        None => None,
    };
    let location = provider_logout.map(|u| u.to_string()).unwrap_or_else(|| "/?signed_out=1".to_owned());
    with_cookie(see_other(&location), Some(removal_cookie(&state)))
}
