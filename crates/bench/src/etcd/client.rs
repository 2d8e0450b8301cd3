//! The etcd v3 client of `govshare-bench --etcd`: the code generated from the subset of etcd
//! 3.4's API in `proto/etcd` (the KV service's Range and Put), over a plain tonic channel.

/// etcd's `mvccpb` messages.
pub mod mvccpb {
    #![allow(
        missing_docs,
        clippy::all,
        clippy::pedantic,
        missing_debug_implementations
    )]

    tonic::include_proto!("mvccpb");
}

/// etcd's `etcdserverpb` messages and the KV client.
pub mod etcdserverpb {
    #![allow(
        missing_docs,
        clippy::all,
        clippy::pedantic,
        missing_debug_implementations
    )]

    tonic::include_proto!("etcdserverpb");
}

pub use etcdserverpb::kv_client::KvClient;
pub use etcdserverpb::{PutRequest, RangeRequest};

/// The KV client over one channel (one HTTP/2 connection).
pub type Kv = KvClient<tonic::transport::Channel>;
