"""What ``make run`` and ``make test`` would do, read from ``make -n`` (nothing is run)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("make") is None, reason="needs make"),
]
ROOT = Path(__file__).resolve().parents[2]


def planned(tmp_path: Path, *args: str, **env: str) -> list[str]:
    """The commands ``make -n ARGS`` would run, for a checkout without any venv or
    node_modules yet."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SIGHTGATE_")}
    environment.pop("HOST", None)
    environment.pop("PORT", None)
    result = subprocess.run(
        [
            "make",
            "-n",
            "-C",
            str(ROOT),
            f"VENV={tmp_path / 'venv'}",
            f"AWSCLI_VENV={tmp_path / 'awscli'}",
            f"SDK_STAMP={tmp_path / 'node_modules' / 'sdk' / 'package.json'}",
            *args,
        ],
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


def serve_line(lines: list[str]) -> str:
    [line] = [line for line in lines if "sightgate serve" in line]
    return line


def test_the_environment_decides_the_port_and_host(tmp_path: Path) -> None:
    """``SIGHTGATE_PORT=8091 make run`` serves on 8091: make passes no --port of its own."""
    line = serve_line(planned(tmp_path, "run", SIGHTGATE_PORT="8091", SIGHTGATE_HOST="127.0.0.2"))
    assert "--port" not in line and "--host" not in line


def test_make_variables_on_the_command_line_still_choose(tmp_path: Path) -> None:
    line = serve_line(planned(tmp_path, "run", "PORT=9000", "HOST=127.0.0.2"))
    assert line.endswith("serve --host 127.0.0.2 --port 9000")


def test_run_installs_only_what_running_needs(tmp_path: Path) -> None:
    """No dev or test tooling: the server never needs them. Node's runtime packages (the
    embedding SDK for the demo app's page) only where npm is there, without dev ones."""
    lines = planned(tmp_path, "run")
    assert any(line.endswith("pip install --quiet -e .") for line in lines)
    assert not [line for line in lines if "[dev]" in line or "awscli" in line]
    npm = [line for line in lines if "npm ci" in line]
    assert npm and all("command -v npm" in line and "--omit=dev" in line for line in npm)


def test_test_installs_the_dev_tooling_node_packages_and_the_aws_cli(tmp_path: Path) -> None:
    plan = "\n".join(planned(tmp_path, "test"))
    assert "-e '.[dev]'" in plan
    assert "npm ci" in plan
    assert "'awscli>=1.44,<2'" in plan


def test_awscli_has_its_own_target(tmp_path: Path) -> None:
    plan = "\n".join(planned(tmp_path, "awscli"))
    assert f"{tmp_path / 'awscli'}/bin/pip install --quiet 'awscli>=1.44,<2'" in plan
