// The names of the catalogue's metadata elements (政务信息资源目录编制指南), in both languages,
// shared by the form, the detail page, the diff and the review queue.

export const ELEMENTS = {
  zh: {
    classification: "信息资源分类",
    "classification.category": "类",
    "classification.item": "项",
    "classification.subitem": "目",
    "classification.detail": "细目",
    name: "信息资源名称",
    code: "信息资源代码",
    provider_name: "信息资源提供方",
    provider_code: "提供方代码",
    summary: "信息资源摘要",
    format: "信息资源格式",
    "format.kind": "格式类型",
    "format.detail": "具体格式",
    items: "信息项",
    "items.order": "信息项顺序",
    "item.name": "名称",
    "item.data_type": "数据类型",
    "item.length": "长度",
    "item.share_type": "共享类型",
    "item.description": "说明",
    sharing: "共享属性",
    "sharing.share_type": "共享类型",
    "sharing.condition": "共享条件",
    "sharing.mode": "共享方式",
    "sharing.basis": "不予共享依据",
    open: "开放属性",
    "open.open_to_public": "向社会开放",
    "open.condition": "开放条件",
    update_cycle: "更新周期",
    publish_date: "发布日期",
    related_codes: "关联资源代码",
    keywords: "关键词",
    classified: "涉密",
  },
  en: {
    classification: "Classification",
    "classification.category": "Category",
    "classification.item": "Item",
    "classification.subitem": "Subitem",
    "classification.detail": "Detail",
    name: "Resource name",
    code: "Resource code",
    provider_name: "Provider",
    provider_code: "Provider code",
    summary: "Summary",
    format: "Format",
    "format.kind": "Format kind",
    "format.detail": "Format detail",
    items: "Information items",
    "items.order": "Item order",
    "item.name": "Name",
    "item.data_type": "Data type",
    "item.length": "Length",
    "item.share_type": "Share type",
    "item.description": "Description",
    sharing: "Sharing",
    "sharing.share_type": "Share type",
    "sharing.condition": "Sharing condition",
    "sharing.mode": "Share mode",
    "sharing.basis": "Basis for not sharing",
    open: "Openness",
    "open.open_to_public": "Open to the public",
    "open.condition": "Open condition",
    update_cycle: "Update cycle",
    publish_date: "Publish date",
    related_codes: "Related codes",
    keywords: "Keywords",
    classified: "Classified",
  },
};

export type ElementKey = keyof (typeof ELEMENTS)["zh"];

/**
 * A diff path (`sharing.condition`, `items[姓名].length`, `items[姓名]`) in words:
 * `共享属性 › 共享条件`, `信息项“姓名” › 长度`.
 */
export function pathLabel(words: Record<ElementKey, string>, path: string, lang: "zh" | "en"): string {
  const item = /^items\[(.*)\](?:\.(\w+))?$/.exec(path);
  if (item) {
    const name = lang === "zh" ? `${words.items}“${item[1]}”` : `${words.items} "${item[1]}"`;
    const field = item[2] ? words[`item.${item[2]}` as ElementKey] ?? item[2] : undefined;
    return field ? `${name} › ${field}` : name;
  }
  const direct = words[path as ElementKey];
  const dot = path.indexOf(".");
  if (dot > 0) {
    const parent = words[path.slice(0, dot) as ElementKey];
    if (parent && direct && path !== "items.order") return `${parent} › ${direct}`;
  }
  return direct ?? path;
}
