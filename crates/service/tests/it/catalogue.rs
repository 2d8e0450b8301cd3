//! The catalogue's use cases: who may register, edit, review and read what.

use govshare_model::testing::sample_input;
use govshare_model::{EntryState, FieldReason, MetadataInput, Role, Text, Violations};
use govshare_service::Reason;
use govshare_service::authz::no_such_entry;
use govshare_service::catalogue::{EntryQuery, Register, Registration, Review, Update};

use crate::fixtures::{A_NAME, World, fields, metadata_without_provider, of, platform, world};

#[tokio::test]
async fn registration_defaults_the_provider_to_the_callers_department() {
    let w = world().await;
    let entry = w.draft().await;
    assert_eq!(entry.header.provider_code, w.a);
    assert_eq!(entry.header.state, EntryState::Draft);
    assert_eq!(entry.version.record.version, 1);
    assert_eq!(entry.version.metadata.provider_code, w.a);
    // The provider's name is the registered one, whatever the input said.
    assert_eq!(entry.version.metadata.provider_name, A_NAME);

    // B's cataloguer leaving the provider empty registers for B, not for A.
    let input = Register {
        metadata: Some(metadata_without_provider()),
        validate_only: true,
        ..Register::default()
    };
    match w
        .catalogue
        .register(&of(&w.b, &[Role::Cataloguer]), &(), input)
        .await
        .expect("valid for B")
    {
        Registration::Valid(m) => assert_eq!(m.provider_code, w.b),
        Registration::Registered(_) => panic!("validate_only stored an entry"),
    }

    // A platform credential has no department to default to.
    let input = Register {
        metadata: Some(metadata_without_provider()),
        ..Register::default()
    };
    let err = w
        .catalogue
        .register(&platform(Role::Admin), &(), input)
        .await
        .expect_err("no provider");
    assert_eq!(fields(err), ["metadata.provider_code"]);
}

#[tokio::test]
async fn only_the_providers_cataloguer_registers_and_validate_only_stores_nothing() {
    let w = world().await;
    // The sample names A as its provider.
    for p in [
        of(&w.b, &[Role::Cataloguer]),
        of(&w.a, &[Role::Consumer, Role::Approver]),
    ] {
        let input = Register {
            metadata: Some(sample_input()),
            ..Register::default()
        };
        let err = w
            .catalogue
            .register(&p, &(), input)
            .await
            .expect_err("refused");
        assert!(
            matches!(err.reason(), Reason::ProviderOnly | Reason::RoleRequired),
            "{p:?}: {err:?}"
        );
    }
    let input = Register {
        metadata: Some(sample_input()),
        validate_only: true,
        ..Register::default()
    };
    w.catalogue
        .register(&of(&w.a, &[Role::Cataloguer]), &(), input)
        .await
        .expect("valid");
    let page = w
        .catalogue
        .list(&platform(Role::Admin), query())
        .await
        .expect("listed");
    assert!(page.entries.is_empty(), "validate_only stored an entry");
}

#[tokio::test]
async fn the_transports_violations_are_listed_with_the_metadatas() {
    let w = world().await;
    let mut invalid = Violations::default();
    invalid.add("note", FieldReason::TooLong, Text::new("过长", "too long"));
    let input = Register {
        metadata: Some(MetadataInput {
            name: String::new(),
            ..sample_input()
        }),
        invalid,
        ..Register::default()
    };
    // Bad input is answered before authorization: B may not write A's entries either.
    let err = w
        .catalogue
        .register(&of(&w.b, &[Role::Cataloguer]), &(), input)
        .await
        .expect_err("invalid");
    assert_eq!(fields(err), ["note", "metadata.name"]);

    let err = w
        .catalogue
        .register(&of(&w.a, &[Role::Cataloguer]), &(), Register::default())
        .await
        .expect_err("no metadata");
    assert_eq!(fields(err), ["metadata"]);
}

#[tokio::test]
async fn an_unpublished_entry_does_not_exist_outside_its_provider() {
    let w = world().await;
    let draft = w.draft().await;
    let code = &draft.header.code;
    for p in [
        of(&w.b, &[Role::Cataloguer, Role::Approver, Role::Consumer]),
        platform(Role::Auditor),
        // A platform role bound to a department counts for nothing.
        of(&w.b, &[Role::Admin]),
    ] {
        let err = w.catalogue.get(&p, &(), code, 0).await.expect_err("hidden");
        assert_eq!(err.reason(), Reason::EntryNotFound, "{p:?}: {err:?}");
        assert_eq!(err.to_string(), no_such_entry(code).to_string());
        // Its history too, in the same words.
        let err = w
            .catalogue
            .list_versions(&p, &(), code, 0, 10)
            .await
            .expect_err("hidden");
        assert_eq!(err.to_string(), no_such_entry(code).to_string());
    }
    for p in [of(&w.a, &[Role::Consumer]), platform(Role::Admin)] {
        let seen = w.catalogue.get(&p, &(), code, 0).await.expect("visible");
        assert_eq!(seen.version.record.version, 1, "{p:?}");
    }
}

