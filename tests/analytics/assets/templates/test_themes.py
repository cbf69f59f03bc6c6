"""Themes: the starting themes, custom themes on them with checked configurations,
versions and aliases, and the configuration a viewer gets; bad input writes nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select

from sightgate.analytics.access.actions import STANDARD, ResourceType
from sightgate.analytics.access.permissions import ResourcePermission
from sightgate.analytics.assets.starting_themes import BY_ID
from sightgate.analytics.assets.template_tables import themes as t
from sightgate.analytics.assets.themes import ThemeService, validate_configuration
from sightgate.analytics.directory.model import AccountSubscription, Tag
from sightgate.bootstrap import Services
from sightgate.platform.errors import ConflictError, NotFoundError, ValidationError
from tests.analytics.assets.templates.conftest import arn
from tests.analytics.conftest import (
    ACCOUNT,
    ACTOR,
    OTHER_ACCOUNT,
    last_position,
    register,
    subscribe,
    types_after,
)

RED: dict[str, Any] = {
    "DataColorPalette": {"Colors": ["#C0392B", "#E74C3C"], "EmptyFillColor": "#FDEDEC"},
    "UIColorPalette": {"PrimaryBackground": "#FFF5F5", "Accent": "#C0392B"},
    "Sheet": {"Tile": {"Border": {"Show": True, "Color": "#C0392B"}}},
    "Typography": {"FontFamilies": [{"FontFamily": "Georgia"}]},
}


@pytest.fixture
def themes(services: Services, account: AccountSubscription) -> ThemeService:
    return services.themes


def create(themes: ThemeService, theme_id: str = "red", **request: Any) -> Any:
    given = {"Name": "Red", "BaseThemeId": "CLASSIC", "Configuration": copy.deepcopy(RED)}
    tags = request.pop("tags", ())
    return themes.create(ACCOUNT, theme_id, {**given, **request}, actor=ACTOR, tags=tags)


def rows(services: Services) -> int:
    with services.db.read() as conn:
        return sum(
            int(conn.scalar(select(func.count()).select_from(table)) or 0)
            for table in (t.assets, t.versions, t.aliases, t.tags)
        )


def test_starting_themes_are_listed_and_described_for_every_account(
    themes: ThemeService,
) -> None:
    listed = themes.list(ACCOUNT, theme_type="QUICKSIGHT").items
    assert [v.theme_id for v in listed] == ["CLASSIC", "MIDNIGHT", "RAINIER", "SEASIDE"]
    midnight = themes.describe(ACCOUNT, "MIDNIGHT")
    assert midnight.type == "QUICKSIGHT"
    assert midnight.arn == "arn:aws:quicksight::aws:theme/MIDNIGHT"
    assert midnight.version.configuration == BY_ID["MIDNIGHT"].configuration
    for configuration in (dict(theme.configuration) for theme in BY_ID.values()):
        assert validate_configuration(copy.deepcopy(configuration)) == configuration
    midnight.version.configuration["UIColorPalette"]["Accent"] = "#000000"  # a copy
    assert (
        themes.describe(ACCOUNT, "MIDNIGHT").version.configuration["UIColorPalette"]["Accent"]
        != "#000000"
    )
    with pytest.raises(NotFoundError):
        themes.describe(ACCOUNT, "MIDNIGHT", version_number=2)
    with pytest.raises(ConflictError):
        create(themes, "MIDNIGHT")


def test_a_custom_theme_is_stored_as_given_and_resolved_over_its_base(
    themes: ThemeService, services: Services
) -> None:
    position = last_position(services.db)
    saved = create(themes, VersionDescription="launch")
    assert saved.asset.arn == arn("theme", "red")
    assert types_after(services.db, position) == ["analytics.ThemeCreated"]
    described = themes.describe(ACCOUNT, "red")
    assert (described.type, described.version.base_theme_id) == ("CUSTOM", "CLASSIC")
    assert described.version.configuration == RED
    effective = themes.resolve(ACCOUNT, saved.asset.arn)
    classic = BY_ID["CLASSIC"].configuration
    assert effective["DataColorPalette"]["Colors"] == RED["DataColorPalette"]["Colors"]
    assert (
        effective["DataColorPalette"]["MinMaxGradient"]
        == (classic["DataColorPalette"]["MinMaxGradient"])
    )
    assert effective["UIColorPalette"] == {**classic["UIColorPalette"], **RED["UIColorPalette"]}
    assert effective["Sheet"]["TileLayout"] == classic["Sheet"]["TileLayout"]
    assert effective["Sheet"]["Tile"]["Border"] == {"Show": True, "Color": "#C0392B"}
    assert themes.resolve(ACCOUNT, BY_ID["SEASIDE"].arn) == BY_ID["SEASIDE"].configuration
    assert BY_ID["CLASSIC"].configuration == classic  # merging copied, never changed the base


def test_updates_make_versions_on_another_base_and_aliases_name_them(
    themes: ThemeService,
) -> None:
    create(themes)
    updated = themes.update(ACCOUNT, "red", {"BaseThemeId": "MIDNIGHT"}, actor=ACTOR)
    assert updated.version.number == 2
    latest = themes.describe(ACCOUNT, "red")
    assert latest.version.base_theme_id == "MIDNIGHT"
    assert latest.version.configuration == RED  # kept without a Configuration
    themes.assets.create_alias(ACCOUNT, "red", "live", 1, actor=ACTOR)
    assert themes.describe(ACCOUNT, "red", alias_name="live").version.base_theme_id == "CLASSIC"
    first = f"{arn('theme', 'red')}/version/1"
    effective = themes.resolve(ACCOUNT, first)
    assert (
        effective["UIColorPalette"]["PrimaryForeground"]
        == (BY_ID["CLASSIC"].configuration["UIColorPalette"]["PrimaryForeground"])
    )
    dark = themes.resolve(ACCOUNT, arn("theme", "red"))
    assert (
        dark["UIColorPalette"]["PrimaryForeground"]
        == (BY_ID["MIDNIGHT"].configuration["UIColorPalette"]["PrimaryForeground"])
    )
    with pytest.raises(ValidationError):
        themes.update(ACCOUNT, "red", {"Configuration": RED}, actor=ACTOR)  # no BaseThemeId
    _, versions = themes.assets.versions(ACCOUNT, "red")
    assert [v.number for v in versions.items] == [1, 2]


def test_list_all_pages_through_starting_then_custom_themes(themes: ThemeService) -> None:
    for theme_id in ("b", "a"):
        create(themes, theme_id)
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = themes.list(ACCOUNT, limit=3, after=after)
        seen += [v.theme_id for v in page.items]
        pages += 1
        if page.next_key is None:
            break
        after = page.next_key
    assert seen == ["CLASSIC", "MIDNIGHT", "RAINIER", "SEASIDE", "a", "b"]
    assert pages == 2
    assert [v.theme_id for v in themes.list(ACCOUNT, theme_type="CUSTOM").items] == ["a", "b"]
    with pytest.raises(ValidationError):
        themes.list(ACCOUNT, theme_type="SOME")
    with pytest.raises(ValidationError):
        themes.list(ACCOUNT, after="x")


@pytest.mark.parametrize(
    ("configuration", "field"),
    [
        ({"DataColorPalette": {"Colors": ["#ff0000"]}}, "Configuration.DataColorPalette.Colors[0]"),
        ({"DataColorPalette": {"Colors": ["red"]}}, "Configuration.DataColorPalette.Colors[0]"),
        (
            {"DataColorPalette": {"EmptyFillColor": "#FFF"}},
            "Configuration.DataColorPalette.EmptyFillColor",
        ),
        (
            {"DataColorPalette": {"Colors": ["#FFFFFF"] * 101}},
            "Configuration.DataColorPalette.Colors",
        ),
        ({"UIColorPalette": {"Accent": "#GGGGGG"}}, "Configuration.UIColorPalette.Accent"),
        ({"UIColorPalette": {"Shiny": "#FFFFFF"}}, "Configuration.UIColorPalette.Shiny"),
        (
            {"Sheet": {"Tile": {"Border": {"Color": "#12345"}}}},
            "Configuration.Sheet.Tile.Border.Color",
        ),
        (
            {"Sheet": {"TileLayout": {"Gutter": {"Show": "yes"}}}},
            "Configuration.Sheet.TileLayout.Gutter.Show",
        ),
        (
            {"Typography": {"FontFamilies": [{"FontFamily": "x"}] * 6}},
            "Configuration.Typography.FontFamilies",
        ),
        ({"Colors": []}, "Configuration.Colors"),
        ([], "Configuration"),
    ],
)
def test_bad_configurations_are_refused_naming_the_member(
    themes: ThemeService, services: Services, configuration: Any, field: str
) -> None:
    position = last_position(services.db)
    with pytest.raises(ValidationError) as refused:
        create(themes, Configuration=configuration)
    assert refused.value.field == field
    assert rows(services) == 0
    assert types_after(services.db, position) == []


def test_an_unknown_base_theme_or_bad_ids_are_refused(
    themes: ThemeService, services: Services
) -> None:
    with pytest.raises(ValidationError, match="CLASSIC, MIDNIGHT, RAINIER, SEASIDE"):
        create(themes, BaseThemeId="DRACULA")
    with pytest.raises(ValidationError):
        create(themes, "bad/id")
    with pytest.raises(ValidationError):
        create(themes, Name=None)
    assert rows(services) == 0
    create(themes)
    with pytest.raises(ConflictError):
        create(themes)
    with pytest.raises(ValidationError, match="DRACULA"):
        themes.update(ACCOUNT, "red", {"BaseThemeId": "DRACULA"}, actor=ACTOR)
    assert themes.describe(ACCOUNT, "red").latest_version == 1


def test_permissions_tags_and_deletion(themes: ThemeService, services: Services) -> None:
    user = register(services.directory, "brand-owner")
    owner = ResourcePermission(user.arn, STANDARD[ResourceType.THEME].owner)
    create(themes, Permissions=[owner.to_json()], tags=(Tag("customer", "red"),))
    assert themes.assets.describe_permissions(ACCOUNT, "red")[1] == [owner]
    assert themes.assets.list_tags_for_resource(ACCOUNT, arn("theme", "red")) == [
        Tag("customer", "red")
    ]
    themes.assets.delete(ACCOUNT, "red", actor=ACTOR)
    assert rows(services) == 0
    assert services.access.permissions.describe(themes.assets._resource(create(themes).asset)) == []


def test_another_accounts_theme_resolves_to_nothing(
    themes: ThemeService, services: Services
) -> None:
    create(themes)
    subscribe(services.directory, OTHER_ACCOUNT, "other")
    with pytest.raises(NotFoundError):
        themes.resolve(OTHER_ACCOUNT, arn("theme", "red"))
    with pytest.raises(NotFoundError):
        themes.describe(OTHER_ACCOUNT, "red")
    with pytest.raises(NotFoundError):
        themes.resolve(ACCOUNT, "arn:aws:quicksight::aws:theme/DRACULA")
    with pytest.raises(ValidationError):
        themes.resolve(ACCOUNT, arn("template", "red"))
