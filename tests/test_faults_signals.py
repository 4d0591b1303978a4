"""Deadlines and signals end a run with its reports written: real signals to real processes.

Each such run is a whole process and waits in real time: `make test` runs one signal
(SIGTERM); the rest, the run's deadline included, are marked slow (`make test-slow`, CI)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from clusterready.testing import FakeCluster

CHECKS = """
import os, pathlib, time

def test_a():
    pass

def test_b():
    pathlib.Path("started").write_text("b")
    time.sleep(60)

def test_c():
    pass
"""


def start(path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--json-report",
            "r.json",
            "--junitxml",
            "junit.xml",
            *args,
        ],
        cwd=path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # A fresh run: not a worker of the xdist run these tests may be part of.
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")},
    )


def wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=60)
    assert "Traceback" not in out
    assert "INTERNALERROR" not in out
    return proc.returncode, out


def summary(path: Path) -> dict[str, Any]:
    tests = json.loads((path / "r.json").read_text())["tests"]
    assert (path / "junit.xml").read_text().count("<testcase") == len(tests)
    return {t["id"].split("::")[1]: (t["outcome"], t["message"]) for t in tests}


@pytest.mark.parametrize(
    "signum",
    [signal.SIGTERM, pytest.param(signal.SIGINT, marks=pytest.mark.slow)],
    ids=["SIGTERM", "SIGINT"],
)
def test_a_signal_ends_the_run_with_its_reports(pytester: pytest.Pytester, signum: int) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    proc = start(pytester.path)
    wait_for(pytester.path / "started")
    proc.send_signal(signum)
    code, out = finish(proc)
    assert code == 75, out
    name = signal.Signals(signum).name
    assert summary(pytester.path) == {
        "test_a": ("passed", ""),
        "test_b": ("cannot-evaluate", f"Interrupted: the run was stopped by {name}"),
        "test_c": ("cannot-evaluate", f"Interrupted: not checked: the run was stopped by {name}"),
    }


@pytest.mark.slow
def test_a_signal_after_a_failure_exits_1(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_checks=CHECKS.replace("def test_a():\n    pass", "def test_a():\n    assert 0")
    )
    proc = start(pytester.path)
    wait_for(pytester.path / "started")
    proc.send_signal(signal.SIGTERM)
    code, _ = finish(proc)
    assert code == 1
    assert summary(pytester.path)["test_c"][0] == "cannot-evaluate"


@pytest.mark.slow
def test_the_run_deadline(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    code, out = finish(start(pytester.path, "--deadline", "2"))
    assert code == 75, out
    assert summary(pytester.path) == {
        "test_a": ("passed", ""),
        "test_b": ("cannot-evaluate", "Interrupted: the run's deadline of 2s passed"),
        "test_c": ("cannot-evaluate", "Interrupted: not checked: the run's deadline of 2s passed"),
    }


@pytest.mark.slow
def test_a_check_deadline_ends_that_check_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    code, out = finish(start(pytester.path, "--set", "run.check_deadline=1"))
    assert code == 75, out
    outcomes = summary(pytester.path)
    assert outcomes["test_b"] == (
        "cannot-evaluate",
        "Interrupted: the check's deadline of 1s passed (run.check_deadline)",
    )
    assert outcomes["test_c"] == ("passed", "")


@pytest.mark.slow
def test_sigterm_under_xdist_reaches_the_workers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    proc = start(pytester.path, "-n", "2")
    wait_for(pytester.path / "started")
    proc.send_signal(signal.SIGTERM)
    code, out = finish(proc)
    assert code == 75, out
    outcomes = summary(pytester.path)
    assert outcomes["test_b"] == ("cannot-evaluate", "Interrupted: the run was stopped by SIGTERM")
    assert {o for o, _ in outcomes.values()} <= {"passed", "cannot-evaluate"}


@pytest.mark.slow
def test_ctrl_c_in_try_prints_the_attempts_so_far(fake_cluster: FakeCluster) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clusterready.cli",
            "try",
            "--kubeconfig",
            fake_cluster.kubeconfig,
            "at most 60 times every 1s to find 1 pod named 'web' with 'status' being 'running'",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 60
    while sum(r.path.endswith("/pods") for r in fake_cluster.requests) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 75
    assert "Traceback" not in out + err
    assert out.splitlines()[0] == "Valid expression. Verification in progress..."
    assert "Expected 1 pod named web to have this value (running). Found 0." in out
    assert err.startswith("clusterready: interrupted after ")
    assert err.rstrip().endswith("attempt(s): Ctrl-C")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", "expected at least 1, found 0"), ("soon", "expected an integer, found 'soon'")],
)
def test_a_bad_deadline_is_a_usage_error(
    pytester: pytest.Pytester, value: str, expected: str
) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_inprocess("--deadline", value)
    assert result.ret == 4
    assert result.stderr.lines[0] == f"ERROR: clusterready: --deadline: run.deadline: {expected}"


# Each moment is a hook of the run under test that writes a file naming where it is
# and then waits (at most 30 s) for the test to say the signal was sent: the signal
# lands exactly there, on whichever process (the controller or a worker) holds it.
MOMENTS = """
import os, pathlib, time

