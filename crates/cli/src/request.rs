//! `govshare request`: asking for a published entry, the provider's decision, withdrawal and
//! listing of sharing requests (共享申请, SharingService).

use crate::connect::{self, ClientOpts};
use crate::proto::{
    CreateRequestRequest, DecideRequestRequest, GetRequestRequest, ListRequestsRequest,
    ListRequestsResponse, WithdrawRequestRequest,
};
use crate::{PageArgs, output, pages, sharing_view};

#[derive(Debug, clap::Subcommand)]
pub enum RequestCommand {
    /// Ask for a published entry of another department (CONSUMER): 无条件共享 is granted at once,
    /// 有条件共享 waits for the provider's answer.
    Create {
        /// Entry code, e.g. 101001/000001.
        #[arg(long, value_name = "CODE")]
        entry: String,
        /// An information item to ask for (repeat for several); none asks for every shareable item.
        #[arg(long = "item", value_name = "NAME")]
        items: Vec<String>,
        /// Why the data is needed (申请事由).
        #[arg(long)]
        purpose: String,
        /// Who will use the data and where (使用范围).
        #[arg(long)]
        use_scope: String,
        /// The business system that will receive the data (业务系统).
        #[arg(long)]
        business_system: String,
        /// End of the grant asked for: a date YYYY-MM-DD (through that day, Beijing time) or an
        /// RFC 3339 instant; default: the platform's default period.
        #[arg(long, value_name = "WHEN", value_parser = sharing_view::parse_when)]
        until: Option<prost_types::Timestamp>,
    },
    /// Show a request and its history.
    Get {
        /// Request number, e.g. REQ-000001.
        id: String,
    },
    /// List requests: my department's and those to it (everything for ADMIN/AUDITOR).
    List(ListArgs),
    /// Answer a pending request to my department (APPROVER).
    #[command(group = clap::ArgGroup::new("decision").required(true).args(["approve", "refuse"]))]
    Decide {
        /// Request number, e.g. REQ-000001.
        id: String,
        /// Grant the request (optionally fewer items or a shorter period).
        #[arg(long)]
        approve: bool,
        /// Refuse the request (a reason is required).
        #[arg(long)]
        refuse: bool,
        /// Reasons of the decision.
        #[arg(long)]
        reason: Option<String>,
        /// Grant only this requested item (repeat for several); none grants every requested item.
        #[arg(long = "item", value_name = "NAME", conflicts_with = "refuse")]
        items: Vec<String>,
        /// An earlier end than requested: a date YYYY-MM-DD (through that day, Beijing time) or
        /// an RFC 3339 instant.
        #[arg(long, value_name = "WHEN", value_parser = sharing_view::parse_when, conflicts_with = "refuse")]
        until: Option<prost_types::Timestamp>,
    },
    /// Take back a pending request of my department (CONSUMER).
    Withdraw {
        /// Request number, e.g. REQ-000001.
        id: String,
        /// Why the request is withdrawn.
        #[arg(long)]
        reason: Option<String>,
    },
}

/// Filters of `request list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// OUTGOING (out, 本部门申请): my department's requests; INCOMING (in, 向本部门申请):
    /// requests to it. Default: both (everything for ADMIN/AUDITOR).
    #[arg(long, value_parser = sharing_view::parse_direction)]
    direction: Option<i32>,
    /// PENDING, APPROVED, REJECTED, WITHDRAWN (or 待答复, 已同意, 已拒绝, 已撤回).
    #[arg(long, value_parser = sharing_view::parse_request_state)]
    state: Option<i32>,
    /// Only pending requests past their answer deadline.
    #[arg(long)]
    overdue: bool,
    /// Only requests for this entry code.
    #[arg(long, value_name = "CODE")]
    entry: Option<String>,
    #[command(flatten)]
    page: PageArgs,
}

