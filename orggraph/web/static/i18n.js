// Interface strings, Chinese first, English second. Data (names) is never translated.
// Elements carry data-i18n="key" (text), data-i18n-title, data-i18n-placeholder,
// data-i18n-aria; apply() fills them in the chosen language.

export const STRINGS = {
  zh: {
    title: "组织体系图谱",
    subtitle: "西宁市党组织体系与责任",
    "view.tree": "组织树",
    "view.network": "联系结对网络",
    "search.placeholder": "按名称或代码搜索，如 夏都花园社区",
    "search.none": "没有找到",
    "search.button": "搜索",
    asOf: "时点",
    play: "回放",
    pause: "暂停",
    "expand.all": "全部展开",
    "collapse.all": "收起到乡镇",
    fit: "适应窗口",
    "export.png": "导出 PNG",
    "export.svg": "导出 SVG",
    language: "English",
    "legend.title": "图例",
    "legend.coverage": "“两新”组织党组织覆盖率",
    "legend.noRate": "无覆盖率数据",
    "legend.weak": "软弱涣散",
    "legend.vacant": "书记空缺",
    "legend.gap": "缺联点领导",
    "legend.chain": "责任链",
    "legend.collapsed": "已收起（点击展开）",
    "legend.workingGroup": "全域党建工作组",
    "legend.leader": "领导干部",
    "legend.expert": "专家人才",
    "legend.organization": "党组织",
    "legend.strong": "结对强支部",
    "edge.covers": "包联",
    "edge.contacts": "联点",
    "edge.serves": "联系服务",
    "edge.paired_with": "结对共建",
    "edge.leads": "牵头",
    "panel.empty": "点击图中的党组织，查看详情和责任链。",
    "panel.facts": "基本情况",
    "panel.chain": "责任链",
    "panel.breaks": "断点",
    "panel.noBreaks": "责任链完整",
    "panel.explorer": "在查询器中打开",
    "panel.export": "导出名单",
    "panel.exportPdf": "PDF 打印版",
    "panel.exportDocx": "Word 版",
    "panel.close": "关闭",
    "fact.id": "编号/代码",
    "fact.kind": "类别",
    "fact.level": "层级",
    "fact.sector": "领域",
    "fact.parent": "上级组织",
    "fact.secretary": "书记",
    "fact.members": "党员数",
    "fact.children": "下级组织",
    "fact.coverage": "覆盖率",
    "fact.state": "状态",
    "fact.reasons": "原因",
    "fact.validFrom": "成立日期",
    "chain.secretary": "书记",
    "chain.workingGroup": "包联工作组",
    "chain.contact": "联点领导",
    "chain.partner": "结对党组织",
    "chain.vacant": "空缺",
    "chain.none": "无",
    "status.loading": "正在加载……",
    "status.loaded": "已加载 {n} 个节点",
    "status.error": "加载失败：{message}",
    yes: "是",
    no: "否",
    "level.city": "市级",
    "level.county": "县(区)级",
    "level.township": "乡镇(街道)级",
    "level.grassroots": "基层",
    "kind.organization": "党组织",
    "kind.working_group": "全域党建工作组",
    "kind.member": "党员",
    "kind.expert": "专家人才",
    "kind.unit": "两新组织",
    "sector.rural": "农村",
    "sector.community": "城市社区",
    "sector.agency": "机关",
    "sector.institution": "事业单位",
    "sector.state_enterprise": "国有企业",
    "sector.non_public_enterprise": "非公企业",
    "sector.social_organization": "社会组织",
    "network.filter": "显示",
    "break.since": "（自 {date}）",
    "break.vacant_secretary": "书记空缺",
    "break.no_contact_leader": "无联点领导",
    "break.no_working_group": "无工作组包联",
    "break.no_organization": "未建党组织",
    "break.no_serving_leader": "无领导联系服务",
    "break.detached": "未接续到市委",
  },
  en: {
    title: "Organization graph",
    subtitle: "Xining party organizations and responsibility",
    "view.tree": "Organization tree",
    "view.network": "Pairing network",
    "search.placeholder": "Search by name or code, e.g. 夏都花园社区",
    "search.none": "Nothing found",
    "search.button": "Search",
    asOf: "As of",
    play: "Replay",
    pause: "Pause",
    "expand.all": "Expand all",
    "collapse.all": "Collapse to townships",
    fit: "Fit",
    "export.png": "Export PNG",
    "export.svg": "Export SVG",
    language: "中文",
    "legend.title": "Legend",
    "legend.coverage": "Party-organization coverage of two-new units",
    "legend.noRate": "No coverage rate",
    "legend.weak": "Weak and lax",
    "legend.vacant": "Secretary vacant",
    "legend.gap": "No contact leader",
    "legend.chain": "Responsibility chain",
    "legend.collapsed": "Collapsed (click to expand)",
    "legend.workingGroup": "Working group",
    "legend.leader": "Leader",
    "legend.expert": "Expert",
    "legend.organization": "Organization",
    "legend.strong": "Strong partner branch",
    "edge.covers": "Covers",
    "edge.contacts": "Contact leader",
    "edge.serves": "Serves expert",
    "edge.paired_with": "Paired with",
    "edge.leads": "Leads",
    "panel.empty": "Click an organization to see its facts and responsibility chain.",
    "panel.facts": "Facts",
    "panel.chain": "Responsibility chain",
    "panel.breaks": "Breaks",
    "panel.noBreaks": "The chain is complete",
    "panel.explorer": "Open in the explorer",
    "panel.export": "Export the list",
    "panel.exportPdf": "PDF to print",
    "panel.exportDocx": "Word",
    "panel.close": "Close",
    "fact.id": "Id / code",
    "fact.kind": "Kind",
    "fact.level": "Level",
    "fact.sector": "Sector",
    "fact.parent": "Parent",
    "fact.secretary": "Secretary",
    "fact.members": "Members",
    "fact.children": "Sub-organizations",
    "fact.coverage": "Coverage",
    "fact.state": "State",
    "fact.reasons": "Reasons",
    "fact.validFrom": "Founded",
    "chain.secretary": "Secretary",
    "chain.workingGroup": "Working group",
    "chain.contact": "Contact leader",
    "chain.partner": "Paired partner",
    "chain.vacant": "vacant",
    "chain.none": "none",
    "status.loading": "Loading…",
    "status.loaded": "{n} nodes loaded",
    "status.error": "Loading failed: {message}",
    yes: "yes",
    no: "no",
    "level.city": "City",
    "level.county": "County / district",
    "level.township": "Township / street",
    "level.grassroots": "Grassroots",
    "kind.organization": "Organization",
    "kind.working_group": "Working group",
    "kind.member": "Member",
    "kind.expert": "Expert",
    "kind.unit": "Two-new unit",
    "sector.rural": "Rural",
    "sector.community": "Urban community",
    "sector.agency": "Agency",
    "sector.institution": "Public institution",
    "sector.state_enterprise": "State-owned enterprise",
    "sector.non_public_enterprise": "Non-public enterprise",
    "sector.social_organization": "Social organization",
    "network.filter": "Show",
    "break.since": "(since {date})",
    "break.vacant_secretary": "Secretary vacant",
    "break.no_contact_leader": "No contact leader",
    "break.no_working_group": "No working group covers it",
    "break.no_organization": "No party organization",
    "break.no_serving_leader": "No leader serves the expert",
    "break.detached": "Not linked up to the city committee",
  },
};

export const LANGUAGES = ["zh", "en"];

let current = "zh";

export function language() {
  return current;
}

/** The string for key in the current language, with {name} placeholders filled. */
export function t(key, params = {}) {
  const table = STRINGS[current] ?? STRINGS.zh;
  const text = table[key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_m, name) => String(params[name] ?? ""));
}

/** A label for an enum code from the data (level, kind, sector), or the code itself. */
export function label(group, code) {
  if (code === null || code === undefined || code === "") return "";
  const key = `${group}.${code}`;
  const table = STRINGS[current] ?? STRINGS.zh;
  return table[key] ?? String(code);
}

export function setLanguage(lang, root = document) {
  current = LANGUAGES.includes(lang) ? lang : "zh";
  root.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  apply(root);
  return current;
}

export function apply(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
  root.title = t("title");
}
