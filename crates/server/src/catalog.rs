//! CatalogService: registering, editing, reading and reviewing catalogue entries.

use std::sync::Arc;

use chrono::Utc;
use govshare_model::{
    Category, CreditCode, EntryState, ResourceCode, ResourceMetadata, ShareType, UpdateCycle,
    Violations,
};
use govshare_service::departments::DepartmentNames;
use govshare_store::{EntryFilter, EntryHeader, EntrySummary, NewEntry, NewVersion, VersionRecord};
use prost::Message as _;
use tonic::{Request, Response, Status};

use govshare_service::Principal;

use crate::auth::principal;
use crate::error::{ServiceError, ServiceResult};
use crate::observe::{CallNote, note};
use crate::proto::catalog_service_server::CatalogService;
use crate::proto::{
    CatalogEntry, DiffVersionsRequest, DiffVersionsResponse, GetEntryRequest, ListEntriesRequest,
    ListEntriesResponse, ListVersionsRequest, ListVersionsResponse, RegisterEntryRequest,
    RequestRevocationRequest, ReviewEntryRequest, SubmitEntryRequest, UpdateEntryRequest,
};
use crate::request::{self as field, check, checked};
use govshare_service::authz;

use crate::{AppState, convert};

const NOTE_MAX: usize = 1000;
const COMMENT_MAX: usize = 2000;

/// The CatalogService implementation.
#[derive(Debug, Clone)]
pub(crate) struct CatalogApi {
    state: Arc<AppState>,
    departments: Arc<DepartmentNames>,
}

/// Validated metadata ready to be stored as a version.
struct Prepared {
    metadata: ResourceMetadata,
    canonical: Vec<u8>,
    digest: String,
}

fn summary(m: &ResourceMetadata) -> EntrySummary {
    EntrySummary {
        name: m.name.clone(),
        category: m.classification.category,
        share_type: m.sharing.share_type,
        update_cycle: m.update_cycle,
    }
}

/// Adds `errors`, violations of the metadata, to `v` under the request field `metadata`.
fn under_metadata(errors: Violations, v: &mut Violations) {
    for e in errors {
        v.push(format!("metadata.{}", e.field), e.description);
    }
}

fn decode_metadata(v: &VersionRecord) -> ServiceResult<ResourceMetadata> {
    ResourceMetadata::from_canonical_bytes(&v.canonical).map_err(|e| {
        ServiceError::Internal(format!("stored version {} is unreadable: {e}", v.version))
    })
}

impl CatalogApi {
    /// The store, for tasks that outlive a call.
    pub(crate) fn store(&self) -> Arc<dyn govshare_store::Store> {
        self.state.store.clone()
    }

    /// The credential of `request`, for a stream that outlives the call's first check.
    pub(crate) async fn stream_credential<T>(
        &self,
        request: &Request<T>,
    ) -> ServiceResult<crate::auth::StreamCredential> {
        crate::auth::StreamCredential::of(request, self.store(), &self.state.revocations).await
    }

    pub(crate) fn new(state: Arc<AppState>) -> Self {
        CatalogApi {
            departments: Arc::new(DepartmentNames::new(state.store.clone())),
            state,
        }
    }

    /// Validates metadata for `p`: provider defaults to the caller's department, every
    /// violation is reported with its path under `metadata.`, and the provider's name is
    /// filled in from the department record.
    async fn prepare(
        &self,
        p: &Principal,
        metadata: Option<crate::proto::ResourceMetadata>,
        mut v: Violations,
    ) -> ServiceResult<Prepared> {
        let Some(metadata) = metadata else {
            v.push(
                "metadata",
                "必填：目录元数据 (required: the entry's metadata)",
            );
            return Err(v.into());
        };
        let mut input = convert::metadata_input(metadata);
        govshare_model::default_provider(&mut input, p.department.as_ref());
        let metadata = match govshare_model::validate(&input) {
            Ok(m) => Some(m),
            Err(errors) => {
                under_metadata(errors, &mut v);
                None
            }
        };
        let mut metadata = checked(v, metadata)?;
        authz::write_entry(p, &metadata.provider_code)?;
        metadata.provider_name = self.department_name(&metadata.provider_code).await?;
        let canonical = metadata.canonical_bytes();
        let digest = govshare_model::digest_of(&canonical);
        Ok(Prepared {
            metadata,
            canonical,
            digest,
        })
    }

