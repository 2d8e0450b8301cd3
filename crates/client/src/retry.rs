//! Calls that a server's quota refused are retried after the wait the server names
//! (`grpc-retry-pushback-ms`, [`RETRY_PUSHBACK_HEADER`]): a bulk job slows down to what its
//! credential may do instead of failing part-way.
//!
//! ```no_run
//! # async fn example(client: govshare_client::Client) -> Result<(), govshare_client::Error> {
//! use govshare_client::proto::WhoAmIRequest;
//! use govshare_client::retry::on_pushback;
//!
//! let admin = client.admin();
//! let me = on_pushback(|| {
//!     let mut admin = admin.clone();
//!     async move { admin.who_am_i(WhoAmIRequest {}).await }
//! })
//! .await?
//! .into_inner();
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use govshare_proto::RETRY_PUSHBACK_HEADER;

/// Gives up once the waits of one call add up to this.
const PATIENCE: Duration = Duration::from_secs(300);
/// Waits at most this long between tries, whatever the server says.
const LONGEST_WAIT: Duration = Duration::from_secs(10);

/// The wait a quota refusal names; `None` for every other status (an oversized message is
/// RESOURCE_EXHAUSTED too, but never worth retrying).
pub fn pushback(status: &tonic::Status) -> Option<Duration> {
    if status.code() != tonic::Code::ResourceExhausted {
        return None;
    }
    let millis: u64 = status
        .metadata()
        .get(RETRY_PUSHBACK_HEADER)?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    Some(Duration::from_millis(millis).min(LONGEST_WAIT))
}

/// The wait before try `attempt` (2, 3, …): the server's hint, plus a random share of it
/// that grows with the tries, so that many calls refused together do not all come back at
/// the same moment.
fn backoff(hint: Duration, attempt: u32) -> Duration {
    let spread = hint.mul_f64(rand::random::<f64>() * f64::from(attempt.min(16)));
    (hint + spread).min(LONGEST_WAIT)
}

/// Runs `call` until it is not refused by a quota, waiting as the server says in between.
/// A refused call did nothing on the server, so trying it again is safe.
pub async fn on_pushback<T, F, Fut>(mut call: F) -> Result<T, tonic::Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, tonic::Status>>,
{
    let mut waited = Duration::ZERO;
    let mut attempt = 1;
    loop {
        match call().await {
            Err(status) if waited < PATIENCE => match pushback(&status) {
                Some(hint) => {
                    attempt += 1;
                    let wait = backoff(hint, attempt);
                    waited += wait;
                    tokio::time::sleep(wait).await;
                }
                None => return Err(status),
            },
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(millis: &str) -> tonic::Status {
        let mut status = tonic::Status::resource_exhausted("quota");
        status
            .metadata_mut()
            .insert(RETRY_PUSHBACK_HEADER, millis.parse().expect("value"));
        status
    }

    #[test]
    fn only_quota_refusals_have_a_pushback() {
        assert_eq!(pushback(&refused("250")), Some(Duration::from_millis(250)));
        assert_eq!(pushback(&refused("3600000")), Some(LONGEST_WAIT));
        assert_eq!(pushback(&refused("soon")), None);
        assert_eq!(
            pushback(&tonic::Status::resource_exhausted("too big")),
            None
        );
        assert_eq!(pushback(&tonic::Status::unavailable("down")), None);
    }

    #[test]
    fn backoff_starts_at_the_hint_and_stays_bounded() {
        let hint = Duration::from_millis(100);
        for attempt in 2..40 {
            let wait = backoff(hint, attempt);
            assert!(wait >= hint, "{wait:?}");
            assert!(wait <= hint * 17, "{wait:?}");
        }
        assert_eq!(backoff(LONGEST_WAIT, 5), LONGEST_WAIT);
    }

    #[tokio::test]
    async fn retries_until_served_and_not_past_other_errors() {
        let mut calls = 0;
        let served = on_pushback(|| {
            calls += 1;
            let n = calls;
            async move { if n < 3 { Err(refused("1")) } else { Ok(n) } }
        })
        .await;
        assert_eq!(served.expect("served"), 3);

        let mut calls = 0;
        let failed: Result<(), _> = on_pushback(|| {
            calls += 1;
            async { Err(tonic::Status::invalid_argument("bad")) }
        })
        .await;
        assert_eq!(
            failed.expect_err("fails").code(),
            tonic::Code::InvalidArgument
        );
        assert_eq!(calls, 1);
    }
}
