"""GenerateEmbedUrlForRegisteredUser and ...ForAnonymousUser through boto3 against the real
server: the URL the SDK accepts, AWS's errors for each bad input, and the sessions the
URLs open (redeemed in this process on the server's own store, as the viewer will),
listed and revoked with the CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import insert

from sightgate.analytics.data import tables as data_tables
from sightgate.analytics.embedding.errors import CodeRejectedError, SessionRejectedError
from sightgate.analytics.embedding.service import EmbeddingService
from sightgate.bootstrap import Services
from sightgate.config import Settings
from tests.analytics.assets.dashboards.samples import small
from tests.e2e.aws.conftest import (
    ACCOUNT,
    REGION,
    AwsServer,
    code_of,
    create_namespace,
    error_of,
    register,
    request_id_of,
    serving,
    status_of,
    unique,
)
from tests.e2e.helpers import cli_env, fresh_store, run_json, running_server

pytestmark = pytest.mark.e2e

PUBLIC_URL = "https://embed.example.test:8443"
VIEWER = [
    "quicksight:DescribeDashboard",
    "quicksight:ListDashboardVersions",
    "quicksight:QueryDashboard",
]
# The SDK's own checks (amazon-quicksight-embedding-sdk 2.11.3: EmbeddingContext,
# DashboardExperience, VisualExperience; copied from ../shared/research).
SDK_CONTROL = re.compile(r"^(https:\/\/[^/]+)\/(embedding|embed)\/([^/]+)\/[^?]+\?(.*)", re.I)
SDK_DASHBOARD = re.compile(r"^https:\/\/[^/]+\/embed\/[^/]+\/dashboards\/([\w-]+)(\?|$)", re.I)
SDK_VISUAL = re.compile(
    r"^https:\/\/[^/]+\/embed\/[^/]+\/dashboards\/([\w-]+)\/sheets\/([\w-]+)\/visuals\/([\w-]+)(\?|$)",
    re.I,
)


def arn(kind: str, *parts: str) -> str:
    return f"arn:aws:quicksight:{REGION}:{ACCOUNT}:{kind}/{'/'.join(parts)}"


@pytest.fixture(scope="module")
def aws_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsServer]:
    """The server with a public URL (behind a TLS proxy, as the SDK needs https)."""
    with fresh_store() as database_url:
        env = cli_env(tmp_path_factory.mktemp("embed") / "data", database_url)
        env["SIGHTGATE_PUBLIC_URL"] = PUBLIC_URL
        with running_server(env, "--worker") as url:
            yield AwsServer(env, url)


def store_of(server: AwsServer) -> Services:
    """The services on the server's own store, in this process."""
    env = server.env
    return Services.build(
        Settings(
            data_dir=Path(env["SIGHTGATE_DATA_DIR"]),
            database_url=env.get("SIGHTGATE_DATABASE_URL"),
        )
    )


@pytest.fixture(scope="module")
def store(aws_server: AwsServer) -> Iterator[Services]:
    services = store_of(aws_server)
    yield services
    services.db.dispose()


def add_dashboards(qs: Any, services: Services, *dashboard_ids: str) -> None:
    """A dataset written to the catalog directly (no source to reach), and dashboards on
    it created through the API."""
    data_set_arn = arn("dataset", "embed-sales")
    with services.db.write() as conn:
        exists = conn.execute(
            data_tables.data_sets.select().where(data_tables.data_sets.c.arn == data_set_arn)
        ).first()
        if exists is None:
            conn.execute(insert(data_tables.data_sets).values(**_data_set_row(data_set_arn)))
    for dashboard_id in dashboard_ids:
        qs.create_dashboard(
            AwsAccountId=ACCOUNT,
            DashboardId=dashboard_id,
            Name=dashboard_id,
            Definition=small(data_set_arn),
        )


def _data_set_row(data_set_arn: str) -> dict[str, Any]:
    columns = {
        "region": "STRING",
        "segment": "STRING",
        "revenue": "DECIMAL",
        "units": "INTEGER",
        "order_date": "DATETIME",
    }
    table = {
        "DataSourceArn": arn("datasource", "pg"),
        "Schema": "public",
        "Name": "sales",
        "InputColumns": [{"Name": n, "Type": t} for n, t in columns.items()],
    }
    now = datetime.now(UTC)
    return {
        "account_id": ACCOUNT,
        "data_set_id": "embed-sales",
        "arn": data_set_arn,
        "name": "sales",
        "import_mode": "SPICE",
        "definition": {
            "Name": "sales",
            "ImportMode": "SPICE",
            "PhysicalTableMap": {"t": {"RelationalTable": table}},
        },
        "output_columns": [{"Name": n, "Type": t} for n, t in columns.items()],
        "created": now,
        "updated": now,
    }


