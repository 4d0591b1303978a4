"""`pytest --help`, `--markers` and selections that need neither AWS nor a cluster
import neither boto3 nor kubernetes (each costs 150-350 ms at start-up).

A fresh interpreter is the point here: these are the tests that stay out of process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clusterready.testing import FakeCluster, scenarios
from conftest import ROOT

HEAVY = ("boto3", "botocore", "kubernetes", "moto")

PROBE = """
import json, os, sys
import pytest
for cwd, args in json.loads(sys.argv[1]):
    os.chdir(cwd)
    code = pytest.main(args)
    heavy = sorted(m for m in {heavy!r} if m in sys.modules)
    print("PROBE" + json.dumps({{"code": int(code), "heavy": heavy}}), flush=True)
"""


def imported(runs: list[tuple[Path, list[str]]]) -> list[tuple[int, list[str]]]:
    """Run pytest with each of these arguments, in order, in ONE fresh interpreter; after
    each, the exit code and every heavy module imported so far (by it or a run before)."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE.format(heavy=HEAVY),
            json.dumps([(str(cwd), ["-p", "no:cacheprovider", *args]) for cwd, args in runs]),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    found = [json.loads(line[5:]) for line in out.splitlines() if line.startswith("PROBE")]
    assert len(found) == len(runs), out[-3000:]
    return [(data["code"], data["heavy"]) for data in found]


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

#: One worker runs this module, so the interpreter of `runs` starts once (make: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("lazy-imports")

SPEC_ONLY = "def test_name(cluster_spec): assert cluster_spec.cluster.name == 'x'\n"

#: The runs, in the order one interpreter makes them: those that must import nothing
#: heavy first, so that what a later run imports could only have come from it.
RUNS: dict[str, tuple[dict[str, str], list[str], list[str]]] = {
    "help": ({}, ["--help"], []),
    "markers": ({}, ["--markers"], []),
    "version": ({}, ["--version"], []),
    "spec-only": (
        {"test_spec_only.py": SPEC_ONLY},
        ["-q", "--param", "CLUSTER_NAME=x"],
        [],
    ),
    **{
        # kubeconfigs are read without the official client
        f"kube-{name}": ({f"test_kube_{name}.py": module}, ["-q"], [])
        for name, module in KUBE_ONLY.items()
    },
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, list[str]]]:
    """Every run of RUNS, in one fresh interpreter (an interpreter start each would cost
    a second or more, and prove no more)."""
    planned = []
    for name, (files, args, _) in RUNS.items():
        cwd = tmp_path_factory.mktemp(name)
        for file, text in files.items():
            (cwd / file).write_text(text)
        planned.append((cwd, args))
    return dict(zip(RUNS, imported(planned), strict=True))


@pytest.mark.parametrize("name", RUNS)
def test_only_what_a_selection_needs_is_imported(
    runs: dict[str, tuple[int, list[str]]], name: str
) -> None:
    """--help, --markers, --version and a spec-only selection import nothing heavy; a
    selection that reads a cluster imports neither kubernetes nor boto3."""
    code, heavy = runs[name]
    assert code == 0
    assert heavy == RUNS[name][2]


@pytest.mark.slow  # an interpreter of its own (the runs above share one)
def test_the_shipped_addons_selection_does_not_import_boto3(
    tmp_path: Path, fake_cluster: FakeCluster
) -> None:
    """`pytest -m addons` collects tests_preflight/ too; its modules must not pull boto3 in."""
    scenarios.load(fake_cluster)
    [(code, heavy)] = imported(
        [
            (
                tmp_path,
                [
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
                ],
            )
        ]
    )
    assert code == 0
    assert heavy == []  # kubeconfigs are read without the official client
