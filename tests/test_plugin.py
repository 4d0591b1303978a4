"""Black-box tests of the pytest plugin: options, markers, exit codes, reports."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

CHECKS = """
import pytest
from clusterready import CannotEvaluate, CheckFailed

@pytest.fixture
def unreachable():
    raise CannotEvaluate("cluster 'demo': GET /api/v1/pods: connection refused")

def test_passes():
    pass

def test_fails():
    raise CheckFailed("2 pods expected named 'metrics-server', 1 found")

def test_cannot_evaluate():
    raise CannotEvaluate("AWS: throttled beyond 3 attempts (DescribeSubnets)")

def test_cannot_evaluate_in_setup(unreachable):
    pass

def test_skipped():
    pytest.skip("nothing to check here")
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def test_exit_0_when_all_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKS)
    assert run(pytester, "-k", "passes or skipped").ret == 0


def test_exit_1_when_a_check_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKS)
    result = run(pytester, "-k", "passes or test_fails")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*CheckFailed: 2 pods expected named 'metrics-server', 1 found"])


def test_exit_75_when_nothing_failed_but_something_could_not_be_evaluated(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(CHECKS)
    result = run(pytester, "-k", "passes or cannot_evaluate")
    assert result.ret == 75
    result.stdout.fnmatch_lines(
        [
            "*could not evaluate*",
            "*::test_cannot_evaluate: CannotEvaluate: AWS: throttled beyond 3 attempts*",
            "*::test_cannot_evaluate_in_setup: CannotEvaluate: cluster 'demo': *refused",
            "*1 passed, 2 deselected, 2 cannot evaluate*",
        ]
    )
    # No traceback for an environment problem: one line says what could not be reached.
    assert "Traceback" not in result.stdout.str()
    assert "raise CannotEvaluate" not in result.stdout.str()


def test_exit_1_when_failures_and_cannot_evaluate_mix(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKS)
    assert run(pytester).ret == 1


def test_exit_75_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKS)
    assert run(pytester, "-n", "2", "-k", "passes or cannot_evaluate").ret == 75


def test_exit_4_on_a_bad_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKS)
    result = run(pytester, "--param", "CLUSTER_NAME")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: clusterready: --param: expected NAME=VALUE, found *"])


def test_exit_5_when_no_test_is_selected(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKS)
    assert run(pytester, "-m", "preflight").ret == 5


def test_json_summary(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    result = run(
        pytester,
        "--json-report",
        "out/summary.json",
        "--param",
        "CLUSTER_NAME=prod-eu",
        "--aws-region",
        "eu-west-1",
        "--context",
        "prod",
    )
    assert result.ret == 1
    summary = json.loads((pytester.path / "out" / "summary.json").read_text())
    assert summary["schema"] == 1
    assert summary["exit_code"] == 1
    assert (summary["cluster"], summary["context"], summary["region"]) == (
        "prod-eu",
        "prod",
        "eu-west-1",
    )
    assert summary["totals"] == {
        "total": 5,
        "passed": 1,
        "failed": 1,
        "skipped": 1,
        "cannot-evaluate": 2,
    }
    by_id = {t["id"].split("::")[1]: t for t in summary["tests"]}
    assert by_id["test_passes"]["outcome"] == "passed"
    assert by_id["test_fails"] == {
        "id": "test_checks.py::test_fails",
        "outcome": "failed",
        "duration": by_id["test_fails"]["duration"],
        "message": "clusterready.errors.CheckFailed: 2 pods expected named 'metrics-server', "
        "1 found",
        "addon": None,
    }
    assert by_id["test_cannot_evaluate"]["outcome"] == "cannot-evaluate"
    assert by_id["test_cannot_evaluate_in_setup"]["message"] == (
        "CannotEvaluate: cluster 'demo': GET /api/v1/pods: connection refused"
    )
    assert by_id["test_skipped"] == {
        "id": "test_checks.py::test_skipped",
        "outcome": "skipped",
        "duration": by_id["test_skipped"]["duration"],
        "message": "nothing to check here",
        "addon": None,
    }
    assert all(isinstance(t["duration"], float) for t in summary["tests"])
    assert (summary["addons"], summary["unchecked"]) == ({}, [])


@pytest.mark.slow  # xdist starts its workers as processes
def test_json_summary_is_the_same_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    run(pytester, "--json-report", "serial.json")
    run(pytester, "-n", "2", "--json-report", "parallel.json")

    def outcomes(name: str) -> dict[str, tuple[str, str]]:
        data = json.loads((pytester.path / name).read_text())
        return {t["id"]: (t["outcome"], t["message"]) for t in data["tests"]}

    assert outcomes("serial.json") == outcomes("parallel.json")
    assert len(outcomes("serial.json")) == 5


@pytest.mark.slow  # xdist starts its workers as processes
def test_junit_carries_the_target_as_testsuite_properties(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKS)
    run(
        pytester,
        "--junitxml",
        "junit.xml",
        "-n",
        "2",
        "--param",
        "CLUSTER_NAME=prod-eu",
        "--aws-region",
        "eu-west-1",
        "--context",
        "prod",
    )
    suite = ET.parse(pytester.path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props == {
        "clusterready.cluster": "prod-eu",
        "clusterready.context": "prod",
        "clusterready.region": "eu-west-1",
    }


@pytest.mark.parametrize("junit", [True, False])
def test_the_junit_writer_is_found_without_pytests_private_key(
    pytester: pytest.Pytester, junit: bool
) -> None:
    # the fallback for a pytest without _pytest.junitxml.xml_key finds the same LogXML (or none)
    pytester.makepyfile(
        f"""
        from _pytest.junitxml import xml_key
        from clusterready.plugin import _junit_writer_plugin

        def test_same_writer(pytestconfig):
            writer = pytestconfig.stash.get(xml_key, None)
            assert (writer is not None) is {junit}
            assert _junit_writer_plugin(pytestconfig) is writer
        """
    )
    junitxml = ["--junitxml", "j.xml"] if junit else []
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *junitxml)
    result.assert_outcomes(passed=1)


def test_report_header_names_the_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHECKS)
    (pytester.path / "s.yaml").write_text("cluster: {name: prod-eu}\naws: {region: eu-west-1}\n")
    result = run(pytester, "--spec", "s.yaml", "-k", "passes")
    result.stdout.fnmatch_lines(
        ["clusterready: cluster prod-eu, context (current), region eu-west-1, spec s.yaml"]
    )


