//! The chain check. Segments are read and split into frames by a loader thread, one ahead
//! of the check; each segment's seqs are followed in order (consecutive, segments contiguous
//! and named for their first record: cheap and sequential), then its links and decoding are
//! checked in parallel (`links.rs`), the earliest problem winning.
//!
//! What this proves: the records are exactly those that hash to the head. Offline, the log is
//! also held against its durable mark (`durable.rs`): a log that ends before the last record
//! acknowledged as durable was cut (a record cut in the middle is damage there, not a crash's
//! torn tail), and that record must be the one acknowledged. Someone able to write the files
//! can still rewrite a record and recompute every later hash and the mark (there is no
//! secret in the chain); that is only detected by comparing the head hash with a copy kept
//! elsewhere (the server reports it for that purpose).

use std::path::Path;
use std::sync::mpsc;

use crate::durable::{self, Mark};
use crate::error::{AuditError, IoContext};
use crate::links::{LinkProblem, Loaded, Spec, Tail};
use crate::record::GENESIS;
use crate::segment;
use crate::writer::AccessLog;

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// No problem was found.
    pub ok: bool,
    pub records_checked: u64,
    /// The last good record checked (0 and [`GENESIS`] if none; the record before `from_seq`
    /// when nothing after it was checked).
    pub head_seq: u64,
    pub head_hash: [u8; 32],
    /// The first seq at which something is wrong.
    pub first_bad_seq: Option<u64>,
    /// What is wrong, in words.
    pub problem: Option<String>,
    /// Bytes of an incomplete final frame in the last segment, left by a crash during an
    /// unacknowledged append, and of the zeros reserved ahead of the writer: not a failure
    /// (the log truncates them when it next opens). A cut into acknowledged records is a
    /// failure instead, and counts no bytes here.
    pub torn_tail_bytes: u64,
}

/// Verifies the log in `dir`, offline (a stopped server's directory; read-only, no lock),
/// from `from_seq` (default 1; its predecessor's stored hash is taken as given) to `to_seq`
/// (inclusive, default the end).
pub fn verify_dir(
    dir: &Path,
    from_seq: Option<u64>,
    to_seq: Option<u64>,
) -> Result<Verification, AuditError> {
    let mark = match durable::read(dir) {
        Ok(mark) => mark,
        Err(e) => {
            return Ok(Verification {
                ok: false,
                records_checked: 0,
                head_seq: 0,
                head_hash: GENESIS,
                first_bad_seq: None,
                problem: Some(e.to_string()),
                torn_tail_bytes: 0,
            });
        }
    };
    let mut specs = Vec::new();
    for file in segment::list(dir)? {
        let len = std::fs::metadata(&file.path).at(&file.path)?.len();
        specs.push(Spec {
            first_seq: file.first_seq,
            path: file.path,
            len,
        });
    }
    verify(&specs, from_seq, to_seq, true, mark)
}

impl AccessLog {
    /// Verifies the committed records of this running log, like [`verify_dir`]. Blocking.
    pub fn verify(
        &self,
        from_seq: Option<u64>,
        to_seq: Option<u64>,
    ) -> Result<Verification, AuditError> {
        let specs: Vec<Spec> = (self.shared().read().segments.iter())
            .map(|s| Spec {
                first_seq: s.first_seq,
                path: s.path.clone(),
                len: s.committed_len(),
            })
            .collect();
        // Only committed bytes are read: a cut shows as a segment ending inside a frame.
        verify(&specs, from_seq, to_seq, false, None)
    }
}

/// The state of a walk along the chain.
struct Walk {
    v: Verification,
    /// The seq the next frame must have.
    expected: u64,
    /// The durable mark (offline only), and the stored hash of its record once walked past.
    mark: Option<Mark>,
    marked_hash: Option<[u8; 32]>,
}

