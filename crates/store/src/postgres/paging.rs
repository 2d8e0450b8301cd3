//! Pages of records whose filter is partly decided in Rust: rows are read in key order in
//! batches and kept while the filter accepts them, as the sled backend pages.

use deadpool_postgres::Object;
use tokio_postgres::types::ToSql;

use super::backend;
use crate::codec::decode;
use crate::{Page, Result};

/// Rows read per round trip while filling a page.
const BATCH: i64 = 256;

/// The accepted records of `sql` (selecting the key as column 0 and the record bytes as
/// column 1, with `$1` the exclusive lower key bound and `$2` the batch size, ordered by key),
/// at most `limit`, and the key of the last one if more are accepted after it.
pub(super) async fn page<K, T>(
    client: &Object,
    sql: &str,
    first_after: K,
    extra: &[&(dyn ToSql + Sync)],
    limit: usize,
    accept: impl Fn(&T) -> bool,
    id: impl Fn(&T) -> String,
) -> Result<Page<T>>
where
    K: ToSql + Sync + for<'a> tokio_postgres::types::FromSql<'a>,
    T: serde::de::DeserializeOwned,
{
    let statement = client.prepare_cached(sql).await.map_err(backend)?;
    let mut after = first_after;
    let mut items: Vec<T> = Vec::new();
    loop {
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&after, &BATCH];
        params.extend_from_slice(extra);
        let rows = client.query(&statement, &params).await.map_err(backend)?;
        let full = rows.len() as i64 == BATCH;
        let mut last = None;
        for row in &rows {
            last = Some(row.get::<_, K>(0));
            let record: T = decode(row.get::<_, &[u8]>(1))?;
            if !accept(&record) {
                continue;
            }
            if items.len() == limit {
                return Ok(Page {
                    next: items.last().map(&id),
                    items,
                });
            }
            items.push(record);
        }
        match last {
            Some(key) if full => after = key,
            _ => return Ok(Page { items, next: None }),
        }
    }
}
