"""The browser suite's stack: the seed scenario loaded (``sightgate demo load``), a
sightgate server on HTTPS with a certificate made here, an ISV's page on another origin
(a tiny HTTP server: the SDK from ``node_modules``, exactly as npm ships it), and
Debian's Chromium driven by Playwright.

What the suite adds to the seed: ``customer-rows``, a dashboard on ``common-sales`` whose
table shows each row's customer (with a region parameter and a second sheet holding a
chart and a visual type sightgate does not draw), and ``tagged-rows`` on a copy of the
sales data with a tag rule on ``customer``, for anonymous sessions.
"""

from __future__ import annotations

import http.server
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.platform.events import Actor
from tests.e2e.helpers import cli_env, free_port, run_cli

ROOT = Path(__file__).resolve().parents[3]
ISV_DIR = Path(__file__).parent / "isv"
SDK_DIR = ROOT / "node_modules" / "amazon-quicksight-embedding-sdk" / "dist"
CHROMIUM = Path("/usr/bin/chromium")
ACCOUNT = "111122223333"
PREFIX = f"arn:aws:quicksight:us-east-1:{ACCOUNT}"
ACTOR = Actor("test", "browser")
VIEWER_ACTIONS = [
    "quicksight:DescribeDashboard",
    "quicksight:QueryDashboard",
    "quicksight:ListDashboardVersions",
]

pytestmark = pytest.mark.e2e


def _skip_reason() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "needs the playwright package (dev extras)"
    if not CHROMIUM.exists():
        return "needs Debian's chromium (/usr/bin/chromium; .ci/run installs it)"
    if not (SDK_DIR / "quicksight-embedding-js-sdk.min.js").exists():
        return "needs node_modules (npm ci): amazon-quicksight-embedding-sdk"
    return None


def column(name: str) -> dict[str, str]:
    return {"DataSetIdentifier": "sales", "ColumnName": name}


def rows_definition(data_set_arn: str) -> dict[str, Any]:
    """A table of customer, region and revenue, filtered by the region parameter; and a
    second sheet with a bar chart and a scatter plot (not drawn by sightgate)."""
    table = {
        "TableVisual": {
            "VisualId": "rows",
            "Title": {"Visibility": "VISIBLE", "FormatText": {"PlainText": "Rows"}},
            "ChartConfiguration": {
                "FieldWells": {
                    "TableAggregatedFieldWells": {
                        "GroupBy": [
                            {
                                "CategoricalDimensionField": {
                                    "FieldId": "customer",
                                    "Column": column("customer"),
                                }
                            },
                            {
                                "CategoricalDimensionField": {
                                    "FieldId": "region",
                                    "Column": column("region"),
                                }
                            },
                        ],
                        "Values": [
                            {
                                "NumericalMeasureField": {
                                    "FieldId": "revenue",
                                    "Column": column("revenue"),
                                    "AggregationFunction": {"SimpleNumericalAggregation": "SUM"},
                                    "FormatConfiguration": {
                                        "FormatConfiguration": {
                                            "CurrencyDisplayFormatConfiguration": {
                                                "Symbol": "USD",
                                                "DecimalPlacesConfiguration": {"DecimalPlaces": 0},
                                            }
                                        }
                                    },
                                }
                            }
                        ],
                    }
                }
            },
        }
    }
    bar = {
        "BarChartVisual": {
            "VisualId": "by-product",
            "Title": {"Visibility": "VISIBLE", "FormatText": {"PlainText": "Revenue by product"}},
            "ChartConfiguration": {
                "FieldWells": {
                    "BarChartAggregatedFieldWells": {
                        "Category": [
                            {
                                "CategoricalDimensionField": {
                                    "FieldId": "product",
                                    "Column": column("product"),
                                }
                            }
                        ],
                        "Values": [
                            {
                                "NumericalMeasureField": {
                                    "FieldId": "product-revenue",
                                    "Column": column("revenue"),
                                    "AggregationFunction": {"SimpleNumericalAggregation": "SUM"},
                                }
                            }
                        ],
                    }
                },
                "Orientation": "HORIZONTAL",
            },
        }
    }
    return {
        "DataSetIdentifierDeclarations": [{"Identifier": "sales", "DataSetArn": data_set_arn}],
        "ParameterDeclarations": [
            {
                "StringParameterDeclaration": {
                    "Name": "pRegion",
                    "ParameterValueType": "MULTI_VALUED",
                    "DefaultValues": {"StaticValues": []},
                }
            }
        ],
        "FilterGroups": [
            {
                "FilterGroupId": "fg-region",
                "CrossDataset": "SINGLE_DATASET",
                "ScopeConfiguration": {"AllSheets": {}},
                "Filters": [
                    {
                        "CategoryFilter": {
                            "FilterId": "f-region",
                            "Column": column("region"),
                            "Configuration": {
                                "CustomFilterConfiguration": {
                                    "MatchOperator": "EQUALS",
                                    "ParameterName": "pRegion",
                                    "NullOption": "NON_NULLS_ONLY",
                                }
                            },
                        }
                    }
                ],
            }
        ],
        "Sheets": [
            {
                "SheetId": "rows-sheet",
                "Name": "Rows",
                "Visuals": [table],
                "ParameterControls": [
                    {
                        "Dropdown": {
                            "ParameterControlId": "region-control",
                            "Title": "Region",
                            "SourceParameterName": "pRegion",
                            "Type": "MULTI_SELECT",
                            "SelectableValues": {"Values": ["AMER", "EMEA", "APAC"]},
                        }
                    }
                ],
                "Layouts": [
                    {
                        "Configuration": {
                            "GridLayout": {
                                "Elements": [
                                    {
                                        "ElementId": "rows",
                                        "ElementType": "VISUAL",
                                        "ColumnIndex": 0,
                                        "ColumnSpan": 36,
                                        "RowIndex": 0,
                                        "RowSpan": 20,
                                    }
                                ]
                            }
                        }
                    }
                ],
            },
            {
                "SheetId": "charts-sheet",
                "Name": "Charts",
                "Visuals": [bar, {"ScatterPlotVisual": {"VisualId": "scatter"}}],
            },
        ],
    }


