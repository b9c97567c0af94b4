//! Processor users sign in with an e-mailed code and then, always, an authenticator
//! app: enrolled on first sign-in (QR code, recovery codes), asked every time after.
//! The answers are the same whether or not an address is known (OTP-09).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::Duration;

use crate::auth::codes::{CodeInputError, OneTimeCode};
use crate::auth::keys::constant_time_eq;
use crate::auth::rate_limit::Limit;
use crate::auth::session::SessionStage;
use crate::auth::totp::{AuthenticatorSecret, SecondFactorInput, generate_recovery_codes, normalize_recovery_code};
use crate::db::DbError;
use crate::db::queries::authenticators::{self, Owner};
use crate::db::queries::{audit, challenges, processors, rate_limits};
use crate::domain::EmailAddress;
use crate::domain::audit::Actor;
use crate::error::AppError;
use crate::extractors::page_context::language_of;
use crate::extractors::session::{ensure_session, load_session, session_cookie, user_agent};
use crate::extractors::{CsrfForm, PageContext};
use crate::handlers::auth::{
    CodeFor, Principal, client_key, issue_code, over_limit, rotate_session, too_many, with_cookie,
};
use crate::handlers::{render, see_other};
use crate::state::AppState;

const PROCESSOR_SIGN_IN: &str = "processor_sign_in";

/// `GET /processor/sign-in` (and the address form re-rendered).
#[derive(Template)]
#[template(path = "processor/sign_in.html")]
pub struct SignInPage {
    ctx: PageContext,
    email: String,
    error: Option<&'static str>,
    providers: Vec<(String, String)>,
}

/// Identity providers of recipient organisations: (key, button text).
fn providers(state: &AppState) -> Vec<(String, String)> {
    state.oidc.for_processors().map(|p| (p.key().to_owned(), p.label().to_owned())).collect()
}

/// `GET /processor/sign-in/oidc/{provider}`: sign in at the organisation's own
/// identity provider, where one is configured for it.
pub async fn oidc_start(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let provider = state.oidc.get(&key).filter(|p| p.for_processors()).ok_or(AppError::NotFound)?;
    crate::handlers::auth::begin_login(&req, &state, provider, "/processor".to_owned()).await
}

/// The code form.
#[derive(Template)]
#[template(path = "processor/code.html")]
pub struct CodePage {
    ctx: PageContext,
    error: Option<&'static str>,
}

/// The authenticator step: enrol (QR) or enter a code.
#[derive(Template)]
#[template(path = "processor/authenticator.html")]
pub struct AuthenticatorPage {
    ctx: PageContext,
    enrol: Option<(String, String)>,
    error: Option<&'static str>,
}

/// Recovery codes, shown once after enrolment.
#[derive(Template)]
#[template(path = "processor/recovery.html")]
pub struct RecoveryPage {
    ctx: PageContext,
    codes: Vec<String>,
}

/// `GET /processor/sign-in`.
pub async fn sign_in_page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (session, cookie) = ensure_session(&req).await?;
    if session.stage == SessionStage::Complete && session.processor_user_id.is_some() {
        return Ok(see_other("/processor"));
    }
    let page = SignInPage {
        ctx: PageContext::for_request(&req, Some(&session)),
        email: String::new(),
        error: None,
        providers: providers(&state),
    };
    with_cookie(render(StatusCode::OK, &page)?, cookie)
}

/// The address form.
#[derive(Deserialize)]
pub struct AddressForm {
    email: String,
}

/// `POST /processor/sign-in`: a code to a known processor user, the same answer otherwise.
pub async fn request_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<AddressForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let s = state.settings.sign_in;
    let page = |error: &'static str, email: String| SignInPage {
        ctx: PageContext::for_request(&req, Some(&session)),
        email,
        error: Some(error),
        providers: providers(&state),
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
            let who = processors::find_by_email(c, &email)?.map(|user| CodeFor {
                subject: None,
                processor_user: Some(user.id),
                name: user.display_name,
                language,
            });
            issue_code(c, &keys, session_id, PROCESSOR_SIGN_IN, &email, who, s, now)
        })
        .await?;
    state.outbox_wakeup.notify_one();
    Ok(see_other("/processor/sign-in/code"))
}

/// `GET /processor/sign-in/code`.
pub async fn code_page(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let (session, cookie) = ensure_session(&req).await?;
    with_cookie(
        render(StatusCode::OK, &CodePage { ctx: PageContext::for_request(&req, Some(&session)), error: None })?,
        cookie,
    )
}

