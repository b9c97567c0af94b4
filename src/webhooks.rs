//! Outgoing webhooks, the Standard Webhooks way: `webhook-id`, `webhook-timestamp` and
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with a
//! `whsec_`-prefixed secret per endpoint (security checklist R4), and the rules for
//! where the portal may send them (HTTPS outside loopback; no private or link-local
//! targets unless allowed).

use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::keys::random_bytes;

/// A new endpoint secret, `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    format!("whsec_{}", STANDARD.encode(random_bytes::<32>()))
}

/// The `webhook-signature` value for a message.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).ok()?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// Whether an address is one a webhook must not reach (unless allowed): private,
/// link-local, unspecified, multicast, or the cloud metadata range.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.octets()[0] == 0
                || (v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// Checks a configured URL: http(s), HTTPS unless on this machine, and (unless
/// `allow_private`) no literal private or link-local address. Host names are checked
/// again when resolved at delivery.
pub fn check_url(raw: &str, allow_private: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a webhook URL must not carry credentials".into());
    }
    let loopback = is_loopback_host(&url);
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err("webhooks outside this machine must use https://".into()),
        other => return Err(format!("scheme `{other}` is not allowed; use https://")),
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    if !allow_private && !loopback && literal.is_some_and(is_internal) {
        return Err("the address is private or link-local; webhooks may not reach internal networks".into());
    }
    Ok(url)
}

/// Checks the addresses a host name resolved to at delivery time.
pub fn check_resolved(url: &url::Url, addresses: &[IpAddr], allow_private: bool) -> Result<(), String> {
    if allow_private || is_loopback_host(url) {
        return Ok(());
    }
    if addresses.iter().any(|a| is_internal(*a) || a.is_loopback()) {
        return Err("the host resolves to a private, loopback or link-local address".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of the Standard Webhooks specification (and its reference libraries).
    #[test]
    fn signature_matches_the_standard_webhooks_vector() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn urls_must_be_https_and_public() {
        assert!(check_url("https://hooks.example.com/portal", false).is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook", false).is_ok(), "loopback may be plain http");
        assert!(check_url("http://hooks.example.com/portal", false).unwrap_err().contains("https"));
        for internal in [
            "https://10.0.0.5/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest",
            "https://[fd00::1]/x",
            "https://[fe80::1]/x",
            "https://100.64.0.1/x",
        ] {
            assert!(check_url(internal, false).is_err(), "{internal}");
            assert!(check_url(internal, true).is_ok(), "{internal} allowed when configured");
        }
        assert!(check_url("ftp://x.example.com", false).is_err());
        assert!(check_url("https://user:pw@hooks.example.com", false).is_err());
        let url = url::Url::parse("https://hooks.example.com").unwrap();
        assert!(check_resolved(&url, &["10.1.2.3".parse().unwrap()], false).is_err());
        assert!(check_resolved(&url, &["93.184.216.34".parse().unwrap()], false).is_ok());
    }
}
