"""SPICE ingestion from an S3 source: the manifest's files read from moto's S3 in server
mode (an S3-compatible endpoint, as SIGHTGATE_S3_ENDPOINT_URL names one), and the
failures an S3 source can have answered as FAILED ingestions with ErrorInfo."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sightgate.analytics.data.connectivity import S3Connection
from sightgate.analytics.data.model import S3Source, UploadSettings
from sightgate.analytics.data.spice.model import IngestionStatus
from sightgate.analytics.data.spice.service import SpiceService
from sightgate.analytics.data.spice.versions import Layout
from sightgate.platform.db import Database
from sightgate.platform.errors import NotFoundError
from tests.analytics.conftest import ACCOUNT, ACTOR
from tests.analytics.data.catalog.conftest import s3_client, s3_endpoint
from tests.analytics.data.spice.conftest import SALES_COLUMNS, Catalog, make_runner, write_sales
from tests.analytics.data.spice.test_service import rows_of

__all__ = ["s3_endpoint"]  # moto's S3 server, a fixture of the catalog tests

SOURCE_ARN = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:datasource/sales-bucket"


@dataclass
class S3Catalog(Catalog):
    """The spice tests' catalog, with one S3 source whose manifest is in moto."""

    endpoint: str = ""
    manifest_key: str = "manifests/sales.json"

    def s3(self, account_id: str, data_source_arn: str) -> S3Connection:
        if data_source_arn != SOURCE_ARN:
            raise NotFoundError("DataSource", data_source_arn)
        return S3Connection(
            "sales-bucket",
            self.manifest_key,
            self.endpoint,
            "us-east-1",
            access_key_id="AKIAMOTO",
            secret_access_key="moto-secret",
        )


def _bucket(endpoint: str, tmp_path: Path) -> Any:
    """A bucket with two CSV parts of the sales and a manifest naming them."""
    client = s3_client(endpoint)
    client.create_bucket(Bucket="sales-bucket")
    for part, rows in (("a", 6), ("b", 4)):
        path = write_sales(tmp_path / f"{part}.csv", rows)
        client.put_object(Bucket="sales-bucket", Key=f"data/{part}.csv", Body=path.read_bytes())
    manifest = {
        "fileLocations": [
            {"URIs": ["s3://sales-bucket/data/a.csv"]},
            {"URIPrefixes": ["s3://sales-bucket/data/b"]},
        ],
        "globalUploadSettings": {"format": "CSV", "containsHeader": "true"},
    }
    client.put_object(Bucket="sales-bucket", Key="manifests/sales.json", Body=json.dumps(manifest))
    return client


def test_an_s3_manifests_files_become_a_version(
    db: Database,
    account: Any,
    spice: SpiceService,
    layout: Layout,
    tmp_path: Path,
    s3_endpoint: str,
) -> None:
    _bucket(s3_endpoint, tmp_path)
    catalog = S3Catalog(db, endpoint=s3_endpoint)
    catalog.add("sales", {"s3": S3Source(SOURCE_ARN, UploadSettings(), SALES_COLUMNS)})
    spice.create(ACCOUNT, "sales", "from-s3", None, actor=ACTOR)
    runner = make_runner(db, layout, catalog)
    try:
        done = runner.run_next()
    finally:
        runner.close()
    assert done is not None and done.status is IngestionStatus.COMPLETED, done
    assert (done.rows_ingested, done.total_rows) == (10, 10)
    assert rows_of(db, "sales") == 10


def test_a_missing_manifest_fails_the_ingestion_naming_it(
    db: Database,
    account: Any,
    spice: SpiceService,
    layout: Layout,
    tmp_path: Path,
    s3_endpoint: str,
) -> None:
    _bucket(s3_endpoint, tmp_path)
    catalog = S3Catalog(db, endpoint=s3_endpoint, manifest_key="manifests/absent.json")
    catalog.add("sales", {"s3": S3Source(SOURCE_ARN, UploadSettings(), SALES_COLUMNS)})
    spice.create(ACCOUNT, "sales", "no-manifest", None, actor=ACTOR)
    runner = make_runner(db, layout, catalog)
    try:
        done = runner.run_next()
    finally:
        runner.close()
    assert done is not None and done.status is IngestionStatus.FAILED
    assert done.error is not None and done.error.type == "S3_MANIFEST_ERROR"
    assert "s3://sales-bucket/manifests/absent.json" in done.error.message
    assert "moto-secret" not in done.error.message
