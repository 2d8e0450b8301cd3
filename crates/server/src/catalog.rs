//! CatalogService: the gRPC adapter of the catalogue's use cases (`govshare_service::catalogue`):
//! it reads the request's fields, calls the use case and converts what it answers.

use govshare_model::{FieldReason, text};
use std::sync::Arc;

use govshare_model::{Category, EntryState, ResourceCode, ShareType, UpdateCycle, Violations};
use govshare_service::catalogue::{
    Catalogue, EntryAt, EntryQuery, Register, Registration, Review, Update,
};
use prost::Message as _;
use tonic::{Request, Response, Status};

use crate::AppState;
use crate::auth::principal;
use crate::convert;
use crate::error::ServiceResult;
use crate::observe::note;
use crate::proto::catalog_service_server::CatalogService;
use crate::proto::{
    CatalogEntry, DiffVersionsRequest, DiffVersionsResponse, GetEntryRequest, ListEntriesRequest,
    ListEntriesResponse, ListVersionsRequest, ListVersionsResponse, RegisterEntryRequest,
    RequestRevocationRequest, ReviewEntryRequest, SubmitEntryRequest, UpdateEntryRequest,
};
use crate::request::{self as field, check, checked};

const NOTE_MAX: usize = 1000;
const COMMENT_MAX: usize = 2000;

/// The CatalogService implementation.
#[derive(Debug, Clone)]
pub(crate) struct CatalogApi {
    state: Arc<AppState>,
    /// The use cases, WatchCatalog's feed included.
    pub(crate) catalogue: Arc<Catalogue>,
}

/// The message of an entry as seen at one of its versions.
fn entry(e: &EntryAt) -> CatalogEntry {
    convert::entry(&e.header, &e.version.record, &e.version.metadata)
}

impl CatalogApi {
    /// The credential of `request`, for a stream that outlives the call's first check.
    pub(crate) async fn stream_credential<T>(
        &self,
        request: &Request<T>,
    ) -> ServiceResult<crate::auth::StreamCredential> {
        crate::auth::StreamCredential::of(request, &self.state.credentials).await
    }

    pub(crate) fn new(state: Arc<AppState>) -> Self {
        let catalogue = Catalogue::new(
            state.store.clone(),
            state.store.clone(),
            state.versions.clone(),
        );
        CatalogApi {
            state,
            catalogue: Arc::new(catalogue),
        }
    }

    async fn register_entry(
        &self,
        request: Request<RegisterEntryRequest>,
    ) -> ServiceResult<CatalogEntry> {
        let p = principal(&request)?;
        let call = note(&request);
        let RegisterEntryRequest {
            metadata,
            note,
            validate_only,
        } = request.into_inner();
        let mut invalid = Violations::default();
        field::optional_text("note", &note, NOTE_MAX, &mut invalid);
        let input = Register {
            metadata: metadata.map(convert::metadata_input),
            note,
            validate_only,
            invalid,
        };
        match self.catalogue.register(&p, &call, input).await? {
            Registration::Valid(metadata) => Ok(CatalogEntry {
                state: EntryState::Draft.code(),
                provider_code: metadata.provider_code.to_string(),
                metadata: Some(convert::metadata(&metadata)),
                ..CatalogEntry::default()
            }),
            Registration::Registered(registered) => {
                call.target(&registered.header.code);
                Ok(entry(&registered))
            }
        }
    }

    async fn update_entry(
        &self,
        request: Request<UpdateEntryRequest>,
    ) -> ServiceResult<CatalogEntry> {
        let p = principal(&request)?;
        let call = note(&request);
        let UpdateEntryRequest {
            code,
            expected_version,
            metadata,
            note,
        } = request.into_inner();
        call.target(&code);
        let mut invalid = Violations::default();
        let code = field::resource_code("code", &code, &mut invalid);
        field::version("expected_version", expected_version, &mut invalid);
        field::optional_text("note", &note, NOTE_MAX, &mut invalid);
        let input = Update {
            code,
            expected_version,
            metadata: metadata.map(convert::metadata_input),
            note,
            invalid,
        };
        Ok(entry(&self.catalogue.update(&p, &call, input).await?))
    }

    async fn get_entry(&self, request: Request<GetEntryRequest>) -> ServiceResult<CatalogEntry> {
        let p = principal(&request)?;
        let note = note(&request);
        let GetEntryRequest { code, version } = request.into_inner();
        note.target(&code);
        let mut v = Violations::default();
        let code = field::resource_code("code", &code, &mut v);
        let code = checked(v, code)?;
        Ok(entry(&self.catalogue.get(&p, &note, &code, version).await?))
    }

