"""`make demo` / `clusterready demo`: the main job on the example spec, against fakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterready.cli import main
from conftest import ROOT


@pytest.mark.slow
def test_demo_runs_every_suite_and_shows_a_retry_succeeding(
    capfd: pytest.CaptureFixture[str],
) -> None:
    code = main(["demo", "--root", str(ROOT)])  # its suites run in a child pytest
    captured = capfd.readouterr()
    assert code == 0, captured.out + captured.err
    out = captured.out
    assert "clusterready summary: cluster demo-eu" in out
    assert "exit 0: all checks passed" in out
    assert (
        "attempt 1/12 of at most 12 times every 5s to find 2 pods named '^metrics-server-' "
        "with 'status' being 'running': Expected 2 pods" in out
    )
    assert "attempt 2/12 of" in out


def test_demo_outside_a_checkout_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["demo", "--root", str(tmp_path)]) == 4
