// Placeholder until the page is written.
export function RequestsPage() {
  return <p>Requests</p>;
}
