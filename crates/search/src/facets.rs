//! Facet counts over every matching document. Category, share type and update cycle are packed
//! into one fast-field column ([`facet_key`]) and the provider (code and name) is a term
//! ordinal of another, so
//! counting a document is two column reads, done in batches, into plain arrays; names are
//! resolved once per segment at the end.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use govshare_model::{Category, ShareType, UpdateCycle};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use crate::schema::{FACET_KEY, PROVIDER, PROVIDER_SEPARATOR, enum_value};

/// How many matching documents have each value of the facet fields. Each list is ordered by
/// count, most first, then by value; values no match has are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub category: Vec<(Category, u64)>,
    pub share_type: Vec<(ShareType, u64)>,
    pub update_cycle: Vec<(UpdateCycle, u64)>,
    pub provider: Vec<ProviderCount>,
}

/// How many matching documents one provider has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProviderCount {
    /// The credit code.
    pub code: String,
    /// The name the entries give (信息资源提供方).
    pub name: String,
    pub count: u64,
}

/// Bits of each enum in a facet key: the guideline has 3 categories, 3 share types and 8
/// update cycles, so every code fits.
const BITS: u32 = 4;
const MASK: u64 = (1 << BITS) - 1;
/// Facet keys are below this: the category takes 2 bits, the others 4.
const KEYS: usize = 1 << (2 + 2 * BITS);
/// Documents read from the columns at a time.
const BATCH: usize = 64;

/// The facet key of a document: category (2 bits), share type and update cycle (4 bits each).
pub(crate) fn facet_key(category: Category, share_type: ShareType, cycle: UpdateCycle) -> u64 {
    (enum_value(category.code()) & 0b11) << (2 * BITS)
        | (enum_value(share_type.code()) & MASK) << BITS
        | (enum_value(cycle.code()) & MASK)
}

/// Counts of one segment.
#[derive(Debug)]
pub(crate) struct Counts {
    total: u64,
    keys: Vec<u64>,
    /// The segment's providers ("code␟name") by ordinal, and their counts.
    provider_names: Arc<Vec<String>>,
    provider_counts: Vec<u64>,
}

/// The providers of each segment by ordinal, read once per segment (segments never change).
#[derive(Debug, Default)]
pub(crate) struct ProviderNames(Mutex<HashMap<SegmentId, Arc<Vec<String>>>>);

impl ProviderNames {
    fn of(&self, reader: &SegmentReader, column: Option<&StrColumn>) -> Arc<Vec<String>> {
        let id = reader.segment_id();
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(names) = cache.get(&id) {
            return names.clone();
        }
        let mut names = Vec::new();
        if let Some(column) = column
            && let Ok(mut terms) = column.dictionary().stream()
        {
            while terms.advance() {
                names.push(String::from_utf8_lossy(terms.key()).into_owned());
            }
        }
        let names = Arc::new(names);
        cache.insert(id, names.clone());
        names
    }

    /// Forgets the segments `searcher` no longer has.
    pub fn retain(&self, searcher: &Searcher) {
        let live: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(SegmentReader::segment_id)
            .collect();
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|id, _| live.contains(id));
    }
}

/// Collects the number of matching documents and their [`Facets`].
#[derive(Debug)]
pub(crate) struct FacetCollector<'a> {
    pub names: &'a ProviderNames,
}

pub(crate) struct FacetSegmentCollector {
    keys: Column<u64>,
    providers: Option<StrColumn>,
    provider_names: Arc<Vec<String>>,
    total: u64,
    key_counts: Vec<u64>,
    /// By provider term ordinal of this segment.
    provider_counts: Vec<u64>,
    pending: Vec<DocId>,
    values: Vec<Option<u64>>,
}

