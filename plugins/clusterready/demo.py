"""``make demo``: the main job, end to end, on the example spec against local fakes.

Part one, the main job: a FakeCluster holding the EKS scenario
``metrics-server-pending`` (metrics-server still starting; the cluster becomes
``healthy`` a few seconds after the suite first lists pods, so a DETIK ``try``
retries until it succeeds) and a moto server seeded from examples/demo-aws.yaml;
every shipped suite (``tests_preflight``, ``tests_addons``) runs with
``--spec examples/demo-spec.yaml`` in a child pytest process against them, and
the summary that ``--json-report`` wrote is printed.

Part two, add-on validation on the scenarios of :mod:`clusterready.testing.scenarios`:
the add-on suite with the scenarios' spec on the healthy cluster, which must pass,
then on a broken one (:func:`demo_breakage`), which must fail where the breakage says
and nowhere else. The demo says which of the breakage's reasons the report showed.

The demo exits with the main job's code when that failed, else 1 unless the
healthy run passed and the broken run failed as expected, else 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clusterready.errors import UsageError
from clusterready.report import render_text

SUITES = ("tests_preflight", "tests_addons")
DEMO_SPEC = Path("examples") / "demo-spec.yaml"
DEMO_AWS = Path("examples") / "demo-aws.yaml"
#: The scenario the main job's cluster starts in; it is healthy DEMO_DELAY s later.
DEMO_START = "metrics-server-pending"
#: Seconds after the first pod list at which the main job's cluster becomes healthy.
DEMO_DELAY = 3.0
#: The broken scenarios part two may show, best first: it shows the first one that the
#: shipped suite has checks for (a ``tests_addons/test_<add-on>.py`` of what it breaks).
DEMO_BREAKAGES = ("cni-crashloop", "metrics-api-unavailable")


def run_demo(root: str | os.PathLike[str], pytest_args: Sequence[str] = ()) -> int:
    """Run the demo from a checkout at ``root``; return its exit code (see the module)."""
    base = Path(root).resolve()
    needed = (DEMO_SPEC, DEMO_AWS, *SUITES)
    missing = [str(p) for p in needed if not (base / p).exists()]
    if missing:
        raise UsageError(
            f"{base}: not a clusterready checkout (missing {', '.join(missing)}); "
            "run the demo from the repository root"
        )
    code = _main_job(base, pytest_args)
    if code != 0:
        print(f"demo: the main job failed (exit {code})")
        return code
    ok = True
    broken = demo_breakage(base)
    for name in ("healthy", broken):
        verdict = _validation(base, name, pytest_args)
        for line in verdict.lines:
            print(f"demo: {line}")
        ok = ok and verdict.ok
    print(
        f"demo: the main job passed, the healthy cluster passed and {broken!r} failed as expected"
        if ok
        else "demo: NOT as expected (see above)"
    )
    return 0 if ok else 1


def _main_job(base: Path, pytest_args: Sequence[str]) -> int:
    import yaml

    from clusterready.testing import FakeCluster, scenarios
    from clusterready.testing.moto import MotoServer, seed_account

    later = scenarios.healthy()
    region = "eu-west-1"
    with (
        tempfile.TemporaryDirectory(prefix="clusterready-demo-") as tmp,
        FakeCluster(objects=scenarios.scenario(DEMO_START)) as cluster,
        MotoServer() as moto,
    ):
        print(
            f"demo: a FakeCluster at {cluster.url} holds the EKS scenario {DEMO_START!r} "
            f"(metrics-server still starting); it is 'healthy' {DEMO_DELAY:g}s after the "
            "first pod list"
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


def _validation(base: Path, name: str, pytest_args: Sequence[str]) -> Verdict:
    """The add-on suite on one scenario, with the scenarios' spec; its verdict."""
    from clusterready.testing import scenarios

    breakage = scenarios.BREAKAGES.get(name)
    with (
        tempfile.TemporaryDirectory(prefix="clusterready-demo-") as tmp,
        scenarios.cluster(name) as cluster,
    ):
        what = breakage.description if breakage else "EKS 1.31, 3 nodes, every registry add-on"
        print(f"\ndemo: add-on validation on the scenario {name!r}: {what}")
        spec = Path(tmp) / f"spec-{name}.json"
        spec.write_text(json.dumps(scenarios.spec(), indent=1), encoding="utf-8")
        report = Path(tmp) / "summary.json"
        command = [
            sys.executable, "-m", "pytest", "tests_addons", "--spec", str(spec),
            "--kubeconfig", cluster.kubeconfig, "--json-report", str(report),
            "-p", "no:cacheprovider", "-q", "-rfs", "--detik-max-attempts", "1", *pytest_args,
        ]  # fmt: skip
        print("$ pytest " + " ".join(command[3:]).replace(tmp, "$TMP"), flush=True)
        done = subprocess.run(command, cwd=base, capture_output=True, text=True, check=False)
        print(done.stdout + done.stderr, end="", flush=True)
        if not report.exists():
            return Verdict(False, (f"{name}: the run wrote no summary (exit {done.returncode})",))
        summary = json.loads(report.read_text(encoding="utf-8"))
        print(render_text(summary))
    if breakage is None:
        return judge_healthy(summary)
    return judge_broken(summary, done.stdout, breakage.name, breakage.broken, breakage.reasons)


