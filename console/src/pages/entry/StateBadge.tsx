// An entry's lifecycle state as a coloured badge.
import { EntryState } from "../../gen/govshare/v1/common_pb.js";
import { useEnumLabel } from "../../i18n.js";

const TONE: Record<number, string> = {
  [EntryState.DRAFT]: "",
  [EntryState.PENDING_PUBLISH]: "warn",
  [EntryState.PUBLISHED]: "good",
  [EntryState.PUBLISH_REJECTED]: "bad",
  [EntryState.PENDING_REVOKE]: "warn",
  [EntryState.REVOKED]: "bad",
};

export function StateBadge({ state }: { state: EntryState }) {
  const label = useEnumLabel();
  const tone = TONE[state] ?? "";
  return <span className={tone ? `badge ${tone}` : "badge"}>{label("entryState", state)}</span>;
}
