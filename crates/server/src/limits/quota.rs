//! Per-credential quotas: how many calls a token may have in flight, and a token bucket for
//! how many it may start per second. A refusal says when to try again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The limits of one credential. Zero turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaConfig {
    /// Calls in flight at once, streams included until they end.
    pub concurrency: usize,
    /// Calls started per second, on average.
    pub rate: f64,
    /// Calls that may start at once after a quiet spell; at least one.
    pub burst: f64,
}

/// Which limit refused a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Exceeded {
    Concurrency { limit: usize },
    Rate { per_second: f64 },
}

/// A refused call: the limit, and how long to wait before retrying.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Refusal {
    pub exceeded: Exceeded,
    pub retry_after: Duration,
}

/// Calls in flight for a concurrency refusal have no known end; this is the suggested wait.
const CONCURRENCY_RETRY: Duration = Duration::from_millis(100);

/// Above this many tracked credentials, idle ones are forgotten.
const SWEEP_ABOVE: usize = 4096;

#[derive(Debug)]
struct Bucket {
    level: f64,
    at: Instant,
}

/// One credential's state.
#[derive(Debug)]
struct TokenQuota {
    in_flight: AtomicUsize,
    bucket: Mutex<Bucket>,
}

/// Every credential's state. Cheap to share.
#[derive(Debug)]
pub struct Quotas {
    config: QuotaConfig,
    tokens: Mutex<HashMap<String, Arc<TokenQuota>>>,
}

/// A call in flight; dropping it ends the call for the concurrency limit.
#[derive(Debug)]
pub struct Permit {
    quota: Option<Arc<TokenQuota>>,
}

