// 访问日志: #/access-log.
import { AccessLogView } from "./audit/AccessLogView.js";
import "./sharing/sharing.css";

export function AccessLogPage() {
  return <AccessLogView />;
}
