// 年度报告: #/report.
import { AnnualReportView } from "./audit/AnnualReportView.js";
import "./sharing/sharing.css";

export function ReportPage() {
  return <AnnualReportView />;
}
