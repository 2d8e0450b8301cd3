//! Compiles `proto/govshare/v1` (at the workspace root) into Rust with tonic's prost builder.
//! The protobuf compiler is `protox` (pure Rust), so a fresh machine needs no `protoc`. The
//! encoded descriptor set is written to `OUT_DIR/govshare_descriptor.bin` for server
//! reflection. The server traits are generated only with the `server` feature.

use std::path::PathBuf;

use prost::Message as _;

const PROTOS: &[&str] = &[
    "govshare/v1/common.proto",
    "govshare/v1/errors.proto",
    "govshare/v1/admin.proto",
    "govshare/v1/catalog.proto",
    "govshare/v1/sharing.proto",
    "govshare/v1/exchange.proto",
    "govshare/v1/audit.proto",
    "govshare/v1/report.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={}", root.join(proto).display());
    }
    let fds = protox::compile(PROTOS, [&root])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("govshare_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(std::env::var_os("CARGO_FEATURE_SERVER").is_some())
        // Data chunks stay `bytes::Bytes` from the file to the socket: no copy per chunk.
        .bytes(".govshare.v1.PublishDataRequest.chunk")
        .bytes(".govshare.v1.FetchDataResponse.chunk")
        .compile_fds(fds)?;
    Ok(())
}
