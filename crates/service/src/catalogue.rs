//! The catalogue's use cases: registering, editing, submitting and reviewing entries, and
//! reading them, their versions and what changed between two versions.
//!
//! Each input names its fields as the request that carries it does, and the field paths of
//! the violations it answers with are those names (`metadata.name`, `code`). What the
//! transport already found wrong while reading a request comes in as `invalid`, so that one
//! answer lists every failing field, in the order the checks have always run.

use std::sync::Arc;

use chrono::Utc;
use govshare_model::{
    Category, Change, CreditCode, EntryState, MetadataInput, ResourceCode, ResourceMetadata,
    ShareType, UpdateCycle, Violations,
};
use govshare_store::{
    CatalogueStore, EntryFilter, EntryHeader, EntrySummary, IdentityStore, NewEntry, NewVersion,
    VersionRecord,
};

use crate::authz::{self, EntryView};
use crate::departments::DepartmentNames;
use crate::error::{ServiceError, ServiceResult, check, checked};
use crate::feed::Feed;
use crate::note::Note;
use crate::principal::Principal;
use crate::reason::Reason;
use crate::versions::{Version, Versions};
use govshare_model::{FieldReason, text};

/// The catalogue's use cases, over the catalogue store and the two caches.
#[derive(Debug, Clone)]
pub struct Catalogue {
    store: Arc<dyn CatalogueStore>,
    versions: Arc<Versions>,
    departments: Arc<DepartmentNames>,
}

/// An entry as seen at one of its versions.
#[derive(Debug, Clone)]
pub struct EntryAt {
    /// The entry's state, head and published versions.
    pub header: EntryHeader,
    /// The version seen.
    pub version: Arc<Version>,
}

/// RegisterEntry's input.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// The entry's metadata; `None` when the request carries none. Its provider defaults to
    /// the caller's department.
    pub metadata: Option<MetadataInput>,
    /// A note on the first version.
    pub note: String,
    /// Check everything a registration checks, store nothing.
    pub validate_only: bool,
    /// What the transport already found wrong with the request.
    pub invalid: Violations,
}

/// What a registration did.
#[derive(Debug, Clone)]
pub enum Registration {
    /// `validate_only`: the metadata the entry would have (its provider's name filled in).
    Valid(ResourceMetadata),
    /// The new entry, a draft at version 1.
    Registered(EntryAt),
}

/// UpdateEntry's input: a new version of an entry.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// The entry; `None` when the transport could not read the code (its violation is then in
    /// `invalid`).
    pub code: Option<ResourceCode>,
    /// The head version the caller edited.
    pub expected_version: u64,
    /// The new metadata; `None` when the request carries none.
    pub metadata: Option<MetadataInput>,
    /// A note on the new version.
    pub note: String,
    /// What the transport already found wrong with the request.
    pub invalid: Violations,
}

/// ReviewEntry's input: the administrator's decision on a submission or a revocation request.
#[derive(Debug, Clone, Default)]
pub struct Review {
    /// The entry; `None` when the transport could not read the code.
    pub code: Option<ResourceCode>,
    /// The version under review.
    pub version: u64,
    /// Approve, or reject.
    pub approve: bool,
    /// The reviewer's comment, trimmed (required to reject).
    pub comment: String,
    /// What the transport already found wrong with the request.
    pub invalid: Violations,
}

/// ListEntries' input: the filters (each `None` for any) and the page.
#[derive(Debug, Clone, Default)]
pub struct EntryQuery {
    /// Entries of this provider only.
    pub provider_code: Option<CreditCode>,
    /// Entries of this category only.
    pub category: Option<Category>,
    /// Entries of this share type only.
    pub share_type: Option<ShareType>,
    /// Entries in this state only.
    pub state: Option<EntryState>,
    /// Entries with this update cycle only.
    pub update_cycle: Option<UpdateCycle>,
    /// The cursor of the previous page: the code of its last entry.
    pub after: Option<String>,
    /// The most entries listed.
    pub limit: usize,
}

