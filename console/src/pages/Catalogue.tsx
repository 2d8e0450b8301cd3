// The resource catalogue (#/catalogue): full-text search over the published entries with facets
// beside the results, and for a cataloguer its own department's entries in every state
// (#/catalogue?tab=mine), since search covers published entries only.
import { useState, type FormEvent } from "react";
import { Pager } from "../components/Pager.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { TabPanel, Tabs } from "../components/Tabs.js";
import type { CatalogEntry, Facet, Highlight } from "../gen/govshare/v1/catalog_pb.js";
import { Category, EntryState, Role, ShareType, UpdateCycle } from "../gen/govshare/v1/common_pb.js";
import { formatDate } from "../format.js";
import { enumValues, useEnumLabel, useText, type EnumName } from "../i18n.js";
import { Link, navigate, pathOf, useRoute } from "../router.js";
import { useSession } from "../session.js";
import { useCall } from "../useCall.js";
import { classificationCode } from "./entry/MetadataView.js";
import { StateBadge } from "./entry/StateBadge.js";
import "./catalogue.css";

const TEXT = {
  zh: {
    title: "资源目录",
    register: "登记目录",
    tabs: "目录范围",
    published: "已发布目录",
    mine: "本部门目录",
    everything: "全部目录（含未发布）",
    search: "搜索目录",
    searchHint: "名称、摘要、关键词、信息项或代码，中英文均可",
    go: "搜索",
    clear: "清除全部条件",
    total: (n: string) => `共 ${n} 条`,
    facets: "筛选",
    facet: { category: "分类", share_type: "共享类型", provider: "提供方", update_cycle: "更新周期" } as Record<string, string>,
    facetHint: "再次点击可取消筛选",
    code: "代码",
    name: "名称",
    provider: "提供方",
    category: "分类",
    shareType: "共享类型",
    state: "状态",
    updated: "更新时间",
    updateCycle: "更新周期",
    all: "全部",
    none: "没有符合条件的目录。",
    loading: "正在加载…",
    results: "目录列表",
    unpublished: (v: string) => `有未发布的第 ${v} 版`,
    matched: { name: "名称", summary: "摘要", keywords: "关键词", items: "信息项", provider_name: "提供方" } as Record<string, string>,
  },
  en: {
    title: "Resource catalogue",
    register: "Register entry",
    tabs: "Scope",
    published: "Published entries",
    mine: "My department's entries",
    everything: "All entries (any state)",
    search: "Search the catalogue",
    searchHint: "Name, summary, keywords, items or code, in Chinese or English",
    go: "Search",
    clear: "Clear all filters",
    total: (n: string) => `${n} entries`,
    facets: "Filters",
    facet: { category: "Category", share_type: "Share type", provider: "Provider", update_cycle: "Update cycle" } as Record<string, string>,
    facetHint: "Click again to clear",
    code: "Code",
    name: "Name",
    provider: "Provider",
    category: "Category",
    shareType: "Share type",
    state: "State",
    updated: "Updated",
    updateCycle: "Update cycle",
    all: "All",
    none: "No entries match.",
    loading: "Loading…",
    results: "Entries",
    unpublished: (v: string) => `unpublished version ${v}`,
    matched: { name: "name", summary: "summary", keywords: "keywords", items: "items", provider_name: "provider" } as Record<string, string>,
  },
};

type Words = (typeof TEXT)["zh"];

interface Filters {
  category: Category;
  shareType: ShareType;
  providerCode: string;
  updateCycle: UpdateCycle;
}

const NO_FILTERS: Filters = { category: 0, shareType: 0, providerCode: "", updateCycle: 0 };

export function CataloguePage() {
  const session = useSession();
  const text = useText(TEXT);
  const route = useRoute();
  const ownTab = session.department !== "" && session.has(Role.CATALOGUER);
  const allTab = session.has(Role.ADMIN);
  const second = ownTab || allTab;
  const tab = second && route.query.get("tab") === "mine" ? "mine" : "search";
  const secondLabel = ownTab ? text.mine : text.everything;
  const panel = tab === "mine" ? <OwnEntries providerCode={ownTab ? session.department : ""} text={text} /> : <Search text={text} />;

  return (
    <div className="catalogue">
      <div className="page-head">
        <h1>{text.title}</h1>
        {session.has(Role.CATALOGUER) ? (
          <div className="actions">
            <Link to="/entries/new" className="button primary">
              {text.register}
            </Link>
          </div>
        ) : null}
      </div>
      {second ? (
        <>
          <Tabs
            label={text.tabs}
            idPrefix="catalogue"
            tabs={[
              { key: "search", label: text.published },
              { key: "mine", label: secondLabel },
            ]}
            selected={tab}
            onSelect={(key) => navigate(key === "mine" ? "/catalogue?tab=mine" : "/catalogue")}
          />
          <TabPanel idPrefix="catalogue" selected={tab}>
            {panel}
          </TabPanel>
        </>
      ) : (
        panel
      )}
    </div>
  );
}

