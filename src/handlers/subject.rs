//! The signed-in person's own pages. For now the dashboard lists the entities they
//! have a relationship with; what each holds comes with the portal issue.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use crate::db::queries::subjects;
use crate::error::AppError;
use crate::extractors::{CurrentSubject, PageContext};
use crate::state::AppState;

/// One entity on the dashboard.
pub struct EntitySection {
    key: String,
    name: String,
    trade_name: Option<String>,
    roles: Vec<(&'static str, Option<String>, String)>,
}

/// `GET /dashboard`.
#[derive(Template, WebTemplate)]
#[template(path = "subject/dashboard.html")]
pub struct DashboardPage {
    ctx: PageContext,
    name: String,
    entities: Vec<EntitySection>,
}

/// `GET /dashboard`: the entities that hold data about the person.
pub async fn dashboard(
    ctx: PageContext,
    me: CurrentSubject,
    state: web::Data<AppState>,
) -> Result<DashboardPage, AppError> {
    let subject = me.subject_id;
    let (summary, relationships) = state
        .db
        .run(move |c| {
            Ok((
                subjects::summary(c, subject)?,
                subjects::relationships(c, subject)?,
            ))
        })
        .await?;
    let catalog = &state.catalog;
    let mut entities: Vec<EntitySection> = Vec::new();
    for r in relationships {
        let Some((key, _)) = catalog
            .ids
            .entities
            .iter()
            .find(|(_, id)| **id == r.entity_id)
        else {
            continue;
        };
        let Some(entity) = catalog.catalog.entity(key) else {
            continue;
        };
        let role = (role_key(r.role), r.reference, r.since.to_string());
        match entities.iter_mut().find(|e| e.key == key.as_str()) {
            Some(section) => section.roles.push(role),
            None => entities.push(EntitySection {
                key: key.to_string(),
                name: entity.legal_name.clone(),
                trade_name: entity.trade_name.clone(),
                roles: vec![role],
            }),
        }
    }
    Ok(DashboardPage {
        ctx,
        name: summary.display_name,
        entities,
    })
}

fn role_key(role: crate::domain::person::Role) -> &'static str {
    use crate::domain::person::Role::*;
    match role {
        CustomerContact => "role.customer_contact",
        ServiceUser => "role.service_user",
        JobApplicant => "role.job_applicant",
        WebsiteVisitor => "role.website_visitor",
    }
}
