// The grants a department holds or issued (everything for ADMIN and AUDITOR), their validity
// and the flags raised when the entry changed since; the provider's approver revokes one.
import { useState, type FormEvent } from "react";
import { problem, type Problem } from "../../api.js";
import { Dialog } from "../../components/Dialog.js";
import { Field } from "../../components/Field.js";
import { Pager } from "../../components/Pager.js";
import { ProblemBanner } from "../../components/ProblemBanner.js";
import { Direction, GrantFlagKind, GrantState, type Grant } from "../../gen/govshare/v1/sharing_pb.js";
import { formatTime } from "../../format.js";
import { enumValues, useEnumLabel, useText } from "../../i18n.js";
import { Link, navigate, pathOf, useRoute } from "../../router.js";
import { Role, useSession, type Session } from "../../session.js";
import { useCall } from "../../useCall.js";
import { fieldError, Filter, GrantStateBadge, TabPanel, Tabs, tidy } from "./common.js";

const TEXT = {
  zh: {
    title: "共享授权",
    tabs: "授权方向",
    incoming: "本部门发出的授权",
    outgoing: "本部门获得的授权",
    all: "全部授权",
    state: "状态",
    anyState: "全部状态",
    flaggedOnly: "仅显示有变更标记",
    entryCode: "目录代码",
    search: "查询",
    id: "授权编号",
    request: "申请编号",
    consumer: "使用部门",
    provider: "提供部门",
    items: "信息项",
    validFrom: "生效时间",
    validUntil: "截止时间",
    flags: "变更标记",
    actions: "操作",
    revoke: "撤销授权",
    none: "没有符合条件的授权。",
    loading: "正在加载…",
    revokeTitle: "撤销授权",
    revokeReason: "撤销理由",
    confirmRevoke: "确认撤销",
    cancel: "取消",
    revoked: (id: string) => `已撤销授权 ${id}。`,
    revokedAt: "撤销于",
    purpose: "申请事由",
    wholeEntry: "整个目录",
    flagKind: {
      [GrantFlagKind.ITEM_REMOVED]: "信息项已删除",
      [GrantFlagKind.ITEM_RETYPED]: "信息项类型已变更",
      [GrantFlagKind.ITEM_NOT_SHARED]: "信息项已改为不予共享",
      [GrantFlagKind.ENTRY_WITHDRAWN]: "目录已撤销或不予共享",
    } as Record<number, string>,
    version: "版本",
  },
  en: {
    title: "Grants",
    tabs: "Direction",
    incoming: "Grants my department issued",
    outgoing: "Grants my department holds",
    all: "All grants",
    state: "State",
    anyState: "Any state",
    flaggedOnly: "Flagged only",
    entryCode: "Entry code",
    search: "Search",
    id: "Grant",
    request: "Request",
    consumer: "Consumer",
    provider: "Provider",
    items: "Items",
    validFrom: "Valid from",
    validUntil: "Valid until",
    flags: "Flags",
    actions: "Actions",
    revoke: "Revoke",
    none: "No matching grants.",
    loading: "Loading…",
    revokeTitle: "Revoke a grant",
    revokeReason: "Reason for revoking",
    confirmRevoke: "Confirm revocation",
    cancel: "Cancel",
    revoked: (id: string) => `Grant ${id} revoked.`,
    revokedAt: "Revoked",
    purpose: "Purpose",
    wholeEntry: "whole entry",
    flagKind: {
      [GrantFlagKind.ITEM_REMOVED]: "item removed",
      [GrantFlagKind.ITEM_RETYPED]: "item retyped",
      [GrantFlagKind.ITEM_NOT_SHARED]: "item no longer shared",
      [GrantFlagKind.ENTRY_WITHDRAWN]: "entry withdrawn or not shared",
    } as Record<number, string>,
    version: "version",
  },
};

type TabKey = "incoming" | "outgoing" | "all";
const DIRECTION: Record<TabKey, Direction> = {
  incoming: Direction.INCOMING,
  outgoing: Direction.OUTGOING,
  all: Direction.UNSPECIFIED,
};

function tabsFor(s: Session): TabKey[] {
  const tabs: TabKey[] = [];
  if (s.department) {
    if (s.has(Role.APPROVER) || !s.has(Role.CONSUMER)) tabs.push("incoming", "outgoing");
    else tabs.push("outgoing", "incoming");
  }
  if (s.has(Role.ADMIN) || s.has(Role.AUDITOR)) tabs.push("all");
  return tabs.length ? tabs : ["all"];
}

function canRevoke(s: Session, g: Grant): boolean {
  return g.state === GrantState.ACTIVE && s.has(Role.APPROVER) && s.department !== "" && g.providerCode === s.department;
}

