//! `govshare entry`: registering, reading, versioning and reviewing catalogue entries
//! (CatalogService).

use std::path::PathBuf;

use crate::connect::{self, ClientOpts};
use crate::proto::{
    DiffVersionsRequest, GetEntryRequest, ListEntriesRequest, ListEntriesResponse,
    ListVersionsRequest, ListVersionsResponse, RegisterEntryRequest, RequestRevocationRequest,
    ReviewEntryRequest, SubmitEntryRequest, UpdateEntryRequest,
};
use crate::{PageArgs, catalogue, entry_view, enums, metadata_file, output, pages};

#[derive(Debug, clap::Subcommand)]
pub enum EntryCommand {
    /// Register a new entry from a metadata file: a DRAFT, version 1, with an assigned code.
    Register {
        /// Metadata file (.yaml/.yml or .json; `-` reads stdin); see deploy/examples/entry.yaml.
        #[arg(long, short = 'f', value_name = "FILE")]
        file: PathBuf,
        /// Change note of the version.
        #[arg(long)]
        note: Option<String>,
    },
    /// Write a new head version of an entry from a metadata file.
    Update {
        /// Entry code, e.g. 101001/000001.
        code: String,
        /// The head version being edited (a stale version is refused).
        #[arg(long, value_name = "N")]
        expected_version: u64,
        /// Metadata file (.yaml/.yml or .json; `-` reads stdin).
        #[arg(long, short = 'f', value_name = "FILE")]
        file: PathBuf,
        /// Change note of the version.
        #[arg(long)]
        note: Option<String>,
    },
    /// Show an entry: by default its published version.
    Get {
        code: String,
        /// A particular version (the provider and ADMIN may read any).
        #[arg(long, value_name = "N")]
        version: Option<u64>,
    },
    /// List entries, optionally filtered.
    List(ListArgs),
    /// Search the published catalogue: Chinese or English words, or a code, with the list
    /// filters; hits with their matched words marked, and counts by category, share type,
    /// provider and update cycle.
    Search(crate::search::SearchArgs),
    /// Register the entries of a filled-in catalogue template (XLSX or CSV): every entry is
    /// checked first, and none is registered unless all pass (see --skip-invalid).
    Import(catalogue::import::ImportArgs),
    /// Write the published catalogue as the template (xlsx, csv: `import` reads it back) or as
    /// DCAT-AP JSON-LD; --template writes the empty template with a worked example.
    Export(catalogue::export::ExportArgs),
    /// Follow the catalogue's changes as they happen (resume with --after and the last
    /// sequence printed).
    Watch(crate::watch::WatchArgs),
    /// List every version of an entry.
    History { code: String },
    /// Show the fields that differ between two versions.
    Diff { code: String, from: u64, to: u64 },
    /// Send the head version for review (发布待审核).
    Submit {
        code: String,
        /// The head version being submitted.
        #[arg(long, value_name = "N")]
        expected_version: u64,
    },
    /// Ask for a published entry to be withdrawn (撤销待审核).
    Revoke {
        code: String,
        /// Why the entry should be withdrawn.
        #[arg(long)]
        reason: String,
    },
    /// Decide a pending publication or revocation (ADMIN).
    #[command(group = clap::ArgGroup::new("decision").required(true).args(["approve", "reject"]))]
    Review {
        code: String,
        /// The version under review.
        #[arg(long, value_name = "N")]
        version: u64,
        /// Approve the request.
        #[arg(long)]
        approve: bool,
        /// Refuse the request (a comment is required).
        #[arg(long)]
        reject: bool,
        /// Reviewer's comment.
        #[arg(long)]
        comment: Option<String>,
    },
}

/// Options of `entry list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    filter: EntryFilterArgs,
    #[command(flatten)]
    page: PageArgs,
}

/// The filters of the published catalogue, shared by `entry list`, `entry export` and
/// `entry search`.
#[derive(Debug, clap::Args)]
pub struct CatalogueFilterArgs {
    /// Provider's credit code.
    #[arg(long, value_name = "CREDIT_CODE")]
    pub provider: Option<String>,
    /// BASE, THEME, DEPARTMENT (基础, 主题, 部门).
    #[arg(long, value_parser = enums::parse_category)]
    pub category: Option<i32>,
    /// UNCONDITIONAL, CONDITIONAL, NOT_SHARED (无条件共享, 有条件共享, 不予共享).
    #[arg(long, value_parser = enums::parse_share_type)]
    pub share_type: Option<i32>,
    /// REALTIME, DAILY, WEEKLY, MONTHLY, QUARTERLY, HALF_YEARLY, YEARLY, IRREGULAR (or 每日, …).
    #[arg(long, value_parser = enums::parse_update_cycle)]
    pub update_cycle: Option<i32>,
}

/// The ListEntries filters, shared by `entry list` and `entry export`.
#[derive(Debug, clap::Args)]
pub struct EntryFilterArgs {
    #[command(flatten)]
    catalogue: CatalogueFilterArgs,
    /// DRAFT, PENDING_PUBLISH, PUBLISHED, PUBLISH_REJECTED, PENDING_REVOKE, REVOKED (or 已发布, …).
    #[arg(long, value_parser = enums::parse_state)]
    state: Option<i32>,
}