    async fn list_entries(
        &self,
        request: Request<ListEntriesRequest>,
    ) -> ServiceResult<ListEntriesResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        let ListEntriesRequest {
            provider_code,
            category,
            share_type,
            state,
            update_cycle,
            page_size,
            page_token,
        } = request.into_inner();
        let mut v = Violations::default();
        let provider_code = if provider_code.is_empty() {
            None
        } else {
            field::credit_code("provider_code", &provider_code, &mut v)
        };
        let query = EntryQuery {
            provider_code,
            category: field::enum_filter("category", category, Category::from_code, &mut v),
            share_type: field::enum_filter("share_type", share_type, ShareType::from_code, &mut v),
            state: field::enum_filter("state", state, EntryState::from_code, &mut v),
            update_cycle: field::enum_filter(
                "update_cycle",
                update_cycle,
                UpdateCycle::from_code,
                &mut v,
            ),
            limit: field::page_size(page_size, &self.state.config.api, &mut v),
            after: field::decode_page_token(&page_token, &mut v),
        };
        check(v)?;
        let page = self.catalogue.list(&p, query).await?;
        let mut entries = Vec::with_capacity(page.entries.len());
        let mut bytes = field::PageBytes::new(&self.state.config.api);
        let mut next = page.next;
        let mut last_taken: Option<&ResourceCode> = None;
        for listed in &page.entries {
            let message = entry(listed);
            if !bytes.admits(message.encoded_len()) {
                // The page is full: the next one starts after the last entry listed.
                next = last_taken.map(ToString::to_string);
                break;
            }
            entries.push(message);
            last_taken = Some(&listed.header.code);
        }
        note.detail(format!("{} entries", entries.len()));
        Ok(ListEntriesResponse {
            entries,
            next_page_token: next
                .map(|n| field::encode_page_token(&n))
                .unwrap_or_default(),
        })
    }

    async fn list_versions(
        &self,
        request: Request<ListVersionsRequest>,
    ) -> ServiceResult<ListVersionsResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        let ListVersionsRequest {
            code,
            page_size,
            page_token,
        } = request.into_inner();
        note.target(&code);
        let mut v = Violations::default();
        let code = field::resource_code("code", &code, &mut v);
        let limit = field::page_size(page_size, &self.state.config.api, &mut v);
        let after = match field::decode_page_token(&page_token, &mut v) {
            Some(t) => t
                .parse::<u64>()
                .map_err(|_| {
                    v.add(
                        "page_token",
                        FieldReason::InvalidFormat,
                        text!("分页令牌无效", "page_token is not one this service issued"),
                    )
                })
                .unwrap_or(0),
            None => 0,
        };
        let code = checked(v, code)?;
        let page = self
            .catalogue
            .list_versions(&p, &note, &code, after, limit)
            .await?;
        let mut versions = page.versions;
        let mut bytes = field::PageBytes::new(&self.state.config.api);
        let listed: Vec<_> = versions
            .iter()
            .map(convert::version_info)
            .take_while(|v| bytes.admits(v.encoded_len()))
            .collect();
        let full = versions.len() == limit || listed.len() < versions.len();
        versions.truncate(listed.len());
        let next_page_token = match versions.last() {
            Some(last) if full && last.version < page.head_version => {
                field::encode_page_token(&last.version.to_string())
            }
            _ => String::new(),
        };
        Ok(ListVersionsResponse {
            versions: listed,
            next_page_token,
        })
    }

    async fn diff_versions(
        &self,
        request: Request<DiffVersionsRequest>,
    ) -> ServiceResult<DiffVersionsResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        let DiffVersionsRequest {
            code,
            from_version,
            to_version,
        } = request.into_inner();
        note.target(&code)
            .detail(format!("versions {from_version} and {to_version}"));
        let mut v = Violations::default();
        let code = field::resource_code("code", &code, &mut v);
        field::version("from_version", from_version, &mut v);
        field::version("to_version", to_version, &mut v);
        let code = checked(v, code)?;
        let diff = self
            .catalogue
            .diff(&p, &note, &code, from_version, to_version)
            .await?;
        Ok(DiffVersionsResponse {
            changes: diff.changes.into_iter().map(convert::change).collect(),
            from: Some(convert::version_info(&diff.from.record)),
            to: Some(convert::version_info(&diff.to.record)),
        })
    }

    async fn submit_entry(
        &self,
        request: Request<SubmitEntryRequest>,
    ) -> ServiceResult<CatalogEntry> {
        let p = principal(&request)?;
        let note = note(&request);
        let SubmitEntryRequest {
            code,
            expected_version,
        } = request.into_inner();
        note.target(&code)
            .detail(format!("version {expected_version}"));
        let mut v = Violations::default();
        let code = field::resource_code("code", &code, &mut v);
        field::version("expected_version", expected_version, &mut v);
        let code = checked(v, code)?;
        let submitted = self
            .catalogue
            .submit(&p, &note, &code, expected_version)
            .await?;
        Ok(entry(&submitted))
    }

    async fn request_revocation(
        &self,
        request: Request<RequestRevocationRequest>,
    ) -> ServiceResult<CatalogEntry> {
        let p = principal(&request)?;
        let note = note(&request);
        let RequestRevocationRequest { code, reason } = request.into_inner();
        note.target(&code);
        let mut v = Violations::default();
        let code = field::resource_code("code", &code, &mut v);
        field::required_text("reason", &reason, COMMENT_MAX, "撤销理由", &mut v);
        let code = checked(v, code)?;
        let requested = self
            .catalogue
            .request_revocation(&p, &note, &code, reason.trim())
            .await?;
        Ok(entry(&requested))
    }

    async fn review_entry(
        &self,
        request: Request<ReviewEntryRequest>,
    ) -> ServiceResult<CatalogEntry> {
        let p = principal(&request)?;
        let note = note(&request);
        let ReviewEntryRequest {
            code,
            version,
            approve,
            comment,
        } = request.into_inner();
        note.target(&code).detail(format!(
            "{} version {version}",
            if approve { "approve" } else { "reject" }
        ));
        let mut invalid = Violations::default();
        let code = field::resource_code("code", &code, &mut invalid);
        field::version("version", version, &mut invalid);
        if approve {
            field::optional_text("comment", &comment, COMMENT_MAX, &mut invalid);
        } else {
            field::required_text("comment", &comment, COMMENT_MAX, "驳回意见", &mut invalid);
        }
        let input = Review {
            code,
            version,
            approve,
            comment: comment.trim().to_owned(),
            invalid,
        };
        Ok(entry(&self.catalogue.review(&p, &note, input).await?))
    }
}

