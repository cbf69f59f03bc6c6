// The experience frame: one embedded dashboard (or one visual of it), drawn for the
// session's viewer, speaking the embedding SDK's protocol (protocol.js).
//
// The page gets its session secret, the dashboard's layout and its first sheet's data
// inline, from the server's response to the one-time URL; later rows come from the embed
// data API (api.js), which asks the access module afresh for every request, so the page
// holds nothing the viewer may not see. A revocation (pushed as a server-sent event, or
// answered to any request) blanks the page and is reported to the SDK as ERROR_OCCURRED.

import { EmbedApi, SessionError } from "./api.js";
import { ExperienceChannel } from "./protocol.js";
import { applyTheme, themeOf } from "./theme.js";
import { draw, element } from "./visuals.js";
import { controlBar } from "./controls.js";
import { pageLocale } from "./format.js";

// Inline JSON blocks, read once and removed: the session secret lives on in this
// module only.
function inline(id) {
  const block = document.getElementById(id);
  if (!block) return null;
  block.remove();
  return JSON.parse(block.textContent);
}

// This module runs as soon as it and its imports are loaded (an async script), while the
// server may still be computing the rest of the page: the boot document is in the head,
// before this script; the body and the first sheet's data are there once `parsed` resolves.
const boot = inline("sightgate-boot");
const parsed = new Promise((resolve) => {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve, { once: true });
  else resolve();
});
// The first sheet's data with no parameters or selections, computed by the server with
// the page (the data API's answer, without its round trip); used once, if it fits.
let inlined = null;
let root = null;
const locale = pageLocale;
const single = boot.visualId ? { sheetId: boot.sheetId, visualId: boot.visualId } : null;

const channel = new ExperienceChannel(
  single
    ? { experienceType: "VISUAL", dashboardId: boot.dashboardId, sheetId: single.sheetId, visualId: single.visualId }
    : { experienceType: "DASHBOARD", dashboardId: boot.dashboardId },
  {
    GET_SHEETS: () => state.dashboard.sheets.map((s) => ({ Name: s.name || s.sheetId, SheetId: s.sheetId })),
    GET_PARAMETERS: () => currentParameters(),
    GET_SELECTED_SHEET_ID: () => state.sheetId,
    SET_PARAMETERS: (message) => setParameters(message),
    SET_SELECTED_SHEET_ID: (message) => selectSheet(message?.SheetId),
    NAVIGATE_TO_DASHBOARD: (message) => navigate(message),
    RESET: () => reset(),
    INITIATE_PRINT: () => {
      setTimeout(() => window.print(), 0);
      return { success: true };
    },
    GET_SHEET_VISUALS: (message) => sheetVisuals(message?.SheetId),
    GET_VISUAL_ACTIONS: (message) => visualActions(message?.SheetId || single?.sheetId, message?.VisualId || single?.visualId),
    SET_THEME: (message) => setTheme(message?.ThemeArn),
  },
);

const api = boot.secret ? new EmbedApi(boot.sessionId, boot.secret) : null;
const state = {
  dashboard: boot.dashboard,
  dashboardId: boot.dashboardId,
  sheetId: null,
  given: {},
  selections: {},
  theme: null,
  tiles: new Map(),
  data: null,
  request: 0,
  loaded: false,
  revoked: false,
  stream: new AbortController(),
};

class CommandError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// -- parameters ------------------------------------------------------------------------

function fromFragment() {
  const given = {};
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    if (!part.startsWith("p.")) continue;
    const [name, value = ""] = part.slice(2).split("=");
    const key = decodeURIComponent(name);
    (given[key] ||= []).push(decodeURIComponent(value.replace(/\+/g, " ")));
  }
  return given;
}

function asValues(values) {
  return (Array.isArray(values) ? values : [values]).map((v) => (v === null || v === undefined ? v : String(v)));
}

function declared(name) {
  return state.dashboard.parameters.find((p) => p.name === name);
}

function currentParameters() {
  return state.dashboard.parameters.map((p) => ({
    Name: p.name,
    Values: state.given[p.name] ?? p.defaults,
  }));
}

