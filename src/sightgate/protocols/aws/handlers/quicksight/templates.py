"""QuickSight templates: versions, definitions, aliases, permissions.

The operations templates share with themes are ``versioned.shared_operations``.
"""

from __future__ import annotations

from sightgate.analytics.assets.definitions import sheets_of
from sightgate.analytics.assets.templates import TemplateService
from sightgate.analytics.assets.versioned import Asset, Version
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_request
from sightgate.protocols.aws.handlers.quicksight.tags import tags_of
from sightgate.protocols.aws.handlers.quicksight.versioned import (
    saved_json,
    shared_operations,
    version_summary_json,
)
from sightgate.protocols.aws.handlers.registry import OK, Handlers, Operation, Output, Params
from sightgate.protocols.aws.handlers.rules import in_named_account


def _version_json(version: Version) -> Output:
    definition = version.values["definition"]
    return {
        **version_summary_json(version),
        "Errors": version.values["errors"] or None,
        "DataSetConfigurations": definition.get("DataSetConfigurations"),
        "SourceEntityArn": version.values["source_entity_arn"],
        "Sheets": sheets_of(definition),
    }


def _summary_json(asset: Asset) -> Output:
    return {
        "Arn": asset.arn,
        "TemplateId": asset.asset_id,
        "Name": asset.name,
        "LatestVersionNumber": asset.latest_version,
        "CreatedTime": asset.created,
        "LastUpdatedTime": asset.updated,
    }


def create_template(templates: TemplateService, ctx: RequestContext, params: Params) -> Output:
    """CreateTemplate."""
    saved = templates.create(
        params["AwsAccountId"], params["TemplateId"], params, actor=ctx.actor, tags=tags_of(params)
    )
    return saved_json(saved, "TemplateId")


def update_template(templates: TemplateService, ctx: RequestContext, params: Params) -> Output:
    """UpdateTemplate (a new version)."""
    saved = templates.update(params["AwsAccountId"], params["TemplateId"], params, actor=ctx.actor)
    return saved_json(saved, "TemplateId")


def describe_template(templates: TemplateService, ctx: RequestContext, params: Params) -> Output:
    """DescribeTemplate (``version-number`` or ``alias-name``, the latest by default)."""
    asset, version = templates.describe(
        params["AwsAccountId"],
        params["TemplateId"],
        version_number=params.get("VersionNumber"),
        alias_name=params.get("AliasName"),
    )
    summary = _summary_json(asset)
    del summary["LatestVersionNumber"]
    return {"Template": {**summary, "Version": _version_json(version)}, **OK}


def describe_template_definition(
    templates: TemplateService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeTemplateDefinition: the definition as it was given."""
    asset, version = templates.describe(
        params["AwsAccountId"],
        params["TemplateId"],
        version_number=params.get("VersionNumber"),
        alias_name=params.get("AliasName"),
    )
    return {
        "Name": asset.name,
        "TemplateId": asset.asset_id,
        "Errors": version.values["errors"] or None,
        "ResourceStatus": version.status,
        "Definition": version.values["definition"],
        **OK,
    }


def list_templates(templates: TemplateService, ctx: RequestContext, params: Params) -> Output:
    """ListTemplates."""
    limit, after = page_request(ctx)
    page = templates.assets.page(params["AwsAccountId"], limit=limit, after=after)
    return {
        "TemplateSummaryList": [_summary_json(a) for a in page.items],
        **next_token(ctx, page),
        **OK,
    }


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.templates,
    (
        Operation("CreateTemplate", create_template, in_named_account),
        Operation("UpdateTemplate", update_template, in_named_account),
        Operation("DescribeTemplate", describe_template, in_named_account),
        Operation("DescribeTemplateDefinition", describe_template_definition, in_named_account),
        Operation("ListTemplates", list_templates, in_named_account),
        *shared_operations("Template", lambda templates: templates.assets),
    ),
)
