//! The reviewed lifecycle of a catalogue entry over real gRPC: submission, the administrator's
//! review, what other departments see before and after publication, edits of a published
//! entry, refusals, and revocation.

#![allow(clippy::unwrap_used)]

use crate::common::{
    Clients, TestServer, get_entry, listed_codes, publish_entry, register_entry, sample_metadata,
    violated_fields,
};
use govshare_server::proto::{
    CatalogEntry, EntryState, ListEntriesRequest, RequestRevocationRequest, ResourceMetadata,
    ReviewEntryRequest, Role, ShareType, SubmitEntryRequest, UpdateEntryRequest,
};
use tonic::Code;

/// Department A (the provider) with a cataloguer, and department B with a consumer.
struct World {
    server: TestServer,
    provider: String,
    cataloguer: Clients,
    consumer: Clients,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let provider = server.department(1, "市公安局").await;
    let cataloguer = server.token(&provider, &[Role::Cataloguer]).await;
    let other = server.department(2, "市民政局").await;
    let consumer = server.token(&other, &[Role::Consumer]).await;
    World {
        server,
        provider,
        cataloguer,
        consumer,
    }
}

impl World {
    async fn draft(&self) -> CatalogEntry {
        register_entry(&self.cataloguer, sample_metadata(&self.provider)).await
    }

    /// A registered entry, published at version 1.
    async fn published(&self) -> CatalogEntry {
        let entry = self.draft().await;
        publish_entry(&self.server, &self.cataloguer, &entry.code).await
    }

    fn renamed(&self, name: &str) -> ResourceMetadata {
        let mut m = sample_metadata(&self.provider);
        m.name = name.into();
        m
    }

    async fn update(
        &self,
        code: &str,
        expected_version: u64,
        name: &str,
    ) -> Result<CatalogEntry, tonic::Status> {
        self.cataloguer
            .catalog
            .clone()
            .update_entry(UpdateEntryRequest {
                code: code.into(),
                expected_version,
                metadata: Some(self.renamed(name)),
                note: String::new(),
            })
            .await
            .map(tonic::Response::into_inner)
    }

    async fn submit(
        &self,
        code: &str,
        expected_version: u64,
    ) -> Result<CatalogEntry, tonic::Status> {
        self.cataloguer
            .catalog
            .clone()
            .submit_entry(SubmitEntryRequest {
                code: code.into(),
                expected_version,
            })
            .await
            .map(tonic::Response::into_inner)
    }

    async fn review(
        &self,
        code: &str,
        version: u64,
        approve: bool,
        comment: &str,
    ) -> Result<CatalogEntry, tonic::Status> {
        self.server
            .admin()
            .catalog
            .review_entry(ReviewEntryRequest {
                code: code.into(),
                version,
                approve,
                comment: comment.into(),
            })
            .await
            .map(tonic::Response::into_inner)
    }

    async fn request_revocation(
        &self,
        code: &str,
        reason: &str,
    ) -> Result<CatalogEntry, tonic::Status> {
        self.cataloguer
            .catalog
            .clone()
            .request_revocation(RequestRevocationRequest {
                code: code.into(),
                reason: reason.into(),
            })
            .await
            .map(tonic::Response::into_inner)
    }
}

async fn listed_all(clients: &Clients) -> Vec<String> {
    listed_codes(clients, ListEntriesRequest::default()).await
}

#[tokio::test]
async fn submitted_draft_is_pending_publish() {
    let w = world().await;
    let entry = w.draft().await;
    let submitted = w.submit(&entry.code, 1).await.unwrap();
    assert_eq!(submitted.state, EntryState::PendingPublish as i32);
    assert_eq!(submitted.head_version, 1);
    assert_eq!(submitted.published_version, 0);
}

#[tokio::test]
async fn submitting_a_stale_version_is_refused() {
    let w = world().await;
    let entry = w.draft().await;
    w.update(&entry.code, 1, "第二版").await.unwrap();
    let status = w.submit(&entry.code, 1).await.unwrap_err();
    assert!(
        matches!(status.code(), Code::Aborted | Code::FailedPrecondition),
        "{status:?}"
    );
    let current = get_entry(&w.cataloguer, &entry.code, 0).await.unwrap();
    assert_eq!(current.state, EntryState::Draft as i32);
}