pub async fn run(cmd: RequestCommand, opts: &ClientOpts) -> anyhow::Result<()> {
    let out = opts.output;
    let mut sharing = connect::open(opts).await?.sharing();
    match cmd {
        RequestCommand::Create {
            entry,
            items,
            purpose,
            use_scope,
            business_system,
            until,
        } => {
            let request = CreateRequestRequest {
                entry_code: entry,
                items,
                purpose,
                use_scope,
                business_system,
                requested_until: until,
            };
            let created = sharing.create_request(request).await?.into_inner();
            output::emit(out, &created, sharing_view::request)
        }
        RequestCommand::Get { id } => {
            let found = sharing
                .get_request(GetRequestRequest { id })
                .await?
                .into_inner();
            output::emit(out, &found, sharing_view::request)
        }
        RequestCommand::List(args) => {
            let request = ListRequestsRequest {
                direction: args.direction.unwrap_or(0),
                state: args.state.unwrap_or(0),
                overdue_only: args.overdue,
                page_size: args.page.page_size,
                page_token: String::new(),
                entry_code: args.entry.unwrap_or_default(),
            };
            let first = args.page.page_token.unwrap_or_default();
            let (requests, next_page_token) = pages(args.page.all, first, |page_token| {
                let mut sharing = sharing.clone();
                let request = ListRequestsRequest {
                    page_token,
                    ..request.clone()
                };
                async move {
                    let response = sharing.list_requests(request).await?.into_inner();
                    Ok((response.requests, response.next_page_token))
                }
            })
            .await?;
            let all = ListRequestsResponse {
                requests,
                next_page_token,
            };
            output::emit(out, &all, sharing_view::request_list)?;
            output::note_next_page(out, &all.next_page_token);
            Ok(())
        }
        RequestCommand::Decide {
            id,
            approve,
            refuse: _,
            reason,
            items,
            until,
        } => {
            let request = DecideRequestRequest {
                id,
                approve,
                reason: reason.unwrap_or_default(),
                items,
                valid_until: until,
            };
            let decided = sharing.decide_request(request).await?.into_inner();
            output::emit(out, &decided, sharing_view::request)
        }
        RequestCommand::Withdraw { id, reason } => {
            let request = WithdrawRequestRequest {
                id,
                reason: reason.unwrap_or_default(),
            };
            let withdrawn = sharing.withdraw_request(request).await?.into_inner();
            output::emit(out, &withdrawn, sharing_view::request)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::proto::{Direction, RequestState};
    use crate::{Cli, Command};

    fn parse(args: &[&str]) -> Result<RequestCommand, clap::Error> {
        let cli = Cli::try_parse_from([&["govshare", "request"], args].concat())?;
        let Command::Request(cmd) = cli.command else {
            panic!("not a request command");
        };
        Ok(cmd)
    }

    #[test]
    fn decide_needs_exactly_one_decision() {
        let base = ["decide", "REQ-000001"];
        assert_eq!(parse(&base).unwrap_err().exit_code(), 2);
        assert!(parse(&[&base[..], &["--approve", "--refuse"]].concat()).is_err());
        assert!(parse(&[&base[..], &["--approve"]].concat()).is_ok());
        assert!(parse(&[&base[..], &["--refuse", "--reason", "不符合共享条件"]].concat()).is_ok());
    }

    #[test]
    fn a_refusal_cannot_narrow_items_or_period() {
        let refused = ["decide", "REQ-000001", "--refuse", "--reason", "x"];
        assert!(parse(&[&refused[..], &["--item", "姓名"]].concat()).is_err());
        assert!(parse(&[&refused[..], &["--until", "2027-06-30"]].concat()).is_err());
    }

    #[test]
    fn create_takes_several_items_and_a_date() {
        let cmd = parse(&[
            "create",
            "--entry",
            "101001/000001",
            "--item",
            "姓名",
            "--item",
            "出生日期",
            "--purpose",
            "身份核验",
            "--use-scope",
            "本局窗口",
            "--business-system",
            "政务服务系统",
            "--until",
            "2027-06-30",
        ])
        .unwrap();
        let RequestCommand::Create { items, until, .. } = cmd else {
            panic!("not create");
        };
        assert_eq!(items, ["姓名", "出生日期"]);
        // 2027-07-01T00:00:00+08:00
        assert_eq!(until.unwrap().seconds, 1_814_371_200);
    }

    #[test]
    fn list_filters_accept_labels_and_short_forms() {
        let cmd = parse(&[
            "list",
            "--direction",
            "in",
            "--state",
            "待答复",
            "--overdue",
        ])
        .unwrap();
        let RequestCommand::List(args) = cmd else {
            panic!("not list");
        };
        assert_eq!(args.direction, Some(Direction::Incoming as i32));
        assert_eq!(args.state, Some(RequestState::Pending as i32));
        assert!(args.overdue);
    }

    #[test]
    fn a_bad_until_is_a_usage_error_naming_the_flag() {
        let err = parse(&[
            "create",
            "--entry",
            "101001/000001",
            "--purpose",
            "p",
            "--use-scope",
            "u",
            "--business-system",
            "b",
            "--until",
            "2027-13-01",
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(text.contains("--until"), "{text}");
        assert!(text.contains("YYYY-MM-DD"), "{text}");
    }
}