impl Collector for FacetCollector<'_> {
    type Fruit = (u64, Facets);
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        let fast = reader.fast_fields();
        let providers = fast.str(PROVIDER)?;
        let provider_names = self.names.of(reader, providers.as_ref());
        Ok(FacetSegmentCollector {
            keys: fast.u64(FACET_KEY)?,
            provider_counts: vec![0; provider_names.len()],
            provider_names,
            providers,
            total: 0,
            key_counts: vec![0; KEYS],
            pending: Vec::with_capacity(BATCH),
            values: vec![None; BATCH],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Counts>) -> tantivy::Result<(u64, Facets)> {
        let mut total = 0;
        let mut keys = vec![0u64; KEYS];
        let mut providers: HashMap<&str, u64> = HashMap::new();
        for s in &segments {
            total += s.total;
            for (all, n) in keys.iter_mut().zip(&s.keys) {
                *all += n;
            }
            for (name, n) in s.provider_names.iter().zip(&s.provider_counts) {
                if *n > 0 {
                    *providers.entry(name.as_str()).or_default() += n;
                }
            }
        }
        let mut category = [0u64; 1 << BITS];
        let mut share_type = [0u64; 1 << BITS];
        let mut update_cycle = [0u64; 1 << BITS];
        for (key, n) in keys.iter().enumerate().filter(|(_, n)| **n > 0) {
            category[(key >> (2 * BITS)) & MASK as usize] += n;
            share_type[(key >> BITS) & MASK as usize] += n;
            update_cycle[key & MASK as usize] += n;
        }
        let facets = Facets {
            category: ranked(enum_counts(&category, Category::from_code)),
            share_type: ranked(enum_counts(&share_type, ShareType::from_code)),
            update_cycle: ranked(enum_counts(&update_cycle, UpdateCycle::from_code)),
            provider: providers_ranked(providers),
        };
        Ok((total, facets))
    }
}

fn enum_counts<T>(slots: &[u64], from_code: fn(i32) -> Option<T>) -> Vec<(T, u64)> {
    slots
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .filter_map(|(code, n)| Some((from_code(i32::try_from(code).ok()?)?, *n)))
        .collect()
}

fn providers_ranked(counts: HashMap<&str, u64>) -> Vec<ProviderCount> {
    let mut providers: Vec<ProviderCount> = counts
        .into_iter()
        .map(|(key, count)| {
            let (code, name) = key.split_once(PROVIDER_SEPARATOR).unwrap_or((key, ""));
            ProviderCount {
                code: code.to_owned(),
                name: name.to_owned(),
                count,
            }
        })
        .collect();
    providers.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.cmp(b)));
    providers
}

fn ranked<T: Ord>(mut counts: Vec<(T, u64)>) -> Vec<(T, u64)> {
    counts.sort_by(|(a, n), (b, m)| m.cmp(n).then_with(|| a.cmp(b)));
    counts
}

impl FacetSegmentCollector {
    /// Counts `docs` (at most [`BATCH`]) with one batched read per column.
    fn count(&mut self, docs: &[DocId]) {
        self.total += docs.len() as u64;
        let values = &mut self.values[..docs.len()];
        values.fill(None);
        self.keys.first_vals(docs, values);
        for key in values.iter().flatten() {
            if let Some(slot) = usize::try_from(*key)
                .ok()
                .and_then(|k| self.key_counts.get_mut(k))
            {
                *slot += 1;
            }
        }
        if let Some(providers) = &self.providers {
            values.fill(None);
            providers.ords().first_vals(docs, values);
            for ord in values.iter().flatten() {
                if let Some(slot) = usize::try_from(*ord)
                    .ok()
                    .and_then(|o| self.provider_counts.get_mut(o))
                {
                    *slot += 1;
                }
            }
        }
    }

    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        self.count(&pending);
        self.pending = pending;
        self.pending.clear();
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.pending.push(doc);
        if self.pending.len() == BATCH {
            self.flush();
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for chunk in docs.chunks(BATCH) {
            self.count(chunk);
        }
    }

    fn harvest(mut self) -> Counts {
        self.flush();
        Counts {
            total: self.total,
            keys: self.key_counts,
            provider_names: self.provider_names,
            provider_counts: self.provider_counts,
        }
    }
}