#[tokio::test]
async fn entry_under_review_cannot_be_edited() {
    let w = world().await;
    let entry = w.draft().await;
    w.submit(&entry.code, 1).await.unwrap();
    let status = w.update(&entry.code, 1, "审核中修改").await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    let current = get_entry(&w.cataloguer, &entry.code, 0).await.unwrap();
    assert_eq!(current.head_version, 1);
    assert_eq!(current.state, EntryState::PendingPublish as i32);
}

#[tokio::test]
async fn approval_publishes_the_submitted_version() {
    let w = world().await;
    let entry = w.draft().await;
    w.submit(&entry.code, 1).await.unwrap();
    let reviewed = w.review(&entry.code, 1, true, "").await.unwrap();
    assert_eq!(reviewed.state, EntryState::Published as i32);
    assert_eq!(reviewed.published_version, 1);
    assert_eq!(reviewed.head_version, 1);
}

#[tokio::test]
async fn published_entry_is_read_and_listed_by_other_departments() {
    let w = world().await;
    let entry = w.published().await;
    let seen = get_entry(&w.consumer, &entry.code, 0).await.unwrap();
    assert_eq!(seen.version.unwrap().version, 1);
    assert_eq!(seen.state, EntryState::Published as i32);
    assert_eq!(seen.metadata.unwrap().name, "人口基础信息");
    assert_eq!(listed_all(&w.consumer).await, [entry.code]);
}

