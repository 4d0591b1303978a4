"""The exit-code contract under every fault: both shipped suites and `clusterready verify`.

A FaultProxy sits between the checks and moto (preflight, with load-balancer or
AWS-formatted bodies) or FakeCluster (addons, verify). Each fault must give the
contract's exit code (0 when a retry takes it away, else 75), no traceback, the
JSON summary written, and end within the bound. Budgets are the defaults' code
paths with smaller numbers (run.request_deadline and run.retry_deadline 3 s;
`verify --deadline 6`); docs/exit-codes.md gives the matrix as measured, and with
the defaults (CLUSTERREADY_MATRIX_DEFAULTS=1). `make test` runs the FAST cells (each
suite and verify once); the rest are marked slow (`make test-slow`, CI).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from clusterready.cli import main
from clusterready.testing import FakeCluster, scenarios
from clusterready.testing.faultproxy import UNRESOLVABLE_URL, FaultProxy, closed_port
from clusterready.testing.moto import MotoServer
from conftest import ROOT, warm_up
from test_preflight_suite import account, suite

__all__ = ["account"]  # the seeded moto account of test_preflight_suite, as a fixture

#: CLUSTERREADY_MATRIX_DEFAULTS=1 runs it with the default budgets, to measure them.
DEFAULTS = bool(os.environ.get("CLUSTERREADY_MATRIX_DEFAULTS"))
SMALL = [] if DEFAULTS else ["--set", "run.request_deadline=3", "--set", "run.retry_deadline=3"]
VERIFY_DEADLINE = [] if DEFAULTS else ["--deadline", "6"]
Inject = Callable[[FaultProxy, str], None]

#: status faults: the body matters, so preflight runs with load-balancer and AWS bodies.
STATUS: dict[str, tuple[Inject, int]] = {
    "503-storm": (lambda p, body: p.status(503, body=body), 75),  # type: ignore[arg-type]
    "one-500": (lambda p, body: p.status(500, times=1, body=body), 0),  # type: ignore[arg-type]
    "429-retry-after": (
        lambda p, body: p.status(429, times=1, retry_after=1, body=body),  # type: ignore[arg-type]
        0,
    ),
    "401": (lambda p, body: p.status(401, body=body), 75),  # type: ignore[arg-type]
    "403": (lambda p, body: p.status(403, body=body), 75),  # type: ignore[arg-type]
    "404": (lambda p, body: p.status(404, body=body), 75),  # type: ignore[arg-type]
}
#: transport faults: no body to speak of, one preflight run.
TRANSPORT: dict[str, tuple[Inject, int]] = {
    "hang": (lambda p, body: p.hang(), 75),
    "trickle": (lambda p, body: p.trickle(bytes_per_second=1), 75),
    "reset": (lambda p, body: p.reset(), 75),
    "truncate": (lambda p, body: p.truncate(), 75),
    "not-json-or-xml": (lambda p, body: p.garbage(), 75),
    "closed-port": (lambda p, body: None, 75),
    "unresolvable-host": (lambda p, body: None, 75),
}
FAULTS = {
    **STATUS,
    "429-no-code": (
        lambda p, body: p.status(429, times=1, retry_after=1, body="service", code=""),
        0,
    ),
    **TRANSPORT,
}
#: target -> the body style of its status faults
TARGETS = {"preflight-lb": "lb", "preflight-aws": "service", "addons": "lb", "verify": "service"}
MATRIX = [
    *[(f, t) for f in STATUS for t in TARGETS],
    ("429-no-code", "preflight-aws"),  # a 429 that is an AWS document without an error code
    *[(f, t) for f in TRANSPORT for t in ("preflight-lb", "addons", "verify")],
]
#: the cells `make test` runs (the rest are slow: `make test-slow`): each suite and verify
#: once, a fault retried to 0 and faults never retried, ending 75. A transport fault lasts
#: its whole budget: each is in `make test` once, with a smaller budget, in
#: tests/test_faults_kube.py and tests/test_faults_aws.py.
FAST = {("one-500", "preflight-aws"), ("403", "addons"), ("404", "verify")}
CELLS = [
    pytest.param(f, t, id=f"{f}-{t}", marks=() if (f, t) in FAST else pytest.mark.slow)
    for f, t in MATRIX
]
PREFLIGHT_CALLS = [
    ("sts", "get_caller_identity"),
    ("ec2", "describe_subnets"),
    ("ssm", "get_parameters"),
    ("cloudformation", "list_exports"),
    ("iam", "list_roles"),
]


def trimmed(spec: dict[str, Any]) -> dict[str, Any]:
    """The seeded account's spec with one item of each kind: every AWS call, 14 checks."""
    preflight = dict(spec["preflight"])
    roles = {s["role"]: s for s in preflight["subnets"]}
    preflight.update(
        subnets=[roles["public"], roles["private"]],
        min_azs=1,
        **{
            k: preflight[k][:1] for k in ("exports", "ssm_parameters", "iam_roles", "vpc_endpoints")
        },
    )
    return {**spec, "preflight": preflight}


