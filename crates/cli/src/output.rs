//! What a command prints on stdout: the response as proto3 JSON, or tables for people.

use std::io::Write as _;

use comfy_table::{ContentArrangement, Table, modifiers, presets};
use prost_reflect::{DynamicMessage, SerializeOptions};

use crate::enums;
use crate::proto;

/// `--output`: how results are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Tables for people.
    #[default]
    Table,
    /// The response message in the proto3 JSON mapping (proto field names, enums as names).
    Json,
}

/// A generated message with its protobuf name, so it can be found in the descriptor pool.
pub trait ProtoMessage: prost::Message + Sized {
    const FULL_NAME: &'static str;
}

macro_rules! proto_messages {
    ($($name:ident),* $(,)?) => {
        $(impl ProtoMessage for proto::$name {
            const FULL_NAME: &'static str = concat!("govshare.v1.", stringify!($name));
        })*
    };
}

proto_messages!(
    Department,
    ListDepartmentsResponse,
    IssueTokenResponse,
    RevokeTokenResponse,
    WhoAmIResponse,
    ResourceMetadata,
    CatalogEntry,
    ListEntriesResponse,
    ListVersionsResponse,
    DiffVersionsResponse,
    SharingRequest,
    ListRequestsResponse,
    Grant,
    ListGrantsResponse,
    DataSnapshot,
    ListSnapshotsResponse,
    QueryAccessLogResponse,
    VerifyAccessLogResponse,
    CatalogEvent,
    SearchEntriesResponse,
    AnnualReport,
);

/// The proto3 JSON form of `msg`: proto field names, enum value names, 64-bit integers as
/// strings. Scalars and lists are printed even when empty or zero, so scripts find every key;
/// an unset message field (e.g. an absent `expires_at`) is left out.
pub fn to_json<M: ProtoMessage>(msg: &M) -> anyhow::Result<serde_json::Value> {
    let desc = enums::pool()?
        .get_message_by_name(M::FULL_NAME)
        .ok_or_else(|| anyhow::anyhow!("message {} is not in the contract", M::FULL_NAME))?;
    let dynamic = DynamicMessage::decode(desc, msg.encode_to_vec().as_slice())?;
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(false);
    Ok(dynamic.serialize_with_options(serde_json::value::Serializer, &options)?)
}

/// Prints `msg` on stdout in `format`; `table` renders it for people.
pub fn emit<M: ProtoMessage>(
    format: OutputFormat,
    msg: &M,
    table: impl FnOnce(&M) -> String,
) -> anyhow::Result<()> {
    let text = match format {
        OutputFormat::Json => serde_json::to_string_pretty(&to_json(msg)?)?,
        OutputFormat::Table => table(msg),
    };
    print_stdout(&text)
}

/// Writes one result to stdout; a reader that went away (`| head`) is not an error.
pub fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// A table with a header row, in the house style.
pub fn table<I: IntoIterator<Item = &'static str>>(header: I) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL)
        .apply_modifier(modifiers::UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    table
}

/// A two-column table of labelled values, for one record.
pub fn record(rows: Vec<(&str, String)>) -> Table {
    let mut table = table(["字段", "值"]);
    for (name, value) in rows {
        table.add_row(vec![name.to_string(), value]);
    }
    table
}

/// A timestamp in the local time zone, or `-` when unset.
pub fn time(ts: Option<&prost_types::Timestamp>) -> String {
    let Some(ts) = ts else {
        return "-".to_string();
    };
    let nanos = u32::try_from(ts.nanos).unwrap_or(0);
    match chrono::DateTime::from_timestamp(ts.seconds, nanos) {
        Some(t) => t
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S %:z")
            .to_string(),
        None => format!("{}s", ts.seconds),
    }
}

/// `-` for an empty string, so tables show that a value is absent.
pub fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".to_string()
    } else {
        text.to_string()
    }
}

/// Tells the reader on stderr that more pages exist.
pub fn note_next_page(format: OutputFormat, next_page_token: &str) {
    if format == OutputFormat::Table && !next_page_token.is_empty() {
        eprintln!("more results: --page-token {next_page_token} (or --all)");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::proto::{CatalogEntry, DataType, EntryState, InfoItem, ResourceMetadata};

    #[test]
    fn json_uses_proto_names_enum_names_and_prints_defaults() {
        let entry = CatalogEntry {
            code: "101001/000001".into(),
            state: EntryState::Published as i32,
            head_version: 3,
            metadata: Some(ResourceMetadata {
                name: "人口基础信息".into(),
                items: vec![InfoItem {
                    name: "姓名".into(),
                    data_type: DataType::C as i32,
                    length: 50,
                    ..Default::default()
                }],
                ..Default::default()
            }),
            updated_at: Some(prost_types::Timestamp {
                seconds: 1_700_000_000,
                nanos: 0,
            }),
            ..Default::default()
        };
        let json = to_json(&entry).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "101001/000001",
                "state": "ENTRY_STATE_PUBLISHED",
                "head_version": "3",
                "published_version": "0",
                "provider_code": "",
                "review_comment": "",
                "metadata": {
                    "name": "人口基础信息",
                    "provider_code": "",
                    "provider_name": "",
                    "summary": "",
                    "items": [{
                        "name": "姓名",
                        "data_type": "DATA_TYPE_C",
                        "length": 50,
                        "share_type": "SHARE_TYPE_UNSPECIFIED",
                        "description": ""
                    }],
                    "update_cycle": "UPDATE_CYCLE_UNSPECIFIED",
                    "publish_date": "",
                    "related_codes": [],
                    "keywords": [],
                    "classified": false
                },
                "updated_at": "2023-11-14T22:13:20Z"
            })
        );
    }

    #[test]
    fn every_printed_message_is_in_the_contract() {
        fn check<M: ProtoMessage>() {
            assert!(
                enums::pool()
                    .unwrap()
                    .get_message_by_name(M::FULL_NAME)
                    .is_some()
            );
        }
        check::<proto::Department>();
        check::<proto::ListDepartmentsResponse>();
        check::<proto::IssueTokenResponse>();
        check::<proto::RevokeTokenResponse>();
        check::<proto::WhoAmIResponse>();
        check::<proto::ResourceMetadata>();
        check::<proto::CatalogEntry>();
        check::<proto::ListEntriesResponse>();
        check::<proto::ListVersionsResponse>();
        check::<proto::DiffVersionsResponse>();
        check::<proto::CatalogEvent>();
        check::<proto::SearchEntriesResponse>();
        check::<proto::AnnualReport>();
    }
}
