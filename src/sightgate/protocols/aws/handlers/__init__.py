"""The registry of implemented AWS operations: (service, operation) -> handler.

``service`` is ``quicksight``, ``identitystore`` or ``sso-admin``; ``operation`` is the
model's operation name (``DescribeUser``). The dispatcher serves exactly these; every
other modeled operation answers NotImplementedException, and ``scripts/api_coverage.py``
reads this registry to write ``docs/api-coverage.md``.
"""

from __future__ import annotations

from sightgate.protocols.aws.context import Handler

HANDLERS: dict[tuple[str, str], Handler] = {}