function requestParameters() {
  const wanted = {};
  for (const [name, values] of Object.entries(state.given)) {
    const parameter = declared(name);
    if (!parameter) continue;
    wanted[name] = parameter.multi ? values : values.length ? values[0] : null;
  }
  return wanted;
}

function keepDeclared(given) {
  return Object.fromEntries(Object.entries(given).filter(([name]) => declared(name)));
}

async function setParameters(message) {
  const list = Array.isArray(message) ? message : [];
  const changed = [];
  for (const item of list) {
    if (!item || typeof item.Name !== "string") continue;
    if (!declared(item.Name)) {
      throw new CommandError("InvalidParameter", `the dashboard has no parameter ${item.Name}`);
    }
    state.given[item.Name] = asValues(item.Values);
    changed.push({ Name: item.Name, Values: state.given[item.Name] });
  }
  if (changed.length) {
    renderControls();
    await refresh();
    channel.post("PARAMETERS_CHANGED", { changedParameters: changed });
  }
  return { success: true };
}

function onControl(control, values) {
  if (control.kind === "parameter") {
    state.given[control.target] = values;
    channel.post("PARAMETERS_CHANGED", { changedParameters: [{ Name: control.target, Values: values }] });
  } else if (values.length) {
    state.selections[control.id] = values;
  } else {
    delete state.selections[control.id];
  }
  refresh();
}

// -- sheets and visuals ----------------------------------------------------------------

function sheetOf(sheetId) {
  return state.dashboard.sheets.find((s) => s.sheetId === sheetId);
}

function sheetVisuals(sheetId) {
  const sheet = sheetOf(sheetId || state.sheetId);
  if (!sheet) throw new CommandError("InvalidSheetId", `no sheet ${sheetId}`);
  return sheet.visuals.map((v) => ({ Name: v.title || v.visualId, VisualId: v.visualId }));
}

function visualActions(sheetId, visualId) {
  const visual = sheetOf(sheetId)?.visuals.find((v) => v.visualId === visualId);
  if (!visual) throw new CommandError("InvalidVisualId", `no visual ${visualId} on sheet ${sheetId}`);
  return visual.actions || [];
}

async function selectSheet(sheetId) {
  if (single) throw new CommandError("NotSupported", "a single embedded visual has no sheets to select");
  const sheet = sheetOf(sheetId);
  if (!sheet) throw new CommandError("InvalidSheetId", `no sheet ${sheetId}`);
  await showSheet(sheet.sheetId);
  return { success: true };
}

async function navigate(message) {
  if (single) throw new CommandError("NotSupported", "a single embedded visual cannot navigate");
  const dashboardId = message?.DashboardId;
  if (typeof dashboardId !== "string") throw new CommandError("InvalidDashboardId", "DashboardId is required");
  let layout;
  try {
    layout = await api.dashboard(dashboardId);
  } catch (error) {
    if (error.code === "Unauthorized") revoke("Unauthorized");
    throw new CommandError(error.code, error.message || `cannot open dashboard ${dashboardId}`);
  }
  const given = {};
  const parameters = message.Parameters;
  if (Array.isArray(parameters)) for (const p of parameters) given[p.Name] = asValues(p.Values);
  else if (parameters && typeof parameters === "object") {
    for (const [name, values] of Object.entries(parameters)) given[name] = asValues(values);
  }
  await open(layout, dashboardId, given, null);
  state.stream.abort(); // watch the dashboard now shown
  state.stream = new AbortController();
  watch();
  return { success: true };
}

async function reset() {
  state.given = {};
  state.selections = {};
  await open(state.dashboard, state.dashboardId, {}, boot.sheetId);
  return { success: true };
}

async function setTheme(themeArn) {
  if (typeof themeArn !== "string") throw new CommandError("InvalidThemeArn", "ThemeArn is required");
  let found;
  try {
    found = await api.theme(themeArn);
  } catch (error) {
    throw new CommandError(error.code, error.message || `cannot use theme ${themeArn}`);
  }
  state.theme = themeOf(found.configuration);
  applyTheme(state.theme);
  if (state.data) drawAll(state.data);
  return { success: true };
}

// -- drawing ---------------------------------------------------------------------------

