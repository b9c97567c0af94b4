//! Staff roles and what each may do. Least privilege: an agent helps callers after
//! verifying them; a privacy officer also decides requests and reads the audit trail;
//! an admin also manages staff, processor users, tokens and webhooks.

use crate::domain::text_enum::text_enum;

text_enum! {
    /// A staff member's role.
    pub enum StaffRole {
        /// Support staff: finds and verifies callers, acts for them.
        Agent => "agent",
        /// Decides rights requests, extends deadlines, reads the audit trail.
        PrivacyOfficer => "privacy_officer",
        /// Everything, plus administration.
        Admin => "admin",
    }
}

/// Something a staff page or action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Search for a person (masked results) and verify a caller.
    FindCallers,
    /// Act for a verified caller in an assisted session.
    ActForCaller,
    /// See and decide rights requests, extend deadlines, chase recipients.
    DecideRequests,
    /// Browse the audit trail.
    ReadAudit,
    /// Manage staff, processor users, API tokens and webhooks.
    Administer,
}

impl StaffRole {
    /// Whether this role may do `p`.
    pub fn may(self, p: Permission) -> bool {
        match p {
            Permission::FindCallers | Permission::ActForCaller => true,
            Permission::DecideRequests | Permission::ReadAudit => {
                matches!(self, StaffRole::PrivacyOfficer | StaffRole::Admin)
            }
            Permission::Administer => self == StaffRole::Admin,
        }
    }

    /// The message key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            StaffRole::Agent => "staff_role.agent",
            StaffRole::PrivacyOfficer => "staff_role.privacy_officer",
            StaffRole::Admin => "staff_role.admin",
        }
    }
}

/// Masks an address for a staff member who has not verified the caller yet: enough to
/// pick the right person ("s***@e***.com"), not enough to learn it.
pub fn mask_email(address: &str) -> String {
    let Some((local, domain)) = address.split_once('@') else { return "***".into() };
    let first = |s: &str| s.chars().next().map(|c| c.to_string()).unwrap_or_default();
    let (host, tld) = domain.rsplit_once('.').unwrap_or((domain, ""));
    let tld = if tld.is_empty() { String::new() } else { format!(".{tld}") };
    format!("{}***@{}***{tld}", first(local), first(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_least_privilege() {
        use Permission::*;
        let table = [
            (StaffRole::Agent, [true, true, false, false, false]),
            (StaffRole::PrivacyOfficer, [true, true, true, true, false]),
            (StaffRole::Admin, [true, true, true, true, true]),
        ];
        for (role, expected) in table {
            let got = [FindCallers, ActForCaller, DecideRequests, ReadAudit, Administer].map(|p| role.may(p));
            assert_eq!(got, expected, "{role}");
        }
    }

    #[test]
    fn addresses_are_masked() {
        assert_eq!(mask_email("demo@example.com"), "d***@e***.com");
        assert_eq!(mask_email("noor.jansen@mail.example.nl"), "n***@m***.nl");
        assert_eq!(mask_email("nonsense"), "***");
    }
}
