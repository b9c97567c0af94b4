//! Signing in with an e-mailed one-time code, against a real SMTP server. Row ids of
//! `../shared/reference/security-checklist.md` are cited per test.

use diesel::prelude::*;
use privacy_portal::db::schema::{otp_challenges, outbox};
use time::Duration;

use crate::helpers::harness::SmtpServer;
use crate::helpers::test_app::{Browser, csrf_in};
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    code_by_mail_signs_in_and_speaks_the_persons_language,
    known_and_unknown_addresses_get_identical_answers,
    code_expires_after_ten_minutes,
    five_wrong_tries_kill_the_code,
    a_used_code_cannot_be_replayed,
    fifty_parallel_submissions_give_exactly_one_session,
    code_is_bound_to_the_browser_and_a_resend_kills_the_old_one,
    session_id_rotates_at_sign_in_and_the_old_one_is_dead,
    state_changing_forms_need_the_csrf_token,
    idle_and_absolute_timeouts_end_sessions,
    bad_input_gets_a_clear_422_and_nothing_is_sent_or_stored,
    sending_codes_is_rate_limited,
    entering_codes_is_rate_limited,
    only_hashes_of_codes_are_stored,
    undeliverable_codes_are_retried_then_dropped_not_sent_late,
    a_code_goes_out_before_a_queue_of_other_mail,
);

async fn app_with_smtp(backend: Backend, extra: &[(&str, &str)]) -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let mut settings = vec![("PORTAL_SMTP_URL", url.as_str())];
    settings.extend_from_slice(extra);
    (TestApp::spawn_with(backend, &settings).await, smtp)
}

/// OTP-01/02, and the "NL or EN, matching their language".
async fn code_by_mail_signs_in_and_speaks_the_persons_language(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[]).await;
    let browser = app.browser();
    browser.sign_in(&smtp, "demo@example.com").await;
    let (status, body) = browser.page("/dashboard").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Sam de Vries")
            && body.contains("Claranet Benelux B.V.")
            && body.contains("Claranet Products B.V."),
        "{body}"
    );
    assert!(!body.contains("Claranet Benelux Holdings B.V."), "only entities with a relationship are shown");

    let mail = smtp.wait_for("demo@example.com", 1).await;
    assert!(mail.subject.starts_with("Your sign-in code"), "{}", mail.subject);
    assert!(mail.text().contains("valid for 10 minutes"));
    assert!(mail.html().contains(&mail.code()));

    let dutch = app.browser();
    dutch.sign_in(&smtp, "noor.jansen@example.nl").await;
    let mail = smtp.wait_for("noor.jansen@example.nl", 1).await;
    assert!(mail.subject.starts_with("Uw aanmeldcode"), "{}", mail.subject);
    assert!(mail.text().contains("10 minuten geldig"));
}

/// Blanks out what differs between any two sessions (their CSRF tokens).
fn without_csrf(body: &str) -> String {
    match csrf_in(body) {
        Some(token) => body.replace(&token, "CSRF"),
        None => body.to_owned(),
    }
}

/// OTP-09: the same status, headers and bytes whether or not the address is known, at
/// every step; only the known address gets mail.
async fn known_and_unknown_addresses_get_identical_answers(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[]).await;
    let mut answers = Vec::new();
    for email in ["demo@example.com", "nobody-here@example.com"] {
        let browser = app.browser();
        let sent = browser.request_code(email).await;
        let mut headers: Vec<(String, String)> = sent
            .headers()
            .iter()
            .filter(|(k, _)| k.as_str() != "date")
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        let status = sent.status();
        let body = sent.bytes().await.unwrap();
        let (_, code_page) = browser.page("/sign-in/code?next=%2Fdashboard").await;
        let wrong = browser.enter_code("000000").await;
        let wrong_status = wrong.status();
        let wrong_body = without_csrf(&wrong.text().await.unwrap());
        answers.push((status, headers, body, without_csrf(&code_page), wrong_status, wrong_body));
    }
    assert_eq!(answers[0].0, 303);
    assert_eq!(answers[0], answers[1], "known and unknown addresses are indistinguishable");
    smtp.wait_for("demo@example.com", 1).await;
    assert!(smtp.messages_to("nobody-here@example.com").await.is_empty());
}

