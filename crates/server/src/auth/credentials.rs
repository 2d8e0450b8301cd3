//! Credentials and departments held in memory, in front of the identity store: every call
//! presents a credential, and reading and decoding its stored record each time was most of
//! what authenticating a call cost.
//!
//! - A credential's record is kept once read, by the digest of its secret, only when this
//!   process is the store's only writer ([`IdentityStore::is_exclusive`]: sled). Every change
//!   to a credential then passes here: a revocation drops the kept record before it is
//!   answered, and a record read while a revocation was under way is not kept. With
//!   PostgreSQL other servers revoke too, so every call reads the store.
//! - Whether a credential still authenticates is decided on every call, from its record and
//!   the clock (the auth layer): a kept record expires without being dropped.
//! - A secret nobody was issued is never kept: a credential issued later authenticates at
//!   once, and unknown secrets cannot fill the memory. At most [`CAPACITY`] records are kept.
//! - Departments are kept once read, with every backend: they are never changed or removed.
//! - Nothing kept is answered once the store stopped for good
//!   ([`govshare_store::OperationsStore::check_alive`]): calls are refused then, as when every
//!   call read the store.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_model::CreditCode;
use govshare_service::Principal;
use govshare_service::tokens::token_digest_bytes;
use govshare_store::{
    DepartmentRecord, IdentityStore, Page, Result, Store, StoreError, TokenRecord,
};

use super::Revocations;

/// How many credential records, and how many departments, are kept at most.
pub(crate) const CAPACITY: usize = 10_000;

/// The sha256 digest of a credential's secret.
pub(crate) type Digest = [u8; 32];

/// A stored credential and the principal it stands for.
#[derive(Debug)]
pub(crate) struct Known {
    pub(crate) record: TokenRecord,
    /// Built once, shared by every call the credential makes.
    pub(crate) principal: Principal,
}

impl Known {
    fn new(record: TokenRecord) -> Arc<Known> {
        let principal = Principal::from_record(&record);
        Arc::new(Known { record, principal })
    }
}

/// The identity store with credentials and departments held in memory; every write to the
/// identity of this server passes here.
#[derive(Debug)]
pub(crate) struct Credentials {
    store: Arc<dyn Store>,
    /// Kept credential records; none when other processes write the store.
    tokens: Option<Arc<Kept>>,
    departments: RwLock<HashMap<CreditCode, DepartmentRecord>>,
    capacity: usize,
    /// Tells open streams that a credential was revoked here.
    revocations: Arc<Revocations>,
}

/// Credential records by digest.
#[derive(Debug, Default)]
struct Kept {
    map: RwLock<KeptMap>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct KeptMap {
    /// Counts the revocations made here: a record read from the store before the last one
    /// ended may be stale, and is not kept.
    generation: u64,
    records: HashMap<Digest, Arc<Known>>,
}

impl Kept {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, KeptMap> {
        // Plain data: a panic while the lock was held leaves nothing half-done.
        self.map.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, KeptMap> {
        self.map.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The kept record of `digest`, or the generation to read the store under.
    fn get(&self, digest: &Digest) -> std::result::Result<Arc<Known>, u64> {
        let map = self.read();
        map.records.get(digest).cloned().ok_or(map.generation)
    }

    /// Keeps a record read from the store under `generation`, unless a revocation began
    /// since; a full map gives up one record for it.
    fn keep(&self, generation: u64, digest: Digest, known: Arc<Known>) {
        let mut map = self.write();
        if map.generation != generation {
            return;
        }
        if map.records.len() >= self.capacity
            && let Some(evicted) = map.records.keys().next().copied()
        {
            map.records.remove(&evicted);
        }
        map.records.insert(digest, known);
    }

    /// A revocation of `token_id` is in the store: its record is dropped, and records read
    /// before are not kept.
    fn forget(&self, token_id: &str) {
        let mut map = self.write();
        map.generation = map.generation.wrapping_add(1);
        map.records.retain(|_, known| known.record.id != token_id);
    }
}

impl Credentials {
    /// Credentials of `store`, kept in memory if this process is its only writer.
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Self::with_capacity(store, CAPACITY)
    }

