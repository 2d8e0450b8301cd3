// Every element of an entry's metadata, for reading.
import type { ResourceMetadata } from "../../gen/govshare/v1/catalog_pb.js";
import { useEnumLabel, useLang, useText } from "../../i18n.js";
import { ELEMENTS } from "./words.js";

const TEXT = {
  zh: { yes: "是", no: "否", none: "—", inherit: "同目录", noItems: "没有信息项。" },
  en: { yes: "Yes", no: "No", none: "—", inherit: "As the entry", noItems: "No items." },
};

/** `303084122704` style classification code from its parts. */
export function classificationCode(m: ResourceMetadata | undefined): string {
  const c = m?.classification;
  if (!c) return "";
  return `${c.category || ""}${c.item}${c.subitem}${c.detail}`;
}

export function MetadataView({ metadata, code }: { metadata: ResourceMetadata; code?: string }) {
  const words = useText(ELEMENTS);
  const text = useText(TEXT);
  const label = useEnumLabel();
  const { lang } = useLang();
  const m = metadata;
  const c = m.classification;
  const or = (s: string) => (s.trim() ? s : text.none);
  const sep = lang === "zh" ? "、" : ", ";
  return (
    <div className="metadata">
      <dl className="meta-list">
        {code ? (
          <>
            <dt>{words.code}</dt>
            <dd className="mono">{code}</dd>
          </>
        ) : null}
        <dt>{words.classification}</dt>
        <dd>
          <span className="mono">{classificationCode(m) || text.none}</span>
          {c ? (
            <span className="muted">
              {" "}
              （{words["classification.category"]} {label("category", c.category)} · {words["classification.item"]} {or(c.item)} ·{" "}
              {words["classification.subitem"]} {or(c.subitem)} · {words["classification.detail"]} {or(c.detail)}）
            </span>
          ) : null}
        </dd>
        <dt>{words.name}</dt>
        <dd>{or(m.name)}</dd>
        <dt>{words.provider_name}</dt>
        <dd>{or(m.providerName)}</dd>
        <dt>{words.provider_code}</dt>
        <dd className="mono">{or(m.providerCode)}</dd>
        <dt>{words.summary}</dt>
        <dd className="pre">{or(m.summary)}</dd>
        <dt>{words.format}</dt>
        <dd>
          {label("formatKind", m.format?.kind ?? 0)}
          {m.format?.detail ? ` · ${m.format.detail}` : ""}
        </dd>
        <dt>{words.sharing}</dt>
        <dd>
          <div>
            {words["sharing.share_type"]}：{label("shareType", m.sharing?.shareType ?? 0)}
          </div>
          {m.sharing?.condition ? (
            <div>
              {words["sharing.condition"]}：{m.sharing.condition}
            </div>
          ) : null}
          <div>
            {words["sharing.mode"]}：{label("shareMode", m.sharing?.mode ?? 0)}
          </div>
          {m.sharing?.basis ? (
            <div>
              {words["sharing.basis"]}：{m.sharing.basis}
            </div>
          ) : null}
        </dd>
        <dt>{words.open}</dt>
        <dd>
          {words["open.open_to_public"]}：{m.open?.openToPublic ? text.yes : text.no}
          {m.open?.condition ? ` · ${words["open.condition"]}：${m.open.condition}` : ""}
        </dd>
        <dt>{words.update_cycle}</dt>
        <dd>{label("updateCycle", m.updateCycle)}</dd>
        <dt>{words.publish_date}</dt>
        <dd>{or(m.publishDate)}</dd>
        <dt>{words.related_codes}</dt>
        <dd className="mono">{m.relatedCodes.length ? m.relatedCodes.join(sep) : text.none}</dd>
        <dt>{words.keywords}</dt>
        <dd>{m.keywords.length ? m.keywords.join(sep) : text.none}</dd>
        <dt>{words.classified}</dt>
        <dd>{m.classified ? text.yes : text.no}</dd>
      </dl>
      <h3>
        {words.items}（{m.items.length}）
      </h3>
      {m.items.length === 0 ? (
        <p className="empty">{text.noItems}</p>
      ) : (
        <table className="items-view">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>{words["item.name"]}</th>
              <th>{words["item.data_type"]}</th>
              <th className="num">{words["item.length"]}</th>
              <th>{words["item.share_type"]}</th>
              <th>{words["item.description"]}</th>
            </tr>
          </thead>
          <tbody>
            {m.items.map((item, i) => (
              <tr key={i}>
                <td className="num">{i + 1}</td>
                <td>{item.name}</td>
                <td>{label("dataType", item.dataType)}</td>
                <td className="num">{item.length}</td>
                <td>{item.shareType ? label("shareType", item.shareType) : text.inherit}</td>
                <td>{item.description || text.none}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
