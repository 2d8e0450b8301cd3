//! One stored record, a frame: `u32 LE payload length`, the payload (the record's canonical
//! bytes), then its 32-byte chain hash. What may start at a frame boundary: a whole frame, a
//! torn tail (fewer bytes than the frame announces, or nothing but zeros: what a crash during
//! an unacknowledged append leaves), or an impossible length (corruption).

/// Bytes of the length prefix.
pub(crate) const PREFIX: usize = 4;
/// Bytes of the chain hash after the payload.
pub(crate) const HASH: usize = 32;
/// The largest payload a frame may hold; a bounded record is far smaller.
pub(crate) const MAX_PAYLOAD: usize = 64 * 1024;

/// What starts at a frame boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// A complete frame with a payload of this many bytes.
    Frame(usize),
    /// The rest is a torn tail.
    Torn,
    /// A length prefix no writer produces, followed by more than zeros.
    BadLength(u32),
}

/// Classifies `rest`, the non-empty bytes from a frame boundary to the end of the segment.
pub(crate) fn classify(rest: &[u8]) -> Next {
    let Some(prefix) = rest.first_chunk::<PREFIX>() else {
        return Next::Torn;
    };
    let len = u32::from_le_bytes(*prefix);
    if !valid_len(len) {
        return if rest.iter().all(|&b| b == 0) {
            Next::Torn
        } else {
            Next::BadLength(len)
        };
    }
    let len = len as usize;
    if rest.len() < PREFIX + len + HASH {
        Next::Torn
    } else {
        Next::Frame(len)
    }
}

/// Whether a payload of `len` bytes may be stored.
pub(crate) fn valid_len(len: u32) -> bool {
    len != 0 && len as usize <= MAX_PAYLOAD
}

/// The bytes of a frame with a payload of `payload_len` bytes.
pub(crate) fn frame_len(payload_len: usize) -> usize {
    PREFIX + payload_len + HASH
}

/// The payload and stored hash of the complete frame at the start of `frame`.
pub(crate) fn parts(frame: &[u8], payload_len: usize) -> (&[u8], &[u8; 32]) {
    let payload = &frame[PREFIX..PREFIX + payload_len];
    let hash = frame[PREFIX + payload_len..]
        .first_chunk::<HASH>()
        .unwrap_or(&[0; HASH]);
    (payload, hash)
}

/// Whether `frame`, a frame complete by its length prefix that is the last one before `after`
/// (the rest of the segment), was torn by a crash in the zero-filled space ahead of the writer
/// (`space.rs`): its stored hash is not its link from `prev`, its last byte is still zero and
/// so is everything after it, and something is (the writer always reserves space past a
/// group, so a frame at the very end of a file is never one torn in zeros). A crash cuts a
/// write short, never out of order, so a torn frame ends in zeros. A damaged frame that
/// happens to look so is still found: it is then missing from the log, which the durable
/// mark tells apart from a crash if it was acknowledged.
pub(crate) fn torn_in_zeros(frame: &[u8], after: &[u8], prev: &[u8; 32]) -> bool {
    let Some((&0, _)) = frame.split_last() else {
        return false;
    };
    if frame.len() < PREFIX + HASH || after.is_empty() || after.iter().any(|&b| b != 0) {
        return false;
    }
    let payload_len = frame.len() - PREFIX - HASH;
    let (payload, stored) = parts(frame, payload_len);
    crate::chain_hash(prev, payload) != *stored
}

/// Appends a frame to `out` whose payload `encode` writes, chained to `prev`; returns its hash.
pub(crate) fn write_frame(
    out: &mut Vec<u8>,
    prev: &[u8; 32],
    encode: impl FnOnce(&mut Vec<u8>),
) -> [u8; 32] {
    let start = out.len();
    out.extend_from_slice(&[0; PREFIX]);
    encode(out);
    let payload_len = out.len() - start - PREFIX;
    // Bounded records are below MAX_PAYLOAD.
    out[start..start + PREFIX].copy_from_slice(&(payload_len as u32).to_le_bytes());
    let hash = crate::chain_hash(prev, &out[start + PREFIX..]);
    out.extend_from_slice(&hash);
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_tails() {
        let mut frame = Vec::new();
        write_frame(&mut frame, &[0; 32], |out| out.extend_from_slice(b"abc"));
        assert_eq!(classify(&frame), Next::Frame(3));
        for cut in 1..frame.len() {
            assert_eq!(classify(&frame[..cut]), Next::Torn, "cut at {cut}");
        }
        assert_eq!(classify(&[0; 100]), Next::Torn);
        assert_eq!(classify(&[0, 0, 0, 0, 1]), Next::BadLength(0));
        assert_eq!(classify(&[0xff; 100]), Next::BadLength(u32::MAX));
    }

    #[test]
    fn tells_a_frame_torn_in_zeros() {
        let prev = [7; 32];
        // A payload whose frame ends in a zero byte once its hash is cut away.
        let mut frame = Vec::new();
        write_frame(&mut frame, &prev, |out| out.extend_from_slice(b"a record"));
        let zeros = [0; 64];
        // Whole and followed by zeros: not torn.
        assert!(!torn_in_zeros(&frame, &zeros, &prev));
        // Cut anywhere inside its payload or hash, the rest zero-filled: torn.
        for cut in PREFIX..frame.len() {
            let mut torn = frame[..cut].to_vec();
            torn.resize(frame.len(), 0);
            assert!(torn_in_zeros(&torn, &zeros, &prev), "cut at {cut}");
            // Not if anything but zeros follows it, nor at the very end of the file.
            assert!(!torn_in_zeros(&torn, &[0, 1], &prev), "cut at {cut}");
            assert!(!torn_in_zeros(&torn, &[], &prev), "cut at {cut}");
        }
        // A damaged frame whose last byte is not zero is damage, not a tear.
        let mut damaged = frame.clone();
        damaged[PREFIX] ^= 1;
        let last = damaged.len() - 1;
        damaged[last] = 1;
        assert!(!torn_in_zeros(&damaged, &zeros, &prev));
    }
}
