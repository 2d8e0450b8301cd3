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
///
/// The cache keeps two generations: new versions go into the current one; once it holds half
/// of [`CAPACITY`], it becomes the previous one and the version before that is let go. A read
/// finds a version in either, and one found in the previous generation is kept on in the
/// current, so versions read often stay while those not read for a generation leave. Letting
/// a generation go frees thousands of versions: that happens outside the lock, on a blocking
/// thread of its own, so no reader waits for it.
#[derive(Debug)]
pub struct Versions {
    store: Arc<dyn CatalogueStore>,
    map: RwLock<Kept>,
}

type ByCode = HashMap<ResourceCode, HashMap<u64, Arc<Version>>>;

/// The kept versions, by code then number: a lookup borrows the code, allocates nothing.
#[derive(Debug, Default)]
struct Kept {
    current: ByCode,
    /// How many versions `current` holds, over every code.
    len: usize,
    previous: ByCode,
}

impl Kept {
    fn get(&self, code: &ResourceCode, version: u64) -> Option<(&Arc<Version>, bool)> {
        if let Some(v) = self.current.get(code).and_then(|v| v.get(&version)) {
            return Some((v, true));
        }
        let v = self.previous.get(code)?.get(&version)?;
        Some((v, false))
    }

    /// Keeps `value` in the current generation; returns the generation let go, if one was.
    fn insert(&mut self, code: &ResourceCode, version: u64, value: Arc<Version>) -> Option<ByCode> {
        let mut gone = None;
        if self.len >= CAPACITY / 2 {
            let current = std::mem::take(&mut self.current);
            gone = Some(std::mem::replace(&mut self.previous, current));
            self.len = 0;
        }
        let versions = self.current.entry(code.clone()).or_default();
        if versions.insert(version, value).is_none() {
            self.len += 1;
        }
        gone
    }
}

/// How many versions are kept at most, over both generations.
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
        let (v, current) = {
            let map = self.map.read().ok()?;
            let (v, current) = map.get(code, version)?;
            (v.clone(), current)
        };
        if !current {
            // Read within the last two generations: kept on.
            self.insert(code, version, v.clone());
        }
        Some(v)
    }

    fn insert(&self, code: &ResourceCode, version: u64, value: Arc<Version>) {
        let gone = match self.map.write() {
            Ok(mut map) => map.insert(code, version, value),
            Err(_) => None,
        };
        if let Some(gone) = gone {
            let_go(gone);
        }
    }
}

/// Frees a generation of versions on a thread of its own, so that the call that let it go
/// does not wait for it either (at most once per half [`CAPACITY`] versions read).
fn let_go(generation: ByCode) {
    let spawned = std::thread::Builder::new()
        .name("versions-free".into())
        .spawn(move || drop(generation));
    // Without a thread (the system refused one), the caller frees it.
    drop(spawned);
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
            let held = |g: &ByCode| g.values().map(HashMap::len).sum::<usize>();
            assert_eq!(map.len, held(&map.current));
            assert!(held(&map.current) + held(&map.previous) <= CAPACITY);
        }
        // The last versions inserted are kept.
        assert!(cache.cached(&other, CAPACITY as u64 + 9).is_some());
    }

    #[tokio::test]
    async fn versions_read_often_stay_and_the_rest_leave() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let cache = versions(dir.path());
        let hot = ResourceCode::parse("101001/000001").expect("code");
        let cold = ResourceCode::parse("101001/000002").expect("code");
        let filler = ResourceCode::parse("101001/000003").expect("code");
        cache.insert(&hot, 1, version(1));
        cache.insert(&cold, 1, version(1));
        // Three generations pass; the hot version is read in each, the cold one never.
        for n in 0..(3 * CAPACITY as u64 / 2) {
            cache.insert(&filler, n, version(n));
            if n % 1000 == 0 {
                assert!(cache.cached(&hot, 1).is_some(), "lost a version read often");
            }
        }
        assert!(cache.cached(&hot, 1).is_some());
        assert!(cache.cached(&cold, 1).is_none());
    }
}
