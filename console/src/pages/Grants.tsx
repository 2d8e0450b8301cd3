// Placeholder until the page is written.
export function GrantsPage() {
  return <p>Grants</p>;
}
