"""Whether an asset a folder is to hold exists: a port onto the contexts that own assets.

Folders hold dashboards, analyses, datasets, data sources and topics, which other
packages store (the data context has datasets and data sources). Those packages sit
beside this one, so the folder service asks through ``MemberCatalog``s handed to it at
wiring; a member type without a catalog (until its context exists) is accepted by id.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection, Table, select

from sightgate.analytics.assets.model import MemberType


class MemberCatalog(Protocol):
    """The assets of one member type."""

    def exists(self, conn: Connection, account_id: str, member_id: str) -> bool:
        """Whether the account has an asset with this id (inside the caller's transaction,
        so a membership is never written for an asset deleted meanwhile)."""
        ...


class TableCatalog:
    """A catalog read from a table keyed by ``account_id`` and an id column."""

    def __init__(self, table: Table, id_column: str) -> None:
        self.table = table
        self.id_column = table.c[id_column]

    def exists(self, conn: Connection, account_id: str, member_id: str) -> bool:
        """One primary-key lookup."""
        query = select(self.id_column).where(
            self.table.c.account_id == account_id, self.id_column == member_id
        )
        return conn.execute(query).first() is not None


MemberCatalogs = dict[MemberType, MemberCatalog]
