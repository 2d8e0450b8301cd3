//! `govshare token` and `govshare whoami`: credentials (AdminService).

use crate::connect::{self, ClientOpts};
use crate::enums;
use crate::output;
use crate::proto::{
    IssueTokenRequest, IssueTokenResponse, RevokeTokenRequest, WhoAmIRequest, WhoAmIResponse,
};

const ROLE: &str = "govshare.v1.Role";

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Issue a credential; the token is printed once and never again (ADMIN).
    Issue {
        /// The department's credit code: required for CATALOGUER, APPROVER and CONSUMER; never
        /// given for ADMIN and AUDITOR, which are platform credentials (GB/T 39477).
        #[arg(long, value_name = "CREDIT_CODE")]
        dept: Option<String>,
        /// Roles: ADMIN, CATALOGUER, APPROVER, CONSUMER, AUDITOR (any case; repeat or separate with commas).
        #[arg(
            long = "role",
            value_name = "ROLE",
            required = true,
            num_args = 1..,
            value_delimiter = ',',
            value_parser = enums::parse_role
        )]
        roles: Vec<i32>,
        /// A name saying who or what holds the credential.
        #[arg(long)]
        name: String,
        /// When the credential stops working (RFC 3339, e.g. 2026-12-31T23:59:59+08:00).
        #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339, conflicts_with = "expires_in_days")]
        expires_at: Option<prost_types::Timestamp>,
        /// Days from now until the credential stops working.
        #[arg(long, value_name = "N")]
        expires_in_days: Option<u32>,
    },
    /// Revoke a credential by its id (ADMIN).
    Revoke {
        /// The token id printed by `token issue`.
        token_id: String,
    },
}

pub async fn run(cmd: TokenCommand, opts: &ClientOpts) -> anyhow::Result<()> {
    let mut admin = connect::open(opts).await?.admin();
    match cmd {
        TokenCommand::Issue {
            dept,
            roles,
            name,
            expires_at,
            expires_in_days,
        } => {
            let expires_at = match (expires_at, expires_in_days) {
                (Some(at), _) => Some(at),
                (None, Some(days)) => Some(days_from_now(days)?),
                (None, None) => None,
            };
            let request = IssueTokenRequest {
                department_code: dept.unwrap_or_default(),
                roles,
                name,
                expires_at,
            };
            let issued = admin.issue_token(request).await?.into_inner();
            output::emit(opts.output, &issued, issued_table)?;
            eprintln!(
                "note: the token is shown only once; store it now (此令牌仅显示一次，请妥善保存)"
            );
            Ok(())
        }
        TokenCommand::Revoke { token_id } => {
            let request = RevokeTokenRequest {
                token_id: token_id.clone(),
            };
            let response = admin.revoke_token(request).await?.into_inner();
            output::emit(opts.output, &response, |_| {
                format!("revoked token {token_id} (已吊销)")
            })
        }
    }
}

pub async fn whoami(opts: &ClientOpts) -> anyhow::Result<()> {
    let mut admin = connect::open(opts).await?.admin();
    let me = admin.who_am_i(WhoAmIRequest {}).await?.into_inner();
    output::emit(opts.output, &me, whoami_table)
}

fn roles_text(roles: &[i32]) -> String {
    let names: Vec<String> = roles.iter().map(|r| enums::short(ROLE, *r)).collect();
    names.join(", ")
}

fn issued_table(issued: &IssueTokenResponse) -> String {
    let info = issued.info.clone().unwrap_or_default();
    let table = output::record(vec![
        ("令牌编号 token_id", issued.token_id.clone()),
        ("名称", info.name.clone()),
        ("部门", output::or_dash(&info.department_code)),
        ("角色", roles_text(&info.roles)),
        ("签发时间", output::time(info.created_at.as_ref())),
        ("失效时间", output::time(info.expires_at.as_ref())),
    ]);
    format!("{table}\ntoken: {}", issued.token)
}

fn whoami_table(me: &WhoAmIResponse) -> String {
    let dept = me.department.clone().unwrap_or_default();
    let department = if dept.code.is_empty() {
        "- (platform-level credential)".to_string()
    } else {
        format!("{} {}", dept.name, dept.code)
    };
    output::record(vec![
        ("部门", department),
        ("角色", roles_text(&me.roles)),
        ("令牌编号 token_id", me.token_id.clone()),
        ("令牌名称", output::or_dash(&me.token_name)),
    ])
    .to_string()
}

fn parse_rfc3339(text: &str) -> Result<prost_types::Timestamp, String> {
    let time = chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|e| format!("{e}; expected RFC 3339, e.g. 2026-12-31T23:59:59+08:00"))?;
    Ok(timestamp(time.timestamp(), time.timestamp_subsec_nanos()))
}

fn days_from_now(days: u32) -> anyhow::Result<prost_types::Timestamp> {
    let time = chrono::Utc::now()
        .checked_add_signed(chrono::TimeDelta::days(i64::from(days)))
        .ok_or_else(|| anyhow::anyhow!("--expires-in-days {days} is too far ahead"))?;
    Ok(timestamp(time.timestamp(), time.timestamp_subsec_nanos()))
}

fn timestamp(seconds: i64, nanos: u32) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds,
        nanos: i32::try_from(nanos).unwrap_or(0),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn expiry_parses_rfc3339_with_offset() {
        let ts = parse_rfc3339("2026-01-01T08:00:00+08:00").unwrap();
        assert_eq!(ts.seconds, 1_767_225_600);
        assert!(parse_rfc3339("2026-01-01").is_err());
    }

    #[test]
    fn roles_show_short_names() {
        assert_eq!(roles_text(&[1, 5]), "ADMIN, AUDITOR");
    }
}
