//! Consent receipts in the shape of the Kantara Initiative Consent Receipt
//! Specification 1.1: the person's current marketing consents per entity, signed with
//! Ed25519 (a compact JWS, RFC 7515/8037) under a key derived from the portal's secret.
//! Anyone can check the signature with the public key at `/consent-receipts/key`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::db::queries::catalog::StoredCatalog;
use crate::db::queries::subject_data::SubjectData;
use crate::domain::Language;

/// Kantara's version string for 1.1 receipts.
pub const VERSION: &str = "KI-CR-v1.1.0";

/// The verification key as a JWK (OKP / Ed25519).
pub fn public_jwk(key: &SigningKey) -> Value {
    json!({ "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()), "kid": key_id(key), "use": "sig", "alg": "EdDSA" })
}

fn key_id(key: &SigningKey) -> String {
    hex::encode(&key.verifying_key().as_bytes()[..8])
}

/// The receipt (unsigned) for the person's current preferences.
pub fn receipt(
    data: &SubjectData,
    stored: &StoredCatalog,
    now: OffsetDateTime,
    receipt_id: &str,
    key: &SigningKey,
) -> Value {
    let language = data.summary.language;
    let mut controllers = Vec::new();
    let mut services = Vec::new();
    let mut policy_url = None;
    for entity in &stored.catalog.entities {
        let Some(entity_id) = stored.ids.entities.get(&entity.key).copied() else {
            continue;
        };
        let prefs: Vec<_> = data.preferences.iter().filter(|p| p.entity == entity_id).collect();
        if prefs.is_empty() {
            continue;
        }
        policy_url.get_or_insert_with(|| entity.notice_url.clone());
        let country = stored.authority_of(entity).map(|a| a.country.clone()).unwrap_or_default();
        controllers.push(json!({
            "piiController": entity.legal_name,
            "onBehalf": false,
            "contact": entity.dpo_name,
            "address": { "streetAddress": entity.address, "addressCountry": country },
            "email": entity.dpo_email.as_str(),
            "phone": entity.contact_phone,
            "piiControllerUrl": entity.notice_url,
        }));
        let marketing_recipients = |channel: &crate::domain::catalog::Key| -> Vec<String> {
            stored
                .catalog
                .recipients
                .iter()
                .filter(|r| r.marketing.iter().any(|m| m.entity == entity.key && m.channels.contains(channel)))
                .map(|r| r.name.clone())
                .collect()
        };
        let purposes: Vec<Value> = prefs
            .iter()
            .filter(|p| p.granted)
            .filter_map(|p| stored.channel(p.channel))
            .map(|channel| {
                let third_parties = marketing_recipients(&channel.key);
                json!({
                    "purpose": format!("{}: {}", label(language), channel.name.get(language)),
                    "purposeCategory": ["Marketing"],
                    "consentType": "EXPLICIT",
                    "piiCategory": ["contact"],
                    "primaryPurpose": false,
                    "termination": termination(language),
                    "thirdPartyDisclosure": !third_parties.is_empty(),
                    "thirdPartyName": third_parties.join(", "),
                })
            })
            .collect();
        services
            .push(json!({ "service": format!("{} ({})", label(language), entity.legal_name), "purposes": purposes }));
    }
    let withdrawn: Vec<Value> = data
        .preferences
        .iter()
        .filter(|p| !p.granted)
        .filter_map(|p| Some((stored.entity(p.entity)?, stored.channel(p.channel)?, p)))
        .map(|(e, c, p)| json!({ "piiController": e.legal_name, "channel": c.key.as_str(), "since": p.updated_at.unix_timestamp() }))
        .collect();
    let last_change = data.preferences.iter().map(|p| p.updated_at).max().unwrap_or(now);
    json!({
        "version": VERSION,
        "jurisdiction": "NL",
        "consentTimestamp": last_change.unix_timestamp(),
        "collectionMethod": "Web form of the privacy portal; history kept as append-only consent events",
        "consentReceiptID": receipt_id,
        "publicKey": URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()),
        "language": language.as_str(),
        "piiPrincipalId": data.summary.email.as_ref().map(|e| e.as_str()).unwrap_or_default(),
        "piiControllers": controllers,
        "policyUrl": policy_url.unwrap_or_default(),
        "services": services,
        "sensitive": false,
        "spiCat": [],
        "issuedAt": now.unix_timestamp(),
        "withdrawnConsents": withdrawn,
    })
}

fn label(language: Language) -> &'static str {
    match language {
        Language::En => "Direct marketing",
        Language::Nl => "Direct marketing",
    }
}

fn termination(language: Language) -> &'static str {
    match language {
        Language::En => "Until withdrawn in the privacy portal, at any time, as easily as given",
        Language::Nl => "Tot intrekking in het privacyportaal, op elk moment, even gemakkelijk als gegeven",
    }
}

/// Signs `receipt` as a compact JWS (`EdDSA`).
pub fn sign(receipt: &Value, key: &SigningKey) -> String {
    let header = json!({ "alg": "EdDSA", "typ": "JWT", "kid": key_id(key) });
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(receipt.to_string()));
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// Checks a compact JWS against an Ed25519 public key; returns the payload.
pub fn verify(jws: &str, public_key: &[u8; 32]) -> Option<Value> {
    let (signing_input, signature) = jws.rsplit_once('.')?;
    let (_, payload) = signing_input.split_once('.')?;
    let key = VerifyingKey::from_bytes(public_key).ok()?;
    let signature = ed25519_dalek::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?).ok()?;
    key.verify(signing_input.as_bytes(), &signature).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// The document the person downloads: the receipt, its signature, and the key.
pub fn document(receipt: Value, key: &SigningKey) -> Value {
    let jws = sign(&receipt, key);
    json!({ "consentReceipt": receipt, "jws": jws, "verificationKey": public_jwk(key) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_is_detected() {
        let key = SigningKey::from_bytes(&[3u8; 32]);
        let receipt = json!({ "version": VERSION, "consentReceiptID": "x" });
        let jws = sign(&receipt, &key);
        let public = key.verifying_key().to_bytes();
        assert_eq!(verify(&jws, &public), Some(receipt));
        let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(json!({ "version": VERSION, "consentReceiptID": "y" }).to_string());
        assert_eq!(verify(&parts.join("."), &public), None);
        let other = SigningKey::from_bytes(&[4u8; 32]).verifying_key().to_bytes();
        assert_eq!(verify(&jws, &other), None);
    }
}