    fn with_capacity(store: Arc<dyn Store>, capacity: usize) -> Self {
        let tokens = store.is_exclusive().then(|| {
            Arc::new(Kept {
                map: RwLock::default(),
                capacity: capacity.max(1),
            })
        });
        Credentials {
            store,
            tokens,
            departments: RwLock::default(),
            capacity: capacity.max(1),
            revocations: Arc::default(),
        }
    }

    /// Counts the revocations made here, for open streams to watch.
    pub(crate) fn revocations(&self) -> &Revocations {
        &self.revocations
    }

    /// The stored credential whose secret is `token`, if there is one.
    pub(crate) async fn by_token(&self, token: &str) -> Result<Option<Arc<Known>>> {
        self.by_digest(token_digest_bytes(token)).await
    }

    /// The stored credential whose secret has `digest`, if there is one.
    pub(crate) async fn by_digest(&self, digest: Digest) -> Result<Option<Arc<Known>>> {
        let Some(kept) = &self.tokens else {
            let record = self.store.token_by_digest(&hex::encode(digest)).await?;
            return Ok(record.map(Known::new));
        };
        let generation = match kept.get(&digest) {
            Ok(known) => {
                self.store.check_alive()?;
                return Ok(Some(known));
            }
            Err(generation) => generation,
        };
        let Some(record) = self.store.token_by_digest(&hex::encode(digest)).await? else {
            return Ok(None);
        };
        let known = Known::new(record);
        kept.keep(generation, digest, known.clone());
        Ok(Some(known))
    }

    /// How many credential records are kept.
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.tokens.as_ref().map_or(0, |k| k.read().records.len())
    }
}

#[async_trait]
impl IdentityStore for Credentials {
    async fn create_department(&self, department: DepartmentRecord) -> Result<DepartmentRecord> {
        self.store.create_department(department).await
    }

    async fn get_department(&self, code: &CreditCode) -> Result<Option<DepartmentRecord>> {
        let kept = (self.departments.read())
            .unwrap_or_else(PoisonError::into_inner)
            .get(code)
            .cloned();
        if kept.is_some() {
            self.store.check_alive()?;
            return Ok(kept);
        }
        let Some(department) = self.store.get_department(code).await? else {
            return Ok(None);
        };
        let mut departments = self
            .departments
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if departments.len() >= self.capacity {
            // Departments number in the hundreds; this bounds a store with more.
            departments.clear();
        }
        departments.insert(code.clone(), department.clone());
        Ok(Some(department))
    }

