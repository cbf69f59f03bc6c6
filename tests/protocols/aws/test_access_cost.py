"""The access step of the real registry: what it costs in statements, and what it answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from sightgate.bootstrap import Services
from sightgate.platform.errors import AccessDeniedError, NotFoundError
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.dispatch import AwsApi
from sightgate.protocols.aws.handlers import account_gate, build_routes
from sightgate.protocols.aws.pagination import PageTokens
from sightgate.protocols.aws.sigv4 import StaticCredentials

ACCOUNT = "111122223333"
OTHER = "444455556666"


@contextmanager
def counted(services: Services) -> Iterator[list[str]]:
    """The SQL statements run inside the block (not transaction control)."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statement = str(args[2])
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SET")):
            statements.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)


def check(services: Services, account: str, service: str, operation: str, **params: Any) -> None:
    """The dispatcher's access step for one request of ``account``'s key."""
    api = AwsApi(
        build_routes(services),
        StaticCredentials([]),
        authorizer=services.access.authorizer,
        accounts=account_gate(services),
        dev_mode=False,
        token_key=b"k" * 32,
    )
    route = api.routes.get(service, operation)
    assert route is not None
    ctx = RequestContext(
        service, operation, account, "AKID", "us-east-1", "req", False, PageTokens(b"k" * 32)
    )
    api.check_access(route, ctx, params)


def test_a_quicksight_account_decision_runs_no_statement(services: Services) -> None:
    named = {"AwsAccountId": ACCOUNT, "Namespace": "default", "UserName": "alice"}

    with counted(services) as statements:
        check(services, ACCOUNT, "quicksight", "DescribeUser", **named)
        with pytest.raises(AccessDeniedError, match=f"account {OTHER} cannot act on"):
            check(services, OTHER, "quicksight", "DescribeUser", **named)

    assert statements == []


def test_a_store_decision_reads_the_instance_and_hides_other_accounts_stores(
    services: Services, store_id: str
) -> None:
    with counted(services) as statements:
        check(services, ACCOUNT, "identitystore", "ListUsers", IdentityStoreId=store_id)
    with pytest.raises(NotFoundError, match=store_id):
        check(services, OTHER, "identitystore", "ListUsers", IdentityStoreId=store_id)

    assert 1 <= len(statements) <= 2
