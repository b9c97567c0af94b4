//! Who may open what, as a route × role table (anonymous, person, processor user,
//! support agent, privacy officer, admin); administration through the console; and the
//! audit trail, which names a removed event as well as an altered one.

use diesel::prelude::*;
use privacy_portal::db::queries::audit;
use privacy_portal::db::schema::*;
use privacy_portal::domain::staff::StaffRole;

use crate::helpers::harness::SmtpServer;
use crate::helpers::test_app::Browser;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;
use crate::propagation::{Api, file_request, texts};

on_both_backends!(
    staff_pages_follow_the_role_table,
    admins_manage_access_and_the_trail_shows_tampering,
    appends_from_many_connections_at_once_make_one_chain
);

async fn staff_pages_follow_the_role_table(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    let person = app.signed_in("demo@example.com").await;
    let request = file_request(&person, "access", &[("scope", "all"), ("statement", "")]).await;
    let demo_public: String = app
        .state
        .db
        .run(|c| {
            Ok(subjects::table
                .inner_join(subject_emails::table)
                .filter(subject_emails::address.eq("demo@example.com"))
                .select(subjects::public_id)
                .first(c)?)
        })
        .await
        .unwrap();
    app.add_staff("anna@support.example", "Anna Agent", StaffRole::Agent).await;
    app.add_staff("pim@privacy.example", "Pim Officer", StaffRole::PrivacyOfficer).await;
    app.add_staff("ada@admin.example", "Ada Admin", StaffRole::Admin).await;
    app.invite_processor("crm-cloud", "ops@clouddesk.example", "Chris Cloud").await;
    let (agent, _) = app.staff_signed_in(&smtp, "anna@support.example").await;
    let (officer, _) = app.staff_signed_in(&smtp, "pim@privacy.example").await;
    let (admin, _) = app.staff_signed_in(&smtp, "ada@admin.example").await;
    let (processor, _) = app.processor_signed_in(&smtp, "ops@clouddesk.example").await;
    let anonymous = app.browser();
    let who: [(&str, &Browser); 6] = [
        ("anonymous", &anonymous),
        ("person", &person),
        ("processor", &processor),
        ("agent", &agent),
        ("officer", &officer),
        ("admin", &admin),
    ];

    // 303 = sent to the staff sign-in; 403 = signed in, role not enough.
    let table: Vec<(String, [u16; 6])> = vec![
        ("/staff".into(), [303, 303, 303, 200, 200, 200]),
        (format!("/staff/people/{demo_public}/verify"), [303, 303, 303, 200, 200, 200]),
        ("/staff/requests".into(), [303, 303, 303, 403, 200, 200]),
        (format!("/staff/requests/{request}"), [303, 303, 303, 403, 200, 200]),
        ("/staff/audit".into(), [303, 303, 303, 403, 200, 200]),
        ("/staff/admin".into(), [303, 303, 303, 403, 403, 200]),
        // A person's pages: staff only while acting for a verified caller.
        ("/dashboard".into(), [303, 200, 303, 403, 403, 403]),
        ("/download/export.json".into(), [303, 200, 303, 403, 403, 403]),
        // The processor inbox is for processor users.
        ("/processor".into(), [303, 303, 200, 303, 303, 303]),
    ];
    let mut wrong = Vec::new();
    for (path, expected) in &table {
        for ((name, browser), want) in who.iter().zip(expected) {
            let got = browser.get(path).await.status().as_u16();
            if got != *want {
                wrong.push(format!("{name} GET {path}: {got}, want {want}"));
            }
        }
    }
    assert!(wrong.is_empty(), "role table:\n{}", wrong.join("\n"));

    // Changes too: an agent cannot decide, extend or administer, even with a valid form.
    let decide = format!("/staff/requests/{request}/decide");
    for (path, fields) in [
        (decide.as_str(), vec![("decision", "approve"), ("reason", "")]),
        (&format!("/staff/requests/{request}/extend"), vec![("months", "1"), ("reason", "x")]),
        ("/staff/admin/tokens", vec![("recipient", "crm-cloud"), ("label", "x")]),
        ("/staff/admin/staff", vec![("email", "eve@x.example"), ("name", "Eve"), ("role", "admin")]),
    ] {
        assert_eq!(agent.submit("/staff", path, &fields).await.status(), 403, "agent POST {path}");
    }
    assert_eq!(
        officer.submit("/staff", "/staff/admin/tokens", &[("recipient", "crm-cloud"), ("label", "x")]).await.status(),
        403
    );
    let status: String = {
        let id = request.clone();
        app.state
            .db
            .run(move |c| {
                Ok(rights_requests::table
                    .filter(rights_requests::public_id.eq(id))
                    .select(rights_requests::status)
                    .first(c)?)
            })
            .await
            .unwrap()
    };
    assert_eq!(status, "received", "nothing was decided");
    let tokens = app.state.db.run(|c| Ok(api_tokens::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert_eq!(tokens, 0);
}

async fn admins_manage_access_and_the_trail_shows_tampering(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    app.add_staff("ada@admin.example", "Ada Admin", StaffRole::Admin).await;
    let (admin, _) = app.staff_signed_in(&smtp, "ada@admin.example").await;

    // A token, shown once, that works until revoked.
    let r =
        admin.submit("/staff/admin", "/staff/admin/tokens", &[("recipient", "e-invoicing"), ("label", "ERP")]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let token = texts(&page, "#admin-secret").join("");
    assert!(token.starts_with("pp_"), "{token}");
    let (_, again) = admin.page("/staff/admin").await;
    assert!(!again.contains(&token), "shown once");
    let api = Api::new(&app, &token);
    assert_eq!(api.get("/tasks").await.0, 200);
    let doc = scraper::Html::parse_document(&again);
    let revoke = doc
        .select(&scraper::Selector::parse("#tokens form").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("action")
        .unwrap()
        .to_owned();
    assert_eq!(admin.submit("/staff/admin", &revoke, &[]).await.status(), 200);
    assert_eq!(api.get("/tasks").await.0, 401);

    // Bad input: a clear message, nothing set.
    let r = admin
        .submit(
            "/staff/admin",
            "/staff/admin/webhooks",
            &[("recipient", "e-invoicing"), ("url", "http://hooks.example.com/x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("must be https://"));
    let hooks = app.state.db.run(|c| Ok(recipient_webhooks::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert_eq!(hooks, 0);
    let r = admin
        .submit(
            "/staff/admin",
            "/staff/admin/webhooks",
            &[("recipient", "nobody"), ("url", "https://hooks.example.com/x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = admin
        .submit(
            "/staff/admin",
            "/staff/admin/staff",
            &[("email", "ada@admin.example"), ("name", "Ada Two"), ("role", "agent")],
        )
        .await;
    assert_eq!(r.status(), 409, "the address is taken");
    let r = admin
        .submit(
            "/staff/admin",
            "/staff/admin/staff",
            &[("email", "bob@support.example"), ("name", "Bob"), ("role", "superuser")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let own = {
        let (_, p) = admin.page("/staff/admin").await;
        let doc = scraper::Html::parse_document(&p);
        doc.select(&scraper::Selector::parse("#staff-list tbody tr").unwrap())
            .next()
            .unwrap()
            .value()
            .attr("data-staff")
            .unwrap()
            .to_owned()
    };
    let r = admin.submit("/staff/admin", &format!("/staff/admin/staff/{own}/disable"), &[]).await;
    assert_eq!(r.status(), 422, "not yourself");

    // A processor user invited from the console gets the invitation.
    let r = admin
        .submit(
            "/staff/admin",
            "/staff/admin/processors",
            &[("recipient", "mailing-house"), ("email", "mh@mailhuis.example"), ("name", "Mira")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let invitation = smtp.wait_for("mh@mailhuis.example", 1).await;
    assert!(invitation.subject.contains("Mailhuis Brabant B.V."));

    // The trail: intact; then an event removed behind the application's back is named.
    let (status, trail) = admin.page("/staff/audit").await;
    assert_eq!(status, 200);
    assert!(texts(&trail, "#chain-state").join("").starts_with("The hash chain is intact"));
    let drop_guard = match backend {
        Backend::Sqlite => "DROP TRIGGER audit_events_no_delete",
        Backend::Postgres => "DROP TRIGGER audit_events_append_only ON audit_events",
    };
    let refused =
        app.state.db.run(|c| Ok(diesel::delete(audit_events::table.filter(audit_events::id.eq(2))).execute(c)?)).await;
    assert!(format!("{refused:?}").contains("append-only"), "the table refuses deletes: {refused:?}");
    app.state
        .db
        .run(move |c| {
            diesel::sql_query(drop_guard).execute(c)?;
            Ok(diesel::delete(audit_events::table.filter(audit_events::id.eq(2))).execute(c)?)
        })
        .await
        .unwrap();
    let report = app.state.db.run(audit::verify).await.unwrap();
    assert_eq!(report.first_broken.as_ref().map(|(id, _)| *id), Some(3), "the event after the gap: {report:?}");
    let (_, trail) = admin.page("/staff/audit").await;
    assert!(texts(&trail, "#chain-state").join("").starts_with("The hash chain is broken at event 3"));
    let out = crate::admin_cli::admin(&app, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken at event 3"));
}

/// Every append links to the event committed before it, however many connections append
/// at once (on PostgreSQL the lock and the read of the chain's head are one call, whose
/// read must see what the lock's previous holder committed).
async fn appends_from_many_connections_at_once_make_one_chain(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = app.state.db.run(audit::verify).await.unwrap().events;
    let appenders = (0..8).map(|n| {
        let db = app.state.db.clone();
        tokio::spawn(async move {
            for i in 0..40 {
                db.transaction(move |c| {
                    audit::append(
                        c,
                        &privacy_portal::domain::audit::Actor::System,
                        "test.append",
                        None,
                        Some("appender"),
                        Some(&format!("{n}-{i} é✓")),
                        serde_json::json!({}),
                        time::OffsetDateTime::now_utc(),
                    )
                })
                .await
                .unwrap();
            }
        })
    });
    for appender in appenders.collect::<Vec<_>>() {
        appender.await.unwrap();
    }
    let report = app.state.db.run(audit::verify).await.unwrap();
    assert_eq!(report.first_broken, None, "one chain: {report:?}");
    assert_eq!(report.events, before + 320, "every append is in it");
}
