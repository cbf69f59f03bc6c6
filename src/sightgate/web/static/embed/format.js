// Cell formatting from a definition's format configurations.
//
// A visual column's `format` is the field's FormatConfiguration (NumberFormatConfiguration,
// DateTimeFormatConfiguration, StringFormatConfiguration) or the definition's
// ColumnConfigurations FormatConfiguration for its column; the members searched for
// below sit at different depths in those shapes, so they are found wherever they are.

const SEPARATORS = { COMMA: ",", DOT: ".", SPACE: " " };
const SCALES = { THOUSANDS: [1e3, "K"], MILLIONS: [1e6, "M"], BILLIONS: [1e9, "B"], TRILLIONS: [1e12, "T"] };
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function find(node, key) {
  if (!node || typeof node !== "object") return undefined;
  if (key in node) return node[key];
  for (const value of Object.values(node)) {
    const found = find(value, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

function nullText(format) {
  const text = find(format, "NullStringValue");
  return typeof text === "string" ? text : "";
}

function scaled(value, scale) {
  if (scale === "AUTO") {
    const size = Math.abs(value);
    for (const name of ["TRILLIONS", "BILLIONS", "MILLIONS", "THOUSANDS"]) {
      if (size >= SCALES[name][0]) return [value / SCALES[name][0], SCALES[name][1]];
    }
    return [value, ""];
  }
  const found = SCALES[scale];
  return found ? [value / found[0], found[1]] : [value, ""];
}

function grouped(digits, symbol) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, symbol);
}

/** A number as NumberDisplay/Currency/PercentageDisplayFormatConfiguration says. */
export function formatNumber(value, format, locale) {
  const display =
    find(format, "NumberDisplayFormatConfiguration") ||
    find(format, "CurrencyDisplayFormatConfiguration") ||
    find(format, "PercentageDisplayFormatConfiguration");
  const percent = !!find(format, "PercentageDisplayFormatConfiguration");
  const currency = find(format, "CurrencyDisplayFormatConfiguration");
  if (!display) return numberFormat(locale).format(value);
  let number = percent ? value * 100 : value;
  let unit = "";
  [number, unit] = scaled(number, display.NumberScale);
  const places = display.DecimalPlacesConfiguration?.DecimalPlaces;
  const negative = number < 0;
  const digits = Math.abs(number).toFixed(places ?? (Number.isInteger(number) ? 0 : 2));
  const separators = display.SeparatorConfiguration || {};
  const decimal = SEPARATORS[separators.DecimalSeparator] || ".";
  const thousands = separators.ThousandsSeparator || {};
  const group = thousands.Visibility === "HIDDEN" ? "" : SEPARATORS[thousands.Symbol] || ",";
  const [whole, fraction] = digits.split(".");
  let text = grouped(whole, group) + (fraction ? decimal + fraction : "");
  text += unit + (percent ? "%" : "");
  const symbol = currency ? currencySymbol(currency.Symbol, locale) : "";
  text = (display.Prefix || "") + symbol + text + (display.Suffix || "");
  if (negative) {
    text = display.NegativeValueConfiguration?.DisplayMode === "NEGATIVE" ? `(${text})` : `-${text}`;
  }
  return text;
}

// Intl formatters are slow to make (a chart formats every axis label and cell): one per
// locale and currency, made once.
const formatters = new Map();

function numberFormat(locale, currency) {
  const key = `${locale}\u0000${currency || ""}`;
  let found = formatters.get(key);
  if (!found) {
    const options = currency ? { style: "currency", currency } : { maximumFractionDigits: 2 };
    found = new Intl.NumberFormat(locale, options);
    formatters.set(key, found);
  }
  return found;
}

/** The page's locale: the embed URL's `locale` (the SDK's `contentOptions.locale`), else
 * the browser's. */
export const pageLocale = new URLSearchParams(location.search).get("locale") || navigator.language || "en-US";

// The page's first Intl formatter costs ~100 ms (ICU's set-up). The experience page runs
// this module on its own as soon as it arrives, so that happens while ECharts is still
// downloading; a locale Intl refuses fails later, per visual, as it would have.
try {
  numberFormat(pageLocale);
} catch {
  // (the cells' formatting reports it)
}

function currencySymbol(code, locale) {
  if (!code) return "";
  try {
    const parts = numberFormat(locale, code).formatToParts(0);
    return parts.find((part) => part.type === "currency")?.value || code;
  } catch {
    return code;
  }
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** A date as a DateTimeFormat pattern (QuickSight's moment-like tokens) says; the
 * engine's values are wall-clock times, so no time zone is applied. */
export function formatDate(value, pattern) {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(String(value));
  if (!match) return String(value);
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part || 0));
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const wanted = pattern || (hour || minute || second ? "YYYY-MM-DD HH:mm" : "YYYY-MM-DD");
  const tokens = {
    YYYY: String(year), YY: pad(year % 100), MMMM: MONTHS[month - 1], MMM: MONTHS[month - 1].slice(0, 3),
    MM: pad(month), M: String(month), DD: pad(day), D: String(day), dddd: DAYS[weekday],
    ddd: DAYS[weekday].slice(0, 3), HH: pad(hour), H: String(hour), hh: pad(hour % 12 || 12),
    h: String(hour % 12 || 12), mm: pad(minute), ss: pad(second), A: hour < 12 ? "AM" : "PM",
    a: hour < 12 ? "am" : "pm", Q: String(Math.floor((month - 1) / 3) + 1),
  };
  return wanted.replace(/\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|hh|h|mm|ss|A|a|Q/g,
    (token, literal) => (literal !== undefined ? literal : tokens[token]));
}

/** One cell of a visual column as text. */
export function formatCell(value, column, locale) {
  if (value === null || value === undefined) return nullText(column.format);
  if (column.type === "DATETIME") return formatDate(value, find(column.format, "DateTimeFormat"));
  if (typeof value === "number") return formatNumber(value, column.format, locale);
  return String(value);
}
