"""The cost of the AWS protocol layer: QuickSight DescribeUser through boto3.

Against sightgate (model-driven routing, SigV4, validation, a database read, serialization,
request logs) and, in the same run, against ``bench.sigv4_app``, a bare ASGI endpoint that
only verifies the SigV4 signature with the same verifier and returns a constant user. Both
are driven by the same boto3 code, so client-side costs (signing, parsing) are in both
figures and the ratio shows what sightgate adds per call.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from bench.harness import ServerProcess, free_port, machine, percentile, run_command, sightgate_argv

NAME = "aws_protocol"
ACCOUNT = "111122223333"
USER = "bench-user"


def _client(base_url: str, key: str, secret: str) -> Any:
    return boto3.client(
        "quicksight",
        endpoint_url=base_url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def _measure(call: Callable[[], Any], clients: int, per_client: int) -> dict[str, float]:
    """``clients`` threads each making ``per_client`` calls; throughput and latencies."""
    latencies: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = []
        for _ in range(per_client):
            started = time.perf_counter()
            call()
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def run(calls: int = 2000, clients: int = 4) -> dict[str, Any]:
    """Measure both servers; ``calls`` per phase in total."""
    work = Path(tempfile.mkdtemp(prefix="sightgate-bench-aws-"))
    env = {**os.environ, "SIGHTGATE_DATA_DIR": str(work / "data"), "SIGHTGATE_LOG_LEVEL": "INFO"}
    env.pop("SIGHTGATE_DATABASE_URL", None)
    run_command(sightgate_argv("db", "upgrade"), env)
    key = json.loads(
        run_command(sightgate_argv("keys", "create", "--account-id", ACCOUNT, "--json"), env)
    )
    access_key, secret = key["AccessKeyId"], key["SecretAccessKey"]
    results: dict[str, Any] = {
        "name": NAME,
        "machine": machine(),
        "calls": calls,
        "clients": clients,
    }

    port = free_port()
    sightgate = ServerProcess(
        "sightgate",
        sightgate_argv("serve", "--port", str(port), "--no-migrate", "--no-worker"),
        port=port,
        health_path="/healthz",
        log_path=work / "sightgate.log",
        env=env,
    )
    with sightgate:
        client = _client(sightgate.base_url, access_key, secret)
        client.create_account_subscription(
            AwsAccountId=ACCOUNT,
            AccountName="bench",
            NotificationEmail="bench@example.com",
            AuthenticationMethod="IAM_AND_QUICKSIGHT",
            Edition="ENTERPRISE",
        )
        client.register_user(
            AwsAccountId=ACCOUNT,
            Namespace="default",
            IdentityType="QUICKSIGHT",
            Email=f"{USER}@example.com",
            UserRole="READER",
            UserName=USER,
        )
        results["sightgate"] = _phases(sightgate.base_url, access_key, secret, calls, clients)

    port = free_port()
    bare = ServerProcess(
        "sigv4-only",
        [
            *sightgate_argv()[:2],
            "bench.sigv4_app",
            "--port",
            str(port),
            "--key",
            access_key,
            "--secret",
            secret,
        ],
        port=port,
        health_path="/healthz",
        log_path=work / "bare.log",
        env=env,
    )
    with bare:
        results["baseline"] = _phases(bare.base_url, access_key, secret, calls, clients)

    results["ratio"] = {
        phase: round(
            results["sightgate"][phase]["requests_per_second"]
            / results["baseline"][phase]["requests_per_second"],
            3,
        )
        for phase in ("sequential", "concurrent")
    }
    return results


def _phases(base_url: str, key: str, secret: str, calls: int, clients: int) -> dict[str, Any]:
    local = threading.local()

    def describe() -> Any:
        if not hasattr(local, "client"):
            local.client = _client(base_url, key, secret)
        return local.client.describe_user(AwsAccountId=ACCOUNT, Namespace="default", UserName=USER)

    _measure(describe, 1, 50)  # warm up: connections, botocore's model cache, the server
    return {
        "sequential": _measure(describe, 1, calls // 2),
        "concurrent": _measure(describe, clients, calls // (2 * clients)),
    }


def report(result: dict[str, Any]) -> str:
    """A readable table of one run."""
    lines = [
        f"AWS protocol layer: DescribeUser through boto3 ({result['machine']['cpu_model']}, "
        f"{result['machine']['cores']} cores)",
        f"{'phase':<12}{'target':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}",
    ]
    for phase in ("sequential", "concurrent"):
        for target in ("sightgate", "baseline"):
            figures = result[target][phase]
            lines.append(
                f"{phase:<12}{target:<12}{figures['requests_per_second']:>10}"
                f"{figures['p50_ms']:>10}{figures['p99_ms']:>10}"
            )
        lines.append(f"{'':<12}{'ratio':<12}{result['ratio'][phase]:>10}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
