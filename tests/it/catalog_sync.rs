//! The catalog file is synced into the database in one transaction: what is stored
//! reads back equal to the file; edits apply; removing an item that data refers to is
//! refused with a message naming it, and then nothing of that start is applied.

use std::path::{Path, PathBuf};

use diesel::prelude::*;
use privacy_portal::catalog::Catalog;
use privacy_portal::db::queries::catalog as catalog_queries;
use privacy_portal::db::schema::*;
use privacy_portal::startup::prepare;

use crate::helpers::test_app::test_settings;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    stored_catalog_reads_back_equal_to_the_file,
    removing_an_item_in_use_is_refused_and_nothing_applies,
    edits_and_removals_of_unused_items_apply,
    a_start_with_an_unchanged_catalog_writes_nothing,
    a_persons_data_follows_the_catalog_order_not_row_ids
);

fn shipped_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/catalog.toml")
}

/// Writes an edited copy of the shipped catalog and returns its path.
fn edited_catalog(dir: &Path, edit: impl FnOnce(&mut toml::Table)) -> PathBuf {
    let mut table: toml::Table = std::fs::read_to_string(shipped_catalog()).unwrap().parse().unwrap();
    edit(&mut table);
    let path = dir.join("catalog.toml");
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    path
}

fn items<'a>(table: &'a mut toml::Table, kind: &str) -> &'a mut Vec<toml::Value> {
    table.get_mut(kind).and_then(toml::Value::as_array_mut).unwrap()
}

fn key_of(item: &toml::Value) -> &str {
    item.get("key").and_then(toml::Value::as_str).unwrap()
}

async fn rerun_prepare(app: &TestApp, catalog: &Path) -> Result<(), String> {
    let path = catalog.display().to_string();
    let settings = test_settings(&app.db, &[("PORTAL_CATALOG__PATH", &path)]);
    tokio::task::spawn_blocking(move || {
        prepare(&settings, &privacy_portal::clock::SystemClock, false).map(|_| ()).map_err(|e| format!("{e:#}"))
    })
    .await
    .unwrap()
}

async fn stored_catalog_reads_back_equal_to_the_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let from_file = Catalog::load(&shipped_catalog()).unwrap();
    let stored = app.state.db.run(catalog_queries::load).await.unwrap();
    assert!(stored.catalog.same_register(&from_file), "stored {:#?}\nfile {from_file:#?}", stored.catalog);
    // Authorities compare as a set above (the database keeps no position for them); into
    // a fresh database they go in file order, and come back in it.
    assert_eq!(stored.catalog.authorities, from_file.authorities);
    assert_eq!(stored.ids.entities.len(), 3);
    assert_eq!(stored.ids.purposes.len(), from_file.purposes.len());
}

async fn removing_an_item_in_use_is_refused_and_nothing_applies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let path = edited_catalog(app.db.dir(), |t| {
        items(t, "purposes").retain(|p| key_of(p) != "rely-services");
        let holdings = items(t, "entities").iter_mut().find(|e| key_of(e) == "claranet-holdings").unwrap();
        holdings.as_table_mut().unwrap().insert("legal_name".into(), "Renamed Holdings B.V.".into());
    });
    let error = rerun_prepare(&app, &path).await.unwrap_err();
    assert!(error.contains(&format!("catalog {}", path.display())), "{error}");
    assert!(error.contains("cannot remove purpose `rely-services`") && error.contains("records"), "{error}");
    let (name, purpose) = app
        .state
        .db
        .run(|c| {
            let name: String =
                entities::table.filter(entities::key.eq("claranet-holdings")).select(entities::legal_name).first(c)?;
            let purpose: i64 = purposes::table.filter(purposes::key.eq("rely-services")).count().get_result(c)?;
            Ok((name, purpose))
        })
        .await
        .unwrap();
    assert_eq!(name, "Claranet Benelux Holdings B.V.", "the rename in the refused start was not applied");
    assert_eq!(purpose, 1);
}

async fn edits_and_removals_of_unused_items_apply(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let unused: Vec<String> = app
        .state
        .db
        .run(|c| {
            let used_by_records = record_purposes::table.select(record_purposes::purpose_id);
            let used_by_disclosures = disclosures::table.select(disclosures::purpose_id);
            Ok(purposes::table
                .filter(purposes::id.ne_all(used_by_records))
                .filter(purposes::id.ne_all(used_by_disclosures))
                .select(purposes::key)
                .load(c)?)
        })
        .await
        .unwrap();
    let removed = unused.first().expect("the catalog has a purpose no demo data uses").clone();
    let removed_in_edit = removed.clone();
    let path = edited_catalog(app.db.dir(), move |t| {
        items(t, "purposes").retain(|p| key_of(p) != removed_in_edit);
        let mut new_purpose = items(t, "purposes")[0].clone();
        new_purpose.as_table_mut().unwrap().insert("key".into(), "brand-new-purpose".into());
        items(t, "purposes").push(new_purpose);
        let rely = items(t, "entities").iter_mut().find(|e| key_of(e) == "claranet-benelux").unwrap();
        rely.as_table_mut().unwrap().insert("dpo_name".into(), "Nieuwe Functionaris".into());
    });
    rerun_prepare(&app, &path).await.unwrap();
    let stored = app.state.db.run(catalog_queries::load).await.unwrap();
    assert!(stored.catalog.purposes.iter().all(|p| p.key.as_str() != removed), "{removed} removed");
    assert!(stored.catalog.purposes.iter().any(|p| p.key.as_str() == "brand-new-purpose"));
    let rely = stored.catalog.entities.iter().find(|e| e.key.as_str() == "claranet-benelux").unwrap();
    assert_eq!(rely.dpo_name, "Nieuwe Functionaris");
    // Running the same file again changes nothing (idempotent).
    rerun_prepare(&app, &path).await.unwrap();
    let again = app.state.db.run(catalog_queries::load).await.unwrap();
    assert!(again.catalog.same_register(&stored.catalog));
}

