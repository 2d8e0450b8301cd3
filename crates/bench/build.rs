//! Compiles the bench's own protocols, which are not part of the contract: the plain streaming
//! baseline (`proto/bench/stream.proto`, client and server) and a client of etcd 3.4's KV
//! service (`proto/etcd`), both at the workspace root.

use std::path::PathBuf;

/// The baseline service: generates `OUT_DIR/govshare.bench.rs`.
const BENCH_PROTO: &str = "bench/stream.proto";

/// etcd's KV service and the message it imports: `OUT_DIR/etcdserverpb.rs`, `OUT_DIR/mvccpb.rs`.
const ETCD_PROTOS: &[&str] = &["etcd/etcdserverpb/rpc.proto", "etcd/mvccpb/kv.proto"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    for proto in std::iter::once(&BENCH_PROTO).chain(ETCD_PROTOS) {
        println!("cargo:rerun-if-changed={}", root.join(proto).display());
    }
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .bytes(".govshare.bench.Chunk.data")
        .compile_fds(protox::compile([BENCH_PROTO], [&root])?)?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(false)
        .compile_fds(protox::compile(ETCD_PROTOS, [&root])?)?;
    Ok(())
}
