//! Who is calling: the principal a credential stands for.

use std::ops::Deref;
use std::sync::Arc;

use govshare_model::{CreditCode, Role};
use govshare_store::TokenRecord;

/// Who is calling, as the credential says. Never taken from a request field.
///
/// Every call carries one from the auth layer to its handler and its record, so cloning it
/// copies nothing: its [`Caller`] is shared, and read through `Deref` (`p.token_id`).
#[derive(Debug, Clone, PartialEq)]
pub struct Principal(Arc<Caller>);

/// What a [`Principal`] says of the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// The credential's id (`tok_…`), the author of what the caller writes.
    pub token_id: String,
    /// The credential's name, as issued.
    pub token_name: String,
    /// `None` for platform-level credentials.
    pub department: Option<CreditCode>,
    /// The roles the credential was issued with.
    pub roles: Vec<Role>,
}

impl Deref for Principal {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl From<Caller> for Principal {
    fn from(caller: Caller) -> Self {
        Principal(Arc::new(caller))
    }
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
        Principal::from(Caller {
            token_id: t.id.clone(),
            token_name: t.name.clone(),
            department: t.department.clone(),
            roles: t.roles.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_caller() {
        let p = Principal::from(Caller {
            token_id: "tok_0000000000000001".into(),
            token_name: "业务系统".into(),
            department: None,
            roles: vec![Role::Admin],
        });
        let q = p.clone();
        assert!(std::ptr::eq(&*p, &*q));
        assert_eq!(p, q);
        assert_eq!(q.token_id, "tok_0000000000000001");
        assert!(q.has(Role::Admin));
    }
}