@dataclass
class Stack:
    """The running server, the ISV's origins, and a way to make embed URLs."""

    base: str
    env: dict[str, str]
    services: Services
    scim_base: str
    scim_token: str
    isv: str
    """The ISV page's origin (http://localhost:<port>), one of the allowed domains."""
    other: str
    """The same page at http://127.0.0.1:<port>: a domain no session allows."""

    qs: Any
    """boto3's QuickSight client on the server, as the ISV's backend has it."""

    def registered(self, user: str, dashboard_id: str, *, domains: list[str] | None = None) -> str:
        """``generate_embed_url_for_registered_user`` for ``user`` (boto3)."""
        response = self.qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT,
            UserArn=f"{PREFIX}:user/default/{user}",
            ExperienceConfiguration={"Dashboard": {"InitialDashboardId": dashboard_id}},
            AllowedDomains=domains if domains is not None else [self.isv],
        )
        return str(response["EmbedUrl"])

    def expired(self, user: str, dashboard_id: str) -> str:
        """A URL whose code expired a minute ago: generated by the embedding service with
        a clock six minutes behind (no API request can make one)."""
        service = type(self.services.embedding)(
            self.services.db,
            self.services.access,
            self.services.dashboards,
            public_url=self.base,
            clock=lambda: datetime.now(UTC) - timedelta(minutes=6),
        )
        request = {
            "UserArn": f"{PREFIX}:user/default/{user}",
            "ExperienceConfiguration": {"Dashboard": {"InitialDashboardId": dashboard_id}},
            "AllowedDomains": [self.isv],
        }
        return service.for_registered_user(ACCOUNT, request, request_url=self.base, actor=ACTOR).url

    def anonymous(self, dashboard_id: str, tags: dict[str, str]) -> str:
        """``generate_embed_url_for_anonymous_user`` with ``tags`` (boto3)."""
        response = self.qs.generate_embed_url_for_anonymous_user(
            AwsAccountId=ACCOUNT,
            Namespace="default",
            AuthorizedResourceArns=[f"{PREFIX}:dashboard/{dashboard_id}"],
            ExperienceConfiguration={"Dashboard": {"InitialDashboardId": dashboard_id}},
            SessionTags=[{"Key": k, "Value": v} for k, v in tags.items()],
            AllowedDomains=[self.isv],
        )
        return str(response["EmbedUrl"])


