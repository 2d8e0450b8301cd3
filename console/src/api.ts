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
import {
  BadRequestSchema,
  ErrorInfoSchema,
  LocalizedMessageSchema,
  PreconditionFailureSchema,
} from "./gen/google/rpc/error_details_pb.js";
import { currentLang, type Lang } from "./i18n.js";

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
  /** Why, as ERRORS.md names it (`ENTRY_NOT_FOUND`, …); empty when the server sent none. */
  reason: string;
  /** The server's explanation in each language it sent (`zh`, `en`). */
  localized: Partial<Record<Lang, string>>;
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
  const reason = e.findDetails(ErrorInfoSchema)[0]?.reason ?? "";
  const localized: Partial<Record<Lang, string>> = {};
  for (const m of e.findDetails(LocalizedMessageSchema)) {
    if (m.locale === "zh-CN") localized.zh = m.message;
    if (m.locale === "en") localized.en = m.message;
  }
  return { code: e.code, message: e.rawMessage, reason, localized, fields, conditions };
}

/** The problem's message in `lang`: the server's explanation in it, else its whole message. */
export function messageIn(p: Problem, lang: Lang): string {
  return p.localized[lang] ?? inLang(p.message, lang);
}

/**
 * `text`, written as the server words it ("中文 (English)"), in `lang`: split at the last " ("
 * whose parenthesis closes the text. Text not written so is returned whole.
 */
export function inLang(text: string, lang: Lang): string {
  if (!text.endsWith(")")) return text;
  let depth = 0;
  for (let i = text.length - 2; i >= 0; i--) {
    const c = text[i];
    if (c === ")") depth++;
    else if (c === "(" && depth > 0) depth--;
    else if (c === "(") {
      if (i === 0 || text[i - 1] !== " ") return text;
      return lang === "zh" ? text.slice(0, i - 1) : text.slice(i + 1, -1);
    }
  }
  return text;
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
    .map(([, v]) => v.split("；").map((part) => inLang(part, currentLang())).join("；"));
  return found.length ? found.join("；") : undefined;
}

/** A problem without the preconditions that only repeat its message word for word. */
export function tidy(p: Problem): Problem {
  return { ...p, conditions: p.conditions.filter((c) => c.description.trim() !== p.message.trim()) };
}

export { Code };
