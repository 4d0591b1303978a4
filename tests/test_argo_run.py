"""The commands of deploy/argo's check steps, taken from the manifests and run for real.

clusterready.testing.argo.container_steps gives each step's argv and environment
(every `{{...}}` substituted) and run_steps runs them one after the other with the
installed `clusterready` console script, the artifacts passed through a directory as
Argo's repository would: the preflight shards and their fan-in against moto, the
validation steps and theirs against FakeCluster. The validation runs' requests, on the
healthy cluster and on broken ones (their failures' diagnostics), are what the validation
ClusterRole must grant, exactly. Each step is a whole process:
`make test` runs the validation steps; the rest are marked slow (`make test-slow`, CI).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clusterready.addons import REGISTRY
from clusterready.testing import FakeCluster, scenarios
from clusterready.testing.argo import (
    Step,
    StepResult,
    container_steps,
    load_manifests,
    run_steps,
)
from clusterready.testing.moto import MotoServer
from conftest import ROOT
from test_preflight_suite import account

__all__ = ["account"]  # the seeded-account fixture of tests/test_preflight_suite.py

DEPLOY = ROOT / "deploy" / "argo"


def environment(base: dict[str, str]) -> dict[str, str]:
    """``base`` with this venv's bin first on PATH (its `clusterready` console script)."""
    bin_dir = str(Path(sys.executable).parent)
    return {**base, "PATH": os.pathsep.join([bin_dir, base.get("PATH", "")])}


def run_template(
    name: str, parameters: dict[str, str], tmp_path: Path, env: dict[str, str]
) -> list[StepResult]:
    steps = container_steps(
        load_manifests(DEPLOY),
        name,
        parameters,
        input_defaults={"reports": str(tmp_path / "pod")},
    )
    return run_steps(steps, tmp_path / "repository", env=environment(env))


def merged(tmp_path: Path, group: str) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(
        (tmp_path / "repository" / "clusterready" / "wf" / group / "summary.json").read_text()
    )
    return summary


def codes(results: list[StepResult]) -> dict[str, int]:
    return {r.step.task: r.returncode for r in results}


def explain(results: list[StepResult]) -> str:
    return "\n".join(f"{r.step.task}: exits {r.attempts}\n{r.stderr[-1500:]}" for r in results)


# --------------------------------------------------------------------------- preflight


@pytest.mark.slow
def test_preflight_shards_and_merge_pass_on_a_seeded_account(
    moto_server: MotoServer, account: dict[str, Any], tmp_path: Path
) -> None:
    results = run_template(
        "clusterready-preflight",
        {"CLUSTER_NAME": "prod-eu", "AWS_REGION": "eu-west-1", "PAYLOAD": json.dumps(account)},
        tmp_path,
        moto_server.environ(),
    )
    assert codes(results) == {"shard(0)": 0, "shard(1)": 0, "shard(2)": 0, "merge": 0}, explain(
        results
    )
    summary = merged(tmp_path, "preflight")
    assert summary["exit_code"] == 0
    assert summary["totals"]["total"] == summary["totals"]["passed"] == 33
    shards = [
        json.loads(p.read_text())
        for p in sorted((tmp_path / "repository/clusterready/wf/slices/preflight").iterdir())
    ]
    assert [len(s["tests"]) for s in shards] != [33, 0, 0]  # the work was shared
    assert sum(len(s["tests"]) for s in shards) == 33
    junit = ET.parse(tmp_path / "repository/clusterready/wf/preflight/junit.xml").getroot()
    assert sum(int(s.get("tests", 0)) for s in junit.iter("testsuite")) == 33


@pytest.mark.slow
def test_preflight_fails_on_a_broken_account(
    moto_server: MotoServer, account: dict[str, Any], tmp_path: Path
) -> None:
    spec = json.loads(json.dumps(account))
    spec["preflight"]["exports"].append("missing-export")
    results = run_template(
        "clusterready-preflight",
        {"CLUSTER_NAME": "prod-eu", "PAYLOAD": json.dumps(spec)},
        tmp_path,
        moto_server.environ(),
    )
    found = codes(results)
    assert sorted(found.values()) == [0, 0, 1, 1], explain(results)  # one shard, and the merge
    assert found["merge"] == 1
    summary = merged(tmp_path, "preflight")
    assert summary["totals"]["failed"] == 1
    assert summary["exit_code"] == 1


@pytest.mark.slow
def test_preflight_without_credentials_is_retried_then_75(
    moto_server: MotoServer, account: dict[str, Any], tmp_path: Path
) -> None:
    env = environment(moto_server.environ())
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    steps = container_steps(
        load_manifests(DEPLOY),
        "clusterready-preflight",
        {"PAYLOAD": json.dumps(account)},
        input_defaults={"reports": str(tmp_path / "pod")},
    )
    (result,) = run_steps(steps[:1], tmp_path / "repository", env=env)  # one shard will do
    assert result.attempts == (75, 75, 75, 75), explain([result])  # the first and 3 retries


