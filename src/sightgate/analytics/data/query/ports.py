"""What the query engine needs from the catalog, as Protocols the catalog implements.

The engine reads datasets (a dataset's rules dataset, named by ARN) and the connection of
a DIRECT_QUERY dataset's source; it never reads the catalog's tables itself.
"""

from __future__ import annotations

from typing import Protocol

from sightgate.analytics.data.model import DataSet, PostgresConnection


class DataSetLookup(Protocol):
    """Datasets by ARN, with their current SPICE version filled in."""

    def by_arn(self, account_id: str, arn: str) -> DataSet:
        """The dataset ``arn`` of ``account_id``; ``NotFoundError`` when there is none."""
        ...


class SourceConnections(Protocol):
    """How to reach a data source (its password decrypted only for this)."""

    def postgres(self, account_id: str, data_source_arn: str) -> PostgresConnection:
        """The connection of PostgreSQL source ``data_source_arn``; ``NotFoundError``
        when there is none, ``ValidationError`` when it is not a PostgreSQL source."""
        ...
