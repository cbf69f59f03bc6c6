"""QuickSight datasets of an account."""

from __future__ import annotations

from sightgate.analytics.data.datasets import DataSetService, Saved
from sightgate.analytics.data.model import DataSet
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


def data_set_json(data_set: DataSet) -> Output:
    """A QuickSight ``DataSet``: the members it was created from, as given, and what
    the service adds (ARN, times, output columns, SPICE capacity)."""
    version = data_set.spice_version
    return {
        **data_set.definition,
        "Arn": data_set.arn,
        "DataSetId": data_set.data_set_id,
        "CreatedTime": data_set.created,
        "LastUpdatedTime": data_set.updated,
        "OutputColumns": [{"Name": c.name, "Type": c.type.value} for c in data_set.output_columns],
        "ConsumedSpiceCapacityInBytes": version.size_bytes if version is not None else 0,
    }


def summary_json(data_set: DataSet) -> Output:
    """A QuickSight ``DataSetSummary``."""
    output: Output = {
        "Arn": data_set.arn,
        "DataSetId": data_set.data_set_id,
        "Name": data_set.name,
        "CreatedTime": data_set.created,
        "LastUpdatedTime": data_set.updated,
        "ImportMode": data_set.import_mode.value,
        "RowLevelPermissionTagConfigurationApplied": bool(
            data_set.row_level_permission_tag_configuration
            and data_set.row_level_permission_tag_configuration.enabled
        ),
        "ColumnLevelPermissionRulesApplied": bool(data_set.column_level_permission_rules),
    }
    if "RowLevelPermissionDataSet" in data_set.definition:
        output["RowLevelPermissionDataSet"] = data_set.definition["RowLevelPermissionDataSet"]
    if data_set.use_as is not None:
        output["UseAs"] = data_set.use_as
    return output


def _saved_json(saved: Saved) -> Output:
    output: Output = {"Arn": saved.data_set.arn, "DataSetId": saved.data_set.data_set_id}
    if saved.ingestion is not None:
        output["IngestionArn"] = saved.ingestion.arn
        output["IngestionId"] = saved.ingestion.ingestion_id
    return output


def create_data_set(datasets: DataSetService, ctx: RequestContext, params: Params) -> Output:
    """CreateDataSet (a SPICE dataset's first ingestion starts with it)."""
    saved = datasets.create(params["AwsAccountId"], params, actor=ctx.actor)
    return {**_saved_json(saved), **CREATED}


def describe_data_set(datasets: DataSetService, ctx: RequestContext, params: Params) -> Output:
    """DescribeDataSet."""
    data_set = datasets.describe(params["AwsAccountId"], params["DataSetId"])
    return {"DataSet": data_set_json(data_set), **OK}


def list_data_sets(datasets: DataSetService, ctx: RequestContext, params: Params) -> Output:
    """ListDataSets."""
    limit, after = page_request(ctx)
    page = datasets.list(params["AwsAccountId"], limit=limit, after=after)
    return {**summaries(ctx, page, "DataSetSummaries", summary_json), **OK}


def update_data_set(datasets: DataSetService, ctx: RequestContext, params: Params) -> Output:
    """UpdateDataSet (a full replacement; a SPICE dataset is ingested again)."""
    saved = datasets.update(params["AwsAccountId"], params["DataSetId"], params, actor=ctx.actor)
    return {**_saved_json(saved), **OK}


def delete_data_set(datasets: DataSetService, ctx: RequestContext, params: Params) -> Output:
    """DeleteDataSet."""
    data_set = datasets.delete(params["AwsAccountId"], params["DataSetId"], actor=ctx.actor)
    return {"Arn": data_set.arn, "DataSetId": data_set.data_set_id, **OK}


SHAPE: CatalogShape[DataSet] = CatalogShape(
    "DataSet", lambda resource: resource.data_set_id, summary_json
)

HANDLERS = Handlers(
    "quicksight",
    lambda services: services.data.datasets,
    (
        Operation("CreateDataSet", create_data_set, in_named_account),
        Operation("DescribeDataSet", describe_data_set, in_named_account),
        Operation("ListDataSets", list_data_sets, in_named_account),
        Operation("UpdateDataSet", update_data_set, in_named_account),
        Operation("DeleteDataSet", delete_data_set, in_named_account),
        *catalog.operations(SHAPE, DataSetService),
    ),
)