#[tonic::async_trait]
impl CatalogService for CatalogApi {
    type WatchCatalogStream = crate::watch::EventStream;

    async fn watch_catalog(
        &self,
        r: Request<crate::proto::WatchCatalogRequest>,
    ) -> Result<Response<Self::WatchCatalogStream>, Status> {
        Ok(Response::new(
            self.watch_catalog(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn register_entry(
        &self,
        r: Request<RegisterEntryRequest>,
    ) -> Result<Response<CatalogEntry>, Status> {
        Ok(Response::new(
            self.register_entry(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn update_entry(
        &self,
        r: Request<UpdateEntryRequest>,
    ) -> Result<Response<CatalogEntry>, Status> {
        Ok(Response::new(
            self.update_entry(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn get_entry(
        &self,
        r: Request<GetEntryRequest>,
    ) -> Result<Response<CatalogEntry>, Status> {
        Ok(Response::new(
            self.get_entry(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn list_entries(
        &self,
        r: Request<ListEntriesRequest>,
    ) -> Result<Response<ListEntriesResponse>, Status> {
        Ok(Response::new(
            self.list_entries(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn list_versions(
        &self,
        r: Request<ListVersionsRequest>,
    ) -> Result<Response<ListVersionsResponse>, Status> {
        Ok(Response::new(
            self.list_versions(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn diff_versions(
        &self,
        r: Request<DiffVersionsRequest>,
    ) -> Result<Response<DiffVersionsResponse>, Status> {
        Ok(Response::new(
            self.diff_versions(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn submit_entry(
        &self,
        r: Request<SubmitEntryRequest>,
    ) -> Result<Response<CatalogEntry>, Status> {
        Ok(Response::new(
            self.submit_entry(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn request_revocation(
        &self,
        r: Request<RequestRevocationRequest>,
    ) -> Result<Response<CatalogEntry>, Status> {
        Ok(Response::new(
            self.request_revocation(r)
                .await
                .map_err(crate::error::status)?,
        ))
    }

    async fn review_entry(
        &self,
        r: Request<ReviewEntryRequest>,
    ) -> Result<Response<CatalogEntry>, Status> {
        Ok(Response::new(
            self.review_entry(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn search_entries(
        &self,
        r: Request<crate::proto::SearchEntriesRequest>,
    ) -> Result<Response<crate::proto::SearchEntriesResponse>, Status> {
        Ok(Response::new(
            crate::search::handler::search_entries(&self.state, r)
                .await
                .map_err(crate::error::status)?,
        ))
    }
}
