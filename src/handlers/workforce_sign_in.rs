//! Signing in for the workforce around the portal, processor users and local staff
//! accounts alike: an e-mailed code and then, always, an authenticator app, enrolled on
//! first sign-in (QR code, recovery codes) and asked every time after. The answers are
//! the same whether or not an address is known (OTP-09). One set of handlers serves
//! `/processor/sign-in` and `/staff/sign-in`; the scope's `Audience` tells them apart.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::auth::codes::{CodeInputError, OneTimeCode};
use crate::auth::keys::constant_time_eq;
use crate::auth::rate_limit::Limit;
use crate::auth::session::SessionStage;
use crate::auth::totp::{AuthenticatorSecret, SecondFactorInput, generate_recovery_codes, normalize_recovery_code};
use crate::db::queries::authenticators::{self, Owner};
use crate::db::queries::sessions::SessionRecord;
use crate::db::queries::{audit, challenges, processors, rate_limits, staff};
use crate::db::{DbConnection, DbError};
use crate::domain::EmailAddress;
use crate::domain::audit::{Actor, action};
use crate::error::AppError;
use crate::extractors::page_context::language_of;
use crate::extractors::session::{ensure_session, load_session, session_cookie, user_agent};
use crate::extractors::{CsrfForm, PageContext};
use crate::handlers::auth::{
    CodeFor, Principal, client_key, issue_code, over_limit, rotate_session, too_many, with_cookie,
};
use crate::handlers::{render, see_other};
use crate::state::AppState;

/// Who signs in here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Users of recipient organisations.
    Processor,
    /// Local staff accounts.
    Staff,
}

impl Audience {
    /// The URL prefix of its pages (also where a signed-in user lands).
    pub fn base(self) -> &'static str {
        match self {
            Audience::Processor => "/processor",
            Audience::Staff => "/staff",
        }
    }

    /// Its name in form ids and message keys.
    pub fn key(self) -> &'static str {
        match self {
            Audience::Processor => "processor",
            Audience::Staff => "staff",
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            Audience::Processor => "processor_sign_in",
            Audience::Staff => "staff_sign_in",
        }
    }

    fn principal(self, id: i64) -> Principal {
        match self {
            Audience::Processor => Principal::Processor(id),
            Audience::Staff => Principal::Staff(id),
        }
    }

    fn owner(self, id: i64) -> Owner {
        match self {
            Audience::Processor => Owner::Processor(id),
            Audience::Staff => Owner::Staff(id),
        }
    }

    /// The user a session is (half-)signed in as, for this audience.
    pub fn user_of(self, session: &SessionRecord) -> Option<i64> {
        match self {
            Audience::Processor => session.processor_user_id,
            Audience::Staff => session.staff_user_id,
        }
    }

    /// (row id, name) of the active user with this address.
    fn find(self, c: &mut DbConnection, email: &EmailAddress) -> Result<Option<(i64, String)>, DbError> {
        Ok(match self {
            Audience::Processor => processors::find_by_email(c, email)?.map(|u| (u.id, u.display_name)),
            Audience::Staff => staff::find_local_by_email(c, email)?.map(|u| (u.id, u.display_name)),
        })
    }

    /// (address, public id) of a user.
    fn account(self, c: &mut DbConnection, id: i64) -> Result<(String, String), DbError> {
        Ok(match self {
            Audience::Processor => processors::get(c, id).map(|u| (u.email, u.public_id))?,
            Audience::Staff => staff::get(c, id).map(|u| (u.email, u.public_id))?,
        })
    }

    /// Records a completed sign-in.
    fn signed_in(self, c: &mut DbConnection, id: i64, enrolled: bool, now: OffsetDateTime) -> Result<(), DbError> {
        let (_, public_id) = self.account(c, id)?;
        let (actor, action, target) = match self {
            Audience::Processor => {
                processors::activate(c, id, now)?;
                (Actor::Processor(public_id), action::PROCESSOR_SIGNED_IN, "processor_user")
            }
            Audience::Staff => (Actor::Staff(public_id), action::STAFF_SIGNED_IN, "staff_user"),
        };
        audit::append(
            c,
            &actor,
            action,
            None,
            Some(target),
            Some(&id.to_string()),
            serde_json::json!({ "enrolled": enrolled }),
            now,
        )
    }

    /// Message keys of the page texts.
    pub fn title_key(self) -> &'static str {
        match self {
            Audience::Processor => "processor.sign_in_title",
            Audience::Staff => "staff.sign_in_title",
        }
    }

    /// The sign-in page's introduction.
    pub fn intro_key(self) -> &'static str {
        match self {
            Audience::Processor => "processor.sign_in_intro",
            Audience::Staff => "staff.sign_in_intro",
        }
    }

    /// What enrolment of the authenticator app says.
    pub fn enrol_key(self) -> &'static str {
        match self {
            Audience::Processor => "processor.enrol_intro",
            Audience::Staff => "staff.enrol_intro",
        }
    }

    /// The heading above the identity-provider buttons.
    pub fn oidc_key(self) -> &'static str {
        match self {
            Audience::Processor => "processor.oidc_title",
            Audience::Staff => "staff.oidc_title",
        }
    }

    fn providers(self, state: &AppState) -> Vec<(String, String)> {
        let providers: Vec<&crate::auth::oidc::Provider> = match self {
            Audience::Processor => state.oidc.for_processors().collect(),
            Audience::Staff => state.oidc.for_staff().collect(),
        };
        providers.into_iter().map(|p| (p.key().to_owned(), p.label().to_owned())).collect()
    }
}

