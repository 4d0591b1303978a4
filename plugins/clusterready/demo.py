"""``make demo``: the main job, end to end, on the example spec against local fakes.

It runs every shipped suite (``tests_preflight``, ``tests_addons``) with
``--spec examples/demo-spec.yaml`` in a child pytest process, then prints the
summary that ``--json-report`` wrote.
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
#: Seconds after the start at which examples/demo-cluster-later.yaml is applied.
DEMO_DELAY = 3.0


def run_demo(root: str | os.PathLike[str], pytest_args: Sequence[str] = ()) -> int:
    """Run the demo from a checkout at ``root``; return pytest's exit code."""
    from clusterready.testing import FakeCluster, load_objects

    base = Path(root).resolve()
    needed = (DEMO_SPEC, DEMO_CLUSTER, DEMO_CLUSTER_LATER, *SUITES)
    missing = [str(p) for p in needed if not (base / p).exists()]
    if missing:
        raise UsageError(
            f"{base}: not a clusterready checkout (missing {', '.join(missing)}); "
            "run the demo from the repository root"
        )
    later = load_objects(base / DEMO_CLUSTER_LATER)
    with (
        tempfile.TemporaryDirectory(prefix="clusterready-demo-") as tmp,
        FakeCluster(objects=load_objects(base / DEMO_CLUSTER)) as cluster,
    ):
        cluster.schedule(DEMO_DELAY, lambda fake: [fake.apply(obj) for obj in later])
        print(
            f"demo: a FakeCluster at {cluster.url} holds {DEMO_CLUSTER}; "
            f"{DEMO_CLUSTER_LATER} is applied {DEMO_DELAY:g}s after the start"
        )
        report = Path(tmp) / "summary.json"
        command = [
            sys.executable, "-m", "pytest", *SUITES,
            "--spec", str(DEMO_SPEC), "--kubeconfig", cluster.kubeconfig,
            "--json-report", str(report), "-p", "no:cacheprovider", "-rs", "-v",
            "-o", "log_cli=true", "--log-cli-level=INFO",
            "-o", "log_cli_format=%(levelname)-7s %(message)s", *pytest_args,
        ]  # fmt: skip
        print("$ pytest " + " ".join(command[3:]), flush=True)
        code = subprocess.run(command, cwd=base, env=dict(os.environ), check=False).returncode
        if report.exists():
            print()
            print(render_text(json.loads(report.read_text(encoding="utf-8"))))
        return code
