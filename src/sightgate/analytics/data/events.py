"""The catalog's domain events: data sources and datasets created, updated, deleted.

Every event's ``scope`` is the account id. Payloads name the resource and what it is,
never a credential: a data source event carries its type and parameters (host, port,
database, bucket), a dataset event its import mode and the data sources it reads.
"""

from __future__ import annotations

from sightgate.analytics.data.model import DataSet, DataSource, RelationalTable
from sightgate.platform.events import DomainEvent

DATA_SOURCE_CREATED = "analytics.DataSourceCreated"
DATA_SOURCE_UPDATED = "analytics.DataSourceUpdated"
DATA_SOURCE_DELETED = "analytics.DataSourceDeleted"
DATA_SET_CREATED = "analytics.DataSetCreated"
DATA_SET_UPDATED = "analytics.DataSetUpdated"
DATA_SET_DELETED = "analytics.DataSetDeleted"


def data_source_event(type_: str, source: DataSource) -> DomainEvent:
    """An event about a data source (its status is the connection test's outcome)."""
    return DomainEvent(
        type=type_,
        aggregate_type="DataSource",
        aggregate_id=source.arn,
        scope=source.account_id,
        payload={
            "DataSourceId": source.data_source_id,
            "Arn": source.arn,
            "Name": source.name,
            "Type": source.type.value,
            "DataSourceParameters": dict(source.parameters),
            "Status": source.status.value,
            "ErrorType": source.error.type if source.error else None,
        },
    )


def data_set_event(type_: str, data_set: DataSet) -> DomainEvent:
    """An event about a dataset: its mode and the data sources it reads."""
    sources = sorted(
        {
            table.data_source_arn
            for table in data_set.physical_tables.values()
            if table.data_source_arn is not None
        }
    )
    return DomainEvent(
        type=type_,
        aggregate_type="DataSet",
        aggregate_id=data_set.arn,
        scope=data_set.account_id,
        payload={
            "DataSetId": data_set.data_set_id,
            "Arn": data_set.arn,
            "Name": data_set.name,
            "ImportMode": data_set.import_mode.value,
            "DataSourceArns": sources,
            "RelationalTables": sorted(
                f"{t.schema or ''}.{t.name}"
                for t in data_set.physical_tables.values()
                if isinstance(t, RelationalTable)
            ),
            "RowLevelPermissionDataSetArn": (
                data_set.row_level_permission_data_set.arn
                if data_set.row_level_permission_data_set
                else None
            ),
        },
    )
