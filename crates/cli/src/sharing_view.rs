//! Sharing requests and grants for people (key/value blocks and tables), and the command-line
//! values of the `request` and `grant` commands: `WHEN`, `--direction`, `--state`.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::enums;
use crate::output::{self, or_dash, time};
use crate::proto::{
    Actor, Direction, Grant, GrantFlag, ListGrantsResponse, ListRequestsResponse, SharingRequest,
};

const REQUEST_STATE: &str = "govshare.v1.RequestState";
const GRANT_STATE: &str = "govshare.v1.GrantState";
const DIRECTION: &str = "govshare.v1.Direction";
const SHARE_TYPE: &str = "govshare.v1.ShareType";
const FLAG_KIND: &str = "govshare.v1.GrantFlagKind";
const EVENT_KIND: &str = "govshare.v1.GrantEventKind";

// ---------------------------------------------------------------------------------------------
// Command-line values
// ---------------------------------------------------------------------------------------------

/// Beijing time (+08:00), in which a bare date ends.
const BEIJING: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("+08:00 is a valid offset"),
};

const WHEN_FORMS: &str = "应为日期 YYYY-MM-DD（至当天北京时间 24 时）或 RFC 3339 时刻，如 \
     2027-06-30T18:00:00+08:00 (expected a date YYYY-MM-DD, meaning through the end of that day \
     in Beijing time, or an RFC 3339 instant such as 2027-06-30T18:00:00+08:00)";

/// `YYYY-MM-DD` exactly: four, two and two digits.
fn looks_like_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// `WHEN` of `--until`: an RFC 3339 instant, or a date `YYYY-MM-DD` meaning through the end
/// of that day in Beijing time, i.e. the next day at 00:00:00+08:00 (a grant's `valid_until`
/// is the first instant it no longer authorizes).
pub fn parse_when(text: &str) -> Result<prost_types::Timestamp, String> {
    let text = text.trim();
    let instant = if looks_like_date(text) {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| format!("{text} 不是存在的日期 (no such date); {WHEN_FORMS}"))?;
        date.succ_opt()
            .and_then(|next| next.and_hms_opt(0, 0, 0))
            .and_then(|midnight| midnight.and_local_timezone(BEIJING).single())
            .ok_or_else(|| format!("{text} 超出可表示的范围 (out of range)"))?
    } else {
        DateTime::parse_from_rfc3339(text).map_err(|_| WHEN_FORMS.to_string())?
    };
    Ok(prost_types::Timestamp {
        seconds: instant.timestamp(),
        nanos: i32::try_from(instant.timestamp_subsec_nanos()).unwrap_or(0),
    })
}

/// A value of enum `full_name` as a person writes it; UNSPECIFIED is refused.
fn parse_enum(full_name: &str, text: &str) -> Result<i32, String> {
    let desc = enums::descriptor(full_name).map_err(|e| e.to_string())?;
    let value = enums::resolve(&desc, text)?;
    if value.number() == 0 {
        return Err(format!("expected one of {}", enums::expected(&desc)));
    }
    Ok(value.number())
}

/// `--direction`: OUTGOING or INCOMING (also `out`, `in`), any case, or 本部门申请, 向本部门申请.
pub fn parse_direction(text: &str) -> Result<i32, String> {
    let text = match text.trim().to_ascii_lowercase().as_str() {
        "out" => "OUTGOING",
        "in" => "INCOMING",
        _ => text,
    };
    parse_enum(DIRECTION, text)
}

/// `grant list --direction`: `received` (本部门获得的授权, the grants my department holds) or
/// `issued` (本部门发出的授权, the grants it issued), the console's words; also 获得, 发出, and
/// the contract's OUTGOING (received) and INCOMING (issued).
pub fn parse_grant_direction(text: &str) -> Result<i32, String> {
    let word = text.trim().to_ascii_lowercase();
    match word.as_str() {
        "received" | "获得" | "本部门获得的授权" => Ok(Direction::Outgoing as i32),
        "issued" | "发出" | "本部门发出的授权" => Ok(Direction::Incoming as i32),
        _ => parse_direction(text).map_err(|_| {
            format!(
                "应为 received（本部门获得的授权）或 issued（本部门发出的授权） (expected \
                 received: the grants your department holds, or issued: the grants it \
                 issued), not {text:?}"
            )
        }),
    }
}