def _isv_server(port: int) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            plain = path.split("?", 1)[0].split("#", 1)[0]
            if plain.startswith("/sdk/"):
                return str(SDK_DIR / Path(plain[5:]).name)
            return str(ISV_DIR / (Path(plain).name or "index.html"))

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _build_tagged_data_set(services: Services, settings: Settings, source: Path) -> str:
    """``tagged-sales``: the sales rows, with a tag rule on ``customer``."""
    from sightgate.analytics.data.spice.upload import upload_request

    request = upload_request(source, "tagged-sales", None, max_bytes=1 << 30)
    request["RowLevelPermissionTagConfiguration"] = {
        "Status": "ENABLED",
        "TagRules": [{"TagKey": "customer", "ColumnName": "customer"}],
    }
    saved = services.data.datasets.create(ACCOUNT, request, actor=ACTOR)
    runner = services.data.ingestion_runner(settings)
    try:
        assert saved.ingestion is not None
        claimed = runner.claim((ACCOUNT, "tagged-sales", saved.ingestion.ingestion_id))
        assert claimed is not None
        assert runner.run(claimed).error is None
    finally:
        runner.close()
    return services.data.datasets.describe(ACCOUNT, "tagged-sales").arn


def _dashboard(
    services: Services, dashboard_id: str, name: str, data_set_arn: str, principals: list[str]
) -> None:
    services.dashboards.create(
        ACCOUNT,
        dashboard_id,
        {
            "Name": name,
            "Definition": rows_definition(data_set_arn),
            "Permissions": [{"Principal": p, "Actions": VIEWER_ACTIONS} for p in principals],
        },
        actor=ACTOR,
    )


@pytest.fixture(scope="package")  # stopped after the browser tests: later tests count serves
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from sightgate.cli.tls import make_local_certificate

    folder = tmp_path_factory.mktemp("browser")
    data_dir = folder / "data"
    env = cli_env(data_dir, None)
    loaded = run_cli(env, "demo", "load", "--json")
    assert loaded.returncode == 0, loaded.stderr
    port = free_port()
    base = f"https://127.0.0.1:{port}"
    settings = Settings(data_dir=data_dir, public_url=base)
    services = Services.build(settings)
    groups = [
        f"{PREFIX}:group/default/{g}"
        for g in ("qs-admin-grp", "red-customer-grp", "blue-customer-grp")
    ]
    common = services.data.datasets.describe(ACCOUNT, "common-sales").arn
    _dashboard(services, "customer-rows", "Customer rows", common, groups)
    tagged = _build_tagged_data_set(services, settings, data_dir / "demo" / "common-sales.csv")
    _dashboard(services, "tagged-rows", "Tagged rows", tagged, groups)
    store_id = services.instances.list(ACCOUNT)[0].identity_store_id
    token = services.scim_tokens.create(store_id, actor=ACTOR, expires_in=timedelta(days=1))
    cert = make_local_certificate(folder / "tls")
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sightgate",
                "serve",
                "--port",
                str(port),
                "--tls-cert",
                str(cert.cert),
                "--tls-key",
                str(cert.key),
            ],
            env={**env, "SIGHTGATE_PUBLIC_URL": base},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    trusted = ssl.create_default_context(cafile=str(cert.cert))
    qs: Any = None
    isv_port = free_port()
    isv = _isv_server(isv_port)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if httpx.get(f"{base}/healthz", verify=trusted, timeout=1).is_success:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        key = services.access_keys.create(ACCOUNT, actor=ACTOR)
        qs = boto3.client(
            "quicksight",
            endpoint_url=base,
            region_name="us-east-1",
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret_access_key,
            verify=str(cert.cert),
        )
        yield Stack(
            qs=qs,
            base=base,
            env=env,
            services=services,
            scim_base=f"{base}/scim/{store_id}/v2",
            scim_token=token.token,
            isv=f"http://localhost:{isv_port}",
            other=f"http://127.0.0.1:{isv_port}",
        )
    finally:
        # An idle keep-alive TLS connection holds uvicorn's shutdown until asyncio's SSL
        # shutdown times out (30 s): close ours first.
        if qs is not None:
            qs.close()
        isv.shutdown()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        services.db.dispose()


@pytest.fixture(scope="package")  # its asyncio loop must not outlive the browser tests
def browser(stack: Stack) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            # Third-party cookies blocked, as browsers now do: the viewer must not need them.
            args=["--test-third-party-cookie-phaseout"],
        )
        yield launched
        launched.close()


@pytest.fixture
def isv_page(browser: Any, stack: Stack) -> Iterator[Any]:
    """A fresh browser context with the ISV's page open; self-signed TLS accepted."""
    context = browser.new_context(
        ignore_https_errors=True, viewport={"width": 1300, "height": 1000}
    )
    page = context.new_page()
    page.goto(f"{stack.isv}/index.html")
    yield page
    context.close()
