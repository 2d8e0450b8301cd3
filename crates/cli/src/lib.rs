//! The client commands of the `govshare` command line: departments, credentials, entries,
//! requests, grants, data, the access log and reports, each through a gRPC client. The
//! `govshare` binary adds `serve` (the server package) to these commands.

use std::future::Future;
use std::process::ExitCode;

pub mod annual;
pub mod audit;
pub mod catalogue;
pub mod connect;
pub mod data;
mod data_view;
pub mod dept;
pub mod entry;
mod entry_view;
pub mod enums;
pub mod grant;
pub mod metadata_file;
pub mod output;
mod report;
pub mod request;
pub mod search;
mod sharing_view;
pub mod token;
pub mod watch;

use govshare_proto as proto;

/// Government data catalogue and exchange service (政务信息资源共享交换平台).
#[derive(Debug, clap::Parser)]
#[command(name = "govshare", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub client: connect::ClientOpts,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Departments (部门).
    #[command(subcommand)]
    Dept(dept::DeptCommand),
    /// Credentials (令牌).
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Show the department and roles of the credential in use.
    Whoami,
    /// Catalogue entries (目录).
    #[command(subcommand)]
    Entry(entry::EntryCommand),
    /// Sharing requests (共享申请).
    #[command(subcommand)]
    Request(request::RequestCommand),
    /// Grants (授权).
    #[command(subcommand)]
    Grant(grant::GrantCommand),
    /// Data snapshots (数据).
    #[command(subcommand)]
    Data(data::DataCommand),
    /// The access log (访问日志): query records, verify the hash chain.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Reports (报告): the yearly sharing report as Markdown, HTML, XLSX or JSON.
    #[command(subcommand)]
    Report(annual::ReportCommand),
}

/// Paging of a list command.
#[derive(Debug, Clone, clap::Args)]
pub struct PageArgs {
    /// Results per page (the server caps it).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub page_size: i32,
    /// Continue from a previous page.
    #[arg(long, value_name = "T")]
    pub page_token: Option<String>,
    /// Follow next_page_token until the last page.
    #[arg(long)]
    pub all: bool,
}

/// The items of the page at `first_token` and, with `all`, of every page after it (a server
/// repeating a token stops the walk), and the next_page_token to report: where to go on, or
/// empty at the end of the list. `fetch` gives a page's items and its next_page_token.
pub async fn pages<T, F, Fut>(
    all: bool,
    first_token: String,
    fetch: F,
) -> Result<(Vec<T>, String), tonic::Status>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, String), tonic::Status>>,
{
    let mut pager = govshare_client::Pager::new(first_token, fetch);
    let mut items = Vec::new();
    while let Some(page) = pager.next_page().await {
        items.extend(page?);
        if !all {
            break;
        }
    }
    Ok((items, pager.next_page_token().to_string()))
}

/// Runs a parsed command line; failures are told on stderr and give exit code 1.
pub async fn run(cli: Cli) -> ExitCode {
    let Cli { client, command } = cli;
    exit_code(run_command(command, &client).await)
}

/// Runs one client command with the client options given.
pub async fn run_command(command: Command, client: &connect::ClientOpts) -> anyhow::Result<()> {
    match command {
        Command::Dept(cmd) => dept::run(cmd, client).await,
        Command::Token(cmd) => token::run(cmd, client).await,
        Command::Whoami => token::whoami(client).await,
        Command::Entry(cmd) => entry::run(cmd, client).await,
        Command::Request(cmd) => request::run(cmd, client).await,
        Command::Grant(cmd) => grant::run(cmd, client).await,
        Command::Data(cmd) => data::run(cmd, client).await,
        Command::Audit(cmd) => audit::run(cmd, client).await,
        Command::Report(cmd) => annual::run(cmd, client).await,
    }
}

/// The exit code of a command's result; a failure is told on stderr first.
pub fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            for line in report::describe(&err) {
                eprintln!("{line}");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::{CommandFactory as _, Parser as _};

    use super::*;

    #[test]
    fn command_tree_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn client_options_go_before_or_after_the_subcommand() {
        let before = Cli::try_parse_from([
            "govshare",
            "--server",
            "http://10.0.0.1:1",
            "--output",
            "json",
            "entry",
            "get",
            "101001/000001",
        ])
        .unwrap();
        let after = Cli::try_parse_from([
            "govshare",
            "entry",
            "get",
            "101001/000001",
            "--server",
            "http://10.0.0.1:1",
            "--output",
            "json",
        ])
        .unwrap();
        for cli in [before, after] {
            assert_eq!(cli.client.server, "http://10.0.0.1:1");
            assert_eq!(cli.client.output, output::OutputFormat::Json);
        }
    }

    #[test]
    fn review_needs_exactly_one_decision() {
        let base = [
            "govshare",
            "entry",
            "review",
            "101001/000001",
            "--version",
            "2",
        ];
        assert!(Cli::try_parse_from(base).is_err());
        assert!(Cli::try_parse_from([&base[..], &["--approve", "--reject"]].concat()).is_err());
        assert!(
            Cli::try_parse_from([&base[..], &["--reject", "--comment", "缺少共享条件"]].concat())
                .is_ok()
        );
    }

    #[test]
    fn token_issue_takes_several_roles() {
        let cli = Cli::try_parse_from([
            "govshare",
            "token",
            "issue",
            "--role",
            "cataloguer,approver",
            "--role",
            "Consumer",
            "--name",
            "业务系统",
        ])
        .unwrap();
        let Command::Token(token::TokenCommand::Issue { roles, .. }) = cli.command else {
            panic!("not token issue");
        };
        assert_eq!(roles, vec![2, 3, 4]);
        let bad = Cli::try_parse_from([
            "govshare", "token", "issue", "--role", "root", "--name", "x",
        ]);
        assert_eq!(bad.unwrap_err().exit_code(), 2);
    }

    /// Pages by token: asked with `t`, the page `book[t]` gives its items and next token.
    async fn walk(all: bool, first: &str, book: &[(&str, &[u32], &str)]) -> (Vec<u32>, String) {
        pages(all, first.to_string(), |token| {
            let (_, items, next) = book.iter().find(|(t, _, _)| *t == token).unwrap();
            std::future::ready(Ok((items.to_vec(), next.to_string())))
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn paging_stops_on_an_empty_or_repeated_token() {
        let book: &[(&str, &[u32], &str)] = &[("", &[1], "a"), ("a", &[2], "b"), ("b", &[3], "")];
        assert_eq!(walk(true, "", book).await, (vec![1, 2, 3], String::new()));
        assert_eq!(walk(false, "", book).await, (vec![1], "a".to_string()));
        assert_eq!(walk(false, "a", book).await, (vec![2], "b".to_string()));
        let repeating: &[(&str, &[u32], &str)] = &[("", &[1], "a"), ("a", &[2], "a")];
        assert_eq!(
            walk(true, "", repeating).await,
            (vec![1, 2], "a".to_string())
        );
    }
}
