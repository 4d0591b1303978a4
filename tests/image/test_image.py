"""The built image, run by runc as Kubernetes would run it: the shipped suites pass and fail
for real against moto and FakeCluster on loopback, with the exit codes Argo acts on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from clusterready.testing import FakeCluster, load_objects, scenarios
from clusterready.testing.moto import MotoServer, seed_account
from clusterready.version import __version__

from .conftest import INPUT, OUT, ROOT, Image

REGION = "eu-west-1"
EXAMPLES = ROOT / "examples"
REPORT = [f"--json-report={OUT}/report.json", f"--junitxml={OUT}/junit.xml"]


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


def seeded(moto: MotoServer, drop: str | None = None) -> tuple[dict[str, str], list[str]]:
    """Seed moto with examples/demo-aws.yaml (less ``drop``); the env and the options that
    point the demo spec at it."""
    moto.reset()
    description = yaml.safe_load((EXAMPLES / "demo-aws.yaml").read_text())
    description.pop(drop, None)
    ids = seed_account(description, REGION, moto.url)
    subnets = [{"id": s["id"], "role": s["role"]} for s in ids["subnets"]]
    options = [
        f"--spec={INPUT}/spec.yaml",
        "--param",
        f"VPC_ID={ids['vpc_id']}",
        "--set",
        f"preflight.subnets={json.dumps(subnets)}",
        "--set",
        "aws.max_attempts=2",
    ]
    return moto.environ(REGION, base={}), options


SPEC = {"spec.yaml": (EXAMPLES / "demo-spec.yaml").read_text()}


def outcomes(report: dict[str, Any]) -> list[str]:
    return sorted({t["outcome"] for t in report["tests"]})


def test_preflight_passes_on_a_seeded_account(image: Image, moto: MotoServer) -> None:
    env, options = seeded(moto)
    run = image.run(["run", "preflight", *options, *REPORT], env=env, files=SPEC)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = run.report()
    assert outcomes(report) == ["passed"]
    assert report["totals"]["passed"] >= 20
    assert "<testsuite" in (run.out / "junit.xml").read_text()


def test_preflight_fails_on_a_broken_account(image: Image, moto: MotoServer) -> None:
    env, options = seeded(moto, drop="ssm_parameters")
    run = image.run(["run", "preflight", *options, *REPORT], env=env, files=SPEC)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    failed = [t["id"] for t in run.report()["tests"] if t["outcome"] == "failed"]
    assert failed
    assert all("test_ssm.py" in test for test in failed), failed


def test_aws_unreachable_cannot_evaluate(image: Image, moto: MotoServer, refused_url: str) -> None:
    env, options = seeded(moto)
    env["AWS_ENDPOINT_URL"] = refused_url
    run = image.run(["run", "preflight", *options, *REPORT], env=env, files=SPEC)
    assert run.returncode == 75, run.stdout[-3000:] + run.stderr[-3000:]
    assert all(t["message"].startswith("CannotEvaluate") for t in run.report()["tests"])


def addons(image: Image, fake: FakeCluster, *states: str, kubeconfig: str = "kubeconfig") -> Any:
    """Run the add-on suite on ``states``; the kubeconfig lies under /in or at its own path."""
    for obj in load_objects(*(EXAMPLES / state for state in states)):
        fake.apply(obj)
    inside = kubeconfig if kubeconfig.startswith("/") else f"{INPUT}/{kubeconfig}"
    return image.run(
        [
            "run",
            "addons",
            "-k",
            "addon[metrics-server]",
            f"--kubeconfig={inside}",
            "--namespace=kube-system",
            "--param",
            "METRICS-SERVER=v0.7.2",
            "--detik-max-attempts=1",
            *REPORT,
        ],
        files={kubeconfig: Path(fake.kubeconfig).read_text()},
    )


def test_addons_pass_on_a_healthy_cluster(image: Image, fake_cluster: FakeCluster) -> None:
    scenarios.load(fake_cluster)
    run = addons(image, fake_cluster)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = run.report()
    assert outcomes(report) == ["passed"]
    assert len(report["tests"]) == 8
    assert fake_cluster.requests  # the checks really asked the cluster


def test_addons_fail_on_pending_pods(image: Image, fake_cluster: FakeCluster) -> None:
    run = addons(image, fake_cluster, "demo-cluster.yaml", kubeconfig="/tmp/kube/config")
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert outcomes(run.report()) == ["failed", "passed"]


def test_a_bad_spec_is_a_usage_error(image: Image) -> None:
    bad = {"spec.yaml": "cluster:\n  name: x\n  nmae: typo\n"}
    run = image.run(["run", "preflight", f"--spec={INPUT}/spec.yaml", *REPORT], files=bad)
    assert run.returncode == 4, run.stdout[-3000:] + run.stderr[-3000:]
    assert [line for line in run.stderr.splitlines() if line] == [
        f"ERROR: clusterready: {INPUT}/spec.yaml: cluster.nmae: unknown key 'nmae' "
        "(did you mean 'name'?); expected one of: name, version, container_hub"
    ]


PROBE = """
import os, sys
print(os.getuid(), os.getgid())
for path in sys.argv[1:]:
    try:
        open(path, "w").close()
        print(path, "written")
    except OSError as error:
        print(path, error.strerror)
"""


def test_runs_as_the_non_root_user_of_the_image_config(image: Image) -> None:
    assert image.config["User"] == "10001:10001"
    run = image.run(["-c", PROBE], entrypoint=["python3"])
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "10001 10001"


def test_the_root_filesystem_is_read_only_and_tmp_is_writable(image: Image) -> None:
    paths = ["/x", "/opt/clusterready/x", "/etc/x", "/tmp/x", f"{OUT}/x"]
    run = image.run(["-c", PROBE, *paths], entrypoint=["python3"])
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1:] == [
        "/x Read-only file system",
        "/opt/clusterready/x Read-only file system",
        "/etc/x Read-only file system",
        "/tmp/x written",
        f"{OUT}/x written",
    ]


def test_entrypoint_and_labels(image: Image) -> None:
    assert image.config["Entrypoint"] == ["clusterready"]
    labels = {k.rpartition(".")[2]: v for k, v in image.config["Labels"].items()}
    assert labels["version"] == __version__
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", labels["revision"]), labels
    assert re.match(r"(https|ssh|git|file)://|git@|/", labels["source"]), labels
    run = image.run(["--help"])
    assert run.returncode == 0
    assert "usage: clusterready" in run.stdout


def test_the_documented_security_context_fits_the_image(image: Image) -> None:
    text = (ROOT / "docs" / "image.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "securityContext" in b)
    pod = yaml.safe_load(block)
    context = pod["securityContext"]
    assert f"{context['runAsUser']}:{context['runAsGroup']}" == image.config["User"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["runAsNonRoot"] is True
    assert [m["mountPath"] for m in pod["volumeMounts"]] == ["/tmp"]


def test_the_build_hosts_pip_settings_are_in_no_layer(image: Image) -> None:
    """image/build.sh bind-mounts the host's pip configuration into RUN steps only."""
    assert not (image.rootfs / "run" / "pip-host").exists()
    assert not list(image.rootfs.glob("opt/clusterready/**/pip.conf"))
    assert not (image.rootfs / "opt" / "clusterready" / "bin" / "pip").exists()
