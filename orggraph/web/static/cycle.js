// The yearly cycle's page (年初话、年中看、年末评): the signed-in secretary's own list with a
// commitment form per duty, the scope's progress by district or township with a chart, and
// the observation form of the superior committee's editors. Everything comes from
// /graphql; who may do what is the server's policy (a refused step shows its message).

import { gql, ApiError } from "/web/api.js";

const LISTS = `query CycleLists($year: Int!, $asOf: Date, $scope: [ID!], $mine: Boolean!) {
  dutyLists(year: $year, asOf: $asOf, scope: $scope, mine: $mine) {
    id organization organizationName stage holder
    windows { commitBy observeFrom observeTo reviewFrom reviewBy }
    duties { id text kind source state commitment target due progress evidence overdue }
  }
}`;
const BOARD = `query CycleBoard($year: Int!, $asOf: Date, $townships: Boolean!) {
  cycleDashboard(year: $year, asOf: $asOf, townships: $townships) {
    organization name lists duties committed observed done overdue reported graded
  }
}`;
const COMMIT = `mutation CycleCommit($duty: ID!, $commitment: String!, $target: String!,
  $due: Date!, $on: Date) {
  commitDuty(duty: $duty, commitment: $commitment, target: $target, due: $due, on: $on) {
    duty { id state } errors { code message }
  }
}`;
const OBSERVE = `mutation CycleObserve($duty: ID!, $progress: Int!, $evidence: String!,
  $on: Date) {
  observeDuty(duty: $duty, progress: $progress, evidence: $evidence, on: $on) {
    duty { id state progress } errors { code message }
  }
}`;

const STATES = {
  LISTED: "待承诺 listed",
  COMMITTED: "已承诺 committed",
  OBSERVED: "已观摩 observed",
  DONE: "已完成 done",
  NOT_DONE: "未完成 not done",
};
const STAGES = { OPENED: "已建立 opened", REPORTED: "已述职 reported", GRADED: "已评定 graded" };

const $ = (id) => document.getElementById(id);
const state = { year: 2019, asOf: "", townships: false, chose: false, area: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  }
  return node;
}

function say(message) {
  $("status").textContent = message;
}

async function run(query, variables) {
  try {
    return await gql(query, variables);
  } catch (error) {
    if (error instanceof ApiError && error.codes.includes("UNAUTHENTICATED")) {
      location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
    }
    say(error.message);
    throw error;
  }
}

function dutyCells(duty) {
  const seen = duty.progress === null ? "" : `${duty.progress}%：${duty.evidence ?? ""}`;
  const promised = duty.commitment ? `${duty.commitment}；目标 ${duty.target}` : "";
  const due = el("span", duty.overdue ? { class: "overdue" } : {}, duty.due ?? "");
  return [
    el("td", {}, duty.text),
    el("td", { "data-state": duty.state }, STATES[duty.state] ?? duty.state),
    el("td", {}, promised),
    el("td", {}, seen),
    el("td", {}, due, duty.overdue ? " 逾期 overdue" : ""),
  ];
}

function dutyTable(list, action) {
  const head = el(
    "tr",
    {},
    ...["事项 Duty", "状态 State", "年初话 Commitment", "年中看 Observed", "时限 Due", ""].map(
      (text) => el("th", {}, text),
    ),
  );
  const rows = list.duties.map((duty) =>
    el("tr", { "data-duty": duty.id }, ...dutyCells(duty), el("td", {}, action(duty))),
  );
  return el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows));
}

function commitForm(duty) {
  if (!["LISTED", "COMMITTED"].includes(duty.state)) return "";
  const what = el("input", { type: "text", name: "commitment", placeholder: "承诺事项 what" });
  const target = el("input", { type: "text", name: "target", placeholder: "量化目标 target" });
  const due = el("input", { type: "date", name: "due", value: `${state.year}-12-15` });
  what.value = duty.commitment ?? "";
  target.value = duty.target ?? "";
  const form = el("form", { class: "step" }, what, target, due, el("button", { type: "submit" }, "承诺 Commit"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = await run(COMMIT, {
      duty: duty.id,
      commitment: what.value,
      target: target.value,
      due: due.value,
      on: state.asOf,
    });
    await written(data.commitDuty, "已承诺 Committed");
  });
  return form;
}

function observeForm(duty) {
  if (!["COMMITTED", "OBSERVED"].includes(duty.state)) return "";
  const progress = el("input", { type: "number", name: "progress", min: 0, max: 100, value: 50 });
  const evidence = el("input", { type: "text", name: "evidence", placeholder: "观摩所见 evidence" });
  const form = el("form", { class: "step" }, progress, "%", evidence, el("button", { type: "submit" }, "记录观摩 Record"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = await run(OBSERVE, {
      duty: duty.id,
      progress: Number(progress.value),
      evidence: evidence.value,
      on: state.asOf,
    });
    await written(data.observeDuty, "已记录观摩 Observation recorded");
  });
  return form;
}

