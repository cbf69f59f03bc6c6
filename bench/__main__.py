"""``python -m bench [--quick] [--store sqlite|postgresql]``: run, print, save as JSON.

Results go to ``bench/results/<name>.json`` so runs on different machines or stores can
be compared later; the printed tables are the same figures for a human.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from bench import (
    assets,
    authorization,
    aws_protocol,
    cli_startup,
    data,
    embedding,
    propagation,
    scim_provisioning,
)

RESULTS = Path(__file__).resolve().parent / "results"
BENCHMARKS = ["scim", "aws", "propagation", "cli", "authorization", "data", "assets", "embedding"]


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the benchmark, print and save the results."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="sightgate's benchmarks; see docs/benchmarks.md.",
    )
    parser.add_argument(
        "--only",
        choices=BENCHMARKS,
        action="append",
        help="run only these benchmarks (repeatable; default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke-test sizes (1,000 users, 10,000 stored)"
    )
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=scim_provisioning.DEFAULT_POSTGRES_URL,
        help="an existing database to connect to; a fresh one is created beside it and dropped",
    )
    parser.add_argument("--concurrency", type=int, help="concurrent clients (default 8)")
    parser.add_argument("--users", type=int, help="users to provision over SCIM")
    parser.add_argument("--groups", type=int, help="groups to create over SCIM")
    parser.add_argument("--stored-users", type=int, help="users stored for the scale phases")
    parser.add_argument(
        "--serve-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra `sightgate serve` option, e.g. --serve-arg=--no-worker (repeatable)",
    )
    parser.add_argument("--data-rows", type=int, help="sales rows of the data benchmark")
    parser.add_argument(
        "--data-rounds", type=int, help="rounds of the data benchmark's comparisons (default 3)"
    )
    parser.add_argument(
        "--name", help="results file name, for a run of one benchmark (default: from the options)"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    config = scim_provisioning.Config.quick() if args.quick else scim_provisioning.Config()
    overrides = {
        "concurrency": args.concurrency,
        "users": args.users,
        "groups": args.groups,
        "stored_users": args.stored_users,
    }
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    config = replace(config, serve_args=tuple(args.serve_arg))

    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    chosen = args.only or BENCHMARKS
    suffix = "-quick" if args.quick else ""
    missed: list[str] = []
    if "scim" in chosen:
        result = scim_provisioning.run(config, args.store, args.postgres_url)
        print()
        print(scim_provisioning.report(result))
        name = args.name or f"{scim_provisioning.NAME}-{args.store}{suffix}"
        missed += _save(name, result, command)
    if "aws" in chosen:
        result = aws_protocol.run(calls=400 if args.quick else 2000)
        print()
        print(aws_protocol.report(result))
        missed += _save(args.name or f"{aws_protocol.NAME}{suffix}", result, command)
    if "propagation" in chosen:
        result = propagation.run(
            singles=20 if args.quick else 100, burst=500 if args.quick else 10_000
        )
        print()
        print(propagation.report(result))
        missed += _save(args.name or f"{propagation.NAME}{suffix}", result, command)
    if "cli" in chosen:
        result = cli_startup.run(runs=5 if args.quick else 20)
        print()
        print(cli_startup.report(result))
        missed += _save(args.name or f"{cli_startup.NAME}{suffix}", result, command)
    if "authorization" in chosen:
        sizes = authorization.Config.quick() if args.quick else authorization.Config()
        result = authorization.run(sizes, args.store, args.postgres_url)
        print()
        print(authorization.report(result))
        missed += _save(args.name or f"{authorization.NAME}-{args.store}{suffix}", result, command)
    if "data" in chosen:
        data_sizes = data.Config.quick() if args.quick else data.Config()
        if args.data_rows is not None:
            data_sizes = replace(data_sizes, rows=args.data_rows)
        if args.data_rounds is not None:
            rounds = args.data_rounds
            data_sizes = replace(data_sizes, rounds=rounds, ingest_rounds=rounds)
        result = data.run(data_sizes, args.postgres_url)
        print()
        print(data.report(result))
        missed += _save(args.name or f"{data.NAME}{suffix}", result, command)
    if "assets" in chosen:
        asset_sizes = assets.Config.quick() if args.quick else assets.Config()
        result = assets.run(asset_sizes, args.store, args.postgres_url)
        print()
        print(assets.report(result))
        missed += _save(args.name or f"{assets.NAME}-{args.store}{suffix}", result, command)
    if "embedding" in chosen:
        result = embedding.run(
            calls=200 if args.quick else 1000, loads=5 if args.quick else 15, seconds=10.0
        )
        print()
        print(embedding.report(result))
        missed += _save(args.name or f"{embedding.NAME}{suffix}", result, command)
    return 1 if args.strict and missed else 0


def _save(name: str, result: dict[str, object], command: str) -> list[str]:
    """Write ``result`` to bench/results/<name>.json; the names of its missed targets."""
    result["command"] = command
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results written to {path}")
    targets = result.get("targets") or []
    assert isinstance(targets, list)
    return [t["name"] for t in targets if not t["passed"]]


if __name__ == "__main__":
    sys.exit(main())
