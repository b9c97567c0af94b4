//! The demo organisation's people, as stored: demo@example.com with everything the
//! foundation issue names, a job applicant and a website visitor. Loading is idempotent.

use std::collections::BTreeSet;

use diesel::prelude::*;
use privacy_portal::db::schema::*;
use privacy_portal::startup::prepare;

use crate::helpers::test_app::test_settings;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    demo_subject_has_the_promised_data,
    job_applicant_and_visitor_exist,
    demo_load_is_idempotent,
    loaded_data_matches_the_link_tables
);

async fn subject_id(app: &TestApp, email: &'static str) -> i64 {
    app.state
        .db
        .run(move |c| {
            Ok(subject_emails::table
                .filter(subject_emails::address.eq(email))
                .select(subject_emails::subject_id)
                .first::<i64>(c)?)
        })
        .await
        .unwrap_or_else(|e| panic!("{email} is a demo subject: {e}"))
}

async fn demo_subject_has_the_promised_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = subject_id(&app, "demo@example.com").await;
    let (roles, categories, recipients, received_from, channels, fields) = app
        .state
        .db
        .run(move |c| {
            let roles: Vec<(String, String)> = relationships::table
                .inner_join(entities::table)
                .filter(relationships::subject_id.eq(id))
                .select((entities::key, relationships::role))
                .load(c)?;
            let categories: Vec<String> = records::table
                .inner_join(data_categories::table)
                .filter(records::subject_id.eq(id))
                .select(data_categories::key)
                .distinct()
                .load(c)?;
            let recipients: Vec<String> = disclosures::table
                .inner_join(recipients::table)
                .filter(disclosures::subject_id.eq(id))
                .select(recipients::key)
                .distinct()
                .load(c)?;
            let received_from: Vec<String> = records::table
                .inner_join(recipients::table.on(recipients::id.nullable().eq(records::source_recipient_id)))
                .filter(records::subject_id.eq(id))
                .select(recipients::key)
                .distinct()
                .load(c)?;
            let channels: Vec<(String, String)> = marketing_preferences::table
                .inner_join(marketing_channels::table)
                .inner_join(entities::table.on(entities::id.eq(marketing_preferences::entity_id)))
                .filter(marketing_preferences::subject_id.eq(id))
                .select((entities::key, marketing_channels::key))
                .load(c)?;
            let fields: Vec<String> =
                records::table.filter(records::subject_id.eq(id)).select(records::field).load(c)?;
            Ok((roles, categories, recipients, received_from, channels, fields))
        })
        .await
        .unwrap();
    let entities: BTreeSet<&str> =
        roles.iter().filter(|(_, r)| r == "customer_contact").map(|(e, _)| e.as_str()).collect();
    assert_eq!(entities, BTreeSet::from(["claranet-benelux", "claranet-products"]));
    let categories: BTreeSet<&str> = categories.iter().map(String::as_str).collect();
    for c in ["contact", "account", "usage", "billing"] {
        assert!(categories.contains(c), "category {c} held: {categories:?}");
    }
    for f in ["ip-address", "browser", "page-visited", "session-length"] {
        assert!(fields.iter().any(|x| x == f), "usage field {f}: {fields:?}");
    }
    assert!(fields.iter().filter(|f| *f == "page-visited").count() >= 20, "a long usage log to summarise");
    for r in ["e-invoicing", "mailing-house", "linkedin"] {
        assert!(recipients.contains(&r.to_owned()), "disclosed to {r}: {recipients:?}");
    }
    assert!(recipients.len() >= 4);
    assert!(received_from.contains(&"telecom-partner".to_owned()), "a telecom company as a source");
    let channel_set: BTreeSet<&str> = channels.iter().map(|(_, ch)| ch.as_str()).collect();
    assert!(channel_set.len() >= 4, "preferences across channels: {channel_set:?}");
    assert!(
        channels.iter().any(|(e, _)| e == "claranet-benelux") && channels.iter().any(|(e, _)| e == "claranet-products")
    );
}

async fn job_applicant_and_visitor_exist(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let roles = app
        .state
        .db
        .run(|c| Ok(relationships::table.select(relationships::role).distinct().load::<String>(c)?))
        .await
        .unwrap();
    assert!(roles.contains(&"job_applicant".to_owned()) && roles.contains(&"website_visitor".to_owned()), "{roles:?}");
    // The applicant's data serves the Azets m–o purposes, on consent.
    let bases = app
        .state
        .db
        .run(|c| {
            Ok(records::table
                .inner_join(data_categories::table)
                .inner_join(record_purposes::table.on(record_purposes::record_id.eq(records::id)))
                .inner_join(purposes::table.on(purposes::id.eq(record_purposes::purpose_id)))
                .filter(data_categories::key.eq("job-application"))
                .select((purposes::reference, purposes::legal_basis))
                .distinct()
                .load::<(String, String)>(c)?)
        })
        .await
        .unwrap();
    assert!(bases.iter().any(|(r, b)| r.contains('m') && b == "consent"), "{bases:?}");
}