@contextmanager
def endpoint(fault: str, proxy: FaultProxy) -> Iterator[str]:
    """The URL the checks are pointed at for this fault."""
    if fault == "closed-port":
        with closed_port() as url:
            yield url
    elif fault == "unresolvable-host":
        yield UNRESOLVABLE_URL
    else:
        yield proxy.url


def kubeconfig(fake: FakeCluster, url: str, tmp_path: Path) -> str:
    config = json.loads(Path(fake.kubeconfig).read_text())
    config["clusters"][0]["cluster"]["server"] = url
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(config))
    return str(path)


@pytest.fixture(scope="module")
def healthy_cluster() -> Iterator[FakeCluster]:
    """The healthy EKS scenario: the add-on suite passes against it."""
    with scenarios.cluster() as fake:
        yield fake


def no_traceback(text: str) -> None:
    __tracebackhide__ = True
    assert "Traceback" not in text, text[-3000:]
    assert "INTERNALERROR" not in text, text[-3000:]
    assert "\nE   " not in text, text[-3000:]  # a failure's traceback lines


@pytest.mark.parametrize(("fault", "target"), CELLS)
def test_fault_matrix(
    fault: str,
    target: str,
    request: pytest.FixtureRequest,
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    inject, expected = FAULTS[fault]
    if target.startswith("preflight"):
        spec = trimmed(request.getfixturevalue("account"))
        moto: MotoServer = request.getfixturevalue("moto_server")
        warm_up(moto, PREFLIGHT_CALLS)
        upstream = moto.url
    else:
        fake: FakeCluster = request.getfixturevalue("healthy_cluster")
        upstream = fake.url
    with FaultProxy(upstream) as proxy, endpoint(fault, proxy) as url:
        inject(proxy, TARGETS[target])
        if target.startswith("preflight"):
            suite(pytester, spec)
            monkeypatch.setenv("AWS_ENDPOINT_URL", url)
            result = pytester.runpytest_inprocess(
                "-m", "preflight", "--spec", "spec.json", "--json-report", "r.json", *SMALL
            )
        elif target == "addons":
            shutil.copytree(ROOT / "tests_addons", pytester.path / "tests_addons")
            result = pytester.runpytest_inprocess(
                "-m", "addons", "-k", "addon[metrics-server]", "--param", "METRICS-SERVER=v0.7.2",
                "--namespace", "kube-system",
                "--kubeconfig", kubeconfig(fake, url, tmp_path), "--json-report", "r.json", *SMALL,
            )  # fmt: skip
        else:
            code = main(
                ["verify", "there are 2 pods named '^metrics-server-'", *VERIFY_DEADLINE,
                 "-n", "kube-system", "--kubeconfig", kubeconfig(fake, url, tmp_path)]
            )  # fmt: skip
            out, err = capsys.readouterr()
            no_traceback(out + err)
            assert code == expected, out + err
            if expected:  # one line: what could not be read, or the deadline (a busy machine)
                assert err.startswith(
                    (
                        "clusterready: cannot evaluate: cluster 'fake': ",
                        "clusterready: interrupted: ",
                    )
                ), err
                assert len(err.strip().splitlines()) == 1, err
            return
    output = result.stdout.str() + result.stderr.str()
    no_traceback(output)
    assert result.ret == expected, output[-3000:]
    report = json.loads((pytester.path / "r.json").read_text())
    assert report["exit_code"] == expected
    outcomes = {t["outcome"] for t in report["tests"]}
    assert outcomes <= ({"passed", "skipped"} if expected == 0 else {"passed", "cannot-evaluate"})
