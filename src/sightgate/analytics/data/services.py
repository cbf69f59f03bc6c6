"""The data context's services, built together: the catalog (data sources, datasets),
SPICE, the query engine and previews, on one database."""

from __future__ import annotations

from dataclasses import dataclass

from sightgate.analytics.access.services import Access
from sightgate.analytics.data.datasets import DataSetService
from sightgate.analytics.data.preview import PreviewService
from sightgate.analytics.data.query.service import QueryService
from sightgate.analytics.data.sources import DataSourceService
from sightgate.analytics.data.spice.build import BuildLimits
from sightgate.analytics.data.spice.runner import IngestionRunner
from sightgate.analytics.data.spice.service import SpiceService
from sightgate.analytics.data.spice.versions import Layout, SpiceVersions
from sightgate.config import Settings
from sightgate.platform.db import Database
from sightgate.platform.execution import Execution


@dataclass(frozen=True)
class Data:
    """Every use-case service of the data context."""

    sources: DataSourceService
    datasets: DataSetService
    spice: SpiceService
    queries: QueryService
    preview: PreviewService

    @classmethod
    def build(cls, db: Database, settings: Settings, access: Access) -> Data:
        """The services on ``db``: credentials sealed under the settings' server secret,
        S3 read at the settings' endpoint, permissions and searches through ``access``."""
        sources = DataSourceService(
            db,
            access.permissions,
            access.authorizer,
            settings.server_secret,
            s3_endpoint_url=settings.s3_endpoint_url,
            s3_region=settings.s3_region,
        )
        spice = SpiceService(db)
        datasets = DataSetService(
            db,
            access.permissions,
            access.authorizer,
            sources,
            spice=spice,
            versions=SpiceVersions.current,
        )
        queries = QueryService(
            datasets, sources, settings, Execution(db, analytical_workers=settings.query_workers)
        )
        return cls(
            sources=sources,
            datasets=datasets,
            spice=spice,
            queries=queries,
            preview=PreviewService(datasets, queries, access.authorizer),
        )

    def ingestion_runner(self, settings: Settings) -> IngestionRunner:
        """A runner building this process's share of the queued ingestions."""
        return IngestionRunner(
            self.spice.db,
            SpiceVersions(Layout(settings.resolved_spice_dir())),
            self.datasets,
            self.sources,
            BuildLimits(settings.spice_max_upload_bytes),
            poll_interval=settings.event_poll_interval,
        )