/// `GET /processor/sign-in` (and the address form re-rendered).
#[derive(Template)]
#[template(path = "workforce/sign_in.html")]
pub struct SignInPage {
    ctx: PageContext,
    audience: Audience,
    email: String,
    error: Option<&'static str>,
    providers: Vec<(String, String)>,
}

/// `GET /{processor,staff}/sign-in/oidc/{provider}`: sign in at the identity provider
/// configured for this audience (an organisation's own, or the staff provider).
pub async fn oidc_start(
    req: HttpRequest,
    state: web::Data<AppState>,
    audience: web::Data<Audience>,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let audience = **audience;
    let provider = state
        .oidc
        .get(&key)
        .filter(|p| match audience {
            Audience::Processor => p.for_processors(),
            Audience::Staff => p.for_staff(),
        })
        .ok_or(AppError::NotFound)?;
    crate::handlers::auth::begin_login(&req, &state, provider, audience.base().to_owned()).await
}

/// The code form.
#[derive(Template)]
#[template(path = "workforce/code.html")]
pub struct CodePage {
    ctx: PageContext,
    audience: Audience,
    error: Option<&'static str>,
}

/// The authenticator step: enrol (QR) or enter a code.
#[derive(Template)]
#[template(path = "workforce/authenticator.html")]
pub struct AuthenticatorPage {
    ctx: PageContext,
    audience: Audience,
    enrol: Option<(String, String)>,
    error: Option<&'static str>,
}

/// Recovery codes, shown once after enrolment.
#[derive(Template)]
#[template(path = "workforce/recovery.html")]
pub struct RecoveryPage {
    ctx: PageContext,
    audience: Audience,
    codes: Vec<String>,
}

/// `GET /{processor,staff}/sign-in`.
pub async fn sign_in_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    audience: web::Data<Audience>,
) -> Result<HttpResponse, AppError> {
    let audience = **audience;
    let (session, cookie) = ensure_session(&req).await?;
    if session.stage == SessionStage::Complete && audience.user_of(&session).is_some() {
        return Ok(see_other(audience.base()));
    }
    let page = SignInPage {
        ctx: PageContext::for_request(&req, Some(&session)),
        audience,
        email: String::new(),
        error: None,
        providers: audience.providers(&state),
    };
    with_cookie(render(StatusCode::OK, &page)?, cookie)
}

/// The address form.
#[derive(Deserialize)]
pub struct AddressForm {
    email: String,
}

/// `POST /{processor,staff}/sign-in`: a code to a known user, the same answer otherwise.
pub async fn request_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    audience: web::Data<Audience>,
    form: CsrfForm<AddressForm>,
) -> Result<HttpResponse, AppError> {
    let audience = **audience;
    let CsrfForm { form, session } = form;
    let s = state.settings.sign_in;
    let page = |error: &'static str, email: String| SignInPage {
        ctx: PageContext::for_request(&req, Some(&session)),
        audience,
        email,
        error: Some(error),
        providers: audience.providers(&state),
    };
    let client = Limit {
        bucket: format!("send:client:{}", client_key(&req, &state)),
        limit: s.sends_per_client,
        window: Duration::minutes(15),
    };
    if let Some(wait) = over_limit(&state, vec![client]).await? {
        return Ok(too_many(
            render(StatusCode::TOO_MANY_REQUESTS, &page("sign_in.error_rate_limited", String::new()))?,
            wait,
        ));
    }
    let email = match EmailAddress::parse(&form.email) {
        Ok(e) => e,
        Err(_) => {
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page("sign_in.error_invalid", form.email.chars().filter(|c| !c.is_control()).take(254).collect()),
            );
        }
    };
    let address = state.keys.lookup_hash("address", email.as_str());
    let limits = vec![
        Limit { bucket: format!("send:address:{address}"), limit: s.sends_per_address, window: Duration::minutes(15) },
        Limit { bucket: "send:all".into(), limit: s.sends_per_minute, window: Duration::minutes(1) },
    ];
    if let Some(wait) = over_limit(&state, limits).await? {
        return Ok(too_many(
            render(StatusCode::TOO_MANY_REQUESTS, &page("sign_in.error_rate_limited", email.to_string()))?,
            wait,
        ));
    }
    let now = state.clock.now();
    let keys = state.keys.clone();
    let language = language_of(&req);
    let session_id = session.id;
    state
        .db
        .transaction(move |c| {
            let who = audience.find(c, &email)?.map(|(id, name)| CodeFor {
                principal: audience.principal(id),
                name,
                language,
            });
            issue_code(c, &keys, session_id, audience.purpose(), &email, who, s, now)
        })
        .await?;
    state.outbox_wakeup.notify_one();
    Ok(see_other(&format!("{}/sign-in/code", audience.base())))
}

