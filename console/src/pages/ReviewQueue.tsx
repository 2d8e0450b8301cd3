// Placeholder until the page is written.
export function ReviewQueuePage() {
  return <p>ReviewQueue</p>;
}
