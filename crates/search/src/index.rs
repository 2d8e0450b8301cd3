//! The index on disk: opening or creating it, adding, replacing and removing documents,
//! committing with the checkpoint of the catalogue events applied, and searching.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::collector::sort_key::SortByString;
use tantivy::columnar::StrColumn;
use tantivy::directory::MmapDirectory;
use tantivy::schema::{Field, Value as _};
use tantivy::store::Compressor;
use tantivy::{
    DocAddress, Index, IndexReader, IndexSettings, IndexWriter, Order, ReloadPolicy, Searcher,
    TantivyDocument, Term,
};

use crate::analyzer;
use crate::document::{SearchDoc, TextField};
use crate::error::{Result, SearchError};
use crate::facets::{FacetCollector, Facets, ProviderNames};
use crate::gate::Gate;
use crate::highlight::{Highlight, Highlighter};
use crate::query::{self, SearchQuery};
use crate::schema::{self, CODE, Fields};

/// Written into every index directory this crate creates, so that a directory is only ever
/// emptied when it is known to hold an index.
const MARKER: &str = "GOVSHARE_SEARCH_INDEX";
/// The version of the schema and of the analysis; an index written with another is rebuilt.
const FORMAT: u32 = 1;
/// The deepest a page may reach (offset + limit): deeper pages cost memory and time, and no
/// reader pages that far; narrowing the query serves better.
pub const MAX_RESULT_WINDOW: usize = 100_000;

/// How the index writes and searches.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Threads that analyse and index documents.
    pub writer_threads: usize,
    /// Memory for documents not yet written into a segment, in bytes, for all threads.
    pub writer_memory_bytes: usize,
    /// Searches that run at once; more wait their turn (0: one per CPU).
    pub concurrent_searches: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            writer_threads: 1,
            writer_memory_bytes: 64 * 1024 * 1024,
            concurrent_searches: 0,
        }
    }
}

/// What the index reflects: every catalogue event up to `seq`. `fingerprint` identifies the
/// event at `seq` (its caller chooses how), so that an index from another catalogue whose
/// sequence happens to be in range is told apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: u64,
    pub fingerprint: String,
}

/// The commit payload.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    format: u32,
    seq: u64,
    fingerprint: String,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub code: String,
    /// Relevance (BM25, weighted by field); 0 when the query has no words.
    pub score: f32,
    /// Matched fields, heaviest first; none when the query has no words.
    pub highlights: Vec<Highlight>,
}

/// One page of results, with the total and the facets of every match.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    pub hits: Vec<Hit>,
    /// Matching documents in all pages.
    pub total: u64,
    pub facets: Facets,
    /// The query's words, for [`SearchPage::highlights`]; none when the query has no words.
    highlighter: Option<Highlighter>,
}

impl SearchPage {
    /// The highlights of `doc` for this page's query, as [`Hit::highlights`] gives them: for a
    /// caller that set [`SearchQuery::caller_highlights`] and has the hits' documents at hand.
    pub fn highlights(&self, doc: &SearchDoc) -> Vec<Highlight> {
        let Some(h) = &self.highlighter else {
            return Vec::new();
        };
        TextField::ALL
            .iter()
            .filter_map(|f| h.highlight(*f, &doc.text(*f)))
            .collect()
    }
}