/// `GET /{processor,staff}/sign-in/code`.
pub async fn code_page(req: HttpRequest, audience: web::Data<Audience>) -> Result<HttpResponse, AppError> {
    let (session, cookie) = ensure_session(&req).await?;
    let page = CodePage { ctx: PageContext::for_request(&req, Some(&session)), audience: **audience, error: None };
    with_cookie(render(StatusCode::OK, &page)?, cookie)
}

/// The code form.
#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST /{processor,staff}/sign-in/code`: then always the authenticator step.
pub async fn verify_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    audience: web::Data<Audience>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let audience = **audience;
    let CsrfForm { form, session } = form;
    let s = state.settings.sign_in;
    let page = |error: &'static str| CodePage {
        ctx: PageContext::for_request(&req, Some(&session)),
        audience,
        error: Some(error),
    };
    let client = Limit {
        bucket: format!("entry:client:{}", client_key(&req, &state)),
        limit: s.entries_per_client,
        window: Duration::minutes(15),
    };
    if let Some(wait) = over_limit(&state, vec![client]).await? {
        return Ok(too_many(render(StatusCode::TOO_MANY_REQUESTS, &page("code.error_rate_limited"))?, wait));
    }
    let code = match OneTimeCode::parse(&form.code, s.code_digits) {
        Ok(code) => code,
        Err(CodeInputError::Empty) => return render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_empty")),
        Err(CodeInputError::NotDigits) => return render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_digits")),
        Err(CodeInputError::WrongLength) => {
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_length"));
        }
    };
    let now = state.clock.now();
    let ua = user_agent(&req);
    let st = state.clone();
    let session_id = session.id;
    let token = state
        .db
        .transaction(move |c| {
            let Some(challenge) = challenges::latest_open(c, session_id, audience.purpose())? else { return Ok(None) };
            if !challenges::count_attempt(c, challenge.id, s.max_code_attempts, now)? {
                return Ok(None);
            }
            let expected = st.keys.code_hash(&challenge.public_id, code.as_str());
            let (true, Some(user)) = (
                constant_time_eq(expected.as_bytes(), challenge.code_hash.as_bytes()),
                challenge.principal.filter(|p| p.processor().or(p.staff()).is_some()),
            ) else {
                return Ok(None);
            };
            if !challenges::consume(c, challenge.id, now)? {
                return Ok(None);
            }
            Ok(Some(rotate_session(c, &st, session_id, user, SessionStage::SecondFactor, "email_code", None, &ua)?))
        })
        .await?;
    match token {
        Some(token) => with_cookie(
            see_other(&format!("{}/sign-in/authenticator", audience.base())),
            Some(session_cookie(&state, token)),
        ),
        None => render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_dead_or_wrong")),
    }
}

async fn authenticator_state(
    state: &AppState,
    audience: Audience,
    user: i64,
) -> Result<Option<(String, String)>, AppError> {
    let (auth, (email, _)) =
        state.db.run(move |c| Ok((authenticators::find(c, audience.owner(user))?, audience.account(c, user)?))).await?;
    if auth.as_ref().is_some_and(|a| a.confirmed_at.is_some()) {
        return Ok(None);
    }
    let seed = match auth {
        Some(pending) => AuthenticatorSecret::from_bytes(
            state.keys.open(&pending.secret_enc).map_err(|e| AppError::Internal(e.into()))?,
        ),
        None => {
            let seed = AuthenticatorSecret::generate();
            let sealed = state.keys.seal(seed.as_bytes());
            let now = state.clock.now();
            state
                .db
                .transaction(move |c| authenticators::start_enrolment(c, audience.owner(user), sealed, now))
                .await?;
            seed
        }
    };
    let issuer = &state.settings.authenticator.issuer;
    let qr = seed.qr_png_base64(issuer, &email).map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    Ok(Some((qr, seed.base32())))
}

