//! Submission, review and revocation through the store, as `govshare_store::lifecycle` rules.

use chrono::Utc;
use govshare_model::{EntryState, ShareType, UpdateCycle};
use govshare_store::{EntryHeader, StoreError};

use super::fixtures::{
    APPROVER, CATALOGUER, DynStore, Shape, credit, edit, entry, publish, register, revision, revoke,
};

fn assert_invalid_state<T: std::fmt::Debug>(
    outcome: Result<T, StoreError>,
    expected_state: EntryState,
) {
    match outcome {
        Err(StoreError::InvalidState { state, .. }) => assert_eq!(state, expected_state),
        other => panic!("expected InvalidState in {expected_state:?}, got {other:?}"),
    }
}

fn changed_shape() -> Shape {
    Shape::new(
        "人口基础信息（新版）",
        ShareType::Unconditional,
        UpdateCycle::Weekly,
    )
}

pub async fn submission_sends_the_head_to_review(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    let at = Utc::now();
    let header = store
        .submit_entry(&registered.code, 1, CATALOGUER, at)
        .await
        .expect("submit_entry");
    assert_eq!(header.state, EntryState::PendingPublish);
    assert_eq!((header.head_version, header.published_version), (1, None));
    assert_eq!(header.updated_at, at);
    assert_eq!(entry(&store, &registered.code).await, header);
}

pub async fn submission_of_a_stale_version_conflicts(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    edit(&store, &registered, &Shape::sample()).await;
    let outcome = store
        .submit_entry(&registered.code, 1, CATALOGUER, Utc::now())
        .await;
    assert!(
        matches!(
            outcome,
            Err(StoreError::VersionConflict {
                expected: 1,
                actual: 2,
                ..
            })
        ),
        "got {outcome:?}"
    );
    assert_eq!(
        entry(&store, &registered.code).await.state,
        EntryState::Draft
    );
}

