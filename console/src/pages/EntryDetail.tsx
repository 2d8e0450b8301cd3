// One catalogue entry (#/entries/CODE, #/entries/CODE?v=2): its metadata, state and review
// comment, its version history with a side-by-side diff of any two versions, and what the
// caller may do with it (edit, submit for review, ask for revocation, request sharing).
import { useEffect, useState } from "react";
import { problem as toProblem, type Problem } from "../api.js";
import { Pager } from "../components/Pager.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { ReasonDialog } from "../components/ReasonDialog.js";
import type { CatalogEntry } from "../gen/govshare/v1/catalog_pb.js";
import { EntryState, Role } from "../gen/govshare/v1/common_pb.js";
import { formatTime } from "../format.js";
import { useText } from "../i18n.js";
import { Link, pathOf, useRoute } from "../router.js";
import { useSession } from "../session.js";
import { useCall } from "../useCall.js";
import { loadEntry } from "./entry/load.js";
import { MetadataView } from "./entry/MetadataView.js";
import { StateBadge } from "./entry/StateBadge.js";
import { VersionDiff } from "./entry/VersionDiff.js";
import "./catalogue.css";

const TEXT = {
  zh: {
    loading: "正在加载…",
    back: "返回资源目录",
    state: "状态",
    shown: (v: string) => `当前显示第 ${v} 版`,
    head: (v: string) => `最新第 ${v} 版`,
    published: (v: string) => `已发布第 ${v} 版`,
    neverPublished: "尚未发布",
    updated: "更新于",
    comment: "审核意见",
    edit: "修改",
    submit: "提交审核",
    revoke: "申请撤销",
    request: "申请共享",
    submitted: "已提交审核，等待平台管理员审核。",
    revokeRequested: "已申请撤销，等待平台管理员审核。",
    revokeTitle: (code: string) => `申请撤销目录 ${code}`,
    reason: "撤销理由",
    reasonHint: "说明撤销的原因，如职责调整或法律法规变更。",
    confirmRevoke: "提交撤销申请",
    cancel: "取消",
    metadata: "元数据",
    versions: "版本历史",
    version: "版本",
    time: "时间",
    author: "作者",
    digest: "摘要值",
    note: "说明",
    view: "查看",
    viewing: "正在查看",
    compare: "版本比较",
    from: "较早版本",
    to: "较新版本",
    versionN: (v: string) => `第 ${v} 版`,
    one: "只有一个版本，没有可比较的内容。",
    pick: "请选择两个不同的版本。",
    showHead: "查看最新版本",
  },
  en: {
    loading: "Loading…",
    back: "Back to the catalogue",
    state: "State",
    shown: (v: string) => `Showing version ${v}`,
    head: (v: string) => `latest version ${v}`,
    published: (v: string) => `published version ${v}`,
    neverPublished: "never published",
    updated: "Updated",
    comment: "Review comment",
    edit: "Edit",
    submit: "Submit for review",
    revoke: "Request revocation",
    request: "Request sharing",
    submitted: "Submitted: the platform administrator will review it.",
    revokeRequested: "Revocation requested: the platform administrator will review it.",
    revokeTitle: (code: string) => `Request revocation of ${code}`,
    reason: "Reason",
    reasonHint: "Why the entry should be withdrawn, e.g. changed duties or law.",
    confirmRevoke: "Send revocation request",
    cancel: "Cancel",
    metadata: "Metadata",
    versions: "Version history",
    version: "Version",
    time: "Time",
    author: "Author",
    digest: "Digest",
    note: "Note",
    view: "View",
    viewing: "Viewing",
    compare: "Compare versions",
    from: "Older version",
    to: "Newer version",
    versionN: (v: string) => `Version ${v}`,
    one: "There is only one version: nothing to compare.",
    pick: "Choose two different versions.",
    showHead: "Show the latest version",
  },
};

type Words = (typeof TEXT)["zh"];