/// Verifies `specs`; `mark`, the durable mark, is given offline only (a running log reads
/// committed bytes alone, so a torn tail there is already a cut).
fn verify(
    specs: &[Spec],
    from: Option<u64>,
    to: Option<u64>,
    offline: bool,
    mark: Option<Mark>,
) -> Result<Verification, AuditError> {
    let from = from.unwrap_or(1).max(1);
    let to = to.unwrap_or(u64::MAX);
    if from > to {
        return Err(AuditError::Range(format!("from {from} is after to {to}")));
    }
    let mut walk = Walk {
        v: Verification {
            ok: true,
            records_checked: 0,
            head_seq: 0,
            head_hash: GENESIS,
            first_bad_seq: None,
            problem: None,
            torn_tail_bytes: 0,
        },
        expected: 1,
        mark,
        marked_hash: None,
    };
    if specs.is_empty() {
        walk.check_mark(to);
        return match from {
            1 => Ok(walk.v),
            _ => Err(AuditError::Range(format!(
                "the log is empty: there is no record {from}"
            ))),
        };
    }
    // The segment holding the record before `from`: the last one named for an earlier
    // record, passing over empty files (which hold no record, whatever their name says).
    let start = match from {
        1 => 0,
        _ => (specs.iter())
            .rposition(|s| s.first_seq < from && s.len > 0)
            .unwrap_or(0),
    };
    std::thread::scope(|scope| {
        // The loader reads the next segment while this one is checked.
        let (loaded_tx, loaded_rx) = mpsc::sync_channel(1);
        let (spare_tx, spare_rx) = mpsc::channel::<Loaded>();
        scope.spawn(move || {
            for spec in &specs[start..] {
                let mut seg = spare_rx.try_recv().unwrap_or_default();
                let result = seg.load(spec).map(|()| seg);
                if loaded_tx.send(result).is_err() {
                    return;
                }
            }
        });
        for (i, seg) in (start..).zip(loaded_rx) {
            let mut seg = seg?;
            let spec = &specs[i];
            let last = i == specs.len() - 1;
            let mut first = 0;
            if i == start && from > 1 {
                let no_more_bytes = specs[i + 1..].iter().all(|s| s.len == 0);
                match walk.predecessor(spec, &seg, from - 1, no_more_bytes)? {
                    Some(j) => first = j + 1,
                    None => break,
                }
            }
            if offline && last {
                seg.drop_torn_last(first, &walk.v.head_hash);
            }
            if walk.segment(spec, &seg, first, to, offline && last, last) {
                break;
            }
            // The loader may have finished.
            let _ = spare_tx.send(seg);
        }
        walk.check_mark(to);
        Ok(walk.v)
    })
}

impl Walk {
    /// Finds record `p`, the one before the first to check, in the first segment, and
    /// takes its stored hash as given. `None` if it is missing (a problem, reported); a range
    /// error if it would come after the end of the log (`last`: no later segment has bytes).
    fn predecessor(
        &mut self,
        spec: &Spec,
        seg: &Loaded,
        p: u64,
        last: bool,
    ) -> Result<Option<usize>, AuditError> {
        let guess = usize::try_from(p - spec.first_seq.min(p)).ok();
        let found = match guess.filter(|&g| g < seg.frames.len()) {
            Some(g) if seg.seq(g) == Ok(p) => Some(g),
            _ => (0..seg.frames.len()).find(|&j| seg.seq(j) == Ok(p)),
        };
        let Some(j) = found else {
            let last_seq = seg
                .frames
                .len()
                .checked_sub(1)
                .and_then(|j| seg.seq(j).ok());
            if last && last_seq.is_none_or(|s| s < p) {
                return Err(AuditError::Range(format!(
                    "the log ends before record {}",
                    p + 1
                )));
            }
            self.fail(
                p,
                format!("record {p}, the one before the first to check, is missing"),
            );
            return Ok(None);
        };
        self.v.head_seq = p;
        self.v.head_hash = *seg.hash(j);
        self.expected = p + 1;
        Ok(Some(j))
    }

