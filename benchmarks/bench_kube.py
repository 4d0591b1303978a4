"""Kubernetes reads, side by side in one run against one FakeCluster (its own process):

(a) one `kubectl get pods -o custom-columns=NAME:.metadata.name,PROP:.status.phase`
    process per check, as bats-detik does;
(b) clusterready.kube.Cluster streamed list (`iter_list`) + projection in process, reused;
(c) the floor: a raw http.client GET + json.loads.

At 6 pods and at 5,000 pods; medians, ratios, and peak RSS growth of (b) at 5,000 pods.

Then memory at 50,000 pods (another FakeCluster process), each variant in a fresh
child process, run in turn: wall and CPU time of the list alone, and peak RSS growth (the
kernel's high-water mark VmHWM, reset with clear_refs after start-up, minus VmRSS then):
(floor) raw paginated GETs (`limit` 500 + `continue`, as Cluster pages), `json.loads`
per page, nothing kept; (stream) `Cluster.iter_list`, nothing kept; (projected) the same,
keeping the projected (name, phase) rows, as a check does; (detik) a DETIK `verify`
counting the pods; (list) `Cluster.list` (every object held at once, then projected).
Ratios are of each round's pair.
Run: `make bench` (or `python benchmarks/bench_kube.py`).
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SMALL, BIG = 6, 5000
COLUMNS = "custom-columns=NAME:.metadata.name,PROP:.status.phase"


def make_pod(i: int, namespace: str) -> dict[str, Any]:
    """A realistic pod (about 700 bytes of JSON)."""
    name = f"app-{i:05d}-7d9f8b6c5-x2k4p"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app": f"app-{i % 50}", "pod-template-hash": "7d9f8b6c5"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"app-{i % 50}-7d9f8b6c5",
                    "uid": "9a1e3c0e-5a8a-4c5e-9d7e-1f2b3c4d5e6f",
                }
            ],
        },
        "spec": {
            "nodeName": f"ip-10-0-{i % 3}-{i % 250}.eu-west-1.compute.internal",
            "containers": [
                {
                    "name": "app",
                    "image": "registry.example.com/app:1.2.3",
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                }
            ],
        },
        "status": {
            "phase": "Running" if i % 7 else "Pending",
            "podIP": f"10.0.{i % 250}.{i % 200}",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0}],
        },
    }


# The FakeCluster process: its pods are built there (a 50,000-pod state file would take
# minutes to read as YAML); it prints FakeCluster's {"url", "kubeconfig"} line and serves
# until SIGTERM. With a scenario (clusterready.testing.scenarios), it holds that cluster
# and healthy filler pods (in one namespace) up to `big` pods in all. Each line on its
# stdin asks for the request log: one JSON line, [[path, query], ...] of every request.
SERVE = """
import json, signal, sys, threading
sys.path.insert(0, sys.argv[1])
from bench_kube import SMALL, filler_pod, make_pod
from clusterready.testing import FakeCluster
big, scenario, filler_namespace = int(sys.argv[2]), sys.argv[3], sys.argv[4]
if scenario:
    from clusterready.testing import scenarios
    fake = scenarios.cluster(scenario)
    nodes = [name for name, _, _ in scenarios.NODES]
    for i in range(big - len(fake.objects("pods"))):
        fake.apply(filler_pod(i, nodes, filler_namespace))
else:
    pods = [make_pod(i, "demo") for i in range(SMALL)]
    pods += [make_pod(i, "big") for i in range(big)]
    fake = FakeCluster(objects=pods)
    del pods
fake.start()
print(json.dumps({"url": fake.url, "kubeconfig": fake.kubeconfig}), flush=True)
def log():
    for _ in sys.stdin:
        print(json.dumps([[r.path, dict(r.query)] for r in fake.requests]), flush=True)