@pytest.mark.slow
def test_a_failed_check_is_never_retried(
    moto_server: MotoServer, account: dict[str, Any], tmp_path: Path
) -> None:
    spec = json.loads(json.dumps(account))
    spec["preflight"]["subnets"].append({"id": "subnet-0123456789abcdef0", "role": "private"})
    results = run_template(
        "clusterready-preflight", {"PAYLOAD": json.dumps(spec)}, tmp_path, moto_server.environ()
    )
    assert all(len(r.attempts) == 1 for r in results), explain(results)
    assert codes(results)["merge"] == 1
    shard_codes = [codes(results)[f"shard({i})"] for i in range(3)]
    assert 1 in shard_codes
    assert set(shard_codes) <= {0, 1}  # failed, never "cannot evaluate"
    failed = [t for t in merged(tmp_path, "preflight")["tests"] if t["outcome"] == "failed"]
    assert failed
    assert all("subnet-0123456789abcdef0" in t["message"] for t in failed)


# --------------------------------------------------------------------------- validation

ALL_ADDONS = {name.upper(): version for name, version in scenarios.spec()["addons"].items()}


def addon_of(step: Step) -> str:
    """The add-on a validation step checks (its ``--only``), else its task name."""
    return step.argv[step.argv.index("--only") + 1] if "--only" in step.argv else step.task


def by_addon(results: list[StepResult]) -> dict[str, int]:
    return {addon_of(r.step): r.returncode for r in results}


@pytest.fixture
def healthy() -> Iterator[FakeCluster]:
    with scenarios.cluster() as fake:
        yield fake


def validation_steps(fake: FakeCluster, tmp_path: Path, **extra: str) -> list[Step]:
    parameters = {"CLUSTER_NAME": "prod-eu", "KUBECONFIG": fake.kubeconfig, **extra}
    return container_steps(
        load_manifests(DEPLOY),
        "clusterready-validation",
        parameters,
        input_defaults={"reports": str(tmp_path / "pod")},
    )


def run_validation(fake: FakeCluster, tmp_path: Path, **extra: str) -> list[StepResult]:
    steps = validation_steps(fake, tmp_path, **extra)
    return run_steps(steps, tmp_path / "repository", env=environment(dict(os.environ)))


def test_validation_steps_and_merge_pass_on_a_healthy_cluster(
    healthy: FakeCluster, tmp_path: Path
) -> None:
    results = run_validation(healthy, tmp_path, **{"METRICS-SERVER": "v0.7.2"})
    found = by_addon(results)
    assert found == {"cluster": 0, "metrics-server": 0, "merge": 0}, explain(results)
    cluster = json.loads(
        (tmp_path / "repository/clusterready/wf/slices/validation/cluster.json").read_text()
    )
    assert {t["id"].split("::")[0] for t in cluster["tests"]} == {"tests_addons/test_cluster.py"}
    summary = merged(tmp_path, "validation")
    assert summary["totals"]["passed"] == summary["totals"]["total"] == 4 + 8
    assert all(r.method == "GET" for r in healthy.requests)


@pytest.fixture(scope="module")
def every_addon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeCluster, Path]]:
    """The validation with every add-on of the registry enabled, run once on the healthy
    cluster (the cluster step, one step per add-on and the fan-in: 11 runs)."""
    tmp_path = tmp_path_factory.mktemp("every-addon")
    with scenarios.cluster() as fake:
        results = run_validation(fake, tmp_path, **ALL_ADDONS)
        assert by_addon(results) == {"cluster": 0, **dict.fromkeys(REGISTRY, 0), "merge": 0}, (
            explain(results)
        )
        yield fake, tmp_path


@pytest.mark.slow
def test_every_addon_step_passes_on_the_healthy_cluster(
    every_addon: tuple[FakeCluster, Path],
) -> None:
    fake, tmp_path = every_addon
    summary = merged(tmp_path, "validation")
    assert summary["exit_code"] == 0
    assert summary["totals"]["passed"] == summary["totals"]["total"] > 4 + 8
    assert summary["addons"] == dict.fromkeys(["cluster", *REGISTRY], "passed")
    slices = tmp_path / "repository/clusterready/wf/slices/validation"
    assert sorted(p.stem for p in slices.iterdir()) == sorted(["cluster", *REGISTRY])
    assert all(r.method == "GET" for r in fake.requests)


@pytest.mark.slow
def test_validation_fails_on_a_broken_node_and_says_why(tmp_path: Path) -> None:
    with scenarios.cluster("node-pressure") as fake:
        results = run_validation(fake, tmp_path, **{"METRICS-SERVER": "v0.7.2"})
    assert by_addon(results) == {"cluster": 1, "metrics-server": 0, "merge": 1}, explain(results)
    summary = merged(tmp_path, "validation")
    (failed,) = [t for t in summary["tests"] if t["outcome"] == "failed"]
    assert failed["id"] == "tests_addons/test_cluster.py::test_every_node_ready"
    assert "MemoryPressure" in failed["message"]


