"""The add-on validation suite on a 5,000-pod cluster, side by side with the raw-HTTP floor.

A FakeCluster in its own process holds the healthy EKS scenario
(`clusterready.testing.scenarios`) and healthy filler pods in `apps` up to 5,000 pods.

(V) `clusterready run addons --spec <the scenario's spec> --kubeconfig ...` (one process,
    pytest and every shipped add-on and cluster-level check): its wall time, and the
    requests it made, read from the FakeCluster's request log;
(R) the floor: the same requests (path and query, continue tokens included), made
    in one fresh process with http.client over one kept-alive connection, each answer
    read whole and `json.loads`-ed: what the suite's reads cost with nothing else.
    Both wall times are of the whole process; the floor's is printed with and without
    its own start-up.

Medians of RUNS runs, in turn (V R V R ...).
Run: `make bench` (or `python benchmarks/bench_validation.py`).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_kube import fake_cluster_process

PODS = 5000
RUNS = 3

# The floor: every request of the suite's run, in order, over one kept-alive connection.
FLOOR = """
import http.client, json, sys, time
from urllib.parse import urlencode, urlsplit
url, requests = sys.argv[1], json.load(open(sys.argv[2]))
start = time.perf_counter()
parts = urlsplit(url)
conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
for path, query in requests:
    conn.request("GET", path + ("?" + urlencode(query) if query else ""),
                 headers={"Accept": "application/json"})
    answer = conn.getresponse().read()
    if path.startswith(("/api", "/version")) and not path.endswith("/log"):
        json.loads(answer)
print(time.perf_counter() - start)
"""


def main() -> str:
    from clusterready.testing import scenarios

    exe = str(Path(sys.executable).with_name("clusterready"))
    suite: list[float] = []
    floor: list[tuple[float, float]] = []  # (whole process, the requests alone)
    with (
        fake_cluster_process(big=PODS, scenario="healthy") as fake,
        tempfile.TemporaryDirectory() as tmp,
    ):
        spec = Path(tmp) / "spec.json"
        spec.write_text(json.dumps(scenarios.spec()), encoding="utf-8")
        report = Path(tmp) / "summary.json"
        made = Path(tmp) / "requests.json"
        command = [
            exe,
            "run",
            "addons",
            "--spec",
            str(spec),
            "--kubeconfig",
            fake["kubeconfig"],
            "--json-report",
            str(report),
            "--detik-max-attempts",
            "1",
            "-p",
            "no:cacheprovider",
            "-q",
        ]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pyc")
        subprocess.run(command, capture_output=True, env=env, check=False)  # warm-up: bytecode
        for _ in range(RUNS):
            seen = len(fake.requests())
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            suite.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"the add-on suite failed ({done.returncode}):\n{done.stdout}")
            requests = fake.requests()[seen:]
            made.write_text(json.dumps(requests), encoding="utf-8")
            start = time.perf_counter()
            alone = subprocess.run(
                [sys.executable, "-c", FLOOR, fake["url"], str(made)],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            ).stdout
            floor.append((time.perf_counter() - start, float(alone)))
        summary = json.loads(report.read_text(encoding="utf-8"))
    counts = Counter(path for path, _ in requests)
    lists = sum(n for path, n in counts.items() if path.endswith("/pods"))
    pod_lists = [q for path, q in requests if path.endswith("/pods") and "continue" not in q]
    tests = summary.get("counts") or summary.get("totals") or {}
    wall = statistics.median(suite)
    floor_wall = statistics.median(f[0] for f in floor)
    floor_alone = statistics.median(f[1] for f in floor)
    print(
        f"healthy EKS scenario + filler: {PODS} pods; the suite's outcomes: "
        f"{json.dumps(tests) if tests else '(see the summary)'}"
    )
    print(
        f"requests: {len(requests)} ({len(counts)} distinct paths; {lists} pod-list pages "
        f"in {len(pod_lists)} pod lists; discovery and /version included)"
    )
    print(f"{'':44}{'wall (median)':>15}{'/floor':>9}")
    print(f"{'(V) clusterready run addons':44}{wall:>12.2f} s{wall / floor_wall:>8.2f}x")
    print(f"{'(R) the same requests raw, whole process':44}{floor_wall:>12.2f} s{1:>8.2f}x")
    print(f"{'    ... the requests alone':44}{floor_alone:>12.2f} s")
    line = (
        f"validation: the add-on suite on {PODS} pods made {len(requests)} requests in "
        f"{wall:.2f}s, {wall / floor_wall:.2f}x the same requests raw ({floor_wall:.2f}s; "
        f"{floor_alone:.2f}s of requests); medians of {RUNS}"
    )
    print(line)
    return line


if __name__ == "__main__":
    main()
