//! `govshare grant`: listing and revoking grants (授权, SharingService).

use crate::connect::{self, ClientOpts};
use crate::proto::{ListGrantsRequest, ListGrantsResponse, RevokeGrantRequest};
use crate::{PageArgs, output, pages, sharing_view};

#[derive(Debug, clap::Subcommand)]
pub enum GrantCommand {
    /// List grants: those my department holds and those it issued (everything for ADMIN/AUDITOR).
    List(ListArgs),
    /// End an active grant my department issued (APPROVER).
    Revoke {
        /// Grant number, e.g. GRT-000001.
        grant_id: String,
        /// Why the grant is revoked (撤销理由).
        #[arg(long)]
        reason: String,
    },
}

/// Filters of `grant list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// received (本部门获得的授权): grants my department holds; issued (本部门发出的授权):
    /// grants it issued. Default: both (everything for ADMIN/AUDITOR).
    #[arg(long, value_parser = sharing_view::parse_grant_direction)]
    direction: Option<i32>,
    /// Only grants for this entry code.
    #[arg(long, value_name = "CODE")]
    entry: Option<String>,
    /// ACTIVE, EXPIRED, REVOKED (or 有效, 已过期, 已撤销).
    #[arg(long, value_parser = sharing_view::parse_grant_state)]
    state: Option<i32>,
    /// Only grants whose entry changed since they were issued (items removed, retyped or no
    /// longer shared, or the entry withdrawn).
    #[arg(long)]
    flagged: bool,
    #[command(flatten)]
    page: PageArgs,
}

pub async fn run(cmd: GrantCommand, opts: &ClientOpts) -> anyhow::Result<()> {
    let out = opts.output;
    let mut sharing = connect::open(opts).await?.sharing();
    match cmd {
        GrantCommand::List(args) => {
            let request = ListGrantsRequest {
                direction: args.direction.unwrap_or(0),
                entry_code: args.entry.unwrap_or_default(),
                state: args.state.unwrap_or(0),
                page_size: args.page.page_size,
                page_token: String::new(),
                flagged_only: args.flagged,
            };
            let first = args.page.page_token.unwrap_or_default();
            let (grants, next_page_token) = pages(args.page.all, first, |page_token| {
                let mut sharing = sharing.clone();
                let request = ListGrantsRequest {
                    page_token,
                    ..request.clone()
                };
                async move {
                    let response = sharing.list_grants(request).await?.into_inner();
                    Ok((response.grants, response.next_page_token))
                }
            })
            .await?;
            let all = ListGrantsResponse {
                grants,
                next_page_token,
            };
            output::emit(out, &all, sharing_view::grant_list)?;
            output::note_next_page(out, &all.next_page_token);
            Ok(())
        }
        GrantCommand::Revoke { grant_id, reason } => {
            let request = RevokeGrantRequest { grant_id, reason };
            let grant = sharing.revoke_grant(request).await?.into_inner();
            output::emit(out, &grant, sharing_view::grant)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::proto::{Direction, GrantState};
    use crate::{Cli, Command};

    fn parse(args: &[&str]) -> Result<GrantCommand, clap::Error> {
        let cli = Cli::try_parse_from([&["govshare", "grant"], args].concat())?;
        let Command::Grant(cmd) = cli.command else {
            panic!("not a grant command");
        };
        Ok(cmd)
    }

    #[test]
    fn revoke_without_a_reason_is_a_usage_error() {
        let err = parse(&["revoke", "GRT-000001"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--reason"), "{err}");
        assert!(parse(&["revoke", "GRT-000001", "--reason", "业务已终止"]).is_ok());
    }

    #[test]
    fn list_filters_accept_names_and_labels() {
        let cmd = parse(&[
            "list",
            "--direction",
            "OUTGOING",
            "--state",
            "有效",
            "--flagged",
            "--entry",
            "101001/000001",
            "--all",
        ])
        .unwrap();
        let GrantCommand::List(args) = cmd else {
            panic!("not list");
        };
        assert_eq!(args.direction, Some(Direction::Outgoing as i32));
        assert_eq!(args.state, Some(GrantState::Active as i32));
        assert!(args.flagged);
        assert_eq!(args.entry.as_deref(), Some("101001/000001"));
        assert!(args.page.all);
    }
}