/// Purposes' stored positions, in position order.
async fn purpose_positions(app: &TestApp) -> Vec<(String, i32)> {
    app.state
        .db
        .run(|c| Ok(purposes::table.select((purposes::key, purposes::position)).order(purposes::position).load(c)?))
        .await
        .unwrap()
}

/// A start rewrote every catalog row even when the file had not changed; the dead rows
/// that left behind on PostgreSQL were scanned by the dashboard's queries. The marker:
/// positions spread apart in the database (same order, so the same register) survive a
/// start with the same file, and are rewritten by a start with an edited one.
async fn a_start_with_an_unchanged_catalog_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.state
        .db
        .run(|c| {
            Ok(diesel::update(purposes::table).set(purposes::position.eq(purposes::position * 10 + 5)).execute(c)?)
        })
        .await
        .unwrap();
    let spread = purpose_positions(&app).await;
    assert!(spread.iter().all(|(_, p)| p % 10 == 5), "{spread:?}");

    rerun_prepare(&app, &shipped_catalog()).await.unwrap();
    assert_eq!(purpose_positions(&app).await, spread, "an unchanged catalog was rewritten");

    let path = edited_catalog(app.db.dir(), |t| {
        let first = items(t, "purposes")[0].as_table_mut().unwrap();
        first.insert("reference".into(), "Edited reference".into());
    });
    rerun_prepare(&app, &path).await.unwrap();
    let synced = purpose_positions(&app).await;
    let keys = |v: &[(String, i32)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&synced), keys(&spread), "same order");
    assert!(synced.iter().enumerate().all(|(i, (_, p))| *p == i as i32), "an edited catalog is synced: {synced:?}");
    let stored = app.state.db.run(catalog_queries::load).await.unwrap();
    assert_eq!(stored.catalog.purposes[0].reference, "Edited reference");
}

/// A person's records, their purposes and their disclosures' categories are sorted in
/// the portal by catalog position (no longer by joining the catalog tables in SQL). With
/// the categories and purposes reversed in the file, row ids run against positions, so
/// an order by id would show here.
async fn a_persons_data_follows_the_catalog_order_not_row_ids(backend: Backend) {
    use privacy_portal::db::queries::subject_data;
    use privacy_portal::domain::ids::SubjectId;

    let app = TestApp::spawn(backend).await;
    let path = edited_catalog(app.db.dir(), |t| {
        items(t, "categories").reverse();
        items(t, "purposes").reverse();
    });
    rerun_prepare(&app, &path).await.unwrap();
    let stored = app.state.db.run(catalog_queries::load).await.unwrap();
    let catalog = stored.clone();
    let (data, positions) = app
        .state
        .db
        .run(move |c| {
            let id: i64 = subject_emails::table
                .filter(subject_emails::address.eq("demo@example.com"))
                .select(subject_emails::subject_id)
                .first(c)?;
            let positions: Vec<(i64, i32)> =
                data_categories::table.select((data_categories::id, data_categories::position)).load(c)?;
            Ok((subject_data::load(c, SubjectId(id), &catalog)?, positions))
        })
        .await
        .unwrap();
    for (id, position) in positions {
        let id = privacy_portal::domain::ids::CategoryId(id);
        assert_eq!(stored.category_position(id), position as usize, "in-memory position of category {id}");
    }

    let key = |r: &subject_data::HeldRecord| (r.entity, stored.category_position(r.category), r.field.clone());
    for pair in data.records.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(key(a) <= key(b), "records out of catalog order: {:?} before {:?}", key(a), key(b));
        if key(a) == key(b) {
            assert!((a.collected_at, a.id) > (b.collected_at, b.id), "newest first within a field");
        }
    }
    let against_ids = data
        .records
        .windows(2)
        .any(|p| p[0].entity == p[1].entity && p[0].category != p[1].category && p[0].category.0 > p[1].category.0);
    assert!(against_ids, "the demo person has two categories of one entity, so the reversal shows");
    let two_purposes: Vec<_> = data.records.iter().filter(|r| r.purposes.len() > 1).collect();
    assert!(!two_purposes.is_empty(), "the demo has a record with two purposes");
    for r in two_purposes {
        assert!(r.purposes.windows(2).all(|p| p[0].0 > p[1].0), "purposes in (reversed) catalog order: {r:?}");
    }
    let two_categories: Vec<_> = data.disclosures.iter().filter(|d| d.categories.len() > 1).collect();
    assert!(!two_categories.is_empty(), "the demo has a disclosure of two categories");
    for d in two_categories {
        assert!(d.categories.windows(2).all(|p| p[0].0 > p[1].0), "categories in (reversed) catalog order: {d:?}");
    }
}
