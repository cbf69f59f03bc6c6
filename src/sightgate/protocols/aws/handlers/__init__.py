"""The registry of implemented AWS operations: (service, operation) -> implementation.

``service`` is ``quicksight``, ``identitystore`` or ``sso-admin``; ``operation`` is the
model's operation name (``DescribeUser``). ``OPERATIONS`` is static, so
``scripts/api_coverage.py`` can read it without a database; ``build_handlers`` binds each
implementation to a process's services for the dispatcher. Every other modeled operation
answers NotImplementedException.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sightgate.bootstrap import Services
from sightgate.protocols.aws.context import Handler, RequestContext
from sightgate.protocols.aws.handlers import identitystore, quicksight

Implementation = Callable[[Services, RequestContext, dict[str, Any]], dict[str, Any]]

OPERATIONS: dict[tuple[str, str], Implementation] = {
    **{("quicksight", name): op for name, op in quicksight.OPERATIONS.items()},
    **{("identitystore", name): op for name, op in identitystore.IDENTITYSTORE.items()},
    **{("sso-admin", name): op for name, op in identitystore.SSO_ADMIN.items()},
}


def build_handlers(services: Services) -> dict[tuple[str, str], Handler]:
    """Every implemented operation, bound to ``services``."""
    return {key: partial(operation, services) for key, operation in OPERATIONS.items()}