@pytest.mark.slow
def test_metrics_server_none_runs_no_addon_step(healthy: FakeCluster, tmp_path: Path) -> None:
    results = run_validation(healthy, tmp_path, **{"METRICS-SERVER": "none"})
    assert list(codes(results)) == ["cluster", "merge"]


# --------------------------------------------------------------------------- RBAC


def read_types(fake: FakeCluster) -> tuple[set[tuple[str, str]], set[str]]:
    """(API group, resource) of every resource request, a subresource as RBAC spells it
    (``pods/log``), and the non-resource paths."""
    resources, other = set(), set()
    for request in fake.requests:
        parts = request.path.split("?")[0].strip("/").split("/")
        if parts[0] == "api" and len(parts) > 2:
            group, rest = "", parts[2:]
        elif parts[0] == "apis" and len(parts) > 3:
            group, rest = parts[1], parts[3:]
        else:
            other.add(request.path)
            continue
        if rest[0] == "namespaces" and len(rest) > 2:
            rest = rest[2:]
        resources.add((group, "/".join(rest[0:3:2])))  # resource[/subresource]
    return resources, other


def test_read_types_names_subresources_as_rbac_does() -> None:
    with FakeCluster() as fake:
        for path in (
            "/api/v1/namespaces/kube-system/pods/coredns-1/log",
            "/api/v1/namespaces/kube-system/pods",
            "/api/v1/nodes/ip-10-0-1-5",
            "/apis/apps/v1/namespaces/kube-system/daemonsets/aws-node",
            "/version",
        ):
            with contextlib.suppress(urllib.error.HTTPError):  # a 404 is recorded too
                urllib.request.urlopen(fake.url + path).close()
        assert read_types(fake) == (
            {("", "pods/log"), ("", "pods"), ("", "nodes"), ("apps", "daemonsets")},
            {"/version"},
        )


def granted(rule_path: str, path: str) -> bool:
    return path == rule_path or (rule_path.endswith("*") and path.startswith(rule_path[:-1]))


#: Broken clusters whose failures the diagnostics explain: a crash-looping DaemonSet's pods
#: and their logs and node, a Deployment whose image cannot be pulled, a Service without
#: ready endpoints. Only the steps of what each breaks run (Breakage.broken).
DIAGNOSED = ("cni-crashloop", "coredns-image-pull", "webhook-no-endpoints")


@pytest.mark.slow
def test_the_validation_clusterrole_grants_exactly_what_the_checks_read(
    every_addon: tuple[FakeCluster, Path], tmp_path: Path
) -> None:
    """The checks' reads on the healthy cluster and, on broken ones, their failures'
    diagnostics' reads: the ClusterRole grants that union, no more."""
    resources, paths = read_types(every_addon[0])
    for name in DIAGNOSED:
        broken = scenarios.BREAKAGES[name].broken
        with scenarios.cluster(name) as fake:
            steps = [
                s
                for s in validation_steps(fake, tmp_path / name, **ALL_ADDONS)
                if addon_of(s) in broken  # "cluster" among them
            ]
            # Look once (a broken state stays broken), as an operator's PYTEST_ADDOPTS would.
            env = environment({**os.environ, "PYTEST_ADDOPTS": "--max-attempts 1"})
            results = run_steps(steps, tmp_path / name, env=env)
            assert set(by_addon(results).values()) == {1}, explain(results)
            diagnosed = [
                t
                for r in results
                for t in json.loads(Path(r.step.outputs[0].path).read_text())["tests"]
                if t.get("diagnostics")
            ]
            assert diagnosed, f"{name}: no failure was diagnosed"
            assert not [t for t in diagnosed if "403" in json.dumps(t["diagnostics"])]
            found, other = read_types(fake)
        resources |= found
        paths |= other
    assert ("", "pods/log") in resources
    assert ("", "events") in resources
    role = next(
        d
        for d in load_manifests(DEPLOY / "rbac.yaml")
        if d["kind"] == "ClusterRole" and d["metadata"]["name"] == "clusterready-validation"
    )
    rules = [r for r in role["rules"] if "resources" in r]
    allowed = {(g, r) for rule in rules for g in rule["apiGroups"] for r in rule["resources"]}
    assert all(set(rule["verbs"]) == {"get", "list", "watch"} for rule in rules)
    missing, unused = sorted(resources - allowed), sorted(allowed - resources)
    assert not missing, f"read but not granted: {missing}"
    assert not unused, f"granted but never read: {unused}"
    urls = [u for r in role["rules"] for u in r.get("nonResourceURLs", [])]
    assert [p for p in paths if not any(granted(u, p) for u in urls)] == []
    assert [u for u in urls if not any(granted(u, p) for p in paths)] == []
