//! The administration's use cases: departments and credentials.

use chrono::{Duration, Utc};
use govshare_model::Role;
use govshare_model::testing::valid_credit_code;
use govshare_service::admin::{NewDepartment, NewToken};
use govshare_service::tokens::token_digest;
use govshare_service::{Reason, ServiceError};
use govshare_store::IdentityStore as _;

use crate::fixtures::{fields, of, platform, world};

fn token(department: &str, roles: &[Role]) -> NewToken {
    NewToken {
        department_code: department.into(),
        roles: roles.iter().map(|r| r.code()).collect(),
        name: "数据交换接口".into(),
        expires_at: None,
    }
}

fn department(code: &str, parent: &str) -> NewDepartment {
    NewDepartment {
        code: code.into(),
        name: "市财政局".into(),
        region_code: "110000".into(),
        parent_code: parent.into(),
    }
}

#[tokio::test]
async fn only_the_platform_administrator_administers() {
    let w = world().await;
    let new_code = valid_credit_code(3);
    for p in [
        of(&w.a, &[Role::Cataloguer, Role::Approver, Role::Consumer]),
        // Stored before the separation of duties: a department's ADMIN is no administrator.
        of(&w.a, &[Role::Admin]),
        platform(Role::Auditor),
    ] {
        let denied = |e: ServiceError| e.reason() == Reason::RoleRequired;
        let err = w
            .admin
            .create_department(&p, &(), department(&new_code, ""))
            .await
            .expect_err("refused");
        assert!(denied(err), "{p:?}");
        let err = w
            .admin
            .issue_token(&p, token(w.a.as_ref(), &[Role::Consumer]))
            .await
            .expect_err("refused");
        assert!(denied(err), "{p:?}");
        let err = w
            .admin
            .revoke_token(&p, &(), "tok_0000000000000000")
            .await
            .expect_err("refused");
        assert!(denied(err), "{p:?}");
    }
    // Refusal comes before the input is looked at.
    let err = w
        .admin
        .issue_token(
            &of(&w.a, &[Role::Consumer]),
            token("", &[]).with_codes(&[1, 2, 3, 4, 5, 6]),
        )
        .await
        .expect_err("refused");
    assert_eq!(err.reason(), Reason::RoleRequired, "{err:?}");
}

#[tokio::test]
async fn a_department_needs_a_registered_parent_and_a_new_code() {
    let w = world().await;
    let admin = platform(Role::Admin);
    let orphan = valid_credit_code(4);
    let err = w
        .admin
        .create_department(&admin, &(), department(&valid_credit_code(3), &orphan))
        .await
        .expect_err("unknown parent");
    assert_eq!(fields(err), ["parent_code"]);
    let err = w
        .admin
        .create_department(&admin, &(), department("", ""))
        .await
        .expect_err("no code");
    assert_eq!(fields(err), ["code"]);
    let child = w
        .admin
        .create_department(&admin, &(), department(&valid_credit_code(3), w.a.as_ref()))
        .await
        .expect("registered under A");
    assert_eq!(child.parent_code.as_ref(), Some(&w.a));
    let err = w
        .admin
        .create_department(&admin, &(), department(w.b.as_ref(), ""))
        .await
        .expect_err("B is registered");
    assert_eq!(err.reason(), Reason::DepartmentExists, "{err:?}");
    assert_eq!(err.metadata("department_code"), Some(w.b.as_ref()));
    let page = w
        .admin
        .list_departments(&of(&w.b, &[Role::Consumer]), None, 10)
        .await
        .expect("anyone lists");
    assert_eq!(page.items.len(), 3);
}

#[tokio::test]
async fn credentials_keep_the_separation_of_duties() {
    let w = world().await;
    let admin = platform(Role::Admin);
    let a = w.a.to_string();
    for (input, expected) in [
        (token(&a, &[Role::Admin]), vec!["department_code"]),
        (
            token("", &[Role::Admin, Role::Consumer]),
            vec!["roles", "department_code"],
        ),
        (token("", &[Role::Consumer]), vec!["department_code"]),
        (token(&a, &[]), vec!["roles"]),
        (
            token(&a, &[Role::Consumer, Role::Consumer]),
            vec!["roles[1]"],
        ),
        (
            token(&valid_credit_code(9), &[Role::Consumer]),
            vec!["department_code"],
        ),
        (
            NewToken {
                name: " ".into(),
                expires_at: Some(Some(Utc::now() - Duration::hours(1))),
                ..token(&a, &[Role::Consumer])
            },
            vec!["name", "expires_at"],
        ),
        (
            NewToken {
                expires_at: Some(None),
                ..token(&a, &[Role::Consumer])
            },
            vec!["expires_at"],
        ),
    ] {
        let err = w
            .admin
            .issue_token(&admin, input.clone())
            .await
            .expect_err("invalid");
        assert_eq!(fields(err), expected, "{input:?}");
    }
    // A longer list than there are roles is refused as a whole.
    let err = w
        .admin
        .issue_token(&admin, token(&a, &[]).with_codes(&[1, 2, 3, 4, 5, 6]))
        .await
        .expect_err("too many");
    assert_eq!(fields(err), ["roles"]);
}

trait WithCodes {
    fn with_codes(self, codes: &[i32]) -> Self;
}

impl WithCodes for NewToken {
    fn with_codes(self, codes: &[i32]) -> Self {
        NewToken {
            roles: codes.to_vec(),
            ..self
        }
    }
}

#[tokio::test]
async fn an_issued_credential_is_kept_as_its_digest_until_revoked() {
    let w = world().await;
    let admin = platform(Role::Admin);
    let issued = w
        .admin
        .issue_token(
            &admin,
            token(w.a.as_ref(), &[Role::Consumer, Role::Approver]),
        )
        .await
        .expect("issued");
    assert!(issued.token.starts_with("gst_"), "{}", issued.token);
    assert_ne!(issued.record.digest, issued.token);
    let stored = w
        .store
        .token_by_digest(&token_digest(&issued.token))
        .await
        .expect("read")
        .expect("stored by its digest");
    assert_eq!(stored.id, issued.record.id);
    assert_eq!(stored.roles, [Role::Consumer, Role::Approver]);
    assert_eq!(stored.department.as_ref(), Some(&w.a));

    let me = govshare_service::Principal::from_record(&stored);
    let identity = w.admin.who_am_i(&me).await.expect("whoami");
    assert_eq!(
        identity.department.map(|d| d.name),
        Some(crate::fixtures::A_NAME.into())
    );
    assert_eq!(identity.principal.token_id, issued.record.id);

    let err = w
        .admin
        .revoke_token(&admin, &(), " ")
        .await
        .expect_err("no id");
    assert_eq!(fields(err), ["token_id"]);
    w.admin
        .revoke_token(&admin, &(), &issued.record.id)
        .await
        .expect("revoked");
    let stored = w
        .store
        .token_by_digest(&token_digest(&issued.token))
        .await
        .expect("read")
        .expect("kept");
    assert!(
        !stored.is_valid_at(Utc::now()),
        "a revoked credential is not valid"
    );
}
