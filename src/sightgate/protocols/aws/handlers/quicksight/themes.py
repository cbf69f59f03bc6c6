"""QuickSight themes: the starting themes and the account's own, versions, aliases,
permissions.

``DescribeTheme`` alone accepts ``aws`` as its ``AwsAccountId`` (its model's
``AwsAndAccountId``): the account that owns the starting themes. Any caller may
describe those; the call acts in the caller's own account. The operations themes share
with templates are ``versioned.shared_operations``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sightgate.analytics.access.authorizer import AccountResource
from sightgate.analytics.assets.themes import ThemeService, ThemeView
from sightgate.platform.errors import NotFoundError
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_request
from sightgate.protocols.aws.handlers.quicksight.tags import tags_of
from sightgate.protocols.aws.handlers.quicksight.versioned import saved_json, shared_operations
from sightgate.protocols.aws.handlers.registry import OK, Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_named_account
from sightgate.protocols.aws.registry import Check

STARTING_THEMES_OWNER = "aws"


def _summary_json(theme: ThemeView) -> Output:
    return {
        "Arn": theme.arn,
        "Name": theme.name,
        "ThemeId": theme.theme_id,
        "LatestVersionNumber": theme.latest_version,
        "CreatedTime": theme.created,
        "LastUpdatedTime": theme.updated,
    }


def theme_json(theme: ThemeView) -> Output:
    """A ``Theme`` with the version described."""
    version = theme.version
    return {
        "Arn": theme.arn,
        "Name": theme.name,
        "ThemeId": theme.theme_id,
        "Version": {
            "VersionNumber": version.number,
            "Arn": version.arn,
            "Description": version.description,
            "BaseThemeId": version.base_theme_id,
            "CreatedTime": version.created,
            "Configuration": version.configuration,
            "Status": version.status,
        },
        "CreatedTime": theme.created,
        "LastUpdatedTime": theme.updated,
        "Type": theme.type,
    }


def in_caller_or_named_account(ctx: RequestContext, params: Params) -> Sequence[Check]:
    """``aws`` names the starting themes' owner: the call acts in the caller's account."""
    if params["AwsAccountId"] == STARTING_THEMES_OWNER:
        return (Check(AccountResource(ctx.account_id)),)
    return in_named_account(ctx, params)


def create_theme(themes: ThemeService, ctx: RequestContext, params: Params) -> Output:
    """CreateTheme."""
    saved = themes.create(
        params["AwsAccountId"], params["ThemeId"], params, actor=ctx.actor, tags=tags_of(params)
    )
    return saved_json(saved, "ThemeId")


def update_theme(themes: ThemeService, ctx: RequestContext, params: Params) -> Output:
    """UpdateTheme (a new version)."""
    saved = themes.update(params["AwsAccountId"], params["ThemeId"], params, actor=ctx.actor)
    return saved_json(saved, "ThemeId")


def describe_theme(themes: ThemeService, ctx: RequestContext, params: Params) -> Output:
    """DescribeTheme (``version-number`` or ``alias-name``; ``aws`` for starting themes)."""
    account_id = params["AwsAccountId"]
    theme = themes.describe(
        ctx.account_id if account_id == STARTING_THEMES_OWNER else account_id,
        params["ThemeId"],
        version_number=params.get("VersionNumber"),
        alias_name=params.get("AliasName"),
    )
    if account_id == STARTING_THEMES_OWNER and theme.type != "QUICKSIGHT":
        raise NotFoundError("Theme", params["ThemeId"])
    return {"Theme": theme_json(theme), **OK}


def list_themes(themes: ThemeService, ctx: RequestContext, params: Params) -> Output:
    """ListThemes (``type`` QUICKSIGHT, CUSTOM or ALL)."""
    limit, after = page_request(ctx)
    page = themes.list(
        params["AwsAccountId"], theme_type=params.get("Type"), limit=limit, after=after
    )
    return {
        "ThemeSummaryList": [_summary_json(t) for t in page.items],
        **next_token(ctx, page),
        **OK,
    }


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.themes,
    (
        Operation("CreateTheme", create_theme, in_named_account),
        Operation("UpdateTheme", update_theme, in_named_account),
        Operation("DescribeTheme", describe_theme, in_caller_or_named_account),
        Operation("ListThemes", list_themes, in_named_account),
        *shared_operations("Theme", lambda themes: themes.assets),
    ),
)
