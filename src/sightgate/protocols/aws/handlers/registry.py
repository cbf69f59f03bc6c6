"""How a handler module registers its operations.

Each module (one noun: QuickSight users, IdentityStore groups, SSO Admin instances, ...)
declares one ``Handlers``: the service it needs, picked out of ``Services``, and its
operations, each with its access rule. The table is static, so the API coverage page can
be generated without a database; ``routes`` binds each implementation to that one
service for the dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from sightgate.bootstrap import Services
from sightgate.protocols.aws.context import RequestContext
from sightgate.protocols.aws.registry import AccessRule, AccountEntry, Route

S = TypeVar("S")
Params = dict[str, Any]
Output = dict[str, Any]
OK: Output = {"Status": 200}
CREATED: Output = {"Status": 201}


@dataclass(frozen=True)
class Operation(Generic[S]):
    """An operation: its model name, its implementation (given its service first) and
    the rule saying what it acts on. ``entry`` None is the service's default: QuickSight
    operations enter their account (``AccountEntry.SUBSCRIBED``), the others nothing."""

    name: str
    run: Callable[[S, RequestContext, Params], Output]
    access: AccessRule
    entry: AccountEntry | None = None


@dataclass(frozen=True)
class Handlers(Generic[S]):
    """One module's operations of ``service`` and the one service object they run on."""

    service: str
    needs: Callable[[Services], S]
    operations: tuple[Operation[S], ...]

    @property
    def keys(self) -> list[tuple[str, str]]:
        """(service, operation) of each operation."""
        return [(self.service, op.name) for op in self.operations]

    def routes(self, services: Services) -> list[Route]:
        """The operations bound to their service in ``services``."""
        dependency = self.needs(services)
        default = AccountEntry.SUBSCRIBED if self.service == "quicksight" else AccountEntry.NONE
        return [
            Route(
                self.service,
                op.name,
                partial(op.run, dependency),
                op.access,
                op.entry if op.entry is not None else default,
            )
            for op in self.operations
        ]
