// The console's two languages: Chinese by default, English on request (kept in localStorage).
// Each page keeps its own words as `{ zh: {...}, en: {...} }` and reads them with `useText`;
// the labels of the API's enums, shared by every page, are here.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { Category, DataType, EntryState, FormatKind, Role, ShareMode, ShareType, UpdateCycle } from "./gen/govshare/v1/common_pb.js";
import { GrantState, RequestState } from "./gen/govshare/v1/sharing_pb.js";

export type Lang = "zh" | "en";

interface LangState {
  lang: Lang;
  setLang: (lang: Lang) => void;
}

const LangContext = createContext<LangState>({ lang: "zh", setLang: () => {} });

const STORAGE_KEY = "govshare.lang";

function initialLang(): Lang {
  try {
    return window.localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "zh";
  } catch {
    return "zh";
  }
}

/** The language being shown, for code outside components (set as the provider renders). */
let shown: Lang = "zh";

/** The language being shown. */
export function currentLang(): Lang {
  return shown;
}

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLang] = useState<Lang>(initialLang);
  shown = lang;
  useEffect(() => {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    try {
      window.localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      // Storage refused (private mode): the choice lasts for this page only.
    }
  }, [lang]);
  return <LangContext.Provider value={{ lang, setLang }}>{children}</LangContext.Provider>;
}

export function useLang(): LangState {
  return useContext(LangContext);
}

/** The words of `dict` in the current language. */
export function useText<T>(dict: { zh: T; en: T }): T {
  return dict[useLang().lang];
}

type Labels = Record<number, { zh: string; en: string }>;

/** Labels of the API's enums, by value. */
export const ENUM_LABELS = {
  role: {
    [Role.ADMIN]: { zh: "平台管理员", en: "Administrator" },
    [Role.CATALOGUER]: { zh: "目录编制员", en: "Cataloguer" },
    [Role.APPROVER]: { zh: "共享审核员", en: "Approver" },
    [Role.CONSUMER]: { zh: "数据使用方", en: "Consumer" },
    [Role.AUDITOR]: { zh: "审计员", en: "Auditor" },
  },
  category: {
    [Category.BASE]: { zh: "基础", en: "Base" },
    [Category.THEME]: { zh: "主题", en: "Theme" },
    [Category.DEPARTMENT]: { zh: "部门", en: "Department" },
  },
  shareType: {
    [ShareType.UNCONDITIONAL]: { zh: "无条件共享", en: "Unconditional" },
    [ShareType.CONDITIONAL]: { zh: "有条件共享", en: "Conditional" },
    [ShareType.NOT_SHARED]: { zh: "不予共享", en: "Not shared" },
  },
  shareMode: {
    [ShareMode.PLATFORM_DATABASE]: { zh: "共享平台（数据库）", en: "Platform (database)" },
    [ShareMode.PLATFORM_INTERFACE]: { zh: "共享平台（接口）", en: "Platform (interface)" },
    [ShareMode.PLATFORM_FILE]: { zh: "共享平台（文件）", en: "Platform (file)" },
    [ShareMode.EMAIL]: { zh: "邮件", en: "E-mail" },
    [ShareMode.DISK]: { zh: "拷盘", en: "Disk copy" },
    [ShareMode.MEDIA]: { zh: "介质交换", en: "Media exchange" },
  },
  formatKind: {
    [FormatKind.ELECTRONIC_FILE]: { zh: "电子文件", en: "Electronic file" },
    [FormatKind.SPREADSHEET]: { zh: "电子表格", en: "Spreadsheet" },
    [FormatKind.DATABASE]: { zh: "数据库", en: "Database" },
    [FormatKind.IMAGE]: { zh: "图形图像", en: "Image" },
    [FormatKind.STREAMING_MEDIA]: { zh: "流媒体", en: "Streaming media" },
    [FormatKind.SELF_DESCRIBING]: { zh: "自描述格式", en: "Self-describing" },
    [FormatKind.OTHER]: { zh: "其他", en: "Other" },
  },
  dataType: {
    [DataType.C]: { zh: "字符型 C", en: "Character C" },
    [DataType.N]: { zh: "数值型 N", en: "Numeric N" },
    [DataType.Y]: { zh: "货币型 Y", en: "Currency Y" },
    [DataType.D]: { zh: "日期型 D", en: "Date D" },
    [DataType.T]: { zh: "日期时间型 T", en: "Date-time T" },
    [DataType.L]: { zh: "逻辑型 L", en: "Logical L" },
    [DataType.M]: { zh: "备注型 M", en: "Memo M" },
    [DataType.G]: { zh: "通用型 G", en: "General G" },
    [DataType.B]: { zh: "双精度型 B", en: "Double B" },
    [DataType.I]: { zh: "整型 I", en: "Integer I" },
    [DataType.F]: { zh: "浮点型 F", en: "Float F" },
  },
  updateCycle: {
    [UpdateCycle.REALTIME]: { zh: "实时", en: "Real time" },
    [UpdateCycle.DAILY]: { zh: "每日", en: "Daily" },
    [UpdateCycle.WEEKLY]: { zh: "每周", en: "Weekly" },
    [UpdateCycle.MONTHLY]: { zh: "每月", en: "Monthly" },
    [UpdateCycle.QUARTERLY]: { zh: "每季度", en: "Quarterly" },
    [UpdateCycle.HALF_YEARLY]: { zh: "每半年", en: "Half-yearly" },
    [UpdateCycle.YEARLY]: { zh: "每年", en: "Yearly" },
    [UpdateCycle.IRREGULAR]: { zh: "不定期", en: "Irregular" },
  },
  entryState: {
    [EntryState.DRAFT]: { zh: "已创建", en: "Draft" },
    [EntryState.PENDING_PUBLISH]: { zh: "发布待审核", en: "Awaiting publication review" },
    [EntryState.PUBLISHED]: { zh: "已发布", en: "Published" },
    [EntryState.PUBLISH_REJECTED]: { zh: "发布已驳回", en: "Publication rejected" },
    [EntryState.PENDING_REVOKE]: { zh: "撤销待审核", en: "Awaiting revocation review" },
    [EntryState.REVOKED]: { zh: "已撤销", en: "Revoked" },
  },
  requestState: {
    [RequestState.PENDING]: { zh: "待答复", en: "Pending" },
    [RequestState.APPROVED]: { zh: "已同意", en: "Approved" },
    [RequestState.REJECTED]: { zh: "已拒绝", en: "Refused" },
    [RequestState.WITHDRAWN]: { zh: "已撤回", en: "Withdrawn" },
  },
  grantState: {
    [GrantState.ACTIVE]: { zh: "有效", en: "Active" },
    [GrantState.EXPIRED]: { zh: "已过期", en: "Expired" },
    [GrantState.REVOKED]: { zh: "已撤销", en: "Revoked" },
  },
} satisfies Record<string, Labels>;

export type EnumName = keyof typeof ENUM_LABELS;

/** The label of `value` of the enum `name`; "—" for unset, the number for an unknown value. */
export function useEnumLabel(): (name: EnumName, value: number) => string {
  const { lang } = useLang();
  return (name, value) => {
    if (value === 0) return "—";
    const labels: Labels = ENUM_LABELS[name];
    return labels[value]?.[lang] ?? String(value);
  };
}

/** The values of the enum `name` that can be chosen (all but unspecified), in order. */
export function enumValues(name: EnumName): number[] {
  return Object.keys(ENUM_LABELS[name])
    .map(Number)
    .sort((a, b) => a - b);
}