export function EntryDetailPage({ code }: { code: string }) {
  const session = useSession();
  const text = useText(TEXT);
  const route = useRoute();
  const asked = /^\d+$/.test(route.query.get("v") ?? "") ? BigInt(route.query.get("v") as string) : 0n;
  const mayReadAll = (e: CatalogEntry) => session.has(Role.ADMIN) || (session.department !== "" && session.department === e.providerCode);
  const loaded = useCall(() => loadEntry(session.api, code, asked, mayReadAll), [code, asked, session]);
  const [notice, setNotice] = useState("");
  const [failure, setFailure] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState(false);

  useEffect(() => {
    setNotice("");
    setFailure(null);
  }, [code]);

  if (loaded.problem) return <ProblemBanner problem={loaded.problem} />;
  const entry = loaded.data;
  if (!entry) return <p className="loading">{text.loading}</p>;

  const own = session.department !== "" && session.department === entry.providerCode;
  const cataloguer = own && session.has(Role.CATALOGUER);
  const state = entry.state;
  const hasNewerEdits = entry.headVersion > entry.publishedVersion;
  const canEdit = cataloguer && (state === EntryState.DRAFT || state === EntryState.PUBLISH_REJECTED || state === EntryState.PUBLISHED);
  const canSubmit =
    cataloguer && (state === EntryState.DRAFT || state === EntryState.PUBLISH_REJECTED || (state === EntryState.PUBLISHED && hasNewerEdits));
  const canRevoke = cataloguer && state === EntryState.PUBLISHED;
  const canRequest = session.has(Role.CONSUMER) && !own && state === EntryState.PUBLISHED;
  const shownVersion = entry.version?.version ?? 0n;

  const submit = async () => {
    setBusy(true);
    setNotice("");
    try {
      await session.api.catalog.submitEntry({ code: entry.code, expectedVersion: entry.headVersion });
      setFailure(null);
      setNotice(text.submitted);
      loaded.reload();
    } catch (err) {
      setFailure(toProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="entry-detail">
      <p>
        <Link to="/catalogue">← {text.back}</Link>
      </p>
      <div className="page-head">
        <h1>{entry.metadata?.name || entry.code}</h1>
        <StateBadge state={state} />
      </div>
      <p className="muted">
        <span className="mono">{entry.code}</span> · {text.shown(String(shownVersion))} · {text.head(String(entry.headVersion))} ·{" "}
        {entry.publishedVersion ? text.published(String(entry.publishedVersion)) : text.neverPublished} · {text.updated}{" "}
        {formatTime(entry.updatedAt)}
        {asked !== 0n && asked !== entry.headVersion ? (
          <>
            {" · "}
            <Link to={pathOf("entries", entry.code)}>{text.showHead}</Link>
          </>
        ) : null}
      </p>
      {entry.reviewComment ? (
        <div className="review-comment">
          <strong>{text.comment}：</strong>
          {entry.reviewComment}
        </div>
      ) : null}
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ProblemBanner problem={failure} />
      {canEdit || canSubmit || canRevoke || canRequest ? (
        <div className="actions">
          {canEdit ? (
            <Link to={pathOf("entries", entry.code, "edit")} className="button">
              {text.edit}
            </Link>
          ) : null}
          {canSubmit ? (
            <button type="button" className="primary" onClick={() => void submit()} disabled={busy}>
              {text.submit}
            </button>
          ) : null}
          {canRevoke ? (
            <button type="button" className="danger" onClick={() => setRevoking(true)} disabled={busy}>
              {text.revoke}
            </button>
          ) : null}
          {canRequest ? (
            <Link to={`/requests/new?entry=${encodeURIComponent(entry.code)}`} className="button primary">
              {text.request}
            </Link>
          ) : null}
        </div>
      ) : null}

      <section aria-labelledby="metadata-title">
        <h2 id="metadata-title">{text.metadata}</h2>
        {entry.metadata ? <MetadataView metadata={entry.metadata} code={entry.code} /> : null}
      </section>

      {mayReadAll(entry) ? <Versions entry={entry} shown={shownVersion} text={text} /> : null}

      {revoking ? (
        <ReasonDialog
          title={text.revokeTitle(entry.code)}
          label={text.reason}
          hint={text.reasonHint}
          required
          autoFocus
          quiet
          confirm={text.confirmRevoke}
          tone="danger"
          cancel={text.cancel}
          onClose={() => setRevoking(false)}
          send={async (reason) => {
            await session.api.catalog.requestRevocation({ code: entry.code, reason });
            setRevoking(false);
            setFailure(null);
            setNotice(text.revokeRequested);
            loaded.reload();
          }}
        />
      ) : null}
    </article>
  );
}

function Versions({ entry, shown, text }: { entry: CatalogEntry; shown: bigint; text: Words }) {
  const session = useSession();
  const [pageToken, setPageToken] = useState("");
  const list = useCall(
    () => session.api.catalog.listVersions({ code: entry.code, pageSize: 50, pageToken }),
    [entry.code, entry.headVersion, pageToken],
  );
  const head = entry.headVersion;
  const base = entry.publishedVersion && entry.publishedVersion < head ? entry.publishedVersion : head > 1n ? head - 1n : head;
  const [from, setFrom] = useState(base);
  const [to, setTo] = useState(head);
  useEffect(() => {
    setFrom(base);
    setTo(head);
  }, [base, head]);

  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">{text.versions}</h2>
      <ProblemBanner problem={list.problem} />
      {list.data ? (
        <>
          <table className="versions">
            <thead>
              <tr>
                <th className="num">{text.version}</th>
                <th>{text.time}</th>
                <th>{text.author}</th>
                <th>{text.digest}</th>
                <th>{text.note}</th>
                <th>
                  <span className="visually-hidden">{text.view}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.versions.map((v) => (
                <tr key={String(v.version)}>
                  <td className="num">{String(v.version)}</td>
                  <td>{formatTime(v.createdAt)}</td>
                  <td className="mono">{v.author}</td>
                  <td className="mono" title={v.digest}>
                    {v.digest.slice(0, 12)}
                  </td>
                  <td className="note">{v.note || "—"}</td>
                  <td>
                    {v.version === shown ? (
                      <span className="muted">{text.viewing}</span>
                    ) : (
                      <Link to={`${pathOf("entries", entry.code)}?v=${v.version}`}>
                        {text.view} <span className="visually-hidden">{text.versionN(String(v.version))}</span>
                      </Link>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager pageToken={pageToken} nextPageToken={list.data.nextPageToken} onPage={setPageToken} />
        </>
      ) : null}

      <h3>{text.compare}</h3>
      {head < 2n ? (
        <p className="empty">{text.one}</p>
      ) : (
        <>
          <div className="diff-pick">
            <VersionPick label={text.from} value={from} onChange={setFrom} head={head} text={text} />
            <VersionPick label={text.to} value={to} onChange={setTo} head={head} text={text} />
          </div>
          {from === to ? <p className="empty">{text.pick}</p> : <VersionDiff code={entry.code} from={from} to={to} />}
        </>
      )}
    </section>
  );
}

/** One end of the comparison: a choice of every version up to `head`. */
function VersionPick({
  label,
  value,
  onChange,
  head,
  text,
}: {
  label: string;
  value: bigint;
  onChange: (v: bigint) => void;
  head: bigint;
  text: Words;
}) {
  const all: bigint[] = [];
  for (let v = 1n; v <= head; v++) all.push(v);
  return (
    <label>
      {label}
      <select value={String(value)} onChange={(e) => onChange(BigInt(e.target.value))}>
        {all.map((v) => (
          <option key={String(v)} value={String(v)}>
            {text.versionN(String(v))}
          </option>
        ))}
      </select>
    </label>
  );
}
