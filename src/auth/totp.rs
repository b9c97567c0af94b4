//! Authenticator apps (TOTP, RFC 6238): 160-bit seeds, 6 digits, 30-second steps, one
//! step of skew for clock drift (so a code is accepted for at most 90 s — recorded in
//! ARCHITECTURE.md as a deliberate deviation from ASVS 6.5.5's 30 s), and each step
//! accepted once (TOTP-02). Recovery codes: ten single-use codes, only hashes stored.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::keys::random_bytes;

/// Digits of an authenticator code.
pub const DIGITS: usize = 6;
/// Seconds per step.
pub const STEP: u64 = 30;
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// An authenticator seed (never logged; stored sealed).
pub struct AuthenticatorSecret(Vec<u8>);

/// What a person typed at the authenticator prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorInput {
    /// A 6-digit app code.
    Code(String),
    /// A recovery code, normalised (upper case, no separators).
    Recovery(String),
}

impl AuthenticatorSecret {
    /// A fresh random seed.
    pub fn generate() -> Self {
        AuthenticatorSecret(random_bytes::<20>().to_vec())
    }

    /// A seed from stored bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        AuthenticatorSecret(bytes)
    }

    /// The raw bytes (to seal before storing).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn totp(&self, issuer: &str, account: &str) -> Result<Totp, totp_rs::TotpError> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS as u8)
            .with_skew(1)
            .with_step_duration(STEP)
            .with_secret(Secret::new(self.0.clone().into_boxed_slice()))
            .with_account_name(account.replace(':', ""))
            .with_issuer(Some(issuer.replace(':', "")))
            .build()
    }

    /// The `otpauth://` URI apps read from the QR code.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Result<String, totp_rs::TotpError> {
        self.totp(issuer, account)?.to_url()
    }

    /// The QR code as a base64 PNG.
    pub fn qr_png_base64(&self, issuer: &str, account: &str) -> Result<String, totp_rs::TotpError> {
        self.totp(issuer, account)?.to_qr_base64()
    }

    /// The seed in base32, for typing into an app by hand.
    pub fn base32(&self) -> String {
        Secret::new(self.0.clone().into_boxed_slice()).to_base32()
    }

    /// The code for `unix_time` (tests and the enrolment page's self-check).
    pub fn code_at(&self, unix_time: u64) -> String {
        self.totp("x", "x").map(|t| t.generate(unix_time).to_string()).unwrap_or_default()
    }

    /// Checks `code` at `unix_time`; returns the matched step if it is newer than
    /// `last_used_step` (a step is never accepted twice).
    pub fn verify(&self, code: &str, unix_time: u64, last_used_step: Option<i64>) -> Option<i64> {
        let totp = self.totp("x", "x").ok()?;
        let step = totp.check(code, unix_time)? as i64;
        match last_used_step {
            Some(last) if step <= last => None,
            _ => Some(step),
        }
    }
}

impl SecondFactorInput {
    /// Parses a typed app code (6 digits) or recovery code (8 letters/digits, dashes
    /// and spaces ignored).
    pub fn parse(input: &str) -> Option<SecondFactorInput> {
        let trimmed = input.trim();
        if trimmed.len() == DIGITS && trimmed.chars().all(|c| c.is_ascii_digit()) {
            return Some(SecondFactorInput::Code(trimmed.to_owned()));
        }
        normalize_recovery_code(trimmed).map(SecondFactorInput::Recovery)
    }
}

/// Alphabet of recovery codes: no 0/O, 1/I/L to avoid misreading.
const RECOVERY_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Ten new recovery codes, formatted `XXXX-XXXX` (40 bits each).
pub fn generate_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let bytes = random_bytes::<8>();
            let chars: String =
                bytes.iter().map(|b| RECOVERY_ALPHABET[*b as usize % RECOVERY_ALPHABET.len()] as char).collect();
            format!("{}-{}", &chars[..4], &chars[4..])
        })
        .collect()
}

/// The canonical form of a typed recovery code, or `None` if it cannot be one.
pub fn normalize_recovery_code(input: &str) -> Option<String> {
    let cleaned: String =
        input.chars().filter(|c| *c != '-' && !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    (cleaned.len() == 8 && cleaned.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_verify_within_one_step_and_only_once() {
        let secret = AuthenticatorSecret::generate();
        let t = 1_800_000_000u64;
        let code = secret.code_at(t);
        let step = secret.verify(&code, t, None).expect("current code accepted");
        assert_eq!(step, (t / STEP) as i64);
        assert_eq!(secret.verify(&code, t + 30, None), Some(step), "one step of drift accepted");
        assert_eq!(secret.verify(&code, t + 61, None), None, "two steps later refused (TOTP-01)");
        assert_eq!(secret.verify(&code, t, Some(step)), None, "replay refused (TOTP-02)");
        assert_eq!(secret.verify("000000", t, None).filter(|_| code != "000000"), None);
    }

    #[test]
    fn otpauth_uri_names_issuer_and_account() {
        let secret = AuthenticatorSecret::generate();
        let uri = secret.otpauth_uri("Privacy portal", "demo@example.com").unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(uri.contains(&format!("secret={}", secret.base32())), "{uri}");
        assert!(secret.qr_png_base64("Privacy portal", "demo@example.com").unwrap().len() > 100);
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalise() {
        let codes = generate_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let c = &codes[0];
        assert_eq!(normalize_recovery_code(&c.to_lowercase()), Some(c.replace('-', "")));
        assert_eq!(SecondFactorInput::parse(c), Some(SecondFactorInput::Recovery(c.replace('-', ""))));
        assert_eq!(SecondFactorInput::parse("123456"), Some(SecondFactorInput::Code("123456".into())));
        assert_eq!(SecondFactorInput::parse("12 34 56"), None);
        assert_eq!(normalize_recovery_code("ABCD-EFG0"), None);
    }
}
