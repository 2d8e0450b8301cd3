// Pieces shared by the requests and grants pages: state badges, filter controls and where a
// request's grant is listed.
import { cloneElement, useId, type ReactElement } from "react";
import { GrantState, RequestState } from "../../gen/govshare/v1/sharing_pb.js";
import { useEnumLabel } from "../../i18n.js";

export function RequestStateBadge({ state }: { state: RequestState }) {
  const label = useEnumLabel();
  const tone =
    state === RequestState.APPROVED ? "good" : state === RequestState.PENDING ? "warn" : state === RequestState.REJECTED ? "bad" : "";
  return <span className={`badge ${tone}`}>{label("requestState", state)}</span>;
}

export function GrantStateBadge({ state }: { state: GrantState }) {
  const label = useEnumLabel();
  const tone = state === GrantState.ACTIVE ? "good" : state === GrantState.REVOKED ? "bad" : "";
  return <span className={`badge ${tone}`}>{label("grantState", state)}</span>;
}

/** Where the grant of a request is listed, on the caller's side of it. */
export function grantPath(department: string, r: { grantId: string; entryCode: string; requesterCode: string; providerCode: string }): string {
  const tab = department && r.requesterCode === department ? "outgoing" : department && r.providerCode === department ? "incoming" : "all";
  return `/grants?tab=${tab}&grant=${encodeURIComponent(r.grantId)}&entry=${encodeURIComponent(r.entryCode)}`;
}

/** One control of a filter bar, labelled by `label` alone (not by the options inside it). */
export function Filter({ label, children }: { label: string; children: ReactElement<Record<string, unknown>> }) {
  const id = useId();
  return (
    <div className="filter">
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id })}
    </div>
  );
}
