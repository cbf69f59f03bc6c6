// Drawing one visual's data (rows the server computed for this viewer) into its tile.
//
// Charts are drawn by Apache ECharts (served from our origin); tables and pivot tables
// are HTML tables; a KPI is text. Every chart has an accessible name and a button that
// shows its data as a table. Types the server cannot compute arrive as "unsupported"
// and get a "not supported yet" box.

import * as echarts from "../vendor/echarts/echarts.esm.min.mjs";
import { formatCell } from "./format.js";

const CHART_KINDS = {
  BarChartVisual: "bar chart",
  LineChartVisual: "line chart",
  PieChartVisual: "pie chart",
  ComboChartVisual: "combo chart",
};
const TITLES = {
  unsupported: "Not supported yet",
  error: "This visual could not be loaded",
  empty: "No data",
};

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export { element };

function label(column) {
  return column.label || column.fieldId || column.name;
}

function byWell(visual, well) {
  return visual.columns.map((column, index) => ({ column, index })).filter((c) => c.column.well === well);
}

function measures(visual) {
  return visual.columns
    .map((column, index) => ({ column, index }))
    .filter((c) => c.column.role === "MEASURE");
}

/** A table of a visual's rows: the "view data" table of a chart, and TableVisual. */
export function dataTable(visual, locale, caption) {
  const shown = visual.columns.map((column, index) => ({ column, index })).filter((c) => c.column.role !== "GROUPING");
  const head = element("tr", {}, ...shown.map(({ column }) =>
    element("th", { scope: "col", "data-field-id": column.fieldId, text: label(column) })));
  const body = visual.rows.map((row) => element("tr", {}, ...shown.map(({ column, index }) =>
    element("td", {
      class: column.role === "MEASURE" || typeof row[index] === "number" ? "num" : null,
      text: formatCell(row[index], column, locale),
    }))));
  return element("table", { class: "sg-table" },
    caption ? element("caption", { text: caption }) : null,
    element("thead", {}, head), element("tbody", {}, ...body));
}

function uniques(values) {
  return [...new Map(values.map((value) => [JSON.stringify(value), value])).values()];
}

