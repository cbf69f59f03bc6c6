"""The registry of implemented AWS operations, one module per noun.

``quicksight``, ``identitystore`` and ``sso_admin`` each list their modules' ``Handlers``:
every operation with its access rule. ``OPERATIONS`` is static, so
``scripts/api_coverage.py`` can read it without a database; ``build_routes`` binds each
implementation to the one service it needs for the dispatcher. Every other modeled
operation answers NotImplementedException.
"""

from __future__ import annotations

from typing import Any

from sightgate.bootstrap import Services
from sightgate.protocols.aws.handlers import identitystore, quicksight, sso_admin
from sightgate.protocols.aws.handlers.quicksight.accounts import QuickSightAccounts
from sightgate.protocols.aws.handlers.registry import Handlers
from sightgate.protocols.aws.registry import Route

HANDLERS: tuple[Handlers[Any], ...] = (
    *quicksight.HANDLERS,
    *identitystore.HANDLERS,
    *sso_admin.HANDLERS,
)
OPERATIONS: tuple[tuple[str, str], ...] = tuple(
    key for handlers in HANDLERS for key in handlers.keys
)
"""(service, operation) of every implemented operation, in registration order."""


def build_routes(services: Services) -> list[Route]:
    """Every implemented operation, bound to its service in ``services``."""
    return [route for handlers in HANDLERS for route in handlers.routes(services)]


def account_gate(services: Services) -> QuickSightAccounts:
    """The step every QuickSight operation on an account passes first."""
    return QuickSightAccounts(services.directory.accounts)
