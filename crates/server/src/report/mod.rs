//! ReportService: the yearly sharing report, computed from the record: the catalogue's change
//! feed, the requests, the snapshots and the access log. Nothing is estimated or sampled.
//!
//! - `window.rs`: the year, in the working-day calendar's time zone.
//! - `catalogue.rs`, `sharing.rs`, `flows.rs`: the figures, as pure functions of the records.
//! - `gather.rs`: reading those records from the store and the access log.

mod catalogue;
mod flows;
mod gather;
mod sharing;
mod window;

use govshare_model::{FieldReason, text};
use std::sync::Arc;

use chrono::{Datelike as _, Utc};
use tonic::{Request, Response, Status};

use crate::auth::principal;
use crate::error::{ServiceError, ServiceResult};
use crate::observe::note;
use crate::proto::report_service_server::ReportService;
use crate::proto::{AnnualReport, GetAnnualReportRequest};
use crate::request::{self as field, check};
use govshare_service::authz;

use crate::AppState;

pub(crate) use crate::convert::timestamp;
pub(crate) use catalogue::EventFacts;
pub(crate) use window::Year;

/// The first year a report may be asked for.
const FIRST_YEAR: i32 = 2000;

/// The ReportService implementation.
#[derive(Debug, Clone)]
pub(crate) struct ReportApi {
    state: Arc<AppState>,
}

impl ReportApi {
    pub(crate) fn new(state: Arc<AppState>) -> Self {
        ReportApi { state }
    }

    async fn get_annual_report(
        &self,
        request: Request<GetAnnualReportRequest>,
    ) -> ServiceResult<AnnualReport> {
        let p = principal(&request)?;
        let note = note(&request);
        let GetAnnualReportRequest {
            year,
            department_code,
        } = request.into_inner();
        let mut v = govshare_model::Violations::default();
        let department = match department_code.trim() {
            "" => None,
            text => field::credit_code("department_code", text, &mut v),
        };
        let now = Utc::now();
        let offset = self.state.calendar.offset();
        let this_year = now.with_timezone(&offset).year();
        if !(FIRST_YEAR..=this_year).contains(&year) {
            v.add(
                "year",
                FieldReason::OutOfRange,
                text!(
                    "年份应在 {FIRST_YEAR} 至 {this_year} 之间",
                    "year must be from {FIRST_YEAR} to {this_year}; a later year has no record yet"
                ),
            );
        }
        check(v)?;
        let scope = authz::annual_report(&p, department)?;
        note.target(
            scope
                .as_ref()
                .map_or_else(|| year.to_string(), |d| format!("{year}/{d}")),
        );
        if let Some(d) = &scope {
            note.owner(d);
        }
        let window = Year::new(year, offset, now).ok_or_else(|| {
            ServiceError::field(
                "year",
                FieldReason::InvalidFormat,
                text!("年份无法表示", "the year cannot be represented"),
            )
        })?;
        let report = gather::annual_report(&self.state, window, scope.as_ref(), now).await?;
        note.detail(format!(
            "{} entries registered, {} requests received, {} calls",
            report.catalogue.as_ref().map_or(0, |c| c.registered),
            report.sharing.as_ref().map_or(0, |s| s.received),
            report.access.as_ref().map_or(0, |a| a.calls),
        ));
        Ok(report)
    }
}

#[tonic::async_trait]
impl ReportService for ReportApi {
    async fn get_annual_report(
        &self,
        r: Request<GetAnnualReportRequest>,
    ) -> Result<Response<AnnualReport>, Status> {
        Ok(Response::new(
            self.get_annual_report(r)
                .await
                .map_err(crate::error::status)?,
        ))
    }
}