async fn demo_load_is_idempotent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let count = || {
        app.state
            .db
            .run(|c| Ok((subjects::table.count().get_result::<i64>(c)?, records::table.count().get_result::<i64>(c)?)))
    };
    let before = count().await.unwrap();
    assert!(before.0 >= 3);
    let settings = test_settings(&app.db, &[]);
    let again = tokio::task::spawn_blocking(move || {
        prepare(&settings, &privacy_portal::clock::SystemClock, true).map(|p| p.demo_added)
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(again, 0, "nobody added twice");
    assert_eq!(count().await.unwrap(), before);
}

/// `subject_data::load` reads records with their purposes, and disclosures with their
/// categories, in one joined query each: every record and disclosure comes once, with
/// exactly the purposes and categories the link tables hold, in catalog order.
async fn loaded_data_matches_the_link_tables(backend: Backend) {
    use privacy_portal::db::queries::subject_data;
    use privacy_portal::domain::ids::SubjectId;

    let app = TestApp::spawn(backend).await;
    let id = subject_id(&app, "demo@example.com").await;
    let stored = app.state.catalog.clone();
    let (data, record_links, disclosure_links, record_count, disclosure_count) = app
        .state
        .db
        .run(move |c| {
            let record_links: Vec<(i64, i64)> = record_purposes::table
                .inner_join(records::table.on(records::id.eq(record_purposes::record_id)))
                .inner_join(purposes::table.on(purposes::id.eq(record_purposes::purpose_id)))
                .filter(records::subject_id.eq(id))
                .order((record_purposes::record_id, purposes::position))
                .select((record_purposes::record_id, record_purposes::purpose_id))
                .load(c)?;
            let disclosure_links: Vec<(i64, i64)> = disclosure_categories::table
                .inner_join(disclosures::table)
                .inner_join(data_categories::table)
                .filter(disclosures::subject_id.eq(id))
                .order((disclosure_categories::disclosure_id, data_categories::position))
                .select((disclosure_categories::disclosure_id, disclosure_categories::category_id))
                .load(c)?;
            let record_count: i64 = records::table.filter(records::subject_id.eq(id)).count().get_result(c)?;
            let disclosure_count: i64 =
                disclosures::table.filter(disclosures::subject_id.eq(id)).count().get_result(c)?;
            Ok((
                subject_data::load(c, SubjectId(id), &stored)?,
                record_links,
                disclosure_links,
                record_count,
                disclosure_count,
            ))
        })
        .await
        .unwrap();
    // The person comes with their relationships in one joined query: every relationship
    // once, in (entity, start) order; a person without any still loads; nobody is NotFound.
    let stored = app.state.catalog.clone();
    let (relationship_rows, without, unknown) = app
        .state
        .db
        .run(move |c| {
            let rows: Vec<(i64, String, time::Date)> = relationships::table
                .filter(relationships::subject_id.eq(id))
                .order((relationships::entity_id, relationships::started_on))
                .select((relationships::entity_id, relationships::role, relationships::started_on))
                .load(c)?;
            let lonely = diesel::insert_into(subjects::table)
                .values((
                    subjects::public_id.eq("no-relationship-test"),
                    subjects::display_name.eq("No Relationship"),
                    subjects::language.eq("nl"),
                    subjects::created_at.eq(time::macros::datetime!(2026-01-01 0:00)),
                    subjects::updated_at.eq(time::macros::datetime!(2026-01-01 0:00)),
                ))
                .returning(subjects::id)
                .get_result::<i64>(c)?;
            let without = subject_data::load_held(c, SubjectId(lonely), &stored)?;
            Ok((rows, without, subject_data::load_held(c, SubjectId(i64::MAX), &stored).err()))
        })
        .await
        .unwrap();
    let loaded: Vec<(i64, String, time::Date)> =
        data.relationships.iter().map(|r| (r.entity.0, r.role.as_str().to_owned(), r.since)).collect();
    assert_eq!(loaded, relationship_rows);
    assert!(relationship_rows.len() >= 2, "the demo person has several relationships");
    assert_eq!(data.summary.email.as_ref().map(|e| e.as_str()), Some("demo@example.com"));
    assert_eq!(without.summary.display_name, "No Relationship");
    assert_eq!(without.summary.language, privacy_portal::domain::Language::Nl);
    assert!(without.relationships.is_empty() && without.records.is_empty() && without.summary.email.is_none());
    assert!(matches!(unknown, Some(privacy_portal::db::DbError::NotFound)), "{unknown:?}");

    assert_eq!(data.records.len() as i64, record_count, "each record once");
    assert_eq!(data.disclosures.len() as i64, disclosure_count, "each disclosure once");
    let mut loaded: Vec<(i64, i64)> =
        data.records.iter().flat_map(|r| r.purposes.iter().map(move |p| (r.id.0, p.0))).collect();
    loaded.sort_by_key(|(record, _)| *record); // stable: purposes keep their order
    assert_eq!(loaded, record_links);
    assert!(
        data.records.iter().filter(|r| r.purposes.len() > 1).count() > 0,
        "the demo has a record with two purposes"
    );
    let mut loaded: Vec<(i64, i64)> =
        data.disclosures.iter().flat_map(|d| d.categories.iter().map(move |k| (d.id.0, k.0))).collect();
    loaded.sort_by_key(|(disclosure, _)| *disclosure);
    assert_eq!(loaded, disclosure_links);
    assert!(
        data.disclosures.iter().filter(|d| d.categories.len() > 1).count() > 0,
        "the demo has a disclosure of two categories"
    );
}
