"""Cold start of the on-call commands, side by side with kubectl, against one FakeCluster
started with `python -m clusterready.testing` (its own process):

(A) `clusterready verify "there are 6 pods named '^app-'" -n demo`
(B) `kubectl get pods -n demo -o custom-columns=NAME:.metadata.name` (warm cache)
(T) `clusterready try "at most 3 times every 1s to ..." --max-attempts 1`
(F) `python -c "import urllib3, json"`: the floor a Python client on urllib3 starts from
(S) `python -c "import http.client, json"`: the floor of one on the standard library

Whole processes, run in turn (A B T A B T ...): wall and CPU (user + system of the
child) medians, and the A/B and T/B ratios taken pair by pair. Python runs with its
bytecode cache on (in a temporary PYTHONPYCACHEPREFIX), as an installed wheel has it.
Run: `make bench` (or `python benchmarks/bench_cold_start.py`).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench_kube import fake_cluster_process

RUNS = 15


def timed(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> str:
    exe = str(Path(sys.executable).with_name("clusterready"))
    with fake_cluster_process(big=0) as fake, tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pyc")
        config = ["--kubeconfig", fake["kubeconfig"]]
        commands = {
            "A": [
                exe,
                "verify",
                "there are 6 pods named '^app-'",
                "-n",
                "demo",
                *config,
            ],
            "B": [
                "kubectl",
                *config,
                "--cache-dir",
                str(Path(tmp) / "kc"),
                "get",
                "pods",
                "-n",
                "demo",
                "-o",
                "custom-columns=NAME:.metadata.name",
            ],
            "T": [
                exe,
                "try",
                "at most 3 times every 1s to get pods named '^app-' and "
                "verify that 'status' matches 'Running|Pending'",
                "-n",
                "demo",
                "--max-attempts",
                "1",
                *config,
            ],
        }
        commands["F"] = [sys.executable, "-c", "import urllib3, json"]
        commands["S"] = [sys.executable, "-c", "import http.client, json"]
        for argv in commands.values():  # warm-up: caches, bytecode
            timed(argv, env)
        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
        for _ in range(RUNS):
            for key, argv in commands.items():
                runs[key].append(timed(argv, env))

    def median(key: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[key])

    def ratio(key: str, i: int) -> float:
        return statistics.median(a[i] / b[i] for a, b in zip(runs[key], runs["B"], strict=True))

    print(f"{'':34}{'wall (median)':>15}{'cpu (median)':>15}{'/kubectl wall':>15}{'cpu':>7}")
    for key, label in (
        ("A", "clusterready verify"),
        ("T", "clusterready try, 1 attempt"),
        ("B", "kubectl get (custom-columns)"),
        ("F", "python + urllib3 import (floor)"),
        ("S", "python + http.client import"),
    ):
        print(
            f"{label:34}{median(key, 0) * 1000:>12.0f} ms{median(key, 1) * 1000:>12.0f} ms"
            f"{ratio(key, 0):>14.2f}x{ratio(key, 1):>6.2f}x"
        )
    line = (
        f"cold start: clusterready verify {ratio('A', 0):.2f}x kubectl get (wall), "
        f"{ratio('A', 1):.2f}x (cpu); try {ratio('T', 0):.2f}x (wall); the urllib3 floor "
        f"{ratio('F', 0):.2f}x; medians of {RUNS} pairs"
    )
    print(line)
    return line


if __name__ == "__main__":
    main()