def test_ini_names_a_default_spec(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nclusterready_spec = conf/spec.yaml\n")
    (pytester.path / "conf").mkdir()
    (pytester.path / "conf" / "spec.yaml").write_text("cluster: {name: from-ini}\n")
    pytester.makepyfile(
        "def test_name(cluster_spec): assert cluster_spec.cluster.name == 'from-ini'"
    )
    assert run(pytester).ret == 0


ADDON_TESTS = """
import pytest

@pytest.mark.addon("metrics-server")
def test_metrics_server(): pass

@pytest.mark.addon("coredns")
def test_coredns(): pass

@pytest.mark.addon("istio")
def test_istio(): pass
"""


def test_addon_marker_skips_none_and_absent_addons(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(ADDON_TESTS)
    result = run(
        pytester,
        "-rs",
        "--param",
        "METRICS-SERVER=none",
        "--param",
        "COREDNS=v1.11.3",
        "--json-report",
        "r.json",
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines_random(
        [
            "SKIPPED * add-on 'metrics-server' is 'none' in the spec (not installed)",
            "SKIPPED * add-on 'istio' is not in the spec",
            "*1 passed, 2 skipped*",
        ]
    )
    outcomes = {
        t["id"].split("::")[1]: t["outcome"]
        for t in json.loads((pytester.path / "r.json").read_text())["tests"]
    }
    assert outcomes == {
        "test_metrics_server": "skipped",
        "test_coredns": "passed",
        "test_istio": "skipped",
    }


def test_addon_marker_misuse_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("import pytest\n@pytest.mark.addon\ndef test_x(): pass\n")
    result = run(pytester)
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: *test_x: @pytest.mark.addon takes one add-on name*"])


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--markers")
    for marker in ("preflight", "addons", "addon(name)", "aws", "kube"):
        result.stdout.fnmatch_lines([f"@pytest.mark.{marker}: *"])


def test_option_group_in_help(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--help")
    result.stdout.fnmatch_lines(["clusterready: cluster spec, targets and reports:"])
    for option in (
        "--spec=PATH",
        "--param=NAME=VALUE",
        "--set=KEY=VALUE",
        "--kubeconfig=VALUE",
        "--context=VALUE",
        "--namespace=VALUE",
        "--aws-region=VALUE",
        "--aws-profile=VALUE",
        "--json-report=PATH",
    ):
        result.stdout.fnmatch_lines([f"  {option}*"])


def test_suite_markers_come_from_the_location(pytester: pytest.Pytester, repo_root: Path) -> None:
    for suite in ("tests_preflight", "tests_addons", "tests"):
        (pytester.path / suite).mkdir()
        (pytester.path / suite / f"test_{suite}.py").write_text("def test_one(): pass\n")
        if suite != "tests":  # each shipped suite marks its own tests
            shutil.copy(repo_root / suite / "conftest.py", pytester.path / suite / "conftest.py")

    def selected(*args: str) -> list[str]:
        result = run(pytester, "--collect-only", "-q", *args)
        return sorted(line for line in result.stdout.lines if "::" in line)

    assert selected("-m", "preflight") == ["tests_preflight/test_tests_preflight.py::test_one"]
    assert selected("-m", "aws") == ["tests_preflight/test_tests_preflight.py::test_one"]
    assert selected("-m", "addons") == ["tests_addons/test_tests_addons.py::test_one"]
    assert selected("-m", "kube") == ["tests_addons/test_tests_addons.py::test_one"]


def test_shipped_suites_select_exactly_by_marker(
    repo_root: Path, pytester: pytest.Pytester
) -> None:
    """In this repository, `-m preflight` and `-m addons` split the suites exactly."""
    pytester.chdir()

    def collected(*args: str) -> set[str]:
        result = pytester.runpytest(
            "--rootdir",
            str(repo_root),
            "-c",
            str(repo_root / "pyproject.toml"),
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            *args,
            str(repo_root / "tests_preflight"),
            str(repo_root / "tests_addons"),
        )
        return {line for line in result.stdout.lines if "::" in line}

    everything = collected()
    preflight = collected("-m", "preflight")
    addons = collected("-m", "addons")
    assert preflight == {t for t in everything if t.startswith("tests_preflight/")}
    assert addons == {t for t in everything if t.startswith("tests_addons/")}
    assert preflight | addons == everything
