"""`pytest --help`, `--markers` and selections that need neither AWS nor a cluster
import neither boto3 nor kubernetes (each costs 150-350 ms at start-up)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clusterready.testing import FakeCluster, load_objects
from conftest import ROOT

PROBE = """
import json, sys
import pytest
code = pytest.main({args!r})
heavy = sorted(m for m in ("boto3", "botocore", "kubernetes", "moto") if m in sys.modules)
print("PROBE" + json.dumps({{"code": int(code), "heavy": heavy}}))
"""


def imported(tmp_path: Path, *args: str) -> tuple[int, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=["-p", "no:cacheprovider", *args])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("PROBE"))
    data = json.loads(line.removeprefix("PROBE"))
    return data["code"], data["heavy"]


@pytest.mark.parametrize("args", [["--help"], ["--markers"], ["--version"]])
def test_help_and_markers_import_nothing_heavy(tmp_path: Path, args: list[str]) -> None:
    code, heavy = imported(tmp_path, *args)
    assert code == 0
    assert heavy == []


def test_a_selection_that_needs_no_cluster_nor_aws_imports_neither(tmp_path: Path) -> None:
    (tmp_path / "test_spec_only.py").write_text(
        "def test_name(cluster_spec): assert cluster_spec.cluster.name == 'x'\n"
    )
    code, heavy = imported(tmp_path, "-q", "--param", "CLUSTER_NAME=x")
    assert code == 0
    assert heavy == []


KUBE_ONLY = {
    "cluster": (
        "from clusterready.kube import Cluster\n"
        "def test_pods(fake_cluster):\n"
        "    assert Cluster.from_kubeconfig(fake_cluster.kubeconfig).list('pods') == []\n"
    ),
    "detik": (
        "def test_pods(fake_cluster):\n"
        "    from clusterready.detik import Detik\n"
        "    from clusterready.kube import Cluster\n"
        "    detik = Detik(Cluster.from_kubeconfig(fake_cluster.kubeconfig))\n"
        "    detik.verify(\"there is 0 pod named 'x'\")\n"
    ),
}


@pytest.mark.parametrize("module", KUBE_ONLY.values(), ids=KUBE_ONLY.keys())
def test_a_kube_selection_does_not_import_boto3(tmp_path: Path, module: str) -> None:
    (tmp_path / "test_kube_only.py").write_text(module)
    code, heavy = imported(tmp_path, "-q")
    assert code == 0
    assert heavy == []  # kubeconfigs are read without the official client


def test_the_shipped_addons_selection_does_not_import_boto3(
    tmp_path: Path, fake_cluster: FakeCluster
) -> None:
    """`pytest -m addons` collects tests_preflight/ too; its modules must not pull boto3 in."""
    for obj in load_objects(
        ROOT / "examples" / "demo-cluster.yaml", ROOT / "examples" / "demo-cluster-later.yaml"
    ):
        fake_cluster.apply(obj)
    code, heavy = imported(
        tmp_path,
        "-m",
        "addons",
        "--rootdir",
        str(ROOT),
        "-c",
        str(ROOT / "pyproject.toml"),
        str(ROOT / "tests_preflight"),
        str(ROOT / "tests_addons"),
        "--kubeconfig",
        fake_cluster.kubeconfig,
        "--namespace",
        "kube-system",
        "--param",
        "METRICS-SERVER=v0.7.2",
        "--detik-max-attempts",
        "1",
    )
    assert code == 0
    assert heavy == []  # kubeconfigs are read without the official client
