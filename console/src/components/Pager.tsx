// "Next page" for the API's page tokens, with a way back to the first page.
import { useText } from "../i18n.js";

const TEXT = {
  zh: { first: "第一页", next: "下一页" },
  en: { first: "First page", next: "Next page" },
};

interface PagerProps {
  /** The token of the page shown; empty on the first page. */
  pageToken: string;
  nextPageToken: string;
  onPage: (token: string) => void;
}

export function Pager({ pageToken, nextPageToken, onPage }: PagerProps) {
  const text = useText(TEXT);
  if (!pageToken && !nextPageToken) return null;
  return (
    <nav className="pager">
      <button type="button" disabled={!pageToken} onClick={() => onPage("")}>
        {text.first}
      </button>
      <button type="button" disabled={!nextPageToken} onClick={() => onPage(nextPageToken)}>
        {text.next}
      </button>
    </nav>
  );
}