/// OTP-02: a code works until its tenth minute ends, not after (injected clock).
async fn code_expires_after_ten_minutes(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[]).await;
    let browser = app.browser();
    assert_eq!(browser.request_code("demo@example.com").await.status(), 303);
    let late = smtp.wait_for("demo@example.com", 1).await.code();
    app.clock.advance(Duration::seconds(601));
    let r = browser.enter_code(&late).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("expired"));

    assert_eq!(browser.request_code("demo@example.com").await.status(), 303);
    let in_time = smtp.wait_for("demo@example.com", 2).await.code();
    app.clock.advance(Duration::seconds(599));
    let r = browser.enter_code(&in_time).await;
    assert_eq!(r.status(), 303, "a code 9:59 old still works");
}

/// OTP-06: after five wrong entries the right code no longer works.
async fn five_wrong_tries_kill_the_code(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[]).await;
    let browser = app.browser();
    browser.request_code("demo@example.com").await;
    let code = smtp.wait_for("demo@example.com", 1).await.code();
    let wrong = if code == "111111" { "222222" } else { "111111" };
    for left in (0..5).rev() {
        let r = browser.enter_code(wrong).await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains(&format!("Tries left: {left}.")), "{left} tries left: {body}");
    }
    let r = browser.enter_code(&code).await;
    assert_eq!(r.status(), 422, "the right code after five wrong ones is refused");
    assert!(browser.get("/dashboard").await.status() == 303);
}

/// OTP-03 (a): a code is used once.
async fn a_used_code_cannot_be_replayed(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[]).await;
    let browser = app.browser();
    browser.sign_in(&smtp, "demo@example.com").await;
    let code = smtp.wait_for("demo@example.com", 1).await.code();
    let r = browser.enter_code(&code).await;
    assert_eq!(r.status(), 422, "replayed code refused");
    let other = app.browser();
    other.request_code("demo@example.com").await;
    assert_eq!(other.enter_code(&code).await.status(), 422, "nor from another browser");
}

/// OTP-03 (b): 50 parallel submissions of one valid code yield exactly one session.
async fn fifty_parallel_submissions_give_exactly_one_session(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[("PORTAL_SIGN_IN__ENTRIES_PER_CLIENT", "100")]).await;
    let browser = app.browser();
    browser.request_code("demo@example.com").await;
    let code = smtp.wait_for("demo@example.com", 1).await.code();
    let csrf = browser.csrf("/sign-in/code").await;
    let cookie = format!("portal_session={}", browser.cookie("portal_session").unwrap());
    // A client without a cookie jar, so every request carries the pre-sign-in session.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = app.url("/sign-in/code");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (client, url, cookie, csrf, code) =
                (client.clone(), url.clone(), cookie.clone(), csrf.clone(), code.clone());
            tokio::spawn(async move {
                let r = client
                    .post(url)
                    .header("cookie", cookie)
                    .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.headers().get("set-cookie").is_some())
            })
        })
        .collect();
    let mut signed_in = 0;
    for task in tasks {
        let (status, new_cookie) = task.await.unwrap();
        assert!(status == 303 || status == 422 || status == 403, "unexpected {status}");
        if status == 303 {
            assert!(new_cookie);
            signed_in += 1;
        }
    }
    assert_eq!(signed_in, 1, "exactly one session");
    let sessions = app
        .state
        .db
        .run(|c| {
            use privacy_portal::db::schema::sessions;
            Ok(sessions::table.filter(sessions::stage.eq("complete")).count().get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(sessions, 1);
}

/// OTP-04: a code works only in the browser that asked for it; a resend kills it.
async fn code_is_bound_to_the_browser_and_a_resend_kills_the_old_one(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[("PORTAL_SIGN_IN__RESEND_COOLDOWN_SECONDS", "0")]).await;
    let asker = app.browser();
    asker.request_code("demo@example.com").await;
    let first = smtp.wait_for("demo@example.com", 1).await.code();
    let thief = app.browser();
    thief.page("/sign-in").await;
    assert_eq!(thief.enter_code(&first).await.status(), 422, "another browser cannot use the code");

    asker.request_code("demo@example.com").await;
    let second = smtp.wait_for("demo@example.com", 2).await.code();
    if first != second {
        assert_eq!(asker.enter_code(&first).await.status(), 422, "the first code died with the resend");
    }
    assert_eq!(asker.enter_code(&second).await.status(), 303);
}

/// SESS-01/02: a new session id (and CSRF token) at sign-in; the old id is dead.
async fn session_id_rotates_at_sign_in_and_the_old_one_is_dead(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[]).await;
    let browser = app.browser();
    browser.page("/sign-in").await;
    let before = browser.cookie("portal_session").expect("an anonymous session");
    assert!(before.len() >= 43, "at least 256 bits of token");
    let csrf_before = browser.csrf("/sign-in").await;
    browser.sign_in(&smtp, "demo@example.com").await;
    let after = browser.cookie("portal_session").unwrap();
    assert_ne!(before, after);
    assert_ne!(csrf_before, browser.csrf("/account").await);

    let old = Browser::new(&app.base);
    old.jar.add_cookie_str(&format!("portal_session={before}; Path=/"), &app.base.parse().unwrap());
    let r = old.get("/dashboard").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/sign-in?next=%2Fdashboard");
    // Signing out ends the new one too.
    let csrf = browser.csrf("/dashboard").await;
    let r = browser.post("/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    let stale = Browser::new(&app.base);
    stale.jar.add_cookie_str(&format!("portal_session={after}; Path=/"), &app.base.parse().unwrap());
    assert_eq!(stale.get("/dashboard").await.status(), 303);
}

/// CSRF-01: every state-changing form is refused without the session's token.
async fn state_changing_forms_need_the_csrf_token(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[]).await;
    let browser = app.browser();
    browser.page("/sign-in").await;
    assert_eq!(browser.post("/sign-in", &[("email", "demo@example.com")]).await.status(), 403);
    assert_eq!(browser.post("/sign-in", &[("csrf", "forged"), ("email", "demo@example.com")]).await.status(), 403);
    assert_eq!(
        app.browser().post("/sign-in", &[("csrf", "x"), ("email", "demo@example.com")]).await.status(),
        403,
        "no session at all"
    );
    assert!(smtp.messages().await.is_empty());

    browser.sign_in(&smtp, "demo@example.com").await;
    for action in
        ["/sign-out", "/account/sessions/end-others", "/account/sign-out-everywhere", "/account/authenticator/start"]
    {
        assert_eq!(browser.post(action, &[]).await.status(), 403, "{action} without token");
    }
    assert_eq!(browser.get("/dashboard").await.status(), 200, "still signed in");
    // Pages behind sign-in are never cached (SESS/HDR).
    for path in ["/dashboard", "/account"] {
        assert_eq!(browser.get(path).await.headers()["cache-control"], "no-store", "{path}");
    }
}

