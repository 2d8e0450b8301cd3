//! 信息项: each item's own rules, and names unique within the entry.

use std::collections::HashMap;

use crate::enums::{DataType, ShareType};
use crate::input::InfoItemInput;
use crate::text;
use crate::violation::{FieldReason, Violations};

use super::checks::{bounded_text, optional_enum, required_enum, trimmed_text};
use super::{MAX_ITEM_DESCRIPTION_CHARS, MAX_ITEM_LENGTH, MAX_ITEM_NAME_CHARS, MAX_ITEMS};

/// An item's own share type as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OwnShare {
    /// 0: takes the entry's.
    Inherit,
    Own(ShareType),
    /// An unknown code, already reported.
    Invalid,
}

/// An item whose own fields passed; its share type waits for the entry's.
#[derive(Debug)]
pub(super) struct CheckedItem {
    pub name: String,
    pub data_type: DataType,
    pub length: u32,
    pub share: OwnShare,
    pub description: String,
}

/// What the items look like after their own checks: every item's share type as given (for the
/// entry's rules) and, when all items passed, the checked items.
#[derive(Debug)]
pub(super) struct Items {
    pub shares: Vec<(String, OwnShare)>,
    pub checked: Option<Vec<CheckedItem>>,
}

/// Over [`MAX_ITEMS`] items: reported, and [`validate`](super::validate) checks nothing
/// else, so that the work of a call never grows with more than the limit.
pub(super) fn too_many_items(v: &mut Violations, items: &[InfoItemInput]) -> bool {
    super::too_many(v, "items", items.len(), MAX_ITEMS, ("信息项", "items"))
}

pub(super) fn check_items(v: &mut Violations, items: &[InfoItemInput]) -> Items {
    let mut all_ok = true;
    if items.is_empty() {
        v.add(
            "items",
            FieldReason::Required,
            text!("至少应有1个信息项", "at least one item is required"),
        );
        all_ok = false;
    }
    let mut shares = Vec::with_capacity(items.len());
    let mut checked = Vec::with_capacity(items.len());
    // Trimmed names seen so far, with the position of their first use.
    let mut names: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let InfoItemInput {
            name,
            data_type,
            length,
            share_type,
            description,
        } = item;
        let path = |field: &str| format!("items[{i}].{field}");
        let mut name_ok = trimmed_text(
            v,
            &path("name"),
            name,
            ("信息项名称", "item name"),
            MAX_ITEM_NAME_CHARS,
        );
        if let Some(n) = &name_ok {
            let trimmed = name.trim();
            match names.get(trimmed) {
                Some(first) => {
                    let (this, first) = (i + 1, first + 1);
                    v.add(
                        path("name"),
                        FieldReason::Duplicate,
                        text!(
                            "信息项名称“{n}”重复（第{this}项与第{first}项相同）",
                            "item name \"{n}\" at item {this} duplicates item {first}"
                        ),
                    );
                    name_ok = None;
                }
                None => {
                    names.insert(trimmed, i);
                }
            }
        }
        let data_type = required_enum::<DataType>(v, &path("data_type"), *data_type);
        let length = check_length(v, &path("length"), *length);
        let share = match optional_enum::<ShareType>(v, &path("share_type"), *share_type) {
            Ok(None) => OwnShare::Inherit,
            Ok(Some(t)) => OwnShare::Own(t),
            Err(()) => OwnShare::Invalid,
        };
        let description_ok = bounded_text(
            v,
            &path("description"),
            description,
            ("信息项描述", "item description"),
            MAX_ITEM_DESCRIPTION_CHARS,
        );
        shares.push((name.trim().to_owned(), share));
        match (name_ok, data_type, length, share) {
            (Some(name), Some(data_type), Some(length), share)
                if share != OwnShare::Invalid && description_ok =>
            {
                checked.push(CheckedItem {
                    name,
                    data_type,
                    length,
                    share,
                    description: description.clone(),
                });
            }
            _ => all_ok = false,
        }
    }
    Items {
        shares,
        checked: all_ok.then_some(checked),
    }
}

fn check_length(v: &mut Violations, field: &str, length: u32) -> Option<u32> {
    if length == 0 {
        v.add(
            field,
            FieldReason::OutOfRange,
            text!("信息项长度应至少为1", "item length must be at least 1"),
        );
        return None;
    }
    if length > MAX_ITEM_LENGTH {
        v.add(
            field,
            FieldReason::OutOfRange,
            text!(
                "信息项长度不能超过{MAX_ITEM_LENGTH}，实际为{length}",
                "item length must be at most {MAX_ITEM_LENGTH}, got {length}"
            ),
        );
        return None;
    }
    Some(length)
}