@pytest.fixture(scope="module")
def dashboards(qs: Any, subscribed: str, store: Services) -> tuple[str, str]:
    """``sales`` (shared with ``reader``) and ``secret`` (shared with nobody)."""
    add_dashboards(qs, store, "sales", "secret")
    return "sales", "secret"


@pytest.fixture(scope="module")
def reader(qs: Any, dashboards: tuple[str, str]) -> dict[str, Any]:
    user = register(qs, ACCOUNT, "default", "embed-reader")
    qs.update_dashboard_permissions(
        AwsAccountId=ACCOUNT,
        DashboardId="sales",
        GrantPermissions=[{"Principal": user["Arn"], "Actions": VIEWER}],
    )
    return user


def registered(qs: Any, user_arn: str, dashboard_id: str = "sales", **members: Any) -> Any:
    return qs.generate_embed_url_for_registered_user(
        AwsAccountId=ACCOUNT,
        UserArn=user_arn,
        ExperienceConfiguration={"Dashboard": {"InitialDashboardId": dashboard_id}},
        **members,
    )


def anonymous(qs: Any, *dashboard_ids: str, **members: Any) -> Any:
    ids = dashboard_ids or ("sales",)
    return qs.generate_embed_url_for_anonymous_user(
        AwsAccountId=ACCOUNT,
        Namespace=members.pop("Namespace", "default"),
        AuthorizedResourceArns=[arn("dashboard", d) for d in ids],
        ExperienceConfiguration={"Dashboard": {"InitialDashboardId": ids[0]}},
        **members,
    )


def parts(url: str) -> tuple[str, str]:
    """(session id, code) of an embed URL."""
    found = SDK_CONTROL.match(url)
    assert found is not None, url
    return found[3], parse_qs(urlsplit(url).query)["code"][0]


def lenient(server: AwsServer, qs_key: Any) -> Any:
    """A client that sends what botocore's own validation would refuse."""
    return server.client("quicksight", qs_key, validate=False)


# -- the URL ---------------------------------------------------------------------------------


def test_a_registered_users_url_is_one_the_sdk_accepts(qs: Any, reader: dict[str, Any]) -> None:
    response = registered(qs, reader["Arn"])
    assert response["Status"] == 200
    request_id_of(response)
    url = response["EmbedUrl"]
    control = SDK_CONTROL.match(url)
    assert control is not None
    assert control[1] == PUBLIC_URL and control[2] == "embed"
    assert re.fullmatch(r"[0-9a-f]{32}", control[3])
    assert SDK_DASHBOARD.match(url) is not None and SDK_DASHBOARD.match(url)[1] == "sales"  # type: ignore[index]
    query = parse_qs(urlsplit(url).query)
    assert query["identityprovider"] == ["quicksight"] and query["isauthcode"] == ["true"]
    assert set(query) == {"code", "identityprovider", "isauthcode"}


def test_one_visual(qs: Any, reader: dict[str, Any]) -> None:
    visual = {"DashboardId": "sales", "SheetId": "sheet1", "VisualId": "bar1"}
    response = qs.generate_embed_url_for_registered_user(
        AwsAccountId=ACCOUNT,
        UserArn=reader["Arn"],
        ExperienceConfiguration={"DashboardVisual": {"InitialDashboardVisualId": visual}},
    )
    found = SDK_VISUAL.match(response["EmbedUrl"])
    assert found is not None and found.groups()[:3] == ("sales", "sheet1", "bar1")
    missing = {**visual, "VisualId": "gone"}
    assert code_of(
        lambda: qs.generate_embed_url_for_registered_user(
            AwsAccountId=ACCOUNT,
            UserArn=reader["Arn"],
            ExperienceConfiguration={"DashboardVisual": {"InitialDashboardVisualId": missing}},
        )
    ) == ("ResourceNotFoundException")


def test_an_anonymous_url_and_its_user_arn(qs: Any, dashboards: tuple[str, str]) -> None:
    response = anonymous(qs, "sales", "secret", SessionTags=[{"Key": "customer", "Value": "red"}])
    assert response["Status"] == 200
    session_id, _ = parts(response["EmbedUrl"])
    assert SDK_DASHBOARD.match(response["EmbedUrl"]) is not None
    assert response["AnonymousUserArn"] == arn("user", "default", f"embed-anonymous-{session_id}")


