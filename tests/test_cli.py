"""The `clusterready` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clusterready.cli import main


def test_spec_prints_the_resolved_spec_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "spec",
            "--param",
            "CLUSTER_NAME=prod-eu",
            "--set",
            "addons.coredns=v1",
            "--format",
            "json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cluster"]["name"] == "prod-eu"
    assert data["addons"] == {"coredns": "v1"}


def test_spec_prints_yaml_by_default(capsys: pytest.CaptureFixture[str], repo_root: Path) -> None:
    assert main(["spec", "--spec", str(repo_root / "examples" / "demo-spec.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cluster:\n  name: demo-eu\n")


def test_spec_error_is_one_line_and_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "--set", "preflight.min_azs=0"]) == 4
    captured = capsys.readouterr()
    assert captured.err == (
        "clusterready: error: --set: preflight.min_azs: expected at least 1, found 0\n"
    )


def test_usage_errors_exit_4() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "clusterready.cli", "no-such-command"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 4
    assert "invalid choice: 'no-such-command'" in result.stderr


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("clusterready")
    result = subprocess.run(
        [str(exe), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert "spec" in result.stdout
    assert "demo" in result.stdout
