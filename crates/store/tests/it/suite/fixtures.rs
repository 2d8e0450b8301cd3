//! Records the suite writes: departments, credentials and entry versions built from the
//! model's sample metadata, varied only where a test needs a difference.

use std::sync::Arc;

use chrono::Utc;
use govshare_model::testing::{sample_metadata, valid_credit_code};
use govshare_model::{
    Classification, ClassificationCode, CreditCode, RegionCode, ResourceCode, ResourceMetadata,
    Role, ShareType, UpdateCycle,
};
use govshare_store::{
    DepartmentRecord, EntryHeader, EntrySummary, NewEntry, NewVersion, Store, TokenRecord,
};

/// The store under test, as every suite function receives it.
pub type DynStore = Arc<dyn Store>;

/// The token id that writes the suite's versions.
pub const CATALOGUER: &str = "token-cataloguer";
/// The token id that decides the suite's reviews.
pub const APPROVER: &str = "token-approver";

/// The `n`-th valid credit code.
pub fn credit(n: u32) -> CreditCode {
    CreditCode::parse(&valid_credit_code(n)).expect("valid_credit_code gives valid codes")
}

pub fn classification(code: &str) -> ClassificationCode {
    ClassificationCode::parse(code).expect("a valid classification code")
}

pub fn resource_code(code: &str) -> ResourceCode {
    ResourceCode::parse(code).expect("a valid resource code")
}

/// What an entry looks like to list filters, and the text that makes its bytes unique.
#[derive(Debug, Clone)]
pub struct Shape {
    pub name: String,
    pub share_type: ShareType,
    pub update_cycle: UpdateCycle,
}

impl Shape {
    pub fn new(name: &str, share_type: ShareType, update_cycle: UpdateCycle) -> Self {
        Shape {
            name: name.to_owned(),
            share_type,
            update_cycle,
        }
    }

    /// The sample's own shape.
    pub fn sample() -> Self {
        let m = sample_metadata();
        Shape {
            name: m.name,
            share_type: m.sharing.share_type,
            update_cycle: m.update_cycle,
        }
    }
}

/// The sample metadata moved to `class` and `provider`, shaped as `shape`.
pub fn metadata(
    class: &ClassificationCode,
    provider: &CreditCode,
    shape: &Shape,
) -> ResourceMetadata {
    let mut m = sample_metadata();
    m.classification = Classification::from_code(class);
    m.provider_code = provider.clone();
    m.name = shape.name.clone();
    m.sharing.share_type = shape.share_type;
    m.update_cycle = shape.update_cycle;
    m
}

pub fn summary_of(m: &ResourceMetadata) -> EntrySummary {
    EntrySummary {
        name: m.name.clone(),
        category: m.classification.category,
        share_type: m.sharing.share_type,
        update_cycle: m.update_cycle,
    }
}

/// A version of `m` written by [`CATALOGUER`] now.
pub fn version_of(m: &ResourceMetadata, note: &str) -> NewVersion {
    NewVersion {
        canonical: m.canonical_bytes(),
        digest: m.digest(),
        summary: summary_of(m),
        author: CATALOGUER.to_owned(),
        created_at: Utc::now(),
        note: note.to_owned(),
    }
}

/// A new entry under `class` from department `provider`.
pub fn new_entry(class: &str, provider: &CreditCode, shape: &Shape) -> NewEntry {
    let class = classification(class);
    let m = metadata(&class, provider, shape);
    NewEntry {
        classification: class,
        provider_code: provider.clone(),
        version: version_of(&m, "首次编目"),
    }
}

/// The `n`-th revision of the entry `header`, shaped as `shape`: its summary text names `n`,
/// so every revision has its own bytes and digest.
pub fn revision(header: &EntryHeader, n: u64, shape: &Shape) -> NewVersion {
    let mut m = metadata(header.code.classification(), &header.provider_code, shape);
    m.summary = format!("{}（第{n}次修订）", m.summary);
    version_of(&m, &format!("修订{n}"))
}

/// Registers the sample entry under `class` for department `provider`.
pub async fn register(store: &DynStore, class: &str, provider: &CreditCode) -> EntryHeader {
    register_shaped(store, class, provider, &Shape::sample()).await
}

pub async fn register_shaped(
    store: &DynStore,
    class: &str,
    provider: &CreditCode,
    shape: &Shape,
) -> EntryHeader {
    store
        .register_entry(new_entry(class, provider, shape))
        .await
        .expect("register_entry")
        .0
}

/// Appends revision `head_version + 1` shaped as `shape`.
pub async fn edit(store: &DynStore, header: &EntryHeader, shape: &Shape) -> EntryHeader {
    let next = header.head_version + 1;
    store
        .update_entry(
            &header.code,
            header.head_version,
            revision(header, next, shape),
        )
        .await
        .expect("update_entry")
        .0
}

/// Submits the head of `code` and approves it.
pub async fn publish(store: &DynStore, code: &ResourceCode) -> EntryHeader {
    let header = store
        .get_entry(code)
        .await
        .expect("get_entry")
        .expect("the entry exists");
    let head = header.head_version;
    store
        .submit_entry(code, head, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");
    store
        .review_entry(code, head, true, "同意发布", APPROVER, Utc::now())
        .await
        .expect("approve publication")
}

/// Asks for the revocation of `code` and approves it.
pub async fn revoke(store: &DynStore, code: &ResourceCode) -> EntryHeader {
    let header = store
        .request_revocation(code, "职能调整", CATALOGUER, Utc::now())
        .await
        .expect("request_revocation");
    let published = header.published_version.expect("a published entry");
    store
        .review_entry(code, published, true, "同意撤销", APPROVER, Utc::now())
        .await
        .expect("approve revocation")
}

pub async fn entry(store: &DynStore, code: &ResourceCode) -> EntryHeader {
    store
        .get_entry(code)
        .await
        .expect("get_entry")
        .expect("the entry exists")
}

pub fn department(n: u32) -> DepartmentRecord {
    DepartmentRecord {
        code: credit(n),
        name: format!("第{n}部门"),
        region_code: RegionCode::parse("110000").expect("a valid region code"),
        parent_code: None,
        created_at: Utc::now(),
    }
}

/// A cataloguer credential of department 1 whose secret digests to `digest`.
pub fn token(id: &str, digest: &str) -> TokenRecord {
    TokenRecord {
        id: id.to_owned(),
        digest: digest.to_owned(),
        department: Some(credit(1)),
        roles: vec![Role::Cataloguer],
        name: format!("{id} 的凭据"),
        created_at: Utc::now(),
        expires_at: None,
        revoked_at: None,
    }
}

/// A platform administrator credential.
pub fn admin_token(id: &str, digest: &str) -> TokenRecord {
    TokenRecord {
        department: None,
        roles: vec![Role::Admin],
        ..token(id, digest)
    }
}
