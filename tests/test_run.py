"""`clusterready run`: a shipped suite from any directory, with its own rootdir and
settings; and plain `pytest` in a checkout, whose rootdir an option value can move.

The runs are in-process (`pytester.runpytest_inprocess` on the very command line
`clusterready run` hands to `pytest.main`); tests/test_packaging.py runs the
installed console script.
"""

from __future__ import annotations

import configparser
import shutil
import tomllib
from pathlib import Path

import pytest

from clusterready.cli import main
from clusterready.suites import INIFILE, run_arguments, suites_root
from conftest import ROOT

HOSTILE = {
    "pytest.ini": "[pytest]\naddopts = -k nothing_at_all --strict-config\ntestpaths = nowhere\n",
    "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-x --no-such-option"\n',
    "conftest.py": "raise SystemExit('the working directory conftest.py was loaded')\n",
}


@pytest.fixture
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/spec-complete.yaml at an absolute path outside the project and the run."""
    path = tmp_path_factory.mktemp("elsewhere") / "spec.yaml"
    shutil.copy(ROOT / "examples" / "spec-complete.yaml", path)
    return path


def run(pytester: pytest.Pytester, suite: str, *args: str) -> pytest.RunResult:
    """`clusterready run SUITE ARGS...` in pytester's (empty) directory."""
    return pytester.runpytest_inprocess(*run_arguments(suite, args))


def in_checkout(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str
) -> pytest.RunResult:
    """Plain `pytest ARGS...` from the checkout's root."""
    monkeypatch.chdir(ROOT)
    return pytester.runpytest_inprocess(*args)


def ids(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if "::" in line]


def test_run_collects_the_suite_the_checkout_collects(
    pytester: pytest.Pytester, spec_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, text in HOSTILE.items():  # the working directory must change nothing
        (pytester.path / name).write_text(text)
    shipped = run(pytester, "preflight", "--spec", str(spec_file), "--collect-only", "-q")
    assert shipped.ret == 0, shipped.stdout.str() + shipped.stderr.str()
    checkout = in_checkout(
        pytester, monkeypatch, "-m", "preflight", f"--spec={spec_file}", "--collect-only", "-q"
    )
    assert checkout.ret == 0
    assert ids(shipped) == ids(checkout)
    assert len(ids(shipped)) == 36
    assert {i.split("/")[0] for i in ids(shipped)} == {"tests_preflight"}


def test_both_spellings_of_a_path_option_run_the_same(
    pytester: pytest.Pytester, spec_file: Path
) -> None:
    spaced = run(pytester, "all", "--spec", str(spec_file), "--collect-only", "-q")
    joined = run(pytester, "all", f"--spec={spec_file}", "--collect-only", "-q")
    assert spaced.ret == joined.ret == 0
    assert ids(spaced) == ids(joined)
    assert {i.split("/")[0] for i in ids(spaced)} == {"tests_preflight", "tests_addons"}


def test_checks_get_the_fixtures_and_the_markers(pytester: pytest.Pytester) -> None:
    checks = pytester.mkdir("my-checks")
    (checks / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef expected_name():\n    return 'prod-eu'\n"
    )
    # the same basename as a shipped module: no clash
    (checks / "test_vpc.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.kube\n"
        "def test_cluster_name(cluster_spec, expected_name):\n"
        "    assert cluster_spec.cluster.name == expected_name\n\n"
        "@pytest.mark.kube\n"
        "@pytest.mark.addon('istio')\n"
        "def test_istio(detik):\n"
        "    detik.verify(\"there are 2 pods named '^istiod-'\")\n\n"
        "def test_unmarked():\n"
        "    pass\n"
    )
    result = run(
        pytester,
        "addons",
        "--checks",
        str(checks),
        "--param",
        "CLUSTER_NAME=prod-eu",
        "--param",
        "ISTIO=none",
        "-m",
        "kube",
        "-k",
        "not addon[cluster]",
        "-rs",
    )
    # the suite's own add-on tests (36) are skipped (no add-on is in the spec); -m kube
    # selects the marked checks and leaves test_unmarked out; -k leaves out the 4
    # cluster-level checks, which would read the (absent) cluster
    result.assert_outcomes(passed=1, skipped=36 + 1, deselected=1 + 4)
    result.stdout.fnmatch_lines(["SKIPPED *test_vpc.py:*: add-on 'istio' is 'none' in the spec*"])


def test_a_bad_sentence_in_checks_is_a_usage_error(pytester: pytest.Pytester) -> None:
    checks = pytester.mkdir("checks")
    (checks / "test_typo.py").write_text(
        "def test_x(detik):\n    detik.verify(\"there are two pods named 'x'\")\n"
    )
    result = run(pytester, "addons", f"--checks={checks}")
    assert result.ret == 4


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["-k", "no_such_test"], 5),
        (["--set", "preflight.min_free_ips=lots"], 4),
        (["--aws-region", "eu-west-1", "-k", "test_caller_account"], 75),
    ],
    ids=["nothing-selected", "bad-spec", "cannot-evaluate"],
)
def test_exit_codes_are_pytests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list[str], code: int
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(pytester.path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert run(pytester, "preflight", "--set", "aws.account=123456789012", *args).ret == code


def test_reports_are_written(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        "addons",
        "-k",
        "addon[metrics-server]",
        "--json-report",
        "out/summary.json",
        "--junitxml=out/junit.xml",
    )
    assert result.ret == 5  # metrics-server is not in the spec: skipped, nothing checked
    assert (pytester.path / "out" / "summary.json").is_file()
    assert "<testsuite" in (pytester.path / "out" / "junit.xml").read_text()


def test_run_help_lists_the_suites_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    for text in ("preflight", "addons", "all", "--checks DIR", "75 ", "docs/running.md"):
        assert text in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "preflight", "--checks", "/no/such/dir"], "--checks /no/such/dir: no such"),
        (["run", "preflight", "--checks"], "--checks: expected a directory after it"),
    ],
)
def test_bad_run_usage_is_one_line_and_4(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 4
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert message in err[0]


def test_an_unknown_suite_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "everything"]) == 4
    assert "invalid choice: 'everything'" in capsys.readouterr().err


