// The requests and grants lists: the two sides of a department's requests or grants as tabs
// (everything for ADMIN and AUDITOR), filters by state, entry and one mark, and a page of rows.
import { useState, type FormEvent, type ReactNode } from "react";
import { PagedTable } from "../../components/PagedTable.js";
import { Direction } from "../../gen/govshare/v1/sharing_pb.js";
import { enumValues, useEnumLabel } from "../../i18n.js";
import { navigate, useRoute } from "../../router.js";
import { Role, useSession, type Session } from "../../session.js";
import { useCall } from "../../useCall.js";
import { TabPanel, Tabs } from "../../components/Tabs.js";
import { Filter } from "./common.js";

export type TabKey = "incoming" | "outgoing" | "all";

const DIRECTION: Record<TabKey, Direction> = {
  incoming: Direction.INCOMING,
  outgoing: Direction.OUTGOING,
  all: Direction.UNSPECIFIED,
};

function tabsFor(s: Session): TabKey[] {
  const tabs: TabKey[] = [];
  if (s.department) {
    // An approver's work comes first; otherwise a consumer's own requests and grants.
    if (s.has(Role.APPROVER) || !s.has(Role.CONSUMER)) tabs.push("incoming", "outgoing");
    else tabs.push("outgoing", "incoming");
  }
  if (s.has(Role.ADMIN) || s.has(Role.AUDITOR)) tabs.push("all");
  return tabs.length ? tabs : ["all"];
}

/** What a list asks the server for: `only` is the mark the checkbox filters by. */
export interface ListQuery {
  direction: Direction;
  state: number;
  only: boolean;
  entryCode: string;
  pageSize: number;
  pageToken: string;
}

interface ListWords {
  tabs: string;
  incoming: string;
  outgoing: string;
  all: string;
  state: string;
  anyState: string;
  entryCode: string;
  search: string;
  loading: string;
  none: string;
}

interface SharingListProps<T> {
  /** The page's path, `requests` or `grants`: the tabs link to it and are named after it. */
  path: string;
  text: ListWords;
  /** The states the state filter offers. */
  states: "requestState" | "grantState";
  /** The label of the checkbox: overdue only, flagged only. */
  only: string;
  /** The entry code the filter starts with. */
  entry?: string;
  load: (q: ListQuery) => Promise<{ rows: T[]; nextPageToken: string }>;
  /** Changed to load the page again, after a row was acted on. */
  round: number;
  notice: string;
  head: (tab: TabKey) => ReactNode;
  row: (r: T, tab: TabKey) => ReactNode;
}

export function SharingList<T>({ path, text, states, only, entry = "", load, round, notice, head, row }: SharingListProps<T>) {
  const session = useSession();
  const label = useEnumLabel();
  const route = useRoute();
  const tabs = tabsFor(session);
  const asked = route.query.get("tab") as TabKey | null;
  const tab: TabKey = asked && tabs.includes(asked) ? asked : tabs[0];
  const [state, setState] = useState(0);
  const [onlyMarked, setOnlyMarked] = useState(false);
  const [entryInput, setEntryInput] = useState(entry);
  const [entryCode, setEntryCode] = useState(entry);
  const [pageToken, setPageToken] = useState("");

  const list = useCall(
    () => load({ direction: DIRECTION[tab], state, only: onlyMarked, entryCode, pageSize: 20, pageToken }),
    [tab, state, onlyMarked, entryCode, pageToken, round],
  );
  const tabLabel: Record<TabKey, string> = { incoming: text.incoming, outgoing: text.outgoing, all: text.all };
  const search = (e: FormEvent) => {
    e.preventDefault();
    setPageToken("");
    setEntryCode(entryInput.trim());
  };

  return (
    <>
      {tabs.length > 1 ? (
        <Tabs
          idPrefix={path}
          label={text.tabs}
          tabs={tabs.map((k) => ({ key: k, label: tabLabel[k] }))}
          selected={tab}
          onSelect={(k) => {
            setPageToken("");
            navigate(`/${path}?tab=${k}`);
          }}
        />
      ) : null}
      <TabPanel idPrefix={path} selected={tab}>
        <form className="filters" onSubmit={search} role="search">
          <Filter label={text.state}>
            <select
              value={state}
              onChange={(e) => {
                setPageToken("");
                setState(Number(e.target.value));
              }}
            >
              <option value={0}>{text.anyState}</option>
              {enumValues(states).map((v) => (
                <option key={v} value={v}>
                  {label(states, v)}
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
              checked={onlyMarked}
              onChange={(e) => {
                setPageToken("");
                setOnlyMarked(e.target.checked);
              }}
            />
            {only}
          </label>
          <button type="submit">{text.search}</button>
        </form>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <PagedTable
          list={list}
          rows={list.data?.rows ?? []}
          pageToken={pageToken}
          onPage={setPageToken}
          loading={text.loading}
          empty={text.none}
          caption={tabLabel[tab]}
          head={head(tab)}
          row={(r) => row(r, tab)}
        />
      </TabPanel>
    </>
  );
}
