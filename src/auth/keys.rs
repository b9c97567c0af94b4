//! The portal's master secret and the keys derived from it: a keyed hash for one-time
//! codes and recovery codes (only hashes are stored, OTP-05), a keyed hash for lookup
//! values such as addresses in rate-limit buckets (no plain personal data in those
//! tables), and an AEAD key that seals authenticator seeds and queued mail (TOTP-04).
//! Session and API tokens carry 256 random bits; a plain SHA-256 identifies them.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::settings::SecuritySettings;

type HmacSha256 = Hmac<Sha256>;

/// Keys derived from the master secret. No `Debug`: nothing here may reach a log.
#[derive(Clone)]
pub struct Keys {
    code: [u8; 32],
    lookup: [u8; 32],
    seal: [u8; 32],
    receipt: [u8; 32],
}

/// Sealed data that cannot be opened with this key (tampered, or another secret).
#[derive(Debug, thiserror::Error)]
#[error("sealed data cannot be opened with this portal's secret")]
pub struct OpenError;

/// Fills a fresh array from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS generator failing is unrecoverable and extremely rare; refusing to go on
    // beats handing out predictable secrets.
    getrandom::fill(&mut bytes).expect("the operating system's random generator is available");
    bytes
}

/// A new random token (256 bits, URL-safe base64, 43 characters).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// How a high-entropy token is stored and looked up: SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

fn derive(master: &[u8], label: &str) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes keys of any length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

fn hmac_hex(key: &[u8; 32], parts: &[&str]) -> String {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        // Length-prefix each part so ("ab","c") and ("a","bc") differ.
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

impl Keys {
    /// Derives the keys from a master secret of at least 32 bytes.
    pub fn from_master(master: &[u8]) -> Result<Keys, String> {
        if master.len() < 32 {
            return Err(format!("the secret key has {} bytes; it needs at least 32", master.len()));
        }
        Ok(Keys {
            code: derive(master, "privacy-portal/code-hash/v1"),
            lookup: derive(master, "privacy-portal/lookup-hash/v1"),
            seal: derive(master, "privacy-portal/seal/v1"),
            receipt: derive(master, "privacy-portal/consent-receipt-ed25519/v1"),
        })
    }

    /// Loads the master secret from settings: inline, or from the key file, which is
    /// created with a new random secret when missing.
    pub fn load(security: &SecuritySettings) -> Result<Keys, String> {
        if let Some(inline) = &security.secret_key {
            let master =
                decode_secret(inline.expose_secret()).map_err(|e| format!("setting `security.secret_key`: {e}"))?;
            return Keys::from_master(&master).map_err(|e| format!("setting `security.secret_key`: {e}"));
        }
        let path = &security.secret_key_file;
        let origin = format!("secret key file {}", path.display());
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                create_key_file(path).map_err(|e| format!("{origin}: cannot create: {e}"))?;
                tracing::warn!(path = %path.display(), "created a new secret key file; set security.secret_key when running more than one instance");
                std::fs::read_to_string(path).map_err(|e| format!("{origin}: {e}"))?
            }
            Err(e) => return Err(format!("{origin}: cannot read: {e}")),
        };
        let master = decode_secret(&text).map_err(|e| format!("{origin}: {e}"))?;
        Keys::from_master(&master).map_err(|e| format!("{origin}: {e}"))
    }

    /// Keyed hash of a one-time code, bound to the challenge it belongs to.
    pub fn code_hash(&self, challenge: &str, code: &str) -> String {
        hmac_hex(&self.code, &[challenge, code])
    }

    /// Keyed hash of a lookup value (an address, a client IP) for a given use.
    pub fn lookup_hash(&self, purpose: &str, value: &str) -> String {
        hmac_hex(&self.lookup, &[purpose, value])
    }

    /// The Ed25519 key that signs consent receipts.
    pub fn receipt_signing_key(&self) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&self.receipt)
    }

    /// Encrypts and authenticates `plaintext`: a random 12-byte nonce, then ciphertext.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let cipher = ChaCha20Poly1305::new((&self.seal).into());
        let nonce_bytes = random_bytes::<12>();
        let mut out = nonce_bytes.to_vec();
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        out.extend(cipher.encrypt(Nonce::from_slice(&nonce_bytes), plaintext).expect("ChaCha20-Poly1305 encrypts"));
        out
    }

    /// Opens what `seal` produced.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, OpenError> {
        if sealed.len() < 12 + 16 {
            return Err(OpenError);
        }
        let cipher = ChaCha20Poly1305::new((&self.seal).into());
        cipher.decrypt(Nonce::from_slice(&sealed[..12]), &sealed[12..]).map_err(|_| OpenError)
    }
}

fn decode_secret(text: &str) -> Result<Vec<u8>, String> {
    let t = text.trim();
    STANDARD
        .decode(t)
        .or_else(|_| URL_SAFE.decode(t))
        .or_else(|_| URL_SAFE_NO_PAD.decode(t))
        .map_err(|_| "is not base64 (generate one with `openssl rand -base64 48`)".to_owned())
}

fn create_key_file(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    writeln!(file, "{}", STANDARD.encode(random_bytes::<48>()))?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_master(&[7u8; 32]).unwrap()
    }

    #[test]
    fn seal_round_trips_and_detects_tampering() {
        let k = keys();
        let sealed = k.seal(b"JBSWY3DPEHPK3PXP");
        assert_ne!(&sealed[12..], b"JBSWY3DPEHPK3PXP");
        assert_eq!(k.open(&sealed).unwrap(), b"JBSWY3DPEHPK3PXP");
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(k.open(&tampered).is_err());
        let other = Keys::from_master(&[8u8; 32]).unwrap();
        assert!(other.open(&sealed).is_err());
    }

    #[test]
    fn hashes_are_keyed_and_separated() {
        let k = keys();
        assert_eq!(k.code_hash("c1", "123456"), k.code_hash("c1", "123456"));
        assert_ne!(k.code_hash("c1", "123456"), k.code_hash("c2", "123456"));
        assert_ne!(k.code_hash("c1", "123456"), Keys::from_master(&[9u8; 32]).unwrap().code_hash("c1", "123456"));
        assert_ne!(k.lookup_hash("ab", "c"), k.lookup_hash("a", "bc"));
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(Keys::from_master(&[1u8; 16]).is_err());
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let security = SecuritySettings {
            secret_key: None,
            secret_key_file: dir.path().join("nested/secret.key"),
            trust_forwarded_for: false,
        };
        let first = Keys::load(&security).unwrap();
        let second = Keys::load(&security).unwrap();
        assert_eq!(first.code_hash("a", "b"), second.code_hash("a", "b"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&security.secret_key_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
    }
}
