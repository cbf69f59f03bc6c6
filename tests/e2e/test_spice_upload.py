"""``sightgate datasets upload``: a file becomes a SPICE dataset in one command (and its
next version the next time); files too large or of an unknown kind are refused up front."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sightgate.analytics.data.spice.versions import SpiceVersions
from sightgate.analytics.directory.model import SubscriptionRequest
from sightgate.bootstrap import Services
from sightgate.config import Settings
from sightgate.platform.events import Actor
from sightgate.store.migrate import upgrade
from tests.e2e.helpers import cli_env, run_cli, run_json

ACCOUNT = "111122223333"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The CLI's environment over an embedded store with ``ACCOUNT`` subscribed."""
    data_dir = tmp_path / "data"
    running = Services.build(Settings(data_dir=data_dir))
    upgrade(running.db)
    running.directory.accounts.create_subscription(
        ACCOUNT,
        SubscriptionRequest(
            account_name="acme",
            notification_email="ops@example.com",
            authentication_method="IAM_AND_QUICKSIGHT",
        ),
        region="us-east-1",
        actor=Actor("test", "setup"),
    )
    running.db.dispose()
    return cli_env(data_dir, None)


def served(env: dict[str, str], data_set_id: str) -> tuple[int, list[tuple[object, ...]]]:
    running = Services.build(Settings(data_dir=Path(env["SIGHTGATE_DATA_DIR"])))
    with running.db.read() as conn:
        version = SpiceVersions.current(conn, ACCOUNT, data_set_id)
    running.db.dispose()
    assert version is not None
    with duckdb.connect(str(version.path), read_only=True) as duck:
        return version.number, duck.execute("SELECT * FROM data ORDER BY 1").fetchall()


def test_a_file_becomes_a_spice_dataset_and_its_next_version(
    env: dict[str, str], tmp_path: Path
) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text("id,customer,revenue\n1,red_customer,1.5\n2,blue_customer,2.5\n")
    done = run_json(
        env, "datasets", "upload", str(sales), "--account-id", ACCOUNT, "--data-set-id", "sales"
    )
    assert done["IngestionStatus"] == "COMPLETED" and done["RowsIngested"] == 2
    assert served(env, "sales") == (1, [(1, "red_customer", 1.5), (2, "blue_customer", 2.5)])

    sales.write_text("id,customer,revenue\n3,red_customer,4\n")
    shown = run_cli(
        env, "datasets", "upload", str(sales), "--account-id", ACCOUNT, "--data-set-id", "sales"
    )
    assert shown.returncode == 0, shown.stderr
    assert "sales: COMPLETED, 1 rows ingested, 0 dropped" in shown.stdout
    assert served(env, "sales") == (2, [(3, "red_customer", 4.0)])


def test_json_and_parquet_files(env: dict[str, str], tmp_path: Path) -> None:
    lines = tmp_path / "sales.jsonl"
    lines.write_text('{"id": 1, "customer": "a"}\n{"id": 2, "customer": "b"}\n')
    assert (
        run_json(
            env, "datasets", "upload", str(lines), "--account-id", ACCOUNT, "--data-set-id", "j"
        )["RowsIngested"]
        == 2
    )
    parquet = tmp_path / "sales.parquet"
    with duckdb.connect() as duck:
        duck.sql("SELECT range AS id FROM range(5)").write_parquet(str(parquet))
    assert (
        run_json(
            env, "datasets", "upload", str(parquet), "--account-id", ACCOUNT, "--data-set-id", "p"
        )["RowsIngested"]
        == 5
    )


def test_a_2_gb_upload_is_refused_up_front(env: dict[str, str], tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as out:  # sparse: no disk is used
        out.truncate(2 * 2**30)
    refused = run_cli(
        env, "datasets", "upload", str(big), "--account-id", ACCOUNT, "--data-set-id", "big"
    )
    assert refused.returncode == 1
    assert "2.00 GiB" in refused.stderr and "SIGHTGATE_SPICE_MAX_UPLOAD_BYTES" in refused.stderr
    # Nothing was created.
    missing = run_cli(
        env,
        "datasets",
        "upload",
        str(tmp_path / "none.csv"),
        "--account-id",
        ACCOUNT,
        "--data-set-id",
        "big",
    )
    assert missing.returncode == 1 and "is not a file" in missing.stderr
    odd = tmp_path / "sales.xlsx"
    odd.write_bytes(b"PK")
    refused = run_cli(
        env, "datasets", "upload", str(odd), "--account-id", ACCOUNT, "--data-set-id", "x"
    )
    assert refused.returncode == 1 and ".parquet" in refused.stderr


def test_the_limit_is_a_setting(env: dict[str, str], tmp_path: Path) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text("id\n" + "1\n" * 100)
    limited = {**env, "SIGHTGATE_SPICE_MAX_UPLOAD_BYTES": "50"}
    refused = run_cli(
        limited, "datasets", "upload", str(sales), "--account-id", ACCOUNT, "--data-set-id", "s"
    )
    assert refused.returncode == 1 and "SIGHTGATE_SPICE_MAX_UPLOAD_BYTES" in refused.stderr