/// A page of entries, each at the version its reader sees by default.
#[derive(Debug, Clone)]
pub struct EntryPage {
    /// The entries, in code order.
    pub entries: Vec<EntryAt>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// A page of an entry's versions.
#[derive(Debug, Clone)]
pub struct VersionPage {
    /// The versions, oldest first, their canonical bytes included.
    pub versions: Vec<VersionRecord>,
    /// The entry's newest version.
    pub head_version: u64,
}

/// What changed from one version of an entry to another.
#[derive(Debug, Clone)]
pub struct VersionDiff {
    /// The older version.
    pub from: Arc<Version>,
    /// The newer version.
    pub to: Arc<Version>,
    /// The changes, field by field.
    pub changes: Vec<Change>,
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

/// Adds `errors`, violations of the metadata, to `v` under the input field `metadata`.
fn under_metadata(errors: Violations, v: &mut Violations) {
    for e in errors {
        v.add(format!("metadata.{}", e.field), e.reason, e.text);
    }
}

impl Catalogue {
    /// The catalogue over `store`, with the shared cache of versions; department names are
    /// read from `identity`.
    pub fn new(
        store: Arc<dyn CatalogueStore>,
        identity: Arc<dyn IdentityStore>,
        versions: Arc<Versions>,
    ) -> Self {
        Catalogue {
            store,
            versions,
            departments: Arc::new(DepartmentNames::new(identity)),
        }
    }

    /// WatchCatalog: the changes `reader` sees after sequence `after`.
    pub fn feed(&self, reader: Principal, after: u64) -> Feed {
        Feed::new(self.store.clone(), reader, after)
    }

    /// RegisterEntry: a new entry, a draft, by a cataloguer of its provider. The provider
    /// defaults to the caller's department, and its name is the registered one.
    pub async fn register(
        &self,
        p: &Principal,
        note: &dyn Note,
        input: Register,
    ) -> ServiceResult<Registration> {
        let Register {
            metadata,
            note: version_note,
            validate_only,
            invalid,
        } = input;
        let prepared = self.prepare(p, metadata, invalid).await?;
        // validate_only: the checks above (validation, authorization, provider name) are all a
        // registration makes before storing; answer with the would-be entry, store nothing.
        if validate_only {
            note.owner(&prepared.metadata.provider_code);
            note.detail("validate only".into());
            return Ok(Registration::Valid(prepared.metadata));
        }
        let new = NewEntry {
            classification: prepared.metadata.classification.code(),
            provider_code: prepared.metadata.provider_code.clone(),
            version: new_version(p, &prepared, version_note),
        };
        let (header, record) = self.store.register_entry(new).await?;
        note.owner(&header.provider_code);
        note.detail(format!("version {}", record.version));
        Ok(Registration::Registered(fresh(header, record, prepared)))
    }

    /// UpdateEntry: a new head version, by a cataloguer of the provider. The classification
    /// and the provider cannot change.
    pub async fn update(
        &self,
        p: &Principal,
        note: &dyn Note,
        input: Update,
    ) -> ServiceResult<EntryAt> {
        let Update {
            code,
            expected_version,
            metadata,
            note: version_note,
            invalid,
        } = input;
        // Whether the caller may write the entry is answered before what is wrong with the
        // metadata.
        let header = match &code {
            Some(code) => Some(self.writable(p, note, code).await?),
            None => None,
        };
        let prepared = self.prepare(p, metadata, invalid).await?;
        let Some(header) = header else {
            return Err(ServiceError::internal("validated code missing"));
        };
        let mut v = Violations::default();
        under_metadata(
            govshare_model::check_revision(&header.code, &header.provider_code, &prepared.metadata),
            &mut v,
        );
        check(v)?;
        let new_version = new_version(p, &prepared, version_note);
        let (header, record) = self
            .store
            .update_entry(&header.code, expected_version, new_version)
            .await?;
        note.detail(format!("version {}", record.version));
        Ok(fresh(header, record, prepared))
    }

