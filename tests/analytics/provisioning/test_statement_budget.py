"""A sync_user with nothing to change reads the account's view in a handful of statements
and two transactions, whatever the number of groups the user is in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from sightgate.analytics.directory.model import AccountSubscription
from sightgate.bootstrap import Services
from tests.analytics.conftest import ACCOUNT, last_position
from tests.analytics.provisioning.conftest import Idp

NOOP_SYNC_STATEMENTS = 9
"""4 analytics reads (account with rules, namespaces with role groups, users, groups with
memberships) and 5 identity reads through its services (the instance that serves the
account; the user, e-mails, external ids; their groups); PostgreSQL adds the account's
lock."""


@contextmanager
def counted(services: Services) -> Iterator[tuple[list[str], list[int]]]:
    """The SQL statements run inside the block (not transaction control), and how many
    transactions began."""
    statements: list[str] = []
    began = [0]

    def record(*args: Any) -> None:
        statement = str(args[2])
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SET")):
            statements.append(statement)

    def begin(*args: Any) -> None:
        began[0] += 1

    event.listen(services.db.engine, "before_cursor_execute", record)
    event.listen(services.db.engine, "begin", begin)
    try:
        yield statements, began
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
        event.remove(services.db.engine, "begin", begin)


@pytest.mark.parametrize("group_count", [1, 50])
def test_a_no_op_sync_user_takes_a_few_statements_whatever_the_number_of_groups(
    services: Services, idp: Idp, linked: AccountSubscription, store_id: str, group_count: int
) -> None:
    groups = ["qs-reader-grp", *(f"team-{i}" for i in range(group_count - 1))]
    user_id = idp.user("busy", *groups)
    first = services.provisioning.service.sync_user(ACCOUNT, store_id, user_id)
    assert sum(c.kind == "add-member" for c in first.changes) == group_count
    position = last_position(services.db)

    with counted(services) as (statements, began):
        result = services.provisioning.service.sync_user(ACCOUNT, store_id, user_id)

    assert result.changes == () and last_position(services.db) == position
    lock = 1 if services.db.engine.dialect.name == "postgresql" else 0
    assert len(statements) <= NOOP_SYNC_STATEMENTS + lock, statements
    assert began[0] <= 2  # the unit of work and one read of the identity store