    /// The registered name of a department. Departments are never renamed or removed, so
    /// names are kept once read.
    async fn department_name(&self, code: &CreditCode) -> ServiceResult<String> {
        self.departments.name(code).await?.ok_or_else(|| {
            ServiceError::field(
                "metadata.provider_code",
                format!(
                    "提供方 {code} 未登记为部门 (provider {code} is not a registered department)"
                ),
            )
        })
    }

    fn new_version(&self, p: &Principal, prepared: &Prepared, note: String) -> NewVersion {
        NewVersion {
            canonical: prepared.canonical.clone(),
            digest: prepared.digest.clone(),
            summary: summary(&prepared.metadata),
            author: p.token_id.clone(),
            created_at: Utc::now(),
            note,
        }
    }

    /// The header of an entry `p` may see; its provider becomes the owner in the call's
    /// record. One `p` may not see is answered as one that does not exist.
    async fn header(
        &self,
        note: &CallNote,
        p: &Principal,
        code: &ResourceCode,
    ) -> ServiceResult<EntryHeader> {
        let header = self
            .state
            .store
            .get_entry(code)
            .await?
            .ok_or_else(|| authz::no_such_entry(code))?;
        note.owner(&header.provider_code);
        authz::view_of(p, &header)?;
        Ok(header)
    }

