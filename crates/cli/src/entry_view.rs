//! Tables of catalogue entries, versions and diffs for people.

use crate::enums;
use crate::output::{self, or_dash, time};
use crate::proto::{
    CatalogEntry, Classification, DiffVersionsResponse, ListEntriesResponse, ListVersionsResponse,
    ResourceMetadata, VersionInfo,
};

const STATE: &str = "govshare.v1.EntryState";
const CATEGORY: &str = "govshare.v1.Category";
const SHARE_TYPE: &str = "govshare.v1.ShareType";
const SHARE_MODE: &str = "govshare.v1.ShareMode";
const FORMAT_KIND: &str = "govshare.v1.FormatKind";
const DATA_TYPE: &str = "govshare.v1.DataType";
const UPDATE_CYCLE: &str = "govshare.v1.UpdateCycle";

/// Digests are long; the first 12 hex digits identify a version for people.
fn short_digest(digest: &str) -> String {
    or_dash(digest.get(..12).unwrap_or(digest))
}

fn version_number(v: u64) -> String {
    if v == 0 {
        "-".to_string()
    } else {
        v.to_string()
    }
}

/// 分类码 with its category label: `101001（基础）`.
fn classification(c: Option<&Classification>) -> String {
    let Some(c) = c else {
        return "-".to_string();
    };
    format!(
        "{}{}{}{}（{}）",
        c.category,
        c.item,
        c.subitem,
        c.detail,
        enums::display(CATEGORY, c.category)
    )
}

/// The header of an entry after a change: what state it is in and which version.
pub fn summary(entry: &CatalogEntry) -> String {
    let version = entry.version.clone().unwrap_or_default();
    let name = entry
        .metadata
        .as_ref()
        .map(|m| m.name.as_str())
        .unwrap_or("");
    output::record(vec![
        ("信息资源代码", entry.code.clone()),
        ("信息资源名称", or_dash(name)),
        ("状态", enums::display(STATE, entry.state)),
        ("当前版本", version_number(entry.head_version)),
        ("已发布版本", version_number(entry.published_version)),
        ("本版本", version_number(version.version)),
        ("版本摘要 sha256", short_digest(&version.digest)),
        ("审核意见", or_dash(&entry.review_comment)),
        ("更新时间", time(entry.updated_at.as_ref())),
    ])
    .to_string()
}

/// An entry with all its elements, then its information items.
pub fn full(entry: &CatalogEntry) -> String {
    let m = entry.metadata.clone().unwrap_or_default();
    let version = entry.version.clone().unwrap_or_default();
    let mut rows = vec![
        ("信息资源代码", entry.code.clone()),
        ("状态", enums::display(STATE, entry.state)),
        (
            "版本",
            format!(
                "{}（当前 {}，已发布 {}）",
                version_number(version.version),
                version_number(entry.head_version),
                version_number(entry.published_version)
            ),
        ),
    ];
    rows.extend(metadata_rows(&m));
    rows.extend([
        ("版本摘要 sha256", or_dash(&version.digest)),
        ("版本作者", or_dash(&version.author)),
        ("版本时间", time(version.created_at.as_ref())),
        ("变更说明", or_dash(&version.note)),
        ("审核意见", or_dash(&entry.review_comment)),
        ("更新时间", time(entry.updated_at.as_ref())),
    ]);
    format!("{}\n信息项\n{}", output::record(rows), items(&m))
}

fn metadata_rows(m: &ResourceMetadata) -> Vec<(&'static str, String)> {
    let format = m.format.clone().unwrap_or_default();
    let sharing = m.sharing.clone().unwrap_or_default();
    let open = m.open.clone().unwrap_or_default();
    let mut sharing_text = format!(
        "{}；{}",
        enums::display(SHARE_TYPE, sharing.share_type),
        enums::display(SHARE_MODE, sharing.mode)
    );
    if !sharing.condition.is_empty() {
        sharing_text.push_str(&format!("\n条件：{}", sharing.condition));
    }
    if !sharing.basis.is_empty() {
        sharing_text.push_str(&format!("\n依据：{}", sharing.basis));
    }
    let open_text = match (open.open_to_public, open.condition.is_empty()) {
        (false, _) => "不向社会开放".to_string(),
        (true, true) => "向社会开放".to_string(),
        (true, false) => format!("向社会开放；条件：{}", open.condition),
    };
    vec![
        ("信息资源名称", or_dash(&m.name)),
        ("信息资源分类", classification(m.classification.as_ref())),
        ("提供方", or_dash(&m.provider_name)),
        ("提供方代码", or_dash(&m.provider_code)),
        ("信息资源摘要", or_dash(&m.summary)),
        (
            "信息资源格式",
            format!(
                "{} {}",
                enums::display(FORMAT_KIND, format.kind),
                format.detail
            )
            .trim()
            .to_string(),
        ),
        ("共享属性", sharing_text),
        ("开放属性", open_text),
        ("更新周期", enums::display(UPDATE_CYCLE, m.update_cycle)),
        ("发布日期", or_dash(&m.publish_date)),
        ("关联资源代码", or_dash(&m.related_codes.join(", "))),
        ("关键词", or_dash(&m.keywords.join(", "))),
    ]
}

