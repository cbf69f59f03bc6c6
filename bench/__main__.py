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

from bench import scim_provisioning

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the benchmark, print and save the results."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="SCIM provisioning benchmark; see docs/benchmarks.md."
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
    parser.add_argument("--name", help="results file name (default: derived from the options)")
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

    result = scim_provisioning.run(config, args.store, args.postgres_url)
    result["command"] = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    print()
    print(scim_provisioning.report(result))

    name = args.name or f"{scim_provisioning.NAME}-{args.store}{'-quick' if args.quick else ''}"
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nresults written to {path}")
    missed = [t["name"] for t in result["targets"] if not t["passed"]]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
