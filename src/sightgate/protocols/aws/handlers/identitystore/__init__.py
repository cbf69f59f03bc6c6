"""IdentityStore operations over the identity store's services, one module per noun."""

from __future__ import annotations

from sightgate.protocols.aws.handlers.identitystore import groups, memberships, stores, users

HANDLERS = (users.HANDLERS, groups.HANDLERS, memberships.HANDLERS, stores.HANDLERS)
