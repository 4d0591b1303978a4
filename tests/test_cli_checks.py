"""`clusterready verify` / `try` / `lint` for an on-call engineer: quick, exact, no surprises."""

from __future__ import annotations

import argparse
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clusterready.cli import _parser, main
from clusterready.testing import FakeCluster

TRY = "at most 3 times every 1s to get pods named 'web' and verify that 'status' is 'running'"
VERIFY = "there are 2 pods named 'web'"


def pod(
    name: str, namespace: str = "kube-system", phase: str = "Pending", **status: str
) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "status": {"phase": phase, **status},
    }


@pytest.mark.parametrize(
    ("verb", "sentence", "right"), [("verify", TRY, "try"), ("try", VERIFY, "verify")]
)
def test_the_wrong_verb_is_a_usage_error_before_any_request(
    fake_cluster: FakeCluster,
    capsys: pytest.CaptureFixture[str],
    verb: str,
    sentence: str,
    right: str,
) -> None:
    assert main([verb, sentence, "--kubeconfig", fake_cluster.kubeconfig]) == 4
    assert fake_cluster.requests == []
    assert (
        f"expected a {verb} sentence, found a {right} sentence "
        f"(run it with `clusterready {right} ...`)" in capsys.readouterr().err
    )


@pytest.mark.slow
def test_try_on_a_terminal_shows_each_attempt_as_it_happens(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(pod("web-1"))
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clusterready.cli",
            "try",
            TRY,
            "--kubeconfig",
            fake_cluster.kubeconfig,
            "-A",
            "--max-attempts",
            "2",
        ],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=subprocess.PIPE,
    )
    os.close(secondary)
    seen, deadline = b"", time.monotonic() + 60
    try:
        while b"Current value for web-1 is pending..." not in seen:
            assert time.monotonic() < deadline, seen
            ready, _, _ = select.select([primary], [], [], 1)
            if ready:
                seen += os.read(primary, 4096)
        running_after_the_first_attempt = process.poll() is None
        assert process.wait(timeout=60) == 1
        while select.select([primary], [], [], 0.2)[0]:
            try:
                seen += os.read(primary, 4096)
            except OSError:  # the other side closed
                break
    finally:
        os.close(primary)
        process.kill()
    assert running_after_the_first_attempt  # the line came before the try ended
    assert seen.decode().splitlines().count("Current value for web-1 is pending...") == 2


def test_without_a_terminal_try_prints_its_lines_once(
    fake_cluster: FakeCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_cluster.apply(pod("web-1"))
    assert (
        main(
            [
                "try",
                TRY.replace("every 1s", "every 0s"),
                "--kubeconfig",
                fake_cluster.kubeconfig,
                "-A",
                "--max-attempts",
                "2",
            ]
        )
        == 1
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines.count("Valid expression. Verification in progress...") == 1
    assert lines.count("Current value for web-1 is pending...") == 2


def listed_namespaces(fake: FakeCluster) -> list[str]:
    return [r.path for r in fake.requests if r.path.endswith("/pods")]


def test_verify_uses_detik_client_namespace(
    fake_cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_cluster.apply(pod("web-1", phase="Running"))
    monkeypatch.setenv("DETIK_CLIENT_NAMESPACE", "kube-system")
    assert (
        main(["verify", "there is 1 pod named 'web'", "--kubeconfig", fake_cluster.kubeconfig]) == 0
    )
    assert listed_namespaces(fake_cluster) == ["/api/v1/namespaces/kube-system/pods"]
    assert (
        main(
            [
                "verify",
                "there is 0 pod named 'web'",
                "--kubeconfig",
                fake_cluster.kubeconfig,
                "-n",
                "default",
            ]
        )
        == 0
    )
    monkeypatch.delenv("DETIK_CLIENT_NAMESPACE")
    monkeypatch.setenv("DETIK_CLIENT_NAMESPACE_ALL", "true")
    assert (
        main(["verify", "there is 1 pod named 'web'", "--kubeconfig", fake_cluster.kubeconfig]) == 0
    )
    assert listed_namespaces(fake_cluster)[1:] == [
        "/api/v1/namespaces/default/pods",
        "/api/v1/pods",
    ]


def test_the_fixture_and_the_cli_share_one_policy(
    pytester: pytest.Pytester, fake_cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_cluster.apply(pod("web-1", phase="Running"))
    pytester.makepyfile(
        "def test_ns(detik):\n"
        "    assert (detik.namespace, detik.all_namespaces) == ('kube-system', False)\n"
        "    detik.verify(\"there is 1 pod named 'web'\")\n"
    )
    monkeypatch.setenv("DETIK_CLIENT_NAMESPACE", "kube-system")
    result = pytester.runpytest_inprocess(
        "--kubeconfig", fake_cluster.kubeconfig, "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)


def test_a_cluster_scoped_query_names_no_namespace(
    fake_cluster: FakeCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["verify", "there are 2 nodes named 'x'", "--kubeconfig", fake_cluster.kubeconfig])
        == 1
    )
    err = capsys.readouterr().err
    assert "query: nodes (cluster-scoped)" in err
    assert "namespace" not in err


def test_a_namespace_that_does_not_exist_is_said(
    fake_cluster: FakeCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["verify", VERIFY, "--kubeconfig", fake_cluster.kubeconfig, "-n", "kube-sytem"]) == 1
    )
    err = capsys.readouterr().err
    assert "note: the cluster has no namespace 'kube-sytem' (did you mean 'kube-system'?)" in err
    assert (
        main(["verify", VERIFY, "--kubeconfig", fake_cluster.kubeconfig, "-n", "kube-system"]) == 1
    )
    assert "note:" not in capsys.readouterr().err


def test_a_value_with_a_trailing_blank_is_compared_trimmed(
    fake_cluster: FakeCluster, capsys: pytest.CaptureFixture[str]
) -> None:
    """kubelet's eviction messages end with a blank; bats-detik's xargs trims it."""
    message = "The node was low on resource: memory. "
    fake_cluster.apply(pod("web-1", phase="Failed", message=message))
    sentence = "'.status.message' is 'The node was low on resource: memory.' for pods named 'web'"
    assert main(["verify", sentence, "--kubeconfig", fake_cluster.kubeconfig, "-A"]) == 0
    assert (
        "web-1 has the right value (the node was low on resource: memory.)."
        in capsys.readouterr().out
    )


def test_version_and_help_name_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    from clusterready import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"clusterready {__version__}\n"
    for command in ([], ["verify"], ["lint"]):
        assert main([*command, "--help"]) == 0
        out = capsys.readouterr().out
        assert "exit codes:" in out
        assert "75  nothing failed but something could not be evaluated" in out


def test_every_option_has_help() -> None:
    parser = _parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"clusterready {name} {action.option_strings or action.dest}"


def test_lint_reports_every_missing_file_and_directories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.bats"
    good.write_text("verify \"there are 2 pods named 'x'\"\n")
    assert (
        main(["lint", str(good), str(tmp_path / "a.bats"), str(tmp_path), str(tmp_path / "b.py")])
        == 4
    )
    assert capsys.readouterr().err == (
        f"clusterready: error: {tmp_path / 'a.bats'}: no such file; {tmp_path}: is a directory; "
        f"{tmp_path / 'b.py'}: no such file\n"
    )