/// `request list --state`: PENDING, APPROVED, REJECTED, WITHDRAWN (any case) or 待答复, ….
pub fn parse_request_state(text: &str) -> Result<i32, String> {
    parse_enum(REQUEST_STATE, text)
}

/// `grant list --state`: ACTIVE, EXPIRED, REVOKED (any case) or 有效, 已过期, 已撤销.
pub fn parse_grant_state(text: &str) -> Result<i32, String> {
    parse_enum(GRANT_STATE, text)
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

/// Item names as a person reads them: `姓名、出生日期`.
fn items(names: &[String]) -> String {
    or_dash(&names.join("、"))
}

/// `101001/000001（版本 2）`.
fn entry_at(code: &str, version: u64) -> String {
    if version == 0 {
        or_dash(code)
    } else {
        format!("{code}（版本 {version}）")
    }
}

/// The answer deadline, marked when it has passed without an answer.
fn due(r: &SharingRequest) -> String {
    let at = time(r.due_at.as_ref());
    if r.overdue {
        format!("{at} 已逾期 OVERDUE")
    } else {
        at
    }
}

fn actor_columns(actor: Option<&Actor>) -> [String; 2] {
    let actor = actor.cloned().unwrap_or_default();
    [
        or_dash(&actor.token_id),
        if actor.department_code.is_empty() {
            "-（平台）".to_string()
        } else {
            actor.department_code
        },
    ]
}

/// A request with every field, then its history.
pub fn request(r: &SharingRequest) -> String {
    let requested_until = match &r.requested_until {
        Some(t) => time(Some(t)),
        None => "默认期限 (default period)".to_string(),
    };
    let rows = vec![
        ("申请编号", r.id.clone()),
        ("信息资源代码", entry_at(&r.entry_code, r.entry_version)),
        (
            "提供方 → 申请方",
            format!(
                "{} → {}",
                or_dash(&r.provider_code),
                or_dash(&r.requester_code)
            ),
        ),
        ("信息项", items(&r.items)),
        ("申请事由", or_dash(&r.purpose)),
        ("使用范围", or_dash(&r.use_scope)),
        ("业务系统", or_dash(&r.business_system)),
        ("状态", enums::display(REQUEST_STATE, r.state)),
        ("共享类型", enums::display(SHARE_TYPE, r.share_type)),
        ("申请授权至", requested_until),
        ("提交时间", time(r.submitted_at.as_ref())),
        ("答复期限", due(r)),
        ("办结时间", time(r.decided_at.as_ref())),
        ("理由", or_dash(&r.reason)),
        ("授权编号", or_dash(&r.grant_id)),
    ];
    let mut history = output::table(["时间", "操作人 token_id", "部门", "进入状态", "理由"]);
    for event in &r.history {
        let [token, department] = actor_columns(event.actor.as_ref());
        history.add_row(vec![
            time(event.at.as_ref()),
            token,
            department,
            enums::display(REQUEST_STATE, event.state),
            or_dash(&event.reason),
        ]);
    }
    format!("{}\n处理记录\n{history}", output::record(rows))
}

pub fn request_list(list: &ListRequestsResponse) -> String {
    let mut table = output::table([
        "申请编号",
        "信息资源代码",
        "申请方",
        "提供方",
        "状态",
        "提交时间",
        "答复期限",
        "授权编号",
    ]);
    for r in &list.requests {
        table.add_row(vec![
            r.id.clone(),
            or_dash(&r.entry_code),
            or_dash(&r.requester_code),
            or_dash(&r.provider_code),
            enums::display(REQUEST_STATE, r.state),
            time(r.submitted_at.as_ref()),
            due(r),
            or_dash(&r.grant_id),
        ]);
    }
    table.to_string()
}

/// The flags of a grant, one line per kind: `信息项已删除: 身份证号、住址`; `-` when none.
pub fn flags_summary(flags: &[GrantFlag]) -> String {
    let mut kinds: Vec<(i32, Vec<&str>)> = Vec::new();
    for flag in flags {
        let at = match kinds.iter().position(|(k, _)| *k == flag.kind) {
            Some(at) => at,
            None => {
                kinds.push((flag.kind, Vec::new()));
                kinds.len() - 1
            }
        };
        if !flag.item.is_empty() {
            kinds[at].1.push(&flag.item);
        }
    }
    let lines: Vec<String> = kinds
        .into_iter()
        .map(|(kind, names)| {
            let label = enums::display(FLAG_KIND, kind);
            if names.is_empty() {
                label
            } else {
                format!("{label}: {}", names.join("、"))
            }
        })
        .collect();
    or_dash(&lines.join("\n"))
}

/// A grant with every field, then its history.
pub fn grant(g: &Grant) -> String {
    let mut rows = vec![
        ("授权编号", g.id.clone()),
        ("申请编号", or_dash(&g.request_id)),
        ("信息资源代码", entry_at(&g.entry_code, g.entry_version)),
        (
            "提供方 → 使用方",
            format!(
                "{} → {}",
                or_dash(&g.provider_code),
                or_dash(&g.consumer_code)
            ),
        ),
        ("信息项", items(&g.items)),
        ("用途", or_dash(&g.purpose)),
        ("生效时间", time(g.valid_from.as_ref())),
        ("失效时间", time(g.valid_until.as_ref())),
        ("状态", enums::display(GRANT_STATE, g.state)),
        ("撤销时间", time(g.revoked_at.as_ref())),
        ("撤销理由", or_dash(&g.revoke_reason)),
        ("变更标记", flags_summary(&g.flags)),
    ];
    if !g.flags.is_empty() {
        let details: Vec<&str> = g.flags.iter().map(|f| f.detail.as_str()).collect();
        rows.push(("变更说明", details.join("\n")));
    }
    let mut history = output::table(["时间", "操作人 token_id", "部门", "事件", "理由"]);
    for event in &g.history {
        let [token, department] = actor_columns(event.actor.as_ref());
        history.add_row(vec![
            time(event.at.as_ref()),
            token,
            department,
            enums::display(EVENT_KIND, event.kind),
            or_dash(&event.reason),
        ]);
    }
    format!("{}\n授权记录\n{history}", output::record(rows))
}

pub fn grant_list(list: &ListGrantsResponse) -> String {
    let mut table = output::table([
        "授权编号",
        "信息资源代码",
        "使用方",
        "提供方",
        "信息项",
        "生效时间",
        "失效时间",
        "状态",
        "变更标记",
    ]);
    for g in &list.grants {
        table.add_row(vec![
            g.id.clone(),
            or_dash(&g.entry_code),
            or_dash(&g.consumer_code),
            or_dash(&g.provider_code),
            items(&g.items),
            time(g.valid_from.as_ref()),
            time(g.valid_until.as_ref()),
            enums::display(GRANT_STATE, g.state),
            flags_summary(&g.flags),
        ]);
    }
    table.to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::proto::{GrantFlagKind, GrantState, RequestState};

    fn rfc3339(ts: &prost_types::Timestamp) -> String {
        DateTime::from_timestamp(ts.seconds, u32::try_from(ts.nanos).unwrap())
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }

    #[test]
    fn a_date_lasts_through_the_end_of_that_day_in_beijing() {
        let ts = parse_when("2027-06-30").unwrap();
        assert_eq!(rfc3339(&ts), "2027-06-30T16:00:00Z");
    }

    #[test]
    fn the_last_day_of_a_year_ends_at_new_year_beijing_time() {
        let ts = parse_when("2026-12-31").unwrap();
        assert_eq!(rfc3339(&ts), "2026-12-31T16:00:00Z");
    }

    #[test]
    fn an_rfc3339_instant_is_taken_as_written() {
        let ts = parse_when("2027-01-01T08:30:00+08:00").unwrap();
        assert_eq!(rfc3339(&ts), "2027-01-01T00:30:00Z");
        let ts = parse_when("2027-01-01T00:30:00.5Z").unwrap();
        assert_eq!(ts.nanos, 500_000_000);
    }

    #[test]
    fn a_date_that_does_not_exist_is_refused_with_the_expected_forms() {
        let err = parse_when("2027-02-30").unwrap_err();
        assert!(err.contains("no such date"), "{err}");
        assert!(err.contains("YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn other_spellings_are_refused_with_the_expected_forms() {
        for bad in [
            "2027-6-30",
            "2027/06/30",
            "20270630",
            "tomorrow",
            "2027-06-30 18:00",
            "",
        ] {
            let err = parse_when(bad).unwrap_err();
            assert!(err.contains("YYYY-MM-DD"), "{bad}: {err}");
            assert!(err.contains("RFC 3339"), "{bad}: {err}");
        }
    }

    #[test]
    fn directions_accept_names_short_forms_and_labels() {
        let outgoing = Direction::Outgoing as i32;
        let incoming = Direction::Incoming as i32;
        assert_eq!(parse_direction("outgoing"), Ok(outgoing));
        assert_eq!(parse_direction("OUT"), Ok(outgoing));
        assert_eq!(parse_direction("DIRECTION_INCOMING"), Ok(incoming));
        assert_eq!(parse_direction("in"), Ok(incoming));
        assert_eq!(parse_direction("向本部门申请"), Ok(incoming));
        assert!(parse_direction("sideways").is_err());
        assert!(parse_direction("unspecified").is_err());
    }

    #[test]
    fn grant_directions_are_received_and_issued() {
        let received = Direction::Outgoing as i32;
        let issued = Direction::Incoming as i32;
        assert_eq!(parse_grant_direction("received"), Ok(received));
        assert_eq!(parse_grant_direction("Received"), Ok(received));
        assert_eq!(parse_grant_direction("本部门获得的授权"), Ok(received));
        assert_eq!(parse_grant_direction("issued"), Ok(issued));
        assert_eq!(parse_grant_direction("发出"), Ok(issued));
        // The contract's names keep their meaning.
        assert_eq!(parse_grant_direction("OUTGOING"), Ok(received));
        assert_eq!(parse_grant_direction("incoming"), Ok(issued));
        let err = parse_grant_direction("sideways").unwrap_err();
        assert!(err.contains("received") && err.contains("issued"), "{err}");
        assert!(parse_grant_direction("unspecified").is_err());
    }

    #[test]
    fn states_accept_names_in_any_case_and_labels() {
        let pending = RequestState::Pending as i32;
        assert_eq!(parse_request_state("pending"), Ok(pending));
        assert_eq!(parse_request_state("PENDING"), Ok(pending));
        assert_eq!(parse_request_state("REQUEST_STATE_PENDING"), Ok(pending));
        assert_eq!(parse_request_state("待答复"), Ok(pending));
        assert_eq!(parse_grant_state("已撤销"), Ok(GrantState::Revoked as i32));
        assert_eq!(parse_grant_state("active"), Ok(GrantState::Active as i32));
        let err = parse_request_state("done").unwrap_err();
        assert!(
            err.contains("PENDING, APPROVED, REJECTED, WITHDRAWN"),
            "{err}"
        );
    }

    #[test]
    fn flags_are_summarized_by_kind() {
        let flag = |item: &str, kind: GrantFlagKind| GrantFlag {
            item: item.into(),
            kind: kind as i32,
            ..Default::default()
        };
        let text = flags_summary(&[
            flag("身份证号", GrantFlagKind::ItemRemoved),
            flag("住址", GrantFlagKind::ItemNotShared),
            flag("电话", GrantFlagKind::ItemRemoved),
        ]);
        assert_eq!(
            text,
            "信息项已删除: 身份证号、电话\n信息项已改为不予共享: 住址"
        );
        assert_eq!(
            flags_summary(&[flag("", GrantFlagKind::EntryWithdrawn)]),
            "目录已撤销或不予共享"
        );
        assert_eq!(flags_summary(&[]), "-");
    }

    #[test]
    fn an_overdue_request_is_marked() {
        let r = SharingRequest {
            id: "REQ-000001".into(),
            state: RequestState::Pending as i32,
            due_at: Some(prost_types::Timestamp {
                seconds: 1_700_000_000,
                nanos: 0,
            }),
            overdue: true,
            ..Default::default()
        };
        let text = request(&r);
        assert!(text.contains("已逾期 OVERDUE"), "{text}");
        assert!(text.contains("待答复"), "{text}");
    }

    #[test]
    fn every_printed_message_is_in_the_contract() {
        use crate::output::ProtoMessage;
        use crate::proto;

        fn check<M: ProtoMessage>() {
            assert!(
                enums::pool()
                    .unwrap()
                    .get_message_by_name(M::FULL_NAME)
                    .is_some(),
                "{}",
                M::FULL_NAME
            );
        }
        check::<proto::SharingRequest>();
        check::<proto::ListRequestsResponse>();
        check::<proto::Grant>();
        check::<proto::ListGrantsResponse>();
    }
}
