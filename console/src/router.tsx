// Pages are addressed by the URL's hash (#/catalogue, #/entries/CODE?v=2), so the server serves
// one index.html and a page can be bookmarked or reloaded.
import { useEffect, useState, type MouseEvent, type ReactNode } from "react";

export interface Route {
  /** The path after `#`, e.g. `/entries/ABC`. */
  path: string;
  /** Its segments, e.g. `["entries", "ABC"]`. */
  segments: string[];
  query: URLSearchParams;
}

function current(): Route {
  const hash = window.location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = hash.split("?", 2);
  const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { path, segments, query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** Goes to `to` (a path such as `/entries/ABC`, with an optional `?query`). */
export function navigate(to: string): void {
  window.location.hash = to;
}

/** Builds a path from segments, escaping each. */
export function pathOf(...segments: string[]): string {
  return "/" + segments.map(encodeURIComponent).join("/");
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={`#${to}`} onClick={onClick} className={className}>
      {children}
    </a>
  );
}
