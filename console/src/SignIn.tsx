// Sign-in with a credential token (`gst_…`), checked by WhoAmI before anything is shown.
import { useState, type FormEvent } from "react";
import { connect, problem, type Api, type Problem } from "./api.js";
import { Field } from "./components/Field.js";
import { ProblemBanner } from "./components/ProblemBanner.js";
import type { WhoAmIResponse } from "./gen/govshare/v1/admin_pb.js";
import { useText } from "./i18n.js";

const TEXT = {
  zh: {
    title: "登录 govshare 政务信息资源共享控制台",
    token: "访问令牌",
    hint: "由平台管理员签发，以 gst_ 开头。令牌只保存在本浏览器标签页中。",
    submit: "登录",
    empty: "请输入访问令牌",
  },
  en: {
    title: "Sign in to the govshare console",
    token: "Access token",
    hint: "Issued by the platform administrator; it starts with gst_. It is kept in this browser tab only.",
    submit: "Sign in",
    empty: "Enter an access token",
  },
};

export function SignIn({ onSignedIn }: { onSignedIn: (token: string, api: Api, who: WhoAmIResponse) => void }) {
  const text = useText(TEXT);
  const [token, setToken] = useState("");
  const [failure, setFailure] = useState<Problem | null>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = token.trim();
    setMissing(!value);
    if (!value) return;
    setBusy(true);
    const api = connect(value);
    try {
      const who = await api.admin.whoAmI({});
      setFailure(null);
      onSignedIn(value, api, who);
    } catch (err) {
      setFailure(problem(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form onSubmit={submit} noValidate>
        <h1>{text.title}</h1>
        <ProblemBanner problem={failure} />
        <Field label={text.token} hint={text.hint} error={missing ? text.empty : undefined} required>
          <input
            type="password"
            autoComplete="off"
            autoFocus
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {text.submit}
        </button>
      </form>
    </main>
  );
}