/// SESS-03 and SESS-04: 30 minutes idle, 12 hours absolute.
async fn idle_and_absolute_timeouts_end_sessions(backend: Backend) {
    let (app, smtp) = app_with_smtp(
        backend,
        &[("PORTAL_SIGN_IN__SENDS_PER_ADDRESS", "50"), ("PORTAL_SIGN_IN__RESEND_COOLDOWN_SECONDS", "0")],
    )
    .await;
    let browser = app.browser();
    browser.sign_in(&smtp, "demo@example.com").await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(browser.get("/dashboard").await.status(), 200, "29 minutes idle is fine");
    app.clock.advance(Duration::minutes(31));
    assert_eq!(browser.get("/dashboard").await.status(), 303, "31 minutes idle ends it");

    let busy = app.browser();
    busy.sign_in(&smtp, "demo@example.com").await;
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(busy.get("/dashboard").await.status(), 200, "active within 12 hours");
    }
    app.clock.advance(Duration::minutes(20));
    assert_eq!(busy.get("/dashboard").await.status(), 303, "12 hours after sign-in it ends however active");
}

/// The "Bad input": a clear message on the same page with 422, nothing sent,
/// nothing stored beyond the rate-limit counter.
async fn bad_input_gets_a_clear_422_and_nothing_is_sent_or_stored(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[]).await;
    let browser = app.browser();
    let long = format!("{}@example.com", "a".repeat(300));
    for (input, message) in [
        ("", "Enter your e-mail address."),
        ("not-an-address", "name@example.com"),
        ("demo@example.com\r\nBcc: victim@example.org", "name@example.com"),
        ("demo@example.com\nSubject: hi", "name@example.com"),
        (long.as_str(), "at most 254 characters"),
    ] {
        let r = browser.request_code(input).await;
        assert_eq!(r.status(), 422, "{input:?}");
        let body = r.text().await.unwrap();
        assert!(body.contains(message), "{input:?}: {body}");
        assert!(body.contains("id=\"sign-in-form\""), "the same page, with the form");
    }
    browser.request_code("demo@example.com").await;
    smtp.wait_for("demo@example.com", 1).await;
    for (input, message) in
        [("12345a", "digits only"), ("123 456", "digits only"), ("12345", "6 digits"), ("", "Enter the code")]
    {
        let r = browser.enter_code(input).await;
        assert_eq!(r.status(), 422, "{input:?}");
        assert!(r.text().await.unwrap().contains(message), "{input:?}");
    }
    let (challenges, queued, attempts) = app
        .state
        .db
        .run(|c| {
            Ok((
                otp_challenges::table.count().get_result::<i64>(c)?,
                outbox::table.count().get_result::<i64>(c)?,
                otp_challenges::table.select(otp_challenges::attempts).first::<i32>(c)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!((challenges, queued), (1, 1), "only the valid request stored anything");
    assert_eq!(attempts, 0, "malformed codes do not use up tries");
    assert_eq!(smtp.messages().await.len(), 1);
}

/// OTP-08: codes per address (5 / 15 min), a resend cooldown, and per client.
async fn sending_codes_is_rate_limited(backend: Backend) {
    let (app, smtp) = app_with_smtp(
        backend,
        &[("PORTAL_SIGN_IN__RESEND_COOLDOWN_SECONDS", "0"), ("PORTAL_SIGN_IN__SENDS_PER_CLIENT", "100")],
    )
    .await;
    let browser = app.browser();
    for _ in 0..5 {
        assert_eq!(browser.request_code("demo@example.com").await.status(), 303);
    }
    let r = browser.request_code("demo@example.com").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers()["retry-after"].to_str().unwrap().parse::<i64>().unwrap() > 0);
    assert!(r.text().await.unwrap().contains("Too many codes"));
    // An unknown address is limited the same way (no enumeration through 429s).
    for _ in 0..5 {
        assert_eq!(browser.request_code("nobody@example.com").await.status(), 303);
    }
    assert_eq!(browser.request_code("nobody@example.com").await.status(), 429);
    smtp.wait_for("demo@example.com", 5).await;
    // A new window lets codes flow again.
    app.clock.advance(Duration::minutes(15));
    assert_eq!(browser.request_code("demo@example.com").await.status(), 303);

    let (cooldown_app, _smtp2) = app_with_smtp(backend, &[]).await;
    let b = cooldown_app.browser();
    assert_eq!(b.request_code("demo@example.com").await.status(), 303);
    assert_eq!(b.request_code("demo@example.com").await.status(), 429, "resend cooldown");

    let (client_app, _smtp3) = app_with_smtp(backend, &[("PORTAL_SIGN_IN__SENDS_PER_CLIENT", "3")]).await;
    let b = client_app.browser();
    for i in 0..3 {
        assert_eq!(b.request_code(&format!("person{i}@example.com")).await.status(), 303);
    }
    assert_eq!(b.request_code("person9@example.com").await.status(), 429, "per client address");
}

/// OTP-07 (entry side): code entries per client address are limited.
async fn entering_codes_is_rate_limited(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[("PORTAL_SIGN_IN__ENTRIES_PER_CLIENT", "3")]).await;
    let browser = app.browser();
    browser.request_code("demo@example.com").await;
    let code = smtp.wait_for("demo@example.com", 1).await.code();
    for _ in 0..3 {
        assert_eq!(browser.enter_code("000000").await.status(), 422);
    }
    let r = browser.enter_code(&code).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}

/// OTP-05: neither the code nor the address is readable in the database.
async fn only_hashes_of_codes_are_stored(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[]).await;
    let browser = app.browser();
    browser.request_code("demo@example.com").await;
    let code = smtp.wait_for("demo@example.com", 1).await.code();
    let (hashes, payloads, buckets) = app
        .state
        .db
        .run(|c| {
            use privacy_portal::db::schema::rate_limits;
            Ok((
                otp_challenges::table.select(otp_challenges::code_hash).load::<String>(c)?,
                outbox::table.select(outbox::payload).load::<Vec<u8>>(c)?,
                rate_limits::table.select(rate_limits::bucket).load::<String>(c)?,
            ))
        })
        .await
        .unwrap();
    assert!(hashes.iter().all(|h| h.len() == 64 && !h.contains(&code)));
    for payload in &payloads {
        let text = String::from_utf8_lossy(payload);
        assert!(!text.contains(&code) && !text.contains("demo@example.com"), "queued mail is sealed");
    }
    assert!(buckets.iter().all(|b| !b.contains("demo@example.com") && !b.contains("127.0.0.1")), "{buckets:?}");
}

