// 共享授权: #/grants, with ?tab=incoming|outgoing|all, ?entry=CODE and ?grant=ID (highlighted).
import { useRoute } from "../router.js";
import { GrantList } from "./sharing/GrantList.js";
import "./sharing/sharing.css";

export function GrantsPage() {
  const route = useRoute();
  // A link to another grant starts from its own filters.
  return <GrantList key={`${route.query.get("grant") ?? ""}|${route.query.get("entry") ?? ""}`} />;
}