impl EntryFilterArgs {
    /// The first page's request.
    pub fn request(&self) -> ListEntriesRequest {
        let c = &self.catalogue;
        ListEntriesRequest {
            provider_code: c.provider.clone().unwrap_or_default(),
            category: c.category.unwrap_or(0),
            share_type: c.share_type.unwrap_or(0),
            state: self.state.unwrap_or(0),
            update_cycle: c.update_cycle.unwrap_or(0),
            page_size: 0,
            page_token: String::new(),
        }
    }
}

pub async fn run(cmd: EntryCommand, opts: &ClientOpts) -> anyhow::Result<()> {
    // The bulk commands open their own connection, or none (export --template).
    let cmd = match cmd {
        EntryCommand::Import(args) => return catalogue::import::run(args, opts).await,
        EntryCommand::Export(args) => return catalogue::export::run(args, opts).await,
        EntryCommand::Watch(args) => return crate::watch::run(args, opts).await,
        EntryCommand::Search(args) => return crate::search::run(args, opts).await,
        other => other,
    };
    let out = opts.output;
    // Read the file before connecting, so a bad file is reported without a round trip.
    let metadata = match &cmd {
        EntryCommand::Register { file, .. } | EntryCommand::Update { file, .. } => {
            Some(metadata_file::load(file)?)
        }
        _ => None,
    };
    let mut catalog = connect::open(opts).await?.catalog();
    match cmd {
        EntryCommand::Register { note, .. } => {
            let request = RegisterEntryRequest {
                metadata,
                note: note.unwrap_or_default(),
                validate_only: false,
            };
            let entry = catalog.register_entry(request).await?.into_inner();
            output::emit(out, &entry, entry_view::summary)
        }
        EntryCommand::Update {
            code,
            expected_version,
            note,
            ..
        } => {
            let request = UpdateEntryRequest {
                code,
                expected_version,
                metadata,
                note: note.unwrap_or_default(),
            };
            let entry = catalog.update_entry(request).await?.into_inner();
            output::emit(out, &entry, entry_view::summary)
        }
        EntryCommand::Get { code, version } => {
            let request = GetEntryRequest {
                code,
                version: version.unwrap_or(0),
            };
            let entry = catalog.get_entry(request).await?.into_inner();
            output::emit(out, &entry, entry_view::full)
        }
        EntryCommand::List(args) => {
            let request = ListEntriesRequest {
                page_size: args.page.page_size,
                ..args.filter.request()
            };
            let first = args.page.page_token.unwrap_or_default();
            let (entries, next_page_token) = pages(args.page.all, first, |page_token| {
                let mut catalog = catalog.clone();
                let request = ListEntriesRequest {
                    page_token,
                    ..request.clone()
                };
                async move {
                    let response = catalog.list_entries(request).await?.into_inner();
                    Ok((response.entries, response.next_page_token))
                }
            })
            .await?;
            let all = ListEntriesResponse {
                entries,
                next_page_token,
            };
            output::emit(out, &all, entry_view::list)?;
            output::note_next_page(out, &all.next_page_token);
            Ok(())
        }
        // Answered above, without this connection.
        EntryCommand::Import(args) => catalogue::import::run(args, opts).await,
        EntryCommand::Export(args) => catalogue::export::run(args, opts).await,
        EntryCommand::Watch(args) => crate::watch::run(args, opts).await,
        EntryCommand::Search(args) => crate::search::run(args, opts).await,
        EntryCommand::History { code } => {
            let (versions, next_page_token) = pages(true, String::new(), |page_token| {
                let mut catalog = catalog.clone();
                let request = ListVersionsRequest {
                    code: code.clone(),
                    page_token,
                    ..Default::default()
                };
                async move {
                    let response = catalog.list_versions(request).await?.into_inner();
                    Ok((response.versions, response.next_page_token))
                }
            })
            .await?;
            let all = ListVersionsResponse {
                versions,
                next_page_token,
            };
            output::emit(out, &all, entry_view::history)
        }
        EntryCommand::Diff { code, from, to } => {
            let request = DiffVersionsRequest {
                code,
                from_version: from,
                to_version: to,
            };
            let diff = catalog.diff_versions(request).await?.into_inner();
            output::emit(out, &diff, entry_view::diff)
        }
        EntryCommand::Submit {
            code,
            expected_version,
        } => {
            let request = SubmitEntryRequest {
                code,
                expected_version,
            };
            let entry = catalog.submit_entry(request).await?.into_inner();
            output::emit(out, &entry, entry_view::summary)
        }
        EntryCommand::Revoke { code, reason } => {
            let request = RequestRevocationRequest { code, reason };
            let entry = catalog.request_revocation(request).await?.into_inner();
            output::emit(out, &entry, entry_view::summary)
        }
        EntryCommand::Review {
            code,
            version,
            approve,
            reject: _,
            comment,
        } => {
            let request = ReviewEntryRequest {
                code,
                version,
                approve,
                comment: comment.unwrap_or_default(),
            };
            let entry = catalog.review_entry(request).await?.into_inner();
            output::emit(out, &entry, entry_view::summary)
        }
    }
}
