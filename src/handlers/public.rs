//! Pages anyone can see: the landing page naming the entities, and the language switch.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::{is_local_path, see_other};
use crate::domain::Language;
use crate::error::AppError;
use crate::extractors::PageContext;
use crate::extractors::page_context::LANGUAGE_COOKIE;
use crate::state::AppState;

/// One legal entity as the landing page shows it.
pub struct EntityCard {
    key: String,
    legal_name: String,
    trade_name: Option<String>,
    description: String,
    address: String,
    contact_email: String,
    contact_phone: String,
    dpo_name: String,
    dpo_email: String,
    authority_name: String,
    authority_address: String,
    authority_phone: String,
    authority_website: String,
    notice_url: String,
    notice_version: String,
}

/// The landing page.
#[derive(Template, WebTemplate)]
#[template(path = "public/landing.html")]
pub struct LandingPage {
    ctx: PageContext,
    entities: Vec<EntityCard>,
    signed_out: bool,
}

/// `?signed_out=1` after signing out.
#[derive(Deserialize)]
pub struct LandingQuery {
    signed_out: Option<String>,
}

/// `GET /`: who is responsible for your data, and your rights.
pub async fn landing(
    ctx: PageContext,
    state: web::Data<AppState>,
    query: web::Query<LandingQuery>,
) -> Result<LandingPage, AppError> {
    let catalog = &state.catalog.catalog;
    let entities = catalog
        .entities
        .iter()
        .map(|e| {
            let authority = catalog.authorities.iter().find(|a| a.key == e.authority);
            EntityCard {
                key: e.key.to_string(),
                legal_name: e.legal_name.clone(),
                trade_name: e.trade_name.clone(),
                description: e.description.get(ctx.lang).to_owned(),
                address: e.address.clone(),
                contact_email: e.contact_email.to_string(),
                contact_phone: e.contact_phone.clone(),
                dpo_name: e.dpo_name.clone(),
                dpo_email: e.dpo_email.to_string(),
                authority_name: authority.map(|a| a.name.clone()).unwrap_or_default(),
                authority_address: authority.map(|a| a.address.clone()).unwrap_or_default(),
                authority_phone: authority.map(|a| a.phone.clone()).unwrap_or_default(),
                authority_website: authority.map(|a| a.website.clone()).unwrap_or_default(),
                notice_url: e.notice_url.clone(),
                notice_version: e.notice_version.clone(),
            }
        })
        .collect();
    Ok(LandingPage { ctx, entities, signed_out: query.signed_out.is_some() })
}

/// Query of the language switch.
#[derive(Deserialize)]
pub struct SwitchQuery {
    back: Option<String>,
}

/// `GET /language/{code}?back=/path`: remembers the language and returns to the page.
pub async fn switch_language(
    code: web::Path<String>,
    query: web::Query<SwitchQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let language: Language = code.parse().map_err(|_| AppError::NotFound)?;
    let back = query.back.as_deref().filter(|b| is_local_path(b)).unwrap_or("/");
    let cookie = Cookie::build(LANGUAGE_COOKIE, language.as_str())
        .path("/")
        .http_only(true)
        .secure(state.tls)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::days(365))
        .finish();
    let mut response = see_other(back);
    response.add_cookie(&cookie).map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}
