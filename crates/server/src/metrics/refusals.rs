//! `govshare_refusals_total{reason}`: refused calls by the reason their reply carried (the
//! `reason` of its `google.rpc.ErrorInfo`, one of the contract's `ErrorReason` names without
//! `ERROR_REASON_`, as ERRORS.md lists them). Every reason has its series from the start, so
//! that dashboards and alerts see zeros rather than nothing.

use std::collections::HashMap;

use prometheus::{IntCounter, IntCounterVec, Opts, Registry};

use crate::error::Reason;

/// The counter of each reason, resolved once.
#[derive(Debug)]
pub(crate) struct RefusalCounters {
    by_reason: HashMap<Reason, IntCounter>,
}

impl RefusalCounters {
    /// Registers the counter with a series at 0 for every reason.
    pub(crate) fn new(registry: &Registry) -> prometheus::Result<Self> {
        let counter = IntCounterVec::new(
            Opts::new(
                "govshare_refusals_total",
                "Calls refused, by the reason of the google.rpc.ErrorInfo their reply carried \
                 (see ERRORS.md).",
            ),
            &["reason"],
        )?;
        registry.register(Box::new(counter.clone()))?;
        let by_reason = Reason::ALL
            .into_iter()
            .map(|reason| (reason, counter.with_label_values(&[reason.as_str()])))
            .collect();
        Ok(RefusalCounters { by_reason })
    }

    /// Counts one call refused for `reason`.
    pub(crate) fn count(&self, reason: Reason) {
        if let Some(counter) = self.by_reason.get(&reason) {
            counter.inc();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample of `reason` in the text exposition of `registry`.
    fn value(registry: &Registry, reason: &str) -> Option<f64> {
        let text = prometheus::TextEncoder::new()
            .encode_to_string(&registry.gather())
            .expect("encodes");
        let series = format!("govshare_refusals_total{{reason=\"{reason}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&series))
            .map(|v| v.parse().expect("a number"))
    }

    #[test]
    fn every_reason_starts_at_zero_and_counts_alone() {
        let registry = Registry::new();
        let refusals = RefusalCounters::new(&registry).expect("registered");
        for reason in Reason::ALL {
            assert_eq!(value(&registry, reason.as_str()), Some(0.0), "{reason}");
        }
        refusals.count(Reason::DataDamaged);
        refusals.count(Reason::DataDamaged);
        refusals.count(Reason::CredentialInvalid);
        assert_eq!(value(&registry, "DATA_DAMAGED"), Some(2.0));
        assert_eq!(value(&registry, "CREDENTIAL_INVALID"), Some(1.0));
        assert_eq!(value(&registry, "ENTRY_NOT_FOUND"), Some(0.0));
    }
}
