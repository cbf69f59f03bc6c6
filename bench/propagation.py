"""Provisioning propagation: from a SCIM response to the user in QuickSight's ListUsers.

A real `sightgate serve` (embedded store, provisioning worker in-process, as `make run`
starts it) is driven by a SCIM client (the IdP) and boto3 (the ISV). Single changes: a user
is created and added to the reader role group; the clock runs from the PATCH response until
DescribeUser finds the user. Burst: many users are created with /Bulk and added to the
role group in one PATCH; the clock runs until ListUsers shows all of them, and the
provisioning events handled per second are reported. Target: p99 < 1 s for single changes.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import ClientError

from bench.harness import ServerProcess, free_port, machine, percentile, run_command, sightgate_argv

NAME = "propagation"
ACCOUNT = "111122223333"
READERS = "readers"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def run(singles: int = 50, burst: int = 10_000) -> dict[str, Any]:
    """Measure single-change latency and a burst's throughput."""
    work = Path(tempfile.mkdtemp(prefix="sightgate-bench-propagation-"))
    env = {**os.environ, "SIGHTGATE_DATA_DIR": str(work / "data")}
    env.pop("SIGHTGATE_DATABASE_URL", None)
    instance = json.loads(
        run_command(
            sightgate_argv(
                "instances", "create", "--type", "ACCOUNT", "--account-id", ACCOUNT, "--json"
            ),
            env,
        )
    )
    key = json.loads(
        run_command(sightgate_argv("keys", "create", "--account-id", ACCOUNT, "--json"), env)
    )
    port = free_port()
    server = ServerProcess(
        "sightgate",
        sightgate_argv("serve", "--port", str(port)),
        port=port,
        health_path="/healthz",
        log_path=work / "sightgate.log",
        env=env,
    )
    with server:
        token = json.loads(
            run_command(
                sightgate_argv("scim", "token", "create", "--base-url", server.base_url, "--json"),
                env,
            )
        )
        scim = httpx.Client(
            base_url=token["url"],
            headers={"Authorization": f"Bearer {token['token']}"},
            timeout=600,
        )
        quicksight = boto3.client(
            "quicksight",
            endpoint_url=server.base_url,
            region_name="us-east-1",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
            config=Config(retries={"max_attempts": 1}),
        )
        quicksight.create_account_subscription(
            AwsAccountId=ACCOUNT,
            AccountName="bench",
            NotificationEmail="bench@example.com",
            AuthenticationMethod="IAM_IDENTITY_CENTER",
            IAMIdentityCenterInstanceArn=instance["InstanceArn"],
            AdminGroup=["admins"],
            ReaderGroup=[READERS],
            Edition="ENTERPRISE",
        )
        group = scim.post("/Groups", json={"displayName": READERS}).json()["id"]
        single = _singles(scim, quicksight, group, singles)
        flood = _burst(scim, quicksight, group, burst)
    latencies = sorted(single)
    return {
        "name": NAME,
        "machine": machine(),
        "single": {
            "changes": len(latencies),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "max_ms": round(latencies[-1] * 1000, 1),
        },
        "burst": flood,
        "targets": [
            {
                "name": "single-change p99 < 1 s",
                "passed": percentile(latencies, 0.99) < 1.0,
            }
        ],
    }


def _singles(scim: httpx.Client, quicksight: Any, group: str, count: int) -> list[float]:
    latencies = []
    for i in range(count):
        user = scim.post("/Users", json={"userName": f"single{i}@example.com"}).json()["id"]
        scim.patch(
            f"/Groups/{group}",
            json={
                "schemas": [PATCH],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": user}]}],
            },
        ).raise_for_status()
        answered = time.perf_counter()
        while True:
            try:
                quicksight.describe_user(
                    AwsAccountId=ACCOUNT, Namespace="default", UserName=f"single{i}@example.com"
                )
                break
            except ClientError:
                time.sleep(0.005)
        latencies.append(time.perf_counter() - answered)
    return latencies


def _burst(scim: httpx.Client, quicksight: Any, group: str, count: int) -> dict[str, Any]:
    ids: list[str] = []
    for start in range(0, count, 1000):
        operations = [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": str(i),
                "data": {"userName": f"burst{i}@example.com"},
            }
            for i in range(start, min(count, start + 1000))
        ]
        answer = scim.post("/Bulk", json={"schemas": [BULK], "Operations": operations}).json()
        ids += [op["location"].rsplit("/", 1)[1] for op in answer["Operations"]]
    scim.patch(
        f"/Groups/{group}",
        json={
            "schemas": [PATCH],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": u} for u in ids]}],
        },
    ).raise_for_status()
    answered = time.perf_counter()
    while _provisioned_burst_users(quicksight) < count:
        time.sleep(0.5)
    elapsed = time.perf_counter() - answered
    events = 2 * count  # a UserCreated and a GroupMembershipCreated per user
    return {
        "users": count,
        "seconds_until_all_listed": round(elapsed, 1),
        "users_per_second": round(count / elapsed, 1),
        "events": events,
        "note": "UserCreated events were mostly handled while /Bulk ran; "
        "the clock starts at the PATCH",
    }


def _add_members(user_ids: list[str]) -> dict[str, Any]:
    return {"op": "add", "path": "members", "value": [{"value": u} for u in user_ids]}


def _provisioned_burst_users(quicksight: Any) -> int:
    total = 0
    for page in quicksight.get_paginator("list_users").paginate(
        AwsAccountId=ACCOUNT, Namespace="default"
    ):
        total += sum(1 for u in page["UserList"] if u["UserName"].startswith("burst"))
    return total


def report(result: dict[str, Any]) -> str:
    """A readable summary of one run."""
    single, burst = result["single"], result["burst"]
    return "\n".join(
        [
            f"Provisioning propagation ({result['machine']['cpu_model']}, "
            f"{result['machine']['cores']} cores, SQLite)",
            f"single changes: {single['changes']}  p50 {single['p50_ms']} ms  "
            f"p99 {single['p99_ms']} ms  max {single['max_ms']} ms",
            f"burst: {burst['users']} users listed "
            f"{burst['seconds_until_all_listed']} s after the PATCH "
            f"({burst['users_per_second']} users/s)",
            *(
                f"target {t['name']}: {'met' if t['passed'] else 'MISSED'}"
                for t in result["targets"]
            ),
        ]
    )


if __name__ == "__main__":
    print(report(run(singles=20, burst=500)))
