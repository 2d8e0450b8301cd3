// Two versions of an entry side by side: the older on the left, the newer on the right, each
// changed field highlighted (changed, added, removed), as DiffVersions reports them.
import { ProblemBanner } from "../../components/ProblemBanner.js";
import { formatTime } from "../../format.js";
import { useLang, useText } from "../../i18n.js";
import { useSession } from "../../session.js";
import { useCall } from "../../useCall.js";
import { ELEMENTS, pathLabel } from "./words.js";

const TEXT = {
  zh: {
    caption: (a: string, b: string) => `第 ${a} 版与第 ${b} 版的差异`,
    field: "元素",
    version: (v: string) => `第 ${v} 版`,
    same: "两个版本的内容相同。",
    loading: "正在比较…",
    added: "新增",
    removed: "删除",
    changed: "修改",
    change: "变化",
  },
  en: {
    caption: (a: string, b: string) => `Differences between version ${a} and version ${b}`,
    field: "Element",
    version: (v: string) => `Version ${v}`,
    same: "The two versions have the same content.",
    loading: "Comparing…",
    added: "Added",
    removed: "Removed",
    changed: "Changed",
    change: "Change",
  },
};

export function VersionDiff({ code, from, to }: { code: string; from: bigint; to: bigint }) {
  const session = useSession();
  const text = useText(TEXT);
  const words = useText(ELEMENTS);
  const { lang } = useLang();
  // Left is always the older version.
  const [older, newer] = from <= to ? [from, to] : [to, from];
  const diff = useCall(
    () => session.api.catalog.diffVersions({ code, fromVersion: older, toVersion: newer }),
    [code, older, newer],
  );
  if (diff.problem) return <ProblemBanner problem={diff.problem} />;
  if (!diff.data) return <p className="loading">{text.loading}</p>;
  const changes = diff.data.changes;
  const head = (v: bigint, info: { createdAt?: Parameters<typeof formatTime>[0] } | undefined) => (
    <>
      {text.version(String(v))}
      {info ? <span className="muted"> · {formatTime(info.createdAt)}</span> : null}
    </>
  );
  return (
    <>
      {changes.length === 0 ? <p className="empty">{text.same}</p> : null}
      {changes.length > 0 ? (
        <table className="diff">
          <caption className="visually-hidden">{text.caption(String(older), String(newer))}</caption>
          <colgroup>
            <col className="diff-field" />
            <col className="diff-kind" />
            <col />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">{text.field}</th>
              <th scope="col">{text.change}</th>
              <th scope="col">{head(older, diff.data.from)}</th>
              <th scope="col">{head(newer, diff.data.to)}</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c, i) => {
              const kind = c.before === "" ? "added" : c.after === "" ? "removed" : "changed";
              return (
                <tr key={i} className={`diff-row ${kind}-row`}>
                  <th scope="row">{pathLabel(words, c.path, lang)}</th>
                  <td className="diff-kind-cell">{text[kind]}</td>
                  <td className={kind === "added" ? "" : kind}>{c.before}</td>
                  <td className={kind === "removed" ? "" : kind}>{c.after}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
