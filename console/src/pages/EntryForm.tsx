// Registering a catalogue entry (#/entries/new) or writing a new version of one
// (#/entries/CODE/edit): the 13 core elements of the guideline, with the server's message for
// each field shown beside it.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Code, problem as toProblem, type Problem } from "../api.js";
import { Field } from "../components/Field.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { today } from "../format.js";
import type { CatalogEntry, ResourceMetadataSchema } from "../gen/govshare/v1/catalog_pb.js";
import { Category, FormatKind, Role, ShareType } from "../gen/govshare/v1/common_pb.js";
import { enumValues, useEnumLabel, useLang, useText, type EnumName } from "../i18n.js";
import { Link, navigate, pathOf } from "../router.js";
import { useSession } from "../session.js";
import { formErrors, withoutItemErrors } from "./entry/errors.js";
import { loadEntry } from "./entry/load.js";
import { ELEMENTS } from "./entry/words.js";
import "./catalogue.css";

const TEXT = {
  zh: {
    newTitle: "登记目录",
    editTitle: (code: string) => `修改目录 ${code}`,
    intro: "按《政务信息资源目录编制指南》填写13项核心元数据。带 * 的为必填项。",
    choose: "请选择",
    inherit: "同目录",
    category: "类（1位）",
    item: "项（2位）",
    subitem: "目（3位）",
    detail: "细目（可选）",
    entryShareType: "目录共享类型",
    classificationHint: "类（1位）+ 项（2位）+ 目（3位）+ 细目（数字，可选）。",
    fixedClassification: "分类是已分配代码的一部分，修改时不能变更。",
    providerHint: "本部门的统一社会信用代码，由服务根据登录凭证确定。",
    providerAdminHint: "平台凭证没有所属部门，请填写提供方部门的统一社会信用代码。",
    formatDetailHint: "如 xlsx、pdf、oracle；格式类型为“其他”时请说明具体格式。",
    itemsHint: "每个信息项的名称在本目录内不能重复；信息项共享类型为空时与目录相同。",
    itemLabel: (n: number, what: string) => `信息项${n}${what}`,
    addItem: "添加信息项",
    removeItem: (n: number) => `删除信息项${n}`,
    remove: "删除",
    moveUp: (n: number) => `上移信息项${n}`,
    shareTypeHint: "为空时取各信息项中最开放的共享类型（此时每个信息项都须有共享类型）。",
    conditionHint: "有条件共享时必填：使用部门须满足的条件。",
    basisHint: "不予共享时必填：法律、行政法规或党中央、国务院政策依据。",
    openLabel: "向社会开放",
    relatedHint: "每行一个信息资源代码，如 303084122704/000001。",
    keywordsHint: "以逗号、顿号或换行分隔。",
    classifiedHint: "涉密信息资源不得在共享平台登记。",
    note: "修改说明",
    noteHint: "写入版本记录，便于审核。",
    register: "登记",
    save: "保存修改",
    check: "检查",
    cancel: "取消",
    busy: "正在提交…",
    checked: "检查通过：可以登记。",
    invalid: (n: number) => `${n}项校验未通过，请修改标红的字段。`,
    reload: "载入最新版本（放弃本页的修改）",
    others: "以下问题不属于表单中的某个字段：",
    notAllowed: "当前令牌没有目录编制员角色，不能登记或修改目录。",
    loading: "正在加载…",
    itemsCol: "序号",
    actions: "操作",
  },
  en: {
    newTitle: "Register an entry",
    editTitle: (code: string) => `Edit entry ${code}`,
    intro: "The 13 core metadata elements of the catalogue guideline. Fields marked * are required.",
    choose: "Choose…",
    inherit: "As the entry",
    category: "Category (1 digit)",
    item: "Item (2 digits)",
    subitem: "Subitem (3 digits)",
    detail: "Detail (optional)",
    entryShareType: "Entry share type",
    classificationHint: "Category (1 digit) + item (2 digits) + subitem (3 digits) + detail (digits, optional).",
    fixedClassification: "The classification is part of the assigned code and cannot change.",
    providerHint: "Your department's unified social credit code, taken from your credential.",
    providerAdminHint: "A platform credential has no department: give the provider's credit code.",
    formatDetailHint: "E.g. xlsx, pdf, oracle; describe the format when the kind is Other.",
    itemsHint: "Item names are unique within the entry; an item without a share type takes the entry's.",
    itemLabel: (n: number, what: string) => `Item ${n} ${what.toLowerCase()}`,
    addItem: "Add an item",
    removeItem: (n: number) => `Remove item ${n}`,
    remove: "Remove",
    moveUp: (n: number) => `Move item ${n} up`,
    shareTypeHint: "Empty: the most open of the items' types (every item must then have one).",
    conditionHint: "Required for conditional sharing: what a requesting department must meet.",
    basisHint: "Required when not shared: the law, regulation or central policy it rests on.",
    openLabel: "Open to the public",
    relatedHint: "One resource code a line, e.g. 303084122704/000001.",
    keywordsHint: "Separated by commas or new lines.",
    classifiedHint: "Classified resources cannot be registered on the sharing platform.",
    note: "Change note",
    noteHint: "Kept in the version history for the reviewer.",
    register: "Register",
    save: "Save changes",
    check: "Check",
    cancel: "Cancel",
    busy: "Submitting…",
    checked: "Check passed: the entry can be registered.",
    invalid: (n: number) => `${n} fields failed validation: correct the fields marked in red.`,
    reload: "Load the latest version (discarding these changes)",
    others: "These problems are not about one field of the form:",
    notAllowed: "This credential has no cataloguer role and cannot register or edit entries.",
    loading: "Loading…",
    itemsCol: "No.",
    actions: "Actions",
  },
};

