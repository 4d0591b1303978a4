"""The shipped preflight suite (tests_preflight/) run black-box against moto over HTTP."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from clusterready.outcomes import ExitCode
from clusterready.testing.moto import MotoServer, seed_account
from clusterready.version import USER_AGENT
from conftest import ROOT

SECRET = f"demo-s3cr3t-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def account(moto_server: MotoServer) -> dict[str, Any]:
    """A seeded account (the demo's, with names unique to this module) and its spec."""
    tag = uuid.uuid4().hex[:6]
    description = yaml.safe_load((ROOT / "examples" / "demo-aws.yaml").read_text())
    text = (
        json.dumps(description)
        .replace("demo-eu", f"t{tag}")
        .replace("demo-s3cr3t-do-not-print", SECRET)
    )
    description = json.loads(text)
    ids = seed_account(description, "eu-west-1", moto_server.url)
    preflight = yaml.safe_load(
        json.dumps(
            yaml.safe_load((ROOT / "examples" / "demo-spec.yaml").read_text())["preflight"]
        ).replace("demo-eu", f"t{tag}")
    )
    preflight["vpc_id"] = ids["vpc_id"]
    preflight["subnets"] = [{"id": s["id"], "role": s["role"]} for s in ids["subnets"]]
    return {
        "cluster": {"name": "prod-eu"},
        "aws": {"region": "eu-west-1", "account": "123456789012", "max_attempts": 2},
        "preflight": preflight,
    }


def suite(pytester: pytest.Pytester, spec: dict[str, Any], conftest: str = "") -> None:
    shutil.copytree(ROOT / "tests_preflight", pytester.path / "tests_preflight")
    (pytester.path / "conftest.py").write_text("import pytest\n" + conftest)
    (pytester.path / "spec.json").write_text(json.dumps(spec))


def run(
    pytester: pytest.Pytester, *args: str, subprocess: bool = False
) -> tuple[pytest.RunResult, dict[str, Any]]:
    runpytest = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    result = runpytest(
        "-m",
        "preflight",
        "--spec",
        "spec.json",
        "--json-report",
        "r.json",
        "-p",
        "no:cacheprovider",
        *args,
    )
    report = pytester.path / "r.json"
    return result, json.loads(report.read_text()) if report.exists() else {}


def outcomes(summary: dict[str, Any]) -> dict[str, str]:
    return {t["id"]: t["outcome"] for t in summary["tests"]}


def test_a_ready_account_passes(pytester: pytest.Pytester, account: dict[str, Any]) -> None:
    suite(pytester, account)
    result, summary = run(pytester)
    assert result.ret == 0, result.stdout.str()[-3000:]
    ids = outcomes(summary)
    assert len(ids) == 33
    subnet = account["preflight"]["subnets"][0]["id"]
    assert ids[f"tests_preflight/test_subnets.py::test_free_ips[{subnet}]"] == "passed"
    assert "tests_preflight/test_ssm.py::test_parameter[/eks/t" in "\n".join(ids)


@pytest.mark.slow  # the suite twice, once through two xdist workers
def test_same_results_with_xdist(pytester: pytest.Pytester, account: dict[str, Any]) -> None:
    spec = json.loads(json.dumps(account))
    spec["preflight"]["exports"].append("missing-export")  # one failure too
    suite(pytester, spec)
    serial, serial_summary = run(pytester)
    parallel, parallel_summary = run(pytester, "-n", "2")
    assert serial.ret == parallel.ret == 1
    assert outcomes(serial_summary) == outcomes(parallel_summary)
    assert sorted(outcomes(serial_summary).values()).count("failed") == 1


def run_recording_calls(
    pytester: pytest.Pytester, account: dict[str, Any], moto_server: MotoServer
) -> tuple[pytest.RunResult, dict[str, Any], list[str]]:
    """The suite on ``account``, and every AWS operation clusterready sent during it
    (``service:Operation``, from the server's own request log)."""
    before = len(moto_server.requests())
    suite(pytester, account)
    result, summary = run(pytester)
    calls = [
        f"{r.service}:{r.operation}"
        for r in moto_server.requests(since=before)
        if USER_AGENT in r.user_agent
    ]
    return result, summary, calls


def test_every_aws_operation_is_a_read(
    pytester: pytest.Pytester, account: dict[str, Any], moto_server: MotoServer
) -> None:
    """What the server received from clusterready: reads only, batched."""
    result, _, calls = run_recording_calls(pytester, account, moto_server)
    assert result.ret == 0
    assert all(c.split(":")[1].startswith(("Describe", "Get", "List")) for c in calls), calls
    assert sorted(set(calls)) == [
        "cloudformation:ListExports",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeNatGateways",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcs",
        "iam:GetRole",
        "iam:ListAttachedRolePolicies",
        "ssm:GetParameters",
        "sts:GetCallerIdentity",
    ]
    # batched: one call per API, but one attribute per DescribeVpcAttribute and one per role
    assert len(calls) == len(set(calls)) + 1 + 2


def test_a_secure_string_never_reaches_any_output(
    pytester: pytest.Pytester, account: dict[str, Any]
) -> None:
    spec = json.loads(json.dumps(account))
    for parameter in spec["preflight"]["ssm_parameters"]:
        if parameter.get("type") == "SecureString":
            parameter["pattern"] = "^does-not-match"
    suite(pytester, spec)
    result, summary = run(pytester, "-vv", "-l", "--tb=long", "--junitxml", "j.xml", "-rA")
    assert result.ret == 1
    failures = [t for t in summary["tests"] if t["outcome"] == "failed"]
    assert len(failures) == 1
    assert "(a SecureString: value not shown)" in failures[0]["message"]
    for text in (
        result.stdout.str(),
        result.stderr.str(),
        (pytester.path / "j.xml").read_text(),
        (pytester.path / "r.json").read_text(),
    ):
        assert SECRET not in text


def test_no_credentials(
    pytester: pytest.Pytester, account: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    suite(pytester, account)
    result, summary = run(pytester)
    assert result.ret == 75
    assert {t["message"] for t in summary["tests"]} == {
        "CannotEvaluate: AWS: no credentials found (environment, profile, web identity or "
        "instance role)"
    }


def test_no_region(
    pytester: pytest.Pytester, account: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION")
    spec = {**account, "aws": {"max_attempts": 2}}
    suite(pytester, spec)
    result, summary = run(pytester, "-k", "free_ips")
    assert result.ret == 75
    assert {t["message"] for t in summary["tests"]} == {
        "CannotEvaluate: AWS: no region: set aws.region in the spec, --aws-region or AWS_REGION"
    }


def fault(code: str, status: int, times: int, operation: str = "ec2.DescribeSubnets") -> str:
    return f"""

from botocore.awsrequest import AWSResponse

class _Raw:
    def __init__(self, body): self.body = body
    def stream(self, **kw): yield self.body

_BODY = (b"<Response><Errors><Error><Code>{code}</Code><Message>Injected {code}."
         b"</Message></Error></Errors><RequestID>x</RequestID></Response>")

@pytest.fixture(scope="session")
def aws(aws):
    left = [{times}]
    def hook(request, **kw):
        if left[0] == 0:
            return None  # through to moto
        left[0] -= 1
        return AWSResponse(request.url, {status}, {{"Content-Type": "text/xml"}}, _Raw(_BODY))
    aws.events.register("before-send.{operation}", hook)
    return aws
"""


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        (
            "UnauthorizedOperation",
            403,
            "access denied to ec2:DescribeSubnets "
            "(UnauthorizedOperation: Injected UnauthorizedOperation.)",
        ),
        (
            "RequestExpired",
            400,
            "the credentials have expired (RequestExpired) for ec2:DescribeSubnets",
        ),
        ("AuthFailure", 401, "the credentials were rejected (AuthFailure) for ec2:DescribeSubnets"),
    ],
    ids=["access-denied", "expired-token", "rejected-credentials"],
)
def test_credential_problems_cannot_evaluate(
    pytester: pytest.Pytester, account: dict[str, Any], code: str, status: int, message: str
) -> None:
    suite(pytester, account, fault(code, status, times=1000))
    result, summary = run(pytester, "-k", "free_ips")
    assert result.ret == 75
    first, *later = [t["message"] for t in summary["tests"]]
    assert first == f"CannotEvaluate: AWS: {message}"
    if code != "UnauthorizedOperation":  # refused credentials: the later checks fail fast
        assert all(" is down (known for " in m and message in m for m in later), later


def test_throttling_is_retried_then_passes(
    pytester: pytest.Pytester, account: dict[str, Any]
) -> None:
    spec = {**account, "aws": {**account["aws"], "max_attempts": 3}}
    suite(pytester, spec, fault("RequestLimitExceeded", 503, times=2))
    result, _ = run(pytester, "-k", "free_ips")
    assert result.ret == 0, result.stdout.str()[-2000:]


def test_throttling_beyond_retries_cannot_evaluate(
    pytester: pytest.Pytester, account: dict[str, Any]
) -> None:
    suite(pytester, account, fault("RequestLimitExceeded", 503, times=100))
    result, summary = run(pytester, "-k", "free_ips")
    assert result.ret == 75
    first, *later = [t["message"] for t in summary["tests"]]
    assert all(" is down (known for " in m for m in later), later  # the breaker is open
    assert first.startswith(
        "CannotEvaluate: AWS: cannot ec2:DescribeSubnets: 503 RequestLimitExceeded: "
        "Injected RequestLimitExceeded. (gave up after 2 attempts in "
    ), first


def test_a_missing_subnet_fails_with_its_id(
    pytester: pytest.Pytester, account: dict[str, Any]
) -> None:
    spec = json.loads(json.dumps(account))
    spec["preflight"]["subnets"] = [{"id": "subnet-0123456789abcdef0", "role": "private"}]
    suite(pytester, spec)
    result, summary = run(pytester, "-k", "free_ips")
    assert result.ret == 1
    assert summary["tests"][0]["message"] == (
        "clusterready.errors.CheckFailed: subnet-0123456789abcdef0: subnet not found in this "
        "account and region"
    )


def test_a_malformed_subnet_id_is_a_usage_error(
    pytester: pytest.Pytester, account: dict[str, Any]
) -> None:
    spec = json.loads(json.dumps(account))
    spec["preflight"]["subnets"] = ["subnet_bad"]
    suite(pytester, spec)
    result, _ = run(pytester)
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        [
            "ERROR: clusterready: spec.json: preflight.subnets[0].id: "
            "expected 'subnet-<hex>', found string 'subnet_bad'"
        ]
    )


