// The yearly sharing report (政府信息公开工作年度报告, sharing sections): catalogue, late
// updates, requests, data exchange and the access log, as the server computed them.
import { useState, type FormEvent, type ReactNode } from "react";
import { ProblemBanner } from "../../components/ProblemBanner.js";
import type { AnnualReport, CatalogueRow, DepartmentFlow } from "../../gen/govshare/v1/report_pb.js";
import { formatBytes, formatDate, formatTime } from "../../format.js";
import { useLang, useText } from "../../i18n.js";
import { Link, pathOf } from "../../router.js";
import { Role, useSession } from "../../session.js";
import { useCall } from "../../useCall.js";
import { Filter } from "../sharing/common.js";

const TEXT = {
  zh: {
    title: "年度报告",
    year: "年度",
    department: "部门代码",
    departmentHint: "留空为全平台",
    show: "查询",
    loading: "正在生成…",
    platform: "全平台",
    generated: "生成时间",
    offset: "时区",
    running: (at: string) => `本年度尚未结束，数据统计至 ${at}。`,
    catalogue: "一、目录",
    registered: "编目登记",
    published: "首次发布",
    republished: "变更后再发布",
    revoked: "撤销",
    publishedAtYearEnd: "年末在发布目录",
    byCategory: "按资源分类",
    byShareType: "按共享类型",
    group: "分类",
    lateTitle: "目录更新不及时",
    lateRule: (days: number, due: string, late: string) => `目录变更须在 ${days} 个工作日内发布。本年度到期 ${due} 项，逾期 ${late} 项。`,
    entry: "目录",
    provider: "提供部门",
    changedAt: "变更时间",
    dueAt: "发布期限",
    publishedAt: "发布时间",
    notPublished: "尚未发布",
    workingDays: "用时（工作日）",
    sharing: "二、共享",
    received: "收到申请",
    approved: "同意",
    refused: "拒绝",
    withdrawn: "撤回",
    pending: "年末待答复",
    overdue: "逾期答复或逾期未答复",
    requestsMade: "本部门提出申请",
    answerTitle: "答复用时（有条件共享）",
    answered: "已答复",
    median: "中位数（工作日）",
    p90: "90 分位（工作日）",
    limit: "答复时限（工作日）",
    reasons: "拒绝理由",
    reason: "理由",
    count: "次数",
    exchange: "三、数据交换",
    snapshots: "发布数据快照",
    bytesPublished: "发布数据量",
    rowsPublished: "发布记录数",
    deliveries: "数据交付次数",
    bytesDelivered: "交付数据量",
    rowsDelivered: "交付记录数",
    byProvider: "按提供部门",
    byReceiver: "按接收部门",
    dept: "部门",
    access: "四、访问",
    calls: "调用总数",
    refusedCalls: "被拒绝的调用（未认证、无权限、超出配额）",
    chain: "日志哈希链",
    chainOk: "校验通过",
    chainBad: "校验未通过",
    recordsChecked: "已校验记录",
    headSeq: "年末记录序号",
    headHash: "年末记录哈希",
    byOutcome: "按结果",
    outcome: "结果",
    none: "无",
    figure: "项目",
    value: "数值",
  },
  en: {
    title: "Annual report",
    year: "Year",
    department: "Department code",
    departmentHint: "Empty: the whole platform",
    show: "Show",
    loading: "Computing…",
    platform: "Whole platform",
    generated: "Generated",
    offset: "UTC offset",
    running: (at: string) => `The year is not over: figures up to ${at}.`,
    catalogue: "1. Catalogue",
    registered: "Registered",
    published: "First published",
    republished: "Republished after a change",
    revoked: "Revoked",
    publishedAtYearEnd: "Published at year end",
    byCategory: "By category",
    byShareType: "By share type",
    group: "Group",
    lateTitle: "Late catalogue updates",
    lateRule: (days: number, due: string, late: string) => `A change must be published within ${days} working days. Due this year: ${due}; late: ${late}.`,
    entry: "Entry",
    provider: "Provider",
    changedAt: "Changed",
    dueAt: "Due",
    publishedAt: "Published",
    notPublished: "not yet published",
    workingDays: "Working days",
    sharing: "2. Sharing",
    received: "Requests received",
    approved: "Approved",
    refused: "Refused",
    withdrawn: "Withdrawn",
    pending: "Pending at year end",
    overdue: "Answered late or overdue",
    requestsMade: "Requests made by the department",
    answerTitle: "Answer time (conditional sharing)",
    answered: "Answered",
    median: "Median (working days)",
    p90: "90th percentile (working days)",
    limit: "Deadline (working days)",
    reasons: "Refusal reasons",
    reason: "Reason",
    count: "Count",
    exchange: "3. Data exchange",
    snapshots: "Snapshots published",
    bytesPublished: "Bytes published",
    rowsPublished: "Rows published",
    deliveries: "Deliveries",
    bytesDelivered: "Bytes delivered",
    rowsDelivered: "Rows delivered",
    byProvider: "By provider",
    byReceiver: "By receiver",
    dept: "Department",
    access: "4. Access",
    calls: "Calls",
    refusedCalls: "Calls refused (unauthenticated, denied, over quota)",
    chain: "Hash chain",
    chainOk: "verified",
    chainBad: "verification failed",
    recordsChecked: "Records checked",
    headSeq: "Last record of the year",
    headHash: "Its hash",
    byOutcome: "By outcome",
    outcome: "Outcome",
    none: "None",
    figure: "Figure",
    value: "Value",
  },
};

