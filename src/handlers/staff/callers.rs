//! Helping a caller: find them (masked until verified), send a code to their
//! registered address which they read back, and act for them in a short assisted
//! session. Starting and ending it rotates the staff session.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::auth::codes::{CodeInputError, OneTimeCode};
use crate::auth::keys::{constant_time_eq, random_token, token_hash};
use crate::auth::rate_limit::Limit;
use crate::auth::session::{Principal, SessionStage, expires_at};
use crate::db::queries::sessions::{self, NewSession, SessionRecord};
use crate::db::queries::staff_actions::{self, NewStaffAction, StaffAction};
use crate::db::queries::{challenges, outbox, subjects};
use crate::db::{DbConnection, DbError};
use crate::domain::Language;
use crate::domain::ids::{PublicId, SubjectId};
use crate::domain::staff::{Permission, mask_email};
use crate::email::messages;
use crate::error::AppError;
use crate::extractors::session::{session_cookie, user_agent};
use crate::extractors::{CsrfForm, CurrentStaff, PageContext};
use crate::handlers::auth::{over_limit, too_many, with_cookie};
use crate::handlers::{render, see_other};
use crate::state::AppState;

const ASSIST_VERIFY: &str = "caller_verification";

/// A person as a search result: enough to pick the right one, no more.
pub struct Hit {
    /// Public id (URLs).
    pub id: String,
    /// Name.
    pub name: String,
    /// Masked address.
    pub email: String,
    /// Entities (legal names).
    pub entities: Vec<String>,
}

/// `GET /staff` and its search results.
#[derive(Template)]
#[template(path = "staff/home.html")]
pub struct HomePage {
    ctx: PageContext,
    name: String,
    role: &'static str,
    query: String,
    hits: Option<Vec<Hit>>,
    error: Option<&'static str>,
    can_decide: bool,
    can_admin: bool,
}