export function GrantList() {
  const session = useSession();
  const text = useText(TEXT);
  const label = useEnumLabel();
  const route = useRoute();
  const tabs = tabsFor(session);
  const asked = route.query.get("tab") as TabKey | null;
  const tab: TabKey = asked && tabs.includes(asked) ? asked : tabs[0];
  const highlight = route.query.get("grant") ?? "";
  const [state, setState] = useState<GrantState>(GrantState.UNSPECIFIED);
  const [flaggedOnly, setFlaggedOnly] = useState(false);
  const [entryInput, setEntryInput] = useState(route.query.get("entry") ?? "");
  const [entryCode, setEntryCode] = useState(route.query.get("entry") ?? "");
  const [pageToken, setPageToken] = useState("");
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const [notice, setNotice] = useState("");

  const list = useCall(
    () =>
      session.api.sharing.listGrants({
        direction: DIRECTION[tab],
        state,
        flaggedOnly,
        entryCode,
        pageSize: 20,
        pageToken,
      }),
    [tab, state, flaggedOnly, entryCode, pageToken],
  );
  const tabLabel: Record<TabKey, string> = { incoming: text.incoming, outgoing: text.outgoing, all: text.all };
  const rows = list.data?.grants ?? [];
  const search = (e: FormEvent) => {
    e.preventDefault();
    setPageToken("");
    setEntryCode(entryInput.trim());
  };

  return (
    <>
      <h1>{text.title}</h1>
      {tabs.length > 1 ? (
        <Tabs
          idPrefix="grants"
          label={text.tabs}
          tabs={tabs.map((k) => ({ key: k, label: tabLabel[k] }))}
          selected={tab}
          onSelect={(k) => {
            setPageToken("");
            navigate(`/grants?tab=${k}`);
          }}
        />
      ) : null}
      <TabPanel idPrefix="grants" selected={tab}>
        <form className="filters" onSubmit={search} role="search">
          <Filter label={text.state}>
            <select
              value={state}
              onChange={(e) => {
                setPageToken("");
                setState(Number(e.target.value) as GrantState);
              }}
            >
              <option value={GrantState.UNSPECIFIED}>{text.anyState}</option>
              {enumValues("grantState").map((v) => (
                <option key={v} value={v}>
                  {label("grantState", v)}
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
              checked={flaggedOnly}
              onChange={(e) => {
                setPageToken("");
                setFlaggedOnly(e.target.checked);
              }}
            />
            {text.flaggedOnly}
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
                  <th scope="col">{text.consumer}</th>
                  <th scope="col">{text.provider}</th>
                  <th scope="col">{text.items}</th>
                  <th scope="col">{text.validFrom}</th>
                  <th scope="col">{text.validUntil}</th>
                  <th scope="col">{text.state}</th>
                  <th scope="col">{text.flags}</th>
                  <th scope="col">{text.actions}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((g) => (
                  <tr key={g.id} className={g.id === highlight ? "highlight" : undefined} aria-current={g.id === highlight ? "true" : undefined}>
                    <td className="nowrap">
                      {g.id}
                      <div className="muted">
                        <Link to={pathOf("requests", g.requestId)}>{g.requestId}</Link>
                      </div>
                    </td>
                    <td className="nowrap">
                      <Link to={pathOf("entries", g.entryCode)}>
                        <code>{g.entryCode}</code>
                      </Link>
                    </td>
                    <td>
                      <code>{g.consumerCode}</code>
                    </td>
                    <td>
                      <code>{g.providerCode}</code>
                    </td>
                    <td className="wrap">{g.items.join("、")}</td>
                    <td className="nowrap">{formatTime(g.validFrom)}</td>
                    <td className="nowrap">{formatTime(g.validUntil)}</td>
                    <td>
                      <GrantStateBadge state={g.state} />
                      {g.state === GrantState.REVOKED ? (
                        <div className="muted wrap">
                          {text.revokedAt} {formatTime(g.revokedAt)}
                          {g.revokeReason ? `：${g.revokeReason}` : ""}
                        </div>
                      ) : null}
                    </td>
                    <td>
                      {g.flags.length === 0 ? (
                        "—"
                      ) : (
                        <ul className="tight" style={{ paddingLeft: "1rem" }}>
                          {g.flags.map((f, i) => (
                            <li key={i}>
                              <span className="badge warn">⚑ {text.flagKind[f.kind] ?? String(f.kind)}</span> {f.item || text.wholeEntry}
                              <span className="muted">
                                {" "}
                                ({text.version} {String(f.version)})
                              </span>
                              {f.detail ? <div className="muted">{f.detail}</div> : null}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>
                      {canRevoke(session, g) ? (
                        <button type="button" className="danger" aria-label={`${text.revoke} ${g.id}`} onClick={() => setRevoking(g)}>
                          {text.revoke}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <Pager pageToken={pageToken} nextPageToken={list.data?.nextPageToken ?? ""} onPage={setPageToken} />
      </TabPanel>
      {revoking ? (
        <RevokeDialog
          grant={revoking}
          onClose={() => setRevoking(null)}
          onDone={(g) => {
            setRevoking(null);
            setNotice(text.revoked(g.id));
            list.reload();
          }}
        />
      ) : null}
    </>
  );
}

function RevokeDialog({ grant, onClose, onDone }: { grant: Grant; onClose: () => void; onDone: (g: Grant) => void }) {
  const text = useText(TEXT);
  const { api } = useSession();
  const [reason, setReason] = useState("");
  const [failure, setFailure] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // A missing reason is the server's to report, in its words, beside the field.
    const value = reason.trim();
    setBusy(true);
    try {
      onDone(await api.sharing.revokeGrant({ grantId: grant.id, reason: value }));
    } catch (err) {
      setFailure(tidy(problem(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={`${text.revokeTitle} ${grant.id}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <p className="tight">
          {grant.entryCode} → {grant.consumerCode} · {grant.items.join("、")}
        </p>
        {grant.purpose ? (
          <p className="tight muted">
            {text.purpose}：{grant.purpose}
          </p>
        ) : null}
        <ProblemBanner problem={failure} />
        <Field label={text.revokeReason} required error={fieldError(failure, "reason")}>
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <div className="actions">
          <button type="submit" className="danger" disabled={busy}>
            {text.confirmRevoke}
          </button>
          <button type="button" onClick={onClose}>
            {text.cancel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