type Words = (typeof TEXT)["zh"];

const n = (v: bigint | number) => Number(v).toLocaleString("en-US");

function Figures({ caption, rows }: { caption: string; rows: [string, ReactNode][] }) {
  const text = useText(TEXT);
  return (
    <table className="figures">
      <caption className="visually-hidden">{caption}</caption>
      <thead className="visually-hidden">
        <tr>
          <th scope="col">{text.figure}</th>
          <th scope="col">{text.value}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td className="num">{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A table of counts: a row header on each row, and a number in each column after it. */
function CountTable({
  caption,
  group,
  columns,
  rows,
}: {
  caption: string;
  group: string;
  columns: string[];
  rows: { key: string; label: ReactNode; counts: ReactNode[] }[];
}) {
  return (
    <table className="figures">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{group}</th>
          {columns.map((c, i) => (
            <th key={i} scope="col" className="num">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <th scope="row">{r.label}</th>
            {r.counts.map((v, i) => (
              <td key={i} className="num">
                {v}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CatalogueTable({ caption, rows, text }: { caption: string; rows: CatalogueRow[]; text: Words }) {
  return (
    <CountTable
      caption={caption}
      group={text.group}
      columns={[text.registered, text.published, text.revoked, text.publishedAtYearEnd]}
      rows={rows.map((r) => ({
        key: r.key,
        label: r.label || r.key,
        counts: [n(r.registered), n(r.published), n(r.revoked), n(r.publishedAtYearEnd)],
      }))}
    />
  );
}

function FlowTable({ caption, rows, provider, text }: { caption: string; rows: DepartmentFlow[]; provider: boolean; text: Words }) {
  if (rows.length === 0) return null;
  return (
    <CountTable
      caption={caption}
      group={text.dept}
      columns={[...(provider ? [text.snapshots] : []), text.deliveries, text.bytesDelivered, text.rowsDelivered]}
      rows={rows.map((r) => ({
        key: r.departmentCode,
        label: (
          <>
            {r.departmentName} <code className="muted">{r.departmentCode}</code>
          </>
        ),
        counts: [...(provider ? [n(r.snapshotsPublished)] : []), n(r.deliveries), formatBytes(r.bytesDelivered), n(r.rowsDelivered)],
      }))}
    />
  );
}

/** One numbered section of the report. */
function ReportSection({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="report-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function ReportBody({ report: r }: { report: AnnualReport }) {
  const text = useText(TEXT);
  const { lang } = useLang();
  const c = r.catalogue;
  const s = r.sharing;
  const x = r.exchange;
  const a = r.access;
  const days = (v: number) => v.toLocaleString(lang === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: 1 });
  return (
    <article aria-labelledby="report-heading">
      <h2 id="report-heading">
        {r.year} · {r.departmentCode ? `${r.departmentName}（${r.departmentCode}）` : text.platform}
      </h2>
      <p className="muted tight">
        {text.generated} {formatTime(r.generatedAt)} · {text.offset} {r.utcOffset}
      </p>
      {!r.yearComplete ? <p className="notice">{text.running(formatTime(r.generatedAt))}</p> : null}

      {c ? (
        <ReportSection id="report-catalogue" title={text.catalogue}>
          <div className="report-grid">
            <Figures
              caption={text.catalogue}
              rows={[
                [text.registered, n(c.registered)],
                [text.published, n(c.published)],
                [text.republished, n(c.republished)],
                [text.revoked, n(c.revoked)],
                [text.publishedAtYearEnd, n(c.publishedAtYearEnd)],
              ]}
            />
            <CatalogueTable caption={text.byCategory} rows={c.byCategory} text={text} />
            <CatalogueTable caption={text.byShareType} rows={c.byShareType} text={text} />
          </div>
          <h3>{text.lateTitle}</h3>
          <p className="tight">{text.lateRule(c.updateWorkingDays, n(c.updatesDue), n(c.updatedLate))}</p>
          {c.lateUpdates.length > 0 ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">{text.entry}</th>
                  <th scope="col">{text.provider}</th>
                  <th scope="col">{text.changedAt}</th>
                  <th scope="col">{text.dueAt}</th>
                  <th scope="col">{text.publishedAt}</th>
                  <th scope="col" className="num">{text.workingDays}</th>
                </tr>
              </thead>
              <tbody>
                {c.lateUpdates.map((l) => (
                  <tr key={`${l.entryCode}-${String(l.changedAt?.seconds)}`}>
                    <td>
                      <Link to={pathOf("entries", l.entryCode)}>
                        <code>{l.entryCode}</code>
                      </Link>{" "}
                      {l.entryName}
                    </td>
                    <td>
                      <code>{l.providerCode}</code>
                    </td>
                    <td className="nowrap">{formatTime(l.changedAt)}</td>
                    <td className="nowrap">{formatDate(l.dueAt)}</td>
                    <td className="nowrap">{l.publishedAt ? formatTime(l.publishedAt) : <span className="overdue-mark">{text.notPublished}</span>}</td>
                    <td className="num">{l.workingDays}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </ReportSection>
      ) : null}

      {s ? (
        <ReportSection id="report-sharing" title={text.sharing}>
          <div className="report-grid">
            <Figures
              caption={text.sharing}
              rows={[
                [text.received, n(s.received)],
                [text.approved, n(s.approved)],
                [text.refused, n(s.refused)],
                [text.withdrawn, n(s.withdrawn)],
                [text.pending, n(s.pending)],
                [text.overdue, n(s.overdue)],
                ...(r.departmentCode ? ([[text.requestsMade, n(s.requestsMade)]] as [string, ReactNode][]) : []),
              ]}
            />
            <CountTable
              caption={text.byShareType}
              group={text.group}
              columns={[text.received, text.approved, text.refused, text.withdrawn, text.pending, text.overdue]}
              rows={s.byShareType.map((row) => ({
                key: row.key,
                label: row.label || row.key,
                counts: [n(row.received), n(row.approved), n(row.refused), n(row.withdrawn), n(row.pending), n(row.overdue)],
              }))}
            />
          </div>
          <h3>{text.answerTitle}</h3>
          <Figures
            caption={text.answerTitle}
            rows={[
              [text.answered, n(s.answered)],
              [text.median, s.answered > 0n ? days(s.medianAnswerWorkingDays) : "—"],
              [text.p90, s.answered > 0n ? days(s.p90AnswerWorkingDays) : "—"],
              [text.limit, String(s.answerWorkingDaysLimit)],
            ]}
          />
          <h3>{text.reasons}</h3>
          {s.refusalReasons.length === 0 ? (
            <p className="empty tight">{text.none}</p>
          ) : (
            <table className="figures">
              <thead>
                <tr>
                  <th scope="col">{text.reason}</th>
                  <th scope="col" className="num">{text.count}</th>
                </tr>
              </thead>
              <tbody>
                {s.refusalReasons.map((rc) => (
                  <tr key={rc.reason}>
                    <td className="wrap">{rc.reason}</td>
                    <td className="num">{n(rc.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </ReportSection>
      ) : null}

      {x ? (
        <ReportSection id="report-exchange" title={text.exchange}>
          <div className="report-grid">
            <Figures
              caption={text.exchange}
              rows={[
                [text.snapshots, n(x.snapshotsPublished)],
                [text.bytesPublished, formatBytes(x.bytesPublished)],
                [text.rowsPublished, n(x.rowsPublished)],
                [text.deliveries, n(x.deliveries)],
                [text.bytesDelivered, formatBytes(x.bytesDelivered)],
                [text.rowsDelivered, n(x.rowsDelivered)],
              ]}
            />
            <FlowTable caption={text.byProvider} rows={x.byProvider} provider text={text} />
            <FlowTable caption={text.byReceiver} rows={x.byReceiver} provider={false} text={text} />
          </div>
        </ReportSection>
      ) : null}

      {a ? (
        <ReportSection id="report-access" title={text.access}>
          <div className="report-grid">
            <Figures
              caption={text.access}
              rows={[
                [text.calls, n(a.calls)],
                [text.refusedCalls, n(a.refusedCalls)],
                [
                  text.chain,
                  <span key="chain" className={`badge ${a.chainVerified ? "good" : "bad"}`}>
                    {a.chainVerified ? `✓ ${text.chainOk}` : `✗ ${text.chainBad}`}
                  </span>,
                ],
                [text.recordsChecked, n(a.recordsChecked)],
                [text.headSeq, String(a.headSeq)],
              ]}
            />
            {a.byOutcome.length > 0 ? (
              <CountTable
                caption={text.byOutcome}
                group={text.outcome}
                columns={[text.count]}
                rows={a.byOutcome.map((o) => ({
                  key: o.outcome,
                  label: (
                    <>
                      {o.outcome} <span className="muted">({o.code})</span>
                    </>
                  ),
                  counts: [n(o.count)],
                }))}
              />
            ) : null}
          </div>
          {a.headHash ? (
            <p className="tight muted">
              {text.headHash}：<code>{a.headHash}</code>
            </p>
          ) : null}
          {a.chainProblem ? <p className="problem">{a.chainProblem}</p> : null}
        </ReportSection>
      ) : null}
    </article>
  );
}

export function AnnualReportView() {
  const session = useSession();
  const text = useText(TEXT);
  const oversight = session.has(Role.ADMIN) || session.has(Role.AUDITOR);
  const lastYear = new Date().getFullYear() - 1;
  const [yearInput, setYearInput] = useState(String(lastYear));
  const [deptInput, setDeptInput] = useState("");
  const [query, setQuery] = useState({ year: lastYear, department: "" });
  const call = useCall(
    () => session.api.report.getAnnualReport({ year: query.year, departmentCode: query.department }),
    [query.year, query.department],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ year: Number(yearInput) || lastYear, department: oversight ? deptInput.trim() : "" });
  };
  return (
    <>
      <h1>{text.title}</h1>
      <form className="filters" onSubmit={submit}>
        <Filter label={text.year}>
          <input type="number" min={2000} max={lastYear + 2} value={yearInput} onChange={(e) => setYearInput(e.target.value)} />
        </Filter>
        {oversight ? (
          <Filter label={text.department}>
            <input value={deptInput} onChange={(e) => setDeptInput(e.target.value)} placeholder={text.departmentHint} size={22} />
          </Filter>
        ) : null}
        <button type="submit">{text.show}</button>
      </form>
      <ProblemBanner problem={call.problem} />
      {call.loading ? <p className="empty">{text.loading}</p> : null}
      {call.data && !call.problem ? <ReportBody report={call.data} /> : null}
    </>
  );
}
