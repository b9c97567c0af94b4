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
        subject: if nl {
            format!("Uw aanmeldcode: {code}")
        } else {
            format!("Your sign-in code: {code}")
        },
        text: SignInCodeText {
            nl,
            name,
            code,
            minutes,
        }
        .render()?,
        html: SignInCodeHtml {
            nl,
            name,
            code,
            minutes,
        }
        .render()?,
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
        text: RequestReceivedText {
            nl,
            name,
            reference,
            kind,
            due,
            done,
            link,
        }
        .render()?,
        html: RequestReceivedHtml {
            nl,
            name,
            reference,
            kind,
            due,
            done,
            link,
        }
        .render()?,
    })
}
