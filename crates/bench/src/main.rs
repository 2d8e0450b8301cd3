//! The `govshare-bench` binary: measures an in-process govshare server against baselines run
//! in the same process (see the library's documentation and BENCHMARKS.md).

use std::process::ExitCode;

use clap::Parser as _;

/// The allocator of the `govshare` binary, so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Measure an in-process server: GetEntry and durable RegisterEntry against Health/Check, the
/// exchange, the access log, and (by flag) import, search, etcd, PostgreSQL and a soak run.
#[derive(Debug, clap::Parser)]
#[command(name = "govshare-bench", version, about)]
struct Cli {
    #[command(flatten)]
    args: govshare_bench::BenchArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    match govshare_bench::run(Cli::parse().args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("govshare-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}
