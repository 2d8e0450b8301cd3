//! A bounded in-memory cache of decoded versions. Versions are immutable, so a cached
//! version can never be stale, on one server or many.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::proto;

/// One version, ready to be put in a reply.
#[derive(Debug)]
pub struct CachedVersion {
    pub info: proto::VersionInfo,
    pub metadata: proto::ResourceMetadata,
}

/// Versions by (entry code, version number).
#[derive(Debug, Default)]
pub struct VersionCache {
    map: RwLock<HashMap<(String, u64), Arc<CachedVersion>>>,
}

/// How many versions are kept before the cache starts over.
const CAPACITY: usize = 20_000;

impl VersionCache {
    pub fn get(&self, code: &str, version: u64) -> Option<Arc<CachedVersion>> {
        let map = self.map.read().ok()?;
        map.get(&(code.to_owned(), version)).cloned()
    }

    pub fn insert(&self, code: &str, version: u64, value: Arc<CachedVersion>) {
        if let Ok(mut map) = self.map.write() {
            if map.len() >= CAPACITY {
                // Simple and bounded: hot versions come back on their next read.
                map.clear();
            }
            map.insert((code.to_owned(), version), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(n: u64) -> Arc<CachedVersion> {
        Arc::new(CachedVersion {
            info: proto::VersionInfo {
                version: n,
                ..Default::default()
            },
            metadata: proto::ResourceMetadata::default(),
        })
    }

    #[test]
    fn versions_are_found_by_code_and_number() {
        let cache = VersionCache::default();
        cache.insert("101001/000001", 1, version(1));
        assert_eq!(
            cache.get("101001/000001", 1).map(|v| v.info.version),
            Some(1)
        );
        assert!(cache.get("101001/000001", 2).is_none());
        assert!(cache.get("101001/000002", 1).is_none());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = VersionCache::default();
        for n in 0..(CAPACITY as u64 + 10) {
            cache.insert("101001/000001", n, version(n));
        }
        assert!(cache.map.read().expect("lock").len() <= CAPACITY);
    }
}