/** `<em>` marks in a highlight fragment as elements; everything else stays text. */
function Marked({ fragment }: { fragment: string }) {
  const parts = fragment.split(/(<em>.*?<\/em>)/g);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith("<em>") && p.endsWith("</em>") ? <em key={i}>{p.slice(4, -5)}</em> : <span key={i}>{p}</span>,
      )}
    </>
  );
}

/** The enum value a facet count names (`BASE`, `CATEGORY_BASE`), 0 when unknown. */
function facetValue(enumObject: Record<string, string | number>, prefix: string, value: string): number {
  const name = value.startsWith(prefix) ? value.slice(prefix.length) : value;
  const v = enumObject[name];
  return typeof v === "number" ? v : 0;
}

const FACET_ENUMS: Record<string, { key: keyof Filters; enumName: EnumName; object: Record<string, string | number>; prefix: string }> = {
  category: { key: "category", enumName: "category", object: Category, prefix: "CATEGORY_" },
  share_type: { key: "shareType", enumName: "shareType", object: ShareType, prefix: "SHARE_TYPE_" },
  update_cycle: { key: "updateCycle", enumName: "updateCycle", object: UpdateCycle, prefix: "UPDATE_CYCLE_" },
};

function Search({ text }: { text: Words }) {
  const session = useSession();
  const label = useEnumLabel();
  const [draft, setDraft] = useState("");
  const [query, setQuery] = useState("");
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [pageToken, setPageToken] = useState("");
  const result = useCall(
    () => session.api.catalog.searchEntries({ query, ...filters, pageSize: 20, pageToken }),
    [query, filters.category, filters.shareType, filters.providerCode, filters.updateCycle, pageToken],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery(draft.trim());
    setPageToken("");
  };
  const toggle = (key: keyof Filters, value: string | number) => {
    setFilters((f) => ({ ...f, [key]: f[key] === value ? NO_FILTERS[key] : value }));
    setPageToken("");
  };
  const filtered = query !== "" || Object.entries(filters).some(([k, v]) => v !== NO_FILTERS[k as keyof Filters]);

  const facetList = (facet: Facet) => {
    const spec = FACET_ENUMS[facet.field];
    const entries = facet.counts.map((c) => {
      if (spec) {
        const v = facetValue(spec.object, spec.prefix, c.value);
        return { key: spec.key, value: v as string | number, label: v ? label(spec.enumName, v) : c.label || c.value, count: c.count };
      }
      return { key: "providerCode" as keyof Filters, value: c.value as string | number, label: c.label || c.value, count: c.count };
    });
    return entries;
  };

  const data = result.data;
  return (
    <>
      <form className="search-form" role="search" onSubmit={submit}>
        <label className="search-field">
          <span>{text.search}</span>
          <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={text.searchHint} />
        </label>
        <button type="submit" className="primary">
          {text.go}
        </button>
        {filtered ? (
          <button
            type="button"
            onClick={() => {
              setDraft("");
              setQuery("");
              setFilters(NO_FILTERS);
              setPageToken("");
            }}
          >
            {text.clear}
          </button>
        ) : null}
      </form>
      <ProblemBanner problem={result.problem} />
      <div className="with-facets">
        <aside className="facets" aria-label={text.facets}>
          {data?.facets.map((facet) => {
            const counts = facetList(facet);
            if (counts.length === 0) return null;
            const headingId = `facet-${facet.field}`;
            return (
              <section key={facet.field} aria-labelledby={headingId}>
                <h3 id={headingId}>{text.facet[facet.field] ?? facet.field}</h3>
                <ul>
                  {counts.map((c) => {
                    const pressed = filters[c.key] === c.value;
                    return (
                      <li key={String(c.value)}>
                        <button type="button" aria-pressed={pressed} title={pressed ? text.facetHint : undefined} onClick={() => toggle(c.key, c.value)}>
                          {c.label}
                          <span className="count">({String(c.count)})</span>
                        </button>
                      </li>
                    );
                  })}
                </ul>
              </section>
            );
          })}
        </aside>
        <section aria-label={text.results} aria-busy={result.loading}>
          {data ? (
            <p className="result-summary" role="status">
              {text.total(String(data.total))}
            </p>
          ) : null}
          {!data && result.loading ? <p className="loading">{text.loading}</p> : null}
          {data && data.hits.length === 0 ? <p className="empty">{text.none}</p> : null}
          {data && data.hits.length > 0 ? (
            <EntryTable
              entries={data.hits.map((h) => h.entry).filter((e): e is CatalogEntry => e !== undefined)}
              highlights={data.hits.map((h) => h.highlights)}
              text={text}
            />
          ) : null}
          {data ? <Pager pageToken={pageToken} nextPageToken={data.nextPageToken} onPage={setPageToken} /> : null}
        </section>
      </div>
    </>
  );
}

