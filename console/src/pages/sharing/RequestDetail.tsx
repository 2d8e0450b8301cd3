// One request: what was asked, by whom, of whom, its deadline and its history.
import { useState } from "react";
import { ProblemBanner } from "../../components/ProblemBanner.js";
import type { SharingRequest } from "../../gen/govshare/v1/sharing_pb.js";
import { formatDate, formatTime } from "../../format.js";
import { useEnumLabel, useText } from "../../i18n.js";
import { Link, pathOf } from "../../router.js";
import { useSession } from "../../session.js";
import { useCall } from "../../useCall.js";
import { grantPath, RequestStateBadge } from "./common.js";
import { DecideDialog, WithdrawDialog } from "./DecideDialog.js";
import { canDecide, canWithdraw } from "./RequestList.js";
import { REQUEST_TEXT } from "./requestText.js";

export function RequestDetail({ id }: { id: string }) {
  const session = useSession();
  const text = useText(REQUEST_TEXT);
  const label = useEnumLabel();
  const call = useCall(() => session.api.sharing.getRequest({ id }), [id]);
  const [dialog, setDialog] = useState<"decide" | "withdraw" | null>(null);
  const [notice, setNotice] = useState("");
  const done = (_: SharingRequest, message: string) => {
    setDialog(null);
    setNotice(message);
    call.reload();
  };
  const r = call.data;
  return (
    <>
      <p>
        <Link to="/requests">← {text.back}</Link>
      </p>
      <h1>
        {text.detailTitle} {id}
      </h1>
      <ProblemBanner problem={call.problem} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {!r && !call.problem ? <p className="empty">{text.loading}</p> : null}
      {r ? (
        <>
          <dl className="details">
            <dt>{text.state}</dt>
            <dd>
              <RequestStateBadge state={r.state} />
            </dd>
            <dt>{text.entryCode}</dt>
            <dd>
              <Link to={pathOf("entries", r.entryCode)}>
                <code>{r.entryCode}</code>
              </Link>{" "}
              <span className="muted">
                {text.entryVersion} {String(r.entryVersion)}
              </span>
            </dd>
            <dt>{text.requester}</dt>
            <dd>
              <code>{r.requesterCode}</code>
            </dd>
            <dt>{text.provider}</dt>
            <dd>
              <code>{r.providerCode}</code>
            </dd>
            <dt>{text.shareType}</dt>
            <dd>{label("shareType", r.shareType)}</dd>
            <dt>{text.requestedItems}</dt>
            <dd>{r.items.join("、")}</dd>
            <dt>{text.purpose}</dt>
            <dd>{r.purpose}</dd>
            <dt>{text.useScopeLabel}</dt>
            <dd>{r.useScope}</dd>
            <dt>{text.businessSystem}</dt>
            <dd>{r.businessSystem}</dd>
            <dt>{text.requestedUntilLabel}</dt>
            <dd>{formatTime(r.requestedUntil)}</dd>
            <dt>{text.submitted}</dt>
            <dd>{formatTime(r.submittedAt)}</dd>
            <dt>{text.due}</dt>
            <dd className={r.overdue ? "overdue-mark" : undefined}>
              {formatDate(r.dueAt)}
              {r.overdue ? ` ⚠ ${text.overdue}` : ""}
            </dd>
            <dt>{text.decidedAt}</dt>
            <dd>{formatTime(r.decidedAt)}</dd>
            {r.reason ? (
              <>
                <dt>{text.stateReason}</dt>
                <dd>{r.reason}</dd>
              </>
            ) : null}
            <dt>{text.grant}</dt>
            <dd>
              {r.grantId ? (
                <Link to={grantPath(session.department, r)}>{r.grantId}</Link>
              ) : (
                "—"
              )}
            </dd>
          </dl>
          <div className="actions">
            {canDecide(session, r) ? (
              <button type="button" className="primary" onClick={() => setDialog("decide")}>
                {text.decide}
              </button>
            ) : null}
            {canWithdraw(session, r) ? (
              <button type="button" className="danger" onClick={() => setDialog("withdraw")}>
                {text.withdraw}
              </button>
            ) : null}
          </div>
          <h2>{text.history}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{text.at}</th>
                <th scope="col">{text.actor}</th>
                <th scope="col">{text.stateEntered}</th>
                <th scope="col">{text.reason}</th>
              </tr>
            </thead>
            <tbody>
              {r.history.map((h, i) => (
                <tr key={i}>
                  <td className="nowrap">{formatTime(h.at)}</td>
                  <td>
                    {h.actor?.departmentCode ? <code>{h.actor.departmentCode}</code> : text.platform}
                    {h.actor?.tokenId ? <span className="muted"> · {h.actor.tokenId}</span> : null}
                  </td>
                  <td>
                    <RequestStateBadge state={h.state} />
                  </td>
                  <td className="wrap">{h.reason || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {dialog === "decide" ? <DecideDialog request={r} onClose={() => setDialog(null)} onDone={done} /> : null}
          {dialog === "withdraw" ? <WithdrawDialog request={r} onClose={() => setDialog(null)} onDone={done} /> : null}
        </>
      ) : null}
    </>
  );
}
