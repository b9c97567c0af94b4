//! The vocabulary of the organisation's register: keys, legal bases, retention rules,
//! kinds of recipient and transfer safeguards.

use std::fmt;

use super::text_enum::text_enum;

/// The stable identity of a catalog item: 1–64 of `a-z`, `0-9` and `-`, not starting
/// or ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(String);

impl Key {
    /// Parses a key, or says what is wrong with it.
    pub fn parse(s: &str) -> Result<Key, String> {
        let ok = (1..=64).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Key(s.to_owned()))
        } else {
            Err(format!("`{}` is not a valid key (1-64 of a-z, 0-9 and '-')", s.chars().take(70).collect::<String>()))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

text_enum! {
    /// The lawful basis of a purpose (GDPR Art. 6(1)).
    pub enum LegalBasis {
        /// (b) performance of a contract.
        Contract => "contract",
        /// (c) a legal obligation.
        LegalObligation => "legal_obligation",
        /// (f) legitimate interests.
        LegitimateInterest => "legitimate_interest",
        /// (a) consent.
        Consent => "consent",
        /// (d) vital interests.
        VitalInterest => "vital_interest",
        /// (e) a task in the public interest.
        PublicTask => "public_task",
    }
}

impl LegalBasis {
    /// Art. 20: portability applies to data processed on consent or contract.
    pub fn allows_portability(self) -> bool {
        matches!(self, LegalBasis::Consent | LegalBasis::Contract)
    }

    /// Art. 21(1): objection applies to processing on legitimate interest or public task.
    pub fn allows_objection(self) -> bool {
        matches!(self, LegalBasis::LegitimateInterest | LegalBasis::PublicTask)
    }

    /// Art. 7(3): consent can be withdrawn.
    pub fn allows_withdrawal(self) -> bool {
        self == LegalBasis::Consent
    }

    /// Art. 17(3)(b): erasure does not reach data kept under a legal obligation.
    pub fn blocks_erasure(self) -> bool {
        self == LegalBasis::LegalObligation
    }
}

text_enum! {
    /// The moment a retention period starts counting.
    pub enum RetentionFrom {
        /// When the data was collected.
        Collection => "collection",
        /// When the relationship with the entity ends.
        EndOfRelationship => "end_of_relationship",
        /// When consent is withdrawn (kept only as long as consent lasts).
        Withdrawal => "withdrawal",
    }
}

text_enum! {
    /// The role a recipient plays.
    pub enum RecipientKind {
        /// Processes on the entity's instructions (Art. 28).
        Processor => "processor",
        /// An independent controller.
        ThirdParty => "third_party",
        /// A public authority.
        Authority => "authority",
    }
}

text_enum! {
    /// The ground for a transfer of data (Chapter V).
    pub enum Safeguard {
        /// Inside the European Economic Area: no transfer.
        Eea => "eea",
        /// An adequacy decision (Art. 45).
        Adequacy => "adequacy",
        /// Standard contractual clauses (Art. 46(2)(c)).
        Scc => "scc",
        /// Binding corporate rules (Art. 47).
        Bcr => "bcr",
        /// A derogation for a specific situation (Art. 49).
        Derogation => "derogation",
    }
}

text_enum! {
    /// How a recipient confirms that an onward change was applied.
    pub enum ConfirmationMethod {
        /// In the processor sub-portal.
        Portal => "portal",
        /// Over the processor API.
        Api => "api",
        /// Receives signed webhooks and confirms over the API.
        Webhook => "webhook",
        /// By e-mail, recorded by staff.
        Email => "email",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_accept_slugs_only() {
        assert!(Key::parse("claranet-benelux").is_ok());
        assert!(Key::parse("a1").is_ok());
        for bad in ["", "-a", "a-", "Claranet", "a_b", "a b", &"x".repeat(65)] {
            assert!(Key::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rights_follow_the_legal_basis() {
        use LegalBasis::*;
        assert!(Consent.allows_portability() && Contract.allows_portability());
        assert!(!LegitimateInterest.allows_portability() && !LegalObligation.allows_portability());
        assert!(LegitimateInterest.allows_objection() && PublicTask.allows_objection());
        assert!(!Consent.allows_objection() && !Contract.allows_objection());
        assert!(Consent.allows_withdrawal() && !Contract.allows_withdrawal());
        assert!(LegalObligation.blocks_erasure() && !Consent.blocks_erasure());
    }

    #[test]
    fn unknown_spelling_names_the_accepted_values() {
        let err = "lawful".parse::<LegalBasis>().unwrap_err();
        assert!(err.to_string().contains("legitimate_interest"), "{err}");
    }
}
