"""deploy/iam/clusterready-preflight-policy.json grants exactly what the preflight suite calls.

The suite runs against moto, whose request log names every AWS operation clusterready
sent (``MotoServer.requests()``); the policy's actions must be those operations, no
more and no fewer. After a change to the suite, regenerate the policy with
``python tests/test_iam_policy.py OPERATION...`` (the test prints the command).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from clusterready.testing.moto import PREFLIGHT_SERVICES, MotoServer
from conftest import ROOT
from test_preflight_suite import account, run_recording_calls

__all__ = ["account"]  # the seeded-account fixture, shared with tests/test_preflight_suite.py

POLICY = ROOT / "deploy" / "iam" / "clusterready-preflight-policy.json"

#: The suite's services (the back ends moto_server loads as it starts), whose botocore
#: names are their IAM action prefixes too (a service where they differ, e.g. elbv2 /
#: elasticloadbalancing, needs a mapping).
SERVICES = set(PREFLIGHT_SERVICES)


def policy(operations: list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ClusterreadyPreflightReadOnly",
                "Effect": "Allow",
                "Action": sorted(set(operations)),
                "Resource": "*",
            }
        ],
    }


def granted(document: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement
        listed = statement["Action"]
        actions |= {listed} if isinstance(listed, str) else set(listed)
    return actions


def test_the_policy_grants_exactly_the_operations_the_suite_calls(
    pytester: pytest.Pytester, account: dict[str, Any], moto_server: MotoServer
) -> None:
    result, summary, calls = run_recording_calls(pytester, account, moto_server)
    assert result.ret == 0, result.stdout.str()[-3000:]
    assert summary["totals"]["passed"] == summary["totals"]["total"] > 0  # every check ran
    called = set(calls)
    assert {c.split(":")[0] for c in called} == SERVICES
    actions = granted(json.loads(POLICY.read_text()))
    regenerate = f"python tests/test_iam_policy.py {' '.join(sorted(called))}"
    assert not called - actions, f"the policy misses {sorted(called - actions)}; {regenerate}"
    assert not actions - called, (
        f"the policy grants unused {sorted(actions - called)}; {regenerate}"
    )
    assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in actions)


def test_the_policy_is_what_policy_writes() -> None:
    document = json.loads(POLICY.read_text())
    assert document == policy(sorted(granted(document)))


if __name__ == "__main__":  # pragma: no cover - regenerates the policy file
    POLICY.write_text(json.dumps(policy(sys.argv[1:]), indent=2) + "\n")
    print(f"wrote {POLICY}")
