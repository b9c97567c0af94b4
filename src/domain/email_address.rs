//! `EmailAddress`: a registered or entered e-mail address, parsed once at the edge.

use std::fmt;

/// A syntactically valid, lower-cased e-mail address of at most 254 characters.
///
/// Deliberately narrower than RFC 5322: no quoted local parts, comments or IP-literal
/// domains, and never a CR, LF or other control character, so a value of this type is
/// always safe to put in a mail header.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

/// Why a string is not an acceptable e-mail address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailAddressError {
    /// Nothing was entered.
    #[error("enter an e-mail address")]
    Empty,
    /// More than 254 characters.
    #[error("an e-mail address has at most 254 characters")]
    TooLong,
    /// Not of the form name@domain.
    #[error("enter an address of the form name@example.com")]
    Invalid,
}

impl EmailAddress {
    /// Longest address accepted (RFC 5321 path limit minus the angle brackets).
    pub const MAX_LEN: usize = 254;

    /// Parses user input: surrounding whitespace is ignored, the result is lower-cased.
    pub fn parse(input: &str) -> Result<Self, EmailAddressError> {
        let trimmed = input.trim_matches(|c: char| c == ' ' || c == '\t');
        if trimmed.is_empty() {
            return Err(EmailAddressError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(EmailAddressError::TooLong);
        }
        let lowered = trimmed.to_lowercase();
        let (local, domain) = lowered.rsplit_once('@').ok_or(EmailAddressError::Invalid)?;
        if valid_local_part(local) && valid_domain(domain) {
            Ok(EmailAddress(lowered))
        } else {
            Err(EmailAddressError::Invalid)
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address with most of the local part hidden, e.g. `d•••@example.com`, for
    /// showing someone which address a code went to without revealing it to others.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}•••@{domain}")
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_ordinary_addresses() {
        let a = EmailAddress::parse("  Demo@Example.COM ").unwrap();
        assert_eq!(a.as_str(), "demo@example.com");
        assert!(EmailAddress::parse("noor.jansen+werk@sub.example.nl").is_ok());
        assert!(EmailAddress::parse("o'brien@example.ie").is_ok());
    }

    #[test]
    fn rejects_header_injection_and_control_characters() {
        for bad in [
            "demo@example.com\r\nBcc: victim@example.org",
            "demo@example.com\nX: y",
            "demo\r@example.com",
            "de mo@example.com",
            "demo@exa\u{0}mple.com",
            "\"quoted\"@example.com",
            "<demo@example.com>",
            "demo@example.com, other@example.com",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailAddressError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        assert_eq!(EmailAddress::parse(""), Err(EmailAddressError::Empty));
        assert_eq!(EmailAddress::parse("   "), Err(EmailAddressError::Empty));
        for bad in [
            "demo",
            "@example.com",
            "demo@",
            "demo@localhost",
            "demo@example.",
            "a..b@example.com",
            ".a@example.com",
            "demo@-x.com",
            "demo@1.2.3.4",
            "demo@exam_ple.com",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailAddressError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn enforces_length_limits() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(EmailAddress::parse(&long_local), Err(EmailAddressError::Invalid));
        let too_long = format!("{}@{}.com", "a".repeat(60), "b".repeat(200));
        assert_eq!(EmailAddress::parse(&too_long), Err(EmailAddressError::TooLong));
        let max = format!("{}@{}.{}.{}.com", "a".repeat(64), "b".repeat(61), "c".repeat(61), "d".repeat(61));
        assert_eq!(max.len(), 254);
        assert!(EmailAddress::parse(&max).is_ok());
    }

    #[test]
    fn masks_the_local_part() {
        assert_eq!(EmailAddress::parse("demo@example.com").unwrap().masked(), "d•••@example.com");
    }
}
