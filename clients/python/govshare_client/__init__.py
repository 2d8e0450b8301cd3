"""What a department program needs beside the generated stubs (package ``govshare.v1``).

- :func:`connect`: a channel to the server that sends the bearer credential on every call,
  and the six services' stubs on it.
- :func:`refusal`: what a failed call carries (google.rpc.ErrorInfo's reason,
  google.rpc.LocalizedMessage in zh-CN and en, field violations, retry delay).
- :func:`publish` and :func:`fetch`: the streaming ExchangeService calls, with the sha256 and
  size of the data checked at both ends.

The generated package comes from ``scripts/python`` (see clients/python/README.md).
"""

from __future__ import annotations

import collections
import hashlib
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from govshare.v1 import (
    admin_pb2_grpc,
    audit_pb2_grpc,
    catalog_pb2_grpc,
    exchange_pb2,
    exchange_pb2_grpc,
    report_pb2_grpc,
    sharing_pb2_grpc,
)

#: Bytes per PublishData message: well under the server's api.max_message_bytes (4 MiB).
CHUNK_BYTES = 1024 * 1024

#: The largest message accepted from the server: fetched chunks (exchange.chunk_bytes, at most
#: 4 MiB) and pages fit within it.
MAX_RECEIVE_BYTES = 8 * 1024 * 1024


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    """The details of a call, with the metadata replaced."""


