//! The versions of catalogue entries, decoded, through a bounded in-memory cache. Versions are
//! immutable, so a cached version can never be stale, on one server or many.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use govshare_model::{ResourceCode, ResourceMetadata};
use govshare_store::{CatalogueStore, VersionRecord};

use crate::error::{ServiceError, ServiceResult};
use crate::reason::Reason;

/// One version of an entry, decoded.
#[derive(Debug)]
pub struct Version {
    /// The stored record, its canonical bytes left out: `metadata` is what they say.
    pub record: VersionRecord,
    /// The version's metadata.
    pub metadata: ResourceMetadata,
}

/// The answer about a version number an entry never had.
pub fn no_such_version(code: &ResourceCode, version: u64) -> ServiceError {
    ServiceError::new(
        Reason::VersionNotFound,
        govshare_model::text!(
            "目录 {code} 没有版本 {version}",
            "entry {code} has no version {version}"
        ),
    )
    .with("code", code)
    .with("version", version)
}

/// The metadata of a stored version.
pub fn decode(code: &ResourceCode, record: &VersionRecord) -> ServiceResult<ResourceMetadata> {
    ResourceMetadata::from_canonical_bytes(&record.canonical).map_err(|e| {
        ServiceError::internal(format_args!(
            "stored version {} of {code} is unreadable: {e}",
            record.version
        ))
    })
}

/// Versions by entry code and version number, read from the store once.
#[derive(Debug)]
pub struct Versions {
    store: Arc<dyn CatalogueStore>,
    map: RwLock<Kept>,
}

/// The kept versions, by code then number: a lookup borrows the code, allocates nothing.
#[derive(Debug, Default)]
struct Kept {
    by_code: HashMap<ResourceCode, HashMap<u64, Arc<Version>>>,
    /// How many versions are kept, over every code.
    len: usize,
}

/// How many versions are kept before the cache starts over.
const CAPACITY: usize = 20_000;

impl Versions {
    /// An empty cache in front of `store`.
    pub fn new(store: Arc<dyn CatalogueStore>) -> Self {
        Versions {
            store,
            map: RwLock::default(),
        }
    }

    /// Version `version` of entry `code`, from the cache or the store.
    pub async fn get(&self, code: &ResourceCode, version: u64) -> ServiceResult<Arc<Version>> {
        if let Some(v) = self.cached(code, version) {
            return Ok(v);
        }
        let mut record = self
            .store
            .get_version(code, version)
            .await?
            .ok_or_else(|| no_such_version(code, version))?;
        let metadata = decode(code, &record)?;
        record.canonical = Vec::new();
        let v = Arc::new(Version { record, metadata });
        self.insert(code, version, v.clone());
        Ok(v)
    }

    fn cached(&self, code: &ResourceCode, version: u64) -> Option<Arc<Version>> {
        let map = self.map.read().ok()?;
        map.by_code.get(code)?.get(&version).cloned()
    }

    fn insert(&self, code: &ResourceCode, version: u64, value: Arc<Version>) {
        if let Ok(mut map) = self.map.write() {
            if map.len >= CAPACITY {
                // Simple and bounded: hot versions come back on their next read.
                *map = Kept::default();
            }
            let versions = map.by_code.entry(code.clone()).or_default();
            if versions.insert(version, value).is_none() {
                map.len += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use govshare_store::sled::{SledOptions, SledStore};

    use super::*;

    fn version(n: u64) -> Arc<Version> {
        Arc::new(Version {
            record: VersionRecord {
                version: n,
                digest: String::new(),
                author: "tok_test".into(),
                created_at: Utc::now(),
                note: String::new(),
                canonical: Vec::new(),
            },
            metadata: govshare_model::testing::sample_metadata(),
        })
    }

    fn versions(dir: &std::path::Path) -> Versions {
        let store = SledStore::open(dir, &SledOptions::default()).expect("open the sled store");
        Versions::new(Arc::new(store))
    }

    #[tokio::test]
    async fn versions_are_found_by_code_and_number() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let cache = versions(dir.path());
        let code = ResourceCode::parse("101001/000001").expect("code");
        let other = ResourceCode::parse("101001/000002").expect("code");
        cache.insert(&code, 1, version(1));
        assert_eq!(cache.cached(&code, 1).map(|v| v.record.version), Some(1));
        assert!(cache.cached(&code, 2).is_none());
        assert!(cache.cached(&other, 1).is_none());
        assert_eq!(cache.get(&code, 1).await.expect("cached").record.version, 1);
        let err = cache.get(&code, 2).await.expect_err("never stored");
        assert_eq!(err.to_string(), no_such_version(&code, 2).to_string());
    }

    #[tokio::test]
    async fn the_cache_stays_bounded() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let cache = versions(dir.path());
        let code = ResourceCode::parse("101001/000001").expect("code");
        let other = ResourceCode::parse("101001/000002").expect("code");
        for n in 0..(CAPACITY as u64 + 10) {
            cache.insert(&code, n, version(n));
            cache.insert(&other, n, version(n));
            let map = cache.map.read().expect("lock");
            assert!(map.len <= CAPACITY);
            assert_eq!(
                map.len,
                map.by_code.values().map(HashMap::len).sum::<usize>()
            );
        }
        // The last versions inserted are kept.
        assert!(cache.cached(&other, CAPACITY as u64 + 9).is_some());
    }
}
