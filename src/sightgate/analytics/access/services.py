"""The access module's services, built together."""

from __future__ import annotations

from dataclasses import dataclass

from sightgate.analytics.access.authorizer import Authorizer
from sightgate.analytics.access.permissions import FolderTree, PermissionService
from sightgate.analytics.directory.identity_source import InstanceReader
from sightgate.analytics.mapping.rules_service import RulesService
from sightgate.analytics.mapping.truth import IdentityTruth
from sightgate.analytics.principals.reader import PrincipalReader
from sightgate.platform.db import Database


@dataclass(frozen=True)
class Access:
    """Resource permissions and the authorizer, on one database."""

    permissions: PermissionService
    authorizer: Authorizer

    @property
    def principals(self) -> PrincipalReader:
        """Who a principal is now (uncached; the authorizer caches its own answers)."""
        return self.authorizer.principals

    @classmethod
    def build(
        cls,
        db: Database,
        truth: IdentityTruth,
        rules: RulesService,
        instances: InstanceReader,
        folders: FolderTree | None = None,
    ) -> Access:
        """Everything wired on ``db``, reading identities through ``truth``; grants pass
        down ``folders`` (none without it)."""
        permissions = PermissionService(db, folders)
        principals = PrincipalReader(db, truth, rules)
        return cls(permissions, Authorizer(db, principals, permissions, instances))
