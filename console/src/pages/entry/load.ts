// Reading an entry at its head version: GetEntry gives the published version by default, and
// the provider and the administrator may ask for the head.
import type { Api } from "../../api.js";
import type { CatalogEntry } from "../../gen/govshare/v1/catalog_pb.js";

/** The entry at `version`, or at its head when `version` is 0 and the caller may read it. */
export async function loadEntry(
  api: Api,
  code: string,
  version: bigint,
  mayReadHead: (entry: CatalogEntry) => boolean,
): Promise<CatalogEntry> {
  const entry = await api.catalog.getEntry({ code, version });
  if (version !== 0n || !mayReadHead(entry)) return entry;
  if (entry.headVersion !== 0n && entry.version && entry.version.version !== entry.headVersion) {
    try {
      return await api.catalog.getEntry({ code, version: entry.headVersion });
    } catch {
      // Only the published version is readable to this caller.
      return entry;
    }
  }
  return entry;
}
