"""Wiring: the database and the services built on it, for the CLI, server and worker."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sightgate.analytics.access.authorizer import may_change_identity_source_records
from sightgate.analytics.access.services import Access
from sightgate.analytics.access_keys import AccessKeyService
from sightgate.analytics.assets import dashboard_tables
from sightgate.analytics.assets.analyses import AnalysisService
from sightgate.analytics.assets.dashboards import DashboardService
from sightgate.analytics.assets.folders import FolderService
from sightgate.analytics.assets.members import MemberCatalogs, TableCatalog
from sightgate.analytics.assets.model import MemberType
from sightgate.analytics.assets.templates import TemplateService
from sightgate.analytics.assets.themes import ThemeService
from sightgate.analytics.assets.tree import FolderPaths
from sightgate.analytics.assets.versions import ContentBuilder
from sightgate.analytics.assets.visuals import VisualDataService
from sightgate.analytics.assets.visuals.render import DashboardRenderer
from sightgate.analytics.data import tables as data_tables
from sightgate.analytics.data.services import Data
from sightgate.analytics.directory.services import Directory
from sightgate.analytics.embedding.service import EmbeddingService
from sightgate.analytics.provisioning.services import Provisioning
from sightgate.analytics.signin.jit import JitProvisioning
from sightgate.config import Settings
from sightgate.identity.directory import IdentityStoreService
from sightgate.identity.instances import InstanceService
from sightgate.identity.scim_tokens import ScimTokenService
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError


@dataclass(frozen=True)
class Services:
    """Every use-case service of one process, sharing one database."""

    db: Database
    instances: InstanceService
    identity: IdentityStoreService
    scim_tokens: ScimTokenService
    directory: Directory
    access_keys: AccessKeyService
    provisioning: Provisioning
    access: Access
    jit: JitProvisioning
    data: Data
    folders: FolderService
    templates: TemplateService
    themes: ThemeService
    public_url: str | None = None
    """The URL clients reach the server at (``Settings.public_url``); None: the request's."""
    embed_allowed_domains: tuple[str, ...] = ()
    """Domains that may frame embed sessions whose request named none."""

    @classmethod
    def build(cls, settings: Settings) -> Services:
        """Open the configured store and build the services on it."""
        settings.ensure_data_dir()
        db = Database(
            settings.resolved_database_url(),
            statement_timeout_ms=settings.statement_timeout_ms,
            in_place=settings.in_place,
        )
        instances = InstanceService(db)
        identity = IdentityStoreService(db)
        directory = Directory.build(
            db,
            instances,
            may_change_identity_source_records,
            namespace_limit=settings.namespace_limit,
        )
        provisioning = Provisioning.build(db, directory, identity, instances)
        access = Access.build(
            db, provisioning.service.truth, provisioning.rules, instances, FolderPaths()
        )
        data = Data.build(db, settings, access)
        return cls(
            db=db,
            instances=instances,
            identity=identity,
            scim_tokens=ScimTokenService(db),
            directory=directory,
            access_keys=AccessKeyService(db, settings.server_secret),
            provisioning=provisioning,
            access=access,
            jit=JitProvisioning(db, provisioning.service, access.principals, provisioning.rules),
            data=data,
            folders=FolderService(db, access, member_catalogs()),
            templates=TemplateService(db, access.permissions, data.datasets),
            themes=ThemeService(db, access.permissions),
            public_url=settings.public_url,
            embed_allowed_domains=settings.resolved_embed_allowed_domains(),
        )

    @cached_property
    def asset_content(self) -> ContentBuilder:
        """How dashboards and analyses check their content: the data catalog's datasets,
        the templates, and the themes (built once, on first use)."""
        return ContentBuilder(self.data.datasets, self.templates, self._theme_exists)

    def _theme_exists(self, account_id: str, theme_arn: str) -> bool:
        try:
            self.themes.resolve(account_id, theme_arn)
        except NotFoundError:
            return False
        return True

    @cached_property
    def dashboards(self) -> DashboardService:
        """Dashboards, their versions, permissions and search."""
        return DashboardService(self.db, self.access, self.asset_content)

    @cached_property
    def analyses(self) -> AnalysisService:
        """Analyses, their permissions, deletion and search."""
        return AnalysisService(self.db, self.access, self.asset_content)

    @cached_property
    def renderer(self) -> DashboardRenderer:
        """Dashboards' sheets drawn as a viewer sees them (the CLI's render, the embed
        page's data)."""
        return DashboardRenderer(
            self.db,
            self.dashboards,
            self.data.datasets,
            self.access.authorizer,
            VisualDataService(self.data.queries),
        )

    @cached_property
    def embedding(self) -> EmbeddingService:
        """Embed URLs and the embed sessions they open."""
        return EmbeddingService(
            self.db,
            self.access,
            self.dashboards,
            public_url=self.public_url,
            default_domains=self.embed_allowed_domains,
        )


def member_catalogs() -> MemberCatalogs:
    """Where folders look up the assets they are to hold: datasets and data sources in the
    data context's tables, dashboards and analyses in the assets'; topics (not built) are
    taken by id."""
    return {
        MemberType.DATASET: TableCatalog(data_tables.data_sets, "data_set_id"),
        MemberType.DATASOURCE: TableCatalog(data_tables.data_sources, "data_source_id"),
        MemberType.DASHBOARD: TableCatalog(dashboard_tables.dashboards, "dashboard_id"),
        MemberType.ANALYSIS: TableCatalog(dashboard_tables.analyses, "analysis_id"),
    }
