//! Compiles `proto/govshare/v1` into Rust with tonic's prost builder. The protobuf compiler is
//! `protox` (pure Rust), so a fresh machine needs no `protoc`. The encoded descriptor set is
//! written to `OUT_DIR/govshare_descriptor.bin` for server reflection.

use std::path::PathBuf;

use prost::Message as _;

const PROTOS: &[&str] = &[
    "proto/govshare/v1/common.proto",
    "proto/govshare/v1/admin.proto",
    "proto/govshare/v1/catalog.proto",
    "proto/govshare/v1/sharing.proto",
    "proto/govshare/v1/exchange.proto",
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
    Ok(())
}
