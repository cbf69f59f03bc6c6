"""Domain errors of provisioning."""

from __future__ import annotations

from sightgate.platform.errors import SightgateError


class NotProvisionedError(SightgateError):
    """An identity user may use the account but has no analytics user yet, and
    just-in-time provisioning is off for their namespace (or could not place them)."""

    def __init__(self, identity_store_user_id: str, reason: str) -> None:
        super().__init__(f"user {identity_store_user_id} is not provisioned: {reason}")
        self.identity_store_user_id = identity_store_user_id
        self.reason = reason
