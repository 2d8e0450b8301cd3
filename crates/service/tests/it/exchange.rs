//! The exchange's decisions: who publishes and against which version, who lists snapshots,
//! and which grants and columns a fetch is served under.

use govshare_model::{Role, ShareType};
use govshare_service::Reason;
use govshare_service::exchange::{PublishTarget, Upload};
use govshare_store::SnapshotRecord;

use crate::support_sharing::{World, metadata, of, platform, world};

/// A CSV snapshot of every item, recorded by A's cataloguer against `target`.
async fn csv_snapshot(w: &World, target: PublishTarget) -> SnapshotRecord {
    let upload = Upload {
        sha256: "ab".repeat(32),
        size: 64,
        rows: 2,
        media_type: " text/csv ".into(),
        columns: vec!["姓名".into(), "公民身份号码".into(), "出生日期".into()],
        note: " 首批 ".into(),
    };
    w.exchange
        .record_snapshot(&of(&w.a, &[Role::Cataloguer]), &(), target, upload)
        .await
        .expect("recorded")
}

#[tokio::test]
async fn only_the_providers_cataloguer_publishes_against_the_published_version() {
    let w = world().await;
    let draft = w.draft(&metadata(ShareType::Conditional)).await;
    let cataloguer = of(&w.a, &[Role::Cataloguer]);
    let err = w
        .exchange
        .publish_target(&cataloguer, &(), &draft.code)
        .await
        .expect_err("a draft takes no data");
    assert!(err.reason() == Reason::EntryUnavailable, "{err:?}");
    // Another department's cataloguer does not learn that the draft exists.
    let err = w
        .exchange
        .publish_target(&of(&w.b, &[Role::Cataloguer]), &(), &draft.code)
        .await
        .expect_err("hidden");
    assert_eq!(err.reason(), Reason::EntryNotFound, "{err:?}");

    let entry = w.published(&metadata(ShareType::Conditional)).await;
    for p in [of(&w.b, &[Role::Cataloguer]), of(&w.a, &[Role::Consumer])] {
        let err = w
            .exchange
            .publish_target(&p, &(), &entry.code)
            .await
            .expect_err("not the provider's cataloguer");
        assert!(
            matches!(err.reason(), Reason::RoleRequired | Reason::ProviderOnly),
            "{err:?}"
        );
    }
    let target = w
        .exchange
        .publish_target(&cataloguer, &(), &entry.code)
        .await
        .expect("A's cataloguer publishes");
    assert_eq!(target.version.record.version, 1);
    assert_eq!(target.version.metadata.items.len(), 3);
    let snapshot = csv_snapshot(&w, target).await;
    assert_eq!(snapshot.entry_version, 1);
    assert_eq!(snapshot.provider_code, w.a);
    assert_eq!(snapshot.media_type, "text/csv");
    assert_eq!(snapshot.note, "首批");
    assert_eq!(snapshot.author, cataloguer.token_id);
}

#[tokio::test]
async fn a_fetch_delivers_the_union_of_the_active_grants() {
    let w = world().await;
    let entry = w.published(&metadata(ShareType::Conditional)).await;
    let target = w
        .exchange
        .publish_target(&of(&w.a, &[Role::Cataloguer]), &(), &entry.code)
        .await
        .expect("publishable");
    let snapshot = csv_snapshot(&w, target).await;
    let older = w.granted(&entry, &["出生日期"]).await;
    let newer = w.granted(&entry, &["姓名", "出生日期"]).await;
    let consumer = of(&w.b, &[Role::Consumer]);
    let access = w
        .exchange
        .fetch_access(&consumer, &(), &entry.code)
        .await
        .expect("B holds grants");
    let grants: Vec<_> = access
        .grants
        .as_ref()
        .expect("a grantee")
        .iter()
        .map(|g| g.id)
        .collect();
    assert_eq!(grants, [older.id, newer.id], "oldest first");
    let delivery = w
        .exchange
        .delivery(&(), &access, None)
        .await
        .expect("the latest snapshot");
    assert_eq!(delivery.snapshot.id, snapshot.id);
    // The union in the data's order; 公民身份号码 is granted to nobody.
    assert_eq!(delivery.columns, ["姓名", "出生日期"]);
    // Both columns come under the newest grant covering them: the older one is not used.
    let used: Vec<_> = delivery.grants.iter().map(|g| g.id).collect();
    assert_eq!(used, [newer.id]);

    // Once the newer grant is revoked, only the older one's column is delivered.
    w.sharing
        .revoke_grant(&of(&w.a, &[Role::Approver]), &(), newer.id, "停止共享")
        .await
        .expect("revoked");
    assert!(
        w.exchange
            .still_granted(&delivery.grants, chrono::Utc::now())
            .await
            .is_err(),
        "a fetch under the revoked grant stops"
    );
    let access = w
        .exchange
        .fetch_access(&consumer, &(), &entry.code)
        .await
        .expect("B still holds the older grant");
    let delivery = w
        .exchange
        .delivery(&(), &access, Some(snapshot.id))
        .await
        .expect("by number");
    assert_eq!(delivery.columns, ["出生日期"]);
    assert_eq!(
        delivery.grants.iter().map(|g| g.id).collect::<Vec<_>>(),
        [older.id]
    );

    // The provider reads every column, under no grant.
    let own = w
        .exchange
        .fetch_access(&of(&w.a, &[Role::Consumer]), &(), &entry.code)
        .await
        .expect("the provider");
    assert!(own.grants.is_none());
    let delivery = w.exchange.delivery(&(), &own, None).await.expect("all");
    assert_eq!(delivery.columns, snapshot.columns);
    assert!(delivery.grants.is_empty());
}

#[tokio::test]
async fn without_a_grant_there_is_no_data_and_no_snapshot_list() {
    let w = world().await;
    let entry = w.published(&metadata(ShareType::Conditional)).await;
    let consumer = of(&w.c, &[Role::Consumer]);
    let err = w
        .exchange
        .fetch_access(&consumer, &(), &entry.code)
        .await
        .expect_err("no grant");
    assert!(
        err.reason() == Reason::NoActiveGrant
            && err.metadata("code") == Some(&entry.code.to_string()),
        "{err:?}"
    );
    let err = w
        .exchange
        .list_snapshots(&consumer, &(), &entry.code, None, 10)
        .await
        .expect_err("no grant");
    assert_eq!(err.reason(), Reason::NoActiveGrant, "{err:?}");
    // A draft of another department does not exist for it, rather than lacking a grant.
    let draft = w.draft(&metadata(ShareType::Conditional)).await;
    let err = w
        .exchange
        .fetch_access(&consumer, &(), &draft.code)
        .await
        .expect_err("hidden");
    assert_eq!(
        err.to_string(),
        govshare_service::authz::no_such_entry(&draft.code).to_string()
    );
    // The auditor lists every snapshot, grant or not.
    let page = w
        .exchange
        .list_snapshots(&platform(Role::Auditor), &(), &entry.code, None, 10)
        .await
        .expect("the auditor lists");
    assert!(page.items.is_empty());
}
