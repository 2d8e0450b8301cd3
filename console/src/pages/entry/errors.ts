// The server's field violations (BadRequest paths such as `metadata.items[0].data_type`) matched
// to the form's controls; whatever no control shows is listed in the banner.
import type { Problem } from "../../api.js";

const PLAIN = new Set([
  "metadata.classification",
  "metadata.classification.category",
  "metadata.classification.item",
  "metadata.classification.subitem",
  "metadata.classification.detail",
  "metadata.name",
  "metadata.provider_code",
  "metadata.summary",
  "metadata.format",
  "metadata.format.kind",
  "metadata.format.detail",
  "metadata.items",
  "metadata.sharing",
  "metadata.sharing.share_type",
  "metadata.sharing.condition",
  "metadata.sharing.mode",
  "metadata.sharing.basis",
  "metadata.open",
  "metadata.open.open_to_public",
  "metadata.open.condition",
  "metadata.update_cycle",
  "metadata.publish_date",
  "metadata.related_codes",
  "metadata.keywords",
  "metadata.classified",
  "note",
]);

const ITEM = /^metadata\.items\[(\d+)\]\.(name|data_type|length|share_type|description)$/;
const LISTED = /^metadata\.(related_codes|keywords)\[(\d+)\]$/;

export interface FormErrors {
  /** The message for a path (without a leading `metadata.`), if any. */
  at: (path: string) => string | undefined;
  /** The message for a field of item row `index`. */
  item: (index: number, field: string) => string | undefined;
  /** Messages on one element of a list (`related_codes`, `keywords`), each with its position. */
  listed: (list: "related_codes" | "keywords") => string | undefined;
  /** Violations no control shows: path and message. */
  unmatched: [string, string][];
  count: number;
}

export function formErrors(problem: Problem | null, rows: number, zh: boolean): FormErrors {
  const fields = problem?.fields ?? {};
  const unmatched: [string, string][] = [];
  for (const [path, message] of Object.entries(fields)) {
    const item = ITEM.exec(path);
    if (PLAIN.has(path) || LISTED.test(path) || (item && Number(item[1]) < rows)) continue;
    unmatched.push([path, message]);
  }
  return {
    at: (path) => fields[path === "note" ? path : `metadata.${path}`],
    item: (index, field) => fields[`metadata.items[${index}].${field}`],
    listed: (list) => {
      const parts: string[] = [];
      if (fields[`metadata.${list}`]) parts.push(fields[`metadata.${list}`]);
      for (const [path, message] of Object.entries(fields)) {
        const m = LISTED.exec(path);
        if (m && m[1] === list) {
          const n = Number(m[2]) + 1;
          parts.push(zh ? `第${n}个：${message}` : `#${n}: ${message}`);
        }
      }
      return parts.length ? parts.join("；") : undefined;
    },
    unmatched,
    count: Object.keys(fields).length,
  };
}

/** The problem without the violations of item rows (their positions no longer hold). */
export function withoutItemErrors(problem: Problem | null): Problem | null {
  if (!problem) return problem;
  const fields = Object.fromEntries(Object.entries(problem.fields).filter(([path]) => !ITEM.test(path)));
  return { ...problem, fields };
}
