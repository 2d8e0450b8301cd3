//! The versions of catalogue entries, decoded, through a bounded in-memory cache. Versions are
//! immutable, so a cached version can never be stale, on one server or many.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
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
/// The cache is bounded by bytes: a version counts as many bytes as its canonical form (about
/// what its decoded metadata takes in memory) plus [`OVERHEAD`]. It keeps two generations: new
/// versions go into the current one; once that holds half of the budget, it becomes the
/// previous one and the generation before that is let go. A read finds a version in either,
/// and one found in the previous generation is kept on in the current, so versions read often
/// stay while those not read for a generation leave. Letting a generation go frees thousands
/// of versions: that happens outside the lock, on a thread of its own, so no reader waits for
/// it.
#[derive(Debug)]
pub struct Versions {
    store: Arc<dyn CatalogueStore>,
    map: RwLock<Kept>,
    /// The most bytes kept, over both generations.
    budget: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// A kept version and the bytes it counts for.
type Held = (Arc<Version>, usize);
type ByCode = HashMap<ResourceCode, HashMap<u64, Held>>;

/// The kept versions, by code then number: a lookup borrows the code, allocates nothing.
#[derive(Debug, Default)]
struct Kept {
    current: ByCode,
    /// Bytes `current` holds, over every code.
    bytes: usize,
    /// Bytes `previous` holds.
    previous_bytes: usize,
    previous: ByCode,
}

impl Kept {
    fn get(&self, code: &ResourceCode, version: u64) -> Option<(&Held, bool)> {
        if let Some(v) = self.current.get(code).and_then(|v| v.get(&version)) {
            return Some((v, true));
        }
        let v = self.previous.get(code)?.get(&version)?;
        Some((v, false))
    }

    /// Keeps `held` in the current generation, which holds at most `half` bytes before it
    /// becomes the previous one; returns the generation let go, if one was.
    fn insert(
        &mut self,
        code: &ResourceCode,
        version: u64,
        held: Held,
        half: usize,
    ) -> Option<ByCode> {
        let mut gone = None;
        if self.bytes + held.1 > half && self.bytes > 0 {
            let current = std::mem::take(&mut self.current);
            gone = Some(std::mem::replace(&mut self.previous, current));
            self.previous_bytes = std::mem::take(&mut self.bytes);
        }
        let bytes = held.1;
        let versions = self.current.entry(code.clone()).or_default();
        if versions.insert(version, held).is_none() {
            self.bytes += bytes;
        }
        gone
    }
}

/// Bytes a kept version counts for beyond its canonical form: its record and the maps' entries.
pub const OVERHEAD: usize = 256;

/// The default budget of [`Versions`]: about 100 000 versions of a catalogue entry of the
/// usual size (three to ten 信息项, about a KiB in canonical form).
pub const DEFAULT_BUDGET_BYTES: usize = 128 * 1024 * 1024;

/// What the cache did so far, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Reads answered from memory.
    pub hits: u64,
    /// Reads that went to the store.
    pub misses: u64,
    /// Bytes held now, over both generations.
    pub bytes: usize,
}

impl Versions {
    /// An empty cache in front of `store`, with the default budget.
    pub fn new(store: Arc<dyn CatalogueStore>) -> Self {
        Versions::with_budget(store, DEFAULT_BUDGET_BYTES)
    }

    /// An empty cache in front of `store` that keeps at most `budget` bytes of versions.
    pub fn with_budget(store: Arc<dyn CatalogueStore>, budget: usize) -> Self {
        Versions {
            store,
            map: RwLock::default(),
            budget,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Reads answered from memory and from the store, and the bytes held.
    pub fn stats(&self) -> CacheStats {
        let bytes = self
            .map
            .read()
            .map_or(0, |map| map.bytes + map.previous_bytes);
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes,
        }
    }

    /// Version `version` of entry `code`, from the cache or the store.
    pub async fn get(&self, code: &ResourceCode, version: u64) -> ServiceResult<Arc<Version>> {
        if let Some(v) = self.cached(code, version) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(v);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let mut record = self
            .store
            .get_version(code, version)
            .await?
            .ok_or_else(|| no_such_version(code, version))?;
        let metadata = decode(code, &record)?;
        let bytes = record.canonical.len() + OVERHEAD;
        record.canonical = Vec::new();
        let v = Arc::new(Version { record, metadata });
        self.insert(code, version, (v.clone(), bytes));
        Ok(v)
    }

    fn cached(&self, code: &ResourceCode, version: u64) -> Option<Arc<Version>> {
        let (held, current) = {
            let map = self.map.read().ok()?;
            let (held, current) = map.get(code, version)?;
            (held.clone(), current)
        };
        let v = held.0.clone();
        if !current {
            // Read within the last two generations: kept on.
            self.insert(code, version, held);
        }
        Some(v)
    }

    fn insert(&self, code: &ResourceCode, version: u64, held: Held) {
        let gone = match self.map.write() {
            Ok(mut map) => map.insert(code, version, held, self.budget / 2),
            Err(_) => None,
        };
        if let Some(gone) = gone {
            let_go(gone);
        }
    }
}

/// Frees a generation of versions on a thread of its own, so that the call that let it go
/// does not wait for it either (at most once per half budget of versions read).
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

    /// Bytes each test version counts for, and the budget of the test caches: 1 000 versions.
    const WEIGHT: usize = 1_000;
    const BUDGET: usize = 1_000 * WEIGHT;
    const CAPACITY: usize = BUDGET / WEIGHT;

    fn version(n: u64) -> Held {
        let v = Arc::new(Version {
            record: VersionRecord {
                version: n,
                digest: String::new(),
                author: "tok_test".into(),
                created_at: Utc::now(),
                note: String::new(),
                canonical: Vec::new(),
            },
            metadata: govshare_model::testing::sample_metadata(),
        });
        (v, WEIGHT)
    }

    fn versions(dir: &std::path::Path) -> Versions {
        let store = SledStore::open(dir, &SledOptions::default()).expect("open the sled store");
        Versions::with_budget(Arc::new(store), BUDGET)
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
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.bytes), (1, 1, WEIGHT));
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
            assert_eq!(map.bytes, held(&map.current) * WEIGHT);
            assert_eq!(map.previous_bytes, held(&map.previous) * WEIGHT);
            assert!(held(&map.current) + held(&map.previous) <= CAPACITY);
            drop(map);
            assert!(cache.stats().bytes <= BUDGET);
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
            if n % (CAPACITY as u64 / 4) == 0 {
                assert!(cache.cached(&hot, 1).is_some(), "lost a version read often");
            }
        }
        assert!(cache.cached(&hot, 1).is_some());
        assert!(cache.cached(&cold, 1).is_none());
    }
}
