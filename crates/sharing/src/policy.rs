//! The sharing rules (DOMAIN.md): what a request may ask for, what happens to it, and what a
//! provider's decision may grant. Deadlines count in working days of a [`WorkingCalendar`];
//! the periods are [`SharingPolicy`], configuration rather than code, since provinces differ.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset, Utc};
use govshare_model::validate::MAX_ITEMS;
use govshare_model::{
    CreditCode, EntryState, FieldReason, InfoItem, ResourceCode, ResourceMetadata, ShareType, Text,
    Violations, excerpt, text,
};

use crate::{Actor, Decision, NewRequest, RequestRecord, SharingError, WorkingCalendar};

/// The periods of the sharing rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingPolicy {
    /// Working days the provider has to answer a conditional request (10 nationally; some
    /// provinces use 5).
    pub answer_working_days: u32,
    /// How long a grant lasts when the requester names no end date, in days.
    pub default_grant_days: u32,
    /// The longest a grant may last, in days.
    pub max_grant_days: u32,
}

impl Default for SharingPolicy {
    fn default() -> Self {
        SharingPolicy {
            answer_working_days: 10,
            default_grant_days: 365,
            max_grant_days: 3 * 365,
        }
    }
}

/// Longest accepted texts, in characters.
const MAX_PURPOSE: usize = 2000;
const MAX_USE_SCOPE: usize = 1000;
const MAX_BUSINESS_SYSTEM: usize = 200;
const MAX_REASON: usize = 2000;
/// The most item names a refusal lists as the entry's.
const LISTED_ITEM_NAMES: usize = 20;

/// Item names a request or a decision may list: no more than an entry can have. Checked
/// before anything else, so that no call costs more than this many names.
pub fn check_item_count(items: &[String]) -> Result<(), SharingError> {
    if items.len() <= MAX_ITEMS {
        return Ok(());
    }
    let n = items.len();
    let mut violations = Violations::new();
    violations.add(
        "items",
        FieldReason::TooMany,
        text!(
            "信息项不能超过{MAX_ITEMS}个，实际为{n}个",
            "at most {MAX_ITEMS} items, got {n}"
        ),
    );
    Err(SharingError::Invalid(violations))
}

/// What a requester asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInput {
    /// Item names; empty asks for every shareable item.
    pub items: Vec<String>,
    /// 申请事由
    pub purpose: String,
    /// 使用范围
    pub use_scope: String,
    /// 业务系统
    pub business_system: String,
    /// The end the requester asks for; `None` takes the default period.
    pub requested_until: Option<DateTime<Utc>>,
}

/// The catalogue entry a request is about, as the catalogue holds it now.
#[derive(Debug, Clone, Copy)]
pub struct EntryView<'a> {
    pub code: &'a ResourceCode,
    pub provider_code: &'a CreditCode,
    pub state: EntryState,
    /// The published version and its metadata, if the entry was ever published.
    pub published: Option<(u64, &'a ResourceMetadata)>,
}

impl<'a> EntryView<'a> {
    /// The published version a request may be held against, unless the entry is not in the
    /// published catalogue or is 不予共享.
    fn shareable(&self) -> Result<(u64, &'a ResourceMetadata), SharingError> {
        let published = self
            .published
            .filter(|_| self.state != EntryState::Revoked)
            .ok_or_else(|| SharingError::EntryUnavailable {
                code: self.code.clone(),
                state: self.state,
            })?;
        let sharing = &published.1.sharing;
        if sharing.share_type == ShareType::NotShared {
            return Err(SharingError::NotShared {
                code: self.code.clone(),
                basis: sharing.basis.clone(),
            });
        }
        Ok(published)
    }
}

/// The provider's answer, as it arrives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionInput {
    pub approve: bool,
    pub reason: String,
    /// Fewer items than requested; empty grants every requested item.
    pub items: Vec<String>,
    /// An earlier end than requested; `None` keeps the requested end.
    pub valid_until: Option<DateTime<Utc>>,
}

