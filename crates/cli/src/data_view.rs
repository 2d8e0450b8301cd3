//! Data snapshots for people (key/value blocks and tables), and the progress bar of a
//! transfer.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{BinaryBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::{self, or_dash, time};
use crate::proto::{DataSnapshot, FetchHeader, FetchTrailer, ListSnapshotsResponse};

/// Characters of a sha256 shown in a list.
const SHA_PREFIX: usize = 12;

/// `3145728 字节（3.00 MiB）`.
pub fn size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} 字节")
    } else {
        format!("{bytes} 字节（{}）", BinaryBytes(bytes))
    }
}

/// `101001/000001（版本 2）`.
fn entry_at(code: &str, version: u64) -> String {
    if version == 0 {
        or_dash(code)
    } else {
        format!("{code}（版本 {version}）")
    }
}

/// Column names as a person reads them; opaque data has none.
fn columns(names: &[String]) -> String {
    if names.is_empty() {
        "-（不可拆分数据，原样交付 opaque bytes）".to_string()
    } else {
        names.join("、")
    }
}

/// A snapshot with every field.
pub fn snapshot(s: &DataSnapshot) -> String {
    let rows = vec![
        ("快照编号", s.id.clone()),
        ("信息资源代码", or_dash(&s.entry_code)),
        ("媒体类型", or_dash(&s.media_type)),
        ("大小", size(s.size_bytes)),
        ("行数", s.rows.to_string()),
        ("列", columns(&s.columns)),
        ("sha256", or_dash(&s.sha256)),
        ("目录版本", s.entry_version.to_string()),
        ("发布时间", time(s.created_at.as_ref())),
        ("上传者 token_id", or_dash(&s.author)),
        ("说明", or_dash(&s.note)),
    ];
    output::record(rows).to_string()
}

pub fn snapshot_list(list: &ListSnapshotsResponse) -> String {
    let mut table = output::table([
        "快照编号",
        "发布时间",
        "媒体类型",
        "大小",
        "行数",
        "sha256",
        "说明",
    ]);
    for s in &list.snapshots {
        let sha: String = s.sha256.chars().take(SHA_PREFIX).collect();
        table.add_row(vec![
            s.id.clone(),
            time(s.created_at.as_ref()),
            or_dash(&s.media_type),
            BinaryBytes(s.size_bytes).to_string(),
            s.rows.to_string(),
            or_dash(&sha),
            or_dash(&s.note),
        ]);
    }
    table.to_string()
}

/// What a verified fetch delivered, and where it went.
pub fn fetched(header: &FetchHeader, trailer: &FetchTrailer, saved_to: &str) -> String {
    let s = header.snapshot.clone().unwrap_or_default();
    let grant = if header.grant_id.is_empty() {
        "-（本部门为提供方 provider）".to_string()
    } else if header.grant_ids.len() > 1 {
        header.grant_ids.join("、")
    } else {
        header.grant_id.clone()
    };
    let rows = vec![
        ("快照编号", or_dash(&s.id)),
        ("信息资源代码", entry_at(&s.entry_code, s.entry_version)),
        ("媒体类型", or_dash(&s.media_type)),
        ("交付列", columns(&header.columns)),
        ("授权编号", grant),
        ("大小", size(trailer.size_bytes)),
        ("行数", trailer.rows.to_string()),
        ("sha256", format!("{} 已校验 (verified)", trailer.sha256)),
        ("保存至", saved_to.to_string()),
    ];
    output::record(rows).to_string()
}

/// A progress bar of a transfer on stderr: bytes, total, rate and time left when `total` is
/// known, bytes and rate otherwise. Hidden when stderr is not a terminal, so scripts and
/// tests see clean output.
pub fn progress(total: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    let template = match total {
        Some(_) => {
            "{spinner} [{wide_bar}] {bytes}/{total_bytes} {binary_bytes_per_sec} 剩余 (ETA) {eta}"
        }
        None => "{spinner} {bytes} {binary_bytes_per_sec} {elapsed}",
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sizes_show_bytes_and_a_binary_unit() {
        assert_eq!(size(0), "0 字节");
        assert_eq!(size(3 * 1024 * 1024), "3145728 字节（3.00 MiB）");
    }

    #[test]
    fn a_snapshot_shows_every_field() {
        let s = DataSnapshot {
            id: "SNP-000001".into(),
            entry_code: "101001/000001".into(),
            sha256: "ab".repeat(32),
            size_bytes: 120,
            rows: 2,
            media_type: govshare_client::CSV.into(),
            columns: vec!["姓名".into(), "出生日期".into()],
            entry_version: 1,
            ..Default::default()
        };
        let text = snapshot(&s);
        for expected in ["SNP-000001", "姓名、出生日期", "120 字节", &"ab".repeat(32)] {
            assert!(text.contains(expected), "{expected} not in\n{text}");
        }
        let list = snapshot_list(&ListSnapshotsResponse {
            snapshots: vec![s],
            next_page_token: String::new(),
        });
        assert!(list.contains("abababababab"), "{list}");
        assert!(!list.contains(&"ab".repeat(7)), "{list}");
    }
}
