//! What publishing and fetching share: the media types, and the [`Progress`] a caller may
//! watch a transfer with.

use std::path::Path;

/// CSV: checked against the entry's 信息项 row by row, delivered cut down to the granted columns.
pub const CSV: &str = "text/csv";
/// NDJSON (one JSON object a line): checked and cut down as CSV is.
pub const NDJSON: &str = "application/x-ndjson";
/// Opaque bytes: kept and delivered as they are.
pub const OPAQUE: &str = "application/octet-stream";

/// The media type of `path` from its extension (any case): `.csv` is CSV, `.ndjson` and
/// `.jsonl` NDJSON, anything else opaque bytes.
pub fn media_type_of(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv") => CSV,
        Some("ndjson" | "jsonl") => NDJSON,
        _ => OPAQUE,
    }
}

/// Told how a transfer goes: every method does nothing unless overridden.
pub trait Progress: Send + Sync {
    /// `bytes` more were sent or received.
    fn advanced(&self, bytes: u64) {
        let _ = bytes;
    }

    /// A download failed after its partial file at `partial` was created; the file was
    /// removed.
    fn discarded(&self, partial: &Path) {
        let _ = partial;
    }
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_follows_the_extension_in_any_case() {
        assert_eq!(media_type_of(Path::new("人口.csv")), CSV);
        assert_eq!(media_type_of(Path::new("dir/PEOPLE.CSV")), CSV);
        assert_eq!(media_type_of(Path::new("a.ndjson")), NDJSON);
        assert_eq!(media_type_of(Path::new("a.JSONL")), NDJSON);
        assert_eq!(media_type_of(Path::new("a.json")), OPAQUE);
        assert_eq!(media_type_of(Path::new("archive.tar.gz")), OPAQUE);
        assert_eq!(media_type_of(Path::new("README")), OPAQUE);
        assert_eq!(media_type_of(Path::new(".csv")), OPAQUE);
    }
}
