//! The shared copy of the blob directory in an S3-compatible bucket, for servers that do not
//! share a directory. Blobs keep the names they have on disk: the blob whose sha256 is
//! `abcdef…` is the object `PREFIX/sha256/ab/abcdef…`. The local [`BlobStore`] stays the
//! working copy: a published blob is uploaded from it, and a blob missing from it is
//! downloaded into it (through its temporary files, checked against its name, then committed).
//!
//! Bytes move in bounded pieces both ways, so a blob of many GiB never sits in memory. Unlike
//! the rest of this crate the transfers are async; the file work of a download runs on a
//! blocking thread.

use std::fmt;
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures::StreamExt as _;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStoreExt as _, PutPayload, RetryConfig, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt as _;

use crate::BlobStore;

/// Blobs up to this size are uploaded in one request; larger ones in parts of this size.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts of one upload in flight at once (so at most this many parts, plus the one being
/// read, are in memory).
const PARTS_IN_FLIGHT: usize = 4;
/// Retries of one failed request (connection refused, 5xx, throttling), with backoff.
const MAX_RETRIES: usize = 5;
/// No request is retried after this long.
const RETRY_TIMEOUT: Duration = Duration::from_secs(60);
/// A transfer that receives nothing for this long has failed (there is no limit on a whole
/// transfer: a large blob takes as long as it takes).
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A parsed `s3://bucket[/prefix]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketUrl {
    pub bucket: String,
    /// Without leading or trailing slashes; empty for the bucket's root.
    pub prefix: String,
}

impl BucketUrl {
    /// Parses `s3://bucket[/prefix]`. The bucket name follows S3's rules (3 to 63 lower-case
    /// letters, digits, `.` and `-`, starting and ending with a letter or digit); the prefix
    /// is made of non-empty segments of S3's safe characters (letters, digits and
    /// `! - _ . * ' ( )`), neither `.` nor `..`. Credentials never go in the URL.
    pub fn parse(url: &str) -> Result<BucketUrl, String> {
        // Not echoed: it may hold a secret.
        if url.contains('@') {
            return Err(
                "credentials do not belong in the URL: they come from AWS_* \
                        variables"
                    .into(),
            );
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            return Err(format!("{url:?} is not of the form s3://bucket[/prefix]"));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !bucket_ok {
            return Err(format!(
                "{bucket:?} is not a bucket name (3 to 63 lower-case letters, digits, '.' and \
                 '-')"
            ));
        }
        let prefix = prefix.trim_end_matches('/');
        if !prefix.is_empty() {
            for segment in prefix.split('/') {
                let safe = |b: u8| b.is_ascii_alphanumeric() || b"!-_.*'()".contains(&b);
                if segment.is_empty()
                    || segment == "."
                    || segment == ".."
                    || !segment.bytes().all(safe)
                {
                    return Err(format!(
                        "the prefix {prefix:?} is not a path of non-empty segments of letters, \
                         digits and ! - _ . * ' ( )"
                    ));
                }
            }
        }
        Ok(BucketUrl {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

impl fmt::Display for BucketUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// Why a transfer between the bucket and the blob directory failed.
#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    /// The bucket could not be reached, or refused the request (credentials, permissions).
    #[error("bucket request for {location} failed: {source}")]
    Unavailable {
        location: String,
        source: object_store::Error,
    },
    /// The bucket holds no object of that name.
    #[error("the bucket holds no {location}")]
    Missing { location: String },
    /// The bytes are not the ones the name promises: nothing was kept.
    #[error(
        "{location} holds bytes whose sha256 is {actual} ({size} bytes), not the one its name \
         promises: it was not kept"
    )]
    Corrupt {
        location: String,
        actual: String,
        size: u64,
    },
    /// The blob directory failed.
    #[error("blob directory: {0}")]
    Io(#[from] io::Error),
    /// The bucket could not be configured.
    #[error("bucket configuration: {0}")]
    Config(String),
}

/// Whether [`BlobBucket::upload`] sent the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploaded {
    /// An object of that name and size was there already.
    AlreadyThere,
    Sent,
}

/// The bucket holding the shared copy of the blobs. Cheap to clone.
#[derive(Clone)]
pub struct BlobBucket {
    store: Arc<AmazonS3>,
    url: BucketUrl,
    endpoint: Option<String>,
}

/// Shows where the bucket is, never the credentials.
impl fmt::Debug for BlobBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobBucket")
            .field("url", &self.url.to_string())
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl BlobBucket {
    /// The bucket at `url`. Region and credentials come from `aws_env`, the `AWS_*`
    /// variables of the environment, read as `AmazonS3Builder::from_env` reads them
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
    /// `AWS_ENDPOINT`, …); `endpoint`, when given, replaces `AWS_ENDPOINT`, and an
    /// `http://` endpoint is allowed. Nothing is sent until the first transfer.
    pub fn open(
        url: &BucketUrl,
        endpoint: Option<&str>,
        aws_env: &[(String, String)],
    ) -> Result<BlobBucket, BucketError> {
        let mut builder = AmazonS3Builder::new();
        for (key, value) in aws_env {
            if key.starts_with("AWS_")
                && let Ok(config_key) = key.to_ascii_lowercase().parse()
            {
                builder = builder.with_config(config_key, value);
            }
        }
        let mut client = ClientOptions::new()
            .with_timeout_disabled()
            .with_read_timeout(READ_TIMEOUT);
        if let Some(endpoint) = endpoint {
            builder = builder.with_endpoint(endpoint);
            if endpoint.starts_with("http://") {
                client = client.with_allow_http(true);
            }
        }
        let store = builder
            .with_bucket_name(&url.bucket)
            .with_client_options(client)
            .with_retry(RetryConfig {
                max_retries: MAX_RETRIES,
                retry_timeout: RETRY_TIMEOUT,
                ..RetryConfig::default()
            })
            .build()
            .map_err(|e| BucketError::Config(e.to_string()))?;
        Ok(BlobBucket {
            store: Arc::new(store),
            url: url.clone(),
            endpoint: endpoint.map(str::to_owned),
        })
    }

    /// The object name of the blob with this sha256.
    fn key(&self, sha256: &str) -> Result<ObjectPath, BucketError> {
        if sha256.len() != 64
            || !sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(BucketError::Config(format!(
                "{sha256:?} is not a sha256 in lower-case hex"
            )));
        }
        let name = format!("sha256/{}/{sha256}", &sha256[..2]);
        let key = if self.url.prefix.is_empty() {
            name
        } else {
            format!("{}/{name}", self.url.prefix)
        };
        ObjectPath::parse(&key).map_err(|e| BucketError::Config(e.to_string()))
    }

    /// `s3://bucket/prefix/sha256/ab/abcdef…`, for messages.
    pub fn location(&self, sha256: &str) -> String {
        format!(
            "s3://{}/{}",
            self.url.bucket,
            self.key(sha256)
                .map(|k| k.to_string())
                .unwrap_or_else(|_| sha256.to_owned())
        )
    }

    fn unavailable(&self, sha256: &str) -> impl FnOnce(object_store::Error) -> BucketError {
        let location = self.location(sha256);
        move |source| BucketError::Unavailable { location, source }
    }

    /// Copies the blob `sha256` of `size` bytes from `blobs` to the bucket, unless an object
    /// of that name and size is there already. The bytes are hashed as they are read: a
    /// local blob that no longer matches its name is not uploaded.
    pub async fn upload(
        &self,
        blobs: &BlobStore,
        sha256: &str,
        size: u64,
    ) -> Result<Uploaded, BucketError> {
        let key = self.key(sha256)?;
        match self.store.head(&key).await {
            Ok(meta) if meta.size == size => return Ok(Uploaded::AlreadyThere),
            // Another size under this name is a broken object: replace it.
            Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(self.unavailable(sha256)(e)),
        }
        let mut file = tokio::fs::File::open(blobs.path(sha256)).await?;
        let mut hasher = Sha256::new();
        let mut read = 0u64;
        if size <= PART_BYTES as u64 {
            let part = read_part(&mut file, &mut hasher, &mut read).await?;
            self.check_local(sha256, hasher, read, size)?;
            self.store
                .put(&key, PutPayload::from_bytes(part.freeze()))
                .await
                .map_err(self.unavailable(sha256))?;
            return Ok(Uploaded::Sent);
        }
        let upload = self
            .store
            .put_multipart(&key)
            .await
            .map_err(self.unavailable(sha256))?;
        let mut writer = Unfinished(Some(WriteMultipart::new_with_chunk_size(
            upload, PART_BYTES,
        )));
        let sent: Result<(), BucketError> = async {
            loop {
                let part = read_part(&mut file, &mut hasher, &mut read).await?;
                if part.is_empty() {
                    break;
                }
                let parts = writer.get()?;
                parts
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(self.unavailable(sha256))?;
                parts.put(part.freeze());
            }
            self.check_local(sha256, hasher, read, size)
        }
        .await;
        let Some(parts) = writer.0.take() else {
            return Err(BucketError::Io(io::Error::other("the upload ended twice")));
        };
        match sent {
            Ok(()) => {
                // On failure `finish` aborts the upload itself.
                parts.finish().await.map_err(self.unavailable(sha256))?;
                Ok(Uploaded::Sent)
            }
            Err(e) => {
                // The parts sent so far are discarded; a failed clean-up leaves only parts
                // that the bucket's lifecycle rules remove.
                let _ = parts.abort().await;
                Err(e)
            }
        }
    }

    /// The local blob must still be what its name says before it is shared.
    fn check_local(
        &self,
        sha256: &str,
        hasher: Sha256,
        read: u64,
        size: u64,
    ) -> Result<(), BucketError> {
        let actual = hex::encode(hasher.finalize());
        if actual != sha256 || read != size {
            return Err(BucketError::Corrupt {
                location: blob_location(sha256),
                actual,
                size: read,
            });
        }
        Ok(())
    }

    /// Downloads the blob `sha256` into `blobs` and returns its path there. The bytes go to
    /// one of the directory's temporary files as they arrive and are committed only when
    /// their sha256 is the name's; otherwise the file is removed and the answer is
    /// [`BucketError::Corrupt`].
    pub async fn download(&self, blobs: &BlobStore, sha256: &str) -> Result<PathBuf, BucketError> {
        let key = self.key(sha256)?;
        let got = match self.store.get(&key).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(BucketError::Missing {
                    location: self.location(sha256),
                });
            }
            Err(e) => return Err(self.unavailable(sha256)(e)),
        };
        let mut stream = got.into_stream();
        let blobs = blobs.clone();
        let sha256 = sha256.to_owned();
        let location = self.location(&sha256);
        let runtime = tokio::runtime::Handle::current();
        let bucket = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut temp = blobs.temp()?;
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            while let Some(chunk) = runtime.block_on(stream.next()) {
                let chunk = chunk.map_err(bucket.unavailable(&sha256))?;
                hasher.update(&chunk);
                size += chunk.len() as u64;
                temp.write_all(&chunk)?;
            }
            let actual = hex::encode(hasher.finalize());
            if actual != sha256 {
                // Dropping `temp` removes the file.
                return Err(BucketError::Corrupt {
                    location,
                    actual,
                    size,
                });
            }
            Ok(blobs.commit(temp, &sha256)?)
        })
        .await
        .map_err(|e| BucketError::Io(io::Error::other(e)))?
    }
}