def demo_breakage(root: str | os.PathLike[str]) -> str:
    """The breakage the demo shows: the first of :data:`DEMO_BREAKAGES` that a module of
    the checkout's add-on suite checks.

    >>> demo_breakage("/nowhere")
    'metrics-api-unavailable'
    """
    from clusterready.testing.scenarios import BREAKAGES

    modules = {p.stem for p in (Path(root) / "tests_addons").glob("test_*.py")}
    for name in DEMO_BREAKAGES:
        if any(f"test_{a.replace('-', '_')}" in modules for a in BREAKAGES[name].broken):
            return name
    return DEMO_BREAKAGES[-1]


@dataclass(frozen=True)
class Verdict:
    """Whether a validation run went as the scenario says, and what to tell about it."""

    ok: bool
    lines: tuple[str, ...]


def checked_addon(test: Mapping[str, Any]) -> str:
    """The add-on a test of the summary checks: its ``addon`` when the summary says,
    else read from its module (``test_aws_node.py``: ``aws-node``; ``test_cluster.py``:
    ``cluster``).

    >>> checked_addon({"id": "tests_addons/test_aws_node.py::test_pods_ready"})
    'aws-node'
    """
    if test.get("addon"):
        return str(test["addon"])
    module = str(test["id"]).split("::", 1)[0].rsplit("/", 1)[-1]
    return module.removeprefix("test_").removesuffix(".py").replace("_", "-")


def judge_healthy(summary: Mapping[str, Any]) -> Verdict:
    """The healthy cluster: every check that ran passed, and some ran.

    >>> judge_healthy({"exit_code": 0, "tests": [
    ...     {"id": "tests_addons/test_coredns.py::test_a", "outcome": "passed"}]}).lines
    ('healthy: 1 checks passed (coredns), exit 0',)
    """
    tests = summary["tests"]
    passed = sorted({checked_addon(t) for t in tests if t["outcome"] == "passed"})
    failed = [t["id"] for t in tests if t["outcome"] == "failed"]
    count = sum(t["outcome"] == "passed" for t in tests)
    if summary["exit_code"] == 0 and count and not failed:
        return Verdict(True, (f"healthy: {count} checks passed ({', '.join(passed)}), exit 0",))
    problem = f"failed: {', '.join(failed)}" if failed else "no check passed"
    return Verdict(
        False, (f"healthy: expected every check to pass, exit {summary['exit_code']}; {problem}",)
    )


def judge_broken(
    summary: Mapping[str, Any],
    output: str,
    name: str,
    broken: frozenset[str],
    reasons: Sequence[str],
) -> Verdict:
    """A broken cluster: the run failed (exit 1), only checks of what ``broken`` names
    failed, and each of those that has checks failed at least one. The reasons the
    output shows are listed, and those it does not."""
    tests = summary["tests"]
    ran = {checked_addon(t) for t in tests if t["outcome"] in ("passed", "failed")}
    failed = {checked_addon(t) for t in tests if t["outcome"] == "failed"}
    unexpected = sorted(failed - broken)
    missed = sorted((broken & ran) - failed)
    lines = [f"{name}: exit {summary['exit_code']}; failed: {', '.join(sorted(failed)) or '-'}"]
    if unexpected:
        lines.append(f"{name}: checks failed that this breakage leaves alone: {unexpected}")
    if missed:
        lines.append(f"{name}: checks passed although the breakage breaks them: {missed}")
    unchecked = sorted(broken - ran)
    if unchecked:
        lines.append(f"{name}: no shipped check ran for {', '.join(unchecked)}")
    shown = [r for r in reasons if r in output]
    hidden = [r for r in reasons if r not in output]
    lines.append(f"{name}: the report shows {shown or 'none'} of its reasons")
    if hidden:
        lines.append(f"{name}: not shown (yet) by any check's report: {hidden}")
    ok = summary["exit_code"] == 1 and bool(failed) and not unexpected and not missed
    return Verdict(ok, tuple(lines))