threading.Thread(target=log, daemon=True).start()
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
signal.pause()
"""


class Served(dict[str, str]):
    """The FakeCluster process's {"url", "kubeconfig"}, and its request log."""

    proc: subprocess.Popen[str]

    def requests(self) -> list[tuple[str, dict[str, str]]]:
        """(path, query) of every request the FakeCluster received so far."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write("requests\n")
        self.proc.stdin.flush()
        return [(path, query) for path, query in json.loads(self.proc.stdout.readline())]


def filler_pod(i: int, nodes: list[str], namespace: str = "apps") -> dict[str, Any]:
    """A healthy application pod on one of `nodes`: scheduled, its container running
    and ready."""
    pod = make_pod(i, namespace)
    del pod["metadata"]["ownerReferences"]
    pod["spec"]["nodeName"] = nodes[i % len(nodes)]
    pod["status"]["phase"] = "Running"
    pod["status"]["conditions"] = [
        {"type": kind, "status": "True"}
        for kind in ("PodScheduled", "Initialized", "ContainersReady", "Ready")
    ]
    pod["status"]["containerStatuses"][0].update(
        image=pod["spec"]["containers"][0]["image"],
        started=True,
        state={"running": {"startedAt": "2026-11-26T03:25:26Z"}},
    )
    return pod


@contextmanager
def fake_cluster_process(
    big: int = BIG, scenario: str = "", filler_namespace: str = "apps"
) -> Iterator[Served]:
    """A FakeCluster in its own process: SMALL pods in `demo`, `big` pods in `big`; or a
    scenario's cluster with filler pods (in `filler_namespace`) up to `big` pods."""
    here = str(Path(__file__).resolve().parent)
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, here, str(big), scenario, filler_namespace],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        served = Served(json.loads(proc.stdout.readline()))
        served.proc = proc
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def median_ms(fn: Callable[[], object], runs: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def kubectl_check(kubeconfig: str, cache: str, namespace: str) -> Callable[[], object]:
    argv = [
        "kubectl",
        "--kubeconfig",
        kubeconfig,
        "--cache-dir",
        cache,
        "get",
        "pods",
        "-n",
        namespace,
        "-o",
        COLUMNS,
    ]

    def run() -> list[str]:
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        return out.splitlines()[1:]

    return run


def cluster_check(cluster: Any, namespace: str) -> Callable[[], object]:
    from clusterready.kube import project

    def run() -> list[tuple[str, str]]:
        return [
            (project(o, ".metadata.name"), project(o, ".status.phase"))
            for o in cluster.iter_list("pods", namespace=namespace)
        ]

    return run


def floor_check(url: str, namespace: str) -> Callable[[], object]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def run() -> Any:
        conn.request(
            "GET", f"/api/v1/namespaces/{namespace}/pods", headers={"Accept": "application/json"}
        )
        return json.loads(conn.getresponse().read())

    return run


# Peak RSS growth: reset the high-water mark (Linux clear_refs "5") after start-up,
# then read VmHWM after listing and projecting every pod.
RSS_PROBE = """
import re, sys
from pathlib import Path
from clusterready.kube import Cluster, project
def kib(field):
    return int(re.search(field + r":\\s+(\\d+)", Path("/proc/self/status").read_text())[1])
cluster = Cluster.from_kubeconfig(sys.argv[1])
cluster.list("pods", namespace="demo")
Path("/proc/self/clear_refs").write_text("5")
before = kib("VmRSS")
rows = [(project(o, ".metadata.name"), project(o, ".status.phase"))
        for o in cluster.iter_list("pods", namespace="big")]
print(len(rows), before, kib("VmHWM"))
"""


HUGE = 50_000
STREAM_RUNS = 5
# One variant of the 50,000-pod list in a fresh interpreter: wall and CPU seconds of the
# list alone, and KiB of VmRSS before it and VmHWM after it (the high-water mark reset first).
STREAM_PROBE = """
import http.client, json, re, resource, sys, time
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from clusterready.detik import Detik
from clusterready.kube import Cluster, project
variant, kubeconfig, url, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def kib(field):
    return int(re.search(field + r":\\s+(\\d+)", Path("/proc/self/status").read_text())[1])
cluster = Cluster.from_kubeconfig(kubeconfig)
cluster.list("pods", namespace="demo")  # discovery and a connection, as the floor's below
parts = urlsplit(url)
conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
conn.request("GET", "/api/v1/namespaces/demo/pods")
conn.getresponse().read()
def floor():
    count, query = 0, {"limit": str(cluster.page_size)}
    while True:
        conn.request("GET", "/api/v1/namespaces/big/pods?" + urlencode(query),
                     headers={"Accept": "application/json"})
        page = json.loads(conn.getresponse().read())
        count += len(page["items"])
        token = page["metadata"].get("continue")
        if not token:
            return count
        query["continue"] = token
def stream():
    return sum(1 for _ in cluster.iter_list("pods", namespace="big"))
def projected():
    rows = [(project(o, ".metadata.name"), project(o, ".status.phase"))
            for o in cluster.iter_list("pods", namespace="big")]
    return len(rows)
def whole():
    objects = cluster.list("pods", namespace="big")
    rows = [(project(o, ".metadata.name"), project(o, ".status.phase")) for o in objects]
    return len(rows)
def detik():
    outcome = Detik(cluster, namespace="big").verify(
        f"there are {expected} pods named '^app-'", check=False)
    assert outcome.passed, outcome.lines
    return expected
run = {"floor": floor, "stream": stream, "projected": projected, "list": whole,
       "detik": detik}[variant]
Path("/proc/self/clear_refs").write_text("5")
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
before = kib("VmRSS")
start, cpu_start = time.perf_counter(), cpu()
count = run()
wall, cpu_used = time.perf_counter() - start, cpu() - cpu_start
assert count == expected, count
print(wall, cpu_used, before, kib("VmHWM"))
"""
STREAM_VARIANTS = {
    "floor": "raw pages, json.loads (floor)",
    "stream": "Cluster.iter_list",
    "projected": "  + (name, phase) rows kept",
    "detik": "DETIK verify (count)",
    "list": "Cluster.list (all held)",
}


def streaming() -> str:
    """The 50,000-pod list: wall and peak RSS growth per variant, side by side."""
    runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in STREAM_VARIANTS}
    with fake_cluster_process(big=HUGE) as fake:
        order = list(STREAM_VARIANTS)
        for run in range(STREAM_RUNS):
            for variant in order[run % len(order) :] + order[: run % len(order)]:  # in turn
                out = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        STREAM_PROBE,
                        variant,
                        fake["kubeconfig"],
                        fake["url"],
                        str(HUGE),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()
                wall, cpu, before, peak = float(out[0]), float(out[1]), int(out[2]), int(out[3])
                runs[variant].append((wall, cpu, (peak - before) / 1024))

    def median(key: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[key])

    def ratio(key: str, i: int) -> float:  # of each round's pair, then the median
        return statistics.median(a[i] / b[i] for a, b in zip(runs[key], runs["floor"], strict=True))

    print(f"{HUGE} pods, medians of {STREAM_RUNS} fresh processes each, in turn")
    print(f"{'':34}{'wall':>8}{'/floor':>8}{'cpu':>8}{'/floor':>8}{'peak RSS growth':>18}")
    for key, label in STREAM_VARIANTS.items():
        print(
            f"{label:34}{median(key, 0):>6.2f} s{ratio(key, 0):>7.2f}x"
            f"{median(key, 1):>6.2f} s{ratio(key, 1):>7.2f}x{median(key, 2):>13.1f} MiB"
        )
    return (
        f"kube: a {HUGE}-pod list streamed {ratio('stream', 0):.2f}x the floor (wall; "
        f"{ratio('projected', 0):.2f}x keeping what a check projects, DETIK verify "
        f"{ratio('detik', 0):.2f}x), peak RSS +{median('projected', 2):.1f} MiB (DETIK "
        f"+{median('detik', 2):.1f}; the whole list held +{median('list', 2):.1f}; floor "
        f"+{median('floor', 2):.1f})"
    )