function tileFor(visual, index) {
  const section = element("section", {
    class: "sg-tile",
    id: `sg-tile-${index}`,
    "data-visual-id": visual.visualId,
    "data-state": "loading",
    "aria-busy": "true",
    "aria-labelledby": visual.title ? `sg-tile-${index}-title` : null,
    "aria-label": visual.title ? null : visual.visualId,
  });
  if (visual.title) section.append(element("h2", { id: `sg-tile-${index}-title`, text: visual.title }));
  if (visual.subtitle) section.append(element("p", { class: "sg-subtitle", text: visual.subtitle }));
  const body = element("div", { class: "sg-body" }, element("div", { class: "sg-loading", role: "status", text: "Loading…" }));
  section.append(body);
  const tile = {
    root: section,
    body,
    id: section.id,
    options: visual.options || {},
    dispose: null,
    setState(value) {
      section.dataset.state = value;
      section.setAttribute("aria-busy", String(value === "loading"));
    },
    clear() {
      if (this.dispose) this.dispose();
      this.dispose = null;
      body.replaceChildren();
    },
  };
  return tile;
}

function place(tile, position, layout) {
  const style = tile.root.style;
  if (layout === "grid" && position) {
    style.gridColumn = `${position.column + 1} / span ${position.columnSpan}`;
    style.gridRow = `${position.row + 1} / span ${position.rowSpan}`;
  } else if (layout === "free" && position) {
    style.left = `${position.x}px`;
    style.top = `${position.y}px`;
    style.width = `${position.width}px`;
    style.height = `${position.height}px`;
  }
}

function tabs() {
  if (single || state.dashboard.sheets.length < 2 || boot.sheetTabsDisabled) return null;
  const list = element("div", { class: "sg-tabs", role: "tablist", "aria-label": "Sheets" });
  for (const sheet of state.dashboard.sheets) {
    const selected = sheet.sheetId === state.sheetId;
    const tab = element("button", {
      type: "button",
      role: "tab",
      "aria-selected": String(selected),
      "data-sheet-id": sheet.sheetId,
      tabindex: selected ? "0" : "-1",
      text: sheet.name || sheet.sheetId,
    });
    tab.addEventListener("click", () => showSheet(sheet.sheetId));
    list.append(tab);
  }
  return list;
}

let controlsSlot = null;

function renderControls() {
  if (!controlsSlot) return;
  const sheet = sheetOf(state.sheetId);
  controlsSlot.replaceChildren(controlBar(sheet.controls, state, declared, onControl));
}

async function showSheet(sheetId) {
  for (const tile of state.tiles.values()) tile.clear();
  state.tiles.clear();
  state.sheetId = sheetId;
  const sheet = sheetOf(sheetId);
  const visuals = single ? sheet.visuals.filter((v) => v.visualId === single.visualId) : sheet.visuals;
  const grid = element("div", {
    class: `sg-sheet sg-layout-${single ? "single" : sheet.layout.kind}`,
    role: "tabpanel",
    "aria-label": sheet.name || sheet.sheetId,
  });
  visuals.forEach((visual, index) => {
    const tile = tileFor(visual, index);
    place(tile, sheet.layout.elements[visual.visualId], single ? "single" : sheet.layout.kind);
    state.tiles.set(visual.visualId, tile);
    grid.append(tile.root);
  });
  controlsSlot = single ? null : element("div", { class: "sg-controls-slot" });
  const header = single ? null : element("header", { class: "sg-header" },
    element("h1", { text: state.dashboard.name }), tabs(), controlsSlot);
  root.replaceChildren(...[header, grid].filter(Boolean));
  renderControls();
  if (state.loaded) channel.post("SELECTED_SHEET_CHANGED", { selectedSheet: { Name: sheet.name, SheetId: sheet.sheetId } });
  await refresh();
}

function drawAll(data) {
  for (const visual of data.visuals) {
    const tile = state.tiles.get(visual.visualId);
    if (!tile) continue;
    try {
      draw(tile, { ...visual, options: tile.options }, state.theme, locale);
    } catch (error) {
      draw(tile, { ...visual, state: "error", message: "the viewer could not draw this visual" }, state.theme, locale);
      console.error(error);
    }
  }
}

