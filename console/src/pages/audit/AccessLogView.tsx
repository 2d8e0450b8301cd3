// The access log: every call to the server, newest first, filtered by who called, what, on
// which resource and with what outcome; ADMIN and AUDITOR can check the hash chain.
import { useState, type FormEvent } from "react";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { problem, type Problem } from "../../api.js";
import { PagedTable } from "../../components/PagedTable.js";
import { ProblemBanner } from "../../components/ProblemBanner.js";
import type { VerifyAccessLogResponse } from "../../gen/govshare/v1/audit_pb.js";
import { dayAfter, dayStart, formatBytes, formatTime } from "../../format.js";
import { useText } from "../../i18n.js";
import { Role, useSession } from "../../session.js";
import { useCall } from "../../useCall.js";
import { Filter } from "../sharing/common.js";

/** gRPC status codes by number. */
export const CODE_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

const TEXT = {
  zh: {
    title: "访问日志",
    department: "调用部门代码",
    method: "方法",
    methodHint: "GetEntry",
    target: "访问对象",
    outcome: "结果",
    anyOutcome: "全部结果",
    owner: "资源所属部门代码",
    from: "开始日期",
    to: "结束日期",
    search: "查询",
    seq: "序号",
    time: "时间",
    token: "令牌",
    detail: "详情",
    duration: "耗时",
    none: "没有符合条件的记录。",
    scanned: "本页未找到符合条件的记录，可查看下一页（每页只扫描有限的记录）。",
    loading: "正在加载…",
    verify: "校验日志链",
    verifying: "正在校验…",
    verifyOk: (n: string, seq: string) => `日志哈希链完整：已校验 ${n} 条记录，至第 ${seq} 条。`,
    verifyBad: (seq: string, n: string) => `日志哈希链在第 ${seq} 条记录处不一致（已校验 ${n} 条）。`,
    headHash: "末条哈希",
    platform: "平台",
    grant: "授权",
    bytes: "数据量",
  },
  en: {
    title: "Access log",
    department: "Caller's department",
    method: "Method",
    methodHint: "GetEntry",
    target: "Target",
    outcome: "Outcome",
    anyOutcome: "Any outcome",
    owner: "Owner department",
    from: "From date",
    to: "To date",
    search: "Search",
    seq: "Seq",
    time: "Time",
    token: "Token",
    detail: "Detail",
    duration: "Duration",
    none: "No matching records.",
    scanned: "No matching records on this page; try the next page (each page scans a bounded number of records).",
    loading: "Loading…",
    verify: "Verify the chain",
    verifying: "Verifying…",
    verifyOk: (n: string, seq: string) => `The hash chain is intact: ${n} records checked, up to #${seq}.`,
    verifyBad: (seq: string, n: string) => `The hash chain breaks at record #${seq} (${n} records checked).`,
    headHash: "Head hash",
    platform: "Platform",
    grant: "Grant",
    bytes: "Bytes",
  },
};

