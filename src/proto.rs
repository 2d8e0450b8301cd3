//! The generated gRPC contract (`proto/govshare/v1`) and its descriptor set for reflection.

#![allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    missing_debug_implementations
)]

tonic::include_proto!("govshare.v1");

/// The encoded `FileDescriptorSet` of the contract, served by gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("govshare_descriptor");
