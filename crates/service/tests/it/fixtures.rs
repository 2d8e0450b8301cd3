//! A fresh store with two registered departments, the use cases over it, and the principals
//! that call them.

use std::sync::Arc;

use govshare_model::testing::{SAMPLE_PROVIDER_CODE, sample_input, valid_credit_code};
use govshare_model::{CreditCode, MetadataInput, Role};
use govshare_service::admin::{Admin, NewDepartment};
use govshare_service::catalogue::{Catalogue, EntryAt, Register, Registration, Review};
use govshare_service::versions::Versions;
use govshare_service::{Caller, Principal, ServiceError};
use govshare_store::sled::{SledOptions, SledStore};
use tempfile::TempDir;

/// The name department A is registered under.
pub const A_NAME: &str = "市公安局";

/// The use cases over one store.
pub struct World {
    _dir: TempDir,
    pub store: Arc<SledStore>,
    pub catalogue: Catalogue,
    pub admin: Admin,
    /// The provider of the sample metadata.
    pub a: CreditCode,
    /// Another department.
    pub b: CreditCode,
}

/// A fresh store with departments A and B, registered by the platform administrator.
pub async fn world() -> World {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Arc::new(
        SledStore::open(dir.path(), &SledOptions::default()).expect("open the sled store"),
    );
    let versions = Arc::new(Versions::new(store.clone()));
    let catalogue = Catalogue::new(store.clone(), store.clone(), versions);
    let admin = Admin::new(store.clone());
    let a = code(SAMPLE_PROVIDER_CODE);
    let b = code(&valid_credit_code(2));
    for (department, name) in [(&a, A_NAME), (&b, "市民政局")] {
        let input = NewDepartment {
            code: department.to_string(),
            name: name.into(),
            region_code: "110000".into(),
            parent_code: String::new(),
        };
        admin
            .create_department(&platform(Role::Admin), &(), input)
            .await
            .expect("the administrator registers a department");
    }
    World {
        _dir: dir,
        store,
        catalogue,
        admin,
        a,
        b,
    }
}

pub fn code(text: &str) -> CreditCode {
    CreditCode::parse(text).expect("a valid credit code")
}

/// A department's credential with `roles`.
pub fn of(department: &CreditCode, roles: &[Role]) -> Principal {
    Principal::from(Caller {
        token_id: format!("tok_{department}"),
        token_name: "test".into(),
        department: Some(department.clone()),
        roles: roles.to_vec(),
    })
}

/// A platform credential (no department) with `role`.
pub fn platform(role: Role) -> Principal {
    Principal::from(Caller {
        token_id: format!("tok_{}", role.name()),
        token_name: "platform".into(),
        department: None,
        roles: vec![role],
    })
}

/// The sample metadata with its provider left to default.
pub fn metadata_without_provider() -> MetadataInput {
    MetadataInput {
        provider_code: String::new(),
        ..sample_input()
    }
}

/// The field paths of an INVALID_ARGUMENT answer.
pub fn fields(e: ServiceError) -> Vec<String> {
    match e {
        ServiceError::InvalidArgument(v) => v.into_iter().map(|f| f.field).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

impl World {
    /// A draft registered by A's cataloguer.
    pub async fn draft(&self) -> EntryAt {
        let input = Register {
            metadata: Some(metadata_without_provider()),
            ..Register::default()
        };
        match self
            .catalogue
            .register(&of(&self.a, &[Role::Cataloguer]), &(), input)
            .await
            .expect("A's cataloguer registers an entry")
        {
            Registration::Registered(entry) => entry,
            Registration::Valid(_) => panic!("stored, not only validated"),
        }
    }

    /// An entry of A, published at version 1.
    pub async fn published(&self) -> EntryAt {
        let draft = self.draft().await;
        let code = draft.header.code.clone();
        self.catalogue
            .submit(&of(&self.a, &[Role::Cataloguer]), &(), &code, 1)
            .await
            .expect("submitted");
        self.catalogue
            .review(
                &platform(Role::Admin),
                &(),
                Review {
                    code: Some(code),
                    version: 1,
                    approve: true,
                    ..Review::default()
                },
            )
            .await
            .expect("approved")
    }
}
