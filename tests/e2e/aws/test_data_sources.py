"""Data sources through boto3 against a real server: a PostgreSQL source at 127.0.0.1:5432
and one at a closed port, S3 on moto's server, permissions, paging, search, and the
AWS errors of bad input; the password shows up in no response and no log line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analytics.data.catalog.conftest import PASSWORD, free_port, pg_target, s3_client
from tests.e2e.aws.conftest import (
    ACCOUNT,
    OTHER_ACCOUNT,
    REGION,
    AwsServer,
    Key,
    code_of,
    collect_pages,
    error_member,
    error_of,
    register,
    status_of,
    subscribe,
)
from tests.e2e.aws.test_errors import signed
from tests.e2e.helpers import cli_env, fresh_store, running_server

OWNER = [
    "quicksight:DeleteDataSource",
    "quicksight:DescribeDataSource",
    "quicksight:DescribeDataSourcePermissions",
    "quicksight:PassDataSource",
    "quicksight:UpdateDataSource",
    "quicksight:UpdateDataSourcePermissions",
]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 in server mode, on a port of its own."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data-sources") / "server.log"


@pytest.fixture(scope="module")
def data_server(
    tmp_path_factory: pytest.TempPathFactory, server_log: Path, s3_endpoint: str
) -> Iterator[AwsServer]:
    """``sightgate serve`` reading S3 at moto's endpoint, logging at DEBUG to a file."""
    with fresh_store() as database_url:
        env = cli_env(tmp_path_factory.mktemp("aws") / "data", database_url)
        env["SIGHTGATE_S3_ENDPOINT_URL"] = s3_endpoint
        env["SIGHTGATE_LOG_LEVEL"] = "DEBUG"
        with running_server(env, "--worker", log_path=server_log) as url:
            yield AwsServer(env, url)


@pytest.fixture(scope="module")
def key(data_server: AwsServer) -> Key:
    return data_server.new_key(ACCOUNT)


@pytest.fixture(scope="module")
def qs(data_server: AwsServer, key: Key) -> Any:
    client = data_server.client("quicksight", key)
    subscribe(client, ACCOUNT, "data-acme")
    return client


@pytest.fixture(scope="module")
def lax_qs(data_server: AwsServer, key: Key, qs: Any) -> Any:
    """A client without botocore's own validation: the server's answers what is wrong."""
    return data_server.client("quicksight", key, validate=False)


ANSWERS: list[Any] = []
"""Every answer of this module's calls, to look for the password in."""


def answer(response: Any) -> Any:
    ANSWERS.append(response)
    return response


def pg_source(
    data_source_id: str, *, port: int | None = None, disable_ssl: bool = True
) -> dict[str, Any]:
    target = pg_target()
    return {
        "AwsAccountId": ACCOUNT,
        "DataSourceId": data_source_id,
        "Name": f"warehouse {data_source_id}",
        "Type": "POSTGRESQL",
        "DataSourceParameters": {
            "PostgreSqlParameters": {
                "Host": "127.0.0.1",
                "Port": port or target["port"],
                "Database": target["database"],
            }
        },
        "Credentials": {"CredentialPair": {"Username": target["user"], "Password": PASSWORD}},
        "SslProperties": {"DisableSsl": disable_ssl},
    }


def source_arn(data_source_id: str) -> str:
    return f"arn:aws:quicksight:{REGION}:{ACCOUNT}:datasource/{data_source_id}"


def test_a_real_postgresql_source_is_created_successfully(qs: Any) -> None:
    created = answer(qs.create_data_source(**pg_source("pg-real")))
    assert created["Status"] == 201
    assert created["CreationStatus"] == "CREATION_SUCCESSFUL"
    assert created["Arn"] == source_arn("pg-real")
    described = answer(qs.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId="pg-real"))
    source = described["DataSource"]
    assert source["Status"] == "CREATION_SUCCESSFUL"
    assert source["Type"] == "POSTGRESQL"
    assert source["SslProperties"] == {"DisableSsl": True}
    assert source["DataSourceParameters"]["PostgreSqlParameters"]["Host"] == "127.0.0.1"
    assert "Credentials" not in source and "ErrorInfo" not in source


def test_a_closed_port_is_creation_failed_with_error_info(qs: Any) -> None:
    created = answer(qs.create_data_source(**pg_source("pg-closed", port=free_port())))
    assert created["CreationStatus"] == "CREATION_FAILED"
    source = answer(qs.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId="pg-closed"))
    error = source["DataSource"]["ErrorInfo"]
    assert error["Type"] == "UNKNOWN"
    assert "refused" in error["Message"]


