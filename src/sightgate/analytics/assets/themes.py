"""Use cases of themes: a dashboard's branding, one per customer in the ISV's designs.

A custom theme is based on a starting theme (``BaseThemeId``) and overrides what its
``Configuration`` gives: data colors, UI colors, sheet style, typography. The
configuration is checked (colors are ``#RRGGBB`` with upper-case hex digits, as the API
model has them; lists within their limits; flags booleans) and stored as given;
``resolve`` merges it over its base for the viewer. Versions, aliases, permissions and
tags are ``VersionedAssets``'. Starting themes are listed and described beside the
account's own, and are read-only.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sightgate.analytics.access.actions import ResourceType
from sightgate.analytics.access.permissions import PermissionService, parse_permissions
from sightgate.analytics.assets.starting_themes import (
    BY_ID,
    PUBLISHED,
    STARTING_THEMES,
    StartingTheme,
)
from sightgate.analytics.assets.template_tables import themes as tables
from sightgate.analytics.assets.versioned import (
    Asset,
    Kind,
    Saved,
    Version,
    VersionedAssets,
    validate_description,
    validate_id,
    validate_name,
)
from sightgate.analytics.directory.model import Tag, validate_tags
from sightgate.platform.db import Database
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from sightgate.platform.events import Actor
from sightgate.platform.pagination import Page, clamp_limit
from sightgate.platform.uow import UnitOfWork

KIND = Kind(ResourceType.THEME, "Theme", "theme_id", tables)
QUICKSIGHT, CUSTOM, ALL = "QUICKSIGHT", "CUSTOM", "ALL"
_HEX = re.compile(r"#[A-F0-9]{6}")
_ARN = re.compile(
    r"arn:aws:quicksight:(?P<region>[a-z0-9-]*):(?P<account>[0-9]{12}|aws):theme/"
    r"(?P<id>[A-Za-z0-9_-]+)(?:/version/(?P<version>[0-9]{1,18}))?"
)
_UI_COLORS = frozenset(
    f"{name}{suffix}"
    for name in ("Primary", "Secondary")
    for suffix in ("Foreground", "Background")
) | frozenset(
    f"{name}{suffix}"
    for name in ("Accent", "Danger", "Warning", "Success", "Dimension", "Measure")
    for suffix in ("", "Foreground")
)
_COLOR_MEMBERS = frozenset({"Color", "BackgroundColor", "FontColor", "EmptyFillColor"})
_SECTIONS = ("DataColorPalette", "UIColorPalette", "Sheet", "Typography")


@dataclass(frozen=True)
class ThemeVersionView:
    """A theme version as Describe shows it (a starting theme has one)."""

    arn: str
    number: int
    base_theme_id: str
    configuration: Mapping[str, Any]
    description: str | None
    status: str
    created: datetime


@dataclass(frozen=True)
class ThemeView:
    """A theme, starting (``QUICKSIGHT``) or the account's (``CUSTOM``), with one version."""

    theme_id: str
    arn: str
    name: str
    type: str
    latest_version: int
    created: datetime
    updated: datetime
    version: ThemeVersionView


def _starting_view(theme: StartingTheme) -> ThemeView:
    version = ThemeVersionView(
        f"{theme.arn}/version/1",
        1,
        theme.theme_id,
        copy.deepcopy(dict(theme.configuration)),
        None,
        "CREATION_SUCCESSFUL",
        PUBLISHED,
    )
    return ThemeView(
        theme.theme_id, theme.arn, theme.name, QUICKSIGHT, 1, PUBLISHED, PUBLISHED, version
    )


def custom_view(asset: Asset, version: Version) -> ThemeView:
    """A custom theme and one of its versions."""
    view = ThemeVersionView(
        version.arn,
        version.number,
        version.values["base_theme_id"],
        version.values["configuration"],
        version.description,
        version.status,
        version.created,
    )
    return ThemeView(
        asset.asset_id,
        asset.arn,
        asset.name,
        CUSTOM,
        asset.latest_version,
        asset.created,
        asset.updated,
        view,
    )


def validate_base(value: object) -> str:
    """A starting theme's id."""
    if not isinstance(value, str) or value not in BY_ID:
        shown = value if isinstance(value, str) else type(value).__name__
        raise ValidationError(
            "BaseThemeId",
            f"{str(shown)[:80]!r} is not a starting theme ({', '.join(sorted(BY_ID))})",
        )
    return value


