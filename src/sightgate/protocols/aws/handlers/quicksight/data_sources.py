"""QuickSight data sources of an account (never their credentials)."""

from __future__ import annotations

from sightgate.analytics.data.model import DataSource
from sightgate.analytics.data.sources import DataSourceService
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import page_request, summaries
from sightgate.protocols.aws.handlers.quicksight import catalog
from sightgate.protocols.aws.handlers.quicksight.catalog import CatalogShape
from sightgate.protocols.aws.handlers.registry import (
    CREATED,
    OK,
    Handlers,
    Operation,
    Output,
    Params,
)
from sightgate.protocols.aws.handlers.rules import in_named_account


def data_source_json(source: DataSource) -> Output:
    """A QuickSight ``DataSource``."""
    output: Output = {
        "Arn": source.arn,
        "DataSourceId": source.data_source_id,
        "Name": source.name,
        "Type": source.type.value,
        "Status": source.status.value,
        "CreatedTime": source.created,
        "LastUpdatedTime": source.updated,
        "DataSourceParameters": dict(source.parameters),
        "SslProperties": {"DisableSsl": source.ssl_disabled},
    }
    if source.error is not None:
        output["ErrorInfo"] = {"Type": source.error.type, "Message": source.error.message}
    return output


def summary_json(source: DataSource) -> Output:
    """A QuickSight ``DataSourceSummary``."""
    return {
        "Arn": source.arn,
        "DataSourceId": source.data_source_id,
        "Name": source.name,
        "Type": source.type.value,
        "CreatedTime": source.created,
        "LastUpdatedTime": source.updated,
    }


def create_data_source(sources: DataSourceService, ctx: RequestContext, params: Params) -> Output:
    """CreateDataSource (tested at once: the status says how the test went)."""
    source = sources.create(params["AwsAccountId"], params, actor=ctx.actor)
    return {
        "Arn": source.arn,
        "DataSourceId": source.data_source_id,
        "CreationStatus": source.status.value,
        **CREATED,
    }


def describe_data_source(sources: DataSourceService, ctx: RequestContext, params: Params) -> Output:
    """DescribeDataSource."""
    source = sources.describe(params["AwsAccountId"], params["DataSourceId"])
    return {"DataSource": data_source_json(source), **OK}


def list_data_sources(sources: DataSourceService, ctx: RequestContext, params: Params) -> Output:
    """ListDataSources."""
    limit, after = page_request(ctx)
    page = sources.list(params["AwsAccountId"], limit=limit, after=after)
    return {**summaries(ctx, page, "DataSources", data_source_json), **OK}


def update_data_source(sources: DataSourceService, ctx: RequestContext, params: Params) -> Output:
    """UpdateDataSource (tested again: the update status says how)."""
    source = sources.update(params["AwsAccountId"], params["DataSourceId"], params, actor=ctx.actor)
    return {
        "Arn": source.arn,
        "DataSourceId": source.data_source_id,
        "UpdateStatus": source.status.value,
        **OK,
    }


def delete_data_source(sources: DataSourceService, ctx: RequestContext, params: Params) -> Output:
    """DeleteDataSource."""
    source = sources.delete(params["AwsAccountId"], params["DataSourceId"], actor=ctx.actor)
    return {"Arn": source.arn, "DataSourceId": source.data_source_id, **OK}


SHAPE: CatalogShape[DataSource] = CatalogShape(
    "DataSource", lambda resource: resource.data_source_id, summary_json
)

HANDLERS = Handlers(
    "quicksight",
    lambda services: services.data.sources,
    (
        Operation("CreateDataSource", create_data_source, in_named_account),
        Operation("DescribeDataSource", describe_data_source, in_named_account),
        Operation("ListDataSources", list_data_sources, in_named_account),
        Operation("UpdateDataSource", update_data_source, in_named_account),
        Operation("DeleteDataSource", delete_data_source, in_named_account),
        *catalog.operations(SHAPE, DataSourceService),
    ),
)