/// R3 / the "Mail": a refused delivery is retried; a code that cannot go out
/// before it expires is dropped, not sent late.
async fn undeliverable_codes_are_retried_then_dropped_not_sent_late(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend, &[("PORTAL_SIGN_IN__RESEND_COOLDOWN_SECONDS", "0")]).await;
    smtp.fail_next(1, 421).await;
    let browser = app.browser();
    browser.request_code("demo@example.com").await;
    let id = wait_for_attempts(&app, 1).await;
    assert!(smtp.messages().await.is_empty(), "first delivery was refused");
    app.clock.advance(Duration::seconds(11));
    app.state.outbox_wakeup.notify_one();
    let mail = smtp.wait_for("demo@example.com", 1).await;
    assert_eq!(browser.enter_code(&mail.code()).await.status(), 303, "the retried code works");
    let status = app.state.db.run(move |c| privacy_portal::db::queries::outbox::status(c, id)).await.unwrap();
    assert_eq!((status.0, status.1), (2, true), "sent on the second try");

    smtp.fail_next(100, 421).await;
    let other = app.browser();
    other.request_code("demo@example.com").await;
    let id = wait_for_attempts(&app, 1).await;
    // Retries come after 10 s, 1 min and 5 min; the next wait (30 min) would end after
    // the code's 10 minutes, so the fourth failure gives up.
    for (step, attempts) in [(11, 2), (61, 3), (301, 4)] {
        app.clock.advance(Duration::seconds(step));
        app.state.outbox_wakeup.notify_one();
        wait_for_item_attempts(&app, id, attempts).await;
    }
    let (attempts, sent, failed, error) =
        app.state.db.run(move |c| privacy_portal::db::queries::outbox::status(c, id)).await.unwrap();
    assert!(!sent && failed, "given up: {attempts} {error:?}");
    assert!(error.unwrap_or_default().contains("expire"));
    smtp.fail_next(0, 421).await;
    app.clock.advance(Duration::minutes(20));
    app.state.outbox_wakeup.notify_one();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages_to("demo@example.com").await.len(), 1, "the stale code never went out");
}

