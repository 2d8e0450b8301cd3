//! The `govshare` binary: `govshare serve` runs the server (govshare-server); every other
//! command is a client of a running server (govshare-cli).

use std::process::ExitCode;

use clap::Parser as _;

/// mimalloc: a search reply or a fetched snapshot allocates and frees many small strings across
/// threads, which glibc's allocator serves with a lock and consolidation passes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Government data catalogue and exchange service (政务信息资源共享交换平台).
#[derive(Debug, clap::Parser)]
#[command(name = "govshare", version, about)]
struct Cli {
    #[command(flatten)]
    client: govshare_cli::connect::ClientOpts,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Run the gRPC server and its probe endpoints (/healthz, /readyz).
    Serve(govshare_server::config::ServeArgs),
    #[command(flatten)]
    Client(govshare_cli::Command),
}

#[tokio::main]
async fn main() -> ExitCode {
    let Cli { client, command } = Cli::parse();
    govshare_cli::exit_code(match command {
        Command::Serve(args) => govshare_server::server::run(args).await,
        Command::Client(command) => govshare_cli::run_command(command, &client).await,
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn command_tree_is_well_formed() {
        Cli::command().debug_assert();
    }
}