/// The code form.
#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST /processor/sign-in/code`: then always the authenticator step.
pub async fn verify_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let s = state.settings.sign_in;
    let page =
        |error: &'static str| CodePage { ctx: PageContext::for_request(&req, Some(&session)), error: Some(error) };
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
            let Some(challenge) = challenges::latest_open(c, session_id, PROCESSOR_SIGN_IN)? else { return Ok(None) };
            if !challenges::count_attempt(c, challenge.id, s.max_code_attempts, now)? {
                return Ok(None);
            }
            let expected = st.keys.code_hash(&challenge.public_id, code.as_str());
            let (true, Some(user)) =
                (constant_time_eq(expected.as_bytes(), challenge.code_hash.as_bytes()), challenge.processor_user_id)
            else {
                return Ok(None);
            };
            if !challenges::consume(c, challenge.id, now)? {
                return Ok(None);
            }
            Ok(Some(rotate_session(
                c,
                &st,
                session_id,
                Principal::Processor(user),
                SessionStage::SecondFactor,
                "email_code",
                None,
                &ua,
            )?))
        })
        .await?;
    match token {
        Some(token) => with_cookie(see_other("/processor/sign-in/authenticator"), Some(session_cookie(&state, token))),
        None => render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_dead_or_wrong")),
    }
}

async fn authenticator_state(state: &AppState, user: i64) -> Result<Option<(String, String)>, AppError> {
    let (auth, person) = state
        .db
        .run(move |c| Ok((authenticators::find(c, Owner::Processor(user))?, processors::get(c, user)?)))
        .await?;
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
                .transaction(move |c| authenticators::start_enrolment(c, Owner::Processor(user), sealed, now))
                .await?;
            seed
        }
    };
    let issuer = &state.settings.authenticator.issuer;
    let qr =
        seed.qr_png_base64(issuer, &person.email).map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    Ok(Some((qr, seed.base32())))
}

/// `GET /processor/sign-in/authenticator`: enrol on first sign-in, else ask for the code.
pub async fn authenticator_page(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let session = load_session(&req).await?;
    let Some((session, user)) = session.and_then(|s| {
        (s.stage == SessionStage::SecondFactor).then_some(s.processor_user_id.map(|u| (s.clone(), u))).flatten()
    }) else {
        return Ok(see_other("/processor/sign-in"));
    };
    let enrol = authenticator_state(&state, user).await?;
    render(
        StatusCode::OK,
        &AuthenticatorPage { ctx: PageContext::for_request(&req, Some(&session)), enrol, error: None },
    )
}

/// `POST /processor/sign-in/authenticator`: confirms enrolment or checks the code.
pub async fn verify_authenticator(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { form, session } = form;
    let (SessionStage::SecondFactor, Some(user)) = (session.stage, session.processor_user_id) else {
        return Ok(see_other("/processor/sign-in"));
    };
    let failures = Limit {
        bucket: format!("totp:processor:{user}"),
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
            let enrol = authenticator_state(&state, user).await?;
            render(
                status,
                &AuthenticatorPage { ctx: PageContext::for_request(&req, Some(&session)), enrol, error: Some(error) },
            )
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
            let Some(auth) = authenticators::find(c, Owner::Processor(user))? else { return Ok(None) };
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
                Principal::Processor(user),
                SessionStage::Complete,
                "email_code",
                None,
                &ua,
            )?;
            processors::activate(c, user, now)?;
            let who = processors::get(c, user)?;
            audit::append(
                c,
                &Actor::Processor(who.public_id),
                crate::domain::audit::action::PROCESSOR_SIGNED_IN,
                None,
                Some("processor_user"),
                Some(&user.to_string()),
                serde_json::json!({ "enrolled": enrolled_now }),
                now,
            )?;
            Ok(Some((token, enrolled_now)))
        })
        .await?;
    match outcome {
        None => {
            state.db.transaction(move |c| rate_limits::hit(c, &failures, now)).await?;
            refused("second_factor.error_wrong", StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Some((token, true)) => {
            let ctx = PageContext::new(language_of(&req), "/processor/sign-in/authenticator", None);
            with_cookie(render(StatusCode::OK, &RecoveryPage { ctx, codes })?, Some(session_cookie(&state, token)))
        }
        Some((token, false)) => with_cookie(see_other("/processor"), Some(session_cookie(&state, token))),
    }
}