function chartOption(visual, theme, locale) {
  const [category] = byWell(visual, "Category");
  const colors = [...byWell(visual, "Colors"), ...byWell(visual, "SmallMultiples")];
  const values = measures(visual);
  const categoryText = (row) => (category ? formatCell(row[category.index], category.column, locale) : "");
  const base = {
    color: theme.palette,
    textStyle: { fontFamily: theme.font },
    animation: false,
    tooltip: { trigger: visual.type === "PieChartVisual" ? "item" : "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 8, right: 16, top: 16, bottom: 36, containLabel: true },
  };
  if (visual.type === "PieChartVisual") {
    const [value] = values;
    const donut = visual.options?.donut;
    return {
      ...base,
      tooltip: {
        trigger: "item",
        valueFormatter: (v) => formatCell(v, value.column, locale),
      },
      series: [{
        type: "pie",
        name: label(value.column),
        radius: donut ? ["45%", "70%"] : "70%",
        data: visual.rows.map((row) => ({ name: categoryText(row), value: row[value.index] })),
      }],
    };
  }
  const categories = uniques(visual.rows.map(categoryText));
  const horizontal = visual.type === "BarChartVisual" && visual.options?.orientation === "HORIZONTAL";
  const stacked = /STACKED/.test(visual.options?.arrangement || "");
  const series = [];
  const kindOf = (measure) =>
    visual.type === "LineChartVisual" || measure.column.well === "LineValues" ? "line" : "bar";
  if (colors.length) {
    const [measure] = values;
    const groupText = (row) => colors.map((c) => formatCell(row[c.index], c.column, locale)).join(" · ");
    for (const group of uniques(visual.rows.map(groupText))) {
      const cells = new Map(visual.rows.filter((row) => groupText(row) === group)
        .map((row) => [categoryText(row), row[measure.index]]));
      series.push({
        type: kindOf(measure), name: group, stack: stacked ? "total" : undefined,
        data: categories.map((c) => cells.get(c) ?? null),
      });
    }
  } else {
    for (const measure of values) {
      series.push({
        type: kindOf(measure), name: label(measure.column), stack: stacked && kindOf(measure) === "bar" ? "total" : undefined,
        data: visual.rows.map((row) => row[measure.index]),
      });
    }
  }
  const format = values[0] ? (v) => formatCell(v, values[0].column, locale) : String;
  const categoryAxis = { type: "category", data: categories };
  const valueAxis = { type: "value", axisLabel: { formatter: format } };
  return {
    ...base,
    tooltip: { trigger: "axis", valueFormatter: format },
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
    series,
  };
}

function chart(tile, visual, theme, locale) {
  const kind = CHART_KINDS[visual.type];
  const name = `${visual.title || visual.visualId}: ${kind}`;
  const canvas = element("div", { class: "sg-chart", role: "img", "aria-label": name });
  const tableId = `${tile.id}-data`;
  const toggle = element("button", {
    type: "button", class: "sg-view-data", "aria-expanded": "false", "aria-controls": tableId,
    text: "View data as table",
  });
  const table = element("div", { id: tableId, class: "sg-data", hidden: true }, dataTable(visual, locale, name));
  toggle.addEventListener("click", () => {
    const open = table.hidden;
    table.hidden = !open;
    canvas.hidden = open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "View as chart" : "View data as table";
  });
  tile.body.append(toggle, canvas, table);
  const instance = echarts.init(canvas, null, { renderer: "canvas" });
  instance.setOption(chartOption(visual, theme, locale));
  // A ResizeObserver reports every element once as it starts: redraw only for a size
  // the chart was not drawn at (a resize is a full second render).
  const observer = new ResizeObserver(() => {
    if (canvas.clientWidth !== instance.getWidth() || canvas.clientHeight !== instance.getHeight()) instance.resize();
  });
  observer.observe(canvas);
  tile.dispose = () => {
    observer.disconnect();
    instance.dispose();
  };
}

function kpi(tile, visual, locale) {
  const [value] = byWell(visual, "Values").length ? byWell(visual, "Values") : measures(visual);
  const [target] = byWell(visual, "TargetValues");
  const row = visual.rows[visual.rows.length - 1];
  const shown = element("p", { class: "sg-kpi-value", text: formatCell(row[value.index], value.column, locale) });
  tile.body.append(shown);
  if (target) {
    const goal = row[target.index];
    const current = row[value.index];
    let text = `Target ${formatCell(goal, target.column, locale)}`;
    if (typeof goal === "number" && typeof current === "number" && goal !== 0) {
      const change = ((current - goal) / Math.abs(goal)) * 100;
      text += ` (${change >= 0 ? "+" : ""}${change.toFixed(1)}%)`;
    }
    tile.body.append(element("p", { class: "sg-kpi-target", text }));
  }
}

const TOTAL = "Total";

/** A pivot table's long-form rows (detail, subtotal and total rows, a GROUPING column
 * saying which dimensions a row rolls up) as a cross table. */
function pivot(tile, visual, locale) {
  const rows = byWell(visual, "Rows");
  const cols = byWell(visual, "Columns");
  const values = byWell(visual, "Values");
  const grouping = visual.columns.findIndex((column) => column.role === "GROUPING");
  const dims = [...rows, ...cols];
  const rolled = (row, position) =>
    grouping >= 0 && ((row[grouping] >> (dims.length - 1 - position)) & 1) === 1;
  const key = (row, part, offset) => part.map((d, i) =>
    (rolled(row, offset + i) ? TOTAL : formatCell(row[d.index], d.column, locale)));
  const rowKeys = uniques(visual.rows.map((row) => key(row, rows, 0)));
  const colKeys = uniques(visual.rows.map((row) => key(row, cols, rows.length)));
  const cells = new Map();
  for (const row of visual.rows) {
    cells.set(JSON.stringify([key(row, rows, 0), key(row, cols, rows.length)]), row);
  }
  const head = [];
  for (let level = 0; level < cols.length; level += 1) {
    head.push(element("tr", {},
      ...rows.map((d) => element("th", { scope: "col", text: level === cols.length - 1 ? label(d.column) : "" })),
      ...colKeys.map((ck) => element("th", { scope: "colgroup", colspan: String(values.length), text: ck[level] }))));
  }
  head.push(element("tr", {},
    ...(cols.length ? rows.map(() => element("td")) : rows.map((d) => element("th", { scope: "col", text: label(d.column) }))),
    ...colKeys.flatMap(() => values.map((v) => element("th", { scope: "col", text: label(v.column) })))));
  const body = rowKeys.map((rk) => element("tr", { class: rk.includes(TOTAL) ? "sg-total" : null },
    ...rk.map((text) => element("th", { scope: "row", text })),
    ...colKeys.flatMap((ck) => {
      const row = cells.get(JSON.stringify([rk, ck]));
      return values.map((v) => element("td", { class: "num", text: row ? formatCell(row[v.index], v.column, locale) : "" }));
    })));
  tile.body.append(element("table", { class: "sg-table sg-pivot" },
    element("caption", { text: visual.title || visual.visualId }),
    element("thead", {}, ...head), element("tbody", {}, ...body)));
}

/** Draw `visual` into `tile` (from `tiles.js`), replacing what it showed. */
export function draw(tile, visual, theme, locale) {
  tile.clear();
  tile.setState(visual.state);
  if (visual.state !== "ready") {
    const message = visual.state === "unsupported"
      ? `${visual.type || "This visual"} is not supported yet${visual.message ? `: ${visual.message}` : ""}`
      : visual.message || "";
    tile.body.append(element("div", { class: `sg-box sg-${visual.state}`, role: "status" },
      element("strong", { text: TITLES[visual.state] || "" }),
      message ? element("span", { text: message }) : null));
    return;
  }
  if (CHART_KINDS[visual.type]) chart(tile, visual, theme, locale);
  else if (visual.type === "KPIVisual") kpi(tile, visual, locale);
  else if (visual.type === "PivotTableVisual") pivot(tile, visual, locale);
  else tile.body.append(dataTable(visual, locale, visual.title || visual.visualId));
}
