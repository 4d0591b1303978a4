"""The add-on registry: its entries hold together, and versions read as EKS writes them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterready.addons import (
    REGISTRY,
    AddOn,
    Version,
    format_tag,
    image_tag,
    known_names,
    lookup,
    parse_spec_version,
    parse_tag,
    satisfies,
)
from clusterready.errors import SpecError

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
ECR = "602401143452.dkr.ecr.eu-west-1.amazonaws.com"

# --------------------------------------------------------------------------- entries


def test_names_and_aliases_are_unique_lower_case_and_resolve() -> None:
    names = [n for a in REGISTRY.values() for n in (a.name, *a.aliases)]
    assert len(names) == len(set(names))
    assert all(DNS_LABEL.fullmatch(n) for n in names)
    assert known_names() == tuple(REGISTRY)
    assert set(known_names(aliases=True)) == set(names)
    for addon in REGISTRY.values():
        assert all(lookup(n) is addon for n in (addon.name, *addon.aliases))
    assert lookup("kube-dns") is None


@pytest.mark.parametrize("addon", REGISTRY.values(), ids=lambda a: a.name)
def test_each_entry_is_complete(addon: AddOn) -> None:
    assert REGISTRY[addon.name] is addon
    assert addon.title
    assert addon.description
    assert addon.installed_by
    assert DNS_LABEL.fullmatch(addon.namespace)
    assert addon.workloads
    for workload in addon.workloads:
        assert workload.kind in ("Deployment", "DaemonSet")
        assert workload.labels, f"{workload.name}: no pod selector labels"
        assert all(k and v for k, v in workload.labels.items())
        assert workload.containers
        assert len(set(workload.containers)) == len(workload.containers)
        if workload.version_container is not None:
            assert workload.version_container in workload.containers
            assert workload.image
    assert addon.version_workload is not None
    for webhook in addon.webhooks:
        assert webhook.kind in ("validating", "mutating")
        assert webhook.service in addon.services
    for crd in addon.crds:
        plural, _, group = crd.partition(".")
        assert plural, crd
        assert "." in group, crd
    names = [(w.kind, w.name) for w in addon.workloads]
    assert len(names) == len(set(names))


def test_the_entries_others_rely_on() -> None:
    aws_node = REGISTRY["aws-node"].workloads[0]
    assert (aws_node.kind, aws_node.name, dict(aws_node.labels)) == (
        "DaemonSet",
        "aws-node",
        {"k8s-app": "aws-node"},
    )
    assert aws_node.containers == ("aws-node", "aws-eks-nodeagent")
    assert aws_node.image == "amazon-k8s-cni"
    coredns = REGISTRY["coredns"]
    assert coredns.services == ("kube-dns",)
    assert coredns.workloads[0].labels["k8s-app"] == "kube-dns"
    metrics = REGISTRY["metrics-server"]
    assert metrics.apiservices == ("v1beta1.metrics.k8s.io",)
    assert metrics.services == ("metrics-server",)
    alb = REGISTRY["aws-load-balancer-controller"]
    assert {(w.kind, w.name) for w in alb.webhooks} == {
        ("mutating", "aws-load-balancer-webhook"),
        ("validating", "aws-load-balancer-webhook"),
    }
    assert REGISTRY["aws-ebs-csi-driver"].csidrivers == ("ebs.csi.aws.com",)
    assert {w.kind for w in REGISTRY["aws-ebs-csi-driver"].workloads} == {
        "Deployment",
        "DaemonSet",
    }
    assert REGISTRY["istio"].namespace == "istio-system"


def test_the_registry_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        REGISTRY["x"] = REGISTRY["coredns"]  # type: ignore[index]
    with pytest.raises(TypeError):
        REGISTRY["coredns"].workloads[0].labels["k8s-app"] = "x"  # type: ignore[index]


# --------------------------------------------------------------------------- real tags

REAL = [
    # (add-on, spec version, image, satisfied)
    ("aws-node", "v1.19.0-eksbuild.1", f"{ECR}/amazon-k8s-cni:v1.19.0-eksbuild.1", True),
    ("aws-node", "v1.19.0", f"{ECR}/amazon-k8s-cni:v1.19.0-eksbuild.1", True),
    ("aws-node", "1.19.0", f"{ECR}/amazon-k8s-cni:v1.19.0-eksbuild.1", True),
    ("aws-node", "1.19", f"{ECR}/amazon-k8s-cni:v1.19.2-eksbuild.1", True),
    ("aws-node", "v1.19.0-eksbuild.1", f"{ECR}/amazon-k8s-cni:v1.18.3-eksbuild.2", False),
    ("aws-node", "v1.19.0-eksbuild.2", f"{ECR}/amazon-k8s-cni:v1.19.0-eksbuild.1", False),
    ("aws-node", "v1.19.0-eksbuild.1", "amazon/amazon-k8s-cni:v1.19.0", False),
    ("aws-node", "1.1", f"{ECR}/amazon-k8s-cni:v1.19.0-eksbuild.1", False),
    ("kube-proxy", "v1.31.2-eksbuild.3", f"{ECR}/eks/kube-proxy:v1.31.2-minimal-eksbuild.3", True),
    ("kube-proxy", "v1.31.2-minimal-eksbuild.3", f"{ECR}/eks/kube-proxy:v1.31.2-eksbuild.3", True),
    ("kube-proxy", "v1.31.2-eksbuild.3", f"{ECR}/eks/kube-proxy:v1.31.1-minimal-eksbuild.2", False),
    ("coredns", "v1.11.3-eksbuild.2", f"{ECR}/eks/coredns:v1.11.3-eksbuild.2", True),
    ("coredns", "v1.11.3-eksbuild.2", f"{ECR}/eks/coredns:latest", False),
    ("coredns", "v1.11.3", f"{ECR}/eks/coredns@sha256:{'a' * 64}", False),
    ("metrics-server", "v0.7.2", "registry.k8s.io/metrics-server/metrics-server:v0.7.2", True),
    (
        "metrics-server",
        "v0.7.2-eksbuild.1",
        "registry.k8s.io/metrics-server/metrics-server:v0.7.2",
        True,
    ),
    (
        "cluster-autoscaler",
        "v1.31.0",
        "registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.0",
        True,
    ),
    (
        "cluster-autoscaler",
        "v1.31.0",
        "registry.k8s.io/autoscaling/cluster-autoscaler:v1.30.2",
        False,
    ),
    (
        "aws-load-balancer-controller",
        "v2.10.0",
        "public.ecr.aws/eks/aws-load-balancer-controller:v2.10.0",
        True,
    ),
    ("aws-ebs-csi-driver", "v1.37.0-eksbuild.1", f"{ECR}/eks/aws-ebs-csi-driver:v1.37.0", True),
    ("istio", "1.24.1", "docker.io/istio/pilot:1.24.1", True),
    ("istio", "v1.24.1", "docker.io/istio/pilot:1.24.1-distroless", True),
    ("istio", "1.24.1", "docker.io/istio/pilot:1.23.3", False),
    (
        "fluent-bit",
        "2.32.4",
        "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4",
        True,
    ),
    (
        "fluent-bit",
        "2.32.2",
        "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2.20240516",
        True,
    ),
    (
        "fluent-bit",
        "2.32.4",
        "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
        False,
    ),
]


@pytest.mark.parametrize(("name", "spec", "image", "ok"), REAL)
def test_real_eks_tags(name: str, spec: str, image: str, ok: bool) -> None:
    addon = REGISTRY[name]
    assert addon.version_satisfied(spec, image) is ok
    mismatch = addon.version_mismatch(spec, image)
    assert (mismatch is None) is ok
    if mismatch is not None:
        assert mismatch.startswith(f"expected {addon.expected_tag(spec)}, running ")
        assert image_tag(image) in mismatch or image in mismatch


def test_mismatch_messages_say_what_was_expected_and_seen() -> None:
    aws_node, kube_proxy = REGISTRY["aws-node"], REGISTRY["kube-proxy"]
    assert (
        aws_node.version_mismatch("v1.19.0-eksbuild.1", f"{ECR}/amazon-k8s-cni:v1.18.3-eksbuild.2")
        == "expected v1.19.0-eksbuild.1, running v1.18.3-eksbuild.2"
    )
    assert (
        kube_proxy.version_mismatch("1.31.2", f"{ECR}/eks/kube-proxy:v1.30.0-minimal-eksbuild.1")
        == "expected v1.31.2-minimal, running v1.30.0-minimal-eksbuild.1"
    )
    assert REGISTRY["istio"].expected_tag("v1.24.1-eksbuild.1") == "1.24.1"


@pytest.mark.parametrize("bad", ["latest", "", "v1", "1.x", "v1.19.0-eksbuild", "version 1"])
def test_a_spec_version_that_is_not_one_is_a_spec_error(bad: str) -> None:
    with pytest.raises(SpecError) as err:
        REGISTRY["coredns"].version_satisfied(bad, f"{ECR}/eks/coredns:v1.11.3-eksbuild.2")
    assert str(err.value) == (
        "addons.coredns: expected a version such as v1.19.0-eksbuild.1, v1.19.0 or 1.19.0, "
        f"found {bad!r}"
    )


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("coredns", ""),
        ("coredns:1.11.3", "1.11.3"),
        ("registry.local:5000/eks/coredns", ""),
        ("registry.local:5000/eks/coredns:v1.11.3-eksbuild.2", "v1.11.3-eksbuild.2"),
        (f"{ECR}/eks/coredns@sha256:{'f' * 64}", ""),
        (f"{ECR}/eks/coredns:v1.11.3@sha256:{'f' * 64}", "v1.11.3"),
    ],
)
def test_image_tag(image: str, tag: str) -> None:
    assert image_tag(image) == tag


# --------------------------------------------------------------------------- properties
# The loaded profile's count of examples (tests/conftest.py): 50 in `make test`, 200 in
# `make test-slow`.

CORES = st.lists(st.integers(0, 999), min_size=2, max_size=4).map(tuple)
BUILDS = st.one_of(st.none(), st.integers(1, 99))
VARIANTS = st.lists(st.sampled_from(["minimal", "distroless", "debug"]), max_size=2).map(tuple)
REPOS = st.sampled_from(
    [f"{ECR}/eks/coredns", "registry.local:5000/x", "docker.io/istio/pilot", "pilot"]
)


@given(CORES, BUILDS, VARIANTS, st.sampled_from(["v", ""]), REPOS)
def test_a_tag_written_for_a_version_satisfies_it(
    core: tuple[int, ...], build: int | None, variant: tuple[str, ...], prefix: str, repo: str
) -> None:
    version = Version(core, build)
    tag = format_tag(version, prefix=prefix, variant=variant)
    assert image_tag(f"{repo}:{tag}") == tag
    running = parse_tag(tag)
    assert running == Version(core, build, variant)
    assert satisfies(version, running)
    assert satisfies(parse_spec_version(str(version)), running)
    assert satisfies(Version(core), running)  # no build in the spec: any build
    assert satisfies(Version(core[:2]), running)  # major.minor: any patch


@given(CORES, CORES, BUILDS, BUILDS, st.booleans())
def test_another_version_never_satisfies(
    wanted: tuple[int, ...],
    core: tuple[int, ...],
    wanted_build: int | None,
    build: int | None,
    eks_build: bool,
) -> None:
    running = Version(core, build)
    ok = satisfies(Version(wanted, wanted_build), running, eks_build=eks_build)
    other_build = wanted_build is not None and build is not None and build != wanted_build
    if core[: len(wanted)] != wanted or other_build:
        assert not ok
    elif wanted_build is not None and build is None:
        assert ok is (not eks_build)
    else:
        assert ok


@given(st.text(max_size=40))
def test_any_spec_version_parses_or_is_a_one_line_spec_error(text: str) -> None:
    try:
        version = parse_spec_version(text, addon="coredns")
    except SpecError as err:
        message = str(err)
    else:
        assert parse_spec_version(str(version)) == version
        return
    assert "\n" not in message
    assert message.startswith("addons.coredns: expected a version")
