//! Who is calling: the principal a credential stands for.

use govshare_model::{CreditCode, Role};
use govshare_store::TokenRecord;

/// Who is calling, as the credential says. Never taken from a request field.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The credential's id (`tok_…`), the author of what the caller writes.
    pub token_id: String,
    /// The credential's name, as issued.
    pub token_name: String,
    /// `None` for platform-level credentials.
    pub department: Option<CreditCode>,
    /// The roles the credential was issued with.
    pub roles: Vec<Role>,
}

impl Principal {
    /// Whether the credential holds `role`. A platform role (ADMIN, AUDITOR) counts only on a
    /// credential without a department, whatever a stored record says.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role) && (self.department.is_none() || !role.is_platform())
    }

    /// Whether the credential belongs to `department`.
    pub fn is_of(&self, department: &CreditCode) -> bool {
        self.department.as_ref() == Some(department)
    }

    /// The principal of a stored credential.
    pub fn from_record(t: &TokenRecord) -> Self {
        Principal {
            token_id: t.id.clone(),
            token_name: t.name.clone(),
            department: t.department.clone(),
            roles: t.roles.clone(),
        }
    }
}
