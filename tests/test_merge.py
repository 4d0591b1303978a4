"""`clusterready merge` on hand-made summaries: bad input, exit codes, the JUnit it writes.

tests/test_shard.py merges real shards of both suites and compares with the whole run.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from clusterready.cli import main


def summary(
    *tests: tuple[str, str], shard: tuple[int, int, int | None] | None = None, **fields: Any
) -> dict[str, Any]:
    """A summary of ``(id, outcome)`` tests; ``shard`` is (index, count, selected)."""
    document: dict[str, Any] = {
        "schema": 1,
        "exit_code": 0,
        "cluster": "prod-eu",
        "context": "",
        "region": "eu-west-1",
        "duration": 1.0,
        "totals": {},
        "tests": [
            {"id": i, "outcome": o, "duration": 0.1, "message": "" if o == "passed" else o}
            for i, o in tests
        ],
    }
    if shard is not None:
        document["shard"] = dict(zip(("index", "count", "selected"), shard, strict=True))
    return {**document, **fields}


def merge(tmp_path: Path, *documents: Any, junit: bool = False) -> int:
    names = []
    for i, document in enumerate(documents):
        path = tmp_path / f"in{i}.json"
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        names.append(str(path))
    extra = ["--junitxml", str(tmp_path / "out.xml")] if junit else []
    return main(["merge", *names, "--json-report", str(tmp_path / "out.json"), *extra])


BAD = [
    ("{", "in0.json: not JSON (line 1, column 2)"),
    ("[]", "in0.json: not a clusterready summary: expected a JSON object, found list"),
    ('{"tests": []}', 'in0.json: not a clusterready summary: expected "schema": 1, found None'),
    (
        json.dumps(summary(("t.py::a", "exploded"))),
        "in0.json: not a clusterready summary: tests[0]: expected {id, outcome "
        "(cannot-evaluate, failed, passed, skipped), duration, message, addon}, "
        'found {"id": "t.py::a"',
    ),
    (
        json.dumps(summary(shard=(4, 3, 1))),
        'in0.json: not a clusterready summary: "shard": expected {index, count, selected}, '
        'found {"index": 4, "count": 3, "selected": 1}',
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=["json", "list", "schema", "test", "shard"])
def test_not_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    assert merge(tmp_path, text) == 4
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith("clusterready: error: ")
    assert message in err[0]
    assert not (tmp_path / "out.json").exists()


SETS = [
    (
        [summary(("a", "passed")), summary(("b", "passed"), cluster="prod-us")],
        "{d}/in1.json: cluster 'prod-us', but {d}/in0.json has 'prod-eu': merge the summaries "
        "of one cluster",
    ),
    (
        [summary(("a", "passed"), shard=(1, 2, 2)), summary(("a", "failed"), shard=(2, 2, 2))],
        "{d}/in1.json: test a is also in {d}/in0.json",
    ),
    (
        [summary(("a", "passed")), summary(("a", "passed"))],
        "{d}/in1.json: test a is also in {d}/in0.json",
    ),
    ([summary(("a", "passed"), shard=(1, 3, 3))], "shard 2/3, 3/3 missing"),
    (
        [summary(shard=(1, 2, 2)), summary(shard=(1, 2, 2))],
        "{d}/in1.json: shard 1/2 again (also {d}/in0.json)",
    ),
    (
        [summary(shard=(1, 2, 2)), summary(shard=(2, 3, 2))],
        "{d}/in1.json: shard 2/3, but {d}/in0.json is one of 2 shards",
    ),
    (
        [summary(shard=(1, 2, 33)), summary(shard=(2, 2, 32))],
        "{d}/in1.json: shard 2/2 was cut from 32 tests, {d}/in0.json from 33: run every shard "
        "with the same spec, options and version",
    ),
    (
        [summary(shard=(1, 2, 2)), summary(("b", "passed"))],
        "{d}/in1.json: not a shard, but {d}/in0.json is one: merge the shards of one run, or the "
        "summaries of separate runs",
    ),
]


@pytest.mark.parametrize(
    ("documents", "message"),
    SETS,
    ids=["clusters", "twice-in-shards", "twice", "missing", "again", "counts", "cut", "mixed"],
)
def test_summaries_that_are_not_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], documents: list[Any], message: str
) -> None:
    assert merge(tmp_path, *documents) == 4
    err = capsys.readouterr().err.splitlines()
    assert err == ["clusterready: error: " + message.format(d=tmp_path)]


def test_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["merge", str(tmp_path / "gone.json"), "--json-report", str(tmp_path / "o")])
    assert code == 4
    assert capsys.readouterr().err == f"clusterready: error: {tmp_path}/gone.json: no such file\n"


@pytest.mark.parametrize("option", ["--json-report", "--junitxml"])
def test_an_output_that_is_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    (tmp_path / "a.json").write_text(json.dumps(summary(("t.py::a", "passed"))))
    outputs = {"--json-report": str(tmp_path / "o.json"), "--junitxml": str(tmp_path / "o.xml")}
    outputs[option] = str(tmp_path)
    code = main(["merge", str(tmp_path / "a.json"), *(x for kv in outputs.items() for x in kv)])
    assert code == 4
    assert (
        capsys.readouterr().err == f"clusterready: error: {option}: '{tmp_path}' is a directory\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]  # nothing written


def test_the_output_is_required(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(summary()))
    assert main(["merge", str(tmp_path / "a.json")]) == 4


@pytest.mark.parametrize(
    ("codes", "outcomes", "expected"),
    [
        ([0, 0], ["passed", "skipped"], 0),
        ([1, 75], ["failed", "cannot-evaluate"], 1),
        ([0, 75], ["passed", "cannot-evaluate"], 75),
        ([5, 5], [], 5),  # nothing selected anywhere: still no tests
        ([0, 0], ["skipped", "skipped"], 5),  # every test skipped: nothing was checked
        ([0, 2], ["passed", "passed"], 2),  # a shard was interrupted: not a pass
        ([4, 0], ["passed"], 4),
    ],
)
def test_the_exit_code_is_the_runs(
    tmp_path: Path, codes: list[int], outcomes: list[str], expected: int
) -> None:
    tests = [(f"t.py::test_{i}", o) for i, o in enumerate(outcomes)]
    halves = [tests[: len(tests) // 2], tests[len(tests) // 2 :]]
    documents = [
        summary(*part, shard=(k + 1, 2, len(tests)), exit_code=code)
        for k, (part, code) in enumerate(zip(halves, codes, strict=True))
    ]
    assert merge(tmp_path, *documents) == expected
    assert json.loads((tmp_path / "out.json").read_text())["exit_code"] == expected


def test_separate_runs_merge_in_the_order_given(tmp_path: Path) -> None:
    """The fan-in of different selections (cluster checks, one step per add-on)."""
    preflight = summary(("tests_preflight/test_vpc.py::test_dns", "passed"), exit_code=0)
    addons = summary(
        ("tests_addons/test_metrics_server.py::test_two_pods", "failed"),
        exit_code=1,
        region="",
        context="prod-eu",
    )
    assert merge(tmp_path, preflight, addons) == 1
    merged = json.loads((tmp_path / "out.json").read_text())
    assert [t["id"] for t in merged["tests"]] == [
        "tests_preflight/test_vpc.py::test_dns",
        "tests_addons/test_metrics_server.py::test_two_pods",
    ]
    assert (merged["cluster"], merged["context"], merged["region"]) == (
        "prod-eu",
        "prod-eu",
        "eu-west-1",
    )
    assert merged["totals"] == {
        "total": 2, "passed": 1, "failed": 1, "skipped": 0, "cannot-evaluate": 0,
    }  # fmt: skip
    assert "shard" not in merged


def test_the_junit_is_valid_and_carries_the_messages(tmp_path: Path) -> None:
    nasty = 'expected "<2>" & found \x1b[31m1\x1b[0m'
    document = summary(
        ("tests_addons/test_m.py::test_pods[kube-system/a]", "failed"),
        ("tests_addons/test_m.py::TestApi::test_up", "cannot-evaluate"),
        ("tests_addons/test_m.py::test_skip", "skipped"),
        ("tests_addons/test_m.py::test_ok", "passed"),
        exit_code=1,
    )
    document["tests"][0]["message"] = nasty
    assert merge(tmp_path, document, junit=True) == 1
    root = ET.parse(tmp_path / "out.xml").getroot()
    (suite,) = root.findall("testsuite")
    assert {k: suite.attrib[k] for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "4", "failures": "1", "errors": "1", "skipped": "1",
    }  # fmt: skip
    cases = suite.findall("testcase")
    assert [(c.attrib["classname"], c.attrib["name"]) for c in cases] == [
        ("tests_addons.test_m", "test_pods[kube-system/a]"),
        ("tests_addons.test_m.TestApi", "test_up"),
        ("tests_addons.test_m", "test_skip"),
        ("tests_addons.test_m", "test_ok"),
    ]
    failure, error, skipped = (cases[0][0], cases[1][0], cases[2][0])
    assert failure.tag == "failure"
    assert failure.attrib["message"] == nasty.replace("\x1b", "\N{REPLACEMENT CHARACTER}")
    assert (error.tag, error.attrib["type"], error.attrib["message"]) == (
        "error",
        "CannotEvaluate",
        "cannot-evaluate",
    )
    assert (skipped.tag, skipped.attrib["message"]) == ("skipped", "skipped")
    assert len(cases[3]) == 0
    properties = {p.attrib["name"]: p.attrib["value"] for p in suite.iter("property")}
    assert properties == {"clusterready.cluster": "prod-eu", "clusterready.region": "eu-west-1"}


def test_the_addon_verdicts_roll_up_over_every_slice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One step per add-on (--only NAME): the fan-in gives each add-on its verdict."""

    def test(id_: str, outcome: str, addon: str | None) -> dict[str, Any]:
        return {"id": id_, "outcome": outcome, "duration": 0.1, "message": "", "addon": addon}

    cluster = summary(exit_code=0, unchecked=[])
    cluster["tests"] = [test("c.py::test_nodes", "passed", "cluster")]
    dns = summary(exit_code=1, unchecked=["istio"])  # --strict: its istio had no check
    dns["tests"] = [
        test("d.py::test_pods", "passed", "coredns"),
        test("d.py::test_svc", "cannot-evaluate", "coredns"),
    ]
    ms = summary(exit_code=0, unchecked=["coredns"])  # another slice checked coredns
    ms["tests"] = [
        test("m.py::test_a", "skipped", "metrics-server"),
        test("x.py::t", "passed", None),
    ]
    assert merge(tmp_path, cluster, dns, ms) == 1
    assert "unchecked: istio (enabled, no check covers it)" in capsys.readouterr().out
    merged = json.loads((tmp_path / "out.json").read_text())
    assert merged["addons"] == {
        "cluster": "passed",
        "coredns": "cannot-evaluate",
        "istio": "unchecked",
        "metrics-server": "skipped",
    }
    assert merged["unchecked"] == ["istio"]
    assert [t["addon"] for t in merged["tests"]] == [
        "cluster",
        "coredns",
        "coredns",
        "metrics-server",
        None,
    ]


def test_a_summary_before_the_addon_fields_still_merges(tmp_path: Path) -> None:
    assert merge(tmp_path, summary(("t.py::a", "passed"))) == 0
    merged = json.loads((tmp_path / "out.json").read_text())
    assert (merged["tests"][0]["addon"], merged["addons"], merged["unchecked"]) == (None, {}, [])


def test_a_bad_unchecked_list_is_not_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert merge(tmp_path, summary(("t.py::a", "passed"), unchecked="istio")) == 4
    assert '"unchecked": expected a list of add-on names, found "istio"' in capsys.readouterr().err
