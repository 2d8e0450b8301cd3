// Dates and sizes as the console shows them: local time, ISO-like, the same in both languages.
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";

const pad = (n: number) => String(n).padStart(2, "0");

/** `2026-11-27 14:05`, or "—" when unset. */
export function formatTime(ts: Timestamp | undefined): string {
  if (!ts) return "—";
  const d = timestampDate(ts);
  return `${formatDate(ts)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `YYYY-MM-DD` of `d` in local time, as an <input type=date> holds it. */
function dayOf(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `2026-11-27`, or "—" when unset. */
export function formatDate(ts: Timestamp | undefined): string {
  return ts ? dayOf(timestampDate(ts)) : "—";
}

/** Today, local time, as `YYYY-MM-DD`. */
export function today(): string {
  return dayOf(new Date());
}

/**
 * The start of the local day `day` (`YYYY-MM-DD`, from an <input type=date>), or of the day
 * `laterBy` days after it.
 */
export function dayStart(day: string, laterBy = 0): Timestamp | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  return timestampFromDate(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + laterBy));
}

/** The start of the local day after `day`: the exclusive end of a range of days. */
export function dayAfter(day: string): Timestamp | undefined {
  return dayStart(day, 1);
}

/** Bytes in KiB, MiB or GiB. */
export function formatBytes(n: bigint | number): string {
  let v = Number(n);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
