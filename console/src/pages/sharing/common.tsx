// Pieces shared by the requests and grants pages: state badges, the tabs for the two sides of
// a request or grant, and the dates a form sends.
import { cloneElement, useEffect, useId, useRef, type ReactElement, type ReactNode } from "react";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
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

export interface TabDef<K extends string> {
  key: K;
  label: string;
}

/** An ARIA tab list; the panel is the caller's, labelled by the selected tab's id. */
export function Tabs<K extends string>({
  label,
  tabs,
  selected,
  onSelect,
  idPrefix,
}: {
  label: string;
  tabs: TabDef<K>[];
  selected: K;
  onSelect: (key: K) => void;
  idPrefix: string;
}) {
  // Arrow keys select the next tab, which takes the focus once it is shown as selected.
  const byKey = useRef(false);
  useEffect(() => {
    if (!byKey.current) return;
    byKey.current = false;
    document.getElementById(`${idPrefix}-tab-${selected}`)?.focus();
  }, [idPrefix, selected]);
  const move = (from: number, step: number) => {
    const next = tabs[(from + step + tabs.length) % tabs.length];
    byKey.current = true;
    onSelect(next.key);
  };
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((t, i) => (
        <button
          key={t.key}
          type="button"
          role="tab"
          id={`${idPrefix}-tab-${t.key}`}
          aria-selected={t.key === selected}
          aria-controls={`${idPrefix}-panel`}
          tabIndex={t.key === selected ? 0 : -1}
          onClick={() => onSelect(t.key)}
          onKeyDown={(e) => {
            if (e.key === "ArrowRight") move(i, 1);
            else if (e.key === "ArrowLeft") move(i, -1);
          }}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ idPrefix, selected, children }: { idPrefix: string; selected: string; children: ReactNode }) {
  return (
    <div role="tabpanel" id={`${idPrefix}-panel`} aria-labelledby={`${idPrefix}-tab-${selected}`}>
      {children}
    </div>
  );
}

/** `YYYY-MM-DD` of a timestamp in local time, for an <input type=date>. */
export function dateInputValue(ts: Timestamp | undefined): string {
  if (!ts) return "";
  const d = timestampDate(ts);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The start of the local day after `day` (`YYYY-MM-DD`): the exclusive end of a range of days. */
export function dayAfter(day: string): Timestamp | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  return timestampFromDate(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1));
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