import pytest

WORKER = os.environ.get("PYTEST_XDIST_WORKER")
MOMENT = os.environ["MOMENT"]


def hold(where):
    here = pathlib.Path(os.environ["MOMENT_DIR"])
    if MOMENT != where or (here / "sent").exists():
        return
    (here / "moment").write_text(where)
    for _ in range(600):
        if (here / "sent").exists():
            return
        time.sleep(0.05)


if WORKER:  # before the worker's pytest_configure: it has no handler yet
    hold("worker-starting")


def pytest_collection_modifyitems():
    if WORKER:
        hold("worker-collecting")


def pytest_runtest_call(item):
    hold("check-running")


def pytest_runtest_logreport(report):
    if WORKER and report.when == "setup":
        hold("worker-reporting")


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish():  # after the checks, before the reports are written
    if not WORKER:
        hold("controller-finishing")
    return (yield)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "moment",
    [
        "worker-starting",
        "worker-collecting",
        "check-running",
        "worker-reporting",
        "controller-finishing",
    ],
)
def test_sigterm_at_any_moment_under_xdist(
    pytester: pytest.Pytester, moment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(MOMENTS)
    pytester.makepyfile(test_checks="def test_a(): pass\ndef test_b(): pass\ndef test_c(): pass\n")
    monkeypatch.setenv("MOMENT", moment)
    monkeypatch.setenv("MOMENT_DIR", str(pytester.path))
    proc = start(pytester.path, "-n", "2")
    wait_for(pytester.path / "moment")
    proc.send_signal(signal.SIGTERM)
    (pytester.path / "sent").write_text("")
    code, out = finish(proc)
    assert code == 75, out
    outcomes = summary(pytester.path)
    assert set(outcomes) == {"test_a", "test_b", "test_c"}, out
    for outcome, message in outcomes.values():
        assert (outcome, message) in {
            ("passed", ""),
            ("cannot-evaluate", "Interrupted: the run was stopped by SIGTERM"),
            ("cannot-evaluate", "Interrupted: not checked: the run was stopped by SIGTERM"),
        }, out


@pytest.mark.parametrize("when", ["setup", "call", "teardown"])
def test_sigterm_while_pytest_reports_a_check(pytester: pytest.Pytester, when: str) -> None:
    # The signal lands in pytest's reporting code, between two phases of test_a: that
    # check still gets a report (its next phase ends at once), and nothing escapes.
    pytester.makeconftest(
        f"""
        import os, signal

        def pytest_runtest_logreport(report):
            if report.when == {when!r} and report.nodeid.endswith("test_a"):
                os.kill(os.getpid(), signal.SIGTERM)
        """
    )
    pytester.makepyfile(test_checks="def test_a(): pass\ndef test_b(): pass\n")
    result = pytester.runpytest_inprocess("-p", "no:xdist", "--json-report", "r.json")
    assert result.ret == 75, result.stdout.str()
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    tests = {t["id"]: t for t in json.loads((pytester.path / "r.json").read_text())["tests"]}
    stop = "the run was stopped by SIGTERM"
    assert tests["test_checks.py::test_b"]["message"] == f"Interrupted: not checked: {stop}"
    assert tests["test_checks.py::test_a"]["outcome"] == (
        "passed" if when == "teardown" else "cannot-evaluate"
    )
