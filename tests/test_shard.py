"""`--shard K/N` and `clusterready merge`: the merged shards are the unsharded run.

Both suites, passing and failing, against moto (preflight) and a FakeCluster (add-ons),
through `clusterready run` in-process; the merge through the `clusterready` command.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from clusterready.cli import main
from clusterready.shard import Shard
from clusterready.suites import run_arguments
from clusterready.testing import FakeCluster, load_objects, scenarios
from conftest import ROOT
from test_preflight_suite import account  # noqa: F401  (the seeded moto account fixture)


@pytest.mark.parametrize("count", range(1, 8))
def test_the_parts_cover_the_selection_once_and_evenly(count: int) -> None:
    for total in range(50):
        parts = [list(Shard(k, count).part(total)) for k in range(1, count + 1)]
        assert [i for part in parts for i in part] == list(range(total))
        assert max(map(len, parts)) - min(map(len, parts)) <= 1


@pytest.mark.parametrize("value", ["0/3", "4/3", "x", "1/0", "-1/3", "2/", "1/3/5", "", "1.5/3"])
def test_a_bad_shard_is_a_usage_error(pytester: pytest.Pytester, value: str) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_inprocess(f"--shard={value}")
    assert result.ret == 4
    assert [line for line in result.stderr.lines if line] == [
        f"ERROR: clusterready: --shard: expected K/N with 1 <= K <= N (e.g. 2/3), found {value!r}"
    ]


# ----------------------------------------------------------------- the suites, sharded


def run(pytester: pytest.Pytester, suite: str, *args: str) -> int:
    return int(pytester.runpytest_inprocess(*run_arguments(suite, args)).ret)


def comparable(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary without its timings (durations, and DETIK's "in 0.01s")."""
    return {
        **summary,
        "duration": None,
        "tests": [
            {**t, "duration": None, "message": re.sub(r"\d+\.\d+s", "Ts", t["message"])}
            for t in summary["tests"]
        ],
    }