def test_without_a_public_url_the_request_host_is_used(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with serving(tmp_path_factory) as server:
        services = store_of(server)
        try:
            qs = server.client("quicksight", server.new_key(ACCOUNT))
            qs.create_account_subscription(
                AwsAccountId=ACCOUNT,
                AccountName="plain",
                NotificationEmail="ops@example.com",
                AuthenticationMethod="IAM_AND_QUICKSIGHT",
                Edition="ENTERPRISE",
            )
            add_dashboards(qs, services, "sales")
            url = anonymous(qs)["EmbedUrl"]
        finally:
            services.db.dispose()
    assert url.startswith(f"{server.url}/embed/")  # the scheme and host the call came to


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [14, 601, 0])
def test_a_lifetime_outside_15_to_600_has_its_own_error(
    aws_server: AwsServer, key: Any, reader: dict[str, Any], minutes: int
) -> None:
    client = lenient(aws_server, key)
    for call in (
        lambda: registered(client, reader["Arn"], SessionLifetimeInMinutes=minutes),
        lambda: anonymous(client, SessionLifetimeInMinutes=minutes),
    ):
        error = error_of(call)
        assert error.response["Error"]["Code"] == "SessionLifetimeInMinutesInvalidException"
        assert status_of(error) == 400


def test_lifetimes_at_the_bounds_are_taken(qs: Any, reader: dict[str, Any]) -> None:
    for minutes in (15, 600):
        assert registered(qs, reader["Arn"], SessionLifetimeInMinutes=minutes)["Status"] == 200


@pytest.mark.parametrize(
    "domains",
    [
        ["https://a.example.com", "https://b.example.com", "https://c.example.com", "https://d.io"],
        ["https://example.com.*.example-1.co.uk"],
        ["https://111.222.33.44.55"],
        ["http://app.example.com"],
        ["app.example.com"],
    ],
)
def test_bad_allowed_domains_are_invalid_parameters(
    qs: Any, reader: dict[str, Any], domains: list[str]
) -> None:
    for call in (
        lambda: registered(qs, reader["Arn"], AllowedDomains=domains),
        lambda: anonymous(qs, AllowedDomains=domains),
    ):
        error = error_of(call)
        assert error.response["Error"]["Code"] == "InvalidParameterValueException"
        assert "AllowedDomains" in error.response["Error"]["Message"]


def test_good_allowed_domains_are_taken(qs: Any, reader: dict[str, Any]) -> None:
    domains = [
        "https://*.sapp.amazon.com",
        "http://localhost:8081",
        "https://www.アマゾンドメイン.jp",
    ]
    assert registered(qs, reader["Arn"], AllowedDomains=domains)["Status"] == 200


@pytest.mark.parametrize(
    "tags",
    [
        [{"Key": f"k{i}", "Value": "v"} for i in range(51)],
        [{"Key": "k" * 129, "Value": "v"}],
        [{"Key": "k", "Value": "v" * 257}],
        [{"Key": "k", "Value": ""}],
        [],
        [{"Key": "k", "Value": "a"}, {"Key": "k", "Value": "b"}],
    ],
)
def test_session_tags_over_the_limits_are_invalid_parameters(
    aws_server: AwsServer, key: Any, dashboards: tuple[str, str], tags: list[dict[str, str]]
) -> None:
    error = error_of(lambda: anonymous(lenient(aws_server, key), SessionTags=tags))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "v" * 257 not in error.response["Error"]["Message"]


def test_who_may_get_a_url(aws_server: AwsServer, qs: Any, reader: dict[str, Any]) -> None:
    stranger = register(qs, ACCOUNT, "default", "embed-stranger")
    denied = error_of(lambda: registered(qs, stranger["Arn"]))
    assert denied.response["Error"]["Code"] == "AccessDeniedException"
    assert status_of(denied) == 401
    assert code_of(lambda: registered(qs, reader["Arn"], "secret")) == "AccessDeniedException"
    missing = error_of(lambda: registered(qs, reader["Arn"], "no-such-dashboard"))
    assert missing.response["Error"]["Code"] == "ResourceNotFoundException"
    assert status_of(missing) == 404
    nobody = error_of(lambda: registered(qs, arn("user", "default", "nobody")))
    assert nobody.response["Error"]["Code"] == "QuickSightUserNotFoundException"
    assert status_of(nobody) == 404
    assert code_of(lambda: anonymous(qs, "sales", "no-such-dashboard")) == (
        "ResourceNotFoundException"
    )
    assert code_of(lambda: anonymous(qs, Namespace="nowhere")) == "ResourceNotFoundException"
    initial_not_listed = lambda: qs.generate_embed_url_for_anonymous_user(  # noqa: E731
        AwsAccountId=ACCOUNT,
        Namespace="default",
        AuthorizedResourceArns=[arn("dashboard", "secret")],
        ExperienceConfiguration={"Dashboard": {"InitialDashboardId": "sales"}},
    )
    assert code_of(initial_not_listed) == "InvalidParameterValueException"