pub async fn approval_publishes_the_submitted_version(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    store
        .submit_entry(&registered.code, 1, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");
    let header = store
        .review_entry(&registered.code, 1, true, "同意", APPROVER, Utc::now())
        .await
        .expect("review_entry");
    assert_eq!(header.state, EntryState::Published);
    assert_eq!(header.published_version, Some(1));
    assert_eq!(header.published.as_ref(), Some(&registered.head));
    assert_eq!(header.review_comment, "同意");
    assert!(header.is_visible_to_all());
    assert_eq!(entry(&store, &registered.code).await, header);
}

pub async fn review_of_another_version_than_the_submitted_one_conflicts(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    let head = edit(&store, &registered, &Shape::sample()).await;
    let pending = store
        .submit_entry(&registered.code, 2, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");
    let outcome = store
        .review_entry(&registered.code, 1, true, "", APPROVER, Utc::now())
        .await;
    assert!(
        matches!(
            outcome,
            Err(StoreError::VersionConflict {
                expected: 1,
                actual: 2,
                ..
            })
        ),
        "got {outcome:?}"
    );
    assert_eq!(entry(&store, &head.code).await, pending);
}

pub async fn refusal_of_a_first_publication_rejects_it_until_edited(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    store
        .submit_entry(&registered.code, 1, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");
    let rejected = store
        .review_entry(
            &registered.code,
            1,
            false,
            "摘要不完整",
            APPROVER,
            Utc::now(),
        )
        .await
        .expect("review_entry");
    assert_eq!(rejected.state, EntryState::PublishRejected);
    assert_eq!(rejected.review_comment, "摘要不完整");
    assert_eq!(rejected.published_version, None);
    assert_eq!(rejected.published, None);

    let edited = edit(&store, &rejected, &Shape::sample()).await;
    assert_eq!((edited.state, edited.head_version), (EntryState::Draft, 2));
}

pub async fn a_rejected_entry_can_be_resubmitted_unchanged(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    store
        .submit_entry(&registered.code, 1, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");
    store
        .review_entry(&registered.code, 1, false, "请补充", APPROVER, Utc::now())
        .await
        .expect("review_entry");
    let again = store
        .submit_entry(&registered.code, 1, CATALOGUER, Utc::now())
        .await
        .expect("resubmit");
    assert_eq!(again.state, EntryState::PendingPublish);
}

pub async fn editing_a_published_entry_keeps_serving_the_published_version(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    let published = publish(&store, &registered.code).await;
    let edited = edit(&store, &published, &changed_shape()).await;
    assert_eq!(edited.state, EntryState::Published);
    assert_eq!(
        (edited.head_version, edited.published_version),
        (2, Some(1))
    );
    assert_eq!(edited.published.as_ref(), Some(&registered.head));
    assert_eq!(edited.head.share_type, ShareType::Unconditional);
    assert!(edited.is_visible_to_all());
}

pub async fn approval_of_an_edit_publishes_the_new_version(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    publish(&store, &registered.code).await;
    let edited = edit(
        &store,
        &entry(&store, &registered.code).await,
        &changed_shape(),
    )
    .await;
    let republished = publish(&store, &registered.code).await;
    assert_eq!(republished.state, EntryState::Published);
    assert_eq!(republished.published_version, Some(2));
    assert_eq!(republished.published.as_ref(), Some(&edited.head));
}

pub async fn refusal_of_an_edit_leaves_the_entry_published(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    publish(&store, &registered.code).await;
    let edited = edit(
        &store,
        &entry(&store, &registered.code).await,
        &changed_shape(),
    )
    .await;
    store
        .submit_entry(&registered.code, 2, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");
    let refused = store
        .review_entry(
            &registered.code,
            2,
            false,
            "变更依据不足",
            APPROVER,
            Utc::now(),
        )
        .await
        .expect("review_entry");
    assert_eq!(refused.state, EntryState::Published);
    assert_eq!(
        (refused.head_version, refused.published_version),
        (2, Some(1))
    );
    assert_eq!(refused.published.as_ref(), Some(&registered.head));
    assert_eq!(refused.head, edited.head);
    assert_eq!(refused.review_comment, "变更依据不足");
    assert!(refused.is_visible_to_all());
}

pub async fn approved_revocation_revokes_the_entry(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    publish(&store, &registered.code).await;
    let pending = store
        .request_revocation(&registered.code, "职能调整", CATALOGUER, Utc::now())
        .await
        .expect("request_revocation");
    assert_eq!(pending.state, EntryState::PendingRevoke);
    assert_eq!(pending.review_comment, "职能调整");
    assert!(pending.is_visible_to_all(), "still served until revoked");

    let revoked = store
        .review_entry(&registered.code, 1, true, "同意撤销", APPROVER, Utc::now())
        .await
        .expect("review_entry");
    assert_eq!(revoked.state, EntryState::Revoked);
    assert_eq!(revoked.published_version, Some(1));
    assert!(!revoked.is_visible_to_all());
    assert_eq!(entry(&store, &registered.code).await, revoked);
}

pub async fn refused_revocation_keeps_the_entry_published(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    publish(&store, &registered.code).await;
    store
        .request_revocation(&registered.code, "职能调整", CATALOGUER, Utc::now())
        .await
        .expect("request_revocation");
    let kept = store
        .review_entry(&registered.code, 1, false, "仍需共享", APPROVER, Utc::now())
        .await
        .expect("review_entry");
    assert_eq!(kept.state, EntryState::Published);
    assert_eq!(kept.published_version, Some(1));
    assert_eq!(kept.review_comment, "仍需共享");
}

pub async fn revocation_review_names_the_published_version(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    publish(&store, &registered.code).await;
    edit(
        &store,
        &entry(&store, &registered.code).await,
        &changed_shape(),
    )
    .await;
    store
        .request_revocation(&registered.code, "职能调整", CATALOGUER, Utc::now())
        .await
        .expect("request_revocation");
    let outcome = store
        .review_entry(&registered.code, 2, true, "", APPROVER, Utc::now())
        .await;
    assert!(
        matches!(outcome, Err(StoreError::VersionConflict { .. })),
        "got {outcome:?}"
    );
    let revoked = store
        .review_entry(&registered.code, 1, true, "", APPROVER, Utc::now())
        .await
        .expect("review_entry");
    assert_eq!(revoked.state, EntryState::Revoked);
}

/// Every refused transition leaves the stored header as it was.
async fn assert_unchanged(store: &DynStore, before: &EntryHeader) {
    assert_eq!(&entry(store, &before.code).await, before);
}

pub async fn a_draft_cannot_be_reviewed_or_revoked(store: DynStore) {
    let draft = register(&store, "101001", &credit(1)).await;
    let now = Utc::now();
    assert_invalid_state(
        store
            .review_entry(&draft.code, 1, true, "", APPROVER, now)
            .await,
        EntryState::Draft,
    );
    assert_invalid_state(
        store
            .request_revocation(&draft.code, "x", CATALOGUER, now)
            .await,
        EntryState::Draft,
    );
    assert_unchanged(&store, &draft).await;
}

pub async fn an_entry_under_review_cannot_be_edited_or_resubmitted(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    let pending = store
        .submit_entry(&registered.code, 1, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");
    assert_invalid_state(
        store
            .update_entry(
                &registered.code,
                1,
                revision(&registered, 2, &Shape::sample()),
            )
            .await,
        EntryState::PendingPublish,
    );
    assert_invalid_state(
        store
            .submit_entry(&registered.code, 1, CATALOGUER, Utc::now())
            .await,
        EntryState::PendingPublish,
    );
    assert_invalid_state(
        store
            .request_revocation(&registered.code, "x", CATALOGUER, Utc::now())
            .await,
        EntryState::PendingPublish,
    );
    assert_unchanged(&store, &pending).await;
    assert_eq!(
        store
            .get_version(&registered.code, 2)
            .await
            .expect("get_version"),
        None
    );
}

pub async fn a_published_entry_without_edits_cannot_be_submitted(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    let published = publish(&store, &registered.code).await;
    assert_invalid_state(
        store
            .submit_entry(&registered.code, 1, CATALOGUER, Utc::now())
            .await,
        EntryState::Published,
    );
    assert_invalid_state(
        store
            .review_entry(&registered.code, 1, true, "", APPROVER, Utc::now())
            .await,
        EntryState::Published,
    );
    assert_unchanged(&store, &published).await;
}

pub async fn an_entry_pending_revocation_cannot_be_edited(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    publish(&store, &registered.code).await;
    let pending = store
        .request_revocation(&registered.code, "职能调整", CATALOGUER, Utc::now())
        .await
        .expect("request_revocation");
    assert_invalid_state(
        store
            .update_entry(
                &registered.code,
                1,
                revision(&registered, 2, &Shape::sample()),
            )
            .await,
        EntryState::PendingRevoke,
    );
    assert_invalid_state(
        store
            .request_revocation(&registered.code, "again", CATALOGUER, Utc::now())
            .await,
        EntryState::PendingRevoke,
    );
    assert_unchanged(&store, &pending).await;
}

pub async fn a_revoked_entry_is_final(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    publish(&store, &registered.code).await;
    let revoked = revoke(&store, &registered.code).await;
    let now = Utc::now();
    assert_invalid_state(
        store
            .update_entry(
                &registered.code,
                1,
                revision(&registered, 2, &Shape::sample()),
            )
            .await,
        EntryState::Revoked,
    );
    assert_invalid_state(
        store
            .submit_entry(&registered.code, 1, CATALOGUER, now)
            .await,
        EntryState::Revoked,
    );
    assert_invalid_state(
        store
            .request_revocation(&registered.code, "x", CATALOGUER, now)
            .await,
        EntryState::Revoked,
    );
    assert_invalid_state(
        store
            .review_entry(&registered.code, 1, true, "", APPROVER, now)
            .await,
        EntryState::Revoked,
    );
    assert_unchanged(&store, &revoked).await;
}