# ----------------------------------------------------------------- plain pytest, checkout


def test_pytest_in_the_checkout_stops_when_an_option_value_moves_the_rootdir(
    pytester: pytest.Pytester, spec_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = in_checkout(
        pytester, monkeypatch, "-m", "preflight", "--spec", str(spec_file), "--collect-only"
    )
    assert result.ret == 4
    [line] = [line for line in result.stderr.lines if line]
    # Where the rootdir went depends on where the checkout and the spec lie (pytest takes
    # the common ancestor of both): the line says it, then the fix.
    moved = "ERROR: clusterready: pytest took the value of --spec for a test path and moved its"
    assert line.startswith(f"{moved} rootdir to /"), line
    assert line.endswith(
        f", away from the project's settings and tests: write --spec={spec_file}"
    ), line
    assert ids(result) == []


def test_pytest_in_the_checkout_takes_a_path_inside_the_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A separate value inside the project leaves the rootdir where it is: it just works."""
    spaced = in_checkout(
        pytester, monkeypatch, "-m", "preflight", "--spec", "examples/spec-complete.yaml",
        "--collect-only", "-q",
    )  # fmt: skip
    assert spaced.ret == 0
    assert len(ids(spaced)) == 36


def test_the_guard_names_the_option_that_moved_the_rootdir(
    pytester: pytest.Pytester, spec_file: Path
) -> None:
    """Not --junitxml (pytest knows it early), but --json-report whose file exists."""
    pytester.makepyfile("def test_x(): pass")
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    report = spec_file.parent / "old.json"
    report.write_text("{}")
    junit = spec_file.parent / "j.xml"
    junit.write_text("")
    result = pytester.runpytest_inprocess("--junitxml", str(junit), "--json-report", str(report))
    assert result.ret == 4
    result.stderr.fnmatch_lines([f"*value of --json-report *: write --json-report={report}"])
    assert pytester.runpytest_inprocess(f"--json-report={report}").ret == 0


def test_a_moved_rootdir_with_no_inifile_either_way_goes_on(
    pytester: pytest.Pytester, spec_file: Path
) -> None:
    """No settings to lose, the same tests collected: not worth stopping for."""
    pytester.makepyfile("def test_x(): pass")
    report = spec_file.parent / "old.json"
    report.write_text("{}")
    result = pytester.runpytest_inprocess("--json-report", str(report))
    assert result.ret == 0
    result.assert_outcomes(passed=1)


# ----------------------------------------------------------------- the settings


def test_the_shipped_settings_are_the_checkouts() -> None:
    ini = configparser.ConfigParser()
    ini.read(INIFILE)
    shipped = {k: v.split() for k, v in ini["pytest"].items()}
    checkout = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    checkout = {
        k: v if isinstance(v, list) else str(v).lower().split()
        for k, v in checkout["ini_options"].items()
        if k not in ("testpaths", "markers")  # the checkout's own: its paths, its tests
    }
    assert shipped == checkout


def test_the_suites_live_in_one_directory() -> None:
    assert suites_root() == ROOT  # an editable install: the checkout itself
