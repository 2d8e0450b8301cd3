"""The whole flow a department integrator goes through, against a running govshare server.

    scripts/python clients/python/examples/walkthrough.py \\
        --addr 127.0.0.1:50051 --admin-token-file govshare-data/admin.token

Settings (flags, else the environment):
  --addr              GOVSHARE_ADDR          the server, host:port (default 127.0.0.1:50051);
                                             https://host:port for TLS, with --ca-cert
  --admin-token       GOVSHARE_ADMIN_TOKEN   the platform administrator's credential
  --admin-token-file  GOVSHARE_ADMIN_TOKEN_FILE  ... or the file holding it (admin.token in the
                                             server's data directory)
  --ca-cert           GOVSHARE_CA_CERT       the CA certificate (PEM) that signed the server's

Steps, one line each: the administrator registers two departments (市公安局 provides,
市民政局 consumes; new credit codes on every run) and issues their credentials (CATALOGUER and
APPROVER for the provider, CONSUMER for the consumer); the provider registers an entry with the
13 core elements, submits it, the administrator approves it, and the provider publishes a CSV
snapshot (PublishData: a header, chunks, an end; sha256 checked). The consumer requests the
entry (共享类型 有条件共享: the provider must decide) and tries to fetch before a grant exists:
the refusal is shown with its gRPC code and the google.rpc.ErrorInfo reason and
LocalizedMessage texts the server attached. The provider approves, and the consumer fetches
under the grant and checks the sha256 of what arrived.

Exits 0 when every step went as described, 1 otherwise (with the failure on stderr).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import sys

import grpc

import govshare_client
from govshare.v1 import (
    admin_pb2,
    catalog_pb2,
    common_pb2,
    errors_pb2,
    sharing_pb2,
)

#: Three people, in the entry's columns (联系电话 is not shared).
SAMPLE_CSV = (
    "公民身份号码,姓名,性别,民族,出生日期,户籍地址,联系电话\n"
    "110101199003071234,张三,1,01,1990-03-07,北京市东城区东华门街道,13800000001\n"
    "110101198512121234,李四,2,01,1985-12-12,北京市西城区西长安街街道,13800000002\n"
    "110101200001011234,王五,1,03,2000-01-01,北京市朝阳区建外街道,13800000003\n"
).encode()

#: The 统一社会信用代码 alphabet (GB 32100-2015) and the weights of its check character.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class Unexpected(Exception):
    """A step did not go as the walkthrough describes."""


def step(text: str) -> None:
    print(text, flush=True)


def new_credit_code() -> str:
    """A well-formed 统一社会信用代码 (北京, 企业) not used before: a random body of 9."""
    body = "".join(secrets.choice(CREDIT_ALPHABET) for _ in range(9))
    first17 = "91110000" + body
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))
    return first17 + CREDIT_ALPHABET[(31 - total % 31) % 31]


def metadata() -> catalog_pb2.ResourceMetadata:
    """人口基础信息 with the 13 core elements (as deploy/examples/entry.yaml)."""

    def item(name, data_type, length, description="", share_type=common_pb2.SHARE_TYPE_UNSPECIFIED):
        return catalog_pb2.InfoItem(
            name=name,
            data_type=data_type,
            length=length,
            share_type=share_type,
            description=description,
        )

    return catalog_pb2.ResourceMetadata(
        # 1 信息资源分类: 基础类, 01 人口, 001 人口基本信息.
        classification=catalog_pb2.Classification(
            category=common_pb2.CATEGORY_BASE, item="01", subitem="001"
        ),
        # 2 信息资源名称; 3 代码 is assigned by the server; 4/5 提供方: the caller's department.
        name="人口基础信息",
        # 6 信息资源摘要.
        summary="本市户籍人口和登记在册的常住人口的基本信息，包括公民身份号码、姓名、性别、民族、"
        "出生日期和户籍地址，由公安机关户籍管理业务产生，每日汇总更新。",
        # 7 信息资源格式.
        format=catalog_pb2.ResourceFormat(kind=common_pb2.FORMAT_KIND_DATABASE, detail="Dm"),
        # 8 信息项信息.
        items=[
            item("公民身份号码", common_pb2.DATA_TYPE_C, 18, "18 位公民身份号码（GB 11643）"),
            item("姓名", common_pb2.DATA_TYPE_C, 50),
            item("性别", common_pb2.DATA_TYPE_C, 1, "GB/T 2261.1 性别代码"),
            item("民族", common_pb2.DATA_TYPE_C, 2, "GB/T 3304 民族代码"),
            item("出生日期", common_pb2.DATA_TYPE_D, 8),
            item("户籍地址", common_pb2.DATA_TYPE_C, 200),
            item(
                "联系电话",
                common_pb2.DATA_TYPE_C,
                20,
                "个人联系方式，依《个人信息保护法》不予共享",
                common_pb2.SHARE_TYPE_NOT_SHARED,
            ),
        ],
        # 9 共享属性: 有条件共享, so every request waits for the provider's decision.
        sharing=catalog_pb2.SharingAttributes(
            share_type=common_pb2.SHARE_TYPE_CONDITIONAL,
            condition="仅限依法履行人口管理、社会保障、公共服务职责的部门使用，需经提供部门审核同意。",
            mode=common_pb2.SHARE_MODE_PLATFORM_INTERFACE,
        ),
        # 10 开放属性.
        open=catalog_pb2.OpenAttributes(open_to_public=False),
        # 11 更新周期; 12 发布日期; 13 关联资源代码.
        update_cycle=common_pb2.UPDATE_CYCLE_DAILY,
        publish_date="2024-03-15",
        related_codes=["101002/000001"],
        keywords=["人口", "户籍", "身份证"],
    )


def without_last_column(csv: bytes) -> bytes:
    """What a grantee receives of SAMPLE_CSV: every line without 联系电话."""
    lines = csv.decode().splitlines()
    return "".join(line[: line.rindex(",")] + "\n" for line in lines).encode()


def describe(refused: govshare_client.Refusal) -> list[str]:
    """The lines that show what a refusal carried."""
    lines = [f"  code: {refused.code.name}", f"  message: {refused.message}"]
    if refused.reason:
        # The reason is an ErrorReason value of errors.proto without its prefix.
        # A newer server may send a reason this client does not know: act on the code then.
        try:
            known = f"ErrorReason {errors_pb2.ErrorReason.Value('ERROR_REASON_' + refused.reason)}"
        except ValueError:
            known = "not an ErrorReason this client knows"
        lines.append(
            f"  ErrorInfo: reason {refused.reason} ({known}), "
            f"domain {refused.domain}, metadata {refused.metadata}"
        )
    else:
        lines.append("  ErrorInfo: none attached")
    for locale in ("zh-CN", "en"):
        if locale in refused.messages:
            lines.append(f"  LocalizedMessage {locale}: {refused.messages[locale]}")
    if not refused.messages:
        lines.append("  LocalizedMessage: none attached")
    for field, reason, description in refused.violations:
        lines.append(f"  BadRequest: {field}: {reason} {description}")
    if refused.retry_after is not None:
        lines.append(f"  RetryInfo: call again in {refused.retry_after:.1f}s")
    for other in refused.other:
        lines.append(f"  also: {other}")
    return lines


def settings() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    parser.add_argument("--addr", default=env("GOVSHARE_ADDR", "127.0.0.1:50051"))
    parser.add_argument("--admin-token", default=env("GOVSHARE_ADMIN_TOKEN"))
    parser.add_argument("--admin-token-file", default=env("GOVSHARE_ADMIN_TOKEN_FILE"))
    parser.add_argument("--ca-cert", default=env("GOVSHARE_CA_CERT"))
    args = parser.parse_args()
    if not args.admin_token and args.admin_token_file:
        with open(args.admin_token_file, encoding="utf-8") as file:
            args.admin_token = file.read().strip()
    if not args.admin_token:
        parser.error(
            "the administrator's credential is needed: --admin-token, GOVSHARE_ADMIN_TOKEN, "
            "--admin-token-file or GOVSHARE_ADMIN_TOKEN_FILE"
        )
    if args.ca_cert:
        with open(args.ca_cert, "rb") as file:
            args.ca_cert = file.read()
    return args


def walk(args: argparse.Namespace) -> None:
    def client(token: str) -> govshare_client.Client:
        return govshare_client.connect(args.addr, token, args.ca_cert)

    admin = client(args.admin_token)

    # The administrator registers the departments and issues their credentials.
    provider_code, consumer_code = new_credit_code(), new_credit_code()
    for code, name in ((provider_code, "市公安局"), (consumer_code, "市民政局")):
        admin.admin.CreateDepartment(
            admin_pb2.CreateDepartmentRequest(code=code, name=name, region_code="110000")
        )
    step(f"departments: provider 市公安局 {provider_code}, consumer 市民政局 {consumer_code}")

    def issue(department: str, roles: list[int], name: str) -> admin_pb2.IssueTokenResponse:
        return admin.admin.IssueToken(
            admin_pb2.IssueTokenRequest(department_code=department, roles=roles, name=name)
        )

    provider_token = issue(
        provider_code, [common_pb2.ROLE_CATALOGUER, common_pb2.ROLE_APPROVER], "户籍数据对接"
    )
    consumer_token = issue(consumer_code, [common_pb2.ROLE_CONSUMER], "社会救助系统")
    step(
        f"credentials: provider {provider_token.token_id} (CATALOGUER, APPROVER), "
        f"consumer {consumer_token.token_id} (CONSUMER)"
    )
    provider = client(provider_token.token)
    consumer = client(consumer_token.token)

    # The provider registers the entry and submits it; the administrator approves it.
    entry = provider.catalog.RegisterEntry(
        catalog_pb2.RegisterEntryRequest(metadata=metadata(), note="首次编目")
    )
    code = entry.code
    step(f"registered {code} (version {entry.head_version}, {common_pb2.EntryState.Name(entry.state)})")
    entry = provider.catalog.SubmitEntry(
        catalog_pb2.SubmitEntryRequest(code=code, expected_version=entry.head_version)
    )
    step(f"submitted {code} for review ({common_pb2.EntryState.Name(entry.state)})")
    entry = admin.catalog.ReviewEntry(
        catalog_pb2.ReviewEntryRequest(
            code=code, version=entry.head_version, approve=True, comment="元素齐全，同意发布"
        )
    )
    if entry.state != common_pb2.ENTRY_STATE_PUBLISHED:
        raise Unexpected(f"{code} is {common_pb2.EntryState.Name(entry.state)} after approval")
    step(f"reviewed: the administrator approved {code}, now {common_pb2.EntryState.Name(entry.state)}")

    # The provider publishes the data.
    snapshot = govshare_client.publish(
        provider.exchange, code, SAMPLE_CSV, "text/csv", note="户籍人口每日汇总"
    )
    step(
        f"published snapshot {snapshot.id} of {code}: {snapshot.rows} rows, "
        f"{snapshot.size_bytes} bytes, sha256 {snapshot.sha256}"
    )

    # The consumer asks for it; the entry is 有条件共享, so the request waits.
    request = consumer.sharing.CreateRequest(
        sharing_pb2.CreateRequestRequest(
            entry_code=code,
            purpose="办理社会救助资格审核时核验申请人身份",
            use_scope="本局社会救助科",
            business_system="社会救助信息系统",
        )
    )
    if request.state != sharing_pb2.REQUEST_STATE_PENDING:
        raise Unexpected(f"request {request.id} is {sharing_pb2.RequestState.Name(request.state)}")
    step(f"requested {code} as the consumer: request {request.id}, PENDING")

    # Fetching now is refused: there is no grant yet. A program acts on the reason.
    try:
        govshare_client.fetch(consumer.exchange, code)
    except grpc.RpcError as error:
        refused = govshare_client.refusal(error)
    else:
        raise Unexpected("the consumer fetched data before any grant existed")
    if refused.code != grpc.StatusCode.PERMISSION_DENIED or refused.reason != "NO_ACTIVE_GRANT":
        raise Unexpected("fetching before the grant:\n" + "\n".join(describe(refused)))
    step("refused as expected: fetching before the grant exists")
    for line in describe(refused):
        step(line)

    # The provider finds the request among those made to it and approves it.
    incoming = provider.sharing.ListRequests(
        sharing_pb2.ListRequestsRequest(
            direction=sharing_pb2.DIRECTION_INCOMING,
            state=sharing_pb2.REQUEST_STATE_PENDING,
            entry_code=code,
        )
    ).requests
    if request.id not in [r.id for r in incoming]:
        raise Unexpected(f"request {request.id} is not among the provider's pending requests")
    decided = provider.sharing.DecideRequest(
        sharing_pb2.DecideRequestRequest(id=request.id, approve=True, reason="符合共享条件")
    )
    step(f"decided: the provider approved request {decided.id}, grant {decided.grant_id}")

    # The consumer sees the decision and fetches under the grant.
    request = consumer.sharing.GetRequest(sharing_pb2.GetRequestRequest(id=request.id))
    if request.state != sharing_pb2.REQUEST_STATE_APPROVED or not request.grant_id:
        raise Unexpected(f"request {request.id} is {sharing_pb2.RequestState.Name(request.state)}")
    step(f"approved: request {request.id} holds grant {request.grant_id}")
    fetched = govshare_client.fetch(consumer.exchange, code)
    step(
        f"fetched {fetched.trailer.rows} rows, {fetched.trailer.size_bytes} bytes under grant "
        f"{fetched.header.grant_id}, columns {', '.join(fetched.header.columns)}"
    )
    expected = hashlib.sha256(without_last_column(SAMPLE_CSV)).hexdigest()
    received = hashlib.sha256(fetched.data).hexdigest()
    if received != expected or fetched.header.grant_id != request.grant_id:
        raise Unexpected(
            f"received sha256 {received} under {fetched.header.grant_id}; expected {expected} "
            f"(the published rows without 联系电话) under {request.grant_id}"
        )
    step(
        f"sha256 {received} of the data received matches the trailer and the published rows "
        "without 联系电话"
    )

    for c in (admin, provider, consumer):
        c.close()


def main() -> int:
    args = settings()
    try:
        walk(args)
    except grpc.RpcError as error:
        print("failed: the server refused a call", file=sys.stderr)
        for line in describe(govshare_client.refusal(error)):
            print(line, file=sys.stderr)
        return 1
    except (Unexpected, govshare_client.IntegrityError) as error:
        print(f"failed: {error}", file=sys.stderr)
        return 1
    step("done: registered, published, requested, refused without a grant, approved, fetched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
