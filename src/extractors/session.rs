//! Sessions at the HTTP edge: reading the session cookie (once per request, cached),
//! the `CurrentSubject` a signed-in page needs, the reusable recent-sign-in guard for
//! sensitive actions, and `CsrfForm<T>`, the only way a handler reads a POSTed form.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

use crate::auth::keys::{constant_time_eq, random_token, token_hash};
use crate::auth::session::{SessionStage, expires_at};
use crate::db::queries::sessions::{self, NewSession, SessionRecord};
use crate::domain::ids::SubjectId;
use crate::error::AppError;
use crate::handlers::is_local_path;
use crate::state::AppState;

/// Cookie name: `__Host-` prefixed over TLS (bound to this host, Secure, Path=/).
pub fn cookie_name(tls: bool) -> &'static str {
    if tls { "__Host-portal_session" } else { "portal_session" }
}

/// The session cookie for `token`: HttpOnly, SameSite=Lax, no Max-Age (it ends with
/// the browser; the server ends it sooner by idle and absolute timeouts).
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build(cookie_name(state.tls), token)
        .path("/")
        .http_only(true)
        .secure(state.tls)
        .same_site(SameSite::Lax)
        .finish()
}

/// A cookie that removes the session cookie.
pub fn removal_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = session_cookie(state, String::new());
    cookie.make_removal();
    cookie
}

/// The session lookup of one request, shared by every extractor that needs it: actix
/// starts a handler's extractors together, so a cache filled after the lookup would be
/// filled by each of them (two identical queries per page).
#[derive(Clone, Default)]
struct SessionCell(Rc<OnceCell<Option<SessionRecord>>>);

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}

/// The live session of this request, if any. Expired sessions are removed and count
/// as none. Activity is recorded at most once a minute.
pub async fn load_session(req: &HttpRequest) -> Result<Option<SessionRecord>, AppError> {
    let cell = req.extensions_mut().get_or_insert_with(SessionCell::default).clone();
    Ok(cell.0.get_or_try_init(|| find_session(req)).await?.clone())
}

async fn find_session(req: &HttpRequest) -> Result<Option<SessionRecord>, AppError> {
    let state = app_state(req)?;
    let Some(cookie) = req.cookie(cookie_name(state.tls)) else { return Ok(None) };
    let hash = token_hash(cookie.value());
    let now = state.clock.now();
    let settings = state.settings.sessions;
    Ok(state
        .db
        .run(move |c| {
            let Some(s) = sessions::find(c, &hash)? else {
                return Ok(None);
            };
            if !s.times.is_alive(now, &settings) {
                sessions::delete(c, s.id)?;
                return Ok(None);
            }
            if s.times.needs_touch(now) {
                sessions::touch(c, s.id, now)?;
            }
            Ok(Some(s))
        })
        .await?)
}

/// The request's session, creating an anonymous one when there is none; the cookie
/// to set comes back when one was created.
pub async fn ensure_session(req: &HttpRequest) -> Result<(SessionRecord, Option<Cookie<'static>>), AppError> {
    if let Some(session) = load_session(req).await? {
        return Ok((session, None));
    }
    let state = app_state(req)?;
    let token = random_token();
    let hash = token_hash(&token);
    let csrf = random_token();
    let now = state.clock.now();
    let ua = user_agent(req);
    let expires = expires_at(SessionStage::Anonymous, now, &state.settings.sessions);
    let lookup = hash.clone();
    let session = state
        .db
        .transaction(move |c| {
            sessions::create(
                c,
                NewSession {
                    token_hash: &hash,
                    stage: SessionStage::Anonymous,
                    principal: None,
                    acting_for: None,
                    csrf_token: &csrf,
                    user_agent: &ua,
                    now,
                    expires_at: expires,
                    auth_method: None,
                    oidc_provider: None,
                    id_token_enc: None,
                },
            )?;
            sessions::find(c, &lookup)?.ok_or(crate::db::DbError::NotFound)
        })
        .await?;
    req.extensions_mut().insert(SessionCell(Rc::new(OnceCell::new_with(Some(Some(session.clone()))))));
    Ok((session, Some(session_cookie(&state, token))))
}

