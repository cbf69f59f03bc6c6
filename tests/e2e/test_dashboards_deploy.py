"""``sightgate dashboards deploy``: a definition file created, updated and left alone; a
template deployed for two customers with different datasets and themes (the blog's
design 1), each customer's user seeing their own rows; bad files refused naming the file,
with nothing written.

The store is set up in process (an account, groups and users, two SPICE datasets, a
template and two themes); everything under test runs through the real CLI.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sightgate.analytics.data.spice.upload import upload_request
from sightgate.analytics.directory.model import SubscriptionRequest, UserRegistration
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.platform.errors import NotFoundError
from sightgate.platform.events import Actor
from sightgate.store.migrate import upgrade
from tests.e2e.helpers import cli_env, fresh_store, run_cli, run_json

pytestmark = pytest.mark.e2e

ACCOUNT = "111122223333"
PREFIX = f"arn:aws:quicksight:us-east-1:{ACCOUNT}"
ACTOR = Actor("test", "setup")
ROWS = {
    "acme": [("EMEA", "Widgets", 10.0), ("EMEA", "Gadgets", 5.5), ("AMER", "Widgets", 2.0)],
    "globex": [("APAC", "Widgets", 7.0), ("AMER", "Gadgets", 1.25)],
}
THEMES = {"acme": "#B71C1C", "globex": "#0D47A1"}
VIEWER = [
    "quicksight:DescribeDashboard",
    "quicksight:ListDashboardVersions",
    "quicksight:QueryDashboard",
]


def _column(name: str, identifier: str) -> dict[str, str]:
    return {"DataSetIdentifier": identifier, "ColumnName": name}


def _sheets(identifier: str, title: str = "Revenue by region") -> list[dict[str, Any]]:
    """One sheet: a KPI of total revenue and a bar of revenue by region, laid out."""
    revenue = {
        "Column": _column("revenue", identifier),
        "AggregationFunction": {"SimpleNumericalAggregation": "SUM"},
    }
    return [
        {
            "SheetId": "overview",
            "Name": "Overview",
            "Visuals": [
                {
                    "KPIVisual": {
                        "VisualId": "total",
                        "ChartConfiguration": {
                            "FieldWells": {
                                "Values": [
                                    {"NumericalMeasureField": {"FieldId": "total", **revenue}}
                                ]
                            }
                        },
                    }
                },
                {
                    "BarChartVisual": {
                        "VisualId": "by-region",
                        "Title": {"Visibility": "VISIBLE", "FormatText": {"PlainText": title}},
                        "ChartConfiguration": {
                            "FieldWells": {
                                "BarChartAggregatedFieldWells": {
                                    "Category": [
                                        {
                                            "CategoricalDimensionField": {
                                                "FieldId": "region",
                                                "Column": _column("region", identifier),
                                            }
                                        }
                                    ],
                                    "Values": [
                                        {"NumericalMeasureField": {"FieldId": "rev", **revenue}}
                                    ],
                                }
                            },
                            "SortConfiguration": {
                                "CategorySort": [
                                    {"FieldSort": {"FieldId": "region", "Direction": "ASC"}}
                                ]
                            },
                        },
                    }
                },
            ],
            "Layouts": [
                {
                    "Configuration": {
                        "GridLayout": {
                            "Elements": [
                                {
                                    "ElementId": "total",
                                    "ElementType": "VISUAL",
                                    "ColumnSpan": 12,
                                    "RowSpan": 6,
                                },
                                {
                                    "ElementId": "by-region",
                                    "ElementType": "VISUAL",
                                    "ColumnSpan": 24,
                                    "RowSpan": 6,
                                },
                            ]
                        }
                    }
                }
            ],
        }
    ]


TEMPLATE_DEFINITION: dict[str, Any] = {
    "DataSetConfigurations": [
        {
            "Placeholder": "sales",
            "DataSetSchema": {
                "ColumnSchemaList": [
                    {"Name": "region", "DataType": "STRING"},
                    {"Name": "revenue", "DataType": "DECIMAL"},
                ]
            },
            "ColumnGroupSchemaList": [],
        }
    ],
    "Sheets": _sheets("sales"),
}


def _file_document(title: str = "Revenue by region") -> dict[str, Any]:
    """A definition file on acme's dataset, viewed by viewers-grp, in the shared folder."""
    return {
        "DashboardId": "from-file",
        "Name": "From a file",
        "ThemeArn": "arn:aws:quicksight::aws:theme/MIDNIGHT",
        "Definition": {
            "DataSetIdentifierDeclarations": [
                {"Identifier": "acme", "DataSetArn": f"{PREFIX}:dataset/acme-sales"}
            ],
            "Sheets": _sheets("acme", title),
        },
        "Permissions": [{"Principal": f"{PREFIX}:group/default/viewers-grp", "Actions": VIEWER}],
        "FolderArns": [f"{PREFIX}:folder/shared"],
        "Tags": [{"Key": "team", "Value": "sales"}],
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    """(CLI environment, data dir) of a store with the account, the groups acme-grp (alice),
    globex-grp (bob), viewers-grp and admins-grp, the datasets acme-sales and
    globex-sales, the template ``sales`` and the themes acme-theme and globex-theme."""
    data_dir = tmp_path_factory.mktemp("deploy") / "data"
    with fresh_store() as database_url:
        settings = Settings(data_dir=data_dir, database_url=database_url)
        running = Services.build(settings)
        upgrade(running.db)
        _setup(running, settings, data_dir)
        running.db.dispose()
        yield cli_env(data_dir, database_url), data_dir


def _setup(running: Services, settings: Settings, data_dir: Path) -> None:
    directory = running.directory
    directory.accounts.create_subscription(
        ACCOUNT,
        SubscriptionRequest(
            account_name="isv",
            notification_email="ops@example.com",
            authentication_method="IAM_AND_QUICKSIGHT",
        ),
        region="us-east-1",
        actor=ACTOR,
    )
    for group in ("acme-grp", "globex-grp", "viewers-grp", "admins-grp"):
        directory.groups.create(ACCOUNT, "default", group, actor=ACTOR)
    for user, group in (("alice", "acme-grp"), ("bob", "globex-grp"), ("carol", "admins-grp")):
        directory.users.register(
            ACCOUNT,
            "default",
            UserRegistration(
                identity_type="QUICKSIGHT",
                email=f"{user}@example.com",
                user_role="READER",
                user_name=user,
            ),
            actor=ACTOR,
        )
        directory.memberships.create(ACCOUNT, "default", group, user, actor=ACTOR)
    data_dir.mkdir(parents=True, exist_ok=True)
    runner = running.data.ingestion_runner(settings)
    try:
        for customer, rows in ROWS.items():
            path = data_dir / f"{customer}.csv"
            path.write_text(
                "region,product,revenue\n" + "".join(f"{r},{p},{v}\n" for r, p, v in rows)
            )
            request = upload_request(
                path, f"{customer}-sales", None, max_bytes=settings.spice_max_upload_bytes
            )
            saved = running.data.datasets.create(ACCOUNT, request, actor=ACTOR)
            assert saved.ingestion is not None
            claimed = runner.claim((ACCOUNT, f"{customer}-sales", saved.ingestion.ingestion_id))
            assert claimed is not None
            assert runner.run(claimed).error is None
    finally:
        runner.close()
    running.templates.create(
        ACCOUNT, "sales", {"Name": "Sales", "Definition": TEMPLATE_DEFINITION}, actor=ACTOR
    )
    for customer, color in THEMES.items():
        running.themes.create(
            ACCOUNT,
            f"{customer}-theme",
            {
                "Name": customer,
                "BaseThemeId": "CLASSIC",
                "Configuration": {"DataColorPalette": {"Colors": [color]}},
            },
            actor=ACTOR,
        )
    running.folders.create(ACCOUNT, "shared", actor=ACTOR, name="Shared", folder_type="SHARED")


def _services(data_dir: Path, env: dict[str, str]) -> Services:
    return Services.build(
        Settings(data_dir=data_dir, database_url=env.get("SIGHTGATE_DATABASE_URL"))
    )


def _deploy(env: dict[str, str], *args: str) -> dict[str, Any]:
    found: dict[str, Any] = run_json(env, "dashboards", "deploy", "--account-id", ACCOUNT, *args)
    return found


def _render(env: dict[str, str], dashboard_id: str, user: str) -> dict[str, list[list[Any]]]:
    found = run_json(
        env,
        "dashboards",
        "render",
        "--account-id",
        ACCOUNT,
        "--dashboard-id",
        dashboard_id,
        "--as-user",
        user,
    )
    return {visual["VisualId"]: visual["Rows"] for visual in found["Visuals"]}


def _by_region(customer: str) -> list[list[Any]]:
    totals: dict[str, float] = {}
    for region, _, revenue in ROWS[customer]:
        totals[region] = totals.get(region, 0.0) + revenue
    return [[region, totals[region]] for region in sorted(totals)]


def _numbers(rows: list[list[Any]]) -> list[list[Any]]:
    """Cells as numbers where they are (decimals come as text)."""
    return [[float(c) if c is not None and _numeric(c) else c for c in row] for row in rows]


def _numeric(cell: Any) -> bool:
    try:
        float(cell)
    except (TypeError, ValueError):
        return False
    return True


def test_a_file_is_created_then_left_alone_then_updated(
    store: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, data_dir = store
    path = tmp_path / "from-file.yaml"
    path.write_text(yaml.safe_dump(_file_document(), sort_keys=False))
    created = _deploy(env, "--file", str(path))
    assert (created["DashboardId"], created["Status"], created["VersionNumber"]) == (
        "from-file",
        "CREATED",
        1,
    )
    again = _deploy(env, "--file", str(path))
    assert (again["Status"], again["VersionNumber"], again["Changes"]) == ("UNCHANGED", 1, [])
    as_json = tmp_path / "from-file.json"  # the same document as JSON, with Describe's extras
    described = {**_file_document(), "Status": 200, "Errors": [], "RequestId": "r-1"}
    as_json.write_text(json.dumps(described))
    assert _deploy(env, "--file", str(as_json))["Status"] == "UNCHANGED"

    running = _services(data_dir, env)
    try:
        saved = running.dashboards.describe(ACCOUNT, "from-file")
        assert saved.version.content.theme_arn == "arn:aws:quicksight::aws:theme/MIDNIGHT"
        granted = running.dashboards.describe_permissions(ACCOUNT, "from-file").permissions
        assert [(p.principal, sorted(p.actions)) for p in granted] == [
            (f"{PREFIX}:group/default/viewers-grp", VIEWER)
        ]
        assert running.folders.folders_for_resource(ACCOUNT, saved.dashboard.arn).items == [
            f"{PREFIX}:folder/shared"
        ]
        tags = running.dashboards.tags.list_tags_for_resource(ACCOUNT, saved.dashboard.arn)
        assert [(t.key, t.value) for t in tags] == [("team", "sales")]
    finally:
        running.db.dispose()

    path.write_text(yaml.safe_dump(_file_document("Revenue per region"), sort_keys=False))
    updated = _deploy(env, "--file", str(path))
    assert (updated["Status"], updated["VersionNumber"]) == ("UPDATED", 2)
    assert updated["Changes"] == ["created version 2", "published version 2"]
    assert _deploy(env, "--file", str(path))["Status"] == "UNCHANGED"
    shown = run_cli(env, "dashboards", "deploy", "--account-id", ACCOUNT, "--file", str(path))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "dashboard from-file (version 2): unchanged"


def test_a_version_written_but_not_published_is_published(
    store: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    """A deploy that stopped between UpdateDashboard and publishing is finished by the
    next one, without a third version."""
    env, data_dir = store
    document = {**_file_document(), "DashboardId": "half-done", "FolderArns": []}
    path = tmp_path / "half-done.json"
    path.write_text(json.dumps(document))
    assert _deploy(env, "--file", str(path))["Status"] == "CREATED"
    changed = copy.deepcopy(document)
    changed["Definition"]["Sheets"] = _sheets("acme", "Revenue per region")
    running = _services(data_dir, env)
    try:
        request = {k: v for k, v in changed.items() if k not in ("DashboardId", "Tags")}
        running.dashboards.update(ACCOUNT, "half-done", request, actor=ACTOR)
    finally:
        running.db.dispose()
    path.write_text(json.dumps(changed))
    finished = _deploy(env, "--file", str(path))
    assert (finished["Status"], finished["VersionNumber"]) == ("UPDATED", 2)
    assert finished["Changes"] == ["published version 2"]


def _for_customer(env: dict[str, str], customer: str) -> dict[str, Any]:
    return _deploy(
        env,
        "--for-customer",
        customer,
        "--template-id",
        "sales",
        "--data-set-map",
        f"sales={customer}-sales",
        "--theme-id",
        f"{customer}-theme",
        "--owner-group",
        "admins-grp",
    )


def test_a_template_deployed_for_two_customers(store: tuple[dict[str, str], Path]) -> None:
    env, data_dir = store
    for customer in ("acme", "globex"):
        done = _for_customer(env, customer)
        assert done["Customer"] == customer
        assert (done["Folder"]["FolderId"], done["Folder"]["Status"]) == (customer, "CREATED")
        assert done["Dashboard"]["DashboardId"] == f"{customer}-dashboard"
        assert (done["Dashboard"]["Status"], done["Dashboard"]["VersionNumber"]) == ("CREATED", 1)
        again = _for_customer(env, customer)
        assert (again["Folder"]["Status"], again["Dashboard"]["Status"]) == (
            "UNCHANGED",
            "UNCHANGED",
        )

    running = _services(data_dir, env)
    try:
        for customer in ("acme", "globex"):
            saved = running.dashboards.describe(ACCOUNT, f"{customer}-dashboard")
            content = saved.version.content
            assert content.theme_arn == f"{PREFIX}:theme/{customer}-theme"
            assert content.source_entity_arn == f"{PREFIX}:template/sales"
            assert content.data_set_arns == [f"{PREFIX}:dataset/{customer}-sales"]
            assert running.folders.folders_for_resource(ACCOUNT, saved.dashboard.arn).items == [
                f"{PREFIX}:folder/{customer}"
            ]
            folder = running.folders.describe(ACCOUNT, customer)
            assert (folder.name, folder.folder_type.value) == (customer, "SHARED")
            shared = running.folders.describe_permissions(ACCOUNT, customer).permissions
            roles = {
                p.principal.rsplit("/", 1)[1]: "owner"
                if "quicksight:DeleteFolder" in p.actions
                else "viewer"
                for p in shared
            }
            assert roles == {f"{customer}-grp": "viewer", "admins-grp": "owner"}
        theme = running.themes.resolve(ACCOUNT, f"{PREFIX}:theme/globex-theme")
        assert theme["DataColorPalette"]["Colors"] == [THEMES["globex"]]
    finally:
        running.db.dispose()

    alice = _render(env, "acme-dashboard", "alice")
    assert _numbers(alice["by-region"]) == _by_region("acme")
    assert _numbers(alice["total"]) == [[sum(v for _, _, v in ROWS["acme"])]]
    assert _numbers(_render(env, "globex-dashboard", "bob")["by-region"]) == _by_region("globex")
    assert _numbers(_render(env, "globex-dashboard", "carol")["by-region"]) == _by_region("globex")
    denied = run_cli(
        env,
        "dashboards",
        "render",
        "--account-id",
        ACCOUNT,
        "--dashboard-id",
        "globex-dashboard",
        "--as-user",
        "alice",
    )
    assert denied.returncode == 1 and "access denied" in denied.stderr


def test_a_new_template_version_reaches_the_customer_on_the_next_deploy(
    store: tuple[dict[str, str], Path],
) -> None:
    env, data_dir = store
    assert (
        _deploy(
            env,
            "--for-customer",
            "initech",
            "--template-id",
            "sales",
            "--data-set-map",
            "sales=acme-sales",
            "--group",
            "acme-grp",
            "--folder-id",
            "initech-folder",
            "--dashboard-id",
            "initech",
            "--name",
            "Initech sales",
        )["Dashboard"]["Status"]
        == "CREATED"
    )
    running = _services(data_dir, env)
    try:
        definition = {**TEMPLATE_DEFINITION, "Sheets": _sheets("sales", "Revenue per region")}
        running.templates.update(
            ACCOUNT, "sales", {"Name": "Sales", "Definition": definition}, actor=ACTOR
        )
    finally:
        running.db.dispose()
    again = _deploy(
        env,
        "--for-customer",
        "initech",
        "--template-id",
        "sales",
        "--data-set-map",
        "sales=acme-sales",
        "--group",
        "acme-grp",
        "--folder-id",
        "initech-folder",
        "--dashboard-id",
        "initech",
        "--name",
        "Initech sales",
    )
    assert again["Folder"]["Status"] == "UNCHANGED"
    assert (again["Dashboard"]["Status"], again["Dashboard"]["VersionNumber"]) == ("UPDATED", 2)
    rendered = run_json(
        env,
        "dashboards",
        "render",
        "--account-id",
        ACCOUNT,
        "--dashboard-id",
        "initech",
        "--as-user",
        "alice",
    )
    titles = {v["VisualId"]: v["Title"] for v in rendered["Visuals"]}
    assert titles["by-region"] == "Revenue per region"


BAD_FILES = [
    ("missing.yaml", None, "cannot be read: No such file or directory"),
    ("broken.yaml", "Name: [unclosed\n", "the text is not valid YAML at line 2, column 1"),
    ("broken.json", '{"Name": ', "the text is not valid JSON"),
    ("list.yaml", "- Name: x\n", "must hold one object of CreateDashboard members"),
    ("notes.txt", "Name: x\n", "must be a .json, .yaml or .yml file"),
    (
        "unknown.json",
        '{"DashboardId": "bad", "Name": "x", "Definition": {}, "Layout": {}}',
        "Layout: not a member deploy applies",
    ),
    (
        "typo.yaml",
        "DashboardId: bad\nName: x\nDefinition:\n  DataSetIdentifierDeclarations: []\n"
        "  Sheets: [{SheetId: s, Visuals: [{KPIVisaul: {VisualId: k}}]}]\n",
        'Unknown parameter in Definition.Sheets[0].Visuals[0]: "KPIVisaul"',
    ),
    ("no-id.yaml", "Name: x\nDefinition: {DataSetIdentifierDeclarations: []}\n", "DashboardId"),
    (
        "no-dataset.json",
        json.dumps(
            {
                "DashboardId": "bad",
                "Name": "x",
                "Definition": {
                    "DataSetIdentifierDeclarations": [
                        {"Identifier": "d", "DataSetArn": f"{PREFIX}:dataset/nope"}
                    ]
                },
            }
        ),
        "Definition.DataSetIdentifierDeclarations[0].DataSetArn: the account has no dataset",
    ),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_refused_naming_it(
    store: tuple[dict[str, str], Path], tmp_path: Path, name: str, text: str | None, message: str
) -> None:
    env, data_dir = store
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    result = run_cli(env, "dashboards", "deploy", "--account-id", ACCOUNT, "--file", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {path}: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    running = _services(data_dir, env)
    try:
        with pytest.raises(NotFoundError):
            running.dashboards.describe(ACCOUNT, "bad")
    finally:
        running.db.dispose()


def test_bad_options_and_unknown_names_write_nothing(store: tuple[dict[str, str], Path]) -> None:
    env, data_dir = store
    neither = run_cli(env, "dashboards", "deploy", "--account-id", ACCOUNT)
    assert neither.returncode == 2 and "give --file or --for-customer" in neither.stderr
    mixed = run_cli(
        env, "dashboards", "deploy", "--account-id", ACCOUNT, "--file", "x.yaml", "--theme-id", "t"
    )
    assert mixed.returncode == 2 and "--theme-id: only with --for-customer" in mixed.stderr
    twice = run_cli(
        env,
        "dashboards",
        "deploy",
        "--account-id",
        ACCOUNT,
        "--for-customer",
        "hooli",
        "--template-id",
        "sales",
        "--data-set-map",
        "sales=acme-sales",
        "--data-set-map",
        "sales=globex-sales",
    )
    assert twice.returncode == 2 and "sales repeated" in twice.stderr
    base = {"--template-id": "sales", "--data-set-map": "sales=acme-sales", "--group": "acme-grp"}
    for changed, message in (
        ({"--group": "nobody-grp"}, "no group 'nobody-grp' in namespace 'default'"),
        ({"--theme-id": "no-theme"}, "Theme 'no-theme' not found"),
        ({"--template-id": "no-template"}, "Template 'no-template' not found"),
        ({"--data-set-map": "other=acme-sales"}, "the template has no placeholder 'other'"),
        ({"--data-set-map": "sales=no-sales"}, "DataSet 'no-sales' not found"),
    ):
        options = [item for pair in {**base, **changed}.items() for item in pair]
        result = run_cli(
            env,
            "dashboards",
            "deploy",
            "--account-id",
            ACCOUNT,
            "--for-customer",
            "hooli",
            *options,
        )
        assert result.returncode == 1, (changed, result.stderr)
        assert message in result.stderr, result.stderr
    running = _services(data_dir, env)
    try:
        with pytest.raises(NotFoundError):
            running.folders.describe(ACCOUNT, "hooli")
        with pytest.raises(NotFoundError):
            running.dashboards.describe(ACCOUNT, "hooli-dashboard")
    finally:
        running.db.dispose()
