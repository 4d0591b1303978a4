"""The `clusterready` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clusterready.cli import main
from clusterready.testing import FakeCluster


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


def pod(name: str, phase: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "kube-system"},
        "status": {"phase": phase},
    }


def test_verify_a_live_cluster(
    fake_cluster: FakeCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_cluster.apply(pod("metrics-server-1", "Running"))
    code = main(
        [
            "verify",
            "there is 1 pod named 'metrics-server'",
            "--kubeconfig",
            fake_cluster.kubeconfig,
            "-n",
            "kube-system",
        ]
    )
    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "Valid expression. Verification in progress...",
        "Found 1 pod named metrics-server (as expected).",
    ]


def test_try_fails_with_exit_1_and_explains(
    fake_cluster: FakeCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_cluster.apply(pod("metrics-server-1", "Pending"))
    code = main(
        [
            "try",
            "at most 9 times every 60s to find 1 pod named 'metrics-server' with "
            "'status' being 'running'",
            "--kubeconfig",
            fake_cluster.kubeconfig,
            "-A",
            "--max-attempts",
            "1",
        ]
    )
    assert code == 1
    captured = capsys.readouterr()
    assert "Current value for metrics-server-1 is pending..." in captured.out
    assert "query: pod in all namespaces, property .status.phase" in captured.err


def test_verify_a_bad_sentence_is_exit_4_without_a_cluster(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["verify", "there are 2 pods nammed 'x'", "--kubeconfig", "/nope"]) == 4
    assert "expected 'named', found 'nammed'" in capsys.readouterr().err


def test_verify_an_unreachable_cluster_is_exit_75(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "there is 0 pod named 'x'", "--kubeconfig", "/nope"]) == 75
    assert (
        capsys.readouterr().err
        == "clusterready: cannot evaluate: kubeconfig /nope: file not found\n"
    )


def test_lint_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.bats"
    good.write_text("verify \"there are 2 pods named 'x'\"\n")
    bad = tmp_path / "test_bad.py"
    bad.write_text('def test(detik):\n    detik.verify("there are 2 pod named x")\n')
    assert main(["lint", str(good)]) == 0
    assert main(["lint", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:2: column 23: expected a name" in out
    assert main(["lint", str(tmp_path / "nope.bats")]) == 4
