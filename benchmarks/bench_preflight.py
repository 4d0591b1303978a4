"""AWS preflight, side by side in one run against one moto server (its own process):

(a) the BATS way: one `aws ... --query ... --output text` process per check (awscli,
    installed by `make bench` in .venv-awscli because it pins its own botocore);
(b) the same checks in process: clusterready.aws Inventory + check functions;
(c) a whole `pytest -m preflight` process selecting the same checks, start-up included.

20 subnets (free IPs), 10 SSM parameters, 5 CloudFormation exports. Prints wall
ratios and the number of AWS API calls each made. Run: `make bench`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AWS_CLI = Path(os.environ.get("CLUSTERREADY_AWS_CLI", ROOT / ".venv-awscli" / "bin" / "aws"))
REGION = "eu-west-1"
SUBNETS, PARAMETERS, EXPORTS = 20, 10, 5


def seed(url: str) -> dict[str, Any]:
    from clusterready.testing.moto import seed_account

    description = {
        "vpc": {"cidr": "10.40.0.0/16"},
        "subnets": [
            {
                "name": f"s{i}",
                "az": f"{REGION}{'abc'[i % 3]}",
                "cidr": f"10.40.{i}.0/24",
                "role": "private",
            }
            for i in range(SUBNETS)
        ],
        "ssm_parameters": [
            {"name": f"/bench/p{i}", "value": f"value-{i}"} for i in range(PARAMETERS)
        ],
        "stack": {"name": "bench", "exports": {f"bench-e{i}": f"v{i}" for i in range(EXPORTS)}},
    }
    ids = seed_account(description, REGION, url)
    return {
        "aws": {"region": REGION},
        "preflight": {
            "vpc_id": ids["vpc_id"],
            "subnets": [s["id"] for s in ids["subnets"]],
            "ssm_parameters": [f"/bench/p{i}" for i in range(PARAMETERS)],
            "exports": [f"bench-e{i}" for i in range(EXPORTS)],
        },
    }


def cli_way(spec: dict[str, Any], env: dict[str, str]) -> tuple[float, int]:
    """One aws process per check, as a BATS preflight does; returns (seconds, API calls)."""
    commands = (
        [
            [
                "ec2",
                "describe-subnets",
                "--subnet-ids",
                s,
                "--query",
                "Subnets[0].AvailableIpAddressCount",
            ]
            for s in spec["preflight"]["subnets"]
        ]
        + [
            ["ssm", "get-parameter", "--name", p, "--query", "Parameter.Type"]
            for p in spec["preflight"]["ssm_parameters"]
        ]
        + [
            ["cloudformation", "list-exports", "--query", f"Exports[?Name=='{e}'].Value"]
            for e in spec["preflight"]["exports"]
        ]
    )
    start = time.perf_counter()
    for command in commands:
        out = subprocess.run(
            [str(AWS_CLI), *command, "--output", "text"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert out not in ("", "None"), (command, out)
    return time.perf_counter() - start, len(commands)


def in_process(spec: dict[str, Any]) -> tuple[float, int]:
    """All the checks over one Inventory (fresh, so its batched reads are counted)."""
    from clusterready.aws import (
        Inventory,
        check_export,
        check_free_ips,
        check_ssm_parameter,
    )
    from clusterready.spec import ClusterSpec

    preflight = ClusterSpec.from_mapping(spec).preflight
    session = in_process.session  # type: ignore[attr-defined]
    before = sum(session.calls.values())
    start = time.perf_counter()
    inventory = Inventory(session, preflight)
    results = [check_free_ips(inventory, s) for s in preflight.subnets]
    results += [check_ssm_parameter(inventory, p) for p in preflight.ssm_parameters]
    results += [check_export(inventory, e) for e in preflight.exports]
    elapsed = time.perf_counter() - start
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert len(results) == SUBNETS + PARAMETERS + EXPORTS
    return elapsed, sum(session.calls.values()) - before


def pytest_way(spec_file: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "preflight",
            "--spec",
            str(spec_file),
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            "free_ips or parameter or export",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stdout[-2000:]
    assert f"{SUBNETS + PARAMETERS + EXPORTS} passed" in done.stdout, done.stdout[-500:]
    return elapsed


def main() -> str:
    from clusterready.aws import AwsSession
    from clusterready.testing.moto import MotoServer

    if not AWS_CLI.exists():
        raise SystemExit(f"{AWS_CLI} not found: run `make bench` (it installs awscli there)")
    with MotoServer() as moto, tempfile.TemporaryDirectory() as tmp:
        env = moto.environ(REGION)
        spec = seed(moto.url)
        spec_file = Path(tmp) / "spec.json"
        spec_file.write_text(json.dumps(spec))
        os.environ.update(env)
        in_process.session = AwsSession(region=REGION)  # type: ignore[attr-defined]
        in_process(spec)  # warm: clients created, moto's backends initialised
        cli_seconds, cli_calls = cli_way(spec, env)
        runs = [in_process(spec) for _ in range(20)]
        process_seconds = statistics.median(r[0] for r in runs)
        process_calls = runs[0][1]
        pytest_seconds = statistics.median(pytest_way(spec_file, env) for _ in range(3))
    checks = SUBNETS + PARAMETERS + EXPORTS
    print(f"{checks} checks ({SUBNETS} subnets, {PARAMETERS} parameters, {EXPORTS} exports)")
    print(
        f"(a) aws CLI process per check:  {cli_seconds * 1000:9.1f} ms "
        f"({cli_seconds / checks * 1000:.1f} ms/check), {cli_calls} API calls"
    )
    print(
        f"(b) checks in process, batched: {process_seconds * 1000:9.2f} ms "
        f"({process_seconds / checks * 1000:.2f} ms/check), {process_calls} API calls"
    )
    print(f"(c) whole pytest -m preflight:  {pytest_seconds * 1000:9.1f} ms (start-up included)")
    line = (
        f"preflight: in process {cli_seconds / process_seconds:.0f}x faster than the CLI way, "
        f"pytest process {cli_seconds / pytest_seconds:.1f}x; API calls {process_calls} "
        f"vs {cli_calls}"
    )
    print(line)
    return line


if __name__ == "__main__":
    main()