impl Permit {
    /// Whether the permit holds a slot (false when every limit is off).
    pub fn counts(&self) -> bool {
        self.quota.is_some()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(q) = &self.quota {
            q.in_flight.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Quotas {
    pub fn new(config: QuotaConfig) -> Self {
        Quotas {
            config,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Whether any limit is on.
    pub fn enabled(&self) -> bool {
        self.config.concurrency > 0 || self.config.rate > 0.0
    }

    fn quota(&self, token_id: &str, now: Instant) -> Arc<TokenQuota> {
        let mut tokens = self
            .tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(q) = tokens.get(token_id) {
            return q.clone();
        }
        if tokens.len() >= SWEEP_ABOVE {
            let config = self.config;
            tokens.retain(|_, q| !q.idle(&config, now));
        }
        let q = Arc::new(TokenQuota {
            in_flight: AtomicUsize::new(0),
            bucket: Mutex::new(Bucket {
                level: self.config.burst,
                at: now,
            }),
        });
        tokens.insert(token_id.to_owned(), q.clone());
        q
    }

    /// Admits a call of `token_id` now, or says which limit it exceeds.
    pub fn admit(&self, token_id: &str) -> Result<Permit, Refusal> {
        self.admit_at(token_id, Instant::now())
    }

    fn admit_at(&self, token_id: &str, now: Instant) -> Result<Permit, Refusal> {
        if !self.enabled() {
            return Ok(Permit { quota: None });
        }
        let q = self.quota(token_id, now);
        let limit = self.config.concurrency;
        if limit > 0 {
            let before = q.in_flight.fetch_add(1, Ordering::AcqRel);
            if before >= limit {
                q.in_flight.fetch_sub(1, Ordering::AcqRel);
                return Err(Refusal {
                    exceeded: Exceeded::Concurrency { limit },
                    retry_after: CONCURRENCY_RETRY,
                });
            }
        } else {
            q.in_flight.fetch_add(1, Ordering::AcqRel);
        }
        // From here the permit gives the slot back, whatever the rate limit says.
        let permit = Permit {
            quota: Some(q.clone()),
        };
        if self.config.rate > 0.0 {
            q.take(&self.config, now)?;
        }
        Ok(permit)
    }
}

impl TokenQuota {
    /// Takes one call from the bucket, refilled for the time since it was last touched.
    fn take(&self, config: &QuotaConfig, now: Instant) -> Result<(), Refusal> {
        let mut bucket = self
            .bucket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.level = (bucket.level + elapsed * config.rate).min(config.burst);
        bucket.at = now;
        if bucket.level >= 1.0 {
            bucket.level -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.level) / config.rate;
        Err(Refusal {
            exceeded: Exceeded::Rate {
                per_second: config.rate,
            },
            // Rounded up to whole milliseconds, so a client that waits exactly this long finds
            // a call in the bucket.
            retry_after: Duration::from_millis((wait * 1000.0).ceil().max(1.0) as u64),
        })
    }

    /// No call in flight and a full bucket: forgetting it changes nothing.
    fn idle(&self, config: &QuotaConfig, now: Instant) -> bool {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return false;
        }
        if config.rate <= 0.0 {
            return true;
        }
        let bucket = self
            .bucket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.level + elapsed * config.rate >= config.burst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotas(concurrency: usize, rate: f64, burst: f64) -> Quotas {
        Quotas::new(QuotaConfig {
            concurrency,
            rate,
            burst,
        })
    }

    #[test]
    fn concurrency_counts_calls_until_their_permits_drop() {
        let q = quotas(2, 0.0, 0.0);
        let a = q.admit("t1").expect("first");
        let _b = q.admit("t1").expect("second");
        let refused = q.admit("t1").expect_err("third");
        assert_eq!(refused.exceeded, Exceeded::Concurrency { limit: 2 });
        assert!(refused.retry_after > Duration::ZERO);
        // Another credential has its own limit.
        let _c = q.admit("t2").expect("other token");
        drop(a);
        let _d = q.admit("t1").expect("a slot came back");
    }

    #[test]
    fn the_bucket_refills_at_the_rate_and_the_hint_says_when() {
        let q = quotas(0, 10.0, 3.0);
        let start = Instant::now();
        for _ in 0..3 {
            q.admit_at("t", start).expect("within the burst");
        }
        let refused = q.admit_at("t", start).expect_err("burst spent");
        assert_eq!(refused.exceeded, Exceeded::Rate { per_second: 10.0 });
        assert_eq!(refused.retry_after, Duration::from_millis(100));
        // Half the wait is not enough; the whole wait is.
        assert!(q.admit_at("t", start + Duration::from_millis(50)).is_err());
        q.admit_at("t", start + Duration::from_millis(100))
            .expect("refilled");
        // A long pause refills no more than the burst.
        let later = start + Duration::from_secs(60);
        for _ in 0..3 {
            q.admit_at("t", later).expect("burst again");
        }
        assert!(q.admit_at("t", later).is_err());
    }

    #[test]
    fn a_rate_refusal_does_not_hold_a_concurrency_slot() {
        let q = quotas(1, 1.0, 1.0);
        let now = Instant::now();
        drop(q.admit_at("t", now).expect("first"));
        assert!(matches!(
            q.admit_at("t", now).expect_err("rate").exceeded,
            Exceeded::Rate { .. }
        ));
        // Had the refused call kept its slot, this would be a concurrency refusal.
        let later = now + Duration::from_secs(1);
        q.admit_at("t", later).expect("slot and rate both free");
    }

    #[test]
    fn limits_off_admit_everything() {
        let q = quotas(0, 0.0, 0.0);
        assert!(!q.enabled());
        let permits: Vec<_> = (0..10_000).map(|_| q.admit("t").expect("off")).collect();
        assert_eq!(permits.len(), 10_000);
    }

    #[test]
    fn idle_credentials_are_forgotten_past_the_sweep_size() {
        let q = quotas(4, 0.0, 0.0);
        let held = q.admit("busy").expect("busy");
        for i in 0..SWEEP_ABOVE + 10 {
            drop(q.admit(&format!("t{i}")).expect("admit"));
        }
        let tracked = q.tokens.lock().expect("lock").len();
        assert!(tracked < SWEEP_ABOVE, "{tracked}");
        assert!(q.tokens.lock().expect("lock").contains_key("busy"));
        drop(held);
    }
}
