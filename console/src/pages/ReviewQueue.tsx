// The platform administrator's review queue (#/review): entries awaiting publication review and
// revocation review. Opening one shows the version under review, what changed since the
// published version, and the decision: 通过 (approve) or 驳回 (reject, with a comment).
import { useState } from "react";
import { Pager } from "../components/Pager.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { ReasonDialog } from "../components/ReasonDialog.js";
import type { CatalogEntry } from "../gen/govshare/v1/catalog_pb.js";
import { EntryState, Role } from "../gen/govshare/v1/common_pb.js";
import { formatTime } from "../format.js";
import { useText } from "../i18n.js";
import { Link, pathOf } from "../router.js";
import { useSession } from "../session.js";
import { useCall } from "../useCall.js";
import { MetadataView } from "./entry/MetadataView.js";
import { StateBadge } from "./entry/StateBadge.js";
import { VersionDiff } from "./entry/VersionDiff.js";
import "./catalogue.css";

const TEXT = {
  zh: {
    title: "目录审核",
    publish: "发布审核",
    revoke: "撤销审核",
    empty: "没有待审核的目录。",
    loading: "正在加载…",
    choose: "从左侧选择一条目录进行审核。",
    version: (v: string) => `第 ${v} 版`,
    reviewed: (v: string) => `审核第 ${v} 版`,
    firstPublication: "首次发布：尚无已发布版本，以下为待审核版本的全部内容。",
    changes: (a: string, b: string) => `与已发布第 ${a} 版相比（待审核第 ${b} 版）`,
    revokeReason: "撤销理由",
    metadata: "待审核的元数据",
    approve: "通过",
    reject: "驳回",
    approveTitle: (code: string) => `通过目录 ${code}`,
    rejectTitle: (code: string) => `驳回目录 ${code}`,
    comment: "审核意见",
    rejectComment: "驳回意见",
    commentHint: "驳回时必填，提供部门将看到这条意见。",
    optionalHint: "可选。",
    confirmApprove: "确认通过",
    confirmReject: "确认驳回",
    cancel: "取消",
    approved: (code: string) => `已通过目录 ${code}。`,
    rejected: (code: string) => `已驳回目录 ${code}。`,
    open: "查看目录页",
    submittedAt: "提交于",
    notAllowed: "只有平台管理员可以审核目录。",
  },
  en: {
    title: "Review queue",
    publish: "Publication review",
    revoke: "Revocation review",
    empty: "Nothing awaits review.",
    loading: "Loading…",
    choose: "Choose an entry on the left to review it.",
    version: (v: string) => `version ${v}`,
    reviewed: (v: string) => `Reviewing version ${v}`,
    firstPublication: "First publication: no version is published yet; below is the whole version under review.",
    changes: (a: string, b: string) => `Changes from published version ${a} (version ${b} under review)`,
    revokeReason: "Reason for revocation",
    metadata: "Metadata under review",
    approve: "Approve",
    reject: "Reject",
    approveTitle: (code: string) => `Approve ${code}`,
    rejectTitle: (code: string) => `Reject ${code}`,
    comment: "Comment",
    rejectComment: "Reason for rejection",
    commentHint: "Required when rejecting; the providing department sees it.",
    optionalHint: "Optional.",
    confirmApprove: "Confirm approval",
    confirmReject: "Confirm rejection",
    cancel: "Cancel",
    approved: (code: string) => `Entry ${code} approved.`,
    rejected: (code: string) => `Entry ${code} rejected.`,
    open: "Open the entry page",
    submittedAt: "Submitted",
    notAllowed: "Only the platform administrator reviews entries.",
  },
};

type Words = (typeof TEXT)["zh"];

/** The version a review decides: the head for publication, the published one for revocation. */
function reviewedVersion(e: CatalogEntry): bigint {
  return e.state === EntryState.PENDING_REVOKE ? e.publishedVersion || e.headVersion : e.headVersion;
}

export function ReviewQueuePage() {
  const session = useSession();
  const text = useText(TEXT);
  const [selected, setSelected] = useState<CatalogEntry | null>(null);
  const [notice, setNotice] = useState("");
  const [round, setRound] = useState(0);
  if (!session.has(Role.ADMIN)) return <p>{text.notAllowed}</p>;
  const done = (message: string) => {
    setNotice(message);
    setSelected(null);
    setRound((r) => r + 1);
  };
  return (
    <div className="review">
      <h1>{text.title}</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div className="review-layout">
        <nav aria-label={text.title}>
          <Queue state={EntryState.PENDING_PUBLISH} title={text.publish} selected={selected} onSelect={setSelected} round={round} text={text} />
          <Queue state={EntryState.PENDING_REVOKE} title={text.revoke} selected={selected} onSelect={setSelected} round={round} text={text} />
        </nav>
        <div>
          {selected ? (
            <Review key={`${selected.code}/${String(reviewedVersion(selected))}`} entry={selected} text={text} onDone={done} />
          ) : (
            <p className="empty">{text.choose}</p>
          )}
        </div>
      </div>
    </div>
  );
}

