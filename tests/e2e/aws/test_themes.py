"""Themes through boto3 against the real server: the starting themes (also as account
``aws``), custom themes with their configuration back as given, versions, aliases and
``max-result`` on the wire, permissions and tags, bad colors and unknown base themes,
another account's key, nothing half-written."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.e2e.aws.conftest import (
    ACCOUNT,
    REGION,
    AwsServer,
    Key,
    code_of,
    error_of,
    register,
    unique,
)

pytestmark = pytest.mark.e2e

STARTING = ["CLASSIC", "MIDNIGHT", "RAINIER", "SEASIDE"]
RED: dict[str, Any] = {
    "DataColorPalette": {"Colors": ["#C0392B", "#E74C3C"], "EmptyFillColor": "#FDEDEC"},
    "UIColorPalette": {"PrimaryBackground": "#FFF5F5", "Accent": "#C0392B"},
    "Sheet": {
        "Tile": {"Border": {"Show": True}},
        "TileLayout": {"Gutter": {"Show": False}, "Margin": {"Show": True}},
    },
    "Typography": {"FontFamilies": [{"FontFamily": "Georgia"}]},
}


def arn(*parts: str) -> str:
    return f"arn:aws:quicksight:{REGION}:{ACCOUNT}:theme/{'/'.join(parts)}"


def create(qs: Any, theme_id: str, **members: Any) -> dict[str, Any]:
    given = {
        "Name": theme_id,
        "BaseThemeId": "CLASSIC",
        "Configuration": copy.deepcopy(RED),
        **members,
    }
    return dict(qs.create_theme(AwsAccountId=ACCOUNT, ThemeId=theme_id, **given))


def listed(qs: Any, **query: Any) -> list[str]:
    found: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = qs.list_themes(AwsAccountId=ACCOUNT, MaxResults=2, **query, **token)
        found += [t["ThemeId"] for t in page["ThemeSummaryList"]]
        if "NextToken" not in page:
            return found
        token = {"NextToken": page["NextToken"]}


def test_starting_themes_are_listed_and_described(qs: Any, subscribed: str) -> None:
    assert listed(qs, Type="QUICKSIGHT") == STARTING
    for account in (ACCOUNT, "aws"):
        theme = qs.describe_theme(AwsAccountId=account, ThemeId="MIDNIGHT")["Theme"]
        assert theme["Type"] == "QUICKSIGHT"
        assert theme["Arn"] == "arn:aws:quicksight::aws:theme/MIDNIGHT"
        palette = theme["Version"]["Configuration"]["UIColorPalette"]
        assert palette["PrimaryBackground"].startswith("#")
    assert (
        code_of(lambda: qs.describe_theme(AwsAccountId="aws", ThemeId="nope"))
        == "ResourceNotFoundException"
    )


def test_a_custom_theme_comes_back_as_given_with_versions_and_aliases(
    qs: Any, subscribed: str
) -> None:
    created = create(qs, "red-brand", VersionDescription="launch")
    assert created["Status"] == 202
    assert created["VersionArn"] == arn("red-brand", "version", "1")
    theme = qs.describe_theme(AwsAccountId=ACCOUNT, ThemeId="red-brand")["Theme"]
    assert theme["Type"] == "CUSTOM"
    assert theme["Version"]["Configuration"] == RED
    assert theme["Version"]["BaseThemeId"] == "CLASSIC"
    assert "red-brand" in listed(qs) and "red-brand" not in listed(qs, Type="QUICKSIGHT")
    assert listed(qs)[: len(STARTING)] == STARTING

    dark = {"UIColorPalette": {"Accent": "#FF6F61"}}
    qs.update_theme(
        AwsAccountId=ACCOUNT, ThemeId="red-brand", BaseThemeId="MIDNIGHT", Configuration=dark
    )
    latest = qs.describe_theme(AwsAccountId=ACCOUNT, ThemeId="red-brand")["Theme"]["Version"]
    assert (latest["VersionNumber"], latest["BaseThemeId"]) == (2, "MIDNIGHT")
    sent: list[str] = []
    qs.meta.events.register("before-send.quicksight", lambda request, **_: sent.append(request.url))
    try:
        for alias in ("live", "next"):
            qs.create_theme_alias(
                AwsAccountId=ACCOUNT, ThemeId="red-brand", AliasName=alias, ThemeVersionNumber=1
            )
        first = qs.list_theme_aliases(AwsAccountId=ACCOUNT, ThemeId="red-brand", MaxResults=1)
    finally:
        qs.meta.events.unregister("before-send.quicksight")
    assert [a["AliasName"] for a in first["ThemeAliasList"]] == ["live"]
    assert "NextToken" in first
    assert any("/aliases?" in url and "max-result=1" in url for url in sent)
    live = qs.describe_theme(AwsAccountId=ACCOUNT, ThemeId="red-brand", AliasName="live")
    assert live["Theme"]["Version"]["Configuration"] == RED
    qs.update_theme_alias(
        AwsAccountId=ACCOUNT, ThemeId="red-brand", AliasName="live", ThemeVersionNumber=2
    )
    assert (
        qs.describe_theme_alias(AwsAccountId=ACCOUNT, ThemeId="red-brand", AliasName="live")[
            "ThemeAlias"
        ]["ThemeVersionNumber"]
        == 2
    )
    versions = qs.list_theme_versions(AwsAccountId=ACCOUNT, ThemeId="red-brand")
    assert [v["VersionNumber"] for v in versions["ThemeVersionSummaryList"]] == [1, 2]
    qs.delete_theme_alias(AwsAccountId=ACCOUNT, ThemeId="red-brand", AliasName="next")
    qs.delete_theme(AwsAccountId=ACCOUNT, ThemeId="red-brand", VersionNumber=1)
    assert (
        code_of(
            lambda: qs.describe_theme(AwsAccountId=ACCOUNT, ThemeId="red-brand", VersionNumber=1)
        )
        == "ResourceNotFoundException"
    )
    qs.delete_theme(AwsAccountId=ACCOUNT, ThemeId="red-brand")
    assert "red-brand" not in listed(qs)


def test_permissions_and_tags(qs: Any, subscribed: str) -> None:
    user = register(qs, ACCOUNT, "default", unique("designer"))
    viewer = sorted(
        f"quicksight:{a}"
        for a in ("DescribeTheme", "DescribeThemeAlias", "ListThemeAliases", "ListThemeVersions")
    )
    created = create(
        qs,
        "blue-brand",
        Permissions=[{"Principal": user["Arn"], "Actions": viewer}],
        Tags=[{"Key": "customer", "Value": "blue"}],
    )
    found = qs.describe_theme_permissions(AwsAccountId=ACCOUNT, ThemeId="blue-brand")
    assert found["ThemeArn"] == created["Arn"]
    assert found["Permissions"] == [{"Principal": user["Arn"], "Actions": viewer}]
    revoked = qs.update_theme_permissions(
        AwsAccountId=ACCOUNT,
        ThemeId="blue-brand",
        RevokePermissions=[{"Principal": user["Arn"], "Actions": viewer}],
    )
    assert revoked["Permissions"] == []
    assert qs.list_tags_for_resource(ResourceArn=created["Arn"])["Tags"] == [
        {"Key": "customer", "Value": "blue"}
    ]


@pytest.mark.parametrize(
    ("configuration", "member"),
    [
        ({"DataColorPalette": {"Colors": ["#c0392b"]}}, "datacolorpalette.colors"),
        ({"UIColorPalette": {"Accent": "red"}}, "uicolorpalette.accent"),
        ({"DataColorPalette": {"EmptyFillColor": "#FFF"}}, "emptyfillcolor"),
    ],
)
def test_bad_colors_are_refused_naming_the_member(
    qs: Any, subscribed: str, configuration: dict[str, Any], member: str
) -> None:
    refused = error_of(lambda: create(qs, "bad-colors", Configuration=configuration))
    assert refused.response["Error"]["Code"] == "InvalidParameterValueException"
    assert member in refused.response["Error"]["Message"].lower()  # AWS's path, in its case
    assert "bad-colors" not in listed(qs)


def test_an_unknown_base_theme_is_refused_and_nothing_is_written(qs: Any, subscribed: str) -> None:
    before = listed(qs)
    refused = error_of(lambda: create(qs, "no-base", BaseThemeId="DRACULA"))
    assert refused.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "CLASSIC" in refused.response["Error"]["Message"]
    assert code_of(lambda: create(qs, "MIDNIGHT")) == "ResourceExistsException"
    assert listed(qs) == before


def test_another_accounts_key_is_denied(aws_server: AwsServer, qs: Any, other_key: Key) -> None:
    create(qs, "secret-brand")
    other = aws_server.client("quicksight", other_key)
    for call in (
        lambda: other.describe_theme(AwsAccountId=ACCOUNT, ThemeId="secret-brand"),
        lambda: other.list_themes(AwsAccountId=ACCOUNT),
        lambda: other.update_theme(
            AwsAccountId=ACCOUNT, ThemeId="secret-brand", BaseThemeId="CLASSIC"
        ),
        lambda: other.delete_theme(AwsAccountId=ACCOUNT, ThemeId="secret-brand"),
    ):
        assert code_of(call) == "AccessDeniedException"
    assert (
        code_of(lambda: other.describe_theme(AwsAccountId="aws", ThemeId="secret-brand"))
        == "ResourceNotFoundException"
    )
    assert qs.describe_theme(AwsAccountId=ACCOUNT, ThemeId="secret-brand")["Theme"]["Name"] == (
        "secret-brand"
    )
