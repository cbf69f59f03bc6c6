// A QuickSight ThemeConfiguration as the page's look: CSS custom properties for the
// sheet and its tiles, and the data colors and font ECharts draws with.

const FALLBACK_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

export function themeOf(configuration) {
  const config = configuration || {};
  const ui = config.UIColorPalette || {};
  const fonts = (config.Typography?.FontFamilies || []).map((f) => f.FontFamily).filter(Boolean);
  const sheet = config.Sheet || {};
  return {
    palette: config.DataColorPalette?.Colors?.length ? config.DataColorPalette.Colors : FALLBACK_PALETTE,
    font: fonts.length ? fonts.join(", ") : "system-ui, sans-serif",
    colors: {
      "--sg-bg": ui.PrimaryBackground,
      "--sg-fg": ui.PrimaryForeground,
      "--sg-tile-bg": ui.SecondaryBackground,
      "--sg-tile-fg": ui.SecondaryForeground,
      "--sg-accent": ui.Accent,
      "--sg-accent-fg": ui.AccentForeground,
      "--sg-danger": ui.Danger,
    },
    borders: sheet.Tile?.Border?.Show !== false,
    gutter: sheet.TileLayout?.Gutter?.Show !== false,
  };
}

export function applyTheme(theme) {
  const style = document.documentElement.style;
  for (const [name, value] of Object.entries(theme.colors)) {
    if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) style.setProperty(name, value);
    else style.removeProperty(name);
  }
  style.setProperty("--sg-font", theme.font);
  document.documentElement.classList.toggle("sg-no-borders", !theme.borders);
  document.documentElement.classList.toggle("sg-no-gutter", !theme.gutter);
}
