// The console's frame: sign-in, then a header with the pages the credential's roles allow, the
// language switch and sign-out, and the page the URL names.
import { useEffect, useState, type ReactNode } from "react";
import { connect, problem } from "./api.js";
import { Role } from "./gen/govshare/v1/common_pb.js";
import { ENUM_LABELS, useLang, useText } from "./i18n.js";
import { Link, navigate, useRoute, type Route } from "./router.js";
import { makeSession, savedToken, saveToken, SessionProvider, useSession, type Session } from "./session.js";
import { SignIn } from "./SignIn.js";
import { AccessLogPage } from "./pages/AccessLog.js";
import { CataloguePage } from "./pages/Catalogue.js";
import { EntryDetailPage } from "./pages/EntryDetail.js";
import { EntryFormPage } from "./pages/EntryForm.js";
import { GrantsPage } from "./pages/Grants.js";
import { ReportPage } from "./pages/Report.js";
import { RequestsPage } from "./pages/Requests.js";
import { ReviewQueuePage } from "./pages/ReviewQueue.js";

const TEXT = {
  zh: {
    product: "govshare 政务信息资源共享",
    nav: "主导航",
    catalogue: "资源目录",
    review: "目录审核",
    requests: "共享申请",
    grants: "共享授权",
    accessLog: "访问日志",
    report: "年度报告",
    signOut: "退出",
    platform: "平台",
    loading: "正在加载…",
    notFound: "页面不存在。",
    notAllowed: "当前令牌无权查看此页面。",
    skip: "跳到正文",
  },
  en: {
    product: "govshare data sharing",
    nav: "Main navigation",
    catalogue: "Catalogue",
    review: "Review queue",
    requests: "Requests",
    grants: "Grants",
    accessLog: "Access log",
    report: "Annual report",
    signOut: "Sign out",
    platform: "Platform",
    loading: "Loading…",
    notFound: "No such page.",
    notAllowed: "This credential may not see this page.",
    skip: "Skip to content",
  },
};

type Words = (typeof TEXT)["zh"];

/** A page of the console: where it lives, who may see it, and what it shows. */
interface PageDef {
  /** The first path segment. */
  path: string;
  /** The navigation label; none: not in the navigation. */
  label?: keyof Words;
  allowed: (s: Session) => boolean;
  render: (route: Route) => ReactNode;
}

const anyone = () => true;
const department = (s: Session) => s.department !== "";
const oversight = (s: Session) => s.has(Role.ADMIN) || s.has(Role.AUDITOR);

const PAGES: PageDef[] = [
  { path: "catalogue", label: "catalogue", allowed: anyone, render: () => <CataloguePage /> },
  {
    path: "entries",
    allowed: anyone,
    render: (route) =>
      route.segments[1] === "new" ? (
        <EntryFormPage />
      ) : route.segments[2] === "edit" ? (
        <EntryFormPage code={route.segments[1]} />
      ) : (
        <EntryDetailPage code={route.segments[1] ?? ""} />
      ),
  },
  { path: "review", label: "review", allowed: (s) => s.has(Role.ADMIN), render: () => <ReviewQueuePage /> },
  {
    path: "requests",
    label: "requests",
    allowed: (s) => oversight(s) || s.has(Role.CONSUMER) || s.has(Role.APPROVER) || department(s),
    render: () => <RequestsPage />,
  },
  {
    path: "grants",
    label: "grants",
    allowed: (s) => oversight(s) || department(s),
    render: () => <GrantsPage />,
  },
  { path: "access-log", label: "accessLog", allowed: (s) => oversight(s) || department(s), render: () => <AccessLogPage /> },
  { path: "report", label: "report", allowed: (s) => oversight(s) || department(s), render: () => <ReportPage /> },
];

function Frame() {
  const session = useSession();
  const route = useRoute();
  const text = useText(TEXT);
  const { lang, setLang } = useLang();
  const first = route.segments[0] ?? "catalogue";
  const page = PAGES.find((p) => p.path === first);
  const roles = session.who.roles.map((r) => ENUM_LABELS.role[r as keyof typeof ENUM_LABELS.role]?.[lang] ?? String(r));
  const who = session.who.department ? `${session.who.department.name}（${session.who.department.code}）` : text.platform;
  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        {text.skip}
      </a>
      <header className="top">
        <span className="product">{text.product}</span>
        <nav aria-label={text.nav}>
          {PAGES.filter((p) => p.label && p.allowed(session)).map((p) => (
            <Link key={p.path} to={`/${p.path}`} className={p.path === first ? "current" : undefined}>
              {text[p.label as keyof Words]}
            </Link>
          ))}
        </nav>
        <span className="who" title={session.who.tokenName}>
          {who} · {roles.join("、")}
        </span>
        <button type="button" className="link" onClick={() => setLang(lang === "zh" ? "en" : "zh")} lang={lang === "zh" ? "en" : "zh-CN"}>
          {lang === "zh" ? "English" : "中文"}
        </button>
        <button type="button" className="link" onClick={session.signOut}>
          {text.signOut}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {!page ? <p>{text.notFound}</p> : page.allowed(session) ? page.render(route) : <p>{text.notAllowed}</p>}
      </main>
    </>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => savedToken() !== null);
  const text = useText(TEXT);

  const signOut = () => {
    saveToken(null);
    setSession(null);
    navigate("/catalogue");
  };

  // A reload keeps the tab signed in, as long as the token still works.
  useEffect(() => {
    const token = savedToken();
    if (!token) return;
    const api = connect(token);
    api.admin
      .whoAmI({})
      .then((who) => setSession(makeSession(api, who, signOut)))
      .catch((err: unknown) => {
        console.warn("the saved credential no longer works", problem(err).message);
        saveToken(null);
      })
      .finally(() => setRestoring(false));
  }, []);

  if (restoring) return <p className="loading">{text.loading}</p>;
  if (!session) {
    return (
      <SignIn
        onSignedIn={(token, api, who) => {
          saveToken(token);
          setSession(makeSession(api, who, signOut));
        }}
      />
    );
  }
  return (
    <SessionProvider session={session}>
      <Frame />
    </SessionProvider>
  );
}