/// Waits until the newest outbox item has been tried `attempts` times; returns its id.
async fn wait_for_attempts(app: &TestApp, attempts: i32) -> i64 {
    for _ in 0..200 {
        let newest = app
            .state
            .db
            .run(|c| {
                Ok(outbox::table
                    .order(outbox::id.desc())
                    .select((outbox::id, outbox::attempts))
                    .first::<(i64, i32)>(c)
                    .optional()?)
            })
            .await
            .unwrap();
        if let Some((id, n)) = newest
            && n >= attempts
        {
            return id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("outbox item never reached {attempts} attempts");
}

async fn wait_for_item_attempts(app: &TestApp, id: i64, attempts: i32) {
    for _ in 0..200 {
        let (n, _, failed, _) =
            app.state.db.run(move |c| privacy_portal::db::queries::outbox::status(c, id)).await.unwrap();
        if n >= attempts || failed {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("outbox item {id} never reached {attempts} attempts");
}

/// OTP-02 and R1 under load: a code queued behind 100 other mails (a notice to many people)
/// goes out within the next claims instead of after them, and the other mail is all
/// still delivered, each once.
async fn a_code_goes_out_before_a_queue_of_other_mail(backend: Backend) {
    use privacy_portal::clock::Clock as _;
    use privacy_portal::db::queries::outbox as queue;
    use privacy_portal::email::OutgoingMail;

    let (app, smtp) = app_with_smtp(backend, &[]).await;
    let keys = app.state.keys.clone();
    let now = app.clock.now();
    app.state
        .db
        .transaction(move |c| {
            for n in 0..100 {
                let mail = OutgoingMail {
                    to: format!("reader{n}@example.com"),
                    to_name: None,
                    subject: format!("Notice {n}"),
                    text: "A change to our privacy statement.".into(),
                    html: "<p>A change to our privacy statement.</p>".into(),
                };
                queue::enqueue(c, "email", keys.seal(&serde_json::to_vec(&mail).unwrap()), now, None)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    app.state.outbox_wakeup.notify_one();
    let browser = app.browser();
    browser.request_code("demo@example.com").await;
    let code = smtp.wait_for("demo@example.com", 1).await;
    let order: Vec<String> = smtp.messages().await.into_iter().map(|m| m.subject).collect();
    let at = order.iter().position(|s| *s == code.subject).unwrap();
    // At most the batch already claimed, and the one after it, went first (20 each).
    assert!(at <= 40, "the code was mail number {} of {}", at + 1, order.len());
    assert_eq!(browser.enter_code(&code.code()).await.status(), 303);

    let started = std::time::Instant::now();
    while smtp.messages().await.len() < 101 {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "the notices are all delivered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let subjects: std::collections::BTreeSet<String> = smtp.messages().await.into_iter().map(|m| m.subject).collect();
    assert_eq!(smtp.messages().await.len(), 101, "nothing twice");
    assert_eq!(subjects.len(), 101);
}
