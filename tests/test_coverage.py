"""Honest coverage: unchecked add-ons, --strict, runs that check nothing, --only, --param
names, and the per add-on roll-up of the JSON summary (pytester, in process)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CHECKS = """
import pytest

@pytest.mark.addon("metrics-server")
def test_ms_pods(): pass

@pytest.mark.addon("metrics-server")
def test_ms_api(): pass

@pytest.mark.addon("coredns")
def test_dns(): pass

@pytest.mark.addon("vpc-cni")
def test_cni(): pass

@pytest.mark.addon("cluster")
def test_nodes_ready(): pass
"""

MS_ONLY = """
import pytest

pytestmark = pytest.mark.addon("metrics-server")

def test_two_pods(): pass
def test_one_service(): pass
def test_both_pods_run(): pass
def test_metrics_api_is_available(): pass
"""


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, Any]]:
    report = pytester.path / "summary.json"
    report.unlink(missing_ok=True)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--json-report", str(report), *args
    )
    return result, json.loads(report.read_text())


def params(*pairs: str) -> list[str]:
    return [arg for pair in pairs for arg in ("--param", pair)]


def test_the_issue_spec_reports_its_addons_unchecked_and_checks_nothing(
    pytester: pytest.Pytester,
) -> None:
    """coredns, aws-node and kube-proxy in the spec, only metrics-server checks: said."""
    pytester.makepyfile(test_metrics_server=MS_ONLY)
    result, summary = run(
        pytester, *params("COREDNS=v1.11.3", "AWS-NODE=v1.19.0", "KUBE-PROXY=v1.31.2")
    )
    result.stdout.fnmatch_lines(
        [
            "clusterready: unchecked: the spec enables aws-node, coredns, kube-proxy but no "
            "check of this run covers them *",
            "clusterready: nothing was checked: 4 tests selected, none ran to a verdict "
            "(add-on 'metrics-server' is not in the spec): exit 5",
        ]
    )
    assert result.ret == summary["exit_code"] == 5
    assert summary["unchecked"] == ["aws-node", "coredns", "kube-proxy"]
    assert summary["addons"] == {
        "aws-node": "unchecked",
        "coredns": "unchecked",
        "kube-proxy": "unchecked",
        "metrics-server": "skipped",
    }


def test_strict_fails_a_run_that_leaves_an_enabled_addon_unchecked(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    enabled = params("METRICS-SERVER=v0.7.2", "COREDNS=v1", "ISTIO=1.24.1")
    result, summary = run(pytester, *enabled)
    assert result.ret == 0  # reported, not failed: --strict is what fails it
    result.stdout.fnmatch_lines(["clusterready: unchecked: the spec enables istio but *"])
    result, summary = run(pytester, *enabled, "--strict")
    assert result.ret == summary["exit_code"] == 1
    result.stdout.fnmatch_lines(["clusterready: unchecked: the spec enables istio *exit 1)"])
    result.assert_outcomes(passed=4, skipped=1)  # every check passed: the gap fails it
    assert summary["addons"] == {
        "aws-node": "skipped",
        "cluster": "passed",
        "coredns": "passed",
        "istio": "unchecked",
        "metrics-server": "passed",
    }
    result, _ = run(pytester, *params("METRICS-SERVER=v0.7.2", "ISTIO=none"), "--strict")
    assert result.ret == 0  # 'none' is not asked for


def test_no_spec_checks_nothing_and_is_not_a_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_metrics_server=MS_ONLY)
    result, summary = run(pytester, "-rs")
    assert result.ret == summary["exit_code"] == 5
    result.stdout.fnmatch_lines(["clusterready: nothing was checked: 4 tests selected*: exit 5"])
    assert summary["unchecked"] == []  # the spec asks for nothing: nothing is missing


def test_every_test_skipped_for_any_reason_checks_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n\ndef test_a():\n    pytest.skip('not today')\n")
    result, _ = run(pytester)
    assert result.ret == 5
    result.stdout.fnmatch_lines(
        ["*nothing was checked: 1 test selected, none ran to a verdict (not today): exit 5"]
    )


def test_cluster_checks_always_run_and_roll_up_under_cluster(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    result, summary = run(pytester)
    result.assert_outcomes(passed=1, skipped=4)
    by_test = {t["id"].split("::")[1]: (t["addon"], t["outcome"]) for t in summary["tests"]}
    assert by_test == {
        "test_ms_pods": ("metrics-server", "skipped"),
        "test_ms_api": ("metrics-server", "skipped"),
        "test_dns": ("coredns", "skipped"),
        "test_cni": ("aws-node", "skipped"),  # an alias marker: its add-on's name
        "test_nodes_ready": ("cluster", "passed"),
    }
    assert summary["addons"]["cluster"] == "passed"


def test_a_passing_cluster_check_is_no_pass_when_the_spec_enables_no_addon(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    result, summary = run(pytester)
    assert result.ret == summary["exit_code"] == 5
    result.stdout.fnmatch_lines(
        ["clusterready: no add-on was checked: the spec enables none (*), so 4 add-on checks*"]
    )
    result, _ = run(pytester, "-k", "addon[cluster]")  # the Argo cluster step's selection
    assert result.ret == 0
    result, _ = run(pytester, *params("COREDNS=v1.11.3-eksbuild.2"))
    assert result.ret == 0


def test_the_rollup_is_the_worst_outcome_per_addon(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from clusterready.errors import CannotEvaluate

        pytestmark = pytest.mark.addon("coredns")

        @pytest.mark.addon("metrics-server")
        def test_ms_skip(): pytest.skip("later")
        @pytest.mark.addon("metrics-server")
        def test_ms_pass(): pass
        def test_dns_pass(): pass
        def test_dns_cannot(): raise CannotEvaluate("cluster down")
        @pytest.mark.addon("kube-proxy")
        def test_proxy_cannot(): raise CannotEvaluate("cluster down")
        @pytest.mark.addon("kube-proxy")
        def test_proxy_fail(): assert False
        def test_dns_skip(): pytest.skip("later")
        """
    )
    spec = params("METRICS-SERVER=v1", "COREDNS=v1", "KUBE-PROXY=v1")
    _, summary = run(pytester, *spec)
    # failed over cannot-evaluate over passed over skipped
    assert summary["addons"] == {
        "coredns": "cannot-evaluate",
        "kube-proxy": "failed",
        "metrics-server": "passed",
    }
    assert summary["exit_code"] == 1


