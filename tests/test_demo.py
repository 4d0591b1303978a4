"""`make demo` / `clusterready demo`: the main job on the example spec, against fakes, then
the add-on validation on the healthy scenario (passing) and a broken one (failing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterready.cli import main
from clusterready.demo import demo_breakage, judge_broken, judge_healthy
from clusterready.testing.scenarios import BREAKAGES
from conftest import ROOT


@pytest.mark.slow
def test_demo_runs_every_suite_and_shows_a_retry_succeeding(
    capfd: pytest.CaptureFixture[str],
) -> None:
    code = main(["demo", "--root", str(ROOT)])  # its suites run in child pytest processes
    captured = capfd.readouterr()
    assert code == 0, captured.out + captured.err
    out = captured.out
    main_job, validation = out.split("\ndemo: add-on validation on the scenario 'healthy'", 1)
    assert "clusterready summary: cluster demo-eu" in main_job
    assert "exit 0: all checks passed" in main_job
    assert (
        "attempt 1/12 of at most 12 times every 5s to find 2 pods named '^metrics-server-' "
        "with 'status' being 'running': Expected 2 pods" in main_job
    )
    assert "attempt 2/12 of" in main_job
    shown = demo_breakage(ROOT)
    healthy, broken = validation.split(f"demo: add-on validation on the scenario {shown!r}")
    assert "clusterready summary: cluster demo-eks" in healthy
    assert "exit 0: all checks passed" in healthy
    assert "demo: healthy: " in healthy
    assert BREAKAGES[shown].description in broken
    assert "exit 1: at least one check failed" in broken
    assert f"demo: {shown}: the report shows " in broken
    assert out.rstrip().endswith(f"and {shown!r} failed as expected")


def test_demo_outside_a_checkout_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["demo", "--root", str(tmp_path)]) == 4


def test_the_demo_shows_the_best_breakage_the_suite_checks(tmp_path: Path) -> None:
    (tmp_path / "tests_addons").mkdir()
    assert demo_breakage(tmp_path) == "metrics-api-unavailable"  # the fallback
    (tmp_path / "tests_addons" / "test_fluent_bit.py").touch()
    assert demo_breakage(tmp_path) == "cni-crashloop"


def summary(exit_code: int, **outcomes: str) -> dict[str, object]:
    tests = [{"id": f"tests_addons/{m}.py::test_x", "outcome": o} for m, o in outcomes.items()]
    return {"exit_code": exit_code, "tests": tests}


def test_a_healthy_run_must_pass_something() -> None:
    assert judge_healthy(summary(0, test_coredns="passed", test_istio="skipped")).ok
    assert not judge_healthy(summary(1, test_coredns="failed")).ok
    assert not judge_healthy(summary(5)).ok
    (line,) = judge_healthy(summary(1, test_coredns="failed")).lines
    assert line == (
        "healthy: expected every check to pass, exit 1; "
        "failed: tests_addons/test_coredns.py::test_x"
    )


def test_a_broken_run_must_fail_where_the_breakage_says_and_nowhere_else() -> None:
    broken = frozenset({"aws-node", "cluster"})
    reasons = ("CrashLoopBackOff", "NetworkPluginNotReady")

    def judge(exit_code: int, output: str = "", **outcomes: str) -> tuple[bool, list[str]]:
        verdict = judge_broken(summary(exit_code, **outcomes), output, "x", broken, reasons)
        return verdict.ok, list(verdict.lines)

    ok, lines = judge(1, "... CrashLoopBackOff ...", test_aws_node="failed", test_coredns="passed")
    assert ok
    assert lines == [
        "x: exit 1; failed: aws-node",
        "x: no shipped check ran for cluster",
        "x: the report shows ['CrashLoopBackOff'] of its reasons",
        "x: not shown (yet) by any check's report: ['NetworkPluginNotReady']",
    ]
    ok, lines = judge(1, test_aws_node="failed", test_coredns="failed")  # too much failed
    assert not ok
    assert "x: checks failed that this breakage leaves alone: ['coredns']" in lines
    ok, lines = judge(1, test_aws_node="failed", test_cluster="passed")  # a miss
    assert not ok
    assert "x: checks passed although the breakage breaks them: ['cluster']" in lines
    assert not judge(0, test_aws_node="passed")[0]  # nothing caught
    assert not judge(75, test_aws_node="failed")[0]  # not a clean failure


def test_the_summary_says_which_addon_a_test_checks_when_it_can() -> None:
    from clusterready.demo import checked_addon

    assert checked_addon({"id": "tests_addons/test_cluster.py::test_a"}) == "cluster"
    assert checked_addon({"id": "mine/test_dns.py::test_a", "addon": "coredns"}) == "coredns"
    assert checked_addon({"id": "tests_addons/test_coredns.py::test_a", "addon": None}) == (
        "coredns"
    )
