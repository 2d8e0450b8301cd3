// The grants a department holds or issued (everything for ADMIN and AUDITOR), their validity
// and the flags raised when the entry changed since; the provider's approver revokes one.
import { useState } from "react";
import { ReasonDialog } from "../../components/ReasonDialog.js";
import { GrantFlagKind, GrantState, type Grant } from "../../gen/govshare/v1/sharing_pb.js";
import { formatTime } from "../../format.js";
import { useText } from "../../i18n.js";
import { Link, pathOf, useRoute } from "../../router.js";
import { Role, useSession, type Session } from "../../session.js";
import { GrantStateBadge } from "./common.js";
import { SharingList } from "./SharingList.js";

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
    outgoing: "Grants my department received",
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

function canRevoke(s: Session, g: Grant): boolean {
  return g.state === GrantState.ACTIVE && s.has(Role.APPROVER) && s.department !== "" && g.providerCode === s.department;
}

export function GrantList() {
  const session = useSession();
  const text = useText(TEXT);
  const route = useRoute();
  const highlight = route.query.get("grant") ?? "";
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const [notice, setNotice] = useState("");
  const [round, setRound] = useState(0);

  return (
    <>
      <h1>{text.title}</h1>
      <SharingList
        path="grants"
        text={text}
        states="grantState"
        only={text.flaggedOnly}
        entry={route.query.get("entry") ?? ""}
        load={({ only, ...q }) =>
          session.api.sharing.listGrants({ ...q, flaggedOnly: only }).then((r) => ({ rows: r.grants, nextPageToken: r.nextPageToken }))
        }
        round={round}
        notice={notice}
        head={() => (
          <>
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
          </>
        )}
        row={(g: Grant) => (
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
        )}
      />
      {revoking ? (
        <ReasonDialog
          title={`${text.revokeTitle} ${revoking.id}`}
          label={text.revokeReason}
          required
          confirm={text.confirmRevoke}
          tone="danger"
          cancel={text.cancel}
          onClose={() => setRevoking(null)}
          send={async (reason) => {
            const g = await session.api.sharing.revokeGrant({ grantId: revoking.id, reason: reason.trim() });
            setRevoking(null);
            setNotice(text.revoked(g.id));
            setRound((r) => r + 1);
          }}
          summary={
            <>
              <p className="tight">
                {revoking.entryCode} → {revoking.consumerCode} · {revoking.items.join("、")}
              </p>
              {revoking.purpose ? (
                <p className="tight muted">
                  {text.purpose}：{revoking.purpose}
                </p>
              ) : null}
            </>
          }
        />
      ) : null}
    </>
  );
}