#[tokio::test]
async fn unpublished_entry_is_hidden_from_other_departments() {
    let w = world().await;
    let draft = w.draft().await;
    let pending = w.draft().await;
    w.submit(&pending.code, 1).await.unwrap();
    for code in [&draft.code, &pending.code] {
        let status = get_entry(&w.consumer, code, 0).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{code}: {status:?}");
        let status = get_entry(&w.consumer, code, 1).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{code} v1: {status:?}");
    }
    assert!(listed_all(&w.consumer).await.is_empty());
    assert!(
        listed_codes(
            &w.consumer,
            ListEntriesRequest {
                provider_code: w.provider.clone(),
                ..Default::default()
            }
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn editing_a_published_entry_keeps_serving_the_published_version() {
    let w = world().await;
    let entry = w.published().await;
    let edited = w.update(&entry.code, 1, "第二版").await.unwrap();
    assert_eq!(edited.head_version, 2);
    assert_eq!(edited.published_version, 1);
    assert_eq!(edited.state, EntryState::Published as i32);

    let seen = get_entry(&w.consumer, &entry.code, 0).await.unwrap();
    assert_eq!(seen.version.unwrap().version, 1);
    assert_eq!(seen.metadata.unwrap().name, "人口基础信息");
    let status = get_entry(&w.consumer, &entry.code, 2).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");

    let own = get_entry(&w.cataloguer, &entry.code, 2).await.unwrap();
    assert_eq!(own.version.unwrap().version, 2);
    assert_eq!(own.metadata.unwrap().name, "第二版");
    let own_default = get_entry(&w.cataloguer, &entry.code, 0).await.unwrap();
    assert_eq!(
        own_default.version.unwrap().version,
        1,
        "the default is the published version"
    );
    assert_eq!(own_default.head_version, 2);
}

#[tokio::test]
async fn other_departments_filter_on_the_published_version() {
    let w = world().await;
    let entry = w.published().await;
    let mut open = sample_metadata(&w.provider);
    let sharing = open.sharing.as_mut().unwrap();
    sharing.share_type = ShareType::Unconditional as i32;
    sharing.condition = String::new();
    w.cataloguer
        .catalog
        .clone()
        .update_entry(UpdateEntryRequest {
            code: entry.code.clone(),
            expected_version: 1,
            metadata: Some(open),
            note: String::new(),
        })
        .await
        .unwrap();
    let unconditional = ListEntriesRequest {
        share_type: ShareType::Unconditional as i32,
        ..Default::default()
    };
    let conditional = ListEntriesRequest {
        share_type: ShareType::Conditional as i32,
        ..Default::default()
    };
    assert!(
        listed_codes(&w.consumer, unconditional.clone())
            .await
            .is_empty()
    );
    assert_eq!(
        listed_codes(&w.consumer, conditional.clone()).await,
        vec![entry.code.clone()]
    );
    assert_eq!(
        listed_codes(&w.cataloguer, unconditional).await,
        vec![entry.code.clone()]
    );
    assert!(listed_codes(&w.cataloguer, conditional).await.is_empty());
}

#[tokio::test]
async fn approved_edit_becomes_the_published_version() {
    let w = world().await;
    let entry = w.published().await;
    w.update(&entry.code, 1, "第二版").await.unwrap();
    let submitted = w.submit(&entry.code, 2).await.unwrap();
    assert_eq!(submitted.state, EntryState::PendingPublish as i32);
    let reviewed = w.review(&entry.code, 2, true, "").await.unwrap();
    assert_eq!(reviewed.state, EntryState::Published as i32);
    assert_eq!(reviewed.published_version, 2);

    let seen = get_entry(&w.consumer, &entry.code, 0).await.unwrap();
    assert_eq!(seen.version.unwrap().version, 2);
    assert_eq!(seen.metadata.unwrap().name, "第二版");
}

#[tokio::test]
async fn published_entry_without_new_edits_cannot_be_resubmitted() {
    let w = world().await;
    let entry = w.published().await;
    let status = w.submit(&entry.code, 1).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
}

#[tokio::test]
async fn refused_edit_leaves_the_published_version_in_place() {
    let w = world().await;
    let entry = w.published().await;
    w.update(&entry.code, 1, "第二版").await.unwrap();
    w.submit(&entry.code, 2).await.unwrap();
    let reviewed = w.review(&entry.code, 2, false, "名称不规范").await.unwrap();
    assert_eq!(reviewed.state, EntryState::Published as i32);
    assert_eq!(reviewed.published_version, 1);
    assert_eq!(reviewed.head_version, 2);
    assert_eq!(reviewed.review_comment, "名称不规范");
    let seen = get_entry(&w.consumer, &entry.code, 0).await.unwrap();
    assert_eq!(seen.version.unwrap().version, 1);
}

#[tokio::test]
async fn refusal_requires_a_comment() {
    let w = world().await;
    let entry = w.draft().await;
    w.submit(&entry.code, 1).await.unwrap();
    let status = w.review(&entry.code, 1, false, "  ").await.unwrap_err();
    assert_eq!(violated_fields(&status), ["comment"]);
    let current = get_entry(&w.cataloguer, &entry.code, 0).await.unwrap();
    assert_eq!(current.state, EntryState::PendingPublish as i32);
}

#[tokio::test]
async fn refused_first_publication_is_rejected_with_the_comment() {
    let w = world().await;
    let entry = w.draft().await;
    w.submit(&entry.code, 1).await.unwrap();
    let reviewed = w
        .review(&entry.code, 1, false, "摘要未说明数据范围")
        .await
        .unwrap();
    assert_eq!(reviewed.state, EntryState::PublishRejected as i32);
    assert_eq!(reviewed.published_version, 0);
    assert_eq!(reviewed.review_comment, "摘要未说明数据范围");
    let status = get_entry(&w.consumer, &entry.code, 0).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
}

#[tokio::test]
async fn rejected_entry_is_edited_back_to_draft_and_resubmitted() {
    let w = world().await;
    let entry = w.draft().await;
    w.submit(&entry.code, 1).await.unwrap();
    w.review(&entry.code, 1, false, "摘要未说明数据范围")
        .await
        .unwrap();

    let edited = w
        .update(&entry.code, 1, "人口基础信息（修订）")
        .await
        .unwrap();
    assert_eq!(edited.state, EntryState::Draft as i32);
    assert_eq!(edited.head_version, 2);
    let resubmitted = w.submit(&entry.code, 2).await.unwrap();
    assert_eq!(resubmitted.state, EntryState::PendingPublish as i32);
    let published = w.review(&entry.code, 2, true, "").await.unwrap();
    assert_eq!(published.published_version, 2);
}

#[tokio::test]
async fn reviewing_another_version_than_the_submitted_one_is_refused() {
    let w = world().await;
    let entry = w.draft().await;
    w.update(&entry.code, 1, "第二版").await.unwrap();
    w.submit(&entry.code, 2).await.unwrap();
    let status = w.review(&entry.code, 1, true, "").await.unwrap_err();
    assert!(
        matches!(status.code(), Code::Aborted | Code::FailedPrecondition),
        "{status:?}"
    );
    let current = get_entry(&w.cataloguer, &entry.code, 0).await.unwrap();
    assert_eq!(current.state, EntryState::PendingPublish as i32);
    assert_eq!(current.published_version, 0);
}

#[tokio::test]
async fn reviewing_an_entry_not_under_review_is_a_failed_precondition() {
    let w = world().await;
    let entry = w.draft().await;
    let status = w.review(&entry.code, 1, true, "").await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
}

#[tokio::test]
async fn revocation_request_requires_a_reason() {
    let w = world().await;
    let entry = w.published().await;
    let status = w.request_revocation(&entry.code, " ").await.unwrap_err();
    assert_eq!(violated_fields(&status), ["reason"]);
    let current = get_entry(&w.cataloguer, &entry.code, 0).await.unwrap();
    assert_eq!(current.state, EntryState::Published as i32);
}

#[tokio::test]
async fn revocation_request_puts_the_entry_pending_revoke() {
    let w = world().await;
    let entry = w.published().await;
    let pending = w
        .request_revocation(&entry.code, "职能调整，不再提供")
        .await
        .unwrap();
    assert_eq!(pending.state, EntryState::PendingRevoke as i32);
    assert_eq!(pending.review_comment, "职能调整，不再提供");
    assert_eq!(pending.published_version, 1);
}

#[tokio::test]
async fn draft_cannot_be_revoked() {
    let w = world().await;
    let entry = w.draft().await;
    let status = w
        .request_revocation(&entry.code, "职能调整")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
}

#[tokio::test]
async fn refused_revocation_keeps_the_entry_published() {
    let w = world().await;
    let entry = w.published().await;
    w.request_revocation(&entry.code, "职能调整").await.unwrap();
    let reviewed = w
        .review(&entry.code, 1, false, "仍有部门依赖该资源")
        .await
        .unwrap();
    assert_eq!(reviewed.state, EntryState::Published as i32);
    assert_eq!(reviewed.published_version, 1);
    assert_eq!(
        get_entry(&w.consumer, &entry.code, 0)
            .await
            .unwrap()
            .version
            .unwrap()
            .version,
        1
    );
}

#[tokio::test]
async fn approved_revocation_hides_the_entry_from_other_departments() {
    let w = world().await;
    let entry = w.published().await;
    assert_eq!(listed_all(&w.consumer).await, vec![entry.code.clone()]);
    w.request_revocation(&entry.code, "职能调整").await.unwrap();
    let reviewed = w.review(&entry.code, 1, true, "").await.unwrap();
    assert_eq!(reviewed.state, EntryState::Revoked as i32);

    let status = get_entry(&w.consumer, &entry.code, 0).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let status = get_entry(&w.consumer, &entry.code, 1).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    assert!(listed_all(&w.consumer).await.is_empty());
    let own = get_entry(&w.cataloguer, &entry.code, 0).await.unwrap();
    assert_eq!(own.state, EntryState::Revoked as i32);
}

#[tokio::test]
async fn revoked_entry_cannot_be_edited() {
    let w = world().await;
    let entry = w.published().await;
    w.request_revocation(&entry.code, "职能调整").await.unwrap();
    w.review(&entry.code, 1, true, "").await.unwrap();
    let status = w.update(&entry.code, 1, "撤销后修改").await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    let current = get_entry(&w.cataloguer, &entry.code, 0).await.unwrap();
    assert_eq!(current.head_version, 1);
    assert_eq!(current.state, EntryState::Revoked as i32);
}
