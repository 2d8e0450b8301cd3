//! The govshare gRPC contract, `proto/govshare/v1`: its messages, its clients, its server
//! traits (with the `server` feature) and its encoded descriptor set.
//!
//! Most programs want `govshare-client`, which connects, authenticates, retries and pages on
//! top of these types.

/// The code tonic and prost generate from the `.proto` files.
mod generated {
    #![allow(
        missing_docs,
        clippy::all,
        clippy::pedantic,
        missing_debug_implementations
    )]

    tonic::include_proto!("govshare.v1");
}

pub use generated::*;

/// The encoded `FileDescriptorSet` of the contract, served by gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("govshare_descriptor");

/// The response metadata key of a quota refusal (RESOURCE_EXHAUSTED): how many milliseconds
/// the caller should wait before trying again.
pub const RETRY_PUSHBACK_HEADER: &str = "grpc-retry-pushback-ms";

pub mod convert;