/// `?q=`
#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /staff?q=`: the staff home, with a search for callers.
pub async fn home(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let ctx = PageContext::for_request(&req, Some(&me.session));
    let q: String = query.q.chars().filter(|c| !c.is_control()).take(254).collect::<String>().trim().to_owned();
    let (hits, error) = if q.is_empty() {
        (None, None)
    } else if q.chars().count() < 3 {
        (None, Some("staff.error_query_short"))
    } else {
        me.require(Permission::FindCallers)?;
        let lookup = q.clone();
        let found = state.db.run(move |c| subjects::search(c, &lookup, 20)).await?;
        let hits = found
            .into_iter()
            .map(|h| Hit {
                id: h.public_id,
                name: h.display_name,
                email: h.email.as_deref().map(mask_email).unwrap_or_default(),
                entities: h
                    .entities
                    .iter()
                    .filter_map(|e| state.catalog.entity(*e))
                    .map(|e| e.legal_name.clone())
                    .collect(),
            })
            .collect();
        (Some(hits), None)
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(
        status,
        &HomePage {
            ctx,
            name: me.user.display_name.clone(),
            role: me.user.role.label_key(),
            query: q,
            hits,
            error,
            can_decide: me.user.role.may(Permission::DecideRequests),
            can_admin: me.user.role.may(Permission::Administer),
        },
    )
}

/// The code entry for one caller.
#[derive(Template)]
#[template(path = "staff/verify.html")]
pub struct VerifyPage {
    ctx: PageContext,
    id: String,
    name: String,
    email: String,
    sent: bool,
    error: Option<&'static str>,
}

async fn person(state: &AppState, public_id: &str) -> Result<(SubjectId, String, Option<String>, Language), AppError> {
    let id = PublicId::parse(public_id).ok_or(AppError::NotFound)?.to_string();
    let found = state
        .db
        .run(move |c| {
            let Some(subject) = subjects::by_public_id(c, &id)? else { return Ok(None) };
            Ok(Some(subjects::summary(c, subject)?))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((found.id, found.display_name, found.email.map(|e| e.to_string()), found.language))
}

/// `GET /staff/people/{id}/verify`: the code the caller reads back.
pub async fn verify_page(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::FindCallers)?;
    let (_, name, email, _) = person(&state, &id).await?;
    let ctx = PageContext::for_request(&req, Some(&me.session));
    let email = email.as_deref().map(mask_email).unwrap_or_default();
    render(StatusCode::OK, &VerifyPage { ctx, id: id.into_inner(), name, email, sent: true, error: None })
}

/// `POST /staff/people/{id}/verify/send`: a one-time code to the person's registered
/// address (never an identity document). Replaces any earlier code.
pub async fn send_code(
    me: CurrentStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    same_session(&form.session, &me)?;
    me.require(Permission::FindCallers)?;
    let (subject, _, email, language) = person(&state, &id).await?;
    let Some(email) = email.and_then(|e| crate::domain::EmailAddress::parse(&e).ok()) else {
        return Err(AppError::BadRequest("the person has no registered address to send a code to".into()));
    };
    let s = state.settings.sign_in;
    let now = state.clock.now();
    let keys = state.keys.clone();
    let (session_id, staff_name) = (me.session.id, me.user.display_name.clone());
    let who = state.db.run(move |c| subjects::summary(c, subject)).await?;
    state
        .db
        .transaction(move |c| {
            let public_id = PublicId::new();
            let code = OneTimeCode::generate(s.code_digits, now);
            let expires = now + s.code_lifetime;
            challenges::replace(
                c,
                session_id,
                ASSIST_VERIFY,
                Some(Principal::Subject(subject)),
                public_id.as_str(),
                &keys.code_hash(public_id.as_str(), code.as_str()),
                now,
                expires,
            )?;
            let minutes = s.code_lifetime.whole_minutes();
            let (subject_line, paragraphs) = if language == Language::Nl {
                (
                    format!("Uw verificatiecode voor onze klantenservice: {}", code.as_str()),
                    vec![
                        format!("U spreekt met {staff_name} van onze klantenservice? Lees deze code dan aan hen voor: {}. Hij is {minutes} minuten geldig.", code.as_str()),
                        "Spreekt u nu niet met ons? Geef de code dan aan niemand; er gebeurt niets zonder.".to_owned(),
                    ],
                )
            } else {
                (
                    format!("Your verification code for our support team: {}", code.as_str()),
                    vec![
                        format!("Are you on the phone with {staff_name} of our support team? Read this code to them: {}. It is valid for {minutes} minutes.", code.as_str()),
                        "Not talking to us right now? Then give the code to nobody; nothing happens without it.".to_owned(),
                    ],
                )
            };
            let mail = messages::notice(&email, &who.display_name, language, subject_line, &paragraphs, None)
                .map_err(|e| DbError::Rejected(e.to_string()))?;
            let payload = serde_json::to_vec(&mail).map_err(|e| DbError::Rejected(e.to_string()))?;
            outbox::enqueue(c, "email", keys.seal(&payload), now, Some(expires))?;
            Ok(())
        })
        .await?;
    state.outbox_wakeup.notify_one();
    tracing::info!(staff = %me.user.public_id, subject.id = %subject, "caller verification code sent");
    Ok(see_other(&format!("/staff/people/{}/verify", id.into_inner())))
}

/// An empty form (just the CSRF token).
#[derive(Deserialize)]
pub struct EmptyForm {}

/// The code the caller read back.
#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

fn same_session(form_session: &SessionRecord, me: &CurrentStaff) -> Result<(), AppError> {
    if form_session.id == me.session.id { Ok(()) } else { Err(AppError::CsrfRejected) }
}

/// Replaces the staff session with a new one (new id, new CSRF token), acting for
/// `acting_for` or for nobody.
fn rotate(
    c: &mut DbConnection,
    state: &AppState,
    old: &SessionRecord,
    staff: i64,
    acting_for: Option<(SubjectId, OffsetDateTime)>,
    ua: &str,
) -> Result<String, DbError> {
    let now = state.clock.now();
    let token = random_token();
    sessions::create(
        c,
        NewSession {
            token_hash: &token_hash(&token),
            stage: SessionStage::Complete,
            principal: Some(Principal::Staff(staff)),
            acting_for,
            csrf_token: &random_token(),
            user_agent: ua,
            now,
            expires_at: old.times.expires_at.min(expires_at(SessionStage::Complete, now, &state.settings.sessions)),
            auth_method: old.auth_method.as_deref(),
            oidc_provider: old.oidc_provider.as_deref(),
            id_token_enc: None,
        },
    )?;
    sessions::delete(c, old.id)?;
    Ok(token)
}

/// `POST /staff/people/{id}/verify`: checks the code; on success the staff member acts
/// for that one person for `staff.assist_minutes`.
pub async fn check_code(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    same_session(&form.session, &me)?;
    me.require(Permission::ActForCaller)?;
    let (subject, name, email, _) = person(&state, &id).await?;
    let s = state.settings.sign_in;
    let page = |error: &'static str| VerifyPage {
        ctx: PageContext::for_request(&req, Some(&me.session)),
        id: id.to_string(),
        name: name.clone(),
        email: email.as_deref().map(mask_email).unwrap_or_default(),
        sent: true,
        error: Some(error),
    };
    // Wrong codes are limited as for signing in: per staff member, and per challenge.
    let limit = Limit {
        bucket: format!("assist:staff:{}", me.user.id),
        limit: s.entries_per_client,
        window: Duration::minutes(15),
    };
    if let Some(wait) = over_limit(&state, vec![limit]).await? {
        return Ok(too_many(render(StatusCode::TOO_MANY_REQUESTS, &page("code.error_rate_limited"))?, wait));
    }
    let code = match OneTimeCode::parse(&form.form.code, s.code_digits) {
        Ok(code) => code,
        Err(CodeInputError::Empty) => return render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_empty")),
        Err(CodeInputError::NotDigits) => return render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_digits")),
        Err(CodeInputError::WrongLength) => {
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_length"));
        }
    };
    let now = state.clock.now();
    let until = now + Duration::minutes(state.settings.staff.assist_minutes);
    let ua = user_agent(&req);
    let st = state.clone();
    let (session, staff) = (me.session.clone(), me.user.clone());
    let token = state
        .db
        .transaction(move |c| {
            let Some(challenge) = challenges::latest_open(c, session.id, ASSIST_VERIFY)? else { return Ok(None) };
            if challenge.principal != Some(Principal::Subject(subject)) {
                return Ok(None);
            }
            if !challenges::count_attempt(c, challenge.id, s.max_code_attempts, now)? {
                return Ok(None);
            }
            let expected = st.keys.code_hash(&challenge.public_id, code.as_str());
            if !constant_time_eq(expected.as_bytes(), challenge.code_hash.as_bytes())
                || !challenges::consume(c, challenge.id, now)?
            {
                return Ok(None);
            }
            staff_actions::record(
                c,
                NewStaffAction {
                    staff_user: staff.id,
                    staff_public_id: &staff.public_id,
                    subject,
                    action: StaffAction::Verified,
                    channel: "phone",
                    detail: "code",
                    reason: "",
                    now,
                },
            )?;
            Ok(Some(rotate(c, &st, &session, staff.id, Some((subject, until)), &ua)?))
        })
        .await?;
    match token {
        Some(token) => {
            tracing::info!(staff = %me.user.public_id, subject.id = %subject, "assisted session started");
            with_cookie(see_other("/dashboard"), Some(session_cookie(&state, token)))
        }
        None => render(StatusCode::UNPROCESSABLE_ENTITY, &page("code.error_dead_or_wrong")),
    }
}

/// `POST /staff/assist/stop`: ends the assisted session (the staff session rotates).
pub async fn stop(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    form: CsrfForm<EmptyForm>,
) -> Result<HttpResponse, AppError> {
    same_session(&form.session, &me)?;
    let ua = user_agent(&req);
    let st = state.clone();
    let (session, staff) = (me.session.clone(), me.user.clone());
    let now = state.clock.now();
    let token = state
        .db
        .transaction(move |c| {
            if let Some((subject, _)) = session.acting_for {
                staff_actions::record(
                    c,
                    NewStaffAction {
                        staff_user: staff.id,
                        staff_public_id: &staff.public_id,
                        subject,
                        action: StaffAction::Ended,
                        channel: "phone",
                        detail: "",
                        reason: "",
                        now,
                    },
                )?;
            }
            rotate(c, &st, &session, staff.id, None, &ua)
        })
        .await?;
    with_cookie(see_other("/staff"), Some(session_cookie(&state, token)))
}