def test_update_tests_again(qs: Any) -> None:
    answer(qs.create_data_source(**pg_source("pg-move", port=free_port())))
    target = pg_target()
    updated = answer(
        qs.update_data_source(
            AwsAccountId=ACCOUNT,
            DataSourceId="pg-move",
            Name="moved",
            DataSourceParameters={
                "PostgreSqlParameters": {
                    "Host": "127.0.0.1",
                    "Port": target["port"],
                    "Database": target["database"],
                }
            },
        )
    )
    assert updated["UpdateStatus"] == "UPDATE_SUCCESSFUL"
    source = qs.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId="pg-move")["DataSource"]
    assert source["Name"] == "moved" and "ErrorInfo" not in source


def test_s3_sources_read_their_manifest_on_the_configured_endpoint(
    qs: Any,
    s3_endpoint: str,
) -> None:
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket="e2e-manifests")
    client.put_object(Bucket="e2e-manifests", Key="m.json", Body=b'{"fileLocations": []}')
    request = {
        "AwsAccountId": ACCOUNT,
        "Name": "files",
        "Type": "S3",
        "Credentials": {"CredentialPair": {"Username": "AKIAMOTO", "Password": PASSWORD}},
    }
    ok = answer(
        qs.create_data_source(
            DataSourceId="s3-ok",
            DataSourceParameters={
                "S3Parameters": {
                    "ManifestFileLocation": {"Bucket": "e2e-manifests", "Key": "m.json"}
                }
            },
            **request,
        )
    )
    assert ok["CreationStatus"] == "CREATION_SUCCESSFUL"
    missing = answer(
        qs.update_data_source(
            AwsAccountId=ACCOUNT,
            DataSourceId="s3-ok",
            Name="files",
            DataSourceParameters={
                "S3Parameters": {"ManifestFileLocation": {"Bucket": "e2e-manifests", "Key": "gone"}}
            },
        )
    )
    assert missing["UpdateStatus"] == "UPDATE_FAILED"
    source = qs.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId="s3-ok")["DataSource"]
    assert "s3://e2e-manifests/gone" in source["ErrorInfo"]["Message"]


def test_permissions_search_and_paging(qs: Any) -> None:
    register(qs, ACCOUNT, "default", "ds-owner")
    owner = f"arn:aws:quicksight:{REGION}:{ACCOUNT}:user/default/ds-owner"
    for index in range(3):
        request = {**pg_source(f"page-{index}", port=free_port()), "Name": f"paged {index}"}
        if index:
            request["Permissions"] = [{"Principal": owner, "Actions": OWNER}]
        answer(qs.create_data_source(**request))
    pages = collect_pages(
        lambda **kw: qs.list_data_sources(AwsAccountId=ACCOUNT, **kw), "DataSources", 1
    )
    ids = [s["DataSourceId"] for page in pages for s in page]
    assert ids == sorted(ids) and {"page-0", "page-1", "page-2"} <= set(ids)
    described = answer(
        qs.describe_data_source_permissions(AwsAccountId=ACCOUNT, DataSourceId="page-1")
    )
    assert described["Permissions"] == [{"Principal": owner, "Actions": OWNER}]
    qs.update_data_source_permissions(
        AwsAccountId=ACCOUNT,
        DataSourceId="page-2",
        RevokePermissions=[{"Principal": owner, "Actions": OWNER}],
    )
    found = qs.search_data_sources(
        AwsAccountId=ACCOUNT,
        Filters=[{"Name": "DIRECT_QUICKSIGHT_OWNER", "Operator": "StringEquals", "Value": owner}],
    )
    assert [s["DataSourceId"] for s in found["DataSourceSummaries"]] == ["page-1"]
    by_name = qs.search_data_sources(
        AwsAccountId=ACCOUNT,
        Filters=[{"Name": "DATASOURCE_NAME", "Operator": "StringLike", "Value": "PAGED"}],
        MaxResults=1,
    )
    assert len(by_name["DataSourceSummaries"]) == 1 and by_name["NextToken"]


def test_delete_then_describe_is_not_found(qs: Any) -> None:
    answer(qs.create_data_source(**pg_source("short-lived", port=free_port())))
    deleted = qs.delete_data_source(AwsAccountId=ACCOUNT, DataSourceId="short-lived")
    assert deleted["Arn"] == source_arn("short-lived")
    error = error_of(
        lambda: qs.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId="short-lived")
    )
    assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    assert error_member(error, "ResourceType") == "DATA_SOURCE"


# -- bad input ---------------------------------------------------------------------------


