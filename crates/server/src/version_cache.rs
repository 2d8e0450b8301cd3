//! A bounded in-memory cache of decoded versions. Versions are immutable, so a cached
//! version can never be stale, on one server or many.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use govshare_model::{ResourceCode, ResourceMetadata};

use crate::error::{ApiError, ApiResult};
use crate::{AppState, convert, proto};

/// One version, decoded, and ready to be put in a reply.
#[derive(Debug)]
pub(crate) struct CachedVersion {
    pub info: proto::VersionInfo,
    pub metadata: proto::ResourceMetadata,
    pub model: ResourceMetadata,
}

/// Versions by (entry code, version number).
#[derive(Debug, Default)]
pub(crate) struct VersionCache {
    map: RwLock<HashMap<(String, u64), Arc<CachedVersion>>>,
}

/// How many versions are kept before the cache starts over.
const CAPACITY: usize = 20_000;

impl VersionCache {
    pub(crate) fn get(&self, code: &str, version: u64) -> Option<Arc<CachedVersion>> {
        let map = self.map.read().ok()?;
        map.get(&(code.to_owned(), version)).cloned()
    }

    pub(crate) fn insert(&self, code: &str, version: u64, value: Arc<CachedVersion>) {
        if let Ok(mut map) = self.map.write() {
            if map.len() >= CAPACITY {
                // Simple and bounded: hot versions come back on their next read.
                map.clear();
            }
            map.insert((code.to_owned(), version), value);
        }
    }
}

impl AppState {
    /// Version `version` of entry `code`, from the cache or the store.
    pub(crate) async fn version(
        &self,
        code: &ResourceCode,
        version: u64,
    ) -> ApiResult<Arc<CachedVersion>> {
        let key = code.to_string();
        if let Some(v) = self.versions.get(&key, version) {
            return Ok(v);
        }
        let record = self
            .store
            .get_version(code, version)
            .await?
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "目录 {code} 没有版本 {version} (entry {code} has no version {version})"
                ))
            })?;
        let model = ResourceMetadata::from_canonical_bytes(&record.canonical).map_err(|e| {
            ApiError::Internal(format!(
                "stored version {version} of {code} is unreadable: {e}"
            ))
        })?;
        let v = Arc::new(CachedVersion {
            info: convert::version_info(&record),
            metadata: convert::metadata(&model),
            model,
        });
        self.versions.insert(&key, version, v.clone());
        Ok(v)
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
            model: govshare_model::testing::sample_metadata(),
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
