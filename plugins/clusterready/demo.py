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


def run_demo(root: str | os.PathLike[str], pytest_args: Sequence[str] = ()) -> int:
    """Run the demo from a checkout at ``root``; return pytest's exit code."""
    base = Path(root).resolve()
    missing = [p for p in (DEMO_SPEC, *SUITES) if not (base / p).exists()]
    if missing:
        raise UsageError(
            f"{base}: not a clusterready checkout (missing {', '.join(map(str, missing))}); "
            "run the demo from the repository root"
        )
    with tempfile.TemporaryDirectory(prefix="clusterready-demo-") as tmp:
        report = Path(tmp) / "summary.json"
        env = dict(os.environ)
        command = [
            sys.executable,
            "-m",
            "pytest",
            *SUITES,
            "--spec",
            str(DEMO_SPEC),
            "--json-report",
            str(report),
            "-p",
            "no:cacheprovider",
            "-rs",
            *pytest_args,
        ]
        print("$ pytest " + " ".join(command[3:]), flush=True)
        code = subprocess.run(command, cwd=base, env=env, check=False).returncode
        if report.exists():
            print()
            print(render_text(json.loads(report.read_text(encoding="utf-8"))))
        return code
