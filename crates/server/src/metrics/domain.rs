//! Gauges of what the store holds, set from [`StoreStats`] when `/metrics` is scraped.

use govshare_model::{EntryState, GrantState, RequestState};
use govshare_store::StoreStats;
use prometheus::{IntGauge, IntGaugeVec, Opts, Registry};

/// The label value of a state: its name in lower case (`pending_publish`).
fn state_label(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The gauges counted from the store.
#[derive(Debug)]
pub(crate) struct DomainGauges {
    entries: IntGaugeVec,
    requests: IntGaugeVec,
    requests_pending: IntGauge,
    requests_overdue: IntGauge,
    grants_active: IntGauge,
    store_size: IntGauge,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: T,
) -> prometheus::Result<T> {
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

impl DomainGauges {
    pub(crate) fn new(registry: &Registry) -> prometheus::Result<Self> {
        let gauges = DomainGauges {
            entries: register(
                registry,
                IntGaugeVec::new(
                    Opts::new(
                        "govshare_catalog_entries",
                        "Catalogue entries by workflow state.",
                    ),
                    &["state"],
                )?,
            )?,
            requests: register(
                registry,
                IntGaugeVec::new(
                    Opts::new("govshare_sharing_requests", "Sharing requests by state."),
                    &["state"],
                )?,
            )?,
            requests_pending: register(
                registry,
                IntGauge::new(
                    "govshare_sharing_requests_pending",
                    "Conditional sharing requests waiting for the provider's decision.",
                )?,
            )?,
            requests_overdue: register(
                registry,
                IntGauge::new(
                    "govshare_sharing_requests_overdue",
                    "Pending sharing requests past their answer deadline.",
                )?,
            )?,
            grants_active: register(
                registry,
                IntGauge::new("govshare_sharing_grants_active", "Grants in force now.")?,
            )?,
            store_size: register(
                registry,
                IntGauge::new(
                    "govshare_store_size_bytes",
                    "Bytes the store occupies on disk (snapshot blobs not included).",
                )?,
            )?,
        };
        // Every state has a series from the start, so dashboards show zeros, not gaps.
        gauges.set(&StoreStats::default());
        Ok(gauges)
    }

    pub(crate) fn set(&self, stats: &StoreStats) {
        let count = |n: Option<&u64>| i64::try_from(n.copied().unwrap_or(0)).unwrap_or(i64::MAX);
        for state in EntryState::ALL {
            self.entries
                .with_label_values(&[state_label(state.name()).as_str()])
                .set(count(stats.entries.get(state)));
        }
        for state in RequestState::ALL {
            self.requests
                .with_label_values(&[state_label(state.name()).as_str()])
                .set(count(stats.requests.get(state)));
        }
        self.requests_pending
            .set(count(stats.requests.get(&RequestState::Pending)));
        self.requests_overdue
            .set(count(Some(&stats.overdue_requests)));
        self.grants_active
            .set(count(stats.grants.get(&GrantState::Active)));
        self.store_size.set(count(Some(&stats.size_bytes)));
    }
}
