//! Random sequences of entry operations, checked against `govshare_store::lifecycle` applied
//! to a header kept in memory: the store must agree on every outcome, header and event.

use chrono::Utc;
use govshare_model::{ShareType, UpdateCycle};
use govshare_store::{EntryHeader, StoreError, lifecycle};

use super::fixtures::{APPROVER, CATALOGUER, DynStore, Shape, credit, entry, register, revision};

/// splitmix64: reproducible without a dependency; the failing seed is in the message.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Debug, Clone)]
enum Op {
    Update { expected: u64, shape: usize },
    Submit { expected: u64 },
    RequestRevocation,
    Review { version: u64, approve: bool },
}

fn shapes() -> [Shape; 3] {
    [
        Shape::sample(),
        Shape::new(
            "人口基础信息（开放）",
            ShareType::Unconditional,
            UpdateCycle::Weekly,
        ),
        Shape::new(
            "人口基础信息（限制）",
            ShareType::NotShared,
            UpdateCycle::Yearly,
        ),
    ]
}

/// Mostly plausible operations, some with stale or wrong versions.
fn pick(rng: &mut Rng, h: &EntryHeader) -> Op {
    let version = |rng: &mut Rng| match rng.below(4) {
        0 => h.head_version.saturating_sub(1),
        1 => h.published_version.unwrap_or(h.head_version),
        _ => h.head_version,
    };
    match rng.below(4) {
        0 => Op::Update {
            expected: version(rng),
            shape: rng.below(3) as usize,
        },
        1 => Op::Submit {
            expected: version(rng),
        },
        2 => Op::RequestRevocation,
        _ => Op::Review {
            version: version(rng),
            approve: rng.below(2) == 0,
        },
    }
}

fn same_error(a: &StoreError, b: &StoreError) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

pub async fn random_operations_follow_the_lifecycle_rules(store: DynStore) {
    const ENTRIES: u64 = 24;
    const OPS: usize = 30;
    let shapes = shapes();
    let mut applied = 0;
    for seed in 0..ENTRIES {
        let mut rng = Rng(seed);
        let mut model = register(&store, "101001", &credit(1)).await;
        let mut seen_seq = store
            .catalog_events(0, 100_000)
            .await
            .expect("catalog_events")
            .last()
            .expect("the registration's event")
            .seq;
        let mut trail = Vec::new();
        for _ in 0..OPS {
            let op = pick(&mut rng, &model);
            trail.push(op.clone());
            let at = Utc::now();
            let code = model.code.clone();
            let (expected, actual) = match &op {
                Op::Update { expected, shape } => {
                    let new = revision(&model, model.head_version + 1, &shapes[*shape]);
                    (
                        lifecycle::update(&model, *expected, new.summary.clone(), new.created_at),
                        store
                            .update_entry(&code, *expected, new)
                            .await
                            .map(|(h, _)| h),
                    )
                }
                Op::Submit { expected } => (
                    lifecycle::submit(&model, *expected, at),
                    store.submit_entry(&code, *expected, CATALOGUER, at).await,
                ),
                Op::RequestRevocation => (
                    lifecycle::request_revocation(&model, "职能调整", at),
                    store
                        .request_revocation(&code, "职能调整", CATALOGUER, at)
                        .await,
                ),
                Op::Review { version, approve } => (
                    lifecycle::review(&model, *version, *approve, "审核意见", at),
                    store
                        .review_entry(&code, *version, *approve, "审核意见", APPROVER, at)
                        .await,
                ),
            };
            let context = format!("seed {seed}, operations {trail:?}");
            let events = store
                .catalog_events(seen_seq, 10)
                .await
                .expect("catalog_events");
            match (expected, actual) {
                (Ok(transition), Ok(header)) => {
                    let (next, kind) = (transition.header, transition.kind);
                    assert_eq!(header, next, "{context}");
                    let [event] = events.as_slice() else {
                        panic!("one event per change, got {events:?}: {context}");
                    };
                    assert_eq!((&event.code, event.kind), (&code, kind), "{context}");
                    assert_eq!(event.version, transition.version, "{context}");
                    seen_seq = event.seq;
                    model = next;
                    applied += 1;
                }
                (Err(want), Err(got)) => {
                    assert!(
                        same_error(&want, &got),
                        "want {want:?}, got {got:?}: {context}"
                    );
                    assert!(
                        events.is_empty(),
                        "no event for a refused change: {context}"
                    );
                }
                (want, got) => panic!("want {want:?}, got {got:?}: {context}"),
            }
            assert_eq!(entry(&store, &code).await, model, "{context}");
            let versions = store
                .list_versions(&code, 0, 1000)
                .await
                .expect("list_versions");
            let numbers: Vec<u64> = versions.iter().map(|v| v.version).collect();
            assert_eq!(
                numbers,
                (1..=model.head_version).collect::<Vec<_>>(),
                "one version per accepted edit: {context}"
            );
        }
    }
    assert!(applied > 100, "the operations mostly apply: {applied}");
}
