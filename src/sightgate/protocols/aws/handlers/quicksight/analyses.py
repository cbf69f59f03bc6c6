"""QuickSight analyses: content, definitions, deletion with recovery, permissions, search."""

from __future__ import annotations

from sightgate.analytics.access.permissions import ResourcePermission
from sightgate.analytics.assets.analyses import Analysis, AnalysisService
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import page_of, page_request, summaries
from sightgate.protocols.aws.handlers.quicksight.tags import tags_of
from sightgate.protocols.aws.handlers.registry import (
    CREATED,
    OK,
    Handlers,
    Operation,
    Output,
    Params,
)
from sightgate.protocols.aws.handlers.rules import in_named_account


def summary_json(analysis: Analysis) -> Output:
    """An ``AnalysisSummary``."""
    return {
        "Arn": analysis.arn,
        "AnalysisId": analysis.analysis_id,
        "Name": analysis.name,
        "Status": analysis.status,
        "CreatedTime": analysis.created,
        "LastUpdatedTime": analysis.updated,
    }


def analysis_json(analysis: Analysis) -> Output:
    """An ``Analysis`` (``Errors`` only when there are some)."""
    return {
        **summary_json(analysis),
        "Errors": analysis.content.errors or None,
        "DataSetArns": analysis.content.data_set_arns,
        "ThemeArn": analysis.content.theme_arn,
        "Sheets": analysis.content.sheets,
    }


def create_analysis(analyses: AnalysisService, ctx: RequestContext, params: Params) -> Output:
    """CreateAnalysis."""
    analysis = analyses.create(
        params["AwsAccountId"], params["AnalysisId"], params, tags=tags_of(params), actor=ctx.actor
    )
    return {
        "Arn": analysis.arn,
        "AnalysisId": analysis.analysis_id,
        "CreationStatus": analysis.status,
        **CREATED,
    }


def update_analysis(analyses: AnalysisService, ctx: RequestContext, params: Params) -> Output:
    """UpdateAnalysis."""
    analysis = analyses.update(
        params["AwsAccountId"], params["AnalysisId"], params, actor=ctx.actor
    )
    return {
        "Arn": analysis.arn,
        "AnalysisId": analysis.analysis_id,
        "UpdateStatus": analysis.status,
        **OK,
    }


def describe_analysis(analyses: AnalysisService, ctx: RequestContext, params: Params) -> Output:
    """DescribeAnalysis."""
    analysis = analyses.describe(params["AwsAccountId"], params["AnalysisId"])
    return {"Analysis": analysis_json(analysis), **OK}


def describe_analysis_definition(
    analyses: AnalysisService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeAnalysisDefinition: the definition as it was given."""
    analysis = analyses.describe(params["AwsAccountId"], params["AnalysisId"])
    return {
        "AnalysisId": analysis.analysis_id,
        "Name": analysis.name,
        "Errors": analysis.content.errors or None,
        "ResourceStatus": analysis.status,
        "ThemeArn": analysis.content.theme_arn,
        "Definition": analysis.content.definition,
        **OK,
    }


def list_analyses(analyses: AnalysisService, ctx: RequestContext, params: Params) -> Output:
    """ListAnalyses."""
    limit, after = page_request(ctx)
    page = analyses.list(params["AwsAccountId"], limit=limit, after=after)
    return {**summaries(ctx, page, "AnalysisSummaryList", summary_json), **OK}


def search_analyses(analyses: AnalysisService, ctx: RequestContext, params: Params) -> Output:
    """SearchAnalyses."""
    limit, after = page_request(ctx)
    page = analyses.search(params["AwsAccountId"], params["Filters"], limit=limit, after=after)
    return {**summaries(ctx, page, "AnalysisSummaryList", summary_json), **OK}


def delete_analysis(analyses: AnalysisService, ctx: RequestContext, params: Params) -> Output:
    """DeleteAnalysis (a recovery window, or at once)."""
    analysis = analyses.delete(
        params["AwsAccountId"],
        params["AnalysisId"],
        recovery_window_days=params.get("RecoveryWindowInDays"),
        force=params.get("ForceDeleteWithoutRecovery"),
        actor=ctx.actor,
    )
    return {
        "Arn": analysis.arn,
        "AnalysisId": analysis.analysis_id,
        "DeletionTime": analysis.deletion_time,
        **OK,
    }


def restore_analysis(analyses: AnalysisService, ctx: RequestContext, params: Params) -> Output:
    """RestoreAnalysis (its folders were kept: none fails to be restored)."""
    analysis = analyses.restore(params["AwsAccountId"], params["AnalysisId"], actor=ctx.actor)
    return {"Arn": analysis.arn, "AnalysisId": analysis.analysis_id, **OK}


def _permissions(analysis: Analysis, entries: list[ResourcePermission]) -> Output:
    return {
        "AnalysisId": analysis.analysis_id,
        "AnalysisArn": analysis.arn,
        "Permissions": [p.to_json() for p in entries],
        **OK,
    }


def describe_analysis_permissions(
    analyses: AnalysisService, ctx: RequestContext, params: Params
) -> Output:
    """DescribeAnalysisPermissions."""
    analysis, granted = analyses.describe_permissions(params["AwsAccountId"], params["AnalysisId"])
    entries, _ = page_of(ctx, granted, key=lambda p: p.principal)
    return _permissions(analysis, entries)


def update_analysis_permissions(
    analyses: AnalysisService, ctx: RequestContext, params: Params
) -> Output:
    """UpdateAnalysisPermissions."""
    analysis, after = analyses.update_permissions(
        params["AwsAccountId"],
        params["AnalysisId"],
        grant=params.get("GrantPermissions"),
        revoke=params.get("RevokePermissions"),
        actor=ctx.actor,
    )
    return _permissions(analysis, after)


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.analyses,
    (
        Operation("CreateAnalysis", create_analysis, in_named_account),
        Operation("UpdateAnalysis", update_analysis, in_named_account),
        Operation("DescribeAnalysis", describe_analysis, in_named_account),
        Operation("DescribeAnalysisDefinition", describe_analysis_definition, in_named_account),
        Operation("ListAnalyses", list_analyses, in_named_account),
        Operation("SearchAnalyses", search_analyses, in_named_account),
        Operation("DeleteAnalysis", delete_analysis, in_named_account),
        Operation("RestoreAnalysis", restore_analysis, in_named_account),
        Operation("DescribeAnalysisPermissions", describe_analysis_permissions, in_named_account),
        Operation("UpdateAnalysisPermissions", update_analysis_permissions, in_named_account),
    ),
)