class _Bearer(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds ``authorization: Bearer <token>`` to every call."""

    def __init__(self, token: str):
        self._header = ("authorization", f"Bearer {token}")

    def _details(self, details: grpc.ClientCallDetails) -> _CallDetails:
        return _CallDetails(
            details.method,
            details.timeout,
            list(details.metadata or []) + [self._header],
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)

    def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)


@dataclass
class Client:
    """A channel to a govshare server and the stubs of its services."""

    channel: grpc.Channel
    catalog: catalog_pb2_grpc.CatalogServiceStub
    sharing: sharing_pb2_grpc.SharingServiceStub
    exchange: exchange_pb2_grpc.ExchangeServiceStub
    admin: admin_pb2_grpc.AdminServiceStub
    audit: audit_pb2_grpc.AuditServiceStub
    report: report_pb2_grpc.ReportServiceStub

    def close(self) -> None:
        self.channel.close()


def connect(
    address: str, token: Optional[str] = None, ca_cert: Optional[bytes] = None
) -> Client:
    """A client of the server at ``address`` (``host:port``, ``http://host:port``, or
    ``https://host:port`` for TLS, checked against ``ca_cert`` (PEM) or the system's roots)
    sending ``token`` as its credential (none: only health and reflection answer)."""
    options = [("grpc.max_receive_message_length", MAX_RECEIVE_BYTES)]
    if address.startswith("https://"):
        credentials = grpc.ssl_channel_credentials(root_certificates=ca_cert)
        channel = grpc.secure_channel(address[len("https://") :], credentials, options)
    else:
        channel = grpc.insecure_channel(address.removeprefix("http://"), options)
    if token:
        channel = grpc.intercept_channel(channel, _Bearer(token.strip()))
    return Client(
        channel=channel,
        catalog=catalog_pb2_grpc.CatalogServiceStub(channel),
        sharing=sharing_pb2_grpc.SharingServiceStub(channel),
        exchange=exchange_pb2_grpc.ExchangeServiceStub(channel),
        admin=admin_pb2_grpc.AdminServiceStub(channel),
        audit=audit_pb2_grpc.AuditServiceStub(channel),
        report=report_pb2_grpc.ReportServiceStub(channel),
    )


@dataclass
class Refusal:
    """What a failed call told: its gRPC code and message, and the google.rpc details the
    server attached (errors.proto describes them; a server that attaches none leaves the
    fields empty)."""

    code: grpc.StatusCode
    message: str
    #: google.rpc.ErrorInfo.reason, e.g. ``NO_ACTIVE_GRANT``: what a program branches on.
    reason: str = ""
    domain: str = ""
    metadata: dict = field(default_factory=dict)
    #: google.rpc.LocalizedMessage texts by locale (``zh-CN``, ``en``).
    messages: dict = field(default_factory=dict)
    #: google.rpc.BadRequest: (field, reason, description) of each violation.
    violations: list = field(default_factory=list)
    #: google.rpc.RetryInfo: seconds to wait before calling again.
    retry_after: Optional[float] = None
    #: The type names of the other details, e.g. ``google.rpc.ResourceInfo``.
    other: list = field(default_factory=list)

    def message_in(self, locale: str) -> str:
        """The explanation in ``locale`` (``zh-CN`` or ``en``), or the status message."""
        return self.messages.get(locale, self.message)


def refusal(error: grpc.RpcError) -> Refusal:
    """Reads what a failed call (the ``grpc.RpcError`` it raised) carries."""
    found = Refusal(code=error.code(), message=error.details() or "")
    status = rpc_status.from_call(error)
    if status is None:
        return found
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            found.reason, found.domain = info.reason, info.domain
            found.metadata = dict(info.metadata)
        elif detail.Is(error_details_pb2.LocalizedMessage.DESCRIPTOR):
            localized = error_details_pb2.LocalizedMessage()
            detail.Unpack(localized)
            found.messages[localized.locale] = localized.message
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found.violations.extend(
                (v.field, v.reason, v.description) for v in bad.field_violations
            )
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            found.retry_after = retry.retry_delay.ToTimedelta().total_seconds()
        else:
            found.other.append(detail.TypeName())
    return found


class IntegrityError(Exception):
    """The bytes received or recorded are not the bytes sent (sha256 or size differ)."""


def publish(
    exchange: exchange_pb2_grpc.ExchangeServiceStub,
    entry_code: str,
    data: bytes,
    media_type: str,
    note: str = "",
) -> exchange_pb2.DataSnapshot:
    """Publishes ``data`` as a new snapshot of ``entry_code`` (the caller is a CATALOGUER of
    the providing department): a header announcing its size and sha256, chunks of
    :data:`CHUNK_BYTES`, an end. Returns the snapshot the server recorded, checked against
    what was sent."""
    sha256 = hashlib.sha256(data).hexdigest()

    def messages() -> Iterator[exchange_pb2.PublishDataRequest]:
        yield exchange_pb2.PublishDataRequest(
            header=exchange_pb2.PublishHeader(
                entry_code=entry_code,
                media_type=media_type,
                note=note,
                size_bytes=len(data),
                sha256=sha256,
            )
        )
        for piece in chunks(data):
            yield exchange_pb2.PublishDataRequest(chunk=piece)
        yield exchange_pb2.PublishDataRequest(end=exchange_pb2.PublishEnd())

    snapshot = exchange.PublishData(messages())
    if snapshot.sha256 != sha256 or snapshot.size_bytes != len(data):
        raise IntegrityError(
            f"the server recorded {snapshot.size_bytes} bytes with sha256 {snapshot.sha256}; "
            f"{len(data)} bytes with sha256 {sha256} were sent"
        )
    return snapshot


@dataclass
class Fetched:
    """A delivery, verified: its header, its bytes and its trailer."""

    header: exchange_pb2.FetchHeader
    data: bytes
    trailer: exchange_pb2.FetchTrailer


def fetch(
    exchange: exchange_pb2_grpc.ExchangeServiceStub, entry_code: str, snapshot_id: str = ""
) -> Fetched:
    """Fetches a snapshot of ``entry_code`` (the latest unless ``snapshot_id``) into memory and
    checks the bytes against the trailer's sha256 and size. Raises ``grpc.RpcError`` when the
    server refuses or stops, :class:`IntegrityError` when the bytes do not match."""
    header, trailer = None, None
    hasher, chunks = hashlib.sha256(), []
    for message in exchange.FetchData(
        exchange_pb2.FetchDataRequest(entry_code=entry_code, snapshot_id=snapshot_id)
    ):
        part = message.WhichOneof("part")
        if part == "header":
            header = message.header
        elif part == "chunk":
            hasher.update(message.chunk)
            chunks.append(message.chunk)
        elif part == "trailer":
            trailer = message.trailer
    if header is None or trailer is None:
        raise IntegrityError("the delivery ended without its header or trailer")
    data = b"".join(chunks)
    sha256 = hasher.hexdigest()
    if sha256 != trailer.sha256.lower() or len(data) != trailer.size_bytes:
        raise IntegrityError(
            f"received {len(data)} bytes with sha256 {sha256}; the server declared "
            f"{trailer.size_bytes} bytes with sha256 {trailer.sha256}"
        )
    return Fetched(header=header, data=data, trailer=trailer)


def chunks(data: bytes, size: int = CHUNK_BYTES) -> Iterable[bytes]:
    """``data`` in pieces of at most ``size`` bytes."""
    return (data[i : i + size] for i in range(0, len(data), size))
