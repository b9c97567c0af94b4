//! E-mailed one-time sign-in codes: generated with totp-rs from a fresh random secret
//! per challenge (the secret is thrown away; only a keyed hash of the code is kept),
//! and parsed strictly from what a person types.

use time::OffsetDateTime;
use totp_rs::{Algorithm, Builder, Secret};

/// A one-time code of 6–8 digits.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

/// Never shows the digits (LOG-02).
impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeCode(redacted)")
    }
}

/// Why typed text is not a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeInputError {
    /// Nothing entered.
    #[error("enter the code from the e-mail")]
    Empty,
    /// Letters, spaces or other characters.
    #[error("the code has digits only")]
    NotDigits,
    /// Too short or too long.
    #[error("the code has a different number of digits")]
    WrongLength,
}

impl OneTimeCode {
    /// A new code of `digits` digits. Uses the OS random generator for the secret.
    pub fn generate(digits: u32, now: OffsetDateTime) -> OneTimeCode {
        let totp = Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(digits.clamp(6, 8) as u8)
            .with_step_duration(30)
            .with_secret(Secret::generate())
            .build()
            .expect("a generated 160-bit secret and 6-8 digits are valid TOTP parameters");
        OneTimeCode(totp.generate(now.unix_timestamp().max(0) as u64).to_string())
    }

    /// Parses typed input: surrounding whitespace is ignored, anything else must be
    /// exactly `digits` ASCII digits.
    pub fn parse(input: &str, digits: u32) -> Result<OneTimeCode, CodeInputError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(CodeInputError::Empty);
        }
        if !trimmed.chars().all(|c| c.is_ascii_digit()) {
            return Err(CodeInputError::NotDigits);
        }
        if trimmed.len() != digits as usize {
            return Err(CodeInputError::WrongLength);
        }
        Ok(OneTimeCode(trimmed.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_have_the_asked_digits() {
        let now = OffsetDateTime::now_utc();
        for digits in 6..=8 {
            let code = OneTimeCode::generate(digits, now);
            assert_eq!(code.as_str().len(), digits as usize);
            assert!(code.as_str().chars().all(|c| c.is_ascii_digit()));
        }
    }

    /// OTP-01: codes are uniform over the digit space (chi-square over 10^5 codes, by
    /// leading digit and by last digit; 9 degrees of freedom, critical value 40 for p ≈ 4e-6, so a fair generator fails once in ~100,000 runs).
    #[test]
    fn codes_are_uniformly_distributed() {
        let now = OffsetDateTime::now_utc();
        let mut first = [0u32; 10];
        let mut last = [0u32; 10];
        let n = 100_000;
        for _ in 0..n {
            let code = OneTimeCode::generate(6, now);
            let bytes = code.as_str().as_bytes();
            first[(bytes[0] - b'0') as usize] += 1;
            last[(bytes[5] - b'0') as usize] += 1;
        }
        for counts in [first, last] {
            let expected = n as f64 / 10.0;
            let chi2: f64 = counts.iter().map(|&c| (c as f64 - expected).powi(2) / expected).sum();
            assert!(chi2 < 40.0, "chi-square {chi2} over {counts:?}");
        }
    }

    #[test]
    fn typed_codes_are_parsed_strictly() {
        assert_eq!(OneTimeCode::parse(" 123456\n", 6).unwrap().as_str(), "123456");
        assert_eq!(OneTimeCode::parse("", 6), Err(CodeInputError::Empty));
        assert_eq!(OneTimeCode::parse("12345a", 6), Err(CodeInputError::NotDigits));
        assert_eq!(OneTimeCode::parse("123 456", 6), Err(CodeInputError::NotDigits));
        assert_eq!(OneTimeCode::parse("١٢٣٤٥٦", 6), Err(CodeInputError::NotDigits));
        assert_eq!(OneTimeCode::parse("12345", 6), Err(CodeInputError::WrongLength));
        assert_eq!(OneTimeCode::parse("1234567", 6), Err(CodeInputError::WrongLength));
    }
}