def test_only_runs_the_named_addons(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    spec = params("METRICS-SERVER=v1", "COREDNS=v1", "AWS-NODE=v1", "ISTIO=1.24.1")
    result, summary = run(pytester, *spec, "--only", "coredns,vpc-cni", "--strict")
    result.assert_outcomes(passed=2, deselected=3)
    assert result.ret == 0  # istio is outside --only: not this run's to check
    assert summary["addons"] == {"aws-node": "passed", "coredns": "passed"}
    result, summary = run(pytester, *spec, "--only", "cluster")
    result.assert_outcomes(passed=1, deselected=4)
    result, summary = run(pytester, *spec, "--only", "coredns istio", "--strict")
    assert result.ret == 1
    assert summary["unchecked"] == ["istio"]
    result, summary = run(pytester, *spec, "--only", "coredns", "-k", "not dns", "--strict")
    assert result.ret == 1  # asked for by name, deselected by -k: unchecked
    assert summary["unchecked"] == ["coredns"]


def test_only_names_must_be_known(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    result = pytester.runpytest_inprocess("--only", "coredns,corends")
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["ERROR: clusterready: --only: unknown add-on 'corends' (did you mean 'coredns'?); *"]
    )
    assert pytester.runpytest_inprocess("--only", ",").ret == 4


def test_k_and_m_deselect_without_making_addons_unchecked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    spec = params("METRICS-SERVER=v1", "COREDNS=v1")
    result, summary = run(pytester, *spec, "-k", "addon[coredns]", "--strict")
    assert result.ret == 0
    assert summary["unchecked"] == []
    result.stdout.fnmatch_lines(["clusterready: not selected by this run: metrics-server"])


def test_every_shard_reports_what_the_whole_selection_leaves_unchecked(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    spec = params("METRICS-SERVER=v1", "COREDNS=v1", "ISTIO=1.24.1")
    for k in (1, 2, 3):
        result, summary = run(pytester, *spec, "--shard", f"{k}/3", "--strict")
        assert summary["unchecked"] == ["istio"], k  # coredns is in shard 2 only
        assert result.ret == 1
    result, summary = run(pytester, *spec, "--shard", "3/3", "--only", "coredns")
    assert result.ret == 0  # its part is empty: the other shards hold the selection
    assert summary["unchecked"] == []


SPEC_WITH_A_GAP = [*params("METRICS-SERVER=v1", "COREDNS=v1", "ISTIO=1.24.1"), "--strict"]


def comparable(summary: dict[str, Any]) -> dict[str, Any]:
    tests = sorted(({**t, "duration": 0} for t in summary["tests"]), key=lambda t: t["id"])
    return {**summary, "duration": 0, "tests": tests}


@pytest.mark.slow  # xdist starts its workers as processes
def test_the_summary_is_the_same_under_xdist(pytester: pytest.Pytester) -> None:
    """The workers collect: the controller learns the add-ons from them."""
    pytester.makepyfile(test_checks=CHECKS)
    serial, whole = run(pytester, *SPEC_WITH_A_GAP, "-p", "no:xdist")
    parallel, distributed = run(pytester, *SPEC_WITH_A_GAP, "-n", "2")
    assert comparable(whole) == comparable(distributed)
    assert whole["unchecked"] == ["istio"]
    assert serial.ret == parallel.ret == 1
    parallel.stdout.fnmatch_lines(["clusterready: unchecked: the spec enables istio *"])


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--only", "coredns"], ["--shard", "3/3"], ["-k", "ms_api"]])
def test_the_selection_is_counted_the_same_under_xdist(
    pytester: pytest.Pytester, args: list[str]
) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    serial, whole = run(pytester, *SPEC_WITH_A_GAP, *args, "-p", "no:xdist")
    parallel, distributed = run(pytester, *SPEC_WITH_A_GAP, *args, "-n", "2")
    assert comparable(whole) == comparable(distributed)
    assert serial.ret == parallel.ret


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("MIN_FREE_IP", " (did you mean 'MIN_FREE_IPS'?)"),
        ("CLUSTERNAME", " (did you mean 'CLUSTER_NAME'?)"),
        ("COREDSN", " (did you mean 'COREDNS'?)"),
        ("FROBNICATOR", ""),
    ],
)
def test_an_unknown_param_is_a_usage_error(pytester: pytest.Pytester, name: str, hint: str) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_inprocess("--param", f"{name}=50")
    assert result.ret == 4
    assert [line for line in result.stderr.lines if line] == [
        f"ERROR: clusterready: --param {name}: unknown parameter {name!r}{hint}; expected a "
        "spec parameter (docs/spec.md), a known add-on or one the spec's custom_addons declares"
    ]