/// A multipart upload, aborted in the background if dropped unfinished (the call that made
/// it went away): its parts would otherwise stay in the bucket, unseen, until its lifecycle
/// rules remove them.
struct Unfinished(Option<WriteMultipart>);

impl Unfinished {
    fn get(&mut self) -> Result<&mut WriteMultipart, BucketError> {
        self.0
            .as_mut()
            .ok_or_else(|| BucketError::Io(io::Error::other("the upload has ended")))
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(parts) = self.0.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move {
                let _ = parts.abort().await;
            });
        }
    }
}

/// The local blob, for messages.
fn blob_location(sha256: &str) -> String {
    format!("the local blob {sha256}")
}

/// Reads up to [`PART_BYTES`] from `file`, hashing and counting them; empty at the end.
async fn read_part(
    file: &mut tokio::fs::File,
    hasher: &mut Sha256,
    read: &mut u64,
) -> io::Result<BytesMut> {
    let mut part = BytesMut::with_capacity(PART_BYTES);
    while part.len() < PART_BYTES {
        if file.read_buf(&mut part).await? == 0 {
            break;
        }
    }
    hasher.update(&part);
    *read += part.len() as u64;
    Ok(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_urls_are_parsed_and_checked() {
        let url = BucketUrl::parse("s3://gov-share.blobs/snapshots/v1/").expect("valid");
        assert_eq!(url.bucket, "gov-share.blobs");
        assert_eq!(url.prefix, "snapshots/v1");
        assert_eq!(url.to_string(), "s3://gov-share.blobs/snapshots/v1");
        assert_eq!(
            BucketUrl::parse("s3://blobs").expect("no prefix").prefix,
            ""
        );
        for bad in [
            "https://blobs/x",
            "s3://",
            "s3://ab",
            "s3://Blobs",
            "s3://key:secret@blobs/x",
            "s3://blobs//x",
            "s3://blobs/../x",
            "s3://blobs/a b",
            "s3://blobs/x?y",
            "s3://-blobs",
        ] {
            assert!(BucketUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn objects_are_named_like_the_blob_directory() {
        let url = BucketUrl::parse("s3://blobs/gov/share").expect("valid");
        let env = [
            ("AWS_ACCESS_KEY_ID".to_owned(), "id".to_owned()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), "very-secret".to_owned()),
            ("AWS_REGION".to_owned(), "cn-north-1".to_owned()),
        ];
        let bucket = BlobBucket::open(&url, Some("http://127.0.0.1:9"), &env).expect("configured");
        let sha = "ab".repeat(32);
        assert_eq!(
            bucket.location(&sha),
            format!("s3://blobs/gov/share/sha256/ab/{sha}")
        );
        assert!(bucket.key("AB").is_err());
        let shown = format!("{bucket:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
    }
}