function Queue({
  state,
  title,
  selected,
  onSelect,
  round,
  text,
}: {
  state: EntryState;
  title: string;
  selected: CatalogEntry | null;
  onSelect: (e: CatalogEntry) => void;
  round: number;
  text: Words;
}) {
  const session = useSession();
  const [pageToken, setPageToken] = useState("");
  const list = useCall(() => session.api.catalog.listEntries({ state, pageSize: 50, pageToken }), [state, pageToken, round]);
  const headingId = `queue-${state}`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>
        {title}
        {list.data ? `（${list.data.entries.length}${list.data.nextPageToken ? "+" : ""}）` : ""}
      </h2>
      <ProblemBanner problem={list.problem} />
      {!list.data && list.loading ? <p className="loading">{text.loading}</p> : null}
      {list.data && list.data.entries.length === 0 ? <p className="empty">{text.empty}</p> : null}
      {list.data && list.data.entries.length > 0 ? (
        <ul className="queue-list">
          {list.data.entries.map((e) => (
            <li key={e.code}>
              <button type="button" aria-current={selected?.code === e.code ? "true" : undefined} onClick={() => onSelect(e)}>
                {e.metadata?.name || e.code}
                <span className="sub mono">{e.code}</span>
                <span className="sub">
                  {e.metadata?.providerName || e.providerCode} · {text.version(String(reviewedVersion(e)))} · {formatTime(e.updatedAt)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {list.data ? <Pager pageToken={pageToken} nextPageToken={list.data.nextPageToken} onPage={setPageToken} /> : null}
    </section>
  );
}

function Review({ entry, text, onDone }: { entry: CatalogEntry; text: Words; onDone: (message: string) => void }) {
  const session = useSession();
  const version = reviewedVersion(entry);
  const loaded = useCall(() => session.api.catalog.getEntry({ code: entry.code, version }), [entry.code, version]);
  const [deciding, setDeciding] = useState<"approve" | "reject" | null>(null);
  const approve = deciding === "approve";
  const revocation = entry.state === EntryState.PENDING_REVOKE;
  const published = entry.publishedVersion;
  const current = loaded.data ?? entry;
  return (
    <section aria-labelledby="review-title" className="review-panel">
      <div className="page-head">
        <h2 id="review-title">{current.metadata?.name || current.code}</h2>
        <StateBadge state={current.state} />
      </div>
      <p className="muted">
        <span className="mono">{current.code}</span> · {text.reviewed(String(version))} · {text.submittedAt} {formatTime(current.updatedAt)} ·{" "}
        <Link to={pathOf("entries", current.code)}>{text.open}</Link>
      </p>
      {revocation && current.reviewComment ? (
        <div className="review-comment">
          <strong>{text.revokeReason}：</strong>
          {current.reviewComment}
        </div>
      ) : null}
      <div className="actions">
        <button type="button" className="primary" onClick={() => setDeciding("approve")}>
          {text.approve}
        </button>
        <button type="button" className="danger" onClick={() => setDeciding("reject")}>
          {text.reject}
        </button>
      </div>
      {!revocation ? (
        published && published !== version ? (
          <>
            <h3>{text.changes(String(published), String(version))}</h3>
            <VersionDiff code={entry.code} from={published} to={version} />
          </>
        ) : (
          <p className="muted">{text.firstPublication}</p>
        )
      ) : null}
      <h3>{text.metadata}</h3>
      <ProblemBanner problem={loaded.problem} />
      {loaded.data?.metadata ? <MetadataView metadata={loaded.data.metadata} code={loaded.data.code} /> : loaded.loading ? <p className="loading">{text.loading}</p> : null}
      {deciding ? (
        <ReasonDialog
          title={approve ? text.approveTitle(entry.code) : text.rejectTitle(entry.code)}
          label={approve ? text.comment : text.rejectComment}
          hint={approve ? text.optionalHint : text.commentHint}
          required={!approve}
          field="comment"
          autoFocus
          quiet
          confirm={approve ? text.confirmApprove : text.confirmReject}
          tone={approve ? "primary" : "danger"}
          cancel={text.cancel}
          onClose={() => setDeciding(null)}
          send={async (comment) => {
            await session.api.catalog.reviewEntry({ code: entry.code, version, approve, comment });
            setDeciding(null);
            onDone(approve ? text.approved(entry.code) : text.rejected(entry.code));
          }}
        />
      ) : null}
    </section>
  );
}
