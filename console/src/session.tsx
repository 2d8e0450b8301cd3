// Who is signed in: the token (kept in sessionStorage, so it goes with the browser tab), the
// API clients bound to it, and what WhoAmI says the credential is. The console shows only what
// the credential's roles allow; the server checks every call regardless.
import { createContext, useContext, type ReactNode } from "react";
import type { Api } from "./api.js";
import { Role } from "./gen/govshare/v1/common_pb.js";
import type { WhoAmIResponse } from "./gen/govshare/v1/admin_pb.js";

export interface Session {
  api: Api;
  who: WhoAmIResponse;
  /** The credential's department's credit code; empty for platform credentials. */
  department: string;
  has: (role: Role) => boolean;
  signOut: () => void;
}

export const TOKEN_KEY = "govshare.token";

export function savedToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) window.sessionStorage.removeItem(TOKEN_KEY);
    else window.sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // No storage: the session lasts until the page is reloaded.
  }
}

export function makeSession(api: Api, who: WhoAmIResponse, signOut: () => void): Session {
  return {
    api,
    who,
    department: who.department?.code ?? "",
    has: (role) => who.roles.includes(role),
    signOut,
  };
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The signed-in session; pages are only rendered inside one. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

export { Role };
