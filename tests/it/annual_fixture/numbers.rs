//! The numbers of a report's JSON form, and how the text formats print them: what the format
//! tests look for in every output.

use govshare_cli::annual::{self, tables};
use govshare_server::proto::AnnualReport;
use serde_json::Value;

/// A number of the JSON form: 64-bit integers come as strings, the others as JSON numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(u64),
    Float(f64),
}

pub fn json_of(report: &AnnualReport) -> Value {
    serde_json::from_str(&annual::json(report).unwrap()).unwrap()
}

/// Every number in the JSON form of the report, with its path.
pub fn numbers(value: &Value, path: &str, out: &mut Vec<(String, Number)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                numbers(v, &format!("{path}.{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                numbers(v, &format!("{path}[{i}]"), out);
            }
        }
        Value::String(s) => {
            if let Ok(n) = s.parse::<u64>() {
                out.push((path.to_string(), Number::Int(n)));
            }
        }
        Value::Number(n) => match n.as_u64() {
            Some(n) => out.push((path.to_string(), Number::Int(n))),
            None => out.push((path.to_string(), Number::Float(n.as_f64().unwrap()))),
        },
        Value::Bool(_) | Value::Null => {}
    }
}

pub fn all_numbers(report: &AnnualReport) -> Vec<(String, Number)> {
    let mut out = Vec::new();
    numbers(&json_of(report), "", &mut out);
    out
}

/// A number as text formats print it: grouped counts, plain codes and sequence numbers, days
/// as sent.
pub fn appears(text: &str, n: Number) -> bool {
    match n {
        Number::Int(n) => text.contains(&tables::grouped(n)) || text.contains(&n.to_string()),
        Number::Float(f) => text.contains(&tables::days_text(f)),
    }
}