interface ItemRow {
  key: number;
  name: string;
  dataType: number;
  length: string;
  shareType: number;
  description: string;
}

interface FormState {
  category: number;
  item: string;
  subitem: string;
  detail: string;
  name: string;
  providerCode: string;
  summary: string;
  formatKind: number;
  formatDetail: string;
  items: ItemRow[];
  shareType: number;
  condition: string;
  mode: number;
  basis: string;
  openToPublic: boolean;
  openCondition: string;
  updateCycle: number;
  publishDate: string;
  relatedCodes: string;
  keywords: string;
  classified: boolean;
  note: string;
}

let nextKey = 1;
const emptyItem = (): ItemRow => ({ key: nextKey++, name: "", dataType: 0, length: "", shareType: 0, description: "" });

function blank(providerCode: string): FormState {
  return {
    category: 0,
    item: "",
    subitem: "",
    detail: "",
    name: "",
    providerCode,
    summary: "",
    formatKind: 0,
    formatDetail: "",
    items: [emptyItem()],
    shareType: 0,
    condition: "",
    mode: 0,
    basis: "",
    openToPublic: false,
    openCondition: "",
    updateCycle: 0,
    publishDate: today(),
    relatedCodes: "",
    keywords: "",
    classified: false,
    note: "",
  };
}

function fromEntry(entry: CatalogEntry): FormState {
  const m = entry.metadata;
  if (!m) return blank(entry.providerCode);
  return {
    category: m.classification?.category ?? 0,
    item: m.classification?.item ?? "",
    subitem: m.classification?.subitem ?? "",
    detail: m.classification?.detail ?? "",
    name: m.name,
    providerCode: m.providerCode || entry.providerCode,
    summary: m.summary,
    formatKind: m.format?.kind ?? 0,
    formatDetail: m.format?.detail ?? "",
    items: m.items.map((i) => ({
      key: nextKey++,
      name: i.name,
      dataType: i.dataType,
      length: i.length ? String(i.length) : "",
      shareType: i.shareType,
      description: i.description,
    })),
    shareType: m.sharing?.shareType ?? 0,
    condition: m.sharing?.condition ?? "",
    mode: m.sharing?.mode ?? 0,
    basis: m.sharing?.basis ?? "",
    openToPublic: m.open?.openToPublic ?? false,
    openCondition: m.open?.condition ?? "",
    updateCycle: m.updateCycle,
    publishDate: m.publishDate,
    relatedCodes: m.relatedCodes.join("\n"),
    keywords: m.keywords.join("、"),
    classified: m.classified,
    note: "",
  };
}

