// Placeholder until the page is written.
export function EntryFormPage({ code }: { code?: string }) {
  return <p>EntryForm {code}</p>;
}