/// The names of the items of `metadata` that may be shared, in the entry's order.
pub fn shareable_items(metadata: &ResourceMetadata) -> Vec<String> {
    metadata
        .items
        .iter()
        .filter(|i| i.share_type != ShareType::NotShared)
        .map(|i| i.name.clone())
        .collect()
}

/// Evaluates a request by `requester` for `entry`: the request to store, granted at once when
/// every requested item is 无条件共享, otherwise due from the provider within the policy's
/// working days. Refused, with nothing to store, when the entry cannot be requested or any
/// field is wrong; every wrong field is reported at once.
pub fn evaluate(
    policy: &SharingPolicy,
    calendar: &WorkingCalendar,
    requester: &CreditCode,
    entry: &EntryView<'_>,
    input: &RequestInput,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<NewRequest, SharingError> {
    check_item_count(&input.items)?;
    let (version, metadata) = entry.shareable()?;
    if entry.provider_code == requester {
        return Err(SharingError::OwnEntry {
            code: entry.code.clone(),
        });
    }
    let mut violations = Violations::new();
    let purpose = required(
        &mut violations,
        "purpose",
        "申请事由",
        "purpose",
        &input.purpose,
        MAX_PURPOSE,
    );
    let use_scope = required(
        &mut violations,
        "use_scope",
        "使用范围",
        "use scope",
        &input.use_scope,
        MAX_USE_SCOPE,
    );
    let business_system = required(
        &mut violations,
        "business_system",
        "业务系统",
        "business system",
        &input.business_system,
        MAX_BUSINESS_SYSTEM,
    );
    let items = if input.items.is_empty() {
        let all = shareable_items(metadata);
        if all.is_empty() {
            violations.add(
                "items",
                FieldReason::NotAllowed,
                text!(
                    "该目录没有可共享的信息项",
                    "the entry has no shareable item"
                ),
            );
        }
        all
    } else {
        requested_items(&mut violations, metadata, &input.items)
    };
    let latest = now + Duration::days(i64::from(policy.max_grant_days));
    let until = match input.requested_until {
        Some(until) if until <= now => {
            let end = beijing(until);
            violations.add(
                "requested_until",
                FieldReason::OutOfRange,
                text!(
                    "授权截止时间 {end} 已过",
                    "the requested end {end} is not in the future"
                ),
            );
            until
        }
        Some(until) if until > latest => {
            let (days, latest) = (policy.max_grant_days, beijing(latest));
            violations.add(
                "requested_until",
                FieldReason::OutOfRange,
                text!(
                    "授权期限最长 {days} 天，截止时间不能晚于 {latest}",
                    "a grant lasts at most {days} days: end at {latest} or earlier"
                ),
            );
            until
        }
        Some(until) => until,
        None => now + Duration::days(i64::from(policy.default_grant_days)),
    };
    if !violations.is_empty() {
        return Err(SharingError::Invalid(violations));
    }
    let share_type = request_share_type(metadata, &items);
    let at_once = share_type == ShareType::Unconditional;
    Ok(NewRequest {
        entry_code: entry.code.clone(),
        entry_version: version,
        provider_code: entry.provider_code.clone(),
        requester_code: requester.clone(),
        items,
        share_type,
        purpose,
        use_scope,
        business_system,
        requested_until: input.requested_until,
        submitted_at: now,
        due_at: (!at_once).then(|| calendar.deadline(now, policy.answer_working_days)),
        grant_until: at_once.then_some(until),
        actor,
    })
}

/// Checks the provider's answer to `request` against the entry as it is now: a refusal needs
/// a reason; an approval may narrow the items and the end date but not widen them, and only
/// grants items the current published version still shares.
pub fn review_decision(
    policy: &SharingPolicy,
    request: &RequestRecord,
    entry: &EntryView<'_>,
    input: &DecisionInput,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Decision, SharingError> {
    check_item_count(&input.items)?;
    request.pending("decided", "答复")?;
    let mut violations = Violations::new();
    let reason = input.reason.trim().to_owned();
    if reason.chars().count() > MAX_REASON {
        too_long(&mut violations, "reason", ("理由", "reason"), MAX_REASON);
    }
    if !input.approve {
        if reason.is_empty() {
            violations.add(
                "reason",
                FieldReason::Required,
                text!(
                    "拒绝共享申请必须说明理由",
                    "a refusal must give its reasons"
                ),
            );
        }
        if !violations.is_empty() {
            return Err(SharingError::Invalid(violations));
        }
        return Ok(Decision {
            approve: false,
            reason,
            items: Vec::new(),
            valid_until: now,
            entry_version: request.entry_version,
            actor,
            at: now,
        });
    }
    let (version, metadata) = entry.shareable()?;
    let index = ItemIndex::of(metadata);
    let items = if input.items.is_empty() {
        for name in &request.items {
            if let Some(problem) = index.problem(name) {
                violations.add("items", FieldReason::NotAllowed, problem);
            }
        }
        request.items.clone()
    } else {
        let requested: HashSet<&str> = request.items.iter().map(String::as_str).collect();
        let mut seen = HashSet::new();
        for (i, name) in input.items.iter().enumerate() {
            let name = name.trim();
            let field = format!("items[{i}]");
            if !requested.contains(name) {
                let name = excerpt(name);
                violations.add(
                    field,
                    FieldReason::NotAllowed,
                    text!(
                        "申请中没有信息项“{name}”：只能缩小、不能扩大授权范围",
                        "{name:?} was not requested: a decision may narrow a request, not widen it"
                    ),
                );
            } else if seen.contains(name) {
                duplicate(&mut violations, field, name);
            } else if let Some(problem) = index.problem(name) {
                violations.add(field, FieldReason::NotAllowed, problem);
            }
            seen.insert(name);
        }
        // Keep the entry's order, whatever order the approver typed.
        request
            .items
            .iter()
            .filter(|r| seen.contains(r.as_str()))
            .cloned()
            .collect()
    };
    let latest = request
        .requested_until
        .unwrap_or_else(|| now + Duration::days(i64::from(policy.default_grant_days)))
        .min(now + Duration::days(i64::from(policy.max_grant_days)));
    let valid_until = match input.valid_until {
        Some(until) if until <= now => {
            let end = beijing(until);
            violations.add(
                "valid_until",
                FieldReason::OutOfRange,
                text!(
                    "授权截止时间 {end} 已过",
                    "the end {end} is not in the future"
                ),
            );
            until
        }
        Some(until) if until > latest => {
            let latest = beijing(latest);
            violations.add(
                "valid_until",
                FieldReason::OutOfRange,
                text!(
                    "授权截止时间不能晚于申请的 {latest}",
                    "a decision may shorten the requested period, ending at {latest} at the latest"
                ),
            );
            until
        }
        Some(until) => until,
        None if latest <= now => {
            let end = beijing(latest);
            violations.add(
                "valid_until",
                FieldReason::OutOfRange,
                text!(
                    "申请的授权截止时间 {end} 已过，请申请方重新申请",
                    "the requested end {end} has passed: the requester must ask again"
                ),
            );
            latest
        }
        None => latest,
    };
    if !violations.is_empty() {
        return Err(SharingError::Invalid(violations));
    }
    Ok(Decision {
        approve: true,
        reason,
        items,
        valid_until,
        entry_version: version,
        actor,
        at: now,
    })
}

/// The named items, checked against the entry; problems go to `violations`.
fn requested_items(
    violations: &mut Violations,
    metadata: &ResourceMetadata,
    names: &[String],
) -> Vec<String> {
    let index = ItemIndex::of(metadata);
    let mut wanted: HashSet<&str> = HashSet::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let name = name.trim();
        let field = format!("items[{i}]");
        if wanted.contains(name) {
            duplicate(violations, field, name);
            continue;
        }
        if let Some(problem) = index.problem(name) {
            violations.add(field, FieldReason::NotAllowed, problem);
        }
        wanted.insert(name);
    }
    metadata
        .items
        .iter()
        .filter(|i| wanted.contains(i.name.as_str()))
        .map(|i| i.name.clone())
        .collect()
}

/// The items of one version by name, to check many names against.
struct ItemIndex<'a> {
    metadata: &'a ResourceMetadata,
    by_name: HashMap<&'a str, &'a InfoItem>,
}