const lines = (s: string) =>
  s
    .split(/\n/)
    .map((x) => x.trim())
    .filter(Boolean);
const words = (s: string) =>
  s
    .split(/[,，、;；\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

/** The metadata the form describes, as the request sends it. */
function toMetadata(f: FormState): MessageInitShape<typeof ResourceMetadataSchema> {
  const typeKnown = f.shareType !== 0;
  return {
    classification: { category: f.category, item: f.item.trim(), subitem: f.subitem.trim(), detail: f.detail.trim() },
    name: f.name,
    providerCode: f.providerCode.trim(),
    summary: f.summary,
    format: { kind: f.formatKind, detail: f.formatDetail },
    items: f.items.map((i) => ({
      name: i.name,
      dataType: i.dataType,
      length: Number.parseInt(i.length, 10) || 0,
      shareType: i.shareType,
      description: i.description,
    })),
    sharing: {
      shareType: f.shareType,
      condition: !typeKnown || f.shareType === ShareType.CONDITIONAL ? f.condition : "",
      mode: f.mode,
      basis: !typeKnown || f.shareType === ShareType.NOT_SHARED ? f.basis : "",
    },
    open: { openToPublic: f.openToPublic, condition: f.openToPublic ? f.openCondition : "" },
    updateCycle: f.updateCycle,
    publishDate: f.publishDate.trim(),
    relatedCodes: lines(f.relatedCodes),
    keywords: words(f.keywords),
    classified: f.classified,
  };
}

/** Format details the guideline lists for each kind, offered as suggestions. */
const FORMAT_DETAILS: Record<number, string[]> = {
  [FormatKind.ELECTRONIC_FILE]: ["OFD", "wps", "xml", "txt", "doc", "docx", "html", "pdf", "ppt"],
  [FormatKind.SPREADSHEET]: ["et", "xls", "xlsx"],
  [FormatKind.DATABASE]: ["Dm", "KingbaseES", "access", "dbf", "dbase", "sysbase", "oracle", "sqlserver", "db2"],
  [FormatKind.IMAGE]: ["jpg", "gif", "bmp"],
  [FormatKind.STREAMING_MEDIA]: ["swf", "rm", "mpg"],
};

/** A <select> over an enum's values, with an empty first choice. */
function EnumSelect({
  name,
  value,
  onChange,
  empty,
  ...rest
}: {
  name: EnumName;
  value: number;
  onChange: (v: number) => void;
  empty: string;
  disabled?: boolean;
  "aria-label"?: string;
  "aria-invalid"?: boolean;
  "aria-describedby"?: string;
}) {
  const label = useEnumLabel();
  return (
    <select value={value} onChange={(e) => onChange(Number(e.target.value))} {...rest}>
      <option value={0}>{empty}</option>
      {enumValues(name).map((v) => (
        <option key={v} value={v}>
          {label(name, v)}
        </option>
      ))}
    </select>
  );
}

export function EntryFormPage({ code }: { code?: string }) {
  const session = useSession();
  const text = useText(TEXT);
  const el = useText(ELEMENTS);
  const { lang } = useLang();
  const editing = code !== undefined;
  const [form, setForm] = useState<FormState | null>(() => (editing ? null : blank(session.department)));
  const [entry, setEntry] = useState<CatalogEntry | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [failure, setFailure] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [checkedOk, setCheckedOk] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const [focusRound, setFocusRound] = useState(0);
  const [loadRound, setLoadRound] = useState(0);

  useEffect(() => {
    if (!editing) {
      setForm(blank(session.department));
      setEntry(null);
      return;
    }
    let live = true;
    setForm(null);
    setFailure(null);
    loadEntry(session.api, code, 0n, () => true).then(
      (e) => {
        if (!live) return;
        setEntry(e);
        setForm(fromEntry(e));
      },
      (err: unknown) => live && setLoadProblem(toProblem(err)),
    );
    return () => {
      live = false;
    };
  }, [code, editing, session, loadRound]);

  // After a refused submit, the first control with a message gets the focus.
  useEffect(() => {
    if (focusRound === 0) return;
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.focus();
  }, [focusRound]);

  if (!session.has(Role.CATALOGUER)) return <p className="notice">{text.notAllowed}</p>;
  if (loadProblem) return <ProblemBanner problem={loadProblem} />;
  if (!form) return <p className="loading">{text.loading}</p>;

  const errors = formErrors(failure, form.items.length, lang === "zh");
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => {
    setForm((f) => (f ? { ...f, [key]: value } : f));
    setCheckedOk(false);
  };
  const setItem = (index: number, patch: Partial<ItemRow>) => {
    setForm((f) => (f ? { ...f, items: f.items.map((row, i) => (i === index ? { ...row, ...patch } : row)) } : f));
    setCheckedOk(false);
  };
  const addItem = () => {
    setForm((f) => (f ? { ...f, items: [...f.items, emptyItem()] } : f));
    setFailure(withoutItemErrors);
    // The new row's name gets the focus.
    window.setTimeout(() => {
      const inputs = formRef.current?.querySelectorAll<HTMLInputElement>("input[data-item-name]");
      inputs?.[inputs.length - 1]?.focus();
    }, 0);
  };
  const removeItem = (index: number) => {
    setForm((f) => (f ? { ...f, items: f.items.filter((_, i) => i !== index) } : f));
    setFailure(withoutItemErrors);
    // The removed row's button is gone: the focus goes to "add an item".
    window.setTimeout(() => formRef.current?.querySelector<HTMLElement>("button[data-add-item]")?.focus(), 0);
  };
  const moveUp = (index: number) => {
    if (index === 0) return;
    setForm((f) => {
      if (!f) return f;
      const items = [...f.items];
      [items[index - 1], items[index]] = [items[index], items[index - 1]];
      return { ...f, items };
    });
    setFailure(withoutItemErrors);
  };

  const send = async (validateOnly: boolean) => {
    setBusy(true);
    setCheckedOk(false);
    try {
      const metadata = toMetadata(form);
      if (editing && entry) {
        const updated = await session.api.catalog.updateEntry({
          code: entry.code,
          expectedVersion: entry.headVersion,
          metadata,
          note: form.note.trim(),
        });
        setFailure(null);
        navigate(pathOf("entries", updated.code));
      } else {
        const created = await session.api.catalog.registerEntry({ metadata, note: form.note.trim(), validateOnly });
        setFailure(null);
        if (validateOnly) setCheckedOk(true);
        else navigate(pathOf("entries", created.code));
      }
    } catch (err) {
      setFailure(toProblem(err));
      setFocusRound((r) => r + 1);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send(false);
  };

  const platform = session.department === "";
  const showCondition = form.shareType === 0 || form.shareType === ShareType.CONDITIONAL || !!errors.at("sharing.condition");
  const showBasis = form.shareType === 0 || form.shareType === ShareType.NOT_SHARED || !!errors.at("sharing.basis");
  const showOpenCondition = form.openToPublic || !!errors.at("open.condition");
  const itemsError = errors.at("items");
  const classificationError = errors.at("classification");
  const sharingError = errors.at("sharing");
  const openError = errors.at("open");
  const formatError = errors.at("format");

  return (
    <div className="entry-form-page">
      <h1>{editing ? text.editTitle(code) : text.newTitle}</h1>
      <p className="muted">{text.intro}</p>
      <FormProblem problem={failure} count={errors.count} unmatched={errors.unmatched} text={text} />
      {failure?.code === Code.Aborted && editing ? (
        <div className="actions">
          <button type="button" onClick={() => setLoadRound((r) => r + 1)}>
            {text.reload}
          </button>
        </div>
      ) : null}
      {checkedOk ? (
        <p className="notice" role="status">
          {text.checked}
        </p>
      ) : null}
      <form ref={formRef} className="entry-form" onSubmit={submit} noValidate>
        <fieldset>
          <legend>1 {el.classification}</legend>
          {classificationError ? <p className="items-error" role="alert">{classificationError}</p> : null}
          <p className="field-hint">{editing ? text.fixedClassification : text.classificationHint}</p>
          <div className="row">
            <Field label={text.category} required error={errors.at("classification.category")}>
              <EnumSelect name="category" value={form.category} onChange={(v) => set("category", v as Category)} empty={text.choose} disabled={editing} />
            </Field>
            <Field label={text.item} required error={errors.at("classification.item")}>
              <input value={form.item} onChange={(e) => set("item", e.target.value)} inputMode="numeric" maxLength={2} size={3} readOnly={editing} />
            </Field>
            <Field label={text.subitem} required error={errors.at("classification.subitem")}>
              <input value={form.subitem} onChange={(e) => set("subitem", e.target.value)} inputMode="numeric" maxLength={3} size={4} readOnly={editing} />
            </Field>
            <Field label={text.detail} error={errors.at("classification.detail")}>
              <input value={form.detail} onChange={(e) => set("detail", e.target.value)} inputMode="numeric" maxLength={12} size={8} readOnly={editing} />
            </Field>
          </div>
        </fieldset>

        <fieldset>
          <legend>2–6 {lang === "zh" ? "名称、提供方与摘要" : "Name, provider and summary"}</legend>
          <Field label={el.name} required error={errors.at("name")}>
            <input value={form.name} onChange={(e) => set("name", e.target.value)} maxLength={200} />
          </Field>
          <Field
            label={el.provider_code}
            required
            error={errors.at("provider_code")}
            hint={platform && !editing ? text.providerAdminHint : text.providerHint}
          >
            <input
              className="mono"
              value={form.providerCode}
              onChange={(e) => set("providerCode", e.target.value)}
              readOnly={editing || !platform}
              maxLength={18}
            />
          </Field>
          {entry?.metadata?.providerName ? (
            <div className="field">
              <span className="field-label-static">{el.provider_name}</span>
              <span>{entry.metadata.providerName}</span>
            </div>
          ) : null}
          <Field label={el.summary} required error={errors.at("summary")}>
            <textarea value={form.summary} onChange={(e) => set("summary", e.target.value)} rows={3} />
          </Field>
        </fieldset>

        <fieldset>
          <legend>7 {el.format}</legend>
          {formatError ? <p className="items-error" role="alert">{formatError}</p> : null}
          <div className="row">
            <Field label={el["format.kind"]} required error={errors.at("format.kind")}>
              <EnumSelect name="formatKind" value={form.formatKind} onChange={(v) => set("formatKind", v)} empty={text.choose} />
            </Field>
            <Field label={el["format.detail"]} error={errors.at("format.detail")} hint={text.formatDetailHint}>
              <input value={form.formatDetail} onChange={(e) => set("formatDetail", e.target.value)} list="format-details" />
            </Field>
          </div>
          <datalist id="format-details">
            {(FORMAT_DETAILS[form.formatKind] ?? []).map((d) => (
              <option key={d} value={d} />
            ))}
          </datalist>
        </fieldset>

        <fieldset>
          <legend>8 {el.items}</legend>
          <p className="field-hint">{text.itemsHint}</p>
          {itemsError ? (
            <p className="items-error" role="alert" id="items-error">
              {itemsError}
            </p>
          ) : null}
          <table className="items-editor">
            <thead>
              <tr>
                <th className="num">{text.itemsCol}</th>
                <th className="col-name">
                  {el["item.name"]}
                  <span className="required" aria-hidden="true"> *</span>
                </th>
                <th className="col-type">
                  {el["item.data_type"]}
                  <span className="required" aria-hidden="true"> *</span>
                </th>
                <th className="col-len">
                  {el["item.length"]}
                  <span className="required" aria-hidden="true"> *</span>
                </th>
                <th className="col-share">{el["item.share_type"]}</th>
                <th>{el["item.description"]}</th>
                <th className="col-act">{text.actions}</th>
              </tr>
            </thead>
            <tbody>
              {form.items.map((row, i) => {
                const n = i + 1;
                return (
                  <tr key={row.key}>
                    <td className="row-no">{n}</td>
                    <ItemCell error={errors.item(i, "name")} id={`item-${row.key}-name`}>
                      {(props) => (
                        <input
                          {...props}
                          data-item-name=""
                          aria-label={text.itemLabel(n, el["item.name"])}
                          aria-required
                          value={row.name}
                          onChange={(e) => setItem(i, { name: e.target.value })}
                        />
                      )}
                    </ItemCell>
                    <ItemCell error={errors.item(i, "data_type")} id={`item-${row.key}-type`}>
                      {(props) => (
                        <EnumSelect
                          {...props}
                          name="dataType"
                          aria-label={text.itemLabel(n, el["item.data_type"])}
                          value={row.dataType}
                          onChange={(v) => setItem(i, { dataType: v })}
                          empty={text.choose}
                        />
                      )}
                    </ItemCell>
                    <ItemCell error={errors.item(i, "length")} id={`item-${row.key}-length`}>
                      {(props) => (
                        <input
                          {...props}
                          type="number"
                          min={1}
                          inputMode="numeric"
                          aria-label={text.itemLabel(n, el["item.length"])}
                          aria-required
                          value={row.length}
                          onChange={(e) => setItem(i, { length: e.target.value })}
                        />
                      )}
                    </ItemCell>
                    <ItemCell error={errors.item(i, "share_type")} id={`item-${row.key}-share`}>
                      {(props) => (
                        <EnumSelect
                          {...props}
                          name="shareType"
                          aria-label={text.itemLabel(n, el["item.share_type"])}
                          value={row.shareType}
                          onChange={(v) => setItem(i, { shareType: v })}
                          empty={text.inherit}
                        />
                      )}
                    </ItemCell>
                    <ItemCell error={errors.item(i, "description")} id={`item-${row.key}-desc`}>
                      {(props) => (
                        <input
                          {...props}
                          aria-label={text.itemLabel(n, el["item.description"])}
                          value={row.description}
                          onChange={(e) => setItem(i, { description: e.target.value })}
                        />
                      )}
                    </ItemCell>
                    <td className="col-act">
                      <button type="button" className="link" onClick={() => moveUp(i)} disabled={i === 0} aria-label={text.moveUp(n)} title={text.moveUp(n)}>
                        ↑
                      </button>
                      <button type="button" className="link danger" onClick={() => removeItem(i)} aria-label={text.removeItem(n)} title={text.removeItem(n)}>
                        {text.remove}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="actions">
            <button type="button" onClick={addItem} data-add-item="">
              {text.addItem}
            </button>
          </div>
        </fieldset>

        <fieldset>
          <legend>9 {el.sharing}</legend>
          {sharingError ? <p className="items-error" role="alert">{sharingError}</p> : null}
          <Field label={text.entryShareType} required error={errors.at("sharing.share_type")} hint={text.shareTypeHint}>
            <EnumSelect name="shareType" value={form.shareType} onChange={(v) => set("shareType", v)} empty={text.choose} />
          </Field>
          {showCondition ? (
            <Field label={el["sharing.condition"]} required={form.shareType === ShareType.CONDITIONAL} error={errors.at("sharing.condition")} hint={text.conditionHint}>
              <textarea value={form.condition} onChange={(e) => set("condition", e.target.value)} rows={2} />
            </Field>
          ) : null}
          <Field label={el["sharing.mode"]} required={form.shareType !== ShareType.NOT_SHARED} error={errors.at("sharing.mode")}>
            <EnumSelect name="shareMode" value={form.mode} onChange={(v) => set("mode", v)} empty={text.choose} />
          </Field>
          {showBasis ? (
            <Field label={el["sharing.basis"]} required={form.shareType === ShareType.NOT_SHARED} error={errors.at("sharing.basis")} hint={text.basisHint}>
              <textarea value={form.basis} onChange={(e) => set("basis", e.target.value)} rows={2} />
            </Field>
          ) : null}
        </fieldset>

        <fieldset>
          <legend>10 {el.open}</legend>
          {openError ? <p className="items-error" role="alert">{openError}</p> : null}
          <CheckField label={text.openLabel} checked={form.openToPublic} onChange={(v) => set("openToPublic", v)} error={errors.at("open.open_to_public")} />
          {showOpenCondition ? (
            <Field label={el["open.condition"]} error={errors.at("open.condition")}>
              <input value={form.openCondition} onChange={(e) => set("openCondition", e.target.value)} />
            </Field>
          ) : null}
        </fieldset>

        <fieldset>
          <legend>11–13 {lang === "zh" ? "更新周期、发布日期与关联资源" : "Update cycle, publish date and related resources"}</legend>
          <Field label={el.update_cycle} required error={errors.at("update_cycle")}>
            <EnumSelect name="updateCycle" value={form.updateCycle} onChange={(v) => set("updateCycle", v)} empty={text.choose} />
          </Field>
          <Field label={el.publish_date} required error={errors.at("publish_date")} hint="YYYY-MM-DD">
            <input type="date" value={form.publishDate} onChange={(e) => set("publishDate", e.target.value)} />
          </Field>
          <Field label={el.related_codes} error={errors.listed("related_codes")} hint={text.relatedHint}>
            <textarea className="mono" value={form.relatedCodes} onChange={(e) => set("relatedCodes", e.target.value)} rows={2} />
          </Field>
        </fieldset>

        <fieldset>
          <legend>{lang === "zh" ? "其他" : "Other"}</legend>
          <Field label={el.keywords} error={errors.listed("keywords")} hint={text.keywordsHint}>
            <input value={form.keywords} onChange={(e) => set("keywords", e.target.value)} />
          </Field>
          <CheckField label={el.classified} checked={form.classified} onChange={(v) => set("classified", v)} error={errors.at("classified")} hint={text.classifiedHint} />
          <Field label={text.note} error={errors.at("note")} hint={text.noteHint}>
            <input value={form.note} onChange={(e) => set("note", e.target.value)} />
          </Field>
        </fieldset>

        <div className="actions form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {editing ? text.save : text.register}
          </button>
          {!editing ? (
            <button type="button" onClick={() => void send(true)} disabled={busy}>
              {text.check}
            </button>
          ) : null}
          <Link to={editing ? pathOf("entries", code) : "/catalogue"} className="button">
            {text.cancel}
          </Link>
          {busy ? (
            <span className="muted" role="status">
              {text.busy}
            </span>
          ) : null}
        </div>
      </form>
    </div>
  );
}

/** A table cell holding one control of an item row, with its message under it. */
function ItemCell({
  error,
  id,
  children,
}: {
  error: string | undefined;
  id: string;
  children: (props: { "aria-invalid"?: boolean; "aria-describedby"?: string }) => ReactNode;
}) {
  const messageId = `${id}-error`;
  return (
    <td className={error ? "invalid" : undefined}>
      {children({ "aria-invalid": error ? true : undefined, "aria-describedby": error ? messageId : undefined })}
      {error ? (
        <div className="cell-error" id={messageId} role="alert">
          {error}
        </div>
      ) : null}
    </td>
  );
}

/** A checkbox with its label after it and any message beside it. */
function CheckField({
  label,
  checked,
  onChange,
  error,
  hint,
}: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  error?: string;
  hint?: string;
}) {
  const id = `check-${label}`;
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={error ? "field-invalid" : undefined}>
      <div className="check">
        <input type="checkbox" id={id} checked={checked} onChange={(e) => onChange(e.target.checked)} aria-invalid={error ? true : undefined} aria-describedby={describedBy} />
        <label htmlFor={id}>{label}</label>
        {hint ? (
          <span className="field-hint" id={`${id}-hint`}>
            {hint}
          </span>
        ) : null}
      </div>
      {error ? (
        <div className="field-error" id={`${id}-error`} role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

/** A refused submit: the field violations are beside their fields; the rest is listed here. */
function FormProblem({
  problem,
  count,
  unmatched,
  text,
}: {
  problem: Problem | null;
  count: number;
  unmatched: [string, string][];
  text: (typeof TEXT)["zh"];
}) {
  if (!problem) return null;
  if (problem.code !== Code.InvalidArgument || count === 0) {
    // A condition that only repeats the message is not shown twice.
    const conditions = problem.conditions.filter((c) => c.description !== problem.message);
    return <ProblemBanner problem={{ ...problem, conditions }} />;
  }
  return (
    <div className="problem" role="alert">
      <p className="problem-hint">{text.invalid(count)}</p>
      {unmatched.length > 0 ? (
        <>
          <p>{text.others}</p>
          <ul>
            {unmatched.map(([path, message]) => (
              <li key={path}>
                <code>{path}</code>：{message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
