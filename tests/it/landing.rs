//! The public landing page names every legal entity with its contacts, DPO and
//! supervisory authority, in English and Dutch, behind strict security headers.

use scraper::{Html, Selector};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    landing_names_the_three_entities_with_contacts,
    landing_speaks_dutch,
    security_headers_on_every_response
);

fn select(html: &Html, css: &str) -> Vec<String> {
    let selector = Selector::parse(css).expect("valid selector");
    html.select(&selector)
        .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

async fn landing_names_the_three_entities_with_contacts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = app.get_text("/").await;
    assert_eq!(status, 200);
    let html = Html::parse_document(&body);
    let names = select(&html, "article.entity h3");
    assert_eq!(names, ["Claranet Benelux Holdings B.V.", "Claranet Benelux B.V.", "Claranet Products B.V."]);
    let rely = select(&html, "#entity-claranet-benelux").join(" ");
    assert!(rely.contains("Rely"), "trade name shown: {rely}");
    for entity in ["claranet-holdings", "claranet-benelux", "claranet-products"] {
        let card = select(&html, &format!("#entity-{entity}")).join(" ");
        for needle in [
            "Science Park Eindhoven 5630",
            "Data protection officer",
            "@",
            "Autoriteit Persoonsgegevens",
            "0900 2001 201",
        ] {
            assert!(card.contains(needle), "{entity} card lacks {needle}: {card}");
        }
    }
    assert_eq!(select(&html, "html").len(), 1);
    assert_eq!(html.root_element().value().attr("lang"), Some("en"));
}

async fn landing_speaks_dutch(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // From the browser's preference...
    let body = app
        .client
        .get(app.url("/"))
        .header("Accept-Language", "nl-NL,nl;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let html = Html::parse_document(&body);
    assert_eq!(html.root_element().value().attr("lang"), Some("nl"));
    assert_eq!(select(&html, "h1"), ["Uw gegevens, uw rechten"]);
    assert!(select(&html, "dt").iter().any(|t| t == "Functionaris gegevensbescherming"));
    assert!(select(&html, "dt").iter().any(|t| t == "Toezichthouder"));

    // ...and from the language switch, which remembers the choice and returns to the page.
    let switch = app.get("/language/nl?back=%2F").await;
    assert_eq!(switch.status(), 303);
    assert_eq!(switch.headers()["location"], "/");
    let cookie = switch.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("lang=nl") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let (_, body) = app.get_text("/").await;
    assert!(body.contains("<html lang=\"nl\">"));
    assert!(body.contains("Wie is verantwoordelijk voor uw gegevens"));

    // The switch never sends anyone off-site, and refuses unknown languages.
    let offsite = app.get("/language/en?back=%2F%2Fevil.example").await;
    assert_eq!(offsite.headers()["location"], "/");
    assert_eq!(app.get("/language/de").await.status(), 404);
}

async fn security_headers_on_every_response(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (path, status) in [("/", 200), ("/healthz", 200), ("/static/css/portal.css", 200), ("/no-such-page", 404)] {
        let response = app.get(path).await;
        assert_eq!(response.status(), status, "{path}");
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
    let css = app.get("/static/css/portal.css").await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(css.text().await.unwrap().contains(":root"));
    let (status, body) = app.get_text("/no-such-page").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
    // No inline script or style anywhere in the page itself.
    let (_, body) = app.get_text("/").await;
    assert!(!body.contains("<script") && !body.contains("style=") && !body.contains("<style"));
}