/// The full-text index of the published catalogue. Writes are serialized; searches run
/// concurrently and see the last commit.
pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    provider_names: ProviderNames,
    gate: Gate,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SearchError + '_ {
    move |source| SearchError::Io {
        path: path.to_owned(),
        source,
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, or creates an empty one there. An index written with another
    /// schema is [`SearchError::Incompatible`].
    pub fn open_or_create(dir: &Path) -> Result<SearchIndex> {
        Self::open_with(dir, &IndexOptions::default())
    }

    /// [`open_or_create`](Self::open_or_create) with `options`.
    pub fn open_with(dir: &Path, options: &IndexOptions) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let marker = dir.join(MARKER);
        if !marker.exists() {
            let empty = std::fs::read_dir(dir)
                .map_err(io_error(dir))?
                .next()
                .is_none();
            if !empty {
                return Err(SearchError::NotAnIndex(dir.to_owned()));
            }
            std::fs::write(&marker, b"govshare search index\n").map_err(io_error(&marker))?;
        }
        analyzer::warm();
        let (schema, fields) = schema::build();
        let directory = MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
        let index = Index::builder()
            .schema(schema)
            .settings(IndexSettings {
                // A hit's stored fields are read by reading its block: small blocks, not
                // compressed (the stored text is a few hundred bytes per entry).
                docstore_blocksize: 4096,
                docstore_compression: Compressor::None,
                ..IndexSettings::default()
            })
            .tokenizers(schema::tokenizers())
            .open_or_create(directory)
            .map_err(|e| match e {
                tantivy::TantivyError::SchemaError(m) => SearchError::Incompatible(m),
                other => SearchError::Index(other),
            })?;
        let writer = index
            .writer_with_num_threads(options.writer_threads.max(1), options.writer_memory_bytes)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => SearchError::Locked(dir.to_owned()),
                other => SearchError::Index(other),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searches = match options.concurrent_searches {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        Ok(SearchIndex {
            dir: dir.to_owned(),
            index,
            fields,
            reader,
            writer: Mutex::new(writer),
            provider_names: ProviderNames::default(),
            gate: Gate::new(searches),
        })
    }

    /// Removes the index in `dir`, if any, and creates an empty one. A directory that holds
    /// anything but an index of this crate is left alone ([`SearchError::NotAnIndex`]).
    pub fn recreate(dir: &Path, options: &IndexOptions) -> Result<SearchIndex> {
        if dir.exists() {
            let ours = dir.join(MARKER).exists()
                || std::fs::read_dir(dir)
                    .map_err(io_error(dir))?
                    .next()
                    .is_none();
            if !ours {
                return Err(SearchError::NotAnIndex(dir.to_owned()));
            }
            std::fs::remove_dir_all(dir).map_err(io_error(dir))?;
        }
        Self::open_with(dir, options)
    }

    /// The directory of the index.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter>> {
        self.writer.lock().map_err(|_| SearchError::WriterPoisoned)
    }

    fn code_term(&self, code: &str) -> Term {
        Term::from_field_text(self.fields.code, code)
    }

    /// Adds `doc`, replacing the document of the same code. Searchable after the next commit.
    pub fn upsert(&self, doc: &SearchDoc) -> Result<()> {
        let writer = self.writer()?;
        writer.delete_term(self.code_term(&doc.code));
        writer.add_document(self.fields.document(doc))?;
        Ok(())
    }

    /// Adds `doc`, known to be absent (the index is new or was cleared): faster than
    /// [`upsert`](Self::upsert) for loading many documents.
    pub fn add(&self, doc: &SearchDoc) -> Result<()> {
        self.writer()?.add_document(self.fields.document(doc))?;
        Ok(())
    }

    /// Removes the document of `code`, if any. Effective after the next commit.
    pub fn remove(&self, code: &str) -> Result<()> {
        self.writer()?.delete_term(self.code_term(code));
        Ok(())
    }

    /// Drops every change since the last commit, including documents still being indexed: for
    /// a rebuild or a batch that failed half-way, before it is tried again.
    pub fn rollback(&self) -> Result<()> {
        self.writer()?.rollback()?;
        Ok(())
    }

    /// Removes every document. Effective after the next commit.
    pub fn clear(&self) -> Result<()> {
        self.writer()?.delete_all_documents()?;
        Ok(())
    }

    /// Makes every change so far durable and searchable, recording `checkpoint`.
    pub fn commit(&self, checkpoint: &Checkpoint) -> Result<()> {
        let payload = serde_json::to_string(&Payload {
            format: FORMAT,
            seq: checkpoint.seq,
            fingerprint: checkpoint.fingerprint.clone(),
        })
        .map_err(|e| SearchError::Incompatible(e.to_string()))?;
        {
            let mut writer = self.writer()?;
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
        }
        self.reader.reload()?;
        self.provider_names.retain(&self.reader.searcher());
        Ok(())
    }

    /// The checkpoint of the last commit; `None` if nothing was committed yet. An index
    /// committed by another format is [`SearchError::Incompatible`].
    pub fn applied(&self) -> Result<Option<Checkpoint>> {
        let Some(payload) = self.index.load_metas()?.payload else {
            return Ok(None);
        };
        let p: Payload = serde_json::from_str(&payload)
            .map_err(|e| SearchError::Incompatible(format!("commit payload {payload:?}: {e}")))?;
        if p.format != FORMAT {
            return Err(SearchError::Incompatible(format!(
                "index format {} (this version writes {FORMAT})",
                p.format
            )));
        }
        Ok(Some(Checkpoint {
            seq: p.seq,
            fingerprint: p.fingerprint,
        }))
    }

    /// The catalogue event sequence of the last commit.
    pub fn applied_seq(&self) -> Result<Option<u64>> {
        Ok(self.applied()?.map(|c| c.seq))
    }

    /// Documents searchable now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Segments searched now (each adds a little to every search; merges reduce them).
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// One page of the documents matching `q`: by relevance (ties in index order: a commit that
    /// re-adds or merges documents may reorder tied hits between two pages); a blank query
    /// lists every document by code, and a query of only words that are never indexed (的,
    /// the, punctuation) matches nothing.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage> {
        let window = q.offset.saturating_add(q.limit);
        if window > MAX_RESULT_WINDOW {
            return Err(SearchError::WindowTooLarge(window));
        }
        let _turn = self.gate.enter();
        let searcher = self.reader.searcher();
        let pieces = analyzer::query_pieces(&q.text);
        let text = query::text_query(&self.fields, &pieces);
        if text.is_none() && !q.text.trim().is_empty() {
            return Ok(SearchPage {
                hits: Vec::new(),
                total: 0,
                facets: Facets::default(),
                highlighter: None,
            });
        }
        let ranked = text.is_some();
        let query = query::with_filters(&self.fields, text, &q.filters);
        let facets = FacetCollector {
            names: &self.provider_names,
        };
        // One pass over the matches: the best hits, their number and the facets.
        let (found, (total, facets)): (Vec<(f32, DocAddress)>, (u64, Facets)) = if ranked {
            let top = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
            searcher.search(&*query, &(top.order_by_score(), facets))?
        } else {
            let top = TopDocs::with_limit(q.limit.max(1))
                .and_offset(q.offset)
                .order_by((SortByString::for_field(CODE), Order::Asc));
            let (docs, counted) = searcher.search(&*query, &(top, facets))?;
            let docs = docs
                .into_iter()
                .map(|(_, address)| (0.0, address))
                .collect();
            (docs, counted)
        };
        // TopDocs needs a limit of one at least; a page of none only wants the counts.
        let found = if q.limit == 0 { Vec::new() } else { found };
        let highlighter = ranked
            .then(|| Highlighter::new(&pieces))
            .filter(|h| !h.is_empty());
        let hits = if q.caller_highlights {
            codes(&searcher, found)?
        } else {
            self.hits(&searcher, highlighter.as_ref(), found)?
        };
        Ok(SearchPage {
            hits,
            total,
            facets,
            highlighter,
        })
    }

    fn hits(
        &self,
        searcher: &Searcher,
        highlighter: Option<&Highlighter>,
        found: Vec<(f32, DocAddress)>,
    ) -> Result<Vec<Hit>> {
        let mut hits = Vec::with_capacity(found.len());
        for (score, address) in found {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str());
            let code = text(self.fields.code).unwrap_or_default().to_owned();
            let highlights = match highlighter {
                Some(h) => TextField::ALL
                    .iter()
                    .filter_map(|f| h.highlight(*f, text(self.fields.text(*f))?))
                    .collect(),
                None => Vec::new(),
            };
            hits.push(Hit {
                code,
                score,
                highlights,
            });
        }
        Ok(hits)
    }
}

/// The hits of `found` with their codes, read from the code column; no highlights.
fn codes(searcher: &Searcher, found: Vec<(f32, DocAddress)>) -> Result<Vec<Hit>> {
    let mut columns: HashMap<u32, StrColumn> = HashMap::new();
    let mut hits = Vec::with_capacity(found.len());
    for (score, address) in found {
        let column = match columns.entry(address.segment_ord) {
            Entry::Occupied(column) => column.into_mut(),
            Entry::Vacant(slot) => {
                let reader = searcher.segment_reader(address.segment_ord);
                let column = reader.fast_fields().str(CODE)?.ok_or_else(|| {
                    SearchError::Incompatible("the index has no code column".into())
                })?;
                slot.insert(column)
            }
        };
        let mut code = String::new();
        if let Some(ord) = column.term_ords(address.doc_id).next() {
            column
                .ord_to_str(ord, &mut code)
                .map_err(|e| SearchError::Index(e.into()))?;
        }
        hits.push(Hit {
            code,
            score,
            highlights: Vec::new(),
        });
    }
    Ok(hits)
}
