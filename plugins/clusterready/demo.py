"""``make demo``: the main job, end to end, on the example spec against local fakes.

It starts a FakeCluster (examples/demo-cluster.yaml, whose metrics-server pods
start a few seconds after the suite first lists pods) and a moto server seeded
from examples/demo-aws.yaml, runs every shipped suite (``tests_preflight``, ``tests_addons``) with
``--spec examples/demo-spec.yaml`` in a child pytest process against them, then
prints the summary that ``--json-report`` wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from clusterready.errors import UsageError
from clusterready.report import render_text

SUITES = ("tests_preflight", "tests_addons")
DEMO_SPEC = Path("examples") / "demo-spec.yaml"
DEMO_CLUSTER = Path("examples") / "demo-cluster.yaml"
DEMO_CLUSTER_LATER = Path("examples") / "demo-cluster-later.yaml"
DEMO_AWS = Path("examples") / "demo-aws.yaml"
#: Seconds after the first pod list at which examples/demo-cluster-later.yaml is applied.
DEMO_DELAY = 3.0


def run_demo(root: str | os.PathLike[str], pytest_args: Sequence[str] = ()) -> int:
    """Run the demo from a checkout at ``root``; return pytest's exit code."""
    import yaml

    from clusterready.testing import FakeCluster, load_objects
    from clusterready.testing.moto import MotoServer, seed_account

    base = Path(root).resolve()
    needed = (DEMO_SPEC, DEMO_CLUSTER, DEMO_CLUSTER_LATER, DEMO_AWS, *SUITES)
    missing = [str(p) for p in needed if not (base / p).exists()]
    if missing:
        raise UsageError(
            f"{base}: not a clusterready checkout (missing {', '.join(missing)}); "
            "run the demo from the repository root"
        )
    later = load_objects(base / DEMO_CLUSTER_LATER)
    region = "eu-west-1"
    with (
        tempfile.TemporaryDirectory(prefix="clusterready-demo-") as tmp,
        FakeCluster(objects=load_objects(base / DEMO_CLUSTER)) as cluster,
        MotoServer() as moto,
    ):
        print(
            f"demo: a FakeCluster at {cluster.url} holds {DEMO_CLUSTER}; "
            f"{DEMO_CLUSTER_LATER} is applied {DEMO_DELAY:g}s after the first pod list"
        )
        account = seed_account(yaml.safe_load((base / DEMO_AWS).read_text()), region, moto.url)
        subnets = [{"id": s["id"], "role": s["role"]} for s in account["subnets"]]
        print(
            f"demo: a moto server at {moto.url} holds {DEMO_AWS}: {account['vpc_id']}, "
            f"{len(subnets)} subnets"
        )
        aws_args = [
            "--param",
            f"VPC_ID={account['vpc_id']}",
            "--set",
            f"preflight.subnets={json.dumps(subnets)}",
        ]
        report = Path(tmp) / "summary.json"
        command = [
            sys.executable, "-m", "pytest", *SUITES,
            "--spec", str(DEMO_SPEC), *aws_args, "--kubeconfig", cluster.kubeconfig,
            "--json-report", str(report), "-p", "no:cacheprovider", "-rs", "-v",
            "-o", "log_cli=true", "--log-cli-level=INFO",
            "-o", "log_cli_format=%(levelname)-7s %(message)s", *pytest_args,
        ]  # fmt: skip
        print("$ pytest " + " ".join(command[3:]), flush=True)
        cluster.schedule(
            DEMO_DELAY, lambda fake: [fake.apply(obj) for obj in later], after="/pods$"
        )
        code = subprocess.run(command, cwd=base, env=moto.environ(region), check=False).returncode
        if report.exists():
            print()
            print(render_text(json.loads(report.read_text(encoding="utf-8"))))
        return code
