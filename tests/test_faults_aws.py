"""AWS calls under faults: one classification whatever the body, retries, deadline, breaker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clusterready.aws import AwsSession, Inventory, check_account
from clusterready.budget import RequestPolicy
from clusterready.errors import CannotEvaluate
from clusterready.spec import PreflightSection
from clusterready.testing.faultproxy import FaultProxy, closed_port
from clusterready.testing.moto import MotoServer
from conftest import warm_up

FAST = RequestPolicy(
    request_deadline=3, deadline=3, attempts=3, backoff=0.01, max_backoff=0.05, probe_deadline=1
)
CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("sts", "get_caller_identity", {}),
    ("ec2", "describe_vpcs", {}),
    ("ssm", "get_parameters", {"Names": ["/x"]}),
]


@pytest.fixture(scope="module")
def warm_moto(moto_server: MotoServer) -> MotoServer:
    """moto loads a service's back end at its first call (seconds): not within a deadline."""
    warm_up(moto_server, [(s, o) for s, o, _ in CALLS])
    return moto_server


@pytest.fixture
def proxy(warm_moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    with FaultProxy(warm_moto.url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        yield proxy


def session() -> AwsSession:
    return AwsSession(region="eu-west-1", retry=FAST)


def each_call(faults: list[tuple[Any, ...]], ids: list[str]) -> list[Any]:
    """(*fault, call) for every fault on every call (sts: query, ec2: EC2, ssm: JSON
    protocol); `make test` runs each fault once, on the calls in turn, the rest are slow."""
    return [
        pytest.param(
            *fault, call, id=f"{name}-{call[0]}", marks=() if n % 3 == k else pytest.mark.slow
        )
        for n, (fault, name) in enumerate(zip(faults, ids, strict=True))
        for k, call in enumerate(CALLS)
    ]


@pytest.mark.parametrize(
    ("fault", "call"),
    each_call(
        [
            ({"status": 500, "times": 1},),
            ({"status": 503, "times": 2, "body": "service"},),
            ({"status": 429, "times": 1, "retry_after": 0.1},),  # a load balancer's: no code
            ({"status": 429, "times": 1, "retry_after": 0.1, "body": "service"},),
            ({"status": 429, "times": 1, "body": "service", "code": ""},),
        ],
        ["500-lb", "503-aws", "429-lb", "429-aws", "429-aws-no-code"],
    ),
)
def test_transient_errors_are_retried_whatever_the_body(
    proxy: FaultProxy, fault: dict[str, object], call: tuple[str, str, dict[str, Any]]
) -> None:
    aws = session()
    aws.call("sts", "get_caller_identity")  # the client is warm
    proxy.status(**fault)  # type: ignore[arg-type]
    aws.call(call[0], call[1], **call[2])
    assert [r.fault for r in proxy.requests][1:] == [f"status {fault['status']}"] * int(
        fault["times"]  # type: ignore[call-overload]
    ) + [""]


@pytest.mark.parametrize(
    ("inject", "message", "call"),
    each_call(
        [
            (lambda p: p.status(503), r"503, no AWS error code: .*gave up after \d attempts"),
            (lambda p: p.status(503, body="service"), "503 ServiceUnavailable"),
            (lambda p: p.status(401), "the credentials were rejected .*401"),
            (
                lambda p: p.status(401, body="service"),
                r"the credentials were rejected \(AuthFailure\)",
            ),
            (lambda p: p.status(403), "access denied to .*403"),
            (lambda p: p.status(403, body="service"), r"access denied to .*\(AccessDenied"),
            (lambda p: p.status(404), "404"),
            (lambda p: p.truncate(), r"a truncated answer \(\d+ of \d+ bytes\)"),
            (lambda p: p.reset(), "truncated answer|connection|Connection"),
            (lambda p: p.garbage(), "a garbled answer"),
        ],
        [
            "503-lb",
            "503-aws",
            "401-lb",
            "401-aws",
            "403-lb",
            "403-aws",
            "404-lb",
            "truncate",
            "reset",
            "garbage",
        ],
    ),
)
def test_every_fault_is_one_line_cannot_evaluate(
    proxy: FaultProxy, inject: object, message: str, call: tuple[str, str, dict[str, Any]]
) -> None:
    aws = session()
    aws.call("sts", "get_caller_identity")
    inject(proxy)  # type: ignore[operator]
    with pytest.raises(CannotEvaluate, match=message) as err:
        aws.call(call[0], call[1], **call[2])
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("AWS: ")
    assert not err.value.retryable


@pytest.mark.slow  # real waits; tests/test_faults_kube.py proves the deadline and breaker fast
@pytest.mark.parametrize("fault", ["hang", "trickle"])
def test_a_hung_or_trickling_answer_ends_at_the_request_deadline(
    proxy: FaultProxy, fault: str
) -> None:
    aws = session()
    aws.call("sts", "get_caller_identity")
    if fault == "hang":
        proxy.hang()
    else:
        proxy.trickle(bytes_per_second=5)  # every read in time; the whole answer is not
    with pytest.raises(CannotEvaluate, match=r"no complete answer within 3s \(request deadline\)"):
        aws.call("ssm", "get_parameters", Names=["/x"])


@pytest.mark.slow  # a real wait (see above)
def test_the_breaker_spares_later_calls(proxy: FaultProxy) -> None:
    aws = session()
    aws.call("sts", "get_caller_identity")
    proxy.hang()
    with pytest.raises(CannotEvaluate, match="gave up after"):
        aws.call("ec2", "describe_vpcs")
    sent = len(proxy.requests)
    for service, operation, kwargs in CALLS:
        with pytest.raises(CannotEvaluate, match=r"AWS endpoint .* is down \(known for"):
            aws.call(service, operation, **kwargs)
    assert len(proxy.requests) == sent


def test_an_html_200_from_sts_and_the_account_check(proxy: FaultProxy) -> None:
    # botocore reads a KeyError out of it; the account check must not turn it into a finding.
    inventory = Inventory(session(), PreflightSection())
    proxy.garbage(path="^/$")
    with pytest.raises(CannotEvaluate, match="sts:GetCallerIdentity: a garbled answer"):
        check_account(inventory, "123456789012")


def test_an_aws_503_storm_and_the_account_check(proxy: FaultProxy) -> None:
    inventory = Inventory(session(), PreflightSection())
    proxy.status(503, body="service")
    with pytest.raises(CannotEvaluate, match="503 ServiceUnavailable"):
        check_account(inventory, "123456789012")


def test_an_unreachable_endpoint(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with closed_port() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        with pytest.raises(CannotEvaluate, match="Could not connect to the endpoint URL"):
            session().identity()
