// A failed call, in the server's words: its message and any precondition it names.
import type { Problem } from "../api.js";
import { Code, inLang, messageIn } from "../api.js";
import { useLang, useText } from "../i18n.js";

const TEXT = {
  zh: {
    [Code.Unauthenticated]: "登录已失效，请重新登录。",
    [Code.PermissionDenied]: "当前令牌无权执行此操作。",
    [Code.Unavailable]: "服务暂时不可用，请稍后重试。",
    [Code.ResourceExhausted]: "请求过于频繁，请稍后重试。",
    fields: "请修改标红的字段。",
    details: "全部校验信息",
  },
  en: {
    [Code.Unauthenticated]: "Your sign-in is no longer valid; sign in again.",
    [Code.PermissionDenied]: "This credential may not do that.",
    [Code.Unavailable]: "The service is unavailable; try again shortly.",
    [Code.ResourceExhausted]: "Too many calls; try again shortly.",
    fields: "Correct the fields marked in red.",
    details: "Every message",
  },
};

export function ProblemBanner({ problem }: { problem: Problem | null | undefined }) {
  const text = useText(TEXT);
  const { lang } = useLang();
  if (!problem) return null;
  const hint = (text as Record<number, string>)[problem.code];
  const hasFields = Object.keys(problem.fields).length > 0;
  const message = messageIn(problem, lang);
  // A precondition that only repeats the message is not shown twice.
  const conditions = problem.conditions
    .filter((c) => c.description !== problem.message)
    .map((c) => (c.description ? inLang(c.description, lang) : `${c.type} ${c.subject}`));
  return (
    <div className="problem" role="alert">
      {hint ? <p className="problem-hint">{hint}</p> : null}
      {hasFields ? <p className="problem-hint">{text.fields}</p> : null}
      {hasFields ? (
        // Each field's message is beside its field; the whole list stays one click away.
        <details>
          <summary>{text.details}</summary>
          <p className="problem-message">{message}</p>
        </details>
      ) : (
        <p className="problem-message">{message}</p>
      )}
      {problem.reason ? (
        <p className="problem-reason">
          <code>{problem.reason}</code>
        </p>
      ) : null}
      {conditions.length > 0 ? (
        <ul>
          {conditions.map((c, i) => (
            <li key={i}>{c}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
