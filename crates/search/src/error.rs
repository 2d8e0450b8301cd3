//! The search crate's error type.

use std::path::PathBuf;

/// Why the index could not be opened, written or searched.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index files could not be read or written.
    #[error("全文索引读写失败：{0} (the search index failed: {0})")]
    Index(#[from] tantivy::TantivyError),
    /// A file-system operation on the index directory failed.
    #[error(
        "全文索引目录 {path} 无法访问：{source} (the search index directory {path} is not usable: {source})"
    )]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The directory holds something other than a search index; it is left alone.
    #[error(
        "目录 {0} 不是全文索引目录，拒绝清空 (the directory {0} does not hold a search index; \
         refusing to empty it)"
    )]
    NotAnIndex(PathBuf),
    /// Another index writer (another process) has the directory open.
    #[error(
        "全文索引目录 {0} 正被其他进程使用 (the search index in {0} is open in another process)"
    )]
    Locked(PathBuf),
    /// The index was written with another schema or by another program.
    #[error("全文索引与当前版本不兼容：{0} (the search index is incompatible: {0})")]
    Incompatible(String),
    /// A page deeper than [`crate::MAX_RESULT_WINDOW`].
    #[error(
        "最多翻到第 {max} 条结果，请求到第 {0} 条；请缩小查询范围 (results are available up to \
         hit {max}, not {0}; narrow the query)",
        max = crate::MAX_RESULT_WINDOW
    )]
    WindowTooLarge(usize),
    /// The writer was lost after a panic in another thread.
    #[error("全文索引写入器不可用 (the search index writer is unavailable after a panic)")]
    WriterPoisoned,
}

/// The result of a search-index operation.
pub type Result<T, E = SearchError> = std::result::Result<T, E>;
