//! The sharing use cases: requests granted at once or decided by the provider, refusals with
//! their reasons, who sees which request, listing, withdrawal and revocation.

use govshare_model::{FieldReason, GrantState, RequestState, Role, ShareType, Text};
use govshare_service::Reason;
use govshare_service::sharing::{Decide, Direction, GrantQuery, RequestQuery};

use crate::support_sharing::{ask, fields, metadata, of, platform, world};

#[tokio::test]
async fn an_unconditional_request_is_granted_at_once() {
    let w = world().await;
    let entry = w.published(&metadata(ShareType::Unconditional)).await;
    let created = w.request(&entry, &["姓名", "出生日期"]).await;
    assert_eq!(created.request.state, RequestState::Approved);
    assert_eq!(created.request.requester_code, w.b);
    assert_eq!(created.request.provider_code, w.a);
    assert_eq!(created.request.entry_version, 1);
    let grant = created.grant.expect("granted at once");
    assert_eq!(created.request.grant_id, Some(grant.id));
    assert_eq!(grant.items, ["姓名", "出生日期"]);
    assert_eq!(grant.consumer_code, w.b);
    assert!(grant.authorizes(created.at));
    assert!(
        created.request.due_at.is_none(),
        "nothing is due from the provider"
    );
}

#[tokio::test]
async fn a_conditional_request_waits_for_an_approver_of_the_provider() {
    let w = world().await;
    let entry = w.published(&metadata(ShareType::Conditional)).await;
    let pending = w.request(&entry, &["姓名"]).await;
    assert_eq!(pending.request.state, RequestState::Pending);
    assert!(pending.grant.is_none());
    let due = pending.request.due_at.expect("a deadline");
    assert!(due > pending.at, "due {due} after {}", pending.at);
    let id = pending.request.id;
    let approve = || Decide {
        id: Some(id),
        approve: true,
        ..Decide::default()
    };
    // Neither the requesting department's approver nor the platform administrator may
    // decide, nor the provider's consumer.
    for (p, needs) in [
        (of(&w.b, &[Role::Approver, Role::Consumer]), "providing"),
        (platform(Role::Admin), "APPROVER"),
        (of(&w.a, &[Role::Consumer]), "APPROVER"),
    ] {
        let err = w
            .sharing
            .decide_request(&p, &(), approve())
            .await
            .expect_err("not the provider's approver");
        assert!(
            matches!(err.reason(), Reason::RoleRequired | Reason::ProviderOnly)
                && err.to_string().contains(needs),
            "{err:?}"
        );
    }
    // A department party to nothing does not learn that the request exists.
    let err = w
        .sharing
        .decide_request(&of(&w.c, &[Role::Approver]), &(), approve())
        .await
        .expect_err("hidden");
    assert_eq!(err.reason(), Reason::RequestNotFound, "{err:?}");
    let decided = w
        .sharing
        .decide_request(&of(&w.a, &[Role::Approver]), &(), approve())
        .await
        .expect("A's approver approves");
    assert_eq!(decided.request.state, RequestState::Approved);
    let grant = decided.grant.expect("the approval's grant");
    assert_eq!(grant.items, ["姓名"]);
    assert_eq!(decided.request.grant_id, Some(grant.id));
    // Decided once: a second decision is refused on the request's state.
    let err = w
        .sharing
        .decide_request(&of(&w.a, &[Role::Approver]), &(), approve())
        .await
        .expect_err("no longer pending");
    assert!(
        err.reason() == Reason::RequestNotPending
            && err.metadata("request_id") == Some(id.to_string().as_str()),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_non_shared_entry_is_refused_with_its_basis() {
    let w = world().await;
    let m = metadata(ShareType::NotShared);
    let entry = w.published(&m).await;
    let err = w
        .sharing
        .create_request(&of(&w.b, &[Role::Consumer]), &(), ask(&entry, &[]))
        .await
        .expect_err("不予共享");
    match err {
        err if err.reason() == Reason::NotShared => {
            assert_eq!(err.metadata("code"), Some(entry.code.to_string().as_str()));
            let message = err.to_string();
            assert!(message.contains(&m.sharing.basis), "{message}");
        }
        other => panic!("expected the share type's refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unpublished_entry_does_not_exist_for_a_requester() {
    let w = world().await;
    let draft = w.draft(&metadata(ShareType::Unconditional)).await;
    let err = w
        .sharing
        .create_request(&of(&w.b, &[Role::Consumer]), &(), ask(&draft, &[]))
        .await
        .expect_err("a draft of another department");
    assert_eq!(
        err.to_string(),
        govshare_service::authz::no_such_entry(&draft.code).to_string()
    );
}

#[tokio::test]
async fn transport_violations_come_after_the_role_and_before_the_entry() {
    let w = world().await;
    let entry = w.published(&metadata(ShareType::Conditional)).await;
    let mut input = ask(&entry, &[]);
    input.invalid.add(
        "requested_until",
        FieldReason::InvalidFormat,
        Text::new("不是有效时间", "not a valid time"),
    );
    // Without the consumer role the refusal is the role's, whatever the input.
    let err = w
        .sharing
        .create_request(&of(&w.b, &[Role::Approver]), &(), input.clone())
        .await
        .expect_err("no consumer role");
    assert!(
        err.reason() == Reason::RoleRequired && err.metadata("role") == Some("CONSUMER"),
        "{err:?}"
    );
    let err = w
        .sharing
        .create_request(&of(&w.b, &[Role::Consumer]), &(), input)
        .await
        .expect_err("bad input");
    assert_eq!(fields(err), ["requested_until"]);
}

#[tokio::test]
async fn another_department_does_not_see_a_request() {
    let w = world().await;
    let entry = w.published(&metadata(ShareType::Conditional)).await;
    let id = w.request(&entry, &["姓名"]).await.request.id;
    let other = of(&w.c, &[Role::Consumer, Role::Approver]);
    let hidden = w
        .sharing
        .get_request(&other, &(), id)
        .await
        .expect_err("another department's request");
    assert_eq!(
        hidden.to_string(),
        govshare_service::authz::no_such_request(id).to_string()
    );
    let listed = w
        .sharing
        .list_requests(
            &other,
            RequestQuery {
                direction: Some(Direction::Unspecified),
                limit: 50,
                ..RequestQuery::default()
            },
        )
        .await
        .expect("its own list");
    assert!(listed.requests.is_empty());
    // Both departments, the administrator and the auditor see it.
    for p in [
        of(&w.a, &[Role::Approver]),
        of(&w.b, &[Role::Consumer]),
        platform(Role::Admin),
        platform(Role::Auditor),
    ] {
        let seen = w.sharing.get_request(&p, &(), id).await.expect("visible");
        assert_eq!(seen.id, id);
    }
    // The provider lists it as incoming, the requester as outgoing, not the other way round.
    let list = |p, direction| {
        let sharing = &w.sharing;
        async move {
            let query = RequestQuery {
                direction: Some(direction),
                limit: 50,
                ..RequestQuery::default()
            };
            sharing
                .list_requests(&p, query)
                .await
                .expect("listed")
                .requests
                .len()
        }
    };
    assert_eq!(
        list(of(&w.a, &[Role::Approver]), Direction::Incoming).await,
        1
    );
    assert_eq!(
        list(of(&w.a, &[Role::Approver]), Direction::Outgoing).await,
        0
    );
    assert_eq!(
        list(of(&w.b, &[Role::Consumer]), Direction::Outgoing).await,
        1
    );
    assert_eq!(
        list(of(&w.b, &[Role::Consumer]), Direction::Incoming).await,
        0
    );
}

#[tokio::test]
async fn a_platform_credential_picks_no_side_and_its_violation_comes_first() {
    let w = world().await;
    let mut query = RequestQuery {
        direction: Some(Direction::Outgoing),
        limit: 50,
        ..RequestQuery::default()
    };
    query.invalid.add(
        "state",
        FieldReason::UnknownValue,
        Text::new("未知状态", "unknown state"),
    );
    let err = w
        .sharing
        .list_requests(&platform(Role::Auditor), query)
        .await
        .expect_err("a platform credential has no side");
    assert_eq!(fields(err), ["direction", "state"]);
}

#[tokio::test]
async fn the_requester_withdraws_and_the_provider_revokes() {
    let w = world().await;
    let entry = w.published(&metadata(ShareType::Conditional)).await;
    let pending = w.request(&entry, &["姓名"]).await.request.id;
    let err = w
        .sharing
        .withdraw_request(&of(&w.a, &[Role::Consumer]), &(), pending, "不再需要")
        .await
        .expect_err("only the requester withdraws");
    assert_eq!(err.reason(), Reason::RequesterOnly, "{err:?}");
    let withdrawn = w
        .sharing
        .withdraw_request(&of(&w.b, &[Role::Consumer]), &(), pending, "  不再需要  ")
        .await
        .expect("B withdraws");
    assert_eq!(withdrawn.request.state, RequestState::Withdrawn);
    assert_eq!(withdrawn.request.reason, "不再需要");

    let grant = w.granted(&entry, &["姓名", "出生日期"]).await;
    let err = w
        .sharing
        .revoke_grant(&of(&w.b, &[Role::Approver]), &(), grant.id, "越权使用")
        .await
        .expect_err("the consumer cannot revoke");
    assert_eq!(err.reason(), Reason::ProviderOnly, "{err:?}");
    let err = w
        .sharing
        .revoke_grant(&of(&w.c, &[Role::Approver]), &(), grant.id, "越权使用")
        .await
        .expect_err("hidden from a third department");
    assert_eq!(
        err.to_string(),
        govshare_service::authz::no_such_grant(grant.id).to_string()
    );
    let (revoked, at) = w
        .sharing
        .revoke_grant(&of(&w.a, &[Role::Approver]), &(), grant.id, "越权使用")
        .await
        .expect("A's approver revokes");
    assert_eq!(revoked.grant.state_at(at), GrantState::Revoked);
    assert_eq!(revoked.grant.revoke_reason, "越权使用");
    assert!(revoked.flags.is_empty(), "the entry did not change");
    let active = w
        .sharing
        .list_grants(
            &of(&w.b, &[Role::Consumer]),
            GrantQuery {
                direction: Some(Direction::Outgoing),
                state: Some(GrantState::Active),
                limit: 50,
                ..GrantQuery::default()
            },
        )
        .await
        .expect("B's active grants");
    assert!(active.grants.is_empty(), "{:?}", active.grants);
}

#[tokio::test]
async fn grants_are_listed_a_page_at_a_time() {
    let w = world().await;
    let entry = w.published(&metadata(ShareType::Unconditional)).await;
    let mut issued = Vec::new();
    for _ in 0..3 {
        issued.push(
            w.request(&entry, &["姓名"])
                .await
                .grant
                .expect("granted")
                .id,
        );
    }
    let b = of(&w.b, &[Role::Consumer]);
    let page = |after| GrantQuery {
        direction: Some(Direction::Unspecified),
        after,
        limit: 2,
        ..GrantQuery::default()
    };
    let first = w.sharing.list_grants(&b, page(None)).await.expect("page 1");
    let ids: Vec<_> = first.grants.iter().map(|g| g.grant.id).collect();
    assert_eq!(ids, issued[..2]);
    assert_eq!(first.next, Some(issued[1]));
    let second = w
        .sharing
        .list_grants(&b, page(first.next))
        .await
        .expect("page 2");
    let ids: Vec<_> = second.grants.iter().map(|g| g.grant.id).collect();
    assert_eq!(ids, issued[2..]);
    assert_eq!(second.next, None);
    // Nothing changed since the grants: no grant is flagged.
    let flagged = w
        .sharing
        .list_grants(
            &b,
            GrantQuery {
                flagged_only: true,
                ..page(None)
            },
        )
        .await
        .expect("flagged");
    assert!(flagged.grants.is_empty());
}
