// The console's one way to the server: the same gRPC services as every other client, over
// gRPC-Web on the page's own origin, with the signed-in token as a bearer credential.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import type { DescService } from "@bufbuild/protobuf";
import { AdminService } from "./gen/govshare/v1/admin_pb.js";
import { AuditService } from "./gen/govshare/v1/audit_pb.js";
import { CatalogService } from "./gen/govshare/v1/catalog_pb.js";
import { ExchangeService } from "./gen/govshare/v1/exchange_pb.js";
import { ReportService } from "./gen/govshare/v1/report_pb.js";
import { SharingService } from "./gen/govshare/v1/sharing_pb.js";
import { BadRequestSchema, PreconditionFailureSchema } from "./gen/google/rpc/error_details_pb.js";

/** The clients of every service, bound to one token. */
export interface Api {
  admin: Client<typeof AdminService>;
  audit: Client<typeof AuditService>;
  catalog: Client<typeof CatalogService>;
  exchange: Client<typeof ExchangeService>;
  report: Client<typeof ReportService>;
  sharing: Client<typeof SharingService>;
}

/** Clients that send `token` with every call. */
export function connect(token: string, baseUrl = window.location.origin): Api {
  const bearer: Interceptor = (next) => async (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return await next(req);
  };
  const transport = createGrpcWebTransport({ baseUrl, interceptors: [bearer] });
  const client = <S extends DescService>(service: S) => createClient(service, transport);
  return {
    admin: client(AdminService),
    audit: client(AuditService),
    catalog: client(CatalogService),
    exchange: client(ExchangeService),
    report: client(ReportService),
    sharing: client(SharingService),
  };
}

/** A failed call, as the console shows it. */
export interface Problem {
  code: Code;
  /** The server's message (Chinese, with the English in brackets), or the transport's. */
  message: string;
  /**
   * Each field violation by the field's path relative to the request message, e.g.
   * `metadata.name` or `metadata.items[0].name`.
   */
  fields: Record<string, string>;
  /** Precondition violations: a stale version, a state that does not allow the action. */
  conditions: { type: string; subject: string; description: string }[];
}

/** Turns whatever a call threw into a [`Problem`]. */
export function problem(err: unknown): Problem {
  const e = ConnectError.from(err);
  const fields: Record<string, string> = {};
  for (const detail of e.findDetails(BadRequestSchema)) {
    for (const v of detail.fieldViolations) {
      fields[v.field] = fields[v.field] ? `${fields[v.field]}；${v.description}` : v.description;
    }
  }
  const conditions = e
    .findDetails(PreconditionFailureSchema)
    .flatMap((d) => d.violations.map((v) => ({ type: v.type, subject: v.subject, description: v.description })));
  return { code: e.code, message: e.rawMessage, fields, conditions };
}

/** Whether the violation path `key` is `field` or one of its elements (`items`, `items[2]`). */
export function isField(key: string, field: string): boolean {
  return key === field || key.startsWith(`${field}[`) || key.startsWith(`${field}.`);
}

/** The server's messages for `field` and any of its elements (`items`, `items[2]`), joined. */
export function fieldError(p: Problem | null | undefined, field: string): string | undefined {
  if (!p) return undefined;
  const found = Object.entries(p.fields)
    .filter(([k]) => isField(k, field))
    .map(([, v]) => v);
  return found.length ? found.join("；") : undefined;
}

/** A problem without the preconditions that only repeat its message word for word. */
export function tidy(p: Problem): Problem {
  return { ...p, conditions: p.conditions.filter((c) => c.description.trim() !== p.message.trim()) };
}

export { Code };