/// The browser's own description, cut short (shown on the person's sessions list).
pub fn user_agent(req: &HttpRequest) -> String {
    req.headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// The client address used for rate limits: the peer, or the last `X-Forwarded-For`
/// entry when the proxy in front is trusted.
pub fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(last) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|h| h.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return last.to_owned();
    }
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// Where to go after signing in: a local path, or the dashboard.
pub fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.len() <= 200 && is_local_path(n) && !n.starts_with("/sign-in")).unwrap_or("/dashboard").to_owned()
}

/// A signed-in person (stage complete).
pub struct CurrentSubject {
    /// Their session.
    pub session: SessionRecord,
    /// Who they are.
    pub subject_id: SubjectId,
}

impl CurrentSubject {
    fn from_session(session: Option<SessionRecord>, path: &str) -> Result<Self, AppError> {
        match session {
            Some(s) if s.stage == SessionStage::Complete => match s.subject_id {
                Some(subject_id) => Ok(CurrentSubject { session: s, subject_id }),
                None => Err(AppError::SignInRequired { next: path.to_owned() }),
            },
            _ => Err(AppError::SignInRequired { next: path.to_owned() }),
        }
    }
}

impl FromRequest for CurrentSubject {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { CurrentSubject::from_session(load_session(&req).await?, req.path()) })
    }
}

/// The reusable guard for sensitive actions: the session's sign-in must be at most
/// `sessions.recent_sign_in_minutes` old (OTP-10), else the person signs in again and
/// comes back to `return_to`.
pub fn require_recent_sign_in(session: &SessionRecord, state: &AppState, return_to: &str) -> Result<(), AppError> {
    let fresh =
        session.authenticated_at.is_some_and(|at| state.clock.now() - at <= state.settings.sessions.recent_sign_in);
    if fresh { Ok(()) } else { Err(AppError::ReauthRequired { next: return_to.to_owned() }) }
}

/// A POSTed form whose `csrf` field matched the session's token (CSRF-01). Handlers
/// never read forms any other way.
pub struct CsrfForm<T> {
    /// The form's other fields.
    pub form: T,
    /// The session the token belongs to.
    pub session: SessionRecord,
}

#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    inner: T,
}

/// Largest form body accepted.
pub const FORM_LIMIT: usize = 16 * 1024;

/// Decodes a form body into its CSRF token and the form's own fields: what
/// `CsrfForm` runs on every POST (and what `fuzz/` feeds arbitrary bytes).
pub fn decode_form<T: DeserializeOwned>(body: &[u8]) -> Result<(String, T), serde_urlencoded::de::Error> {
    let parsed: WithCsrf<T> = serde_urlencoded::from_bytes(body)?;
    Ok((parsed.csrf, parsed.inner))
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| {
                if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest("the form could not be read".into())
                }
            })?;
            if body.len() > FORM_LIMIT {
                return Err(AppError::PayloadTooLarge);
            }
            let session = load_session(&req).await?;
            let (csrf, form) = decode_form::<T>(&body).map_err(|e| {
                tracing::info!(path = req.path(), error = %e, "form rejected: malformed");
                AppError::BadRequest("the form is incomplete or malformed".into())
            })?;
            match session {
                Some(session)
                    if !csrf.is_empty() && constant_time_eq(csrf.as_bytes(), session.csrf_token.as_bytes()) =>
                {
                    Ok(CsrfForm { form, session })
                }
                _ => {
                    tracing::warn!(path = req.path(), "form rejected: missing or wrong CSRF token");
                    Err(AppError::CsrfRejected)
                }
            }
        })
    }
}

/// A signed-in processor user.
pub struct CurrentProcessor {
    /// Their session.
    pub session: SessionRecord,
    /// Who.
    pub user: crate::db::queries::processors::ProcessorUser,
}

impl FromRequest for CurrentProcessor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = load_session(&req).await?;
            let Some((session, user_id)) = session.and_then(|s| {
                let id = s.processor_user_id.filter(|_| s.stage == SessionStage::Complete)?;
                Some((s, id))
            }) else {
                return Err(AppError::ProcessorSignInRequired);
            };
            let state = app_state(&req)?;
            let user = state.db.run(move |c| crate::db::queries::processors::get(c, user_id)).await?;
            if user.disabled {
                return Err(AppError::ProcessorSignInRequired);
            }
            Ok(CurrentProcessor { session, user })
        })
    }
}
