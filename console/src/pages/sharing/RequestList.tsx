// The requests list: the two sides of a department's requests as tabs (everything for ADMIN and
// AUDITOR), filters, overdue requests marked, and the answer or withdrawal of a pending one.
import { useState, type FormEvent } from "react";
import { ProblemBanner } from "../../components/ProblemBanner.js";
import { Pager } from "../../components/Pager.js";
import { Direction, RequestState, type SharingRequest } from "../../gen/govshare/v1/sharing_pb.js";
import { formatDate, formatTime } from "../../format.js";
import { enumValues, useEnumLabel, useText } from "../../i18n.js";
import { Link, navigate, pathOf, useRoute } from "../../router.js";
import { Role, useSession, type Session } from "../../session.js";
import { useCall } from "../../useCall.js";
import { Filter, grantPath, RequestStateBadge, TabPanel, Tabs } from "./common.js";
import { DecideDialog, WithdrawDialog } from "./DecideDialog.js";
import { REQUEST_TEXT } from "./requestText.js";

type TabKey = "incoming" | "outgoing" | "all";

const DIRECTION: Record<TabKey, Direction> = {
  incoming: Direction.INCOMING,
  outgoing: Direction.OUTGOING,
  all: Direction.UNSPECIFIED,
};

function tabsFor(s: Session): TabKey[] {
  const tabs: TabKey[] = [];
  if (s.department) {
    // An approver's work comes first; a consumer's own requests first otherwise.
    if (s.has(Role.APPROVER) || !s.has(Role.CONSUMER)) tabs.push("incoming", "outgoing");
    else tabs.push("outgoing", "incoming");
  }
  if (s.has(Role.ADMIN) || s.has(Role.AUDITOR)) tabs.push("all");
  return tabs.length ? tabs : ["all"];
}

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
  const route = useRoute();
  const tabs = tabsFor(session);
  const asked = route.query.get("tab") as TabKey | null;
  const tab: TabKey = asked && tabs.includes(asked) ? asked : tabs[0];
  const [state, setState] = useState<RequestState>(RequestState.UNSPECIFIED);
  const [overdueOnly, setOverdueOnly] = useState(false);
  const [entryInput, setEntryInput] = useState("");
  const [entryCode, setEntryCode] = useState("");
  const [pageToken, setPageToken] = useState("");
  const [deciding, setDeciding] = useState<SharingRequest | null>(null);
  const [withdrawing, setWithdrawing] = useState<SharingRequest | null>(null);
  const [notice, setNotice] = useState("");

  const list = useCall(
    () =>
      session.api.sharing.listRequests({
        direction: DIRECTION[tab],
        state,
        overdueOnly,
        entryCode,
        pageSize: 20,
        pageToken,
      }),
    [tab, state, overdueOnly, entryCode, pageToken],
  );

  const selectTab = (key: TabKey) => {
    setPageToken("");
    navigate(`/requests?tab=${key}`);
  };
  const search = (e: FormEvent) => {
    e.preventDefault();
    setPageToken("");
    setEntryCode(entryInput.trim());
  };
  const done = (_: SharingRequest, message: string) => {
    setDeciding(null);
    setWithdrawing(null);
    setNotice(message);
    list.reload();
  };
  const tabLabel: Record<TabKey, string> = { incoming: text.incoming, outgoing: text.outgoing, all: text.all };
  const rows = list.data?.requests ?? [];

  return (
    <>
      <div className="page-head">
        <h1>{text.title}</h1>
        {session.has(Role.CONSUMER) && session.department ? (
          <Link to="/requests/new">{text.newRequest}</Link>
        ) : null}
      </div>
      {tabs.length > 1 ? (
        <Tabs
          idPrefix="requests"
          label={text.tabs}
          tabs={tabs.map((k) => ({ key: k, label: tabLabel[k] }))}
          selected={tab}
          onSelect={selectTab}
        />
      ) : null}
      <TabPanel idPrefix="requests" selected={tab}>
        <form className="filters" onSubmit={search} role="search">
          <Filter label={text.state}>
            <select
              value={state}
              onChange={(e) => {
                setPageToken("");
                setState(Number(e.target.value) as RequestState);
              }}
            >
              <option value={RequestState.UNSPECIFIED}>{text.anyState}</option>
              {enumValues("requestState").map((v) => (
                <option key={v} value={v}>
                  {label("requestState", v)}
                </option>
              ))}
            </select>
          </Filter>
          <Filter label={text.entryCode}>
            <input value={entryInput} onChange={(e) => setEntryInput(e.target.value)} placeholder="303084122704/000001" />
          </Filter>
          <label className="check">
            <input
              type="checkbox"
              checked={overdueOnly}
              onChange={(e) => {
                setPageToken("");
                setOverdueOnly(e.target.checked);
              }}
            />
            {text.overdueOnly}
          </label>
          <button type="submit">{text.search}</button>
        </form>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <ProblemBanner problem={list.problem} />
        {list.loading && !list.data ? <p className="empty">{text.loading}</p> : null}
        {list.data && rows.length === 0 ? <p className="empty">{text.none}</p> : null}
        {rows.length > 0 ? (
          <div className="scroll-x">
            <table aria-busy={list.loading}>
              <caption className="sr-only">{tabLabel[tab]}</caption>
              <thead>
                <tr>
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
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
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
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <Pager pageToken={pageToken} nextPageToken={list.data?.nextPageToken ?? ""} onPage={setPageToken} />
      </TabPanel>
      {deciding ? <DecideDialog request={deciding} onClose={() => setDeciding(null)} onDone={done} /> : null}
      {withdrawing ? <WithdrawDialog request={withdrawing} onClose={() => setWithdrawing(null)} onDone={done} /> : null}
    </>
  );
}
