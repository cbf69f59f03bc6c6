"""How long the ``sightgate`` command takes to start: ``--help`` and ``--version``.

Each run is a fresh process, as a person runs the command. In the same run, and
interleaved with it so that load on the machine hits every command alike, two baselines:
``python -c pass`` (the interpreter alone) and ``python -c "import typer"`` (the CLI
framework), so the figures separate what sightgate adds from what Python and typer cost
on this machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import machine, percentile, sightgate_argv

NAME = "cli_startup"
TARGET_SECONDS = 1.0
INTERPRETER = "python -c pass"
FRAMEWORK = "python -c 'import typer'"
MEASURED = ("sightgate --help", "sightgate --version")


def commands() -> dict[str, list[str]]:
    """The timed command lines by label: the baselines first."""
    return {
        INTERPRETER: [sys.executable, "-c", "pass"],
        FRAMEWORK: [sys.executable, "-c", "import typer"],
        "sightgate --help": sightgate_argv("--help"),
        "sightgate --version": sightgate_argv("--version"),
    }


def _seconds(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def run(runs: int = 20) -> dict[str, Any]:
    """Time every command ``runs`` times, round-robin, after one warm-up run each."""
    work = Path(tempfile.mkdtemp(prefix="sightgate-bench-cli-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGHTGATE_")}
    env["SIGHTGATE_DATA_DIR"] = str(work / "data")
    timed = commands()
    samples: dict[str, list[float]] = {label: [] for label in timed}
    for argv in timed.values():
        _seconds(argv, env)  # warm the file cache and the bytecode cache
    for _ in range(runs):
        for label, argv in timed.items():
            samples[label].append(_seconds(argv, env))
    figures = {label: _figures(sorted(values)) for label, values in samples.items()}
    return {
        "name": NAME,
        "machine": machine(),
        "runs": runs,
        "commands": figures,
        "ratio": {
            label: {
                "to_interpreter": _ratio(figures, label, INTERPRETER),
                "to_framework": _ratio(figures, label, FRAMEWORK),
            }
            for label in MEASURED
        },
        "targets": [
            {
                "name": f"{label} p50 < {TARGET_SECONDS:g} s",
                "passed": figures[label]["p50_ms"] < TARGET_SECONDS * 1000,
            }
            for label in MEASURED
        ],
    }


def _ratio(figures: dict[str, dict[str, float]], label: str, baseline: str) -> float:
    return round(figures[label]["p50_ms"] / figures[baseline]["p50_ms"], 2)


def _figures(seconds: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(seconds, 0.5) * 1000, 1),
        "p90_ms": round(percentile(seconds, 0.9) * 1000, 1),
        "min_ms": round(seconds[0] * 1000, 1),
        "max_ms": round(seconds[-1] * 1000, 1),
    }


def report(result: dict[str, Any]) -> str:
    """A readable table of one run."""
    lines = [
        f"CLI start-up, {result['runs']} runs each ({result['machine']['cpu_model']}, "
        f"{result['machine']['cores']} cores)",
        f"{'command':<28}{'p50 ms':>10}{'p90 ms':>10}{'min ms':>10}{'max ms':>10}"
        f"{'x python':>10}{'x typer':>10}",
    ]
    for label, figures in result["commands"].items():
        ratio = result["ratio"].get(label)
        lines.append(
            f"{label:<28}{figures['p50_ms']:>10}{figures['p90_ms']:>10}"
            f"{figures['min_ms']:>10}{figures['max_ms']:>10}"
            f"{ratio['to_interpreter'] if ratio else '':>10}"
            f"{ratio['to_framework'] if ratio else '':>10}"
        )
    lines.extend(
        f"target {t['name']}: {'met' if t['passed'] else 'MISSED'}" for t in result["targets"]
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