def test_unsupported_types_are_invalid_parameter_values_naming_them(qs: Any) -> None:
    error = error_of(lambda: qs.create_data_source(**{**pg_source("my"), "Type": "MYSQL"}))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "MYSQL" in error.response["Error"]["Message"]


def test_a_taken_id_is_resource_exists(qs: Any) -> None:
    answer(qs.create_data_source(**pg_source("taken", port=free_port())))
    error = error_of(lambda: qs.create_data_source(**pg_source("taken", port=free_port())))
    assert error.response["Error"]["Code"] == "ResourceExistsException"


@pytest.mark.parametrize(
    "change",
    [
        {
            "DataSourceParameters": {
                "PostgreSqlParameters": {"Host": "h", "Port": "x", "Database": "d"}
            }
        },
        {"Name": 12},
        {"Name": "n" * 100_000},
        {"DataSourceId": "../../etc/passwd"},
        {"Credentials": {"CredentialPair": {"Username": "u"}}},
        {
            "Permissions": [
                {
                    "Principal": "arn:aws:quicksight:us-east-1:444455556666:user/default/x",
                    "Actions": OWNER,
                }
            ]
        },
    ],
)
def test_wrong_types_and_values_are_refused(lax_qs: Any, qs: Any, change: dict[str, Any]) -> None:
    error = error_of(lambda: lax_qs.create_data_source(**{**pg_source("bad"), **change}))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert status_of(error) == 400
    assert PASSWORD not in json.dumps(error.response, default=str)
    assert code_of(lambda: qs.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId="bad")) == (
        "ResourceNotFoundException"
    )


def test_a_malformed_body_is_a_serialization_error(
    data_server: AwsServer, key: Key, qs: Any
) -> None:
    url = f"{data_server.url}/accounts/{ACCOUNT}/data-sources"
    for body in (b'{"DataSourceId": "x", "Name": ', b"[1, 2]", b'{"Name": "\\ud800"}'):
        headers = signed(key, "POST", url, body, "quicksight", {"content-type": "application/json"})
        response = httpx.post(url, content=body, headers=headers)
        assert response.status_code == 400
        assert response.headers["x-amzn-ErrorType"] == "SerializationException"
    body = json.dumps(
        {"DataSourceId": "x", "Name": "n", "Type": "POSTGRESQL", "DataSourceParameters": "str"}
    ).encode()
    headers = signed(key, "POST", url, body, "quicksight", {"content-type": "application/json"})
    response = httpx.post(url, content=body, headers=headers)
    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "InvalidParameterValueException"


def test_a_huge_body_is_refused_before_it_is_read(lax_qs: Any) -> None:
    error = error_of(
        lambda: lax_qs.create_data_source(**{**pg_source("huge"), "Name": "x" * (9 * 1024 * 1024)})
    )
    assert error.response["Error"]["Code"] == "RequestEntityTooLargeException"


def test_another_accounts_key_cannot_see_or_change_the_sources(
    data_server: AwsServer, qs: Any
) -> None:
    other = data_server.client("quicksight", data_server.new_key(OTHER_ACCOUNT))
    subscribe(other, OTHER_ACCOUNT, "data-other")
    answer(qs.create_data_source(**pg_source("private", port=free_port())))
    assert code_of(
        lambda: other.describe_data_source(AwsAccountId=ACCOUNT, DataSourceId="private")
    ) == ("AccessDeniedException")
    assert (
        code_of(
            lambda: other.describe_data_source(AwsAccountId=OTHER_ACCOUNT, DataSourceId="private")
        )
        == "ResourceNotFoundException"
    )
    copied = {
        **pg_source("thief"),
        "AwsAccountId": OTHER_ACCOUNT,
        "Credentials": {"CopySourceArn": source_arn("private")},
    }
    error = error_of(lambda: other.create_data_source(**copied))
    assert error.response["Error"]["Code"] == "InvalidParameterValueException"
    assert other.list_data_sources(AwsAccountId=OTHER_ACCOUNT)["DataSources"] == []


def test_the_password_is_in_no_answer_and_no_log_line(qs: Any, server_log: Path) -> None:
    """Last in the module: every answer above, every list, and the whole server log."""
    answer(qs.list_data_sources(AwsAccountId=ACCOUNT, MaxResults=100))
    text = json.dumps(ANSWERS, default=str)
    assert "s3-ok" in text  # the answers hold what was created (with its credentials sent)
    assert PASSWORD not in text
    log = server_log.read_text()
    assert "CreateDataSource" in log or "data-sources" in log  # the log is the server's
    assert PASSWORD not in log
