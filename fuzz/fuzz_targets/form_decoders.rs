//! Form bodies as a browser (or an attacker) posts them: decoded into every form the
//! portal accepts, through the same `decode_form` that `CsrfForm` runs, and the text
//! fields' own parsers. Nothing may panic; every rejection is an error value.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use privacy_portal::domain::catalog::Key;
use privacy_portal::domain::ids::PublicId;
use privacy_portal::domain::{EmailAddress, Language};
use privacy_portal::extractors::session::decode_form;
use privacy_portal::handlers::{account, auth, processor, staff, subject, workforce_sign_in};

fuzz_target!(|data: &[u8]| {
    let _ = decode_form::<auth::SignInForm>(data);
    let _ = decode_form::<auth::CodeForm>(data);
    let _ = decode_form::<auth::SecondFactorForm>(data);
    let _ = decode_form::<auth::EmptyForm>(data);
    let _ = decode_form::<account::ConfirmForm>(data);
    let _ = decode_form::<subject::preferences::PreferenceForm>(data);
    let _ = decode_form::<processor::ConfirmForm>(data);
    let _ = decode_form::<processor::DeclineForm>(data);
    let _ = decode_form::<staff::callers::CodeForm>(data);
    let _ = decode_form::<staff::queue::ExtendForm>(data);
    let _ = decode_form::<staff::admin::StaffForm>(data);
    let _ = decode_form::<staff::admin::RoleForm>(data);
    let _ = decode_form::<staff::admin::ProcessorForm>(data);
    let _ = decode_form::<staff::admin::TokenForm>(data);
    let _ = decode_form::<staff::admin::SourceTokenForm>(data);
    let _ = decode_form::<staff::admin::WebhookForm>(data);
    let _ = decode_form::<workforce_sign_in::AddressForm>(data);
    let _ = decode_form::<workforce_sign_in::CodeForm>(data);
    // Request forms and decisions are read as name → value maps.
    if let Ok((_, fields)) = decode_form::<HashMap<String, String>>(data) {
        for (name, value) in &fields {
            let _ = EmailAddress::parse(value);
            let _ = PublicId::parse(value);
            let _ = Key::parse(name);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = EmailAddress::parse(text);
        let _ = Language::from_accept_language(text);
    }
});
