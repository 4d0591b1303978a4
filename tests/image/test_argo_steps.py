"""deploy/argo's check steps run in the built image, their command lines taken from the
manifests (never copied by hand): clusterready.testing.argo.container_steps gives each
step's argv and environment with every ``{{...}}`` substituted, and each runs as Argo
would run its pod: the image, read-only root, a tmpfs /tmp, reports under /tmp/out, the
artifacts passed between the steps through a directory standing for the repository."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from clusterready.addons import REGISTRY
from clusterready.testing import scenarios
from clusterready.testing.argo import Step, container_steps, load_manifests
from clusterready.testing.moto import MotoServer, seed_account

from .conftest import INPUT, OUT, ROOT, Image
from .test_image import REGION, moto

__all__ = ["moto"]  # the module's moto server, shared with test_image.py

DEPLOY = ROOT / "deploy" / "argo"


def run_steps_in(
    image: Image, steps: list[Step], repository: Path, env: dict[str, str], files: dict[str, str]
) -> dict[str, tuple[int, str]]:
    """Each step in the image, one after the other: its input artifacts (files or folders
    from ``repository``) bind-mounted at their paths, its outputs copied back. Returns the
    exit code and the end of stderr of every step, by task name."""
    done = {}
    for step in steps:
        mounted = dict(files)
        for artifact in step.inputs:
            source = repository / artifact.key
            found = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else []
            for path in found:
                mounted[f"{artifact.path}/{path.relative_to(source)}"] = path.read_text()
            if source.is_file():
                mounted[artifact.path] = source.read_text()
            assert found or source.is_file() or artifact.optional, f"{step.task}: no {source}"
        run = image.run(step.argv, env={**env, **step.env}, files=mounted, entrypoint=[])
        done[step.task] = (run.returncode, run.stderr[-2000:])
        for artifact in step.outputs:
            assert artifact.path.startswith(f"{OUT}/"), artifact.path  # what survives the pod
            produced = run.out / artifact.path.removeprefix(f"{OUT}/")
            target = repository / artifact.key
            if produced.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(produced, target)
            else:
                assert artifact.optional, f"{step.task}: no {artifact.path}; {run.stderr[-2000:]}"
    return done


def summary(repository: Path, group: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (repository / "clusterready" / "wf" / group / "summary.json").read_text()
    )
    return loaded


def preflight_payload(moto: MotoServer, drop_export: bool = False) -> str:
    """The demo account seeded, and a spec for it as an Argo Events payload would carry it."""
    moto.reset()
    description = yaml.safe_load((ROOT / "examples" / "demo-aws.yaml").read_text())
    ids = seed_account(description, REGION, moto.url)
    spec = yaml.safe_load((ROOT / "examples" / "demo-spec.yaml").read_text())
    spec["preflight"]["vpc_id"] = ids["vpc_id"]
    spec["preflight"]["subnets"] = [{"id": s["id"], "role": s["role"]} for s in ids["subnets"]]
    if drop_export:
        spec["preflight"]["exports"].append("missing-export")
    return json.dumps(spec)


def test_the_preflight_template_passes_then_fails_in_the_image(
    image: Image, moto: MotoServer, tmp_path: Path
) -> None:
    env = moto.environ(REGION, base={})
    for broken, expected in ((False, 0), (True, 1)):
        steps = container_steps(
            load_manifests(DEPLOY),
            "clusterready-preflight",
            {
                "CLUSTER_NAME": "demo",
                "AWS_REGION": REGION,
                "PAYLOAD": preflight_payload(moto, broken),
            },
        )
        assert [s.task for s in steps] == ["shard(0)", "shard(1)", "shard(2)", "merge"]
        repository = tmp_path / f"repository-{broken}"
        done = run_steps_in(image, steps, repository, env, {})
        assert done["merge"][0] == expected, done
        merged = summary(repository, "preflight")
        assert merged["exit_code"] == expected
        assert merged["totals"]["failed"] == int(broken)
        assert merged["totals"]["total"] == merged["totals"]["passed"] + int(broken) > 0


def test_the_validation_template_passes_in_the_image(image: Image, tmp_path: Path) -> None:
    """Every add-on of the registry enabled (the healthy cluster's versions): the cluster
    step and one step per add-on pass, and the fan-in rolls each add-on up as passed."""
    fake_cluster = scenarios.cluster().start()
    versions = {name.upper(): version for name, version in scenarios.spec()["addons"].items()}
    steps = container_steps(
        load_manifests(DEPLOY),
        "clusterready-validation",
        {"CLUSTER_NAME": "demo", "KUBECONFIG": f"{INPUT}/kubeconfig", **versions},
    )
    addon = {s.task: s.argv[s.argv.index("--only") + 1] for s in steps if "--only" in s.argv}
    assert sorted(addon.values()) == sorted(REGISTRY)
    try:
        files = {"kubeconfig": Path(fake_cluster.kubeconfig).read_text()}
        done = run_steps_in(image, steps, tmp_path / "repository", {}, files)
    finally:
        fake_cluster.stop()
    assert {addon.get(task, task): code for task, (code, _) in done.items()} == {
        "cluster": 0,
        **dict.fromkeys(REGISTRY, 0),
        "merge": 0,
    }, done
    merged = summary(tmp_path / "repository", "validation")
    assert merged["exit_code"] == 0
    assert merged["totals"]["passed"] == merged["totals"]["total"] > 4 + 8
    assert merged["addons"] == dict.fromkeys(["cluster", *REGISTRY], "passed")
    assert fake_cluster.requests  # the steps really read the cluster