fn items(m: &ResourceMetadata) -> String {
    let mut table = output::table(["#", "信息项名称", "数据类型", "长度", "共享类型", "说明"]);
    for (i, item) in m.items.iter().enumerate() {
        table.add_row(vec![
            (i + 1).to_string(),
            item.name.clone(),
            enums::display(DATA_TYPE, item.data_type),
            item.length.to_string(),
            enums::display(SHARE_TYPE, item.share_type),
            or_dash(&item.description),
        ]);
    }
    table.to_string()
}

pub fn list(list: &ListEntriesResponse) -> String {
    let mut table = output::table([
        "信息资源代码",
        "名称",
        "提供方",
        "分类",
        "共享类型",
        "更新周期",
        "状态",
        "当前/已发布",
        "更新时间",
    ]);
    for entry in &list.entries {
        let m = entry.metadata.clone().unwrap_or_default();
        let provider = if m.provider_name.is_empty() {
            &entry.provider_code
        } else {
            &m.provider_name
        };
        table.add_row(vec![
            entry.code.clone(),
            or_dash(&m.name),
            or_dash(provider),
            enums::display(
                CATEGORY,
                m.classification.as_ref().map_or(0, |c| c.category),
            ),
            enums::display(SHARE_TYPE, m.sharing.as_ref().map_or(0, |s| s.share_type)),
            enums::display(UPDATE_CYCLE, m.update_cycle),
            enums::display(STATE, entry.state),
            format!(
                "{}/{}",
                version_number(entry.head_version),
                version_number(entry.published_version)
            ),
            time(entry.updated_at.as_ref()),
        ]);
    }
    table.to_string()
}

pub fn history(list: &ListVersionsResponse) -> String {
    let mut table = output::table(["版本", "摘要 sha256", "作者", "时间", "变更说明"]);
    for v in &list.versions {
        table.add_row(version_row(v));
    }
    table.to_string()
}

fn version_row(v: &VersionInfo) -> Vec<String> {
    vec![
        v.version.to_string(),
        short_digest(&v.digest),
        or_dash(&v.author),
        time(v.created_at.as_ref()),
        or_dash(&v.note),
    ]
}

pub fn diff(diff: &DiffVersionsResponse) -> String {
    let mut table = output::table(["字段", "原值", "新值"]);
    for change in &diff.changes {
        table.add_row(vec![
            change.path.clone(),
            or_dash(&change.before),
            or_dash(&change.after),
        ]);
    }
    let from = diff.from.as_ref().map_or(0, |v| v.version);
    let to = diff.to.as_ref().map_or(0, |v| v.version);
    if diff.changes.is_empty() {
        format!("版本 {from} → {to}：无差异")
    } else {
        format!("版本 {from} → {to}：{} 处变更\n{table}", diff.changes.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::metadata_file::{Syntax, parse};

    #[test]
    fn full_view_shows_chinese_labels_and_every_item() {
        let metadata = parse(
            include_str!("../../../deploy/examples/entry.yaml"),
            Syntax::Yaml,
        )
        .unwrap();
        let entry = CatalogEntry {
            code: "101001/000001".into(),
            state: 3,
            head_version: 1,
            published_version: 1,
            metadata: Some(metadata),
            ..Default::default()
        };
        let text = full(&entry);
        for expected in [
            "已发布",
            "101001（基础）",
            "有条件共享",
            "共享平台（接口）",
            "每日",
            "公民身份号码",
            "联系电话",
            "不予共享",
        ] {
            assert!(text.contains(expected), "missing {expected} in\n{text}");
        }
    }
}
