//! Which uploads are checked and projected: CSV and NDJSON by their columns; anything else is
//! opaque bytes.

/// How a snapshot's bytes are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// `text/csv`: UTF-8, a header row of 信息项 names, one record per row.
    Csv,
    /// `application/x-ndjson`: one JSON object per line, keyed by 信息项 names.
    Ndjson,
    /// Any other media type: stored and delivered as it is.
    Opaque,
}

impl MediaKind {
    /// The kind of a media type such as `text/csv; charset=utf-8` (parameters and case are
    /// ignored).
    pub fn of(media_type: &str) -> MediaKind {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" => MediaKind::Csv,
            "application/x-ndjson" | "application/ndjson" | "application/jsonl" => {
                MediaKind::Ndjson
            }
            _ => MediaKind::Opaque,
        }
    }

    /// Whether the bytes have columns that can be checked and projected.
    pub fn is_tabular(self) -> bool {
        self != MediaKind::Opaque
    }
}
