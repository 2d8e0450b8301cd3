// The requests list: the two sides of a department's requests as tabs (everything for ADMIN and
// AUDITOR), filters, overdue requests marked, and the answer or withdrawal of a pending one.
import { useState } from "react";
import { RequestState, type SharingRequest } from "../../gen/govshare/v1/sharing_pb.js";
import { formatDate, formatTime } from "../../format.js";
import { useEnumLabel, useText } from "../../i18n.js";
import { Link, pathOf } from "../../router.js";
import { Role, useSession, type Session } from "../../session.js";
import { grantPath, RequestStateBadge } from "./common.js";
import { DecideDialog, WithdrawDialog } from "./DecideDialog.js";
import { REQUEST_TEXT } from "./requestText.js";
import { SharingList } from "./SharingList.js";

/** Whether the session may answer `r`. */
export function canDecide(s: Session, r: SharingRequest): boolean {
  return r.state === RequestState.PENDING && s.has(Role.APPROVER) && s.department !== "" && r.providerCode === s.department;
}

/** Whether the session may take `r` back. */
export function canWithdraw(s: Session, r: SharingRequest): boolean {
  return r.state === RequestState.PENDING && s.has(Role.CONSUMER) && s.department !== "" && r.requesterCode === s.department;
}

export function RequestList() {
  const session = useSession();
  const text = useText(REQUEST_TEXT);
  const label = useEnumLabel();
  const [deciding, setDeciding] = useState<SharingRequest | null>(null);
  const [withdrawing, setWithdrawing] = useState<SharingRequest | null>(null);
  const [notice, setNotice] = useState("");
  const [round, setRound] = useState(0);

  const done = (_: SharingRequest, message: string) => {
    setDeciding(null);
    setWithdrawing(null);
    setNotice(message);
    setRound((r) => r + 1);
  };

  return (
    <>
      <div className="page-head">
        <h1>{text.title}</h1>
        {session.has(Role.CONSUMER) && session.department ? (
          <Link to="/requests/new">{text.newRequest}</Link>
        ) : null}
      </div>
      <SharingList
        path="requests"
        text={text}
        states="requestState"
        only={text.overdueOnly}
        load={({ only, ...q }) =>
          session.api.sharing.listRequests({ ...q, overdueOnly: only }).then((r) => ({ rows: r.requests, nextPageToken: r.nextPageToken }))
        }
        round={round}
        notice={notice}
        head={(tab) => (
          <>
            <th scope="col">{text.id}</th>
            <th scope="col">{text.entryCode}</th>
            <th scope="col">{tab === "incoming" ? text.requester : tab === "outgoing" ? text.provider : text.parties}</th>
            <th scope="col">{text.shareType}</th>
            <th scope="col">{text.purpose}</th>
            <th scope="col">{text.submitted}</th>
            <th scope="col">{text.due}</th>
            <th scope="col">{text.state}</th>
            <th scope="col">{text.grant}</th>
            <th scope="col">{text.actions}</th>
          </>
        )}
        row={(r: SharingRequest, tab) => (
          <tr key={r.id} className={r.overdue ? "overdue" : undefined}>
            <td className="nowrap">
              <Link to={pathOf("requests", r.id)}>{r.id}</Link>
            </td>
            <td className="nowrap">
              <Link to={pathOf("entries", r.entryCode)}>
                <code>{r.entryCode}</code>
              </Link>
            </td>
            <td className="nowrap">
              <code>
                {tab === "incoming" ? r.requesterCode : tab === "outgoing" ? r.providerCode : `${r.requesterCode} → ${r.providerCode}`}
              </code>
            </td>
            <td className="nowrap">{label("shareType", r.shareType)}</td>
            <td className="wrap">{r.purpose}</td>
            <td className="nowrap">{formatTime(r.submittedAt)}</td>
            <td className="nowrap">
              {formatDate(r.dueAt)}
              {r.overdue ? <span className="overdue-mark"> ⚠ {text.overdue}</span> : null}
            </td>
            <td>
              <RequestStateBadge state={r.state} />
            </td>
            <td className="nowrap">
              {r.grantId ? <Link to={grantPath(session.department, r)}>{r.grantId}</Link> : "—"}
            </td>
            <td>
              <div className="row-actions">
                {canDecide(session, r) ? (
                  <button type="button" className="primary" aria-label={`${text.decide} ${r.id}`} onClick={() => setDeciding(r)}>
                    {text.decide}
                  </button>
                ) : null}
                {canWithdraw(session, r) ? (
                  <button type="button" className="danger" aria-label={`${text.withdraw} ${r.id}`} onClick={() => setWithdrawing(r)}>
                    {text.withdraw}
                  </button>
                ) : null}
              </div>
            </td>
          </tr>
        )}
      />
      {deciding ? <DecideDialog request={deciding} onClose={() => setDeciding(null)} onDone={done} /> : null}
      {withdrawing ? <WithdrawDialog request={withdrawing} onClose={() => setWithdrawing(null)} onDone={done} /> : null}
    </>
  );
}