    /// GetEntry: the entry at `version` (0: the version the caller sees by default). Outside
    /// the provider only the published version is readable.
    pub async fn get(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
        version: u64,
    ) -> ServiceResult<EntryAt> {
        authz::read_directory(p)?;
        let (header, view) = self.visible(p, note, code).await?;
        let default = view.default_version();
        let version = if version == 0 { default } else { version };
        if !view.reads(version) {
            return Err(ServiceError::new(
                Reason::PublishedVersionOnly,
                text!(
                    "其他部门只能读取已发布版本 {default}",
                    "outside the providing department only the published version {default} is \
                     readable"
                ),
            )
            .with("code", code)
            .with("version", default));
        }
        note.detail(format!("version {version}"));
        self.entry_at(header, version).await
    }

    /// ListEntries: the entries that exist for the caller, each at the version it sees.
    pub async fn list(&self, p: &Principal, query: EntryQuery) -> ServiceResult<EntryPage> {
        authz::read_directory(p)?;
        let EntryQuery {
            provider_code,
            category,
            share_type,
            state,
            update_cycle,
            after,
            limit,
        } = query;
        let filter = EntryFilter {
            provider_code,
            category,
            share_type,
            state,
            update_cycle,
            visibility: authz::listing(p),
        };
        let page = self
            .store
            .list_entries(&filter, after.as_deref(), limit)
            .await?;
        let mut entries = Vec::with_capacity(page.items.len());
        for header in page.items {
            if let Some(view) = authz::entry_view(p, &header) {
                let version = view.default_version();
                entries.push(self.entry_at(header, version).await?);
            }
        }
        Ok(EntryPage {
            entries,
            next: page.next,
        })
    }

    /// ListVersions: a page of the entry's versions after version `after`, for the provider
    /// and the administrator.
    pub async fn list_versions(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
        after: u64,
        limit: usize,
    ) -> ServiceResult<VersionPage> {
        let header = self.history(p, note, code).await?;
        let versions = self.store.list_versions(code, after, limit).await?;
        Ok(VersionPage {
            versions,
            head_version: header.head_version,
        })
    }

    /// DiffVersions: what changed from version `from` to version `to`, for the provider and
    /// the administrator.
    pub async fn diff(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
        from: u64,
        to: u64,
    ) -> ServiceResult<VersionDiff> {
        self.history(p, note, code).await?;
        let from = self.versions.get(code, from).await?;
        let to = self.versions.get(code, to).await?;
        let changes = govshare_model::diff(&from.metadata, &to.metadata);
        Ok(VersionDiff { from, to, changes })
    }

    /// SubmitEntry: the head version goes to review, by a cataloguer of the provider.
    pub async fn submit(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
        expected_version: u64,
    ) -> ServiceResult<EntryAt> {
        self.writable(p, note, code).await?;
        let header = self
            .store
            .submit_entry(code, expected_version, &p.token_id, Utc::now())
            .await?;
        let head = header.head_version;
        self.entry_at(header, head).await
    }

    /// RequestRevocation: a published entry goes to review for revocation, by a cataloguer of
    /// the provider, for `reason` (trimmed).
    pub async fn request_revocation(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
        reason: &str,
    ) -> ServiceResult<EntryAt> {
        self.writable(p, note, code).await?;
        let header = self
            .store
            .request_revocation(code, reason, &p.token_id, Utc::now())
            .await?;
        let version = header.published_version.unwrap_or(header.head_version);
        self.entry_at(header, version).await
    }

