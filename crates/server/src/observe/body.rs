//! The response body of a call that did not end with its headers: it passes the data frames
//! on, and holds the trailers (and a unary reply's message) back until the call's access-log
//! record is durable. A body dropped before its trailers (the client went away) still leaves
//! its record.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures::future::BoxFuture;
use http::HeaderMap;
use http_body::{Frame, SizeHint};
use tonic::Code;
use tonic::body::Body;

use super::call::Call;
use crate::error::Reason;

/// The durable append of a call's record.
type Commit = BoxFuture<'static, Result<(), tonic::Status>>;

/// See the module documentation.
pub(super) struct ObservedBody {
    inner: Body,
    /// Until the call ends.
    call: Option<Call>,
    /// The last data frame, held while the next one is ready at once: a unary reply's
    /// message then leaves together with its trailers, in one write, once the record is
    /// durable; and if the record cannot be written, the message never leaves.
    held: Option<Frame<Bytes>>,
    /// The record being made durable, and the trailers that wait for it (none: the body
    /// ended without them).
    committing: Option<(Commit, Option<Frame<Bytes>>)>,
    /// Frames released by the commit, in order.
    out: VecDeque<Frame<Bytes>>,
}

impl std::fmt::Debug for ObservedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObservedBody")
            .field("call", &self.call)
            .field("held", &self.held.is_some())
            .field("committing", &self.committing.is_some())
            .field("out", &self.out.len())
            .finish_non_exhaustive()
    }
}

impl ObservedBody {
    pub(super) fn new(inner: Body, call: Call) -> Self {
        ObservedBody {
            inner,
            call: Some(call),
            held: None,
            committing: None,
            out: VecDeque::new(),
        }
    }

    /// Starts committing the call's record; `trailers` (refused for `reason`, if they are a
    /// refusal) go out once it is durable.
    fn end(
        &mut self,
        status: &tonic::Status,
        reason: Option<Reason>,
        trailers: Option<Frame<Bytes>>,
    ) {
        match self.call.take() {
            Some(call) => {
                let commit = call.finish(status.code(), status.message(), reason);
                self.committing = Some((Box::pin(commit), trailers));
            }
            None => {
                self.out.extend(self.held.take());
                self.out.extend(trailers);
            }
        }
    }
}

fn trailers_of(status: &tonic::Status) -> Frame<Bytes> {
    let mut headers = HeaderMap::new();
    // A status always renders as headers; an unrenderable message is dropped, not the code.
    if status.add_header(&mut headers).is_err() {
        let _ = tonic::Status::new(status.code(), "").add_header(&mut headers);
    }
    Frame::trailers(headers)
}

impl http_body::Body for ObservedBody {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        let this = &mut *self;
        loop {
            if let Some(frame) = this.out.pop_front() {
                return Poll::Ready(Some(Ok(frame)));
            }
            if let Some((commit, _)) = &mut this.committing {
                let result = ready!(commit.as_mut().poll(cx));
                let trailers = this.committing.take().and_then(|(_, trailers)| trailers);
                match result {
                    Ok(()) => {
                        this.out.extend(this.held.take());
                        this.out.extend(trailers);
                    }
                    // Unrecorded, the held message is not delivered.
                    Err(refusal) => {
                        this.held = None;
                        this.out.push_back(trailers_of(&refusal));
                    }
                }
                if this.out.is_empty() {
                    return Poll::Ready(None);
                }
                continue;
            }
            if this.call.is_none() && this.held.is_none() {
                // Ended: whatever the inner body still yields passes through.
                return Pin::new(&mut this.inner).poll_frame(cx);
            }
            let polled = Pin::new(&mut this.inner).poll_frame(cx);
            match polled {
                Poll::Pending => {
                    // Nothing more yet: a held message (of a stream) goes out now.
                    return match this.held.take() {
                        Some(frame) => Poll::Ready(Some(Ok(frame))),
                        None => Poll::Pending,
                    };
                }
                Poll::Ready(Some(Ok(mut frame))) if frame.is_trailers() => {
                    let reason = frame
                        .trailers_mut()
                        .and_then(crate::error::ensure_described);
                    let status = frame
                        .trailers_ref()
                        .and_then(tonic::Status::from_header_map)
                        .unwrap_or_else(|| {
                            tonic::Status::unknown("the reply carried no grpc-status")
                        });
                    this.end(&status, reason, Some(frame));
                }
                Poll::Ready(Some(Ok(frame))) => {
                    if let Some(previous) = this.held.replace(frame) {
                        return Poll::Ready(Some(Ok(previous)));
                    }
                }
                Poll::Ready(Some(Err(status))) => {
                    if let Some(call) = this.call.take() {
                        call.finish_detached(status.code(), status.message());
                    }
                    this.held = None;
                    return Poll::Ready(Some(Err(status)));
                }
                Poll::Ready(None) => {
                    if this.call.is_none() {
                        return Poll::Ready(this.held.take().map(Ok));
                    }
                    // No status reaches the client: nothing to count as a refusal.
                    this.end(
                        &tonic::Status::unknown("the reply ended without a status"),
                        None,
                        None,
                    );
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.call.is_none()
            && self.held.is_none()
            && self.committing.is_none()
            && self.out.is_empty()
            && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for ObservedBody {
    fn drop(&mut self) {
        if let Some(call) = self.call.take() {
            call.finish_detached(
                Code::Cancelled,
                "调用方在调用结束前断开 (the client went away before the call ended)",
            );
        }
    }
}
