//! Limits on what one caller can take from the server: per-credential concurrency and rate
//! quotas, the size of each message received and a time limit per call (this module's tower
//! layer), beside the page caps (rows and bytes) that the services apply themselves. Every refusal is a clean gRPC status;
//! the server goes on serving everyone else.

mod layer;
mod quota;
mod size;

use std::time::Duration;

pub(crate) use layer::LimitLayer;
pub(crate) use quota::{QuotaConfig, Quotas};

use crate::config::ApiConfig;

impl ApiConfig {
    /// The per-credential quotas of this configuration.
    pub fn quotas(&self) -> Quotas {
        Quotas::new(QuotaConfig {
            concurrency: self.per_token_concurrency,
            rate: self.per_token_rate,
            burst: if self.per_token_burst > 0 {
                f64::from(self.per_token_burst)
            } else {
                self.per_token_rate.ceil().max(1.0)
            },
        })
    }

    /// The interval of HTTP/2 keepalive pings, if any.
    pub fn http2_keepalive_interval(&self) -> Option<Duration> {
        (self.http2_keepalive_interval_secs > 0)
            .then(|| Duration::from_secs(self.http2_keepalive_interval_secs))
    }

    /// How long a keepalive ping may go unanswered.
    pub fn http2_keepalive_timeout(&self) -> Option<Duration> {
        self.http2_keepalive_interval()
            .map(|_| Duration::from_secs(self.http2_keepalive_timeout_secs))
    }

    /// The server's time limit per call, if any.
    pub fn request_timeout(&self) -> Option<Duration> {
        (self.request_timeout_ms > 0).then(|| Duration::from_millis(self.request_timeout_ms))
    }
}
