"""SPICE's values: an ingestion as DescribeIngestion shows it, and a build's progress.

Plain frozen values, no I/O; ``service.py`` reads and writes them, ``runner.py`` moves
ingestions through their statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sightgate.analytics.data.model import ErrorInfo


class IngestionStatus(StrEnum):
    """QuickSight's ``IngestionStatus``. sightgate never reports INITIALIZED: an
    ingestion is QUEUED from the transaction that asks for it."""

    INITIALIZED = "INITIALIZED"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    FAILED = "FAILED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"

    @property
    def finished(self) -> bool:
        """Whether the ingestion can no longer change."""
        return self in FINISHED


FINISHED = frozenset({IngestionStatus.FAILED, IngestionStatus.COMPLETED, IngestionStatus.CANCELLED})
ACTIVE = (IngestionStatus.QUEUED, IngestionStatus.RUNNING)


class RequestType(StrEnum):
    """Why an ingestion runs (``IngestionRequestType``)."""

    INITIAL_INGESTION = "INITIAL_INGESTION"
    EDIT = "EDIT"
    INCREMENTAL_REFRESH = "INCREMENTAL_REFRESH"
    FULL_REFRESH = "FULL_REFRESH"


class RequestSource(StrEnum):
    """Who asked for it (``IngestionRequestSource``): a caller, or a refresh schedule."""

    MANUAL = "MANUAL"
    SCHEDULED = "SCHEDULED"


STOPPED_SERVER = ErrorInfo(
    "INTERNAL_SERVICE_ERROR", "the server stopped during the ingestion; start a new one"
)
"""The error of an ingestion whose process died (or was stopped) while it ran."""
CANCELLED = ErrorInfo("INGESTION_CANCELED", "the ingestion was cancelled")


@dataclass(frozen=True)
class Ingestion:
    """One ingestion of a SPICE dataset. ``rows_ingested`` counts the rows staged so far
    while it runs, and the rows of the new version once it has completed."""

    account_id: str
    data_set_id: str
    ingestion_id: str
    arn: str
    status: IngestionStatus
    request_type: RequestType
    request_source: RequestSource
    created: datetime
    started: datetime | None = None
    finished: datetime | None = None
    error: ErrorInfo | None = None
    rows_ingested: int | None = None
    rows_dropped: int | None = None
    total_rows: int | None = None
    size_bytes: int | None = None
    progress: float | None = None
    """Fraction of the build done (0..1) while it runs, as far as it can be told."""
    queued_behind: str | None = None
    """The id of the ingestion this QUEUED one waits for (``QueueInfo``), if any."""

    @property
    def data_set_arn(self) -> str:
        """The dataset's ARN (the ingestion's ARN without ``/ingestion/<id>``)."""
        return self.arn.rsplit("/ingestion/", 1)[0]

    @property
    def seconds(self) -> int | None:
        """``IngestionTimeInSeconds``: from start to finish, once finished."""
        if self.started is None or self.finished is None:
            return None
        return max(0, round((self.finished - self.started).total_seconds()))


@dataclass(frozen=True)
class Progress:
    """How far a build has come: rows staged so far, and the fraction done if known."""

    rows: int = 0
    fraction: float | None = None


def ingestion_arn(data_set_arn: str, ingestion_id: str) -> str:
    """``arn:aws:quicksight:<region>:<account>:dataset/<DataSetId>/ingestion/<IngestionId>``
    (the IAM resource form; moto's ``data-set/…/ingestions/…`` is not what AWS uses)."""
    return f"{data_set_arn}/ingestion/{ingestion_id}"
