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
    loaded_data_matches_the_link_tables,
    one_statement_reads_every_column
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

/// The person, relationships, records and disclosures come in one `UNION ALL`
/// statement whose rows share one shape; every column must land in its own field. The
/// oracle is a plain query of each table: for the demo person, and for a person built
/// here with every optional column set, a record without purposes, a disclosure without
/// categories and only a non-primary address (which is not their e-mail).
async fn one_statement_reads_every_column(backend: Backend) {
    use privacy_portal::db::queries::subject_data::{self, SubjectData};
    use privacy_portal::domain::ids::SubjectId;
    use time::macros::{date, datetime};
    use time::{Date, PrimitiveDateTime};

    type RecordColumns = (
        (i64, i64, i64, String, String, String, Option<i64>),
        (PrimitiveDateTime, PrimitiveDateTime, Option<PrimitiveDateTime>, Option<PrimitiveDateTime>),
        (Option<String>, Option<Date>),
    );
    type DisclosureColumns = (i64, i64, i64, i64, PrimitiveDateTime);
    fn loaded_records(data: &SubjectData) -> Vec<RecordColumns> {
        let mut rows: Vec<RecordColumns> = data
            .records
            .iter()
            .map(|r| {
                let at = |t: time::OffsetDateTime| PrimitiveDateTime::new(t.date(), t.time());
                (
                    (
                        r.id.0,
                        r.entity.0,
                        r.category.0,
                        r.field.clone(),
                        r.value.clone(),
                        r.source.as_str().to_owned(),
                        r.source_party.map(|p| p.0),
                    ),
                    (at(r.collected_at), at(r.updated_at), r.restricted_at.map(at), r.erased_at.map(at)),
                    (r.kept_reason.clone(), r.kept_until),
                )
            })
            .collect();
        rows.sort_by_key(|r| r.0.0);
        rows
    }
    fn loaded_disclosures(data: &SubjectData) -> Vec<DisclosureColumns> {
        data.disclosures
            .iter()
            .map(|d| (d.id.0, d.recipient.0, d.entity.0, d.purpose.0, PrimitiveDateTime::new(d.at.date(), d.at.time())))
            .collect()
    }
    fn stored_records(c: &mut privacy_portal::db::DbConnection, id: i64) -> QueryResult<Vec<RecordColumns>> {
        records::table
            .filter(records::subject_id.eq(id))
            .order(records::id)
            .select((
                (
                    records::id,
                    records::entity_id,
                    records::category_id,
                    records::field,
                    records::value,
                    records::source,
                    records::source_recipient_id,
                ),
                (records::collected_at, records::updated_at, records::restricted_at, records::erased_at),
                (records::kept_reason, records::kept_until),
            ))
            .load(c)
    }
    fn stored_disclosures(c: &mut privacy_portal::db::DbConnection, id: i64) -> QueryResult<Vec<DisclosureColumns>> {
        disclosures::table
            .filter(disclosures::subject_id.eq(id))
            .order((disclosures::disclosed_at.desc(), disclosures::id.desc()))
            .select((
                disclosures::id,
                disclosures::recipient_id,
                disclosures::entity_id,
                disclosures::purpose_id,
                disclosures::disclosed_at,
            ))
            .load(c)
    }

    let app = TestApp::spawn(backend).await;
    let demo = subject_id(&app, "demo@example.com").await;
    let stored = app.state.catalog.clone();
    let (demo_data, demo_records, demo_disclosures, built, built_records, built_disclosures, filing, ids) = app
        .state
        .db
        .run(move |c| {
            let demo_data = subject_data::load_held(c, SubjectId(demo), &stored)?;
            let demo_records = stored_records(c, demo)?;
            let demo_disclosures = stored_disclosures(c, demo)?;

            // Two purposes of one entity, a category and a recipient from the catalog.
            let (first_purpose, entity): (i64, i64) =
                purposes::table.order(purposes::id).select((purposes::id, purposes::entity_id)).first(c)?;
            let second_purpose: i64 = purposes::table
                .filter(purposes::entity_id.eq(entity).and(purposes::id.ne(first_purpose)))
                .order(purposes::id)
                .select(purposes::id)
                .first(c)?;
            let category: i64 =
                data_categories::table.order(data_categories::id).select(data_categories::id).first(c)?;
            let recipient: i64 = recipients::table.order(recipients::id).select(recipients::id).first(c)?;
            let person = diesel::insert_into(subjects::table)
                .values((
                    subjects::public_id.eq("every-column-test"),
                    subjects::display_name.eq("Every Column"),
                    subjects::language.eq("en"),
                    subjects::created_at.eq(datetime!(2026-01-01 0:00)),
                    subjects::updated_at.eq(datetime!(2026-01-01 0:00)),
                ))
                .returning(subjects::id)
                .get_result::<i64>(c)?;
            diesel::insert_into(subject_emails::table)
                .values((
                    subject_emails::subject_id.eq(person),
                    subject_emails::address.eq("not-primary@example.org"),
                    subject_emails::is_primary.eq(false),
                    subject_emails::created_at.eq(datetime!(2026-01-01 0:00)),
                ))
                .execute(c)?;
            diesel::insert_into(relationships::table)
                .values((
                    relationships::subject_id.eq(person),
                    relationships::entity_id.eq(entity),
                    relationships::role.eq("service_user"),
                    relationships::reference.eq(Some("REF-7")),
                    relationships::started_on.eq(date!(2024 - 02 - 29)),
                    relationships::ended_on.eq(Some(date!(2025 - 03 - 31))),
                ))
                .execute(c)?;
            // A received, restricted, erased-but-kept record without purposes, and a
            // plain one with two.
            let kept = diesel::insert_into(records::table)
                .values((
                    records::subject_id.eq(person),
                    records::entity_id.eq(entity),
                    records::category_id.eq(category),
                    records::field.eq("kept field"),
                    records::value.eq(""),
                    records::source.eq("received"),
                    records::source_recipient_id.eq(Some(recipient)),
                    records::collected_at.eq(datetime!(2025-01-02 03:04:05)),
                    records::updated_at.eq(datetime!(2025-06-07 08:09:10)),
                    records::restricted_at.eq(Some(datetime!(2025-07-01 12:00))),
                    records::erased_at.eq(Some(datetime!(2025-08-01 13:30:01))),
                    records::kept_reason.eq(Some("tax law")),
                    records::kept_until.eq(Some(date!(2032 - 12 - 31))),
                ))
                .returning(records::id)
                .get_result::<i64>(c)?;
            let plain = diesel::insert_into(records::table)
                .values((
                    records::subject_id.eq(person),
                    records::entity_id.eq(entity),
                    records::category_id.eq(category),
                    records::field.eq("plain field"),
                    records::value.eq("a value"),
                    records::source.eq("provided"),
                    records::collected_at.eq(datetime!(2025-02-02 00:00)),
                    records::updated_at.eq(datetime!(2025-02-02 00:00)),
                ))
                .returning(records::id)
                .get_result::<i64>(c)?;
            for purpose in [second_purpose, first_purpose] {
                diesel::insert_into(record_purposes::table)
                    .values((
                        record_purposes::record_id.eq(plain),
                        record_purposes::entity_id.eq(entity),
                        record_purposes::purpose_id.eq(purpose),
                    ))
                    .execute(c)?;
            }
            // An older disclosure with a category and a newer one without any.
            let mut disclosure_ids = Vec::new();
            for at in [datetime!(2025-03-03 10:00), datetime!(2025-09-09 09:09:09)] {
                disclosure_ids.push(
                    diesel::insert_into(disclosures::table)
                        .values((
                            disclosures::subject_id.eq(person),
                            disclosures::recipient_id.eq(recipient),
                            disclosures::entity_id.eq(entity),
                            disclosures::purpose_id.eq(first_purpose),
                            disclosures::disclosed_at.eq(at),
                        ))
                        .returning(disclosures::id)
                        .get_result::<i64>(c)?,
                );
            }
            diesel::insert_into(disclosure_categories::table)
                .values((
                    disclosure_categories::disclosure_id.eq(disclosure_ids[0]),
                    disclosure_categories::category_id.eq(category),
                ))
                .execute(c)?;
            let built = subject_data::load_held(c, SubjectId(person), &stored)?;
            let filing = subject_data::load_records(c, SubjectId(person), &stored)?;
            Ok((
                demo_data,
                demo_records,
                demo_disclosures,
                built,
                stored_records(c, person)?,
                stored_disclosures(c, person)?,
                filing,
                (entity, kept, plain, [first_purpose, second_purpose], category, disclosure_ids),
            ))
        })
        .await
        .unwrap();

    assert!(demo_records.len() >= 10 && !demo_disclosures.is_empty(), "the demo person has data");
    assert_eq!(loaded_records(&demo_data), demo_records);
    assert_eq!(loaded_disclosures(&demo_data), demo_disclosures, "every column, newest first");

    let (entity, kept, plain, purposes_by_id, category, disclosure_ids) = ids;
    assert_eq!(built.summary.display_name, "Every Column");
    assert_eq!(built.summary.language, privacy_portal::domain::Language::En);
    assert!(built.summary.email.is_none(), "a non-primary address is not the person's e-mail");
    assert_eq!(built.relationships.len(), 1);
    let relationship = &built.relationships[0];
    assert_eq!(relationship.entity.0, entity);
    assert_eq!(relationship.role.as_str(), "service_user");
    assert_eq!(relationship.reference.as_deref(), Some("REF-7"));
    assert_eq!((relationship.since, relationship.until), (date!(2024 - 02 - 29), Some(date!(2025 - 03 - 31))));
    assert_eq!(loaded_records(&built), built_records);
    let record = |id: i64| built.records.iter().find(|r| r.id.0 == id).expect("record loaded");
    assert!(record(kept).purposes.is_empty(), "a record without purposes loads once, with none");
    let mut expected = purposes_by_id.to_vec();
    expected.sort_by_key(|p| app.state.catalog.purpose_position(privacy_portal::domain::ids::PurposeId(*p)));
    assert_eq!(record(plain).purposes.iter().map(|p| p.0).collect::<Vec<_>>(), expected);
    assert_eq!(loaded_disclosures(&built), built_disclosures);
    assert_eq!(built.disclosures.iter().map(|d| d.id.0).collect::<Vec<_>>(), [disclosure_ids[1], disclosure_ids[0]]);
    assert!(built.disclosures[0].categories.is_empty(), "a disclosure without categories loads, with none");
    assert_eq!(built.disclosures[1].categories.iter().map(|c| c.0).collect::<Vec<_>>(), [category]);

    // Filing reads the same person and records without the disclosures.
    assert_eq!(loaded_records(&filing), built_records);
    assert!(filing.disclosures.is_empty());
    assert_eq!(filing.relationships.len(), 1);
    assert_eq!(filing.summary.display_name, "Every Column");
}
