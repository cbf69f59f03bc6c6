"""What the dispatcher serves: each operation with the access rule that guards it.

An operation cannot be registered without saying what it acts on: ``Route`` takes its
access rule as a required argument, and ``Routes`` refuses an unknown operation, a
duplicate, or a rule that is not callable, when the app is built. The dispatcher asks
the authorizer about every ``Check`` the rule returns, as the signed request's
``AccountCaller``, for the action ``<signing name>:<Operation>``, before the handler runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from sightgate.analytics.access.authorizer import Target
from sightgate.analytics.principals.model import AccountCaller
from sightgate.protocols.aws import models
from sightgate.protocols.aws.context import Handler, RequestContext


@dataclass(frozen=True)
class Check:
    """One question for the authorizer: may the caller do the operation on ``target``.

    ``unseen`` is the (resource, id) a denial is answered as not finding. IdentityStore
    and SSO Admin answer another account's store or instance, and QuickSight another
    account's ARN, exactly as if it did not exist, so ids are no oracle across tenants.
    """

    target: Target
    unseen: tuple[str, str] | None = None


AccessRule = Callable[[RequestContext, dict[str, Any]], Sequence[Check]]
"""What a request acts on, from its context and validated input."""


class AccountEntry(Enum):
    """What the dispatcher does with the QuickSight account an operation acts on, after
    access is granted and before the handler runs (``AccountGate``)."""

    NONE = "none"
    """Nothing: IdentityStore, SSO Admin, and CreateAccountSubscription (which creates it)."""
    EXISTING = "existing"
    """Check its region if it is subscribed (DeleteAccountSubscription creates nothing)."""
    SUBSCRIBED = "subscribed"
    """Check its region; in dev mode subscribe it first if need be."""


class AccountGate(Protocol):
    """Checks the region of the account a QuickSight call acts on (and in dev mode
    subscribes it on first use); ``handlers.quicksight.accounts`` has the real one."""

    def enter(self, ctx: RequestContext, *, subscribe: bool) -> None:
        """Raise an ``AwsError`` or domain error when the call may not proceed."""
        ...


class Gatekeeper(Protocol):
    """The authorizer, as the dispatcher uses it (``analytics.access.authorizer``)."""

    def require(self, principal: AccountCaller, action: str, target: Target) -> object:
        """Return when allowed; raise ``AccessDeniedError`` (with the reason) when not."""
        ...


@dataclass(frozen=True)
class Route:
    """One implemented operation: its handler and its (required) access rule."""

    service: str
    operation: str
    handler: Handler
    access: AccessRule
    entry: AccountEntry = AccountEntry.NONE

    @property
    def key(self) -> tuple[str, str]:
        """(service, operation), e.g. ``("quicksight", "DescribeUser")``."""
        return self.service, self.operation


class Routes:
    """The routes of one app, checked when built."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._routes: dict[tuple[str, str], Route] = {}
        for route in routes:
            if route.operation not in models.service(route.service).operation_names:
                raise ValueError(f"{route.service} has no operation {route.operation!r}")
            if not callable(route.access):
                raise ValueError(f"{route.service}:{route.operation} has no access rule")
            if route.key in self._routes:
                raise ValueError(f"{route.service}:{route.operation} is registered twice")
            self._routes[route.key] = route

    def get(self, service: str, operation: str) -> Route | None:
        """The route of an operation, or None when it is not implemented."""
        return self._routes.get((service, operation))

    def __iter__(self) -> Iterator[Route]:
        return iter(self._routes.values())

    def __len__(self) -> int:
        return len(self._routes)