def test_an_empty_spec_skips_with_reasons_and_checks_nothing(pytester: pytest.Pytester) -> None:
    suite(pytester, {"aws": {"region": "eu-west-1"}})
    result, summary = run(pytester, "-rs")
    assert result.ret == ExitCode.NO_TESTS  # never green while checking nothing
    assert set(outcomes(summary).values()) == {"skipped"}
    result.stdout.fnmatch_lines_random(
        [
            "SKIPPED * the spec lists no preflight.subnets",
            "SKIPPED * the spec names no aws.account",
            "clusterready: nothing was checked: *",
        ]
    )


@pytest.mark.slow  # a fresh interpreter (tests/test_lazy_imports.py is the fast check)
def test_preflight_runs_without_kubernetes(
    pytester: pytest.Pytester, account: dict[str, Any]
) -> None:
    suite(
        pytester,
        account,
        "\nimport sys\n\ndef pytest_sessionfinish():\n"
        "    open('mods.txt', 'w').write(str('kubernetes' in sys.modules))\n",
    )
    result, _ = run(pytester, subprocess=True)  # a fresh interpreter: what it imports
    assert result.ret == 0
    assert (pytester.path / "mods.txt").read_text() == "False"


def test_paths_are_the_shipped_ones() -> None:
    assert sorted(p.name for p in (ROOT / "tests_preflight").glob("test_*.py")) == [
        "test_account.py",
        "test_cloudformation.py",
        "test_iam.py",
        "test_ssm.py",
        "test_subnets.py",
        "test_vpc.py",
    ]
    assert Path(ROOT / "tests_preflight" / "conftest.py").exists()