async function written(payload, done) {
  if (payload.errors.length) {
    say(payload.errors.map((e) => e.message).join("; "));
    return;
  }
  say(`${payload.duty.id}：${done}`);
  await refresh();
}

function listBlock(list, action) {
  const title = `${list.organizationName ?? list.organization} ${state.year}年度抓党建责任清单`;
  const wins = list.windows;
  const note = `${STAGES[list.stage] ?? list.stage} · 承诺截止 commit by ${wins.commitBy} · 观摩 ${wins.observeFrom}–${wins.observeTo} · 评议 ${wins.reviewFrom}–${wins.reviewBy}`;
  return el(
    "div",
    { class: "list", "data-list": list.id },
    el("h3", {}, title, " ", el("small", { class: "muted" }, note)),
    dutyTable(list, action),
  );
}

async function loadMine() {
  const data = await run(LISTS, { year: state.year, asOf: state.asOf, scope: null, mine: true });
  const lists = data.dutyLists;
  $("mine-empty").hidden = lists.length > 0;
  $("mine-lists").replaceChildren(...lists.map((list) => listBlock(list, commitForm)));
}

function bar(cls, part, whole) {
  const width = whole ? Math.round((100 * part) / whole) : 0;
  const fill = el("div", { class: `fill ${cls}` });
  fill.style.width = `${width}%`;
  return el("div", { class: "track", title: `${part}/${whole}` }, fill);
}

async function loadBoard() {
  const data = await run(BOARD, { year: state.year, asOf: state.asOf, townships: state.townships });
  if (!state.townships && !state.chose && data.cycleDashboard.length === 1) {
    // No district in the scope (a township's own account): its townships instead.
    state.townships = true;
    $("townships").checked = true;
    return loadBoard();
  }
  const rows = data.cycleDashboard.map((row) => {
    const total = row.organization === "";
    const tr = el(
      "tr",
      { class: total ? "total" : "area", "data-area": row.organization },
      el("td", {}, total ? "合计 Total" : `${row.name}（${row.organization}）`),
      ...[row.lists, row.duties, row.committed, row.observed, row.done, row.overdue, row.reported, row.graded].map(
        (n) => el("td", {}, n),
      ),
      el(
        "td",
        { class: "chart" },
        bar("", row.committed, row.duties),
        bar("seen", row.observed, row.duties),
        bar("done", row.done, row.duties),
      ),
    );
    if (!total) tr.addEventListener("click", () => chooseArea(row.organization, row.name));
    if (row.organization === state.area) tr.classList.add("chosen");
    return tr;
  });
  $("board-table").tBodies[0].replaceChildren(...rows);
}

async function chooseArea(area, name) {
  state.area = area;
  $("review-area").textContent = `${name}（${area}）`;
  await loadReview();
  await loadBoard();
}

async function loadReview() {
  if (!state.area) return;
  const data = await run(LISTS, { year: state.year, asOf: state.asOf, scope: [state.area], mine: false });
  const lists = data.dutyLists;
  const select = $("review-list");
  const chosen = select.value;
  select.replaceChildren(
    ...lists.map((list) => el("option", { value: list.id }, `${list.organizationName ?? list.organization}（${list.id}）`)),
  );
  if (lists.some((list) => list.id === chosen)) select.value = chosen;
  const show = () => {
    const list = lists.find((item) => item.id === select.value);
    $("review-duties").replaceChildren(list ? listBlock(list, observeForm) : "");
  };
  select.onchange = show;
  show();
  $("review").hidden = false;
}

async function refresh() {
  document.body.dataset.ready = "false";
  await Promise.all([loadMine(), loadBoard(), loadReview()]);
  document.body.dataset.ready = "true";
}

function start() {
  const params = new URLSearchParams(location.search);
  state.year = Number(params.get("year") ?? new Date().getFullYear());
  state.asOf = params.get("asOf") ?? new Date().toISOString().slice(0, 10);
  $("year").value = state.year;
  $("as-of").value = state.asOf;
  $("when").addEventListener("submit", (event) => {
    event.preventDefault();
    state.year = Number($("year").value);
    state.asOf = $("as-of").value;
    refresh();
  });
  $("townships").addEventListener("change", (event) => {
    state.townships = event.target.checked;
    state.chose = true;
    loadBoard();
  });
  refresh();
}

start();