def validate_configuration(value: object, field: str = "Configuration") -> dict[str, Any]:
    """A ``ThemeConfiguration``: its four sections, each checked."""
    if not isinstance(value, dict):
        raise ValidationError(field, "must be an object")
    for name in value:
        if name not in _SECTIONS:
            raise ValidationError(f"{field}.{name}", f"is not a member ({', '.join(_SECTIONS)})")
    data = _section(value, "DataColorPalette", field)
    for name, member in data.items():
        where = f"{field}.DataColorPalette.{name}"
        if name in ("Colors", "MinMaxGradient"):
            if not isinstance(member, list) or len(member) > 100:
                raise ValidationError(where, "must be a list of at most 100 colors")
            for index, color in enumerate(member):
                _color(color, f"{where}[{index}]")
        elif name == "EmptyFillColor":
            _color(member, where)
        else:
            raise ValidationError(where, "is not a member of DataColorPalette")
    for name, member in _section(value, "UIColorPalette", field).items():
        where = f"{field}.UIColorPalette.{name}"
        if name not in _UI_COLORS:
            raise ValidationError(where, "is not a member of UIColorPalette")
        _color(member, where)
    _check_styles(_section(value, "Sheet", field), f"{field}.Sheet")
    typography = _section(value, "Typography", field)
    fonts = typography.get("FontFamilies")
    if fonts is not None:
        if not isinstance(fonts, list) or len(fonts) > 5:
            raise ValidationError(f"{field}.Typography.FontFamilies", "must list at most 5 fonts")
        for index, font in enumerate(fonts):
            family = font.get("FontFamily") if isinstance(font, dict) else None
            if family is not None and (not isinstance(family, str) or len(family) > 256):
                raise ValidationError(
                    f"{field}.Typography.FontFamilies[{index}].FontFamily",
                    "must be a string of at most 256 characters",
                )
    _check_styles(typography, f"{field}.Typography")
    return value


def _section(configuration: Mapping[str, Any], name: str, field: str) -> Mapping[str, Any]:
    member = configuration.get(name)
    if member is None:
        return {}
    if not isinstance(member, dict):
        raise ValidationError(f"{field}.{name}", "must be an object")
    return member


def _color(value: object, field: str) -> None:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise ValidationError(field, "must be a color #RRGGBB (hex digits in upper case)")


def _check_styles(section: Mapping[str, Any], field: str) -> None:
    """Every color member anywhere below is ``#RRGGBB``, every ``Show`` a boolean."""
    stack: list[tuple[str, object]] = [(field, section)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, member in value.items():
                where = f"{path}.{key}"
                if key in _COLOR_MEMBERS:
                    _color(member, where)
                elif key == "Show" and not isinstance(member, bool):
                    raise ValidationError(where, "must be true or false")
                else:
                    stack.append((where, member))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))


def merged(base: Mapping[str, Any], custom: Mapping[str, Any]) -> dict[str, Any]:
    """``custom`` over ``base``: objects merged member by member, anything else
    (a color list included) replaced."""
    result = copy.deepcopy(dict(base))
    for key, value in custom.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


