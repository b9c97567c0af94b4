//! The demo organisation's people, as stored: demo@example.com with everything the
//! foundation issue names, a job applicant and a website visitor. Loading is idempotent.

use std::collections::BTreeSet;

use diesel::prelude::*;
use privacy_portal::db::schema::*;
use privacy_portal::startup::prepare;

use crate::helpers::test_app::test_settings;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(demo_subject_has_the_promised_data, job_applicant_and_visitor_exist, demo_load_is_idempotent);

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
