// Placeholder until the page is written.
export function AccessLogPage() {
  return <p>AccessLog</p>;
}
