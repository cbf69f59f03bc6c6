"""The directory's services, built together (one per aggregate, as QuickSight groups its
operations)."""

from __future__ import annotations

from dataclasses import dataclass

from sightgate.analytics.directory.accounts import AccountService
from sightgate.analytics.directory.groups import GroupService
from sightgate.analytics.directory.identity_source import IdentitySourceWriters, InstanceReader
from sightgate.analytics.directory.memberships import GroupMembershipService
from sightgate.analytics.directory.namespaces import DEFAULT_NAMESPACE_LIMIT, NamespaceService
from sightgate.analytics.directory.roles import RoleMembershipService
from sightgate.analytics.directory.tags import TagService
from sightgate.analytics.directory.users import UserService
from sightgate.platform.db import Database


@dataclass(frozen=True)
class Directory:
    """Every use-case service of the analytics directory, on one database."""

    accounts: AccountService
    namespaces: NamespaceService
    users: UserService
    groups: GroupService
    memberships: GroupMembershipService
    roles: RoleMembershipService
    tags: TagService

    @classmethod
    def build(
        cls,
        db: Database,
        instances: InstanceReader,
        writers: IdentitySourceWriters,
        *,
        namespace_limit: int = DEFAULT_NAMESPACE_LIMIT,
    ) -> Directory:
        """The services on ``db``; ``instances`` is the identity context's read of the
        instances an account may link to; ``writers`` says who may change what the identity
        source provisioned (the authorizer's rule); ``namespace_limit`` caps namespaces per
        account."""
        return cls(
            accounts=AccountService(db, instances),
            namespaces=NamespaceService(db, namespace_limit=namespace_limit),
            users=UserService(db, writers),
            groups=GroupService(db, writers),
            memberships=GroupMembershipService(db, writers),
            roles=RoleMembershipService(db),
            tags=TagService(db),
        )
