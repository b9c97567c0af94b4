//! The messages the portal sends: one struct each, rendered from a text and an HTML
//! template under `templates/emails/`, in the recipient's language.

use askama::Template;

use super::OutgoingMail;
use crate::domain::{EmailAddress, Language};

/// The e-mailed sign-in code.
#[derive(Template)]
#[template(path = "emails/sign_in_code.txt")]
struct SignInCodeText<'a> {
    nl: bool,
    name: &'a str,
    code: &'a str,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "emails/sign_in_code.html")]
struct SignInCodeHtml<'a> {
    nl: bool,
    name: &'a str,
    code: &'a str,
    minutes: i64,
}

/// A sign-in code for `to`, valid for `minutes`.
pub fn sign_in_code(
    to: &EmailAddress,
    name: &str,
    language: Language,
    code: &str,
    minutes: i64,
) -> Result<OutgoingMail, askama::Error> {
    let nl = language == Language::Nl;
    Ok(OutgoingMail {
        to: to.to_string(),
        to_name: Some(name.to_owned()).filter(|n| !n.is_empty() && !n.contains(['\r', '\n'])),
        subject: if nl { format!("Uw aanmeldcode: {code}") } else { format!("Your sign-in code: {code}") },
        text: SignInCodeText { nl, name, code, minutes }.render()?,
        html: SignInCodeHtml { nl, name, code, minutes }.render()?,
    })
}

#[derive(Template)]
#[template(path = "emails/request_received.txt")]
struct RequestReceivedText<'a> {
    nl: bool,
    name: &'a str,
    reference: &'a str,
    kind: &'a str,
    due: &'a str,
    done: bool,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "emails/request_received.html")]
struct RequestReceivedHtml<'a> {
    nl: bool,
    name: &'a str,
    reference: &'a str,
    kind: &'a str,
    due: &'a str,
    done: bool,
    link: &'a str,
}

/// Confirms a filed rights request: reference, right, due date and where to follow it.
#[allow(clippy::too_many_arguments)]
pub fn request_received(
    to: &EmailAddress,
    name: &str,
    language: Language,
    reference: &str,
    kind: &str,
    due: &str,
    done: bool,
    link: &str,
) -> Result<OutgoingMail, askama::Error> {
    let nl = language == Language::Nl;
    Ok(OutgoingMail {
        to: to.to_string(),
        to_name: Some(name.to_owned()).filter(|n| !n.is_empty() && !n.contains(['\r', '\n'])),
        subject: if nl {
            format!("Uw verzoek {reference} is ontvangen")
        } else {
            format!("Your request {reference} has been received")
        },
        text: RequestReceivedText { nl, name, reference, kind, due, done, link }.render()?,
        html: RequestReceivedHtml { nl, name, reference, kind, due, done, link }.render()?,
    })
}

#[derive(Template)]
#[template(path = "emails/notice.txt")]
struct NoticeText<'a> {
    nl: bool,
    name: &'a str,
    paragraphs: &'a [String],
    link: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "emails/notice.html")]
struct NoticeHtml<'a> {
    nl: bool,
    name: &'a str,
    paragraphs: &'a [String],
    link: Option<(&'a str, &'a str)>,
}

/// A plain notice: a greeting, paragraphs and an optional link.
pub fn notice(
    to: &EmailAddress,
    name: &str,
    language: Language,
    subject: String,
    paragraphs: &[String],
    link: Option<(&str, &str)>,
) -> Result<OutgoingMail, askama::Error> {
    let nl = language == Language::Nl;
    Ok(OutgoingMail {
        to: to.to_string(),
        to_name: Some(name.to_owned()).filter(|n| !n.is_empty() && !n.contains(['\r', '\n'])),
        subject: subject.replace(['\r', '\n'], " "),
        text: NoticeText { nl, name, paragraphs, link }.render()?,
        html: NoticeHtml { nl, name, paragraphs, link }.render()?,
    })
}

/// A request was decided (`completed` false: approved is not told here; rejected with
/// `reason` and the complaint route) or completed (every recipient answered).
#[allow(clippy::too_many_arguments)]
pub fn request_decided(
    to: &EmailAddress,
    name: &str,
    language: Language,
    reference: &str,
    completed: bool,
    reason: Option<&str>,
    authority: &str,
    link: &str,
) -> Result<OutgoingMail, askama::Error> {
    let nl = language == Language::Nl;
    let (subject, paragraphs, link_text) = match (completed, nl) {
        (true, false) => (
            format!("Your request {reference} is complete"),
            vec![
                format!("Your request {reference} has been carried out, and every organisation that received your data has answered."),
                "The certificate below lists who confirmed what and when, and can be downloaded signed. The link works without signing in, so keep this e-mail to yourself.".to_owned(),
            ],
            "Open the certificate",
        ),
        (true, true) => (
            format!("Uw verzoek {reference} is afgerond"),
            vec![
                format!("Uw verzoek {reference} is uitgevoerd, en elke organisatie die uw gegevens ontving heeft geantwoord."),
                "Het certificaat hieronder vermeldt wie wat wanneer bevestigde, en is ondertekend te downloaden. De link werkt zonder aanmelden, dus houd deze e-mail voor uzelf.".to_owned(),
            ],
            "Open het certificaat",
        ),
        (false, false) => (
            format!("Your request {reference} has been refused"),
            vec![
                format!("We have refused your request {reference}. The reason: {}", reason.unwrap_or("")),
                format!("If you do not agree, you can complain to the supervisory authority, {authority}, or go to court."),
            ],
            "See your request",
        ),
        (false, true) => (
            format!("Uw verzoek {reference} is afgewezen"),
            vec![
                format!("Wij hebben uw verzoek {reference} afgewezen. De reden: {}", reason.unwrap_or("")),
                format!("Bent u het hier niet mee eens, dan kunt u een klacht indienen bij de toezichthouder, {authority}, of naar de rechter stappen."),
            ],
            "Bekijk uw verzoek",
        ),
    };
    notice(to, name, language, subject, &paragraphs, Some((link_text, link)))
}
