"""SSO Admin operations over the identity context's instances."""

from __future__ import annotations

from sightgate.protocols.aws.handlers.sso_admin import instances

HANDLERS = (instances.HANDLERS,)
