"""Each migrated test gives the verdict its original gave under real bats + bats-detik.

The originals' verdicts were recorded against FakeCluster (tests/data/bats-verdicts.json,
with provenance: bats-detik tag and commit, bats version, date, command); here the
migrated modules run against the same cluster states and must agree test by test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bats_equivalence import CORPUS, STATES, VERDICTS, bats_missing, record_from_git
from clusterready.migrate import migrate
from clusterready.testing import FakeCluster, load_objects

ROOT = Path(__file__).resolve().parent.parent
RECORDED = json.loads(VERDICTS.read_text())


def test_the_recording_says_where_it_comes_from() -> None:
    provenance = RECORDED["provenance"]
    assert provenance["bats_detik"] == "v1.4.0"
    assert provenance["bats_detik_commit"].startswith("d426997")
    assert provenance["bats"].startswith("Bats ")
    assert provenance["date"]
    assert provenance["command"]
    assert RECORDED["states"] == STATES
    assert set(RECORDED["verdicts"]) == set(STATES)
    outcomes = [
        v for state in RECORDED["verdicts"].values() for f in state.values() for v in f.values()
    ]
    assert "passed" in outcomes
    assert "failed" in outcomes


@pytest.mark.parametrize("state", sorted(STATES))
def test_migrated_tests_give_the_recorded_verdicts(
    state: str, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    reports = migrate([ROOT / name for name in CORPUS], pytester.path)
    assert all(not r.left for r in reports)
    objects = load_objects(*(ROOT / f for f in STATES[state]))
    summary = tmp_path / "summary.json"
    with FakeCluster(objects=objects) as fake:
        # The states are static, so one attempt gives each try its final verdict.
        result = pytester.runpytest_inprocess(
            "--kubeconfig", fake.kubeconfig, "--detik-max-attempts", "1",
            "--json-report", str(summary), "-p", "no:xdist", *(r.module for r in reports),
        )  # fmt: skip
    tests = json.loads(summary.read_text())["tests"]
    outcomes = {t["id"].rsplit("/", 1)[-1]: t["outcome"] for t in tests}
    compared: dict[str, Any] = {}
    for name, report in zip(CORPUS, reports, strict=True):
        for test in report.tests:
            node = f"{report.module}::{test.name}"
            items = [v for k, v in outcomes.items() if k == node or k.startswith(node + "[")]
            assert items, node
            migrated = "failed" if "failed" in items else items[0]  # a parametrized test
            compared[f"{name}: {test.title}"] = (
                RECORDED["verdicts"][state][name][test.title],
                migrated,
            )
    assert {k: v for k, v in compared.items() if v[0] != v[1]} == {}, result.outlines
    assert len(compared) == sum(len(f) for f in RECORDED["verdicts"][state].values())


def test_re_recording_gives_the_same_verdicts() -> None:
    """Runs where bats and a bats-detik git dir (``BATS_DETIK_GIT``) are at hand."""
    git_dir = os.environ.get("BATS_DETIK_GIT", "")
    if not Path(git_dir or "/nonexistent").is_dir():
        pytest.skip("BATS_DETIK_GIT names no bats-detik git dir: the recording is compared")
    missing = bats_missing()
    if missing:
        pytest.skip(missing)
    fresh = record_from_git(Path(git_dir), RECORDED["provenance"]["bats_detik"])
    assert fresh["verdicts"] == RECORDED["verdicts"]