    async fn version(&self, code: &ResourceCode, version: u64) -> ServiceResult<VersionRecord> {
        self.state
            .store
            .get_version(code, version)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "目录 {code} 没有版本 {version} (entry {code} has no version {version})"
                ))
            })
    }

    /// The header of an entry whose code is a request field, for a caller that may write it.
    async fn writable(
        &self,
        note: &CallNote,
        p: &Principal,
        code: &ResourceCode,
    ) -> ServiceResult<EntryHeader> {
        let header = self.header(note, p, code).await?;
        authz::write_entry(p, &header.provider_code)?;
        Ok(header)
    }

    /// The entry as seen at `version`.
    async fn entry_at(&self, header: &EntryHeader, version: u64) -> ServiceResult<CatalogEntry> {
        let cached = self.state.versions.get(&header.code, version).await?;
        Ok(convert::entry(header, &cached.record, &cached.metadata))
    }

    /// The header of an entry whose history `p` wants to read.
    async fn history(
        &self,
        note: &CallNote,
        p: &Principal,
        code: &ResourceCode,
    ) -> ServiceResult<EntryHeader> {
        let header = self.header(note, p, code).await?;
        authz::read_all_versions(p, &header.provider_code)?;
        Ok(header)
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
        let mut v = Violations::default();
        field::optional_text("note", &note, NOTE_MAX, &mut v);
        let prepared = self.prepare(&p, metadata, v).await?;
        // validate_only: the checks above (validation, authorization, provider name) are all a
        // registration makes before storing; answer with the would-be entry, store nothing.
        if validate_only {
            call.owner(&prepared.metadata.provider_code)
                .detail("validate only");
            return Ok(CatalogEntry {
                state: EntryState::Draft.code(),
                provider_code: prepared.metadata.provider_code.to_string(),
                metadata: Some(convert::metadata(&prepared.metadata)),
                ..CatalogEntry::default()
            });
        }
        let new = NewEntry {
            classification: prepared.metadata.classification.code(),
            provider_code: prepared.metadata.provider_code.clone(),
            version: self.new_version(&p, &prepared, note),
        };
        let (header, record) = self.state.store.register_entry(new).await?;
        call.target(&header.code)
            .owner(&header.provider_code)
            .detail(format!("version {}", record.version));
        Ok(convert::entry(&header, &record, &prepared.metadata))
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
        let mut v = Violations::default();
        let code = field::resource_code("code", &code, &mut v);
        field::version("expected_version", expected_version, &mut v);
        field::optional_text("note", &note, NOTE_MAX, &mut v);
        let header = match &code {
            Some(code) => Some(self.writable(&call, &p, code).await?),
            None => None,
        };
        let prepared = self.prepare(&p, metadata, v).await?;
        let Some(header) = header else {
            return Err(ServiceError::Internal("validated code missing".into()));
        };
        let mut v = Violations::default();
        under_metadata(
            govshare_model::check_revision(&header.code, &header.provider_code, &prepared.metadata),
            &mut v,
        );
        check(v)?;
        let new_version = self.new_version(&p, &prepared, note);
        let (header, record) = self
            .state
            .store
            .update_entry(&header.code, expected_version, new_version)
            .await?;
        call.detail(format!("version {}", record.version));
        Ok(convert::entry(&header, &record, &prepared.metadata))
    }

    async fn get_entry(&self, request: Request<GetEntryRequest>) -> ServiceResult<CatalogEntry> {
        let p = principal(&request)?;
        let note = note(&request);
        authz::read_directory(&p)?;
        let GetEntryRequest { code, version } = request.into_inner();
        note.target(&code);
        let mut v = Violations::default();
        let code = field::resource_code("code", &code, &mut v);
        let code = checked(v, code)?;
        let header = self.header(&note, &p, &code).await?;
        let view = authz::view_of(&p, &header)?;
        let default = view.default_version();
        let version = if version == 0 { default } else { version };
        if !view.reads(version) {
            return Err(ServiceError::PermissionDenied(format!(
                "其他部门只能读取已发布版本 {default} (outside the providing department only the published version {default} is readable)"
            )));
        }
        note.detail(format!("version {version}"));
        self.entry_at(&header, version).await
    }

    async fn list_entries(
        &self,
        request: Request<ListEntriesRequest>,
    ) -> ServiceResult<ListEntriesResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        authz::read_directory(&p)?;
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
        let filter = EntryFilter {
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
            visibility: authz::listing(&p),
        };
        let limit = field::page_size(page_size, &self.state.config.api, &mut v);
        let after = field::decode_page_token(&page_token, &mut v);
        check(v)?;
        let page = self
            .state
            .store
            .list_entries(&filter, after.as_deref(), limit)
            .await?;
        let mut entries = Vec::with_capacity(page.items.len());
        let mut bytes = field::PageBytes::new(&self.state.config.api);
        let mut next = page.next;
        let mut last_taken: Option<&ResourceCode> = None;
        for header in &page.items {
            if let Some(view) = authz::entry_view(&p, header) {
                let entry = self.entry_at(header, view.default_version()).await?;
                if !bytes.admits(entry.encoded_len()) {
                    // The page is full: the next one starts after the last entry listed.
                    next = last_taken.map(ToString::to_string);
                    break;
                }
                entries.push(entry);
            }
            last_taken = Some(&header.code);
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
                    v.push(
                        "page_token",
                        "分页令牌无效 (page_token is not one this service issued)",
                    )
                })
                .unwrap_or(0),
            None => 0,
        };
        let code = checked(v, code)?;
        let header = self.history(&note, &p, &code).await?;
        let mut versions = self.state.store.list_versions(&code, after, limit).await?;
        let mut bytes = field::PageBytes::new(&self.state.config.api);
        let listed: Vec<_> = versions
            .iter()
            .map(convert::version_info)
            .take_while(|v| bytes.admits(v.encoded_len()))
            .collect();
        let full = versions.len() == limit || listed.len() < versions.len();
        versions.truncate(listed.len());
        let next_page_token = match versions.last() {
            Some(last) if full && last.version < header.head_version => {
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
        self.history(&note, &p, &code).await?;
        let from = self.version(&code, from_version).await?;
        let to = self.version(&code, to_version).await?;
        let changes = govshare_model::diff(&decode_metadata(&from)?, &decode_metadata(&to)?);
        Ok(DiffVersionsResponse {
            changes: changes.into_iter().map(convert::change).collect(),
            from: Some(convert::version_info(&from)),
            to: Some(convert::version_info(&to)),
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
        self.writable(&note, &p, &code).await?;
        let header = self
            .state
            .store
            .submit_entry(&code, expected_version, &p.token_id, Utc::now())
            .await?;
        self.entry_at(&header, header.head_version).await
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
        self.writable(&note, &p, &code).await?;
        let header = self
            .state
            .store
            .request_revocation(&code, reason.trim(), &p.token_id, Utc::now())
            .await?;
        let version = header.published_version.unwrap_or(header.head_version);
        self.entry_at(&header, version).await
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
        if let Ok(parsed) = ResourceCode::parse(&code)
            && let Ok(Some(current)) = self.state.store.get_entry(&parsed).await
        {
            note.owner(&current.provider_code);
        }
        authz::review_entry(&p)?;
        let mut v = Violations::default();
        let code = field::resource_code("code", &code, &mut v);
        field::version("version", version, &mut v);
        if approve {
            field::optional_text("comment", &comment, COMMENT_MAX, &mut v);
        } else {
            field::required_text("comment", &comment, COMMENT_MAX, "驳回意见", &mut v);
        }
        let code = checked(v, code)?;
        let header = self
            .state
            .store
            .review_entry(
                &code,
                version,
                approve,
                comment.trim(),
                &p.token_id,
                Utc::now(),
            )
            .await?;
        self.entry_at(&header, version).await
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