/// `GET /{processor,staff}/sign-in/authenticator`: enrol on first sign-in, else ask for the code.
pub async fn authenticator_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    audience: web::Data<Audience>,
) -> Result<HttpResponse, AppError> {
    let audience = **audience;
    let session = load_session(&req).await?;
    let Some((session, user)) = session.and_then(|s| {
        (s.stage == SessionStage::SecondFactor).then_some(audience.user_of(&s).map(|u| (s.clone(), u))).flatten()
    }) else {
        return Ok(see_other(&format!("{}/sign-in", audience.base())));
    };
    let enrol = authenticator_state(&state, audience, user).await?;
    render(
        StatusCode::OK,
        &AuthenticatorPage { ctx: PageContext::for_request(&req, Some(&session)), audience, enrol, error: None },
    )
}

/// `POST /{processor,staff}/sign-in/authenticator`: confirms enrolment or checks the code.
pub async fn verify_authenticator(
    req: HttpRequest,
    state: web::Data<AppState>,
    audience: web::Data<Audience>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let audience = **audience;
    let CsrfForm { form, session } = form;
    let (SessionStage::SecondFactor, Some(user)) = (session.stage, audience.user_of(&session)) else {
        return Ok(see_other(&format!("{}/sign-in", audience.base())));
    };
    let failures = Limit {
        bucket: format!("totp:{}:{user}", audience.key()),
        limit: state.settings.sign_in.totp_failures_per_step,
        window: Duration::seconds(30),
    };
    let now = state.clock.now();
    let check = failures.clone();
    let refused = |error: &'static str, status: StatusCode| {
        let state = state.clone();
        let req = req.clone();
        let session = session.clone();
        async move {
            let enrol = authenticator_state(&state, audience, user).await?;
            let ctx = PageContext::for_request(&req, Some(&session));
            render(status, &AuthenticatorPage { ctx, audience, enrol, error: Some(error) })
        }
    };
    if state.db.run(move |c| rate_limits::current(c, &check, now)).await? >= failures.limit {
        return Ok(too_many(
            refused("second_factor.error_rate_limited", StatusCode::TOO_MANY_REQUESTS).await?,
            failures.retry_after(now),
        ));
    }
    let Some(input) = SecondFactorInput::parse(&form.code) else {
        return refused("second_factor.error_format", StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let ua = user_agent(&req);
    let st = state.clone();
    let session_id = session.id;
    let codes = generate_recovery_codes();
    let plain = codes.clone();
    let outcome = state
        .db
        .transaction(move |c| {
            let Some(auth) = authenticators::find(c, audience.owner(user))? else { return Ok(None) };
            let seed = AuthenticatorSecret::from_bytes(
                st.keys.open(&auth.secret_enc).map_err(|e| DbError::Rejected(e.to_string()))?,
            );
            let unix = now.unix_timestamp().max(0) as u64;
            let enrolled_now = match (&input, auth.confirmed_at) {
                (SecondFactorInput::Code(code), None) => {
                    let Some(step) = seed.verify(code, unix, None) else { return Ok(None) };
                    let hashes: Vec<String> = plain
                        .iter()
                        .filter_map(|r| normalize_recovery_code(r))
                        .map(|r| st.keys.code_hash(&format!("recovery:{}", auth.id), &r))
                        .collect();
                    if !authenticators::confirm(c, auth.id, step, now, &hashes)? {
                        return Ok(None);
                    }
                    true
                }
                (SecondFactorInput::Code(code), Some(_)) => {
                    let Some(step) = seed.verify(code, unix, auth.last_used_step) else { return Ok(None) };
                    if !authenticators::use_step(c, auth.id, step)? {
                        return Ok(None);
                    }
                    false
                }
                (SecondFactorInput::Recovery(code), Some(_)) => {
                    if !authenticators::use_recovery_code(
                        c,
                        auth.id,
                        &st.keys.code_hash(&format!("recovery:{}", auth.id), code),
                        now,
                    )? {
                        return Ok(None);
                    }
                    false
                }
                (SecondFactorInput::Recovery(_), None) => return Ok(None),
            };
            let token = rotate_session(
                c,
                &st,
                session_id,
                audience.principal(user),
                SessionStage::Complete,
                "email_code",
                None,
                &ua,
            )?;
            audience.signed_in(c, user, enrolled_now, now)?;
            Ok(Some((token, enrolled_now)))
        })
        .await?;
    match outcome {
        None => {
            state.db.transaction(move |c| rate_limits::hit(c, &failures, now)).await?;
            refused("second_factor.error_wrong", StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Some((token, true)) => {
            let path = format!("{}/sign-in/authenticator", audience.base());
            let ctx = PageContext::new(language_of(&req), &path, None);
            let page = RecoveryPage { ctx, audience, codes };
            with_cookie(render(StatusCode::OK, &page)?, Some(session_cookie(&state, token)))
        }
        Some((token, false)) => with_cookie(see_other(audience.base()), Some(session_cookie(&state, token))),
    }
}
