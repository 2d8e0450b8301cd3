//! Moving the data behind catalogue entries: snapshots stored as content-addressed blobs
//! (sha256, identical content stored once, nothing partial ever visible), the checks an upload
//! passes on its way in (CSV and NDJSON columns must be the entry's 信息项, every row is checked
//! and a bad one is reported by line; one record is bounded in memory), and the column
//! projection that delivers only the granted items, checking the stored blob as it reads it. Blocking I/O: callers run it on blocking threads; the one exception is
//! `bucket` (feature "bucket"): async transfers to and from an S3-compatible bucket that
//! servers share.

pub mod blob;
#[cfg(feature = "bucket")]
pub mod bucket;
mod columns;
pub mod ingest;
mod media;
pub mod project;
mod records;
mod values;

pub use blob::{BlobStore, TempBlob};
#[cfg(feature = "bucket")]
pub use bucket::{BlobBucket, BucketError, BucketUrl, Uploaded};
pub use columns::Column;
pub use ingest::{Bounds, Ingest, IngestError, Ingested, ingest, ingest_bounded};
pub use media::MediaKind;
pub use project::{
    DEFAULT_MAX_RECORD_BYTES, DeliverError, Delivered, Recorded, deliver, project, project_bounded,
};
pub use records::RecordTooLarge;
