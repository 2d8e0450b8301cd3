//! [`diff`]: what changed between two versions of an entry's metadata, field by field, in words
//! a reviewer reads.

use crate::enums::{CodeEnum, display};
use crate::metadata::{InfoItem, ResourceMetadata};

/// One changed field: its path (`sharing.condition`, `items[姓名].length`) and its value before
/// and after as text; "" where there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub before: String,
    pub after: String,
}

#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn text(
        &mut self,
        path: impl Into<String>,
        before: impl Into<String>,
        after: impl Into<String>,
    ) {
        let (before, after) = (before.into(), after.into());
        if before != after {
            self.0.push(Change {
                path: path.into(),
                before,
                after,
            });
        }
    }

    fn coded<E: CodeEnum + PartialEq>(&mut self, path: impl Into<String>, before: E, after: E) {
        if before != after {
            self.text(path, display(before), display(after));
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// "C(18) 有条件共享", then the description if any.
fn item_summary(item: &InfoItem) -> String {
    let mut s = format!(
        "{}({}) {}",
        item.data_type.name(),
        item.length,
        item.share_type.label_zh()
    );
    if !item.description.is_empty() {
        s.push('，');
        s.push_str(&item.description);
    }
    s
}

fn joined<T: ToString>(list: &[T]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The changes from `a` to `b`, in field declaration order; empty when they are equal. Items
/// are matched by name: removed items first, then changed, then added, then a reordering.
pub fn diff(a: &ResourceMetadata, b: &ResourceMetadata) -> Vec<Change> {
    let mut c = Changes::default();
    let (ca, cb) = (&a.classification, &b.classification);
    c.coded("classification.category", ca.category, cb.category);
    c.text("classification.item", &ca.item, &cb.item);
    c.text("classification.subitem", &ca.subitem, &cb.subitem);
    c.text("classification.detail", &ca.detail, &cb.detail);
    c.text("name", &a.name, &b.name);
    c.text(
        "provider_code",
        a.provider_code.as_str(),
        b.provider_code.as_str(),
    );
    c.text("provider_name", &a.provider_name, &b.provider_name);
    c.text("summary", &a.summary, &b.summary);
    c.coded("format.kind", a.format.kind, b.format.kind);
    c.text("format.detail", &a.format.detail, &b.format.detail);
    diff_items(&mut c, &a.items, &b.items);
    c.coded(
        "sharing.share_type",
        a.sharing.share_type,
        b.sharing.share_type,
    );
    c.text(
        "sharing.condition",
        &a.sharing.condition,
        &b.sharing.condition,
    );
    c.text(
        "sharing.mode",
        a.sharing.mode.map(display).unwrap_or_default(),
        b.sharing.mode.map(display).unwrap_or_default(),
    );
    c.text("sharing.basis", &a.sharing.basis, &b.sharing.basis);
    c.text(
        "open.open_to_public",
        yes_no(a.open.open_to_public),
        yes_no(b.open.open_to_public),
    );
    c.text("open.condition", &a.open.condition, &b.open.condition);
    c.coded("update_cycle", a.update_cycle, b.update_cycle);
    c.text(
        "publish_date",
        crate::date::format(&a.publish_date),
        crate::date::format(&b.publish_date),
    );
    c.text(
        "related_codes",
        joined(&a.related_codes),
        joined(&b.related_codes),
    );
    c.text("keywords", joined(&a.keywords), joined(&b.keywords));
    c.0
}

fn diff_items(c: &mut Changes, a: &[InfoItem], b: &[InfoItem]) {
    let find = |list: &'_ [InfoItem], name: &str| list.iter().position(|i| i.name == name);
    for old in a {
        if find(b, &old.name).is_none() {
            c.text(format!("items[{}]", old.name), item_summary(old), "");
        }
    }
    for new in b {
        let Some(old) = find(a, &new.name).map(|i| &a[i]) else {
            continue;
        };
        let path = |field: &str| format!("items[{}].{field}", new.name);
        c.coded(path("data_type"), old.data_type, new.data_type);
        c.text(
            path("length"),
            old.length.to_string(),
            new.length.to_string(),
        );
        c.coded(path("share_type"), old.share_type, new.share_type);
        c.text(path("description"), &old.description, &new.description);
    }
    for new in b {
        if find(a, &new.name).is_none() {
            c.text(format!("items[{}]", new.name), "", item_summary(new));
        }
    }
    let common_in = |list: &[InfoItem], other: &[InfoItem]| -> Vec<String> {
        list.iter()
            .filter(|i| find(other, &i.name).is_some())
            .map(|i| i.name.clone())
            .collect()
    };
    if common_in(a, b) != common_in(b, a) {
        let names = |list: &[InfoItem]| {
            list.iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        c.text("items.order", names(a), names(b));
    }
}
