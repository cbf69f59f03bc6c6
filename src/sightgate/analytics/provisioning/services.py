"""Provisioning's services, built together."""

from __future__ import annotations

from dataclasses import dataclass

from sightgate.analytics.directory.services import Directory
from sightgate.analytics.mapping.rules_service import RulesService
from sightgate.analytics.mapping.truth import IdentityTruth
from sightgate.analytics.provisioning.projector import ProvisioningSubscriber
from sightgate.analytics.provisioning.sync import ProvisioningService
from sightgate.identity.directory import IdentityStoreService
from sightgate.identity.instances import InstanceService
from sightgate.platform.db import Database


@dataclass(frozen=True)
class Provisioning:
    """Rules and the provisioning service, on one database."""

    rules: RulesService
    service: ProvisioningService

    @classmethod
    def build(
        cls,
        db: Database,
        directory: Directory,
        identity: IdentityStoreService,
        instances: InstanceService,
    ) -> Provisioning:
        """Everything wired on ``db`` and the given directory and identity services."""
        truth = IdentityTruth(identity, instances)
        rules = RulesService(db)
        return cls(rules, ProvisioningService(db, directory, truth, rules))

    def subscriber(self) -> ProvisioningSubscriber:
        """The subscriber ``sightgate worker`` runs by default."""
        return ProvisioningSubscriber(self.service)