def test_a_workflow_parameter_file_is_checked_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    (pytester.path / "params.yaml").write_text("CLUSTER_NAME: prod\nMIN_FREE_IP: '50'\n")
    result = pytester.runpytest_inprocess("--spec", "params.yaml")
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["ERROR: clusterready: params.yaml: MIN_FREE_IP: unknown parameter 'MIN_FREE_IP' (did*"]
    )


def test_a_custom_addon_declared_in_the_spec_is_a_param_and_an_only_name(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makepyfile(
        test_mesh="import pytest\n\n@pytest.mark.addon('my-mesh')\ndef test_mesh(): pass\n"
    )
    spec = pytester.path / "spec.yaml"
    spec.write_text("custom_addons: [my-mesh]\n")
    result, summary = run(pytester, "--spec", str(spec), "--param", "MY-MESH=1.4", "--only",
                          "my-mesh", "--strict")  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    assert summary["addons"] == {"my-mesh": "passed"}
    # Undeclared, the same name is a mistake, and so is --only naming it.
    assert pytester.runpytest_inprocess("--param", "MY-MESH=1.4").ret == 4
    assert pytester.runpytest_inprocess("--only", "my-mesh").ret == 4
    spec.write_text("custom_addons: [My_Mesh]\n")
    result = pytester.runpytest_inprocess("--spec", str(spec))
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["*custom_addons: expected add-on names in lower case with dashes, found 'My_Mesh'"]
    )


def test_an_alias_in_the_spec_file_enables_its_addon(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    (pytester.path / "spec.yaml").write_text("addons: {vpc-cni: v1.19.0}\n")
    result, summary = run(pytester, "--spec", "spec.yaml", "--only", "aws-node", "--strict")
    assert result.ret == 0
    assert summary["addons"] == {"aws-node": "passed"}


def test_clusterready_spec_checks_param_names_too(capsys: pytest.CaptureFixture[str]) -> None:
    from clusterready.cli import main

    assert main(["spec", "--param", "MIN_FREE_IP=5"]) == 4
    assert capsys.readouterr().err == (
        "clusterready: error: --param MIN_FREE_IP: unknown parameter 'MIN_FREE_IP' (did you "
        "mean 'MIN_FREE_IPS'?); expected a spec parameter (docs/spec.md), a known add-on or "
        "one the spec's custom_addons declares\n"
    )
    assert main(["spec", "--param", "VPC-CNI=v1.19.0", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["addons"] == {"aws-node": "v1.19.0"}


def test_clusterready_run_takes_only(pytester: pytest.Pytester) -> None:
    """`clusterready run addons --only NAME`: the shipped suite, just that add-on's checks."""
    from clusterready.suites import run_arguments

    result = pytester.runpytest_inprocess(
        *run_arguments("addons", ["--only", "metrics-server", "--collect-only", "-q"])
    )
    assert result.ret == 0
    ids = [line for line in result.stdout.lines if "::" in line]
    assert ids
    assert all(i.startswith("tests_addons/test_metrics_server.py::") for i in ids), ids
