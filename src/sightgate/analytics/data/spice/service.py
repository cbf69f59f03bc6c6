"""SpiceService: CreateIngestion, DescribeIngestion, ListIngestions, CancelIngestion, and
``start``, which the catalog calls when a SPICE dataset is created or edited.

Asking for an ingestion only queues it (a row, in the caller's transaction); a runner
(``runner.py``) builds it in the background. A dataset has at most one ingestion RUNNING
and one QUEUED behind it (QuickSight's ``QueueInfo``); asking for a third is
``LimitExceededException``, an id used before is ``ResourceExistsException``.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, insert, or_, select
from sqlalchemy.exc import IntegrityError

from sightgate.analytics.data.model import DataSet, ImportMode
from sightgate.analytics.data.spice import ingestions as repository
from sightgate.analytics.data.spice.ingestions import Key
from sightgate.analytics.data.spice.model import (
    CANCELLED,
    Ingestion,
    IngestionStatus,
    RequestSource,
    RequestType,
    ingestion_arn,
)
from sightgate.analytics.data.spice.tables import ingestions
from sightgate.analytics.data.tables import data_sets
from sightgate.platform.db import Database, violated_constraint
from sightgate.platform.errors import (
    ConflictError,
    NotFoundError,
    QuotaExceededError,
    ValidationError,
)
from sightgate.platform.events import Actor
from sightgate.platform.pagination import Page, clamp_limit
from sightgate.platform.uow import UnitOfWork

INGESTION_ID = re.compile(r"[a-zA-Z0-9_-]{1,128}")
REFRESH_TYPES = (RequestType.FULL_REFRESH, RequestType.INCREMENTAL_REFRESH)
_KEY_SEPARATOR = "|"


class SpiceService:
    """The ingestions of SPICE datasets."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def start(
        self,
        uow: UnitOfWork,
        data_set: DataSet,
        ingestion_id: str | None,
        request_type: RequestType | str,
        *,
        request_source: RequestSource = RequestSource.MANUAL,
    ) -> Ingestion:
        """Queue an ingestion of ``data_set`` in ``uow``'s transaction (its id generated
        when None): the dataset's first (``INITIAL_INGESTION``) or after an ``EDIT``."""
        if data_set.import_mode is not ImportMode.SPICE:
            raise ValidationError("ImportMode", "only SPICE datasets are ingested")
        return self._enqueue(
            uow,
            (data_set.account_id, data_set.data_set_id, _ingestion_id(ingestion_id)),
            data_set.arn,
            RequestType(request_type),
            request_source,
        )

    def create(
        self,
        account_id: str,
        data_set_id: str,
        ingestion_id: str,
        ingestion_type: str | None,
        *,
        actor: Actor,
    ) -> Ingestion:
        """CreateIngestion: a FULL_REFRESH (default) or INCREMENTAL_REFRESH of a SPICE
        dataset. An incremental refresh rebuilds the whole version too (same rows)."""
        kind = RequestType(ingestion_type) if ingestion_type else RequestType.FULL_REFRESH
        if kind not in REFRESH_TYPES:
            raise ValidationError("IngestionType", "must be FULL_REFRESH or INCREMENTAL_REFRESH")
        with UnitOfWork(self.db, actor) as uow:
            found = uow.conn.execute(
                select(data_sets.c.arn, data_sets.c.import_mode)
                .where(data_sets.c.account_id == account_id, data_sets.c.data_set_id == data_set_id)
                .with_for_update()
            ).first()
            if found is None:
                raise NotFoundError("DataSet", data_set_id)
            if found.import_mode != ImportMode.SPICE.value:
                raise ValidationError(
                    "DataSetId",
                    f"dataset {data_set_id!r} is {found.import_mode}: only SPICE "
                    "datasets have ingestions",
                )
            key = (account_id, data_set_id, _ingestion_id(ingestion_id))
            return self._enqueue(uow, key, found.arn, kind, RequestSource.MANUAL)

    def describe(self, account_id: str, data_set_id: str, ingestion_id: str) -> Ingestion:
        """DescribeIngestion."""
        with self.db.read() as conn:
            found = repository.read(conn, (account_id, data_set_id, ingestion_id))
        if found is None:
            raise NotFoundError("Ingestion", ingestion_id)
        return found

    def list(
        self, account_id: str, data_set_id: str, *, limit: int = 100, after: str | None = None
    ) -> Page[Ingestion]:
        """ListIngestions: newest first."""
        size = clamp_limit(limit)
        c = ingestions.c
        query = (
            select(ingestions)
            .where(c.account_id == account_id, c.data_set_id == data_set_id)
            .order_by(c.created.desc(), c.ingestion_id.desc())
            .limit(size + 1)
        )
        if after is not None:
            created, ingestion_id = _parse_key(after)
            query = query.where(
                or_(c.created < created, and_(c.created == created, c.ingestion_id < ingestion_id))
            )
        with self.db.read() as conn:
            if not _data_set_exists(conn, account_id, data_set_id):
                raise NotFoundError("DataSet", data_set_id)
            rows = conn.execute(query).mappings().all()
            found = repository.with_queue_info(conn, [repository.to_ingestion(r) for r in rows])
        items = found[:size]
        next_key = _key(items[-1]) if len(found) > size else None
        return Page(items, next_key)

    def cancel(
        self, account_id: str, data_set_id: str, ingestion_id: str, *, actor: Actor
    ) -> Ingestion:
        """CancelIngestion: a QUEUED or RUNNING ingestion becomes CANCELLED at once (a
        running build stops at its runner's next beat and leaves the version as it was);
        a finished one cannot be cancelled."""
        key = (account_id, data_set_id, ingestion_id)
        with UnitOfWork(self.db, actor) as uow:
            found = repository.read(uow.conn, key)
            if found is None:
                raise NotFoundError("Ingestion", ingestion_id)
            if not repository.cancel(uow.conn, key, datetime.now(UTC), CANCELLED):
                raise ValidationError(
                    "IngestionId",
                    f"ingestion {ingestion_id!r} has already finished ({found.status.value}); "
                    "only a QUEUED or RUNNING ingestion can be cancelled",
                )
            uow.emit(repository.event(repository.INGESTION_CANCELLED, found))
            cancelled = repository.read(uow.conn, key)
        assert cancelled is not None  # the row was updated in this transaction
        return cancelled

    def _enqueue(
        self,
        uow: UnitOfWork,
        key: Key,
        data_set_arn: str,
        request_type: RequestType,
        request_source: RequestSource,
    ) -> Ingestion:
        account_id, data_set_id, ingestion_id = key
        conn = uow.conn
        if repository.read(conn, key) is not None:
            raise ConflictError("Ingestion", "IngestionId", ingestion_id)
        active = repository.active_of(conn, account_id, data_set_id)
        if any(i.status is IngestionStatus.QUEUED for i in active):
            raise QuotaExceededError("queued ingestion", 1, "dataset")
        ingestion = Ingestion(
            account_id=account_id,
            data_set_id=data_set_id,
            ingestion_id=ingestion_id,
            arn=ingestion_arn(data_set_arn, ingestion_id),
            status=IngestionStatus.QUEUED,
            request_type=request_type,
            request_source=request_source,
            created=datetime.now(UTC),
            queued_behind=next((i.ingestion_id for i in active), None),
        )
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(ingestions).values(
                        account_id=account_id,
                        data_set_id=data_set_id,
                        ingestion_id=ingestion_id,
                        arn=ingestion.arn,
                        status=ingestion.status.value,
                        request_type=request_type.value,
                        request_source=request_source.value,
                        created=ingestion.created,
                    )
                )
        except IntegrityError as error:  # another transaction got there first
            if violated_constraint(error) == "pk_analytics_ingestions":
                raise ConflictError("Ingestion", "IngestionId", ingestion_id) from None
            raise QuotaExceededError("queued ingestion", 1, "dataset") from None
        uow.emit(repository.event(repository.INGESTION_QUEUED, ingestion))
        return ingestion


def _ingestion_id(value: str | None) -> str:
    if value is None:
        return str(uuid.uuid4())
    if not INGESTION_ID.fullmatch(value):
        raise ValidationError("IngestionId", "must be 1 to 128 characters of [a-zA-Z0-9-_]")
    return value


def _data_set_exists(conn: Connection, account_id: str, data_set_id: str) -> bool:
    return (
        conn.execute(
            select(data_sets.c.data_set_id).where(
                data_sets.c.account_id == account_id, data_sets.c.data_set_id == data_set_id
            )
        ).first()
        is not None
    )


def _key(ingestion: Ingestion) -> str:
    return f"{ingestion.created.isoformat()}{_KEY_SEPARATOR}{ingestion.ingestion_id}"


def _parse_key(after: str) -> tuple[datetime, str]:
    created, separator, ingestion_id = after.partition(_KEY_SEPARATOR)
    try:
        if not separator:
            raise ValueError(after)
        return datetime.fromisoformat(created), ingestion_id
    except ValueError:
        raise ValidationError("NextToken", "is not a token this list issued") from None