    async fn list_departments(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<DepartmentRecord>> {
        self.store.list_departments(after, limit).await
    }

    /// A new digest: nothing kept can stand for it, since unknown secrets are never kept.
    async fn insert_token(&self, token: TokenRecord) -> Result<()> {
        self.store.insert_token(token).await
    }

    async fn bootstrap_admin_token(&self, token: TokenRecord) -> Result<bool> {
        self.store.bootstrap_admin_token(token).await
    }

    async fn admin_bootstrapped(&self) -> Result<bool> {
        self.store.admin_bootstrapped().await
    }

    /// Through the kept records for a digest in the stored form (lowercase hex).
    async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRecord>> {
        let mut bytes: Digest = [0; 32];
        if hex::decode_to_slice(digest, &mut bytes).is_err()
            || digest.bytes().any(|b| b.is_ascii_uppercase())
        {
            return self.store.token_by_digest(digest).await;
        }
        Ok(self.by_digest(bytes).await?.map(|k| k.record.clone()))
    }

    /// Revokes in a task of its own, which drops the kept record and tells open streams once
    /// the store has the revocation, even if the caller stops waiting for it.
    async fn revoke_token(&self, token_id: &str, at: DateTime<Utc>) -> Result<TokenRecord> {
        let store = self.store.clone();
        let tokens = self.tokens.clone();
        let revocations = self.revocations.clone();
        let id = token_id.to_owned();
        tokio::spawn(async move {
            let revoked = store.revoke_token(&id, at).await;
            if let Some(kept) = &tokens {
                kept.forget(&id);
            }
            revocations.revoked();
            revoked
        })
        .await
        .map_err(|e| StoreError::Backend(format!("revoking credential {token_id}: {e}")))?
    }

    fn is_exclusive(&self) -> bool {
        self.store.is_exclusive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use govshare_service::tokens::new_token;
    use govshare_store::sled::{SledOptions, SledStore};

    use super::*;

    fn credentials(dir: &std::path::Path, capacity: usize) -> Credentials {
        let store = SledStore::open(dir, &SledOptions::default()).unwrap();
        Credentials::with_capacity(Arc::new(store), capacity)
    }

    /// A platform credential record for `secret`.
    fn record(secret: &str, id: &str) -> TokenRecord {
        TokenRecord {
            id: id.to_owned(),
            digest: govshare_service::tokens::token_digest(secret),
            department: None,
            roles: vec![govshare_model::Role::Auditor],
            name: "test".into(),
            created_at: Utc::now(),
            expires_at: None,
            revoked_at: None,
        }
    }

    #[tokio::test]
    async fn unknown_secrets_are_never_kept() {
        let dir = tempfile::tempdir().unwrap();
        let c = credentials(dir.path(), 8);
        for _ in 0..1000 {
            let (secret, _) = new_token();
            assert!(c.by_token(&secret).await.unwrap().is_none());
        }
        assert_eq!(c.kept(), 0);
    }

    #[tokio::test]
    async fn a_credential_issued_after_its_secret_was_refused_authenticates_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let c = credentials(dir.path(), 8);
        let (secret, id) = new_token();
        assert!(c.by_token(&secret).await.unwrap().is_none());
        c.insert_token(record(&secret, &id)).await.unwrap();
        let known = c.by_token(&secret).await.unwrap().expect("issued");
        assert_eq!(known.record.id, id);
        assert_eq!(known.principal.token_id, id);
    }

    #[tokio::test]
    async fn kept_records_stay_within_the_capacity() {
        let dir = tempfile::tempdir().unwrap();
        let c = credentials(dir.path(), 4);
        let mut issued = Vec::new();
        for _ in 0..10 {
            let (secret, id) = new_token();
            c.insert_token(record(&secret, &id)).await.unwrap();
            issued.push((secret, id));
        }
        for _ in 0..2 {
            for (secret, id) in &issued {
                let known = c.by_token(secret).await.unwrap().expect("issued");
                assert_eq!(&known.record.id, id);
                assert!(c.kept() <= 4, "{}", c.kept());
            }
        }
        assert_eq!(c.kept(), 4);
    }

    #[tokio::test]
    async fn a_revocation_drops_the_kept_record() {
        let dir = tempfile::tempdir().unwrap();
        let c = credentials(dir.path(), 8);
        let (secret, id) = new_token();
        c.insert_token(record(&secret, &id)).await.unwrap();
        let known = c.by_token(&secret).await.unwrap().unwrap();
        assert!(known.record.revoked_at.is_none());
        assert_eq!(c.kept(), 1);
        let streams = c.revocations().subscribe();
        c.revoke_token(&id, Utc::now()).await.unwrap();
        assert!(streams.has_changed().unwrap(), "open streams are told");
        let known = c.by_token(&secret).await.unwrap().unwrap();
        assert!(known.record.revoked_at.is_some());
        assert!(!known.record.is_valid_at(Utc::now()));
    }

    #[tokio::test]
    async fn a_record_read_before_a_revocation_ended_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let c = credentials(dir.path(), 8);
        let kept = c.tokens.as_ref().expect("sled is its only writer");
        let (secret, id) = new_token();
        let digest = token_digest_bytes(&secret);
        let generation = kept.get(&digest).unwrap_err();
        // Read before the revocation was in the store, kept after: stale.
        kept.forget(&id);
        kept.keep(generation, digest, Known::new(record(&secret, &id)));
        assert_eq!(c.kept(), 0);
        let generation = kept.get(&digest).unwrap_err();
        kept.keep(generation, digest, Known::new(record(&secret, &id)));
        assert_eq!(c.kept(), 1);
    }

    #[tokio::test]
    async fn departments_are_kept_once_registered() {
        let dir = tempfile::tempdir().unwrap();
        let c = credentials(dir.path(), 8);
        let code = CreditCode::parse(&govshare_model::testing::valid_credit_code(1)).unwrap();
        assert!(c.get_department(&code).await.unwrap().is_none());
        let department = DepartmentRecord {
            code: code.clone(),
            name: "市公安局".into(),
            region_code: "110000".parse().unwrap(),
            parent_code: None,
            created_at: Utc::now(),
        };
        c.create_department(department.clone()).await.unwrap();
        assert_eq!(c.get_department(&code).await.unwrap(), Some(department));
        assert_eq!(c.departments.read().unwrap().len(), 1);
    }
}
