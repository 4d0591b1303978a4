"""DETIK checks, side by side in one run against one FakeCluster (its own process):

(a) bats-detik style: per check, one `kubectl get pods -o custom-columns=...` process
    and its output filtered line by line in bash (`echo | cut | grep -E`, `cut | xargs`),
    as lib/detik.bash does;
(b) clusterready: `Detik(cluster).verify(...)` in process, one Cluster reused.

Both evaluate the same sentences (a count and a property check) N times and must
agree on every verdict. Run: `make bench` (or `python benchmarks/bench_detik.py`).
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time

from bench_kube import fake_cluster_process

N = 20
NAMESPACE = "demo"  # 6 pods in bench_kube's cluster, 1 of them Pending
SENTENCES = [
    ("there are 6 pods named '^app-'", "app-", None, None),
    (
        "'status' is 'running' for pods named '^app-0000[1-5]'",
        "^app-0000[1-5]",
        ".status.phase",
        "running",
    ),
]

# The per-line processing of lib/detik.bash (filter_by_resource_name, verify_value),
# written out for one count or "is" check; prints the verdict.
DETIK_STYLE = r"""
kubeconfig=$1 cache=$2 ns=$3 re=$4 prop=$5 expected=$6
columns="NAME:.metadata.name"
[ -n "$prop" ] && columns="$columns,PROP:$prop"
lines=$(kubectl --kubeconfig "$kubeconfig" --cache-dir "$cache" get pods \
        -o custom-columns="$columns" --namespace="$ns" | tail -n +2)
count=0 bad=0
while IFS= read -r line; do
  [ -z "$line" ] && continue
  if echo "$line" | cut -d ' ' -f1 | grep -qE -- "$re"; then
    count=$((count + 1))
    if [ -n "$prop" ]; then
      value=$(echo "$line" | cut -d ' ' -f 2- | xargs)
      value=$(echo "$value" | tr '[:upper:]' '[:lower:]')
      [ "$value" != "$expected" ] && bad=$((bad + 1))
    fi
  fi
done <<< "$lines"
if [ -n "$prop" ]; then
  [ "$bad" -eq 0 ] && [ "$count" -gt 0 ] && echo pass || echo fail
else
  echo "$count"
fi
"""


def main() -> str:
    from clusterready.detik import Detik
    from clusterready.kube import Cluster

    with fake_cluster_process(big=0) as fake, tempfile.TemporaryDirectory() as cache:
        detik = Detik(Cluster.from_kubeconfig(fake["kubeconfig"]), namespace=NAMESPACE)

        def bats_style(regex: str, prop: str | None, expected: str | None) -> str:
            argv = [
                "bash",
                "-c",
                DETIK_STYLE,
                "detik",
                fake["kubeconfig"],
                cache,
                NAMESPACE,
                regex,
                prop or "",
                expected or "",
            ]
            return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()

        times_a: list[float] = []
        times_b: list[float] = []
        for sentence, regex, prop, expected in SENTENCES:
            bats_style(regex, prop, expected)  # warm kubectl's discovery cache
            detik.verify(sentence, check=False)
            for _ in range(N):
                start = time.perf_counter()
                verdict_a = bats_style(regex, prop, expected)
                times_a.append(time.perf_counter() - start)
                start = time.perf_counter()
                outcome = detik.verify(sentence, check=False)
                times_b.append(time.perf_counter() - start)
                passed_a = verdict_a == "pass" if prop else verdict_a == "6"
                assert passed_a == outcome.passed, (sentence, verdict_a, outcome.lines)
    checks = len(times_a)
    total_a, total_b = sum(times_a) * 1000, sum(times_b) * 1000
    print(f"{checks} checks, same verdicts")
    print(
        f"(a) bats-detik style, kubectl + bash per check: total {total_a:8.1f} ms, "
        f"median {statistics.median(times_a) * 1000:6.2f} ms/check"
    )
    print(
        f"(b) Detik.verify in process, Cluster reused:    total {total_b:8.1f} ms, "
        f"median {statistics.median(times_b) * 1000:6.2f} ms/check"
    )
    line = f"detik: Detik.verify {total_a / total_b:.0f}x faster than bats-detik-style checks"
    print(line)
    return line


if __name__ == "__main__":
    main()
