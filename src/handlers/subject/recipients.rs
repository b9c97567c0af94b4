//! Who received the person's data: every processor, third party and authority, with
//! country, transfer safeguard, categories, purpose and date.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::{kind_key, safeguard_key};
use crate::db::queries::subject_data;
use crate::domain::catalog::Safeguard;
use crate::error::AppError;
use crate::extractors::{PageContext, SubjectAccess};
use crate::i18n::messages;
use crate::state::AppState;

/// One disclosure to a recipient.
pub struct DisclosureView {
    /// Which entity gave it.
    pub entity: String,
    /// For what.
    pub purpose: String,
    /// Which categories, comma-separated.
    pub categories: String,
    /// When (formatted).
    pub at: String,
}

/// One recipient.
pub struct RecipientView {
    /// Key (anchor).
    pub key: String,
    /// Name.
    pub name: String,
    /// Message key of its kind.
    pub kind: &'static str,
    /// Country code.
    pub country: String,
    /// Message key of the safeguard, for transfers outside the EEA.
    pub safeguard: Option<&'static str>,
    /// What it does.
    pub description: String,
    /// What it received.
    pub disclosures: Vec<DisclosureView>,
}

/// `GET /recipients`.
#[derive(Template, WebTemplate)]
#[template(path = "subject/recipients.html")]
pub struct RecipientsPage {
    ctx: PageContext,
    recipients: Vec<RecipientView>,
    sources: Vec<(String, String)>,
}

/// `GET /recipients`: every recipient of the person's data, and the third parties it
/// came from.
pub async fn recipients(
    ctx: PageContext,
    me: SubjectAccess,
    state: web::Data<AppState>,
) -> Result<RecipientsPage, AppError> {
    let subject = me.subject_id;
    let catalog = state.catalog.clone();
    let data = state.db.run(move |c| subject_data::load_held(c, subject, &catalog)).await?;
    let stored = &state.catalog;
    let language = ctx.lang;
    let texts = messages(language);
    let mut views: Vec<RecipientView> = Vec::new();
    for recipient in &stored.catalog.recipients {
        let Some(rid) = stored.ids.recipients.get(&recipient.key).copied() else {
            continue;
        };
        let disclosures: Vec<DisclosureView> = data
            .disclosures
            .iter()
            .filter(|d| d.recipient == rid)
            .map(|d| DisclosureView {
                entity: stored.entity(d.entity).map(|e| e.legal_name.clone()).unwrap_or_default(),
                purpose: stored.purpose(d.purpose).map(|p| p.name.get(language).to_owned()).unwrap_or_default(),
                categories: d
                    .categories
                    .iter()
                    .filter_map(|c| stored.category(*c))
                    .map(|c| c.name.get(language))
                    .collect::<Vec<_>>()
                    .join(", "),
                at: texts.date(d.at.date()),
            })
            .collect();
        if disclosures.is_empty() {
            continue;
        }
        views.push(RecipientView {
            key: recipient.key.to_string(),
            name: recipient.name.clone(),
            kind: kind_key(recipient.kind),
            country: recipient.country.clone(),
            safeguard: (recipient.safeguard != Safeguard::Eea).then(|| safeguard_key(recipient.safeguard)),
            description: recipient.description.get(language).to_owned(),
            disclosures,
        });
    }
    let mut sources: Vec<(String, String)> = Vec::new();
    for r in &data.records {
        if let Some(party) = r.source_party.and_then(|p| stored.recipient(p)) {
            let entity = stored.entity(r.entity).map(|e| e.legal_name.clone()).unwrap_or_default();
            if !sources.iter().any(|(p, e)| p == &party.name && e == &entity) {
                sources.push((party.name.clone(), entity));
            }
        }
    }
    Ok(RecipientsPage { ctx, recipients: views, sources })
}
