//! The message-size limit of `[api]`, applied to the request body: a gRPC message whose length
//! prefix is over `api.max_message_bytes` ends the call with RESOURCE_EXHAUSTED as soon as the
//! prefix arrives, before its bytes are buffered, and counts in
//! `govshare_limit_rejections_total{limit="message_size"}`. Unary calls and every message of an
//! upload stream alike.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf as _, Bytes};
use http_body::Frame;
use prometheus::IntCounter;
use tonic::body::Body;

/// The length prefix of a gRPC message: a compression flag and a big-endian u32.
const PREFIX_BYTES: usize = 5;

/// Where the reader is in the stream of length-prefixed messages.
#[derive(Debug)]
enum Position {
    /// Reading a prefix: the bytes of it seen so far.
    Prefix {
        seen: [u8; PREFIX_BYTES],
        len: usize,
    },
    /// Inside a message: how many of its bytes are still to come.
    Message { remaining: u64 },
    /// The limit was exceeded and the error returned: nothing more is read.
    Refused,
}

/// A request body that watches the length prefixes of its gRPC messages.
pub(super) struct SizedBody {
    inner: Body,
    limit: usize,
    position: Position,
    refused: IntCounter,
}

impl SizedBody {
    pub(super) fn new(inner: Body, limit: usize, refused: IntCounter) -> Self {
        SizedBody {
            inner,
            limit,
            position: Position::Prefix {
                seen: [0; PREFIX_BYTES],
                len: 0,
            },
            refused,
        }
    }

    /// Follows `data` through the message framing; the size of the first message over the
    /// limit, if one starts here.
    fn oversize_in(&mut self, data: &Bytes) -> Option<u64> {
        let mut rest = data.clone();
        while rest.has_remaining() {
            match &mut self.position {
                Position::Prefix { seen, len } => {
                    let take = (PREFIX_BYTES - *len).min(rest.remaining());
                    seen[*len..*len + take].copy_from_slice(&rest[..take]);
                    *len += take;
                    rest.advance(take);
                    if *len == PREFIX_BYTES {
                        let size =
                            u64::from(u32::from_be_bytes([seen[1], seen[2], seen[3], seen[4]]));
                        if size > self.limit as u64 {
                            return Some(size);
                        }
                        self.position = Position::Message { remaining: size };
                    }
                }
                Position::Message { remaining } => {
                    let take = (*remaining).min(rest.remaining() as u64);
                    // `take` is at most `rest.remaining()`, a usize.
                    rest.advance(take as usize);
                    *remaining -= take;
                    if *remaining == 0 {
                        self.position = Position::Prefix {
                            seen: [0; PREFIX_BYTES],
                            len: 0,
                        };
                    }
                }
                Position::Refused => return None,
            }
        }
        None
    }
}

/// RESOURCE_EXHAUSTED for a message of `size` bytes over `limit`.
pub(super) fn too_large(size: u64, limit: usize) -> tonic::Status {
    crate::error::status(
        crate::error::ServiceError::new(
            crate::error::Reason::MessageTooLarge,
            govshare_model::text!(
                "消息大小为 {size} 字节，超过上限 {limit} 字节；请拆分后重试",
                "the message is {size} bytes, more than the limit of {limit} bytes \
                 (api.max_message_bytes); send it in smaller parts"
            ),
        )
        .with("limit_bytes", limit),
    )
}

impl http_body::Body for SizedBody {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if matches!(self.position, Position::Refused) {
            return Poll::Ready(None);
        }
        let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            other => return other,
        };
        if let Some(data) = frame.data_ref()
            && let Some(size) = self.oversize_in(data)
        {
            self.position = Position::Refused;
            self.refused.inc();
            return Poll::Ready(Some(Err(too_large(size, self.limit))));
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.position, Position::Refused) || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(limit: usize) -> SizedBody {
        SizedBody::new(
            Body::empty(),
            limit,
            IntCounter::new("t", "t").expect("counter"),
        )
    }

    fn message(len: u32) -> Vec<u8> {
        let mut m = vec![0];
        m.extend_from_slice(&len.to_be_bytes());
        m.extend(std::iter::repeat_n(7u8, len as usize));
        m
    }

    #[test]
    fn messages_within_the_limit_pass_whatever_their_framing() {
        let mut b = body(10);
        let mut stream = message(10);
        stream.extend(message(0));
        stream.extend(message(3));
        // Split at every position: prefixes and messages across frames.
        for piece in stream.chunks(2) {
            assert_eq!(b.oversize_in(&Bytes::copy_from_slice(piece)), None);
        }
        assert!(matches!(b.position, Position::Prefix { len: 0, .. }));
    }

    #[test]
    fn a_prefix_over_the_limit_is_found_even_split_across_frames() {
        let mut b = body(10);
        let mut stream = message(4);
        stream.extend(message(11));
        let (first, second) = stream.split_at(7);
        assert_eq!(b.oversize_in(&Bytes::copy_from_slice(first)), None);
        assert_eq!(b.oversize_in(&Bytes::copy_from_slice(second)), Some(11));
    }
}
