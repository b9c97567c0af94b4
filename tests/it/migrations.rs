//! Both migration folders carry the same versions, and on each backend the schema goes
//! up, all the way down, and up again, after which every table loads.

use std::collections::BTreeSet;
use std::path::Path;

use diesel::prelude::*;
use privacy_portal::db::schema::*;
use privacy_portal::db::{DbPool, migrations};

use crate::helpers::test_app::test_settings;
use crate::helpers::{Backend, TestDb};
use crate::on_both_backends;

on_both_backends!(migrations_go_up_down_and_up_again);

fn versions(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let sqlite = versions("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, versions("postgres"));
    for v in &sqlite {
        for backend in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend).join(v).join(file);
                assert!(path.is_file(), "{} missing", path.display());
            }
        }
    }
}

async fn migrations_go_up_down_and_up_again(backend: Backend) {
    let db = TestDb::new(backend);
    let settings = test_settings(&db, &[]);
    tokio::task::spawn_blocking(move || {
        let pool = DbPool::connect(&settings.database).unwrap();
        let mut conn = pool.get().unwrap();
        let expected = versions(if backend == Backend::Sqlite { "sqlite" } else { "postgres" }).len();
        assert_eq!(migrations::run_pending(&mut conn).unwrap().len(), expected);
        assert!(migrations::run_pending(&mut conn).unwrap().is_empty(), "second run applies nothing");
        assert_eq!(migrations::revert_all(&mut conn).unwrap().len(), expected);
        assert!(migrations::applied(&mut conn).unwrap().is_empty());
        assert_eq!(migrations::run_pending(&mut conn).unwrap().len(), expected);
        // Every table of schema.rs exists with the columns it declares.
        macro_rules! loads {
            ($($t:ident),+) => {$(
                $t::table.select($t::all_columns).limit(0).execute(&mut *conn).unwrap_or_else(|e| panic!("{}: {e}", stringify!($t)));
            )+};
        }
        loads!(
            authorities, entities, marketing_channels, entity_channels, data_categories, category_fields, purposes,
            purpose_categories, recipients, recipient_channels, subjects, subject_emails, subject_oidc_identities,
            relationships, records, record_purposes, disclosures, disclosure_categories, marketing_preferences,
            consent_events, suppressions, staff_users, processor_users, rights_requests, rights_request_items,
            propagation_tasks, authenticators, recovery_codes, api_tokens, sessions, otp_challenges, oidc_logins,
            rate_limits, outbox, audit_events, recipient_webhooks, webhook_deliveries, idempotency_keys, restriction_lifts,
            staff_actions
        );
    })
    .await
    .unwrap();
}
