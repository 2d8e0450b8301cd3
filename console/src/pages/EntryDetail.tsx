// Placeholder until the page is written.
export function EntryDetailPage({ code }: { code?: string }) {
  return <p>EntryDetail {code}</p>;
}