impl<'a> ItemIndex<'a> {
    fn of(metadata: &'a ResourceMetadata) -> Self {
        ItemIndex {
            metadata,
            by_name: metadata
                .items
                .iter()
                .map(|i| (i.name.as_str(), i))
                .collect(),
        }
    }

    /// Why `name` cannot be shared from this version, if it cannot: a [`FieldReason::NotAllowed`].
    fn problem(&self, name: &str) -> Option<Text> {
        let metadata = self.metadata;
        match self.by_name.get(name) {
            None => {
                let name = excerpt(name);
                let mut names: Vec<&str> = metadata
                    .items
                    .iter()
                    .take(LISTED_ITEM_NAMES)
                    .map(|i| i.name.as_str())
                    .collect();
                if metadata.items.len() > LISTED_ITEM_NAMES {
                    names.push("…");
                }
                let (listed_zh, listed_en) = (names.join("、"), names.join(", "));
                Some(text!(
                    "目录没有名为“{name}”的信息项，现有：{listed_zh}",
                    "the entry has no item {name:?}; it has: {listed_en}"
                ))
            }
            Some(item) if item.share_type == ShareType::NotShared => {
                let basis = match metadata.sharing.basis.trim() {
                    "" => String::new(),
                    basis => format!("。依据：{basis}"),
                };
                Some(text!(
                    "信息项“{name}”为不予共享，不能申请{basis}",
                    "item {name:?} is not shared and cannot be requested"
                ))
            }
            Some(_) => None,
        }
    }
}