function OwnEntries({ providerCode, text }: { providerCode: string; text: Words }) {
  const session = useSession();
  const [state, setState] = useState<EntryState>(0);
  const [category, setCategory] = useState<Category>(0);
  const [shareType, setShareType] = useState<ShareType>(0);
  const [updateCycle, setUpdateCycle] = useState<UpdateCycle>(0);
  const [pageToken, setPageToken] = useState("");
  const list = useCall(
    () => session.api.catalog.listEntries({ providerCode, state, category, shareType, updateCycle, pageSize: 20, pageToken }),
    [providerCode, state, category, shareType, updateCycle, pageToken],
  );
  const select = (name: EnumName, title: string, value: number, set: (v: number) => void) => (
    <FilterSelect name={name} title={title} value={value} all={text.all} onChange={(v) => { set(v); setPageToken(""); }} />
  );
  return (
    <>
      <div className="filters">
        {select("entryState", text.state, state, setState)}
        {select("category", text.category, category, setCategory)}
        {select("shareType", text.shareType, shareType, setShareType)}
        {select("updateCycle", text.updateCycle, updateCycle, setUpdateCycle)}
      </div>
      <ProblemBanner problem={list.problem} />
      <section aria-label={text.results} aria-busy={list.loading}>
        {!list.data && list.loading ? <p className="loading">{text.loading}</p> : null}
        {list.data && list.data.entries.length === 0 ? <p className="empty">{text.none}</p> : null}
        {list.data && list.data.entries.length > 0 ? <EntryTable entries={list.data.entries} text={text} /> : null}
        {list.data ? <Pager pageToken={pageToken} nextPageToken={list.data.nextPageToken} onPage={setPageToken} /> : null}
      </section>
    </>
  );
}

function FilterSelect({ name, title, value, all, onChange }: { name: EnumName; title: string; value: number; all: string; onChange: (v: number) => void }) {
  const label = useEnumLabel();
  return (
    <label>
      {title}
      <select value={value} onChange={(e) => onChange(Number(e.target.value))}>
        <option value={0}>{all}</option>
        {enumValues(name).map((v) => (
          <option key={v} value={v}>
            {label(name, v)}
          </option>
        ))}
      </select>
    </label>
  );
}

function EntryTable({ entries, highlights, text }: { entries: CatalogEntry[]; highlights?: Highlight[][]; text: Words }) {
  const label = useEnumLabel();
  return (
    <table className="results">
      <thead>
        <tr>
          <th>{text.code}</th>
          <th>{text.name}</th>
          <th>{text.provider}</th>
          <th>{text.category}</th>
          <th>{text.shareType}</th>
          <th>{text.state}</th>
          <th>{text.updated}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e, i) => {
          const m = e.metadata;
          const marks = (highlights?.[i] ?? []).filter((h) => h.field !== "name");
          const nameMark = highlights?.[i]?.find((h) => h.field === "name");
          return (
            <tr key={e.code}>
              <td className="code mono">{e.code}</td>
              <td>
                <Link to={pathOf("entries", e.code)}>{nameMark ? <Marked fragment={nameMark.fragment} /> : m?.name || e.code}</Link>
                {marks.slice(0, 2).map((h, j) => (
                  <div className="hl" key={j}>
                    {text.matched[h.field] ?? h.field}：<Marked fragment={h.fragment} />
                  </div>
                ))}
              </td>
              <td>{m?.providerName || e.providerCode}</td>
              <td>
                {label("category", m?.classification?.category ?? 0)}
                <div className="muted mono">{classificationCode(m)}</div>
              </td>
              <td>{label("shareType", m?.sharing?.shareType ?? 0)}</td>
              <td>
                <StateBadge state={e.state} />
                {e.publishedVersion > 0n && e.headVersion > e.publishedVersion ? (
                  <div className="muted">{text.unpublished(String(e.headVersion))}</div>
                ) : null}
              </td>
              <td>{formatDate(e.updatedAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