    /// Checks segment `seg` from frame `first`; returns whether the walk is over (a problem
    /// found, or `to` reached).
    fn segment(
        &mut self,
        spec: &Spec,
        seg: &Loaded,
        first: usize,
        to: u64,
        tail_allowed: bool,
        empty_allowed: bool,
    ) -> bool {
        let name = segment::file_name(spec.first_seq);
        let base = self.expected;
        let mut problem = None;
        let mut reached_to = false;
        let mut pos = first;
        while pos < seg.frames.len() {
            let expected = self.expected;
            match seg.seq(pos) {
                Err(e) => {
                    problem = Some((
                        expected,
                        format!("record {expected} cannot be decoded: {e}"),
                    ));
                }
                Ok(found) if found != expected => {
                    problem = Some((expected, order_problem(seg, expected, found, pos)));
                }
                Ok(_) if pos == 0 && spec.first_seq != expected => {
                    problem = Some((expected, misnamed(spec, expected)));
                }
                Ok(_) => {}
            }
            if problem.is_some() {
                break;
            }
            self.expected += 1;
            pos += 1;
            if expected >= to {
                reached_to = true;
                break;
            }
        }
        if problem.is_none() && !reached_to {
            let expected = self.expected;
            match seg.tail {
                Tail::Clean if seg.frames.is_empty() && !empty_allowed => {
                    problem = Some((expected, format!("segment {name} is empty")));
                }
                // An empty last segment (a crash right after starting it) is named for the
                // record that would have come first in it.
                _ if seg.frames.is_empty() && spec.first_seq != expected => {
                    problem = Some((expected, misnamed(spec, expected)));
                }
                Tail::Clean => {}
                Tail::Torn(bytes) if tail_allowed => self.v.torn_tail_bytes = bytes,
                Tail::Torn(_) => {
                    problem = Some((
                        expected,
                        format!(
                            "record {expected} is cut short: segment {name} ends inside its frame"
                        ),
                    ));
                }
                Tail::BadLength(len) => {
                    problem = Some((
                        expected,
                        format!(
                            "record {expected}: segment {name} holds an impossible frame length {len}"
                        ),
                    ));
                }
            }
        }
        if let Some((bad, link)) = seg.check_links(first..pos, &self.v.head_hash) {
            let seq = base + (bad - first) as u64;
            let words = match link {
                LinkProblem::Decode(e) => format!("record {seq} cannot be decoded: {e}"),
                LinkProblem::Hash => {
                    format!("record {seq}: hash does not match its content or its predecessor")
                }
            };
            problem = Some((seq, words));
            pos = bad;
        }
        let good = pos - first;
        if let Some(mark) = &self.mark
            && (base..base + good as u64).contains(&mark.seq)
        {
            self.marked_hash = Some(*seg.hash(first + (mark.seq - base) as usize));
        }
        self.v.records_checked += good as u64;
        if good > 0 {
            self.v.head_seq = base + good as u64 - 1;
            self.v.head_hash = *seg.hash(pos - 1);
        }
        self.expected = base + good as u64;
        if let Some((seq, words)) = problem {
            self.fail(seq, words);
            return true;
        }
        reached_to
    }

    /// After a walk that found nothing wrong up to `to`: fails it if the log ends before the
    /// durable mark's record, or that record is not the one acknowledged.
    fn check_mark(&mut self, to: u64) {
        let Some(mark) = self.mark else { return };
        if !self.v.ok || to < mark.seq {
            return;
        }
        let head = self.v.head_seq;
        if head < mark.seq {
            let torn = std::mem::take(&mut self.v.torn_tail_bytes);
            let how = match torn {
                0 => format!("the log ends at record {head}"),
                bytes => format!(
                    "record {} is cut short ({bytes} bytes of it remain)",
                    head + 1
                ),
            };
            let missing = match mark.seq - head {
                1 => format!("record {}", mark.seq),
                _ => format!("records {}–{}", head + 1, mark.seq),
            };
            self.fail(
                head + 1,
                format!(
                    "{how}, but {missing} had been acknowledged as durable: the log was cut \
                     (damage or tampering, not a crash)"
                ),
            );
        } else if self.marked_hash.is_some_and(|h| h != mark.hash) {
            self.fail(
                mark.seq,
                format!(
                    "record {}: its hash differs from the one acknowledged as durable",
                    mark.seq
                ),
            );
        }
    }

    fn fail(&mut self, seq: u64, problem: String) {
        self.v.ok = false;
        self.v.first_bad_seq = Some(seq);
        self.v.problem = Some(problem);
    }
}

/// Words for segment `spec` starting with record `expected` (or, empty, waiting for it)
/// under the name of another.
fn misnamed(spec: &Spec, expected: u64) -> String {
    format!(
        "segment {} is named for record {}, but its first record is {expected}",
        segment::file_name(spec.first_seq),
        spec.first_seq
    )
}

/// Words for finding record `found` at frame `pos` of `seg`, where `expected` belongs.
fn order_problem(seg: &Loaded, expected: u64, found: u64, pos: usize) -> String {
    if found < expected {
        format!("record {found} is out of order: it stands where record {expected} belongs")
    } else if (pos + 1..seg.frames.len()).any(|j| seg.seq(j) == Ok(expected)) {
        format!("record {expected} is out of order")
    } else {
        format!("record {expected} is missing: the next record is {found}")
    }
}
