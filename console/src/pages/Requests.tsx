// 共享申请: #/requests (the list), #/requests/new?entry=CODE (a new request) and
// #/requests/REQ-000001 (one request).
import { useRoute } from "../router.js";
import { NewRequest } from "./sharing/NewRequest.js";
import { RequestDetail } from "./sharing/RequestDetail.js";
import { RequestList } from "./sharing/RequestList.js";
import "./sharing/sharing.css";

export function RequestsPage() {
  const route = useRoute();
  const sub = route.segments[1];
  if (sub === "new") return <NewRequest />;
  if (sub) return <RequestDetail key={sub} id={sub} />;
  return <RequestList />;
}