#[tokio::test]
async fn review_by_anyone_but_the_platform_administrator_is_refused() {
    let w = world().await;
    let draft = w.draft().await;
    let code = draft.header.code.clone();
    w.catalogue
        .submit(&of(&w.a, &[Role::Cataloguer]), &(), &code, 1)
        .await
        .expect("submitted");
    let review = || Review {
        code: Some(code.clone()),
        version: 1,
        approve: true,
        ..Review::default()
    };
    for p in [
        of(&w.a, &[Role::Cataloguer, Role::Approver]),
        of(&w.a, &[Role::Admin]),
        platform(Role::Auditor),
    ] {
        let err = w
            .catalogue
            .review(&p, &(), review())
            .await
            .expect_err("refused");
        assert_eq!(err.reason(), Reason::RoleRequired, "{p:?}: {err:?}");
        assert_eq!(err.metadata("role"), Some("ADMIN"), "{p:?}: {err:?}");
    }
    // Refused before any field is looked at.
    let mut invalid = Violations::default();
    invalid.add(
        "comment",
        FieldReason::Required,
        Text::new("必填", "required"),
    );
    let err = w
        .catalogue
        .review(
            &of(&w.a, &[Role::Cataloguer]),
            &(),
            Review {
                invalid,
                ..review()
            },
        )
        .await
        .expect_err("refused");
    assert_eq!(err.reason(), Reason::RoleRequired, "{err:?}");

    let published = w
        .catalogue
        .review(&platform(Role::Admin), &(), review())
        .await
        .expect("approved");
    assert_eq!(published.header.state, EntryState::Published);
    assert_eq!(published.header.published_version, Some(1));
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    let w = world().await;
    let draft = w.draft().await;
    let code = draft.header.code.clone();
    let cataloguer = of(&w.a, &[Role::Cataloguer]);
    let update = |expected_version, name: &str| Update {
        code: Some(code.clone()),
        expected_version,
        metadata: Some(MetadataInput {
            name: name.into(),
            ..metadata_without_provider()
        }),
        ..Update::default()
    };
    let v2 = w
        .catalogue
        .update(&cataloguer, &(), update(1, "人口基础信息（第二版）"))
        .await
        .expect("updated");
    assert_eq!(v2.header.head_version, 2);
    let err = w
        .catalogue
        .update(&cataloguer, &(), update(1, "人口基础信息（过时）"))
        .await
        .expect_err("stale");
    match &err {
        err if err.reason() == Reason::VersionConflict => {
            assert_eq!(err.metadata("code"), Some(code.to_string().as_str()));
            assert_eq!(err.metadata("expected_version"), Some("1"));
        }
        other => panic!("expected a version conflict, got {other:?}"),
    }
    let err = w
        .catalogue
        .submit(&cataloguer, &(), &code, 1)
        .await
        .expect_err("stale");
    assert!(err.reason() == Reason::VersionConflict, "{err:?}");
    let head = w
        .catalogue
        .get(&cataloguer, &(), &code, 0)
        .await
        .expect("read");
    assert_eq!(head.header.head_version, 2);
    assert_eq!(head.version.metadata.name, "人口基础信息（第二版）");
    assert_eq!(head.header.state, EntryState::Draft);
}

#[tokio::test]
async fn a_revision_keeps_its_classification_and_only_the_provider_writes_it() {
    let w = world().await;
    let draft = w.draft().await;
    let code = draft.header.code.clone();
    let mut metadata = metadata_without_provider();
    metadata.classification.subitem = "002".into();
    let input = Update {
        code: Some(code.clone()),
        expected_version: 1,
        metadata: Some(metadata),
        ..Update::default()
    };
    let err = w
        .catalogue
        .update(&of(&w.a, &[Role::Cataloguer]), &(), input.clone())
        .await
        .expect_err("reclassified");
    assert_eq!(fields(err), ["metadata.classification"]);
    // Another department is told the entry does not exist, before its metadata is read.
    let err = w
        .catalogue
        .update(&of(&w.b, &[Role::Cataloguer]), &(), input)
        .await
        .expect_err("hidden");
    assert_eq!(err.to_string(), no_such_entry(&code).to_string());
}

