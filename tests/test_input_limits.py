"""Bad input never crashes: each case gives one precise line and exit 4 (or, for live
cluster data, a failed check), as a user meets it (the CLI, or pytest with the plugin)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clusterready.cli import main
from clusterready.detik import Detik, parse
from clusterready.errors import CheckFailed, DetikSyntaxError
from clusterready.kube import Cluster
from clusterready.report import RunSummary
from clusterready.testing import FakeCluster

HUGE = "9" * 5000  # int() refuses more than 4,300 digits
NESTED_GROUPS = "(" * 1000 + "a" + ")" * 1000


def spec_command(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    """Run `clusterready spec ARGS`: (exit code, the lines it wrote on stderr)."""
    code = main(["spec", *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.splitlines()


def spec_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> tuple[int, list[str]]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return spec_command(capsys, "--spec", str(tmp_path / name))


def one_error(lines: list[str]) -> str:
    assert len(lines) == 1, lines
    assert lines[0].startswith("clusterready: error: ")
    return lines[0].removeprefix("clusterready: error: ")


# --------------------------------------------------------------------------- manifests


@pytest.mark.parametrize(
    ("spec", "found"), [("null", "null"), ("[1]", "a list"), ("0", "integer 0")]
)
def test_a_workflow_manifest_whose_spec_is_not_a_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, found: str
) -> None:
    code, lines = spec_file(tmp_path, capsys, "w.yaml", f"kind: Workflow\nspec: {spec}\n")
    assert code == 4
    assert one_error(lines) == f"{tmp_path}/w.yaml: spec: expected a mapping, found {found}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "Workflow", "spec": None}, "spec: expected a mapping, found null"),
        ({"kind": "Workflow", "spec": [1]}, "spec: expected a mapping, found a list"),
        ({"kind": "Workflow", "spec": 0}, "spec: expected a mapping, found integer 0"),
        (
            {"kind": "Workflow", "spec": {"arguments": {"parameters": 7}}},
            "spec.arguments.parameters: expected a list, found integer 7",
        ),
    ],
)
def test_a_workflow_manifest_inside_an_events_payload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: Any, message: str
) -> None:
    payload = json.dumps({"context": {"type": "webhook"}, "data": {"body": body}})
    code, lines = spec_file(tmp_path, capsys, "e.json", payload)
    assert code == 4
    assert one_error(lines) == f"{tmp_path}/e.json (data.body): {message}"


def test_a_kind_that_is_not_a_string(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = spec_file(tmp_path, capsys, "k.yaml", "kind: []\n")
    assert code == 4
    assert one_error(lines) == (
        f"{tmp_path}/k.yaml: kind: expected a string such as Workflow or WorkflowTemplate, "
        "found a list"
    )


# --------------------------------------------------------------------------- --set, --param


def test_a_list_index_that_is_a_unicode_digit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_never_runs(): raise SystemExit('ran')")
    result = pytester.runpytest_inprocess(
        "--set", "preflight.subnets=subnet-0a", "--set", "preflight.subnets.²=x"
    )
    assert result.ret == 4
    assert [line for line in result.stderr.lines if line] == [
        "ERROR: clusterready: --set: preflight.subnets: expected a list index (0, 1, ...), "
        "found '²'"
    ]


# --------------------------------------------------------------------------- huge integers


def test_a_huge_integer_in_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = spec_file(tmp_path, capsys, "s.yaml", f"preflight:\n  min_free_ips: {HUGE}\n")
    assert code == 4
    assert one_error(lines) == (
        f"{tmp_path}/s.yaml:2:17: invalid YAML: an integer of 5000 digits (at most 4300)"
    )


def test_a_huge_integer_in_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = spec_file(tmp_path, capsys, "s.json", f'{{"aws": {{"max_attempts": {HUGE}}}}}')
    assert code == 4
    assert one_error(lines) == (
        f"{tmp_path}/s.json: invalid JSON: an integer of 5000 digits (at most 4300)"
    )


def test_an_integer_beyond_64_bits_in_a_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = spec_file(tmp_path, capsys, "s.yaml", f"preflight: {{min_azs: {'9' * 30}}}\n")
    assert code == 4
    assert one_error(lines) == (
        f"{tmp_path}/s.yaml: preflight.min_azs: expected an integer of at most 18 digits, "
        "found 30 digits"
    )


def test_a_huge_integer_in_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = spec_command(capsys, "--set", f"preflight.min_free_ips={HUGE}")
    assert code == 4
    assert one_error(lines) == (
        "--set: preflight.min_free_ips: expected an integer of at most 18 digits, found 5000 digits"
    )


def test_a_huge_integer_in_param(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = spec_command(capsys, "--param", f"AWS_MAX_ATTEMPTS={HUGE}")
    assert code == 4
    assert one_error(lines) == (
        "--param AWS_MAX_ATTEMPTS: aws.max_attempts: expected an integer of at most 18 digits, "
        "found 5000 digits"
    )


@pytest.mark.parametrize(
    ("sentence", "column", "expected"),
    [
        (f"there are {HUGE} pods named 'x'", 11, "a number of resources of at most 18 digits"),
        (
            f"there are more than {HUGE} pods named 'x'",
            21,
            "a number of resources of at most 18 digits",
        ),
        (
            f"at most {HUGE} times every 5s to get pods named 'x' and verify that 'status' is 'y'",
            9,
            "a number of attempts of at most 18 digits",
        ),
        (
            f"at most 5 times every {HUGE}s to get pods named 'x' and verify that 'status' is 'y'",
            23,
            "a delay of at most 9 digits",
        ),
        (
            "at most 5 times every 9999999999s to get pods named 'x' and verify that 'status' "
            "is 'y'",
            23,
            "a delay of at most 9 digits",
        ),
        (
            f"at most 5 times every 5s to find {HUGE} pods named 'x' with 'status' being 'y'",
            34,
            "a number of resources to find of at most 18 digits",
        ),
        (
            f"at most 5 times every 5s to get pods named 'x' and verify that 'a' is more than "
            f"'{HUGE}'",
            81,
            "a number of at most 18 digits",
        ),
    ],
    ids=["count", "more-than", "attempts", "delay", "delay-overflowing-sleep", "find", "value"],
)
def test_huge_numbers_in_detik_sentences(sentence: str, column: int, expected: str) -> None:
    with pytest.raises(DetikSyntaxError) as caught:
        parse(sentence)
    assert caught.value.column == column
    assert caught.value.expected == expected
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) < 400  # the sentence is cut, not echoed 5,000 digits long


def test_a_huge_count_in_a_test_module_stops_the_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"def test_count(detik):\n    detik.verify(\"there are {HUGE} pods named 'x'\")\n"
    )
    result = pytester.runpytest_inprocess()
    assert result.ret == 4
    errors = [line for line in result.stderr.lines if line]
    assert len(errors) == 1
    assert errors[0].startswith(
        "ERROR: test_a_huge_count_in_a_test_module_stops_the_run.py:2: column 11: "
        "expected a number of resources of at most 18 digits, found 5000 digits in "
    )


# --------------------------------------------------------------------------- nesting


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("s.json", "[" * 5000 + "]" * 5000, "s.json"),
        ("s.yaml", "[" * 5000 + "]" * 5000, "s.yaml:1:101"),
        ("s.yaml", "a:\n" + "".join(f"{'  ' * i}- \n" for i in range(1, 200)), "s.yaml:101:201"),
        (
            "s.json",
            json.dumps({"cluster": {"name": "x"}, "x": [[[0]]]}).replace("0", "[" * 99 + "]" * 99),
            "s.json",
        ),
    ],
    ids=["json-5000", "yaml-flow-5000", "yaml-block-200", "json-102"],
)
def test_documents_nested_too_deeply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, where: str
) -> None:
    code, lines = spec_file(tmp_path, capsys, name, text)
    assert code == 4
    kind = "JSON" if name.endswith(".json") else "YAML"
    assert one_error(lines) == f"{tmp_path}/{where}: invalid {kind}: nested deeper than 100 levels"


def test_a_deeply_nested_set_value(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = spec_command(capsys, "--set", "preflight.dhcp=" + "[" * 5000 + "]" * 5000)
    assert code == 4
    assert one_error(lines) == "preflight.dhcp:1:101: invalid YAML: nested deeper than 100 levels"


# --------------------------------------------------------------------------- regexes


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (NESTED_GROUPS, "expected a regular expression of at most 1000 characters, found 2001"),
        ("(" * 60 + "a" + ")" * 60, "expected at most 50 levels of nested groups, found 60"),
        ("a{4294967296}", "expected repetition counts of at most 32767, found 4294967296"),
        ("a{1,99999}", "expected repetition counts of at most 32767, found 99999"),
    ],
    ids=["1000-groups", "60-groups", "repeat-2**32", "repeat-range"],
)
def test_monstrous_spec_patterns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pattern: str, problem: str
) -> None:
    text = json.dumps({"preflight": {"exports": [{"name": "A", "pattern": pattern}]}})
    code, lines = spec_file(tmp_path, capsys, "s.json", text)
    assert code == 4
    message = one_error(lines)
    assert message.startswith(
        f"{tmp_path}/s.json: preflight.exports[0].pattern: {problem} in the regular expression "
    )
    assert len(message) < 300


@pytest.mark.parametrize(
    "sentence",
    [
        f"there are 2 pods named '{NESTED_GROUPS}'",
        "there are 2 pods named 'a{4294967296}'",
        f"'status' matches '{NESTED_GROUPS}' for pods named 'x'",
        "at most 2 times every 1s to find 1 pods named 'x' with 'status' matching 'a{4294967296}'",
    ],
    ids=["name-groups", "name-repeat", "matches-groups", "matching-repeat"],
)
def test_monstrous_detik_regexes_stop_before_any_cluster(
    capsys: pytest.CaptureFixture[str], sentence: str
) -> None:
    verb = "try" if sentence.startswith("at most") else "verify"
    code = main([verb, sentence, "--kubeconfig", "/nonexistent"])
    err = capsys.readouterr().err
    assert code == 4
    lines = err.splitlines()
    assert len(lines) == 1
    assert "expected a POSIX extended regular expression" in lines[0]
    assert "Traceback" not in err


# --------------------------------------------------------------------------- live data


@pytest.fixture
def metrics_pods(fake_cluster: FakeCluster) -> FakeCluster:
    for i in (1, 2):
        fake_cluster.apply(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"metrics-{i}", "namespace": "default"},
                "status": {"phase": "Running"},
            }
        )
    return fake_cluster


def test_a_property_kubectl_cannot_print_fails_the_check_with_path_and_value(
    metrics_pods: FakeCluster,
) -> None:
    """kubectl fails on such a path, so bats-detik sees no rows: not verified (status 3).
    The cluster answered, so it is a failed check, never a crash or cannot-evaluate."""
    detik = Detik(Cluster.from_kubeconfig(metrics_pods.kubeconfig))
    with pytest.raises(CheckFailed) as caught:
        detik.verify("'.status.phase[0]' is 'x' for pods named 'metrics'")
    first = str(caught.value).splitlines()[0]
    assert first.startswith(
        "Cannot read .status.phase[0] of metrics-1: string is not array or slice (the value "
        "there is Running) (1 attempt in "
    ), first
    outcome = detik.try_(
        "at most 2 times every 0s to get pods named 'metrics' and verify that "
        "'.status.phase[0]' is 'x'",
        check=False,
    )
    assert (outcome.status, outcome.attempts) == (3, 2)  # retried: the state may change


def test_a_property_kubectl_cannot_print_through_the_command(
    metrics_pods: FakeCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "verify",
            "'.status.phase[0]' is 'x' for pods named 'metrics'",
            "--kubeconfig",
            metrics_pods.kubeconfig,
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.splitlines()[-1] == (
        "Cannot read .status.phase[0] of metrics-1: string is not array or slice "
        "(the value there is Running)."
    )
    assert "Traceback" not in captured.err


# --------------------------------------------------------------------------- --json-report


def test_a_json_report_naming_a_directory_stops_the_run(pytester: pytest.Pytester) -> None:
    out = pytester.mkdir("out")
    pytester.makepyfile("def test_never_runs(): raise SystemExit('ran')")
    result = pytester.runpytest_inprocess("--json-report", str(out))
    assert result.ret == 4
    assert [line for line in result.stderr.lines if line] == [
        f"ERROR: clusterready: --json-report: '{out}' is a directory"
    ]
    assert list(out.iterdir()) == []  # no .tmp left behind


def test_a_json_report_under_a_file_stops_the_run(pytester: pytest.Pytester) -> None:
    (pytester.path / "f").write_text("")
    pytester.makepyfile("def test_never_runs(): raise SystemExit('ran')")
    result = pytester.runpytest_inprocess("--json-report", "f/r.json")
    assert result.ret == 4
    assert [line for line in result.stderr.lines if line] == [
        "ERROR: clusterready: --json-report: 'f' is not a directory"
    ]


def test_writing_a_summary_where_a_directory_is_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "r.json").mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        RunSummary().write(tmp_path / "r.json", exit_code=0, duration=0.0)
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    RunSummary().write(tmp_path / "new" / "r.json", exit_code=0, duration=0.0)
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["r.json"]


# --------------------------------------------------------------------------- YAML reader


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "cluster:\n  name: a\x01b\n",
            "s.yaml:2:10: invalid YAML: unacceptable character #x0001 "
            "(control characters are not allowed)",
        ),
        (
            "cluster:\n\tname: x\n",
            "s.yaml:2:1: invalid YAML: found character '\\t' that cannot start any token",
        ),
    ],
    ids=["control-character", "tab"],
)
def test_yaml_reader_errors_are_one_line_with_file_line_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    code, lines = spec_file(tmp_path, capsys, "s.yaml", text)
    assert code == 4
    assert one_error(lines) == f"{tmp_path}/{message}"


def test_a_json_report_that_cannot_be_written_at_the_end_exits_4(
    pytester: pytest.Pytester,
) -> None:
    """The path was fine when the run started; a test took it (a disk may fill up too)."""
    pytester.makepyfile("import os\n\ndef test_takes_the_path():\n    os.mkdir('r.json')\n")
    result = pytester.runpytest_inprocess("--json-report", "r.json")
    assert result.ret == 4
    assert [line for line in result.stderr.lines if line] == [
        "clusterready: --json-report: cannot write r.json: 'r.json' is a directory"
    ]
    assert [p.name for p in pytester.path.iterdir() if p.name.endswith(".tmp")] == []
