"""The shipped checks (clusterready.addons.checks, tests_addons/) against the EKS scenarios.

Each scenario (clusterready.testing.scenarios: the healthy cluster and its named
breakages) is served by one FakeCluster for the whole session. The checks that fail
on a scenario are exactly those of the add-ons it breaks (and the cluster-level ones
when it breaks the cluster), and the shipped suite's report says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from clusterready.addons import REGISTRY
from clusterready.addons.checks import (
    AddOnChecks,
    api_server_problems,
    kube_system_problems,
    kubelet_skew_problems,
    node_problems,
)
from clusterready.errors import ObjectRef
from clusterready.kube import Cluster
from clusterready.kube.readiness import Readiness
from clusterready.spec import ClusterSpec
from clusterready.testing import FakeCluster, scenarios
from conftest import ROOT

SCENARIOS = ["healthy", *scenarios.BREAKAGES]

SPEC: dict[str, Any] = scenarios.spec()

#: Reasons of the breakages that only the failing checks' diagnostics show (events,
#: logs), not the checks' own messages: the suite's report has them (its diagnostics of
#: the failures' subjects), the checks' problems alone do not.
DIAGNOSED = {"Readiness probe failed", "FailedCreate", "x509: cannot validate certificate"}


@pytest.fixture(scope="session")
def served() -> Iterator[Callable[[str], FakeCluster]]:
    """A started FakeCluster per scenario, made on first use and shared by the session."""
    started: dict[str, FakeCluster] = {}

    def serve(name: str) -> FakeCluster:
        if name not in started:
            started[name] = scenarios.cluster(name).start()
        return started[name]

    yield serve
    for fake in started.values():
        fake.stop()


def reader(served: Callable[[str], FakeCluster], name: str) -> Cluster:
    return Cluster.from_kubeconfig(served(name).kubeconfig)


def problems(cluster: Cluster, checked: str) -> Readiness:
    """Every problem the shipped checks of ``checked`` (an add-on, or "cluster") find."""
    spec = ClusterSpec.from_mapping(SPEC)
    if checked == "cluster":
        return (
            node_problems(cluster)
            + kubelet_skew_problems(cluster, expected=spec.cluster.version)
            + api_server_problems(cluster)
            + kube_system_problems(cluster)
        )
    checks = AddOnChecks(cluster, REGISTRY[checked], spec.addon_version(checked))
    return (
        checks.rollout_problems()
        + checks.pod_problems()
        + checks.version_problems()
        + checks.serving_problems()
    )


# --------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_checks_that_fail_are_those_of_what_the_scenario_breaks(
    served: Callable[[str], FakeCluster], scenario: str
) -> None:
    cluster = reader(served, scenario)
    broken = scenarios.BREAKAGES[scenario].broken if scenario != "healthy" else frozenset()
    found = {checked: problems(cluster, checked) for checked in [*REGISTRY, "cluster"]}
    failing = {checked for checked, seen in found.items() if not seen.ok}
    assert failing == broken, {c: found[c].problems for c in failing ^ broken}
    if scenario != "healthy":
        text = "\n".join(line for checked in broken for line in found[checked].problems)
        missing = [r for r in scenarios.BREAKAGES[scenario].reasons if r not in text]
        assert set(missing) <= DIAGNOSED, text


def run_suite(
    pytester: pytest.Pytester, fake: FakeCluster, *modules: str
) -> tuple[int, dict[str, str], str]:
    """The shipped suite (or some of its modules) on a scenario: exit code, outcomes, output."""
    spec = pytester.path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    report = pytester.path / "summary.json"
    paths = [str(ROOT / "tests_addons" / m) for m in modules] or [str(ROOT / "tests_addons")]
    result = pytester.runpytest_inprocess(
        *("--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), *paths),
        *("-p", "no:cacheprovider", "--spec", str(spec), "--kubeconfig", fake.kubeconfig),
        *("--json-report", str(report), "--max-attempts", "1", "--tb=short"),
    )
    summary = json.loads(report.read_text())
    outcomes = {t["id"]: t["outcome"] for t in summary["tests"]}
    return int(result.ret), outcomes, result.stdout.str()


def module_of(checked: str) -> str:
    return f"test_{checked.replace('-', '_')}.py"


@pytest.mark.slow
def test_the_shipped_suite_passes_on_the_healthy_cluster(
    pytester: pytest.Pytester, served: Callable[[str], FakeCluster]
) -> None:
    code, outcomes, output = run_suite(pytester, served("healthy"))
    assert code == 0, output
    assert set(outcomes.values()) == {"passed"}
    modules = {test_id.split("::")[0].rsplit("/", 1)[-1] for test_id in outcomes}
    assert modules == {module_of(name) for name in [*REGISTRY, "cluster"]}


@pytest.mark.slow
@pytest.mark.parametrize("breakage", scenarios.BREAKAGES.values(), ids=lambda b: b.name)
def test_the_shipped_checks_of_what_breaks_fail_with_the_reasons(
    pytester: pytest.Pytester, served: Callable[[str], FakeCluster], breakage: Any
) -> None:
    modules = sorted(module_of(name) for name in breakage.broken)
    code, outcomes, output = run_suite(pytester, served(breakage.name), *modules)
    assert code == 1, output
    for module in modules:
        assert "failed" in {o for t, o in outcomes.items() if t.split("::")[0].endswith(module)}
    for reason in breakage.reasons:  # DIAGNOSED ones too: the report's diagnostics show them
        assert reason in output, reason


# --------------------------------------------------------------------------- one behaviour each


def test_a_version_mismatch_names_the_pod_and_both_tags(
    served: Callable[[str], FakeCluster],
) -> None:
    found = AddOnChecks(
        reader(served, "kube-proxy-old-version"), REGISTRY["kube-proxy"], "v1.31.2-eksbuild.3"
    ).version_problems()
    assert len(found.problems) == 3  # one pod per node
    assert found.problems[0].startswith("Pod kube-system/kube-proxy-")
    assert (
        ": container kube-proxy: expected v1.31.2-minimal-eksbuild.3, running "
        "v1.30.6-minimal-eksbuild.3 (602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/"
        "kube-proxy:v1.30.6-minimal-eksbuild.3)"
    ) in found.problems[0]
    assert all(s.kind == "Pod" for s in found.subjects)


def test_an_apiservice_not_available_says_its_reason_and_message(
    served: Callable[[str], FakeCluster],
) -> None:
    checks = AddOnChecks(reader(served, "metrics-api-unavailable"), REGISTRY["metrics-server"])
    lines = checks.serving_problems().problems
    assert any(
        line.startswith(
            "APIService v1beta1.metrics.k8s.io: not Available (False): MissingEndpoints"
        )
        for line in lines
    ), lines
    assert ObjectRef("APIService", "v1beta1.metrics.k8s.io") in checks.serving_problems().subjects


def test_a_webhook_whose_service_has_no_ready_endpoints_is_named(
    served: Callable[[str], FakeCluster],
) -> None:
    checks = AddOnChecks(
        reader(served, "webhook-no-endpoints"), REGISTRY["aws-load-balancer-controller"]
    )
    found = checks.serving_problems()
    assert (
        "MutatingWebhookConfiguration aws-load-balancer-webhook calls Service "
        "kube-system/aws-load-balancer-webhook-service: no ready endpoints (2 not ready: "
    ) in "\n".join(found.problems)
    assert ObjectRef("MutatingWebhookConfiguration", "aws-load-balancer-webhook") in found.subjects


def test_a_missing_crd_and_csidriver_are_named() -> None:
    objects = [
        o
        for o in scenarios.scenario("healthy")
        if not (
            o["kind"] == "CustomResourceDefinition" and o["metadata"]["name"].startswith("target")
        )
        and o["kind"] != "CSIDriver"
    ]
    with FakeCluster(objects=objects, version="1.31", kinds=scenarios.KINDS) as fake:
        cluster = Cluster.from_kubeconfig(fake.kubeconfig)
        alb = AddOnChecks(cluster, REGISTRY["aws-load-balancer-controller"]).serving_problems()
        ebs = AddOnChecks(cluster, REGISTRY["aws-ebs-csi-driver"]).serving_problems()
    assert alb.problems == (
        "CustomResourceDefinition targetgroupbindings.elbv2.k8s.aws: not found",
    )
    assert ebs.problems == ("CSIDriver ebs.csi.aws.com: not registered",)


def test_a_crd_not_established_says_why() -> None:
    objects = scenarios.scenario("healthy")
    crd = next(o for o in objects if o["metadata"]["name"] == "gateways.networking.istio.io")
    crd["status"]["conditions"] = [
        {
            "type": "Established",
            "status": "False",
            "reason": "Installing",
            "message": "the initial names have not been accepted",
        }
    ]
    with FakeCluster(objects=objects, version="1.31", kinds=scenarios.KINDS) as fake:
        found = AddOnChecks(Cluster.from_kubeconfig(fake.kubeconfig), REGISTRY["istio"])
        lines = found.serving_problems().problems
    assert lines == (
        "CustomResourceDefinition gateways.networking.istio.io: not Established (False): "
        "Installing (the initial names have not been accepted)",
    )


def test_the_workloads_pods_are_listed_server_side_by_their_labels(
    served: Callable[[str], FakeCluster],
) -> None:
    fake = served("healthy")
    AddOnChecks(Cluster.from_kubeconfig(fake.kubeconfig), REGISTRY["coredns"]).pod_problems()
    listed = [r for r in fake.requests if r.path == "/api/v1/namespaces/kube-system/pods"]
    assert listed[-1].query["labelSelector"] == (
        "eks.amazonaws.com/component=coredns,k8s-app=kube-dns"
    )


def test_kube_system_pods_not_ready_are_the_clusters_too(
    served: Callable[[str], FakeCluster],
) -> None:
    found = kube_system_problems(reader(served, "coredns-image-pull"))
    assert len(found.problems) == 2
    assert all("waiting: ImagePullBackOff" in line for line in found.problems)


def test_kubelets_newer_or_four_minors_older_than_the_api_server_are_named() -> None:
    def node(name: str, version: str) -> dict[str, Any]:
        info = {"nodeInfo": {"kubeletVersion": version}}
        return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "status": info}

    nodes = [node("same", "v1.31.2-eks-7f9249a"), node("old", "v1.28.15"), node("older", "v1.27.3")]
    nodes.append(node("newer", "v1.32.0"))
    with FakeCluster(objects=nodes, version="1.31") as fake:
        found = kubelet_skew_problems(Cluster.from_kubeconfig(fake.kubeconfig), expected="1.30")
    assert set(found.problems) == {
        "the API server runs v1.31.0, the spec asks for Kubernetes 1.30",
        "Node older: kubelet v1.27.3 is 4 minor versions older than the API server v1.31.0 "
        "(at most 3 are supported)",
        "Node newer: kubelet v1.32.0 is newer than the API server v1.31.0 (never supported)",
    }
    assert set(found.subjects) == {ObjectRef("Node", "older"), ObjectRef("Node", "newer")}


def test_an_api_server_not_ready_names_its_failed_checks() -> None:
    with FakeCluster() as fake:
        fake.set_health("etcd", "informer-sync")
        found = api_server_problems(Cluster.from_kubeconfig(fake.kubeconfig))
    assert found.problems == (
        "the API server is not ready: /readyz answered 500, failed: etcd, informer-sync",
    )


def test_the_addon_checks_fixture_is_the_marked_add_ons_with_the_spec_version(
    pytester: pytest.Pytester, served: Callable[[str], FakeCluster]
) -> None:
    (pytester.path / "conftest.py").write_text((ROOT / "tests_addons" / "conftest.py").read_text())
    pytester.makepyfile(
        test_aws_node="""
        import pytest

        pytestmark = pytest.mark.addon("aws-node")

        def test_version(addon_checks):
            assert addon_checks.addon.title == "Amazon VPC CNI"
            assert addon_checks.version == "v1.18.3"
            addon_checks.assert_version()
        """
    )
    result = pytester.runpytest_inprocess(
        *("--kubeconfig", served("healthy").kubeconfig, "--set", "addons.aws-node=v1.18.3"),
        *("--max-attempts", "1", "-p", "no:cacheprovider"),
    )
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*: container aws-node: expected v1.18.3*, running v1.19.0-eksbuild.1 *(after 1 attempt *"]
    )


def test_a_spec_version_that_is_no_version_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        *("--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml")),
        *(str(ROOT / "tests_addons"), "-p", "no:cacheprovider"),
        *("--param", "METRICS-SERVER=latest"),
    )
    assert result.ret == 4
    assert [line for line in result.stderr.lines if line] == [
        "ERROR: clusterready: addons.metrics-server: expected a version such as "
        "v1.19.0-eksbuild.1, v1.19.0 or 1.19.0, found 'latest'"
    ]