#[tokio::test]
async fn outside_the_provider_only_the_published_version_is_read() {
    let w = world().await;
    let published = w.published().await;
    let code = published.header.code.clone();
    let cataloguer = of(&w.a, &[Role::Cataloguer]);
    let edit = Update {
        code: Some(code.clone()),
        expected_version: 1,
        metadata: Some(MetadataInput {
            name: "人口基础信息（修订中）".into(),
            ..metadata_without_provider()
        }),
        ..Update::default()
    };
    w.catalogue
        .update(&cataloguer, &(), edit)
        .await
        .expect("edited");
    let reader = of(&w.b, &[Role::Consumer]);
    let seen = w
        .catalogue
        .get(&reader, &(), &code, 0)
        .await
        .expect("published");
    assert_eq!(seen.version.record.version, 1);
    assert_eq!(seen.version.metadata.name, "人口基础信息");
    let err = w
        .catalogue
        .get(&reader, &(), &code, 2)
        .await
        .expect_err("the edit is the provider's");
    assert_eq!(err.reason(), Reason::PublishedVersionOnly, "{err:?}");
    assert_eq!(err.metadata("version"), Some("1"), "{err:?}");
    let err = w
        .catalogue
        .diff(&reader, &(), &code, 1, 2)
        .await
        .expect_err("history is the provider's");
    assert_eq!(err.reason(), Reason::ProviderOnly, "{err:?}");
    // The provider reads both and what changed.
    let diff = w
        .catalogue
        .diff(&cataloguer, &(), &code, 1, 2)
        .await
        .expect("diff");
    assert_eq!(
        diff.changes
            .iter()
            .map(|c| (c.path.as_str(), c.after.as_str()))
            .collect::<Vec<_>>(),
        [("name", "人口基础信息（修订中）")]
    );
    let page = w
        .catalogue
        .list_versions(&cataloguer, &(), &code, 0, 10)
        .await
        .expect("history");
    assert_eq!(
        page.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(page.head_version, 2);
}

fn query() -> EntryQuery {
    EntryQuery {
        limit: 100,
        ..EntryQuery::default()
    }
}

/// The listed codes and the version each is listed at.
async fn listed(w: &World, p: &govshare_service::Principal) -> Vec<(String, u64)> {
    let page = w.catalogue.list(p, query()).await.expect("listed");
    page.entries
        .iter()
        .map(|e| (e.header.code.to_string(), e.version.record.version))
        .collect()
}

#[tokio::test]
async fn the_list_shows_each_reader_what_exists_for_it() {
    let w = world().await;
    let published = w.published().await;
    let draft = w.draft().await;
    let edit = Update {
        code: Some(published.header.code.clone()),
        expected_version: 1,
        metadata: Some(metadata_without_provider()),
        ..Update::default()
    };
    w.catalogue
        .update(&of(&w.a, &[Role::Cataloguer]), &(), edit)
        .await
        .expect("edited after publication");
    let public = (published.header.code.to_string(), 1);
    let unpublished = (draft.header.code.to_string(), 1);
    let mut everything = vec![public.clone(), unpublished.clone()];
    everything.sort();
    for p in [of(&w.a, &[Role::Consumer]), platform(Role::Admin)] {
        assert_eq!(listed(&w, &p).await, everything, "{p:?}");
    }
    for p in [
        of(&w.b, &[Role::Cataloguer, Role::Consumer]),
        platform(Role::Auditor),
        of(&w.b, &[Role::Admin]),
    ] {
        assert_eq!(listed(&w, &p).await, std::slice::from_ref(&public), "{p:?}");
    }
    // A filter narrows what exists for the reader, never widens it.
    let page = w
        .catalogue
        .list(
            &of(&w.b, &[Role::Consumer]),
            EntryQuery {
                provider_code: Some(w.a.clone()),
                state: Some(EntryState::Draft),
                ..query()
            },
        )
        .await
        .expect("listed");
    assert!(page.entries.is_empty());
}

#[tokio::test]
async fn only_the_provider_requests_a_revocation() {
    let w = world().await;
    let published = w.published().await;
    let code = published.header.code.clone();
    let err = w
        .catalogue
        .request_revocation(&of(&w.b, &[Role::Cataloguer]), &(), &code, "不再维护")
        .await
        .expect_err("not B's");
    assert_eq!(err.reason(), Reason::ProviderOnly, "{err:?}");
    let pending = w
        .catalogue
        .request_revocation(&of(&w.a, &[Role::Cataloguer]), &(), &code, "不再维护")
        .await
        .expect("requested");
    assert_eq!(pending.header.state, EntryState::PendingRevoke);
    assert_eq!(pending.version.record.version, 1);
}
