//! SearchEntries: full-text search of the published catalogue for any signed-in caller, with
//! the ListEntries filters, facet counts over every match and highlighted fragments. Hits are
//! the entries' published versions, as GetEntry shows them to everyone.

use std::sync::Arc;

use govshare_model::{
    Category, FieldReason, ResourceCode, ShareType, Text, UpdateCycle, Violations, text,
};
use govshare_search::{Facets, Filters, MAX_RESULT_WINDOW, SearchDoc, SearchError, SearchQuery};
use prost::Message as _;
use tonic::Request;

use crate::auth::principal;
use crate::error::{Reason, ServiceError, ServiceResult};
use crate::observe::note;
use crate::proto::{
    Facet, FacetCount, Highlight, SearchEntriesRequest, SearchEntriesResponse, SearchHit,
};
use crate::request::{self as field, check};
use govshare_service::authz;

use crate::{AppState, convert};

/// The longest query, in characters.
const QUERY_MAX: usize = 200;
/// Providers listed in the provider facet, most matches first.
const PROVIDER_FACET_MAX: usize = 100;

/// What a failure of the search index means to the caller.
fn search_error(e: SearchError) -> ServiceError {
    match e {
        SearchError::WindowTooLarge(_) => ServiceError::field(
            "page_token",
            FieldReason::OutOfRange,
            Text::from_fused(&e.to_string()),
        ),
        SearchError::Index(_)
        | SearchError::Io { .. }
        | SearchError::NotAnIndex(_)
        | SearchError::Incompatible(_)
        | SearchError::Locked(_)
        | SearchError::WriterPoisoned => {
            // The details (paths, the index's own errors) are for the operator's log.
            tracing::error!(error = %e, "search failed");
            ServiceError::new(
                Reason::SearchUnavailable,
                text!(
                    "全文检索暂不可用，请稍后重试",
                    "search is unavailable; try again later"
                ),
            )
        }
    }
}

/// The offset a page token continues at; 0 for the first page.
fn page_offset(token: &str, v: &mut Violations) -> usize {
    let Some(text) = field::decode_page_token(token, v) else {
        return 0;
    };
    match text.parse::<usize>() {
        Ok(offset) if offset < MAX_RESULT_WINDOW => offset,
        _ => {
            v.add(
                "page_token",
                FieldReason::InvalidFormat,
                text!(
                    "分页令牌无效，请使用上一页返回的 next_page_token",
                    "page_token is not one this service issued"
                ),
            );
            0
        }
    }
}

/// SearchEntries.
pub(crate) async fn search_entries(
    state: &Arc<AppState>,
    request: Request<SearchEntriesRequest>,
) -> ServiceResult<SearchEntriesResponse> {
    let p = principal(&request)?;
    let note = note(&request);
    authz::read_directory(&p)?;
    let SearchEntriesRequest {
        query,
        provider_code,
        category,
        share_type,
        update_cycle,
        page_size,
        page_token,
    } = request.into_inner();
    note.target(&query);
    let mut v = Violations::default();
    field::optional_text("query", &query, QUERY_MAX, &mut v);
    let provider_code = if provider_code.is_empty() {
        None
    } else {
        field::credit_code("provider_code", &provider_code, &mut v)
    };
    let filters = Filters {
        provider_code: provider_code.map(|c| c.to_string()),
        category: field::enum_filter("category", category, Category::from_code, &mut v),
        share_type: field::enum_filter("share_type", share_type, ShareType::from_code, &mut v),
        update_cycle: field::enum_filter(
            "update_cycle",
            update_cycle,
            UpdateCycle::from_code,
            &mut v,
        ),
    };
    let limit = field::page_size(page_size, &state.config.api, &mut v);
    let offset = page_offset(&page_token, &mut v);
    check(v)?;
    let index = state.search.clone();
    let search = SearchQuery {
        text: query,
        filters,
        offset,
        limit: limit.min(MAX_RESULT_WINDOW - offset),
        // Highlighted below from the published versions read for the hits.
        caller_highlights: true,
    };
    let page = tokio::task::spawn_blocking(move || index.search(&search))
        .await
        .map_err(|e| ServiceError::internal(format_args!("search task failed: {e}")))?
        .map_err(search_error)?;
    note.detail(format!("{} hits", page.total));
    let mut reached = offset + page.hits.len();
    let mut hits = Vec::with_capacity(page.hits.len());
    let mut bytes = field::PageBytes::new(&state.config.api);
    for (i, hit) in page.hits.iter().enumerate() {
        // The index may lag the store by a moment: an entry revoked since is left out, and an
        // entry's words are marked in its published version as the store has it now.
        let Ok(code) = ResourceCode::parse(&hit.code) else {
            continue;
        };
        let Some(header) = state.store.get_entry(&code).await? else {
            continue;
        };
        let Some(version) = authz::public_version(&header) else {
            continue;
        };
        let cached = state.versions.get(&code, version).await?;
        let highlights = page.highlights(&SearchDoc::from_metadata(&code, &cached.metadata));
        let hit = SearchHit {
            entry: Some(convert::entry(&header, &cached.record, &cached.metadata)),
            score: hit.score,
            highlights: highlights
                .into_iter()
                .map(|h| Highlight {
                    field: h.field.name().to_owned(),
                    fragment: h.fragment,
                })
                .collect(),
        };
        if !bytes.admits(hit.encoded_len()) {
            // The page is full: the next one starts at this hit.
            reached = offset + i;
            break;
        }
        hits.push(hit);
    }
    let next_page_token =
        if !page.hits.is_empty() && (reached as u64) < page.total && reached < MAX_RESULT_WINDOW {
            field::encode_page_token(&reached.to_string())
        } else {
            String::new()
        };
    Ok(SearchEntriesResponse {
        hits,
        total: page.total,
        facets: facets(page.facets),
        next_page_token,
    })
}

fn enum_facet<T: Copy>(
    field: &str,
    counts: &[(T, u64)],
    name: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Facet {
    Facet {
        field: field.to_owned(),
        counts: counts
            .iter()
            .map(|(value, count)| FacetCount {
                value: name(*value).to_owned(),
                label: label(*value).to_owned(),
                count: *count,
            })
            .collect(),
    }
}

/// The facets with their labels: 中文 for the coded values, the provider's name (as its
/// entries give it) for providers.
fn facets(f: Facets) -> Vec<Facet> {
    let Facets {
        category,
        share_type,
        update_cycle,
        provider,
    } = f;
    vec![
        enum_facet("category", &category, Category::name, Category::label_zh),
        enum_facet(
            "share_type",
            &share_type,
            ShareType::name,
            ShareType::label_zh,
        ),
        Facet {
            field: "provider".to_owned(),
            counts: provider
                .into_iter()
                .take(PROVIDER_FACET_MAX)
                .map(|p| FacetCount {
                    value: p.code,
                    label: p.name,
                    count: p.count,
                })
                .collect(),
        },
        enum_facet(
            "update_cycle",
            &update_cycle,
            UpdateCycle::name,
            UpdateCycle::label_zh,
        ),
    ]
}