def test_a_user_of_another_namespace(qs: Any, dashboards: tuple[str, str]) -> None:
    namespace = unique("tenant")
    create_namespace(qs, ACCOUNT, namespace)
    user = register(qs, ACCOUNT, namespace, "tenant-reader")
    qs.update_dashboard_permissions(
        AwsAccountId=ACCOUNT,
        DashboardId="sales",
        GrantPermissions=[{"Principal": user["Arn"], "Actions": VIEWER}],
    )
    assert registered(qs, user["Arn"])["Status"] == 200
    elsewhere = arn("user", "default", "tenant-reader")
    assert code_of(lambda: registered(qs, elsewhere)) == "QuickSightUserNotFoundException"


def test_another_accounts_key_is_denied(
    aws_server: AwsServer, other_key: Any, reader: dict[str, Any]
) -> None:
    theirs = aws_server.client("quicksight", other_key)
    assert code_of(lambda: registered(theirs, reader["Arn"])) == "AccessDeniedException"


# -- the sessions the URLs open ----------------------------------------------------------------


def test_a_code_opens_its_session_once(qs: Any, store: Services, reader: dict[str, Any]) -> None:
    session_id, code = parts(registered(qs, reader["Arn"])["EmbedUrl"])
    for forged in (code[:-2], code[:-1] + ("A" if code[-1] != "A" else "B")):
        with pytest.raises(CodeRejectedError):
            store.embedding.redeem(session_id, forged)
    opened = store.embedding.redeem(session_id, code)
    with pytest.raises(CodeRejectedError) as again:
        store.embedding.redeem(session_id, code)
    assert again.value.reason == "spent code"
    assert store.embedding.authenticate(session_id, opened.secret).session_id == session_id


def test_an_expired_code_opens_nothing(qs: Any, store: Services, reader: dict[str, Any]) -> None:
    session_id, code = parts(registered(qs, reader["Arn"])["EmbedUrl"])
    later = EmbeddingService(
        store.db,
        store.access,
        store.dashboards,
        clock=lambda: datetime.now(UTC) + timedelta(minutes=5, seconds=1),
    )
    with pytest.raises(CodeRejectedError) as caught:
        later.redeem(session_id, code)
    assert caught.value.reason == "expired code"


def test_sessions_are_listed_and_revoked_with_the_cli(
    aws_server: AwsServer, qs: Any, store: Services, reader: dict[str, Any]
) -> None:
    session_id, code = parts(registered(qs, reader["Arn"])["EmbedUrl"])
    opened = store.embedding.redeem(session_id, code)
    listed = run_json(aws_server.env, "embed", "sessions", "list", "--account-id", ACCOUNT)
    mine = [s for s in listed["Sessions"] if s["SessionId"] == session_id]
    assert len(mine) == 1 and mine[0]["Status"] == "ACTIVE"
    assert mine[0]["PrincipalArn"] == reader["Arn"]
    revoked = run_json(aws_server.env, "embed", "sessions", "revoke", "--session-id", session_id)
    assert revoked["Status"] == "REVOKED"
    with pytest.raises(SessionRejectedError):
        store.embedding.authenticate(session_id, opened.secret)
    events = run_json(aws_server.env, "events", "tail", "--limit", "50")
    kinds = [e["Type"] for e in events if e["AggregateId"] == session_id]
    assert kinds == [
        "analytics.EmbedUrlGenerated",
        "analytics.EmbedSessionOpened",
        "analytics.EmbedSessionRevoked",
    ]


def test_a_deleted_user_gets_no_more_data(
    qs: Any, store: Services, dashboards: tuple[str, str]
) -> None:
    user = register(qs, ACCOUNT, "default", "embed-leaver")
    qs.update_dashboard_permissions(
        AwsAccountId=ACCOUNT,
        DashboardId="sales",
        GrantPermissions=[{"Principal": user["Arn"], "Actions": VIEWER}],
    )
    session_id, code = parts(registered(qs, user["Arn"])["EmbedUrl"])
    opened = store.embedding.redeem(session_id, code)
    session = store.embedding.authenticate(session_id, opened.secret)
    watch = store.embedding.watch(session, "sales")
    assert watch.still_allowed() and store.embedding.may_open(session, "sales")
    qs.delete_user(AwsAccountId=ACCOUNT, Namespace="default", UserName="embed-leaver")
    # the very next request, in another process than the one that deleted the user
    session = store.embedding.authenticate(session_id, opened.secret)
    with pytest.raises(SessionRejectedError):
        store.embedding.viewer(session)
    assert not watch.still_allowed()
