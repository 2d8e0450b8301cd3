//! Compiles `proto/govshare/v1` into Rust with tonic's prost builder. The protobuf compiler is
//! `protox` (pure Rust), so a fresh machine needs no `protoc`. The encoded descriptor set is
//! written to `OUT_DIR/govshare_descriptor.bin` for server reflection.
//!
//! `proto/bench/stream.proto` (the plain streaming baseline of `govshare bench`) is compiled
//! by a second, separate call: it is not part of the contract and not in that descriptor set.
//! Nor is `proto/etcd` (a client of etcd 3.4's KV service, for `govshare bench --etcd`),
//! compiled by a third call.

use std::path::PathBuf;

use prost::Message as _;

const PROTOS: &[&str] = &[
    "proto/govshare/v1/common.proto",
    "proto/govshare/v1/admin.proto",
    "proto/govshare/v1/catalog.proto",
    "proto/govshare/v1/sharing.proto",
    "proto/govshare/v1/exchange.proto",
    "proto/govshare/v1/audit.proto",
    "proto/govshare/v1/report.proto",
];

/// Bench-only; deliberately not in `PROTOS`.
const BENCH_PROTO: &str = "proto/bench/stream.proto";

/// Bench-only: etcd's KV service and the message it imports (client only).
const ETCD_PROTOS: &[&str] = &[
    "proto/etcd/etcdserverpb/rpc.proto",
    "proto/etcd/mvccpb/kv.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    let fds = protox::compile(PROTOS, ["proto"])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("govshare_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // Data chunks stay `bytes::Bytes` from the file to the socket: no copy per chunk.
        .bytes(".govshare.v1.PublishDataRequest.chunk")
        .bytes(".govshare.v1.FetchDataResponse.chunk")
        .compile_fds(fds)?;

    // The bench's baseline service: generates `OUT_DIR/govshare.bench.rs`, nothing else.
    println!("cargo:rerun-if-changed={BENCH_PROTO}");
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .bytes(".govshare.bench.Chunk.data")
        .compile_fds(protox::compile([BENCH_PROTO], ["proto"])?)?;

    // etcd's client: generates `OUT_DIR/etcdserverpb.rs` and `OUT_DIR/mvccpb.rs`.
    for proto in ETCD_PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(false)
        .compile_fds(protox::compile(ETCD_PROTOS, ["proto"])?)?;
    Ok(())
}
