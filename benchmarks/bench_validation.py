"""The add-on validation suite on a 5,000-pod cluster, side by side with the raw-HTTP floor.

A FakeCluster in its own process holds the healthy EKS scenario
(`clusterready.testing.scenarios`) and healthy filler pods up to 5,000 pods: in `apps`
(where a real cluster's pods are), then, the worst case, in `kube-system` (which the
cluster-level checks list whole).

(V) `clusterready run addons --spec <the scenario's spec> --kubeconfig ...` (one process:
    pytest, every shipped add-on check and the cluster-level ones): its wall time, and
    the requests it made, read from the FakeCluster's request log;
(R) the floor: the same requests (path and query, continue tokens included), in order,
    in one fresh process, with http.client over one kept-alive connection, each answer
    read whole and `json.loads`-ed: the suite's reads with nothing else. Its wall time
    is of the whole process, and of the requests alone.

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
from pathlib import Path
from typing import Any

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
    if not path.endswith(("/log", "/readyz", "/livez")):
        json.loads(answer)
print(time.perf_counter() - start)
"""


def case(filler_namespace: str, tmp: Path) -> dict[str, Any]:
    """The suite and its floor on the scenario with its filler pods in one namespace."""
    from clusterready.testing import scenarios

    spec_file = tmp / "spec.json"
    spec_file.write_text(json.dumps(scenarios.spec()), encoding="utf-8")
    report, made = tmp / "summary.json", tmp / "requests.json"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pyc")
    suite: list[float] = []
    floor: list[tuple[float, float]] = []  # (whole process, the requests alone)
    with fake_cluster_process(PODS, "healthy", filler_namespace) as fake:
        command = [
            str(Path(sys.executable).with_name("clusterready")),
            "run",
            "addons",
            "--spec",
            str(spec_file),
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
    pages = [q for path, q in requests if path.endswith("/pods")]
    return {
        "outcomes": json.loads(report.read_text(encoding="utf-8")).get("totals", {}),
        "requests": len(requests),
        "distinct": len({json.dumps(r, sort_keys=True) for r in requests}),
        "pod pages": len(pages),
        "pod lists": sum("continue" not in q for q in pages),
        "suite": statistics.median(suite),
        "floor": statistics.median(f[0] for f in floor),
        "alone": statistics.median(f[1] for f in floor),
    }


def main() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        cases = {ns: case(ns, Path(tmp)) for ns in ("apps", "kube-system")}
    print(f"the healthy EKS scenario + filler pods: {PODS} pods; medians of {RUNS} runs")
    print(
        f"{'filler pods in':16}{'requests':>10}{'distinct':>10}{'pod lists':>11}"
        f"{'(pages)':>9}{'(V) suite':>12}{'(R) floor':>12}{'V/R':>8}{'R: requests':>14}"
    )
    for ns, c in cases.items():
        print(
            f"{ns:16}{c['requests']:>10}{c['distinct']:>10}{c['pod lists']:>11}"
            f"{c['pod pages']:>9}{c['suite']:>10.2f} s{c['floor']:>10.2f} s"
            f"{c['suite'] / c['floor']:>7.2f}x{c['alone']:>12.2f} s"
        )
    outcomes = cases["apps"]["outcomes"]
    print("the suite's outcomes: " + ", ".join(f"{k} {v}" for k, v in outcomes.items()))
    apps, worst = cases["apps"], cases["kube-system"]
    line = (
        f"validation: the add-on suite on {PODS} pods made {apps['requests']} requests in "
        f"{apps['suite']:.2f}s, {apps['suite'] / apps['floor']:.2f}x the same requests raw "
        f"({apps['floor']:.2f}s); all {PODS} in kube-system: {worst['requests']} requests, "
        f"{worst['suite']:.2f}s, {worst['suite'] / worst['floor']:.2f}x"
    )
    print(line)
    return line


if __name__ == "__main__":
    main()
