//! Reaching the database: the URL (never shown with its password), the connection pool, and
//! the error of a failed statement.

use std::error::Error as StdError;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use crate::error::AuditError;

/// How long connecting to the database may take (unless the URL says), and checking a
/// pooled connection before use.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const RECYCLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a free connection before failing: an unreachable database
/// must fail appends and readiness checks, not hang them.
const WAIT_TIMEOUT: Duration = Duration::from_secs(30);

/// A pool of at most `pool_size` connections to `url`.
pub(crate) fn pool(url: &str, pool_size: usize) -> Result<Pool, AuditError> {
    let bad_url = |message: String| AuditError::Url {
        url: redact(url),
        message,
    };
    let mut config = tokio_postgres::Config::from_str(url).map_err(|e| bad_url(chain(&e)))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            // A connection broken while idle is found before it is handed out.
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(pool_size.max(1))
        .runtime(Runtime::Tokio1)
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(RECYCLE_TIMEOUT))
        .wait_timeout(Some(WAIT_TIMEOUT))
        .build()
        .map_err(|e| bad_url(chain(&e)))
}

/// Turns a database error into [`AuditError::Database`] for `action`.
pub(crate) fn db<E: StdError>(action: &'static str) -> impl Fn(E) -> AuditError {
    move |e| AuditError::Database {
        action,
        message: chain(&e),
    }
}

/// An error with its causes: tokio-postgres says only "db error" and leaves the server's
/// words to the source.
fn chain(e: &dyn StdError) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let words = cause.to_string();
        if !text.contains(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        source = cause.source();
    }
    text
}

/// `url` with its password replaced by `***`, in either form tokio-postgres reads: a URL
/// (`postgres://user:secret@host/db?password=secret`) or `key=value` pairs.
pub(crate) fn redact(url: &str) -> String {
    let scheme = ["postgres://", "postgresql://"]
        .into_iter()
        .find(|s| url.starts_with(s));
    let Some(scheme) = scheme else {
        return url
            .split(' ')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.trim() == "password" => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ");
    };
    let rest = &url[scheme.len()..];
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{hosts}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=***".to_owned(),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_every_password() {
        for (url, shown) in [
            (
                "postgres://govshare:s3cret@db:5432/govshare?options=-csearch_path%3Dx",
                "postgres://govshare:***@db:5432/govshare?options=-csearch_path%3Dx",
            ),
            (
                "postgresql://u:p@ss:w@h/db?sslmode=disable&password=again",
                "postgresql://u:***@h/db?sslmode=disable&password=***",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
            (
                "host=db user=u password=s3cret dbname=d",
                "host=db user=u password=*** dbname=d",
            ),
        ] {
            assert_eq!(redact(url), shown);
        }
    }

    #[test]
    fn a_bad_url_is_refused_without_its_password() {
        let Err(e) = pool("postgres://u:s3cret@h:notaport/db", 2) else {
            panic!("a bad port was accepted");
        };
        let text = e.to_string();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("u:***@"), "{text}");
    }
}
