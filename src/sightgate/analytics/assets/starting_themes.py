"""QuickSight's starting themes: every custom theme is based on one of them.

They belong to no account (``arn:aws:quicksight::aws:theme/<ID>``), every account can
describe and list them (``ListThemes`` with ``Type`` ``QUICKSIGHT``), and none can change
them. Their ids are QuickSight's (``BaseThemeId`` values its API documentation and
public deployment code use); the colors are sightgate's own renderings of each theme's
character (light, dark, sea blues, mountain greens), since QuickSight publishes no
palette values: what a viewer gets is a custom theme's configuration merged over them
(``ThemeService.resolve``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

PUBLISHED = datetime(2020, 1, 1, tzinfo=UTC)
"""The creation time the starting themes are described with (they predate any account)."""


@dataclass(frozen=True)
class StartingTheme:
    """A starting theme: its id, display name and ``ThemeConfiguration``."""

    theme_id: str
    name: str
    configuration: MappingProxyType[str, Any]

    @property
    def arn(self) -> str:
        """``arn:aws:quicksight::aws:theme/<ID>``."""
        return f"arn:aws:quicksight::aws:theme/{self.theme_id}"


def _ui(
    foreground: str, background: str, secondary_fg: str, secondary_bg: str, accent: str
) -> dict[str, str]:
    return {
        "PrimaryForeground": foreground,
        "PrimaryBackground": background,
        "SecondaryForeground": secondary_fg,
        "SecondaryBackground": secondary_bg,
        "Accent": accent,
        "AccentForeground": "#FFFFFF",
        "Danger": "#DE3B00",
        "DangerForeground": "#FFFFFF",
        "Warning": "#F2A100",
        "WarningForeground": "#FFFFFF",
        "Success": "#2CAD00",
        "SuccessForeground": "#FFFFFF",
        "Dimension": "#21A38F",
        "DimensionForeground": "#FFFFFF",
        "Measure": "#4D8DC5",
        "MeasureForeground": "#FFFFFF",
    }


def _theme(
    theme_id: str,
    name: str,
    colors: list[str],
    gradient: list[str],
    ui: dict[str, str],
    *,
    borders: bool,
) -> StartingTheme:
    configuration = {
        "DataColorPalette": {
            "Colors": colors,
            "MinMaxGradient": gradient,
            "EmptyFillColor": ui["SecondaryBackground"],
        },
        "UIColorPalette": ui,
        "Sheet": {
            "Tile": {"Border": {"Show": borders}},
            "TileLayout": {"Gutter": {"Show": True}, "Margin": {"Show": True}},
        },
        "Typography": {
            "FontFamilies": [{"FontFamily": "Amazon Ember"}, {"FontFamily": "sans-serif"}]
        },
    }
    return StartingTheme(theme_id, name, MappingProxyType(configuration))


STARTING_THEMES: tuple[StartingTheme, ...] = (
    _theme(
        "CLASSIC",
        "Classic",
        [
            "#2F74C0",
            "#FF8C1A",
            "#2CA02C",
            "#D62728",
            "#9467BD",
            "#8C564B",
            "#E377C2",
            "#7F7F7F",
            "#BCBD22",
            "#17BECF",
        ],
        ["#DEEBF7", "#08519C"],
        _ui("#333333", "#FFFFFF", "#8E8C8C", "#F4F4F4", "#2F74C0"),
        borders=True,
    ),
    _theme(
        "MIDNIGHT",
        "Midnight",
        [
            "#4FC3F7",
            "#FFB74D",
            "#81C784",
            "#E57373",
            "#BA68C8",
            "#A1887F",
            "#F06292",
            "#E0E0E0",
            "#DCE775",
            "#4DD0E1",
        ],
        ["#263238", "#4FC3F7"],
        _ui("#F2F2F2", "#1C1F24", "#A5ABB3", "#2B3038", "#4FC3F7"),
        borders=False,
    ),
    _theme(
        "RAINIER",
        "Rainier",
        [
            "#3F7F5F",
            "#8FB996",
            "#C9A66B",
            "#6B8FA3",
            "#A36B6B",
            "#4F6D7A",
            "#B5C99A",
            "#D9A441",
            "#7A5C61",
            "#9FB8AD",
        ],
        ["#EDF5EE", "#2E5E45"],
        _ui("#2B3A33", "#FBFCFA", "#6F7F76", "#EEF2EE", "#3F7F5F"),
        borders=False,
    ),
    _theme(
        "SEASIDE",
        "Seaside",
        [
            "#1B6CA8",
            "#4FB0C6",
            "#F4A259",
            "#5B8E7D",
            "#BC4B51",
            "#8CB369",
            "#264653",
            "#E9C46A",
            "#2A9D8F",
            "#E76F51",
        ],
        ["#E3F2F9", "#0B4F6C"],
        _ui("#1D3144", "#FFFFFF", "#6C7A89", "#EEF5F9", "#1B6CA8"),
        borders=True,
    ),
)

BY_ID: MappingProxyType[str, StartingTheme] = MappingProxyType(
    {theme.theme_id: theme for theme in STARTING_THEMES}
)
