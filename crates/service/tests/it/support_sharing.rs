//! A fresh sled store with the sharing and exchange use cases over it, entries of department
//! A put into the published catalogue through the store, and the principals that call them.

use std::sync::Arc;

use chrono::{FixedOffset, Utc};
use govshare_model::testing::{SAMPLE_PROVIDER_CODE, sample_metadata, valid_credit_code};
use govshare_model::{CreditCode, ResourceMetadata, Role, ShareType};
use govshare_service::exchange::Exchange;
use govshare_service::sharing::{Decide, NewRequestInput, RequestOutcome, Sharing};
use govshare_service::versions::Versions;
use govshare_service::{Caller, Principal, ServiceError};
use govshare_sharing::{SharingPolicy, WorkingCalendar};
use govshare_store::sled::{SledOptions, SledStore};
use govshare_store::{CatalogueStore, EntryHeader, EntrySummary, NewEntry, NewVersion};
use tempfile::TempDir;

/// The use cases over one store.
pub struct World {
    _dir: TempDir,
    pub store: Arc<SledStore>,
    pub sharing: Sharing,
    pub exchange: Exchange,
    /// The provider of every entry.
    pub a: CreditCode,
    /// A consumer department.
    pub b: CreditCode,
    /// A third department, party to nothing.
    pub c: CreditCode,
}

/// A fresh store and the use cases over it.
pub async fn world() -> World {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Arc::new(
        SledStore::open(dir.path(), &SledOptions::default()).expect("open the sled store"),
    );
    let versions = Arc::new(Versions::new(store.clone()));
    let calendar = WorkingCalendar::weekends_only(FixedOffset::east_opt(8 * 3600).expect("UTC+8"));
    let sharing = Sharing::new(
        store.clone(),
        store.clone(),
        versions.clone(),
        SharingPolicy::default(),
        calendar,
    );
    let exchange = Exchange::new(store.clone(), store.clone(), store.clone(), versions);
    World {
        _dir: dir,
        store,
        sharing,
        exchange,
        a: code(SAMPLE_PROVIDER_CODE),
        b: code(&valid_credit_code(2)),
        c: code(&valid_credit_code(3)),
    }
}

pub fn code(text: &str) -> CreditCode {
    CreditCode::parse(text).expect("a valid credit code")
}

/// A department's credential with `roles`.
pub fn of(department: &CreditCode, roles: &[Role]) -> Principal {
    Principal::from(Caller {
        token_id: format!("tok_{department}_{}", roles.len()),
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

/// The sample metadata (人口基础信息: 姓名, 公民身份号码, 出生日期) with every item and the
/// entry shared as `share_type`.
pub fn metadata(share_type: ShareType) -> ResourceMetadata {
    let mut m = sample_metadata();
    m.sharing.share_type = share_type;
    for item in &mut m.items {
        item.share_type = share_type;
    }
    match share_type {
        ShareType::Unconditional => m.sharing.condition = String::new(),
        ShareType::NotShared => {
            m.sharing.condition = String::new();
            m.sharing.mode = None;
            m.sharing.basis = "《中华人民共和国个人信息保护法》第二十八条".into();
        }
        ShareType::Conditional => {}
    }
    m
}

/// The first version of an entry of A with `m`, written by A's cataloguer.
fn new_entry(m: &ResourceMetadata) -> NewEntry {
    NewEntry {
        classification: m.classification.code(),
        provider_code: m.provider_code.clone(),
        version: NewVersion {
            canonical: m.canonical_bytes(),
            digest: m.digest(),
            summary: EntrySummary {
                name: m.name.clone(),
                category: m.classification.category,
                share_type: m.sharing.share_type,
                update_cycle: m.update_cycle,
            },
            author: "tok_cataloguer".into(),
            created_at: Utc::now(),
            note: String::new(),
        },
    }
}

/// A consumer's request for `items` of `entry`, every required text given.
pub fn ask(entry: &EntryHeader, items: &[&str]) -> NewRequestInput {
    NewRequestInput {
        entry_code: Some(entry.code.clone()),
        items: items.iter().map(|i| (*i).to_owned()).collect(),
        purpose: "办理社会救助时核验申请人身份".into(),
        use_scope: "本部门社会救助业务".into(),
        business_system: "社会救助信息系统".into(),
        ..NewRequestInput::default()
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
    /// A draft of A with `m`, never submitted.
    pub async fn draft(&self, m: &ResourceMetadata) -> EntryHeader {
        self.store
            .register_entry(new_entry(m))
            .await
            .expect("register_entry")
            .0
    }

    /// An entry of A with `m`, published at version 1.
    pub async fn published(&self, m: &ResourceMetadata) -> EntryHeader {
        let draft = self.draft(m).await;
        self.store
            .submit_entry(&draft.code, 1, "tok_cataloguer", Utc::now())
            .await
            .expect("submit_entry");
        self.store
            .review_entry(&draft.code, 1, true, "", "tok_admin", Utc::now())
            .await
            .expect("review_entry")
    }

    /// B's consumer asks for `items` of `entry`.
    pub async fn request(&self, entry: &EntryHeader, items: &[&str]) -> RequestOutcome {
        self.sharing
            .create_request(&of(&self.b, &[Role::Consumer]), &(), ask(entry, items))
            .await
            .expect("B's consumer asks")
    }

    /// B's consumer asks for `items` of `entry` and A's approver approves: the grant.
    pub async fn granted(
        &self,
        entry: &EntryHeader,
        items: &[&str],
    ) -> govshare_sharing::GrantRecord {
        let pending = self.request(entry, items).await;
        let decided = self
            .sharing
            .decide_request(
                &of(&self.a, &[Role::Approver]),
                &(),
                Decide {
                    id: Some(pending.request.id),
                    approve: true,
                    ..Decide::default()
                },
            )
            .await
            .expect("A's approver approves");
        decided.grant.expect("an approval issues a grant")
    }
}
