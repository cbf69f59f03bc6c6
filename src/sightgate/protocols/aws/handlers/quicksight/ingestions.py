"""QuickSight SPICE ingestions of a dataset: Create, Describe, List, Cancel."""

from __future__ import annotations

from sightgate.analytics.data.spice.model import Ingestion
from sightgate.analytics.data.spice.service import SpiceService
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.handlers.paging import next_token, page_request
from sightgate.protocols.aws.handlers.registry import (
    CREATED,
    OK,
    Handlers,
    Operation,
    Output,
    Params,
)
from sightgate.protocols.aws.handlers.rules import in_named_account


def ingestion_json(ingestion: Ingestion) -> Output:
    """A QuickSight ``Ingestion``."""
    document: Output = {
        "Arn": ingestion.arn,
        "IngestionId": ingestion.ingestion_id,
        "IngestionStatus": ingestion.status.value,
        "CreatedTime": ingestion.created,
        "RequestSource": ingestion.request_source.value,
        "RequestType": ingestion.request_type.value,
    }
    if ingestion.error is not None:
        document["ErrorInfo"] = {"Type": ingestion.error.type, "Message": ingestion.error.message}
    if ingestion.rows_ingested is not None:
        row_info: Output = {"RowsIngested": ingestion.rows_ingested}
        if ingestion.rows_dropped is not None:
            row_info["RowsDropped"] = ingestion.rows_dropped
        if ingestion.total_rows is not None:
            row_info["TotalRowsInDataset"] = ingestion.total_rows
        document["RowInfo"] = row_info
    if ingestion.queued_behind is not None:
        document["QueueInfo"] = {
            "WaitingOnIngestion": ingestion.ingestion_id,
            "QueuedIngestion": ingestion.queued_behind,
        }
    if ingestion.seconds is not None:
        document["IngestionTimeInSeconds"] = ingestion.seconds
    if ingestion.size_bytes is not None:
        document["IngestionSizeInBytes"] = ingestion.size_bytes
    return document


def create_ingestion(spice: SpiceService, ctx: RequestContext, params: Params) -> Output:
    """CreateIngestion: queued at once, built in the background."""
    ingestion = spice.create(
        params["AwsAccountId"],
        params["DataSetId"],
        params["IngestionId"],
        params.get("IngestionType"),
        actor=ctx.actor,
    )
    return {
        "Arn": ingestion.arn,
        "IngestionId": ingestion.ingestion_id,
        "IngestionStatus": ingestion.status.value,
        **CREATED,
    }


def describe_ingestion(spice: SpiceService, ctx: RequestContext, params: Params) -> Output:
    """DescribeIngestion."""
    ingestion = spice.describe(params["AwsAccountId"], params["DataSetId"], params["IngestionId"])
    return {"Ingestion": ingestion_json(ingestion), **OK}


def list_ingestions(spice: SpiceService, ctx: RequestContext, params: Params) -> Output:
    """ListIngestions: newest first."""
    limit, after = page_request(ctx)
    page = spice.list(params["AwsAccountId"], params["DataSetId"], limit=limit, after=after)
    return {"Ingestions": [ingestion_json(i) for i in page.items], **next_token(ctx, page), **OK}


def cancel_ingestion(spice: SpiceService, ctx: RequestContext, params: Params) -> Output:
    """CancelIngestion."""
    ingestion = spice.cancel(
        params["AwsAccountId"], params["DataSetId"], params["IngestionId"], actor=ctx.actor
    )
    return {"Arn": ingestion.arn, "IngestionId": ingestion.ingestion_id, **OK}


HANDLERS = Handlers(
    "quicksight",
    lambda services: services.data.spice,
    (
        Operation("CreateIngestion", create_ingestion, in_named_account),
        Operation("DescribeIngestion", describe_ingestion, in_named_account),
        Operation("ListIngestions", list_ingestions, in_named_account),
        Operation("CancelIngestion", cancel_ingestion, in_named_account),
    ),
)