def main() -> str:
    from clusterready.kube import Cluster

    results: dict[str, float] = {}
    with fake_cluster_process() as fake, tempfile.TemporaryDirectory() as cache:
        cluster = Cluster.from_kubeconfig(fake["kubeconfig"])
        for label, ns, runs in (("6 pods", "demo", 25), ("5000 pods", "big", 5)):
            a = kubectl_check(fake["kubeconfig"], cache, ns)
            b = cluster_check(cluster, ns)
            c = floor_check(fake["url"], ns)
            assert len(a()) == len(b()) == len(c()["items"])  # type: ignore[arg-type]
            results[f"a {label}"] = median_ms(a, runs)
            results[f"b {label}"] = median_ms(b, runs * 3)
            results[f"c {label}"] = median_ms(c, runs * 3)
        probe = subprocess.run(
            [sys.executable, "-c", RSS_PROBE, fake["kubeconfig"]],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        rss_growth_mib = (int(probe[2]) - int(probe[1])) / 1024
    print(
        f"{'':12}{'(a) kubectl/check':>20}{'(b) Cluster':>14}{'(c) floor':>12}{'a/b':>9}{'b/c':>8}"
    )
    for label in ("6 pods", "5000 pods"):
        a, b, c = (results[f"{k} {label}"] for k in "abc")
        print(f"{label:12}{a:>17.2f} ms{b:>11.2f} ms{c:>9.2f} ms{a / b:>8.1f}x{b / c:>7.2f}x")
    print(f"peak RSS growth of (b) listing and projecting {BIG} pods: {rss_growth_mib:.1f} MiB")
    speedup = results["a 6 pods"] / results["b 6 pods"]
    overhead = results["b 5000 pods"] / results["c 5000 pods"]
    line = (
        f"kube: speedup vs kubectl-per-check {speedup:.0f}x at 6 pods; "
        f"overhead vs floor {overhead:.2f}x at 5000 pods"
    )
    print(line)
    print()
    memory = streaming()
    print(memory)
    return line + "\n" + memory


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
