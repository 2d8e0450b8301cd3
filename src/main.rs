//! The `govshare` binary: parses the command line and runs the chosen command (src/cli).

use std::process::ExitCode;

use clap::Parser as _;

/// mimalloc: a search reply or a fetched snapshot allocates and frees many small strings across
/// threads, which glibc's allocator serves with a lock and consolidation passes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    govshare::cli::run(govshare::cli::Cli::parse()).await
}