/// A request is 有条件共享 as soon as one of its items is.
fn request_share_type(metadata: &ResourceMetadata, items: &[String]) -> ShareType {
    let items: HashSet<&str> = items.iter().map(String::as_str).collect();
    let conditional = metadata
        .items
        .iter()
        .filter(|i| items.contains(i.name.as_str()))
        .any(|i| i.share_type != ShareType::Unconditional);
    if conditional {
        ShareType::Conditional
    } else {
        ShareType::Unconditional
    }
}

fn required(
    violations: &mut Violations,
    field: &str,
    zh: &str,
    en: &str,
    value: &str,
    max: usize,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        violations.add(
            field,
            FieldReason::Required,
            text!("{zh}不能为空", "{en} is required"),
        );
    } else if value.chars().count() > max {
        too_long(violations, field, (zh, en), max);
    }
    value.to_owned()
}

/// Reports a text in `field` over `max` characters.
fn too_long(violations: &mut Violations, field: &str, (zh, en): (&str, &str), max: usize) {
    violations.add(
        field,
        FieldReason::TooLong,
        text!(
            "{zh}不能超过 {max} 个字符",
            "{en} is longer than {max} characters"
        ),
    );
}

/// An instant as the users read it: Beijing time, to the second.
fn beijing(t: DateTime<Utc>) -> String {
    const EAST_8: i32 = 8 * 3600;
    match FixedOffset::east_opt(EAST_8) {
        Some(offset) => t
            .with_timezone(&offset)
            .format("%Y-%m-%d %H:%M:%S%:z")
            .to_string(),
        None => t.to_rfc3339(),
    }
}

/// Reports an item name listed twice in `field`.
fn duplicate(violations: &mut Violations, field: String, name: &str) {
    let name = excerpt(name);
    violations.add(
        field,
        FieldReason::Duplicate,
        text!("信息项“{name}”重复", "item {name:?} is listed twice"),
    );
}
