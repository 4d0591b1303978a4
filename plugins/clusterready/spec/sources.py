"""Where a spec comes from: files (YAML or JSON), ``$CLUSTERREADY_SPEC``, Argo documents
(Events payloads, Workflow manifests, parameter files) and ``--param``/``--set``.

>>> from clusterready.spec import ClusterSpec
>>> load(ClusterSpec, params=["MIN_AZS=3"], environ={}).preflight.min_azs
3
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from clusterready.errors import SpecError
from clusterready.limits import shown
from clusterready.spec.convert import apply_override, describe, join
from clusterready.spec.documents import parse_json, parse_yaml
from clusterready.spec.schema import ClusterSpec

__all__ = ["ENV_SPEC", "PARAMETERS", "apply_param", "load", "param_key"]

ENV_SPEC = "CLUSTERREADY_SPEC"


def load(
    cls: type[ClusterSpec],
    spec: str | os.PathLike[str] | None = None,
    *,
    params: Iterable[str] = (),
    sets: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    known_addons: Mapping[str, str] | None = None,
) -> ClusterSpec:
    """Resolve a spec from its sources, later ones winning.

    ``spec`` is a path; without it ``CLUSTERREADY_SPEC`` (a path or inline
    JSON) from ``environ`` (default ``os.environ``) is read. ``params`` are
    ``NAME=VALUE`` Argo workflow parameters, ``sets`` are
    ``dotted.key=value`` overrides.

    ``known_addons`` (lower-case name or alias -> canonical name, the registry's) makes
    a parameter that is neither a spec parameter nor a known add-on an error, unless the
    resolved spec's ``custom_addons`` declares it; an alias sets its canonical name.

    >>> load(ClusterSpec, params=["CLUSTERNAME=x"], environ={}, known_addons={})
    Traceback (most recent call last):
    ...
    clusterready.errors.SpecError: --param CLUSTERNAME: unknown parameter 'CLUSTERNAME' \
(did you mean 'CLUSTER_NAME'?); expected a spec parameter (docs/spec.md), a known add-on \
or one the spec's custom_addons declares
    """
    environ = os.environ if environ is None else environ
    document: dict[str, Any] = {}
    doc_params: list[tuple[str, str, str]] = []
    source = ""
    if spec is not None:
        path = Path(base_dir or ".") / Path(spec)
        source = str(spec)
        document, doc_params = _classify(_read_file(path, source), source)
    elif environ.get(ENV_SPEC, "").strip():
        raw = environ[ENV_SPEC].strip()
        if raw.startswith("{"):
            source = f"${ENV_SPEC}"
            document, doc_params = _classify(parse_json(raw, source), source)
        else:
            path = Path(base_dir or ".") / raw
            source = f"{raw} (from ${ENV_SPEC})"
            document, doc_params = _classify(_read_file(path, source), source)
    result = cls.from_mapping(document, source)
    named = [*doc_params]
    for item in params:
        name, value = _split_assignment(item, "--param", "NAME=VALUE")
        named.append((name, value, f"--param {name}"))
    unknown: list[tuple[str, str]] = []  # add-on parameters the registry does not know
    for name, value, where in named:
        if known_addons is not None and _unknown_addon(name, known_addons, where):
            unknown.append((name, where))
        result = apply_param(result, name, value, source=where, known_addons=known_addons)
    for item in sets:
        key, value = _split_assignment(item, "--set", "dotted.key=value")
        result = apply_override(result, key, value, source="--set")
    for name, where in unknown:
        if _addon_of(name) not in result.custom_addons:
            raise SpecError(_unknown_param(name, known_addons or {}), source=where)
    if known_addons is None:
        return result
    # An alias (`vpc-cni`) stands for its add-on (`aws-node`); a later key wins.
    addons = {known_addons.get(name, name): version for name, version in result.addons.items()}
    return dataclasses.replace(result, addons=addons)


# --------------------------------------------------------------------------- Argo parameters

#: Workflow parameter name -> spec key. Every other name is an add-on:
#: ``METRICS-SERVER=v0.7.2`` -> ``addons.metrics-server``.
PARAMETERS: Mapping[str, str] = {
    "CLUSTER_NAME": "cluster.name",
    "KUBERNETES_VERSION": "cluster.version",
    "K8S_VERSION": "cluster.version",
    "CONTAINER_HUB": "cluster.container_hub",
    "AWS_REGION": "aws.region",
    "REGION": "aws.region",
    "AWS_PROFILE": "aws.profile",
    "AWS_ACCOUNT_ID": "aws.account",
    "AWS_MAX_ATTEMPTS": "aws.max_attempts",
    "ACCOUNT_ID": "aws.account",
    "KUBECONFIG": "kube.kubeconfig",
    "KUBE_CONTEXT": "kube.context",
    "NAMESPACE": "kube.namespace",
    "VPC_ID": "preflight.vpc_id",
    "SUBNET_IDS": "preflight.subnets",
    "MIN_FREE_IPS": "preflight.min_free_ips",
    "MIN_AZS": "preflight.min_azs",
    "CFN_EXPORTS": "preflight.exports",
    "SSM_PARAMETERS": "preflight.ssm_parameters",
    "VPC_ENDPOINTS": "preflight.vpc_endpoints",
}

_PARAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def param_key(name: str, known_addons: Mapping[str, str] | None = None) -> str:
    """The spec key a workflow parameter sets (an alias in ``known_addons`` sets its
    add-on's canonical name).

    >>> param_key("CLUSTER_NAME"), param_key("METRICS-SERVER"), param_key("aws_node")
    ('cluster.name', 'addons.metrics-server', 'addons.aws-node')
    >>> param_key("VPC-CNI", {"vpc-cni": "aws-node"})
    'addons.aws-node'
    """
    if not _PARAM_NAME.fullmatch(name):
        raise SpecError(
            "expected a parameter name of letters, digits, '-' and '_'", found=shown(name)
        )
    canonical = name.upper().replace("-", "_")
    if canonical in PARAMETERS:
        return PARAMETERS[canonical]
    addon = _addon_of(name)
    return "addons." + (known_addons or {}).get(addon, addon)


def _addon_of(name: str) -> str:
    return name.lower().replace("_", "-")


def _unknown_addon(name: str, known_addons: Mapping[str, str], source: str) -> bool:
    """Whether parameter ``name`` names an add-on ``known_addons`` does not know."""
    try:
        key = param_key(name)
    except SpecError as err:
        raise err.located(source=source) from None
    return key.startswith("addons.") and _addon_of(name) not in known_addons


def _unknown_param(name: str, known_addons: Mapping[str, str]) -> str:
    """The message for a parameter nobody knows, with the closest name it may be."""
    candidates = {_addon_of(key): key for key in PARAMETERS}
    candidates.update({addon: addon.upper() for addon in known_addons})
    close = difflib.get_close_matches(_addon_of(name), list(candidates), n=1, cutoff=0.7)
    hint = f" (did you mean {candidates[close[0]]!r}?)" if close else ""
    return (
        f"unknown parameter {name!r}{hint}; expected a spec parameter (docs/spec.md), a "
        "known add-on or one the spec's custom_addons declares"
    )


def apply_param(
    spec: ClusterSpec,
    name: str,
    value: str,
    *,
    source: str = "",
    known_addons: Mapping[str, str] | None = None,
) -> ClusterSpec:
    """Apply one Argo workflow parameter (always text, as Argo passes it).

    An empty value sets nothing: it is how a template passes a parameter nobody gave
    (``value: ""``), so it leaves the key to the spec file, the payload or the default.

    >>> apply_param(ClusterSpec(), "MIN_FREE_IPS", "").preflight.min_free_ips
    100
    """
    if value == "":
        return spec
    try:
        key = param_key(name, known_addons)
    except SpecError as err:
        raise err.located(source=source) from None
    return apply_override(spec, key, value, source=source)


# --------------------------------------------------------------------------- reading


def _split_assignment(item: str, option: str, form: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise SpecError(f"expected {form}", found=shown(item), source=option)
    return name.strip(), value


def _read_file(path: Path, source: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("file not found", source=source) from None
    except IsADirectoryError:
        raise SpecError("expected a file, found a directory", source=source) from None
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError(f"cannot read the file ({err})", source=source) from None
    if path.suffix.lower() == ".json":
        return parse_json(text, source)
    return parse_yaml(text, source)


_SECTIONS = frozenset(f.name for f in dataclasses.fields(ClusterSpec))
_WORKFLOW_KINDS = frozenset({"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate"})


def _classify(data: Any, source: str) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Split a document into (spec mapping, workflow parameters)."""
    if data is None:
        return {}, []
    if not isinstance(data, Mapping):
        raise SpecError("expected a mapping at the top level", found=describe(data), source=source)
    if "context" in data and isinstance(data.get("data"), Mapping):  # Argo Events payload
        body = data["data"].get("body")
        return _classify(body, f"{source} (data.body)")
    kind = data.get("kind")
    if "kind" in data and not isinstance(kind, str):
        raise SpecError(
            "expected a string such as Workflow or WorkflowTemplate",
            found=describe(kind),
            source=source,
            path="kind",
        )
    if kind in _WORKFLOW_KINDS:
        parameters = _member(
            _member(_member(data, "spec", source), "arguments", source, "spec"),
            "parameters",
            source,
            "spec.arguments",
            default=[],
        )
        return {}, _parameter_list(parameters, f"{source} (spec.arguments.parameters)")
    if (
        data.keys()
        and not (data.keys() & _SECTIONS)
        and all(isinstance(k, str) and _PARAM_NAME.fullmatch(k) and k != k.lower() for k in data)
    ):
        return {}, [(k, _param_text(v), f"{source}: {k}") for k, v in data.items()]
    return dict(data), []


def _member(
    node: Mapping[str, Any], key: str, source: str, at: str = "", default: Any = None
) -> Any:
    """``node[key]`` of a workflow manifest: absent is ``default`` (an empty mapping unless
    given), present it must be a mapping (or ``default``'s type)."""
    default = {} if default is None else default
    if key not in node:
        return default
    value = node[key]
    if not isinstance(value, type(default)):
        expected = "a list" if isinstance(default, list) else "a mapping"
        raise SpecError(
            f"expected {expected}", found=describe(value), source=source, path=join(at, key)
        )
    return value


def _parameter_list(items: Any, source: str) -> list[tuple[str, str, str]]:
    if not isinstance(items, list):
        raise SpecError("expected a list of {name, value}", found=describe(items), source=source)
    result = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or "name" not in item:
            raise SpecError(
                "expected {name, value}", found=describe(item), source=source, path=f"[{i}]"
            )
        result.append((str(item["name"]), _param_text(item.get("value", "")), source))
    return result


def _param_text(value: Any) -> str:
    """Parameters are text; objects arrive as their JSON text, as Argo Events sends them."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "" if value is None else str(value)
