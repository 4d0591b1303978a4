"""docs/ci.md: the GitHub pull-request job's steps, run with bash in a git repository made
here (a base branch, a pull-request branch), `aws`, `helm` and `kubectl` stubbed, the
checks against FakeCluster. Each job that runs checks is a whole bash job (seconds): they are
marked slow (`make test-slow`, CI); `make test` runs the job that skips the gate."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from clusterready.testing import FakeCluster, load_objects, scenarios
from conftest import ROOT
from test_changed import Repo
from test_docs import blocks

DOC = ROOT / "docs" / "ci.md"

STUBS = {
    # `aws eks update-kubeconfig ... --kubeconfig PATH`: the fake cluster's kubeconfig.
    "aws": 'while [ "$1" != --kubeconfig ]; do shift; done; cp "$FAKE_KUBECONFIG" "$2"\n',
    "helm": 'echo "# rendered $2 from $3"\n',
    "kubectl": 'cat >> "$APPLIED"\n',
}
SPEC = """\
kube: {namespace: kube-system}
custom_addons: [my-mesh]
addons:
  metrics-server: v0.7.2
  my-mesh: "1.0"
"""


def job() -> dict[str, Any]:
    (block,) = [b for b in blocks(DOC, "yaml") if "pull_request" in b]
    return yaml.safe_load(block)["jobs"]["addons"]


def run_job(repo: Repo, tmp_path: Path, fake: FakeCluster) -> dict[str, int]:
    """Each step's exit code (a step whose `if` is false is left out), as Actions runs
    them: `bash --noprofile --norc -eo pipefail`, job and step env, GITHUB_OUTPUT."""
    stubs = tmp_path / "bin"
    stubs.mkdir(exist_ok=True)
    for name, body in STUBS.items():
        (stubs / name).write_text("#!/bin/sh\n" + body)
        (stubs / name).chmod(0o755)
    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    outputs: dict[str, str] = {}
    github = {
        "PATH": os.pathsep.join([str(stubs), str(Path(sys.executable).parent), os.environ["PATH"]]),
        "GITHUB_BASE_REF": "main",
        "FAKE_KUBECONFIG": fake.kubeconfig,
        "APPLIED": str(tmp_path / "applied.yaml"),
        # the broken cluster's checks fail at their first look instead of retrying a minute
        "PYTEST_ADDOPTS": "--detik-max-attempts 1",
    }

    def expand(text: str) -> str:
        text = text.replace("${{ runner.temp }}", str(runner))
        return re.sub(
            r"\$\{\{ steps\.changed\.outputs\.(\w+) \}\}", lambda m: outputs.get(m[1], ""), text
        )

    codes: dict[str, int] = {}
    definition = job()
    for step in definition["steps"]:
        if "run" not in step or step["run"].startswith("pip install"):
            continue  # actions/checkout is the repository made here; clusterready is installed
        condition = step.get("if")
        if condition is not None:
            assert condition == "steps.changed.outputs.addons != ''", condition
            if not outputs.get("addons"):
                continue
        output_file = tmp_path / "github_output"
        output_file.write_text("")
        env = {**os.environ, **github, "GITHUB_OUTPUT": str(output_file)}
        env.update({k: expand(v) for k, v in {**definition["env"], **step.get("env", {})}.items()})
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=repo.path,
            env=env,
            capture_output=True,
            text=True,
        )
        codes[step["name"]] = done.returncode
        for line in output_file.read_text().splitlines():
            key, _, value = line.partition("=")
            outputs[key] = value
        if done.returncode:
            print(step["name"], done.stdout, done.stderr)
            break  # Actions stops the job at a failed step
    return codes


@pytest.fixture
def pull_request(tmp_path: Path) -> Repo:
    """main (with origin/main) holding the charts and the staging spec; branch `pr` off it."""
    repo = Repo(tmp_path / "addons-repo")
    repo.commit(
        "charts",
        {
            "ci/staging.yaml": SPEC,
            "addons/metrics-server/Chart.yaml": "version: 3.12.1\n",
            "addons/my-mesh/Chart.yaml": "version: 1.0.0\n",
        },
    )
    repo.git("update-ref", "refs/remotes/origin/main", "main")
    repo.git("checkout", "-q", "-b", "pr")
    return repo


def load(fake: FakeCluster, *names: str) -> None:
    for obj in load_objects(*(ROOT / "examples" / name for name in names)):
        fake.apply(obj)


def test_a_change_that_touches_no_addon_skips_the_gate(
    pull_request: Repo, tmp_path: Path, fake_cluster: FakeCluster
) -> None:
    pull_request.commit("docs", {"README.md": "more\n"})
    assert run_job(pull_request, tmp_path, fake_cluster) == {"changed": 0}
    assert fake_cluster.requests == []


@pytest.mark.slow
def test_a_metrics_server_change_on_a_healthy_cluster_passes(
    pull_request: Repo, tmp_path: Path, fake_cluster: FakeCluster
) -> None:
    scenarios.load(fake_cluster)  # the healthy EKS cluster
    pull_request.commit("bump", {"addons/metrics-server/Chart.yaml": "version: 3.12.2\n"})
    assert run_job(pull_request, tmp_path, fake_cluster) == {"changed": 0, "apply": 0, "check": 0}
    assert (tmp_path / "applied.yaml").read_text() == (
        "# rendered metrics-server from addons/metrics-server\n"
    )
    summary = (pull_request.path / "out" / "summary.json").read_text()
    assert '"metrics-server": "passed"' in summary


@pytest.mark.slow
def test_a_metrics_server_change_on_a_broken_cluster_fails(
    pull_request: Repo, tmp_path: Path, fake_cluster: FakeCluster
) -> None:
    load(fake_cluster, "demo-cluster.yaml")  # its pods pending, its API not available
    pull_request.commit("bump", {"addons/metrics-server/Chart.yaml": "version: 3.12.2\n"})
    assert run_job(pull_request, tmp_path, fake_cluster) == {"changed": 0, "apply": 0, "check": 1}
    summary = (pull_request.path / "out" / "summary.json").read_text()
    assert '"metrics-server": "failed"' in summary


@pytest.mark.slow
def test_a_change_to_an_addon_without_checks_fails(
    pull_request: Repo, tmp_path: Path, fake_cluster: FakeCluster
) -> None:
    load(fake_cluster, "demo-cluster.yaml", "demo-cluster-later.yaml")
    pull_request.commit("mesh", {"addons/my-mesh/Chart.yaml": "version: 1.1.0\n"})
    assert run_job(pull_request, tmp_path, fake_cluster) == {"changed": 0, "apply": 0, "check": 1}
    summary = (pull_request.path / "out" / "summary.json").read_text()
    assert '"unchecked": [\n    "my-mesh"\n  ]' in summary
