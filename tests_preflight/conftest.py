"""The preflight suite's own wiring: every test here is marked ``preflight`` and ``aws``;
the checks are parametrized from the spec: one test item per subnet, export,
parameter, role and endpoint, with readable ids (test_free_ips[subnet-0abc])."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clusterready.plugin import spec_of
from clusterready.suites import mark_suite

#: argument name -> (spec path, how the item is named in the test id)
PARAMETERS: dict[str, tuple[str, Any]] = {
    "subnet": ("preflight.subnets", lambda s: s.id),
    "cfn_export": ("preflight.exports", lambda e: e.name),
    "ssm_parameter": ("preflight.ssm_parameters", lambda p: p.name),
    "iam_role": ("preflight.iam_roles", lambda r: r.name),
    "vpc_endpoint": ("preflight.vpc_endpoints", str),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    spec = spec_of(metafunc.config)
    for argument, (path, name) in PARAMETERS.items():
        if argument not in metafunc.fixturenames:
            continue
        items = getattr(spec.preflight, path.split(".")[1])
        if items:
            metafunc.parametrize(argument, items, ids=[name(i) for i in items])
        else:
            metafunc.parametrize(
                argument,
                [
                    pytest.param(
                        None, marks=pytest.mark.skip(reason=f"the spec lists no {path}"), id="none"
                    )
                ],
            )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_suite(items, "preflight", Path(__file__).parent)
