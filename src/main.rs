//! The `govshare` binary: parses the command line and runs the chosen command (src/cli).

use std::process::ExitCode;

use clap::Parser as _;

#[tokio::main]
async fn main() -> ExitCode {
    govshare::cli::run(govshare::cli::Cli::parse()).await
}
