"""The wheel carries both suites and all they need: built, installed into a new venv,
and run from an empty directory by the installed `clusterready` console script.

Slow (a real wheel build, about 20 s): marked `slow`, which `make test-slow` and CI run.
The new venv gets the wheel alone; its dependencies (boto3, kubernetes, pytest...)
come from this venv through a .pth line, which adds their directory to sys.path but
runs none of its .pth files: the checkout's editable install stays out of it, as
the asserts on `clusterready.__file__` show.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from clusterready.testing import FakeCluster, load_objects, scenarios
from conftest import ROOT

pytestmark = pytest.mark.slow

NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the source tree with `pip wheel --no-deps`."""
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, tmp / "src", ignore=NOT_SOURCE)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp), str(tmp / "src")],
        cwd=tmp, check=False, timeout=300, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = tmp.glob("clusterready-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv holding the wheel (and this venv's dependencies): its bin/."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        check=False, timeout=300, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_clusterready_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    return root / "bin"


def run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CLUSTER"))}
    environ["PATH"] = f"{venv}{os.pathsep}{environ.get('PATH', '')}"
    return subprocess.run(
        [str(venv / "clusterready"), *args],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    """An empty directory, but for a pytest.ini that would break a run that read it."""
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --no-such-option\n")
    return tmp_path


def test_the_wheel_holds_the_library_and_both_suites_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"clusterready", "clusterready-0.1.0.dist-info"}
    for shipped in (
        "clusterready/suites/pytest.ini",
        "clusterready/suites/tests_preflight/conftest.py",
        "clusterready/suites/tests_preflight/test_subnets.py",
        "clusterready/suites/tests_addons/conftest.py",
        "clusterready/suites/tests_addons/test_metrics_server.py",
    ):
        assert shipped in names
    suites = {n for n in names if n.startswith("clusterready/suites/tests_")}
    for directory in ("tests_preflight", "tests_addons"):
        source = {p.name for p in (ROOT / directory).glob("*.py")}
        assert {Path(n).name for n in suites if f"/{directory}/" in n} == source


def test_the_installed_command_lists_the_preflight_suite_from_an_empty_directory(
    venv: Path, empty: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = empty.parent / "spec.yaml"
    shutil.copy(ROOT / "examples" / "spec-complete.yaml", spec)
    done = run(venv, empty, "run", "preflight", "--spec", str(spec), "--collect-only", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    installed = [line for line in done.stdout.splitlines() if "::" in line]
    monkeypatch.chdir(ROOT)
    checkout = pytester.runpytest_inprocess(
        "-m", "preflight", f"--spec={spec}", "--collect-only", "-q"
    )
    assert installed == [line for line in checkout.stdout.lines if "::" in line]
    assert len(installed) == 36
    where = subprocess.run(
        [str(venv / "python"), "-c", "import clusterready.suites as s; print(s.suites_root())"],
        capture_output=True, text=True, check=True, cwd=empty,
    ).stdout.strip()  # fmt: skip
    assert where.startswith(str(venv.parent))
    assert where.endswith("clusterready/suites")
    assert f"rootdir: {where}" in run(venv, empty, "run", "addons", "--co").stdout


@pytest.mark.parametrize(("later", "code"), [(True, 0), (False, 1)], ids=["running", "pending"])
def test_the_installed_addons_suite_checks_a_cluster(
    venv: Path, empty: Path, fake_cluster: FakeCluster, later: bool, code: int
) -> None:
    if later:
        scenarios.load(fake_cluster)
    else:  # metrics-server's pods still Pending
        for obj in load_objects(ROOT / "examples" / "demo-cluster.yaml"):
            fake_cluster.apply(obj)
    done = run(
        venv, empty, "run", "addons", "-k", "addon[metrics-server]",
        "--kubeconfig", fake_cluster.kubeconfig,
        "--namespace", "kube-system", "--param", "METRICS-SERVER=v0.7.2",
        "--detik-max-attempts", "1", "--json-report", "out/summary.json",
        "--junitxml=out/junit.xml",
    )  # fmt: skip
    assert done.returncode == code, done.stdout + done.stderr
    summary = json.loads((empty / "out" / "summary.json").read_text())
    assert summary["totals"]["total"] == 8
    assert summary["totals"]["failed"] == (0 if later else 5)
    assert (empty / "out" / "junit.xml").is_file()


def test_the_installed_command_help(venv: Path, empty: Path) -> None:
    done = run(venv, empty, "run", "--help")
    assert done.returncode == 0
    assert "exit codes:" in done.stdout
    assert "preflight" in done.stdout