interface Filters {
  departmentCode: string;
  method: string;
  target: string;
  outcome: string;
  ownerCode: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { departmentCode: "", method: "", target: "", outcome: "", ownerCode: "", from: "", to: "" };

function formatDuration(d: Duration | undefined): string {
  if (!d) return "—";
  const ms = Number(d.seconds) * 1000 + d.nanos / 1e6;
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function AccessLogView() {
  const session = useSession();
  const text = useText(TEXT);
  const [form, setForm] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [pageToken, setPageToken] = useState("");
  const [verifying, setVerifying] = useState(false);
  const [verified, setVerified] = useState<VerifyAccessLogResponse | null>(null);
  const [verifyFailure, setVerifyFailure] = useState<Problem | null>(null);
  const oversight = session.has(Role.ADMIN) || session.has(Role.AUDITOR);

  const list = useCall(
    () =>
      session.api.audit.queryAccessLog({
      departmentCode: applied.departmentCode.trim(),
      method: applied.method.trim(),
      target: applied.target.trim(),
      outcome: applied.outcome,
      ownerCode: applied.ownerCode.trim(),
      startTime: applied.from ? dayStart(applied.from) : undefined,
      endTime: applied.to ? dayAfter(applied.to) : undefined,
      pageSize: 50,
      pageToken,
    }),
    [applied, pageToken],
  );

  const set = (key: keyof Filters) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const search = (e: FormEvent) => {
    e.preventDefault();
    setPageToken("");
    setApplied(form);
  };
  const verify = async () => {
    setVerifying(true);
    setVerified(null);
    setVerifyFailure(null);
    try {
      setVerified(await session.api.audit.verifyAccessLog({}));
    } catch (err) {
      setVerifyFailure(problem(err));
    } finally {
      setVerifying(false);
    }
  };
  const rows = list.data?.records ?? [];

  return (
    <>
      <div className="page-head">
        <h1>{text.title}</h1>
        {oversight ? (
          <button type="button" onClick={verify} disabled={verifying}>
            {verifying ? text.verifying : text.verify}
          </button>
        ) : null}
      </div>
      {verified ? (
        verified.ok ? (
          <div className="notice" role="status">
            <p className="tight">{text.verifyOk(String(verified.recordsChecked), String(verified.headSeq))}</p>
            <p className="tight">
              {text.headHash}：<code>{verified.headHash}</code>
            </p>
          </div>
        ) : (
          <div className="problem" role="alert">
            <p className="tight">{text.verifyBad(String(verified.firstBadSeq), String(verified.recordsChecked))}</p>
            <p className="tight">{verified.problem}</p>
          </div>
        )
      ) : null}
      <ProblemBanner problem={verifyFailure} />
      <form className="filters" onSubmit={search} role="search">
        <Filter label={text.department}>
          <input value={form.departmentCode} onChange={set("departmentCode")} size={20} />
        </Filter>
        <Filter label={text.method}>
          <input value={form.method} onChange={set("method")} placeholder={text.methodHint} size={18} />
        </Filter>
        <Filter label={text.target}>
          <input value={form.target} onChange={set("target")} size={20} />
        </Filter>
        <Filter label={text.outcome}>
          <select value={form.outcome} onChange={set("outcome")}>
            <option value="">{text.anyOutcome}</option>
            {CODE_NAMES.map((name, code) => (
              <option key={name} value={name}>
                {name} ({code})
              </option>
            ))}
          </select>
        </Filter>
        <Filter label={text.owner}>
          <input value={form.ownerCode} onChange={set("ownerCode")} size={20} />
        </Filter>
        <Filter label={text.from}>
          <input type="date" value={form.from} onChange={set("from")} />
        </Filter>
        <Filter label={text.to}>
          <input type="date" value={form.to} onChange={set("to")} />
        </Filter>
        <button type="submit">{text.search}</button>
      </form>
      <PagedTable
        list={list}
        rows={rows}
        pageToken={pageToken}
        onPage={setPageToken}
        loading={text.loading}
        empty={list.data?.nextPageToken ? text.scanned : text.none}
        head={
          <>
            <th scope="col" className="num">
              {text.seq}
            </th>
            <th scope="col">{text.time}</th>
            <th scope="col">{text.department}</th>
            <th scope="col">{text.token}</th>
            <th scope="col">{text.method}</th>
            <th scope="col">{text.target}</th>
            <th scope="col">{text.outcome}</th>
            <th scope="col">{text.detail}</th>
            <th scope="col" className="num">
              {text.duration}
            </th>
          </>
        }
        row={(r) => (
          <tr key={String(r.seq)}>
            <td className="num">{String(r.seq)}</td>
            <td className="nowrap">{formatTime(r.time)}</td>
            <td>{r.departmentCode ? <code>{r.departmentCode}</code> : <span className="muted">{text.platform}</span>}</td>
            <td>
              <code>{r.tokenId || "—"}</code>
            </td>
            <td>
              <code title={r.method}>{r.method.replace(/^\/govshare\.v1\./, "")}</code>
            </td>
            <td className="nowrap">
              {r.target ? <code>{r.target}</code> : "—"}
              {r.grantId ? (
                <div className="muted">
                  {text.grant} {r.grantId}
                </div>
              ) : null}
            </td>
            <td className="nowrap">
              <span className={`badge ${r.outcome === 0 ? "good" : "bad"}`}>{CODE_NAMES[r.outcome] ?? r.outcome}</span>
            </td>
            <td className="wrap">
              {r.detail}
              {r.bytes > 0n ? (
                <div className="muted">
                  {text.bytes} {formatBytes(r.bytes)}
                </div>
              ) : null}
            </td>
            <td className="num nowrap">{formatDuration(r.duration)}</td>
          </tr>
        )}
      />
    </>
  );
}
