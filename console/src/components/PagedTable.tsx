// One page of a listing as a table: why it failed, that it is loading or that nothing matched,
// the rows, and the pager.
import type { ReactNode } from "react";
import type { CallState } from "../useCall.js";
import { Pager } from "./Pager.js";
import { ProblemBanner } from "./ProblemBanner.js";

interface PagedTableProps<T> {
  /** The listing call; its reply names the next page. */
  list: CallState<{ nextPageToken: string }>;
  rows: T[];
  /** The token of the page shown, and how to show another. */
  pageToken: string;
  onPage: (token: string) => void;
  loading: string;
  /** Said when the page has no rows. */
  empty: string;
  /** For screen readers: what the table lists. */
  caption?: string;
  /** The column headers (`<th>`s). */
  head: ReactNode;
  /** A row (`<tr>` with its key). */
  row: (r: T) => ReactNode;
}

export function PagedTable<T>({ list, rows, pageToken, onPage, loading, empty, caption, head, row }: PagedTableProps<T>) {
  return (
    <>
      <ProblemBanner problem={list.problem} />
      {list.loading && !list.data ? <p className="empty">{loading}</p> : null}
      {list.data && rows.length === 0 ? <p className="empty">{empty}</p> : null}
      {rows.length > 0 ? (
        <div className="scroll-x">
          <table aria-busy={list.loading}>
            {caption ? <caption className="visually-hidden">{caption}</caption> : null}
            <thead>
              <tr>{head}</tr>
            </thead>
            <tbody>{rows.map((r) => row(r))}</tbody>
          </table>
        </div>
      ) : null}
      <Pager pageToken={pageToken} nextPageToken={list.data?.nextPageToken ?? ""} onPage={onPage} />
    </>
  );
}
