//! The catalogue writes and reads the comparisons measure (`etcd/`, `postgres/`): durable
//! RegisterEntry, durable UpdateEntry of one draft per worker, and GetEntry of the entries
//! registered before, each worker reading its own. The workers are spread over one or more
//! connections: worker `w` calls over connection `w % n`.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::{Catalog, Measurement, drive, registration};
use govshare_proto::{GetEntryRequest, ResourceMetadata, UpdateEntryRequest};

/// Who calls, how many at once and for how long.
#[derive(Clone)]
pub struct Load {
    /// A cataloguer's clients, one per connection; worker `w` uses `clients[w % len]`.
    pub clients: Arc<[Catalog]>,
    /// The metadata every registration sends.
    pub metadata: ResourceMetadata,
    pub concurrency: usize,
    pub warmup: Duration,
    pub measure: Duration,
}

impl std::fmt::Debug for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The clients hold the bearer token.
        f.debug_struct("Load")
            .field("connections", &self.clients.len())
            .field("concurrency", &self.concurrency)
            .field("warmup", &self.warmup)
            .field("measure", &self.measure)
            .finish_non_exhaustive()
    }
}

impl Load {
    /// The client of `worker`.
    fn client(&self, worker: usize) -> Catalog {
        self.clients[worker % self.clients.len().max(1)].clone()
    }
}

/// The codes each worker registered.
pub type Codes = Arc<Vec<Vec<String>>>;

/// Durable RegisterEntry; returns the codes each worker registered.
pub async fn register(load: &Load) -> (Measurement, Codes) {
    let codes: Arc<Vec<Mutex<Vec<String>>>> =
        Arc::new((0..load.concurrency).map(|_| Mutex::default()).collect());
    let (l, all) = (load.clone(), codes.clone());
    let m = drive(
        "RegisterEntry (durable)",
        load.concurrency,
        load.warmup,
        load.measure,
        move |worker, _| {
            let mut c = l.client(worker);
            let request = registration(&l.metadata, worker);
            let codes = all.clone();
            async move {
                let Ok(reply) = c.register_entry(request).await else {
                    return false;
                };
                codes[worker]
                    .lock()
                    .map(|mut c| c.push(reply.into_inner().code))
                    .is_ok()
            }
        },
    )
    .await;
    let codes = codes
        .iter()
        .map(|c| c.lock().map(|c| c.clone()).unwrap_or_default())
        .collect();
    (m, Arc::new(codes))
}

/// One draft per worker, with its head version: what [`update`] updates.
pub type Drafts = Arc<Vec<(String, AtomicU64)>>;

/// Registers one draft per worker, for [`update`].
pub async fn drafts(load: &Load) -> anyhow::Result<Drafts> {
    let mut drafts = Vec::with_capacity(load.concurrency);
    for worker in 0..load.concurrency {
        let entry = load
            .client(worker)
            .register_entry(registration(&load.metadata, worker))
            .await?
            .into_inner();
        drafts.push((entry.code, AtomicU64::new(entry.head_version)));
    }
    Ok(Arc::new(drafts))
}

/// Durable UpdateEntry: each worker updates its own draft, `expected_version` its head.
pub async fn update(load: &Load, drafts: Drafts) -> Measurement {
    let l = load.clone();
    drive(
        "UpdateEntry (durable)",
        load.concurrency,
        load.warmup,
        load.measure,
        move |worker, _| {
            let mut c = l.client(worker);
            let metadata = registration(&l.metadata, worker).metadata;
            let drafts = drafts.clone();
            async move {
                let (code, head) = &drafts[worker];
                let request = UpdateEntryRequest {
                    code: code.clone(),
                    expected_version: head.load(Ordering::Relaxed),
                    metadata,
                    note: String::new(),
                };
                let Ok(reply) = c.update_entry(request).await else {
                    return false;
                };
                head.store(reply.into_inner().head_version, Ordering::Relaxed);
                true
            }
        },
    )
    .await
}

/// GetEntry of registered entries, each worker cycling through its own (the provider reads
/// the head version of its drafts).
pub async fn get(load: &Load, codes: Codes) -> Measurement {
    let l = load.clone();
    drive(
        "GetEntry",
        load.concurrency,
        load.warmup,
        load.measure,
        move |worker, n| {
            let mut c = l.client(worker);
            let own = &codes[worker];
            let code = own
                .get(n as usize % own.len().max(1))
                .cloned()
                .unwrap_or_default();
            async move {
                c.get_entry(GetEntryRequest { code, version: 0 })
                    .await
                    .is_ok()
            }
        },
    )
    .await
}

/// The encoded size of GetEntry's reply for the first entry registered: what the floor of a
/// read is measured with.
pub async fn reply_bytes(load: &Load, codes: &Codes) -> anyhow::Result<usize> {
    use prost::Message as _;
    let code = codes
        .iter()
        .find_map(|own| own.first())
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no entry was registered to read"))?;
    let entry = load
        .client(0)
        .get_entry(GetEntryRequest { code, version: 0 })
        .await?
        .into_inner();
    Ok(entry.encoded_len())
}
