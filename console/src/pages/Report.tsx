// Placeholder until the page is written.
export function ReportPage() {
  return <p>Report</p>;
}