class ThemeService:
    """CreateTheme … ListThemeAliases, and ``resolve`` for the viewer. ``assets`` has the
    operations themes share with templates (versions, delete, permissions, aliases,
    tags)."""

    def __init__(self, db: Database, permissions: PermissionService) -> None:
        self.db = db
        self.assets = VersionedAssets(db, permissions, KIND)

    def create(
        self,
        account_id: str,
        theme_id: str,
        request: Mapping[str, Any],
        *,
        actor: Actor,
        tags: Sequence[Tag] = (),
    ) -> Saved:
        """CreateTheme: version 1 with ``Permissions`` and ``Tags``, in one transaction;
        a starting theme's id is taken."""
        validate_id(theme_id, "ThemeId")
        if theme_id in BY_ID:
            raise ConflictError("Theme", "ThemeId", theme_id)
        name = validate_name(request.get("Name"))
        base = validate_base(request.get("BaseThemeId"))
        configuration = validate_configuration(request.get("Configuration"))
        description = validate_description(request.get("VersionDescription"))
        granted = parse_permissions(KIND.resource_type, request.get("Permissions"), "Permissions")
        valid_tags = validate_tags(list(tags))
        with UnitOfWork(self.db, actor) as uow:
            return self.assets.insert(
                uow,
                account_id,
                theme_id,
                name,
                description=description,
                values={"base_theme_id": base, "configuration": configuration},
                permissions=granted,
                tags=valid_tags,
            )

    def update(
        self, account_id: str, theme_id: str, request: Mapping[str, Any], *, actor: Actor
    ) -> Saved:
        """UpdateTheme: a new version on ``BaseThemeId`` (required); without a
        ``Configuration`` the latest version's is kept; ``Name`` renames the theme."""
        name = validate_name(request["Name"]) if request.get("Name") is not None else None
        base = validate_base(request.get("BaseThemeId"))
        given = request.get("Configuration")
        configuration = validate_configuration(given) if given is not None else None
        description = validate_description(request.get("VersionDescription"))
        with UnitOfWork(self.db, actor) as uow:
            asset = self.assets.require(uow.conn, account_id, theme_id, lock=True)
            if configuration is None:
                configuration = self.assets.version(uow.conn, asset, asset.latest_version).values[
                    "configuration"
                ]
            return self.assets.add_version(
                uow,
                asset,
                name=name,
                description=description,
                values={"base_theme_id": base, "configuration": configuration},
            )

    def describe(
        self,
        account_id: str,
        theme_id: str,
        *,
        version_number: int | None = None,
        alias_name: str | None = None,
    ) -> ThemeView:
        """DescribeTheme: a starting theme (version 1, ``$LATEST``), or a version of one
        of the account's."""
        starting = BY_ID.get(theme_id)
        if starting is not None:
            if version_number not in (None, 1) or alias_name not in (None, "$LATEST"):
                raise NotFoundError("ThemeVersion", f"{starting.arn}/version/{version_number}")
            return _starting_view(starting)
        asset, version = self.assets.describe(
            account_id, theme_id, version_number=version_number, alias_name=alias_name
        )
        return custom_view(asset, version)

    def list(
        self,
        account_id: str,
        *,
        theme_type: str | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> Page[ThemeView]:
        """ListThemes: the starting themes (``QUICKSIGHT``), the account's
        (``CUSTOM``) or both (``ALL``, the default), starting themes first, each in id
        order. A page key is ``Q:<id>`` or ``C:<id>``."""
        kind = theme_type or ALL
        if kind not in (QUICKSIGHT, CUSTOM, ALL):
            raise ValidationError("Type", "must be QUICKSIGHT, CUSTOM or ALL")
        if after is not None and after[:2] not in ("Q:", "C:"):
            raise ValidationError("NextToken", "is not a token of this list")
        size = clamp_limit(limit)
        found: list[tuple[str, ThemeView]] = []
        if kind != CUSTOM and (after is None or after.startswith("Q:")):
            start = after[2:] if after else ""
            found = [("Q", _starting_view(t)) for t in STARTING_THEMES if t.theme_id > start]
        more = False
        if kind != QUICKSIGHT:
            custom_after = after[2:] if after and after.startswith("C:") else None
            page = self.assets.page(account_id, limit=size, after=custom_after)
            with self.db.read() as conn:
                for asset in page.items:
                    version = self.assets.version(conn, asset, asset.latest_version)
                    found.append(("C", custom_view(asset, version)))
            more = page.next_key is not None
        if len(found) > size:
            prefix, last = found[size - 1]
            return Page([view for _, view in found[:size]], f"{prefix}:{last.theme_id}")
        next_key = f"C:{found[-1][1].theme_id}" if more else None
        return Page([view for _, view in found], next_key)

    def resolve(self, account_id: str, theme_arn: str) -> dict[str, Any]:
        """The configuration a viewer of ``theme_arn`` gets: a starting theme's, or a
        custom theme version's (the latest, or the one a version ARN names) merged over
        its base. ``NotFoundError`` for any other ARN (another account's included)."""
        found = _ARN.fullmatch(theme_arn) if isinstance(theme_arn, str) else None
        if found is None:
            raise ValidationError(
                "ThemeArn", "must be a theme ARN (arn:aws:quicksight:…:theme/<id>)"
            )
        number = int(found["version"]) if found["version"] else None
        if found["account"] == "aws":
            starting = BY_ID.get(found["id"])
            if starting is None or number not in (None, 1):
                raise NotFoundError("Theme", theme_arn[:300])
            return copy.deepcopy(dict(starting.configuration))
        if found["account"] != account_id:
            raise NotFoundError("Theme", theme_arn[:300])
        base_arn = f"arn:aws:quicksight:{found['region']}:{account_id}:theme/{found['id']}"
        with self.db.read() as conn:
            asset = self.assets.by_arn(conn, account_id, base_arn)
            if asset is None:
                raise NotFoundError("Theme", theme_arn[:300])
            version = self.assets.resolve(conn, asset, number)
        base = BY_ID[version.values["base_theme_id"]].configuration
        return merged(base, version.values["configuration"])