def junit_cases(path: Path) -> list[tuple[str, str, str]]:
    """(classname, name, outcome element) of every test case, in order."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    cases = []
    for case in root.iter("testcase"):
        float(case.attrib["time"])
        results = [child for child in case if child.tag in ("failure", "error", "skipped")]
        assert all(child.attrib["message"] for child in results)
        kind = results[0].tag if results else "passed"
        cases.append((case.attrib["classname"], case.attrib["name"], kind))
    return cases


def junit_counts(path: Path) -> dict[str, int]:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    return {k: int(suite.attrib[k]) for k in ("tests", "failures", "errors", "skipped")}


def sharded_equals_whole(pytester: pytest.Pytester, suite: str, *args: str) -> dict[str, Any]:
    """Run the suite whole and in 3 shards, merge, and check the merge is the whole run."""
    out = pytester.path
    whole_code = run(
        pytester, suite, *args, "--json-report", "whole.json", "--junitxml", "whole.xml"
    )
    codes = [
        run(pytester, suite, *args, "--shard", f"{k}/3", "--json-report", f"part{k}.json")
        for k in (1, 2, 3)
    ]
    merged_code = main(
        [
            "merge",
            *(str(out / f"part{k}.json") for k in (3, 1, 2)),  # any order
            "--json-report",
            str(out / "merged.json"),
            "--junitxml",
            str(out / "merged.xml"),
        ]
    )
    whole = json.loads((out / "whole.json").read_text())
    merged = json.loads((out / "merged.json").read_text())
    assert merged_code == whole_code == whole["exit_code"] == merged["exit_code"]
    assert comparable(merged) == comparable(whole)
    assert junit_cases(out / "merged.xml") == junit_cases(out / "whole.xml")
    assert junit_counts(out / "merged.xml") == junit_counts(out / "whole.xml")
    parts = [json.loads((out / f"part{k}.json").read_text()) for k in (1, 2, 3)]
    sizes = [len(p["tests"]) for p in parts]
    assert max(sizes) - min(sizes) <= 1
    assert all(p["shard"]["selected"] == len(whole["tests"]) for p in parts)
    whole["shard_codes"] = codes
    return whole


@pytest.mark.slow  # the add-on suite's shards prove the same fast
@pytest.mark.parametrize("broken", [False, True], ids=["ready", "missing-export"])
def test_preflight_shards_merge_into_the_whole_run(
    pytester: pytest.Pytester,
    account: dict[str, Any],  # noqa: F811
    broken: bool,
) -> None:
    spec = json.loads(json.dumps(account))
    if broken:
        spec["preflight"]["exports"].append("missing-export")
    (pytester.path / "spec.json").write_text(json.dumps(spec))
    whole = sharded_equals_whole(pytester, "preflight", f"--spec={pytester.path / 'spec.json'}")
    assert whole["exit_code"] == (1 if broken else 0)
    assert whole["totals"]["total"] == (34 if broken else 33)  # one test per export
    assert whole["totals"]["failed"] == (1 if broken else 0)
    assert sorted(whole["shard_codes"]) == ([0, 0, 1] if broken else [0, 0, 0])


@pytest.mark.parametrize("healthy", [True, False], ids=["running", "pending"])
def test_addon_shards_merge_into_the_whole_run(
    pytester: pytest.Pytester, fake_cluster: FakeCluster, healthy: bool
) -> None:
    if healthy:
        scenarios.load(fake_cluster)
    else:  # metrics-server's pods still Pending, its API not available
        for obj in load_objects(ROOT / "examples" / "demo-cluster.yaml"):
            fake_cluster.apply(obj)
    whole = sharded_equals_whole(
        pytester, "addons", "--kubeconfig", fake_cluster.kubeconfig, "--namespace",
        "kube-system", "--param", "METRICS-SERVER=v0.7.2", "--detik-max-attempts", "1",
    )  # fmt: skip
    assert whole["exit_code"] == (0 if healthy else 1)
    # pending: 2 DETIK sentences, and rolled out, pods Ready, serving; and the cluster's
    # every node Ready (there is none) and kube-system's pods healthy
    assert whole["totals"]["failed"] == (0 if healthy else 5 + 2)


def test_empty_shards_pass_and_merge_into_the_whole_run(pytester: pytest.Pytester) -> None:
    whole = sharded_equals_whole(pytester, "addons", "-k", "test_two_pods")
    assert whole["totals"] == {
        "total": 1, "passed": 0, "failed": 0, "skipped": 1, "cannot-evaluate": 0,
    }  # fmt: skip
    assert whole["shard_codes"] == [0, 0, 0]  # two shards got nothing, and passed


def test_an_empty_selection_is_still_exit_5_in_every_shard(pytester: pytest.Pytester) -> None:
    for k in (1, 2):
        assert run(pytester, "addons", "-k", "no_such_test", "--shard", f"{k}/2") == 5


@pytest.mark.slow  # xdist starts its workers as processes
def test_under_xdist_a_shard_knows_the_whole_selection(pytester: pytest.Pytester) -> None:
    """The workers cut the shard; the controller learns the selection's size from them."""
    metrics_server = ("-k", "addon[metrics-server]")
    assert run(pytester, "addons", *metrics_server, "--shard", "2/3", "-n", "2",
               "--json-report", "p.json") == 0  # fmt: skip
    part = json.loads((pytester.path / "p.json").read_text())
    assert part["shard"] == {"index": 2, "count": 3, "selected": 8}
    assert {t["id"].split("::")[1] for t in part["tests"]} == {
        "test_both_pods_run",
        "test_metrics_api_is_available",
        "test_rolled_out",
    }  # the workers report in any order


def test_a_shard_is_the_same_from_a_checkout(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain pytest in the checkout (-m, both suites collected) cuts the same shard."""
    spec = ROOT / "examples" / "spec-complete.yaml"
    shipped = pytester.runpytest_inprocess(
        *run_arguments("preflight", [f"--spec={spec}", "--shard=2/3", "--collect-only", "-q"])
    )
    monkeypatch.chdir(ROOT)
    checkout = pytester.runpytest_inprocess(
        "-m", "preflight", f"--spec={spec}", "--shard=2/3", "--collect-only", "-q"
    )
    ids = [line for line in shipped.stdout.lines if "::" in line]
    assert ids == [line for line in checkout.stdout.lines if "::" in line]
    assert len(ids) == 12