/** The inlined data, if it answers the request refresh() would make now. */
function firstData() {
  const given = inlined;
  inlined = null;
  const plain = !Object.keys(requestParameters()).length && !Object.keys(state.selections).length;
  return given && plain && state.dashboardId === boot.dashboardId && given.sheetId === state.sheetId ? given.data : null;
}

async function refresh() {
  if (state.revoked) return;
  const request = ++state.request;
  for (const tile of state.tiles.values()) tile.setState("loading");
  let data;
  try {
    data = firstData() || (await api.sheet(state.dashboardId, state.sheetId, requestParameters(), state.selections));
  } catch (error) {
    if (request !== state.request) return;
    if (error.code === "Unauthorized" || error.code === "Forbidden") {
      revoke(error.code);
      return;
    }
    for (const tile of state.tiles.values()) {
      draw(tile, { state: "error", message: error.message || "the data could not be loaded" }, state.theme, locale);
    }
    return;
  }
  if (request !== state.request || state.revoked) return;
  state.data = data;
  drawAll(data);
  if (!state.loaded) {
    state.loaded = true;
    channel.post("CONTENT_LOADED", { title: state.dashboard.name });
  }
  reportSize();
}

async function open(layout, dashboardId, given, sheetId) {
  state.dashboard = layout;
  state.dashboardId = dashboardId;
  state.given = keepDeclared(given);
  state.selections = {};
  state.loaded = false;
  state.theme = themeOf(layout.theme);
  applyTheme(state.theme);
  document.title = layout.name;
  const first = sheetId && sheetOf(sheetId) ? sheetId : layout.sheets[0]?.sheetId;
  if (!first) {
    root.replaceChildren(element("p", { class: "sg-message", role: "status", text: "This dashboard has no sheets." }));
    return;
  }
  await showSheet(first);
}

// -- revocation and errors -------------------------------------------------------------

const MESSAGES = {
  Forbidden: "This embed link has already been used or has expired. Ask the application for a new one.",
  Unauthorized: "Your access to this dashboard has ended: the session expired or was revoked.",
};

function revoke(errorCode) {
  if (state.revoked) return;
  state.revoked = true;
  state.stream.abort();
  for (const tile of state.tiles.values()) tile.clear();
  state.tiles.clear();
  state.data = null;
  root.replaceChildren(element("div", { class: "sg-message sg-revoked", role: "alert", "data-error-code": errorCode },
    element("h1", { text: "Dashboard unavailable" }),
    element("p", { text: MESSAGES[errorCode] || MESSAGES.Unauthorized })));
  document.body.dataset.state = "revoked";
  channel.post("ERROR_OCCURRED", { errorCode });
  reportSize();
}

async function watch() {
  const signal = state.stream.signal;
  let retry = 50;
  try {
    await api.events((name, data) => {
      if (name === "revoked") revoke(data.errorCode || "Unauthorized");
    }, signal, state.dashboardId);
  } catch (error) {
    if (error.name === "AbortError") return;
    retry = 1000; // the server is not reachable: try again a little later
  }
  // The stream ended without a verdict (it lasts at most 30 s; a restart; a proxy's
  // timeout): the server checks again as soon as the next one opens.
  if (!state.revoked && !signal.aborted) setTimeout(watch, retry);
}

let lastHeight = 0;
function reportSize() {
  const height = Math.ceil(document.documentElement.scrollHeight);
  if (height !== lastHeight) {
    lastHeight = height;
    channel.post("SIZE_CHANGED", { height });
  }
}

// -- start -----------------------------------------------------------------------------

await parsed;
root = document.getElementById("sightgate-root");
inlined = inline("sightgate-sheet");
if (boot.error) {
  revoke(boot.error);
  channel.announce();
} else {
  channel.post("EXPERIENCE_INITIALIZED", {});
  channel.announce();
  new ResizeObserver(() => requestAnimationFrame(reportSize)).observe(document.body);
  watch();
  open(boot.dashboard, boot.dashboardId, fromFragment(), boot.sheetId);
  // themeOptions.themeArn of embedDashboard arrives as the query's themeArn.
  const themeArn = new URLSearchParams(location.search).get("themeArn");
  if (themeArn) setTheme(themeArn).catch((error) => console.warn("theme not applied:", error.message));
}