    /// ReviewEntry: the platform administrator approves or rejects what the provider
    /// submitted. The entry's provider is noted even on a refused call.
    pub async fn review(
        &self,
        p: &Principal,
        note: &dyn Note,
        input: Review,
    ) -> ServiceResult<EntryAt> {
        let Review {
            code,
            version,
            approve,
            comment,
            invalid,
        } = input;
        if let Some(code) = &code
            && let Ok(Some(current)) = self.store.get_entry(code).await
        {
            note.owner(&current.provider_code);
        }
        authz::review_entry(p)?;
        let code = checked(invalid, code)?;
        let header = self
            .store
            .review_entry(&code, version, approve, &comment, &p.token_id, Utc::now())
            .await?;
        self.entry_at(header, version).await
    }

    /// Validates metadata for `p`: the provider defaults to the caller's department, every
    /// violation is reported with its path under `metadata.` together with `v`, and the
    /// provider's name is filled in from the department record.
    async fn prepare(
        &self,
        p: &Principal,
        metadata: Option<MetadataInput>,
        mut v: Violations,
    ) -> ServiceResult<Prepared> {
        let Some(mut input) = metadata else {
            v.add(
                "metadata",
                FieldReason::Required,
                text!("必填：目录元数据", "required: the entry's metadata"),
            );
            return Err(v.into());
        };
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

    /// The registered name of the provider `code`.
    async fn department_name(&self, code: &CreditCode) -> ServiceResult<String> {
        self.departments.name(code).await?.ok_or_else(|| {
            ServiceError::field(
                "metadata.provider_code",
                FieldReason::NotAllowed,
                text!(
                    "提供方 {code} 未登记为部门",
                    "provider {code} is not a registered department"
                ),
            )
        })
    }

    /// The header of an entry `p` may see; its provider is noted as the owner. One `p` may
    /// not see is answered as one that does not exist.
    async fn header(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
    ) -> ServiceResult<EntryHeader> {
        Ok(self.visible(p, note, code).await?.0)
    }

    /// The header of an entry `p` may see, and what `p` sees of it; its provider is noted as
    /// the owner. One `p` may not see is answered as one that does not exist.
    async fn visible(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
    ) -> ServiceResult<(EntryHeader, EntryView)> {
        let header = stored_entry(self.store.as_ref(), code).await?;
        note.owner(&header.provider_code);
        let view = authz::view_of(p, &header)?;
        Ok((header, view))
    }

    /// The header of an entry `p` may write.
    async fn writable(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
    ) -> ServiceResult<EntryHeader> {
        let header = self.header(p, note, code).await?;
        authz::write_entry(p, &header.provider_code)?;
        Ok(header)
    }

    /// The header of an entry whose history `p` wants to read.
    async fn history(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
    ) -> ServiceResult<EntryHeader> {
        let header = self.header(p, note, code).await?;
        authz::read_all_versions(p, &header.provider_code)?;
        Ok(header)
    }

    /// The entry as seen at `version`.
    async fn entry_at(&self, header: EntryHeader, version: u64) -> ServiceResult<EntryAt> {
        let version = self.versions.get(&header.code, version).await?;
        Ok(EntryAt { header, version })
    }
}

fn new_version(p: &Principal, prepared: &Prepared, note: String) -> NewVersion {
    NewVersion {
        canonical: prepared.canonical.clone(),
        digest: prepared.digest.clone(),
        summary: summary(&prepared.metadata),
        author: p.token_id.clone(),
        created_at: Utc::now(),
        note,
    }
}

/// The entry at the version just stored.
fn fresh(header: EntryHeader, mut record: VersionRecord, prepared: Prepared) -> EntryAt {
    record.canonical = Vec::new();
    EntryAt {
        header,
        version: Arc::new(Version {
            record,
            metadata: prepared.metadata,
        }),
    }
}

/// The header of entry `code`; a code never registered is answered as an entry that does not
/// exist (`authz::no_such_entry`), in the words a hidden one gets.
pub(crate) async fn stored_entry(
    store: &dyn CatalogueStore,
    code: &ResourceCode,
) -> ServiceResult<EntryHeader> {
    store
        .get_entry(code)
        .await?
        .ok_or_else(|| authz::no_such_entry(code))
}
