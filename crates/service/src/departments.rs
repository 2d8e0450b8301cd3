//! The registered names of departments, read from the store once: departments are never
//! renamed or removed.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use govshare_model::CreditCode;
use govshare_store::{DepartmentRecord, IdentityStore};

use crate::error::ServiceResult;

/// Department names by code, in front of the identity store.
#[derive(Debug)]
pub struct DepartmentNames {
    store: Arc<dyn IdentityStore>,
    names: RwLock<HashMap<CreditCode, String>>,
}

impl DepartmentNames {
    /// An empty cache in front of `store`.
    pub fn new(store: Arc<dyn IdentityStore>) -> Self {
        DepartmentNames {
            store,
            names: RwLock::default(),
        }
    }

    /// The registered name of department `code`; `None` if it is not registered.
    pub async fn name(&self, code: &CreditCode) -> ServiceResult<Option<String>> {
        if let Some(name) = self.names.read().ok().and_then(|m| m.get(code).cloned()) {
            return Ok(Some(name));
        }
        let Some(DepartmentRecord { name, .. }) = self.store.get_department(code).await? else {
            return Ok(None);
        };
        if let Ok(mut names) = self.names.write() {
            names.insert(code.clone(), name.clone());
        }
        Ok(Some(name))
    }
}
