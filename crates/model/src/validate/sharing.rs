//! 共享属性: the entry's share type (given, or derived from its items), and what each type
//! requires (condition, basis, mode).

use crate::enums::{ShareMode, ShareType, choices, display};
use crate::input::SharingInput;
use crate::metadata::{InfoItem, Sharing};
use crate::text;
use crate::violation::{FieldReason, Violations};

use super::checks::{bounded_text, known_enum, optional_enum};
use super::items::{Items, OwnShare};
use super::{MAX_BASIS_CHARS, MAX_CONDITION_CHARS};

/// Checks the sharing attributes against the items and gives each item its effective type.
pub(super) fn check_sharing(
    v: &mut Violations,
    input: &SharingInput,
    items: Items,
) -> (Option<Sharing>, Option<Vec<InfoItem>>) {
    let SharingInput {
        share_type,
        condition,
        mode,
        basis,
    } = input;
    let condition_ok = bounded_text(
        v,
        "sharing.condition",
        condition,
        ("共享条件", "sharing.condition"),
        MAX_CONDITION_CHARS,
    );
    let basis_ok = bounded_text(
        v,
        "sharing.basis",
        basis,
        ("不予共享依据", "sharing.basis"),
        MAX_BASIS_CHARS,
    );
    let texts_ok = condition_ok && basis_ok;
    let entry = entry_share_type(v, *share_type, &items.shares);
    let mode = optional_enum::<ShareMode>(v, "sharing.mode", *mode);
    let Some(entry) = entry else {
        return (None, None);
    };

    let mut ok = texts_ok;
    if entry == ShareType::Conditional && condition.trim().is_empty() {
        v.add(
            "sharing.condition",
            FieldReason::Required,
            text!(
                "有条件共享须填写共享条件",
                "sharing.condition is required for CONDITIONAL sharing"
            ),
        );
        ok = false;
    }
    if entry == ShareType::NotShared && basis.trim().is_empty() {
        v.add(
            "sharing.basis",
            FieldReason::Required,
            text!(
                "不予共享须填写法律、行政法规或党中央、国务院政策依据",
                "sharing.basis is required for NOT_SHARED: the law, administrative regulation or central policy it rests on"
            ),
        );
        ok = false;
    }
    let mode = match mode {
        Ok(None) if entry != ShareType::NotShared => {
            let (zh, en) = choices::<ShareMode>();
            let (label, name) = (entry.label_zh(), entry.name());
            v.add(
                "sharing.mode",
                FieldReason::UnknownValue,
                text!(
                    "{label}须填写共享方式，可选：{zh}",
                    "sharing.mode is required for {name}; one of: {en}"
                ),
            );
            None
        }
        Ok(mode) => Some(mode),
        Err(()) => None,
    };

    let items = items.checked.map(|checked| {
        checked
            .into_iter()
            .map(|item| InfoItem {
                name: item.name,
                data_type: item.data_type,
                length: item.length,
                share_type: match item.share {
                    OwnShare::Own(t) => t,
                    OwnShare::Inherit | OwnShare::Invalid => entry,
                },
                description: item.description,
            })
            .collect()
    });
    let sharing = match (ok, mode) {
        (true, Some(mode)) => Some(Sharing {
            share_type: entry,
            condition: condition.clone(),
            mode,
            basis: basis.clone(),
        }),
        _ => None,
    };
    (sharing, items)
}

/// The entry's type: as given, which must then be the most open of its items' effective
/// types, or when not given, the most open of its items' own types if every item has one.
fn entry_share_type(
    v: &mut Violations,
    code: i32,
    shares: &[(String, OwnShare)],
) -> Option<ShareType> {
    let own = || {
        shares
            .iter()
            .enumerate()
            .filter_map(|(i, (name, s))| match s {
                OwnShare::Own(t) => Some((i, name.as_str(), *t)),
                _ => None,
            })
    };
    if code == 0 {
        let every_item_typed =
            !shares.is_empty() && shares.iter().all(|(_, s)| *s != OwnShare::Inherit);
        if !every_item_typed {
            let (zh, en) = choices::<ShareType>();
            v.add(
                "sharing.share_type",
                FieldReason::UnknownValue,
                text!(
                    "共享类型为必填项（仅当每个信息项都有自己的共享类型时可省略），可选：{zh}",
                    "sharing.share_type is required unless every item has its own; one of: {en}"
                ),
            );
            return None;
        }
        // An item with an unknown type is reported on the item; derive nothing from it.
        if shares.iter().any(|(_, s)| *s == OwnShare::Invalid) {
            return None;
        }
        return ShareType::most_open(own().map(|(_, _, t)| t));
    }
    let entry = known_enum::<ShareType>(v, "sharing.share_type", code)?;
    let inherits = shares.iter().any(|(_, s)| *s == OwnShare::Inherit);
    // The item giving the most open explicit type; an inheriting item contributes the entry's.
    let most_open_item = own().min_by_key(|(i, _, t)| (t.openness_rank(), *i));
    if let Some((i, name, most)) = most_open_item {
        let effective_most = if inherits && entry.openness_rank() <= most.openness_rank() {
            entry
        } else {
            most
        };
        if effective_most != entry {
            let n = i + 1;
            let (most_zh, most_label, entry_zh) = (display(most), most.label_zh(), display(entry));
            let (most_en, entry_en) = (most.name(), entry.name());
            v.add(
                "sharing.share_type",
                FieldReason::Inconsistent,
                text!(
                    "共享类型应为各信息项中最开放的类型{most_zh}（第{n}项“{name}”为{most_label}），实际为{entry_zh}",
                    "sharing.share_type must be the most open of the items' types: {most_en} (item {n} \"{name}\"), got {entry_en}"
                ),
            );
        }
    }
    Some(entry)
}
