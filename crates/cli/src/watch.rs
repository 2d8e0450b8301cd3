//! `govshare entry watch`: follows the catalogue's change feed (WatchCatalog), one line per
//! event as it happens, or one JSON object per line for programs. Resume with `--after` and
//! the last sequence printed.

use crate::connect::{self, ClientOpts};
use crate::enums;
use crate::output::{self, OutputFormat, or_dash, time};
use crate::proto::{CatalogEvent, CatalogEventKind, WatchCatalogRequest};

/// Options of `entry watch`.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Start after this sequence number (0: from the first change).
    #[arg(long, value_name = "SEQ", default_value_t = 0)]
    after: u64,
    /// Stop after this many events (default: follow until interrupted).
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
}

/// `已发布 (PUBLISHED)`, or the number of a kind this client does not know.
fn kind_label(kind: i32) -> String {
    match CatalogEventKind::try_from(kind) {
        Ok(k) => {
            let name = k.as_str_name();
            let short = name.trim_start_matches("CATALOG_EVENT_KIND_");
            match enums::label(name) {
                Some(zh) => format!("{zh} ({short})"),
                None => short.to_owned(),
            }
        }
        Err(_) => kind.to_string(),
    }
}

fn line(event: &CatalogEvent) -> String {
    format!(
        "{}\t{}\t{}\t{}\tv{}\t{}\t{}",
        event.sequence,
        time(event.time.as_ref()),
        event.code,
        kind_label(event.kind),
        event.version,
        or_dash(&event.actor),
        or_dash(&event.comment),
    )
}

pub async fn run(args: WatchArgs, opts: &ClientOpts) -> anyhow::Result<()> {
    let mut catalog = connect::open(opts).await?.catalog();
    let mut stream = catalog
        .watch_catalog(WatchCatalogRequest {
            after_sequence: args.after,
        })
        .await?
        .into_inner();
    let mut printed = 0u64;
    while args.limit.is_none_or(|limit| printed < limit) {
        let Some(event) = stream.message().await? else {
            break;
        };
        let text = match opts.output {
            OutputFormat::Json => serde_json::to_string(&output::to_json(&event)?)?,
            OutputFormat::Table => line(&event),
        };
        output::print_stdout(&text)?;
        printed += 1;
    }
    Ok(())
}
