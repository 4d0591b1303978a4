"""The cluster spec: the one input that says what to check.

Sources, later ones winning::

    defaults < --spec PATH or CLUSTERREADY_SPEC (path or inline JSON)
             < --param NAME=VALUE (Argo workflow parameters) < --set dotted.key=value

A spec file may be a spec document (YAML or JSON), an Argo Events payload
(``{"context": ..., "data": {"body": ...}}``), an Argo Workflow manifest (its
``spec.arguments.parameters``) or a flat map of workflow parameters.

>>> spec = ClusterSpec.load(params=["CLUSTER_NAME=prod-eu", "METRICS-SERVER=none"],
...                         sets=["aws.region=eu-west-1"])
>>> spec.cluster.name, spec.aws.region, spec.addon_version("metrics-server")
('prod-eu', 'eu-west-1', 'none')
>>> spec.addon_enabled("metrics-server")
False
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

from clusterready.errors import SpecError
from clusterready.limits import (
    MAX_DEPTH,
    LimitError,
    check_int,
    compile_regex,
    parse_int,
    shown,
    too_many_digits,
)

ENV_SPEC = "CLUSTERREADY_SPEC"
NOT_INSTALLED = "none"

T = TypeVar("T")


def _doc(text: str, check: Callable[[Any], str | None] | None = None) -> dict[str, Any]:
    return {"doc": text, "check": check}


def _matching(pattern: str, what: str) -> Callable[[Any], str | None]:
    compiled = re.compile(pattern)

    def check(value: Any) -> str | None:
        if value in ("", None) or compiled.fullmatch(str(value)):
            return None
        return f"expected {what}, found {_describe(value)}"

    return check


def _at_least(minimum: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value >= minimum else f"expected at least {minimum}, found {value}"

    return check


def _regex(value: Any) -> str | None:
    if value in ("", None):
        return None
    try:
        compile_regex(value)
    except LimitError as err:
        return f"{err} in the regular expression {shown(value)}"
    except re.error as err:
        return f"expected a valid regular expression, found {shown(value)} ({err})"
    return None


def _secret_regex(value: Any) -> str | None:
    """As :func:`_regex`, without showing the pattern (it may give a secret away)."""
    problem = _regex(value)
    return problem and "expected a valid regular expression (the pattern is not shown)"


_DNS_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class ClusterSection:
    """Which cluster this is."""

    name: str = field(default="", metadata=_doc("Cluster name, shown in reports."))
    version: str = field(
        default="",
        metadata=_doc(
            'Kubernetes version ("1.32"); quote it in YAML.', _matching(r"\d+\.\d+", "'1.NN'")
        ),
    )
    container_hub: str = field(
        default="", metadata=_doc("Container registry the add-on images come from.")
    )


@dataclass(frozen=True)
class AwsSection:
    """The AWS account and how to reach it (empty = the usual AWS environment)."""

    region: str = field(
        default="",
        metadata=_doc(
            "AWS region, e.g. eu-west-1.",
            _matching(r"[a-z]{2}(-[a-z]+)+-\d+", "an AWS region such as 'eu-west-1'"),
        ),
    )
    profile: str = field(default="", metadata=_doc("Named profile of the AWS config files."))
    account: str = field(
        default="",
        metadata=_doc(
            "12-digit account id the caller must be in (quote it in YAML).",
            _matching(r"\d{12}", "a 12-digit account id"),
        ),
    )
    max_attempts: int = field(
        default=5,
        metadata=_doc(
            "Attempts of each AWS call (retry mode standard), the first included.", _at_least(1)
        ),
    )


@dataclass(frozen=True)
class KubeSection:
    """How to reach the Kubernetes API."""

    kubeconfig: str = field(
        default="", metadata=_doc("Path of the kubeconfig file (default: $KUBECONFIG).")
    )
    context: str = field(default="", metadata=_doc("Context of the kubeconfig to use."))
    namespace: str = field(
        default="",
        metadata=_doc(
            "Default namespace of checks (default: the context's).",
            _matching(_DNS_LABEL, "a namespace name (DNS label)"),
        ),
    )


@dataclass(frozen=True)
class SubnetSpec:
    """One subnet the cluster will use."""

    SHORTHAND: ClassVar[str] = "id"

    id: str = field(
        default="", metadata=_doc("Subnet id.", _matching(r"subnet-[0-9a-f]+", "'subnet-<hex>'"))
    )
    role: Literal["private", "public", ""] = field(
        default="", metadata=_doc("'private' or 'public': which tags and routes it needs.")
    )
    min_free_ips: int | None = field(
        default=None,
        metadata=_doc(
            "Free-IP threshold for this subnet (default: preflight.min_free_ips).",
            lambda v: None if v is None else _at_least(0)(v),
        ),
    )

    def _validate(self) -> None:
        if not self.id:
            raise SpecError("expected a subnet id", found="none", path="id")


@dataclass(frozen=True)
class DhcpSpec:
    """What the VPC's DHCP options set must hold."""

    domain_name_servers: tuple[str, ...] = field(
        default=("AmazonProvidedDNS",),
        metadata=_doc("Accepted resolvers; at least one must be in domain-name-servers."),
    )
    single_domain_name: bool = field(
        default=True, metadata=_doc("domain-name must be a single name.")
    )


@dataclass(frozen=True)
class ExportSpec:
    """A CloudFormation export that must exist."""

    SHORTHAND: ClassVar[str] = "name"

    name: str = field(default="", metadata=_doc("Export name."))
    value: str = field(default="", metadata=_doc("Exact expected value (optional)."))
    pattern: str = field(
        default="", metadata=_doc("Regular expression the value must match (optional).", _regex)
    )

    def _validate(self) -> None:
        if not self.name:
            raise SpecError("expected an export name", found="none", path="name")
        if self.value and self.pattern:
            raise SpecError("expected either value or pattern, not both", path="pattern")


@dataclass(frozen=True)
class SsmParameterSpec:
    """An SSM parameter that must exist."""

    SHORTHAND: ClassVar[str] = "name"

    name: str = field(default="", metadata=_doc("Parameter name (/path/name)."))
    type: Literal["String", "StringList", "SecureString", ""] = field(
        default="", metadata=_doc("Expected type (optional).")
    )
    pattern: str = field(
        default="",
        metadata=_doc(
            "Regular expression the value must match (optional; shown only when the type is "
            "String or StringList).",
            _secret_regex,
        ),
    )

    #: What stands for a pattern that is not shown.
    HIDDEN: ClassVar[str] = "<not shown>"

    def _validate(self) -> None:
        if not self.name:
            raise SpecError("expected a parameter name", found="none", path="name")

    @property
    def pattern_shown(self) -> str:
        """The pattern as it may be printed: itself for a String or StringList parameter,
        :attr:`HIDDEN` otherwise (a SecureString's pattern gives its value away).

        >>> SsmParameterSpec("/a", "SecureString", "^s3cr3t$").pattern_shown
        '<not shown>'
        """
        return (
            self.pattern
            if self.type in ("String", "StringList") or not self.pattern
            else (self.HIDDEN)
        )

    def __repr__(self) -> str:
        return (
            f"SsmParameterSpec(name={self.name!r}, type={self.type!r}, "
            f"pattern={self.pattern_shown!r})"
        )


@dataclass(frozen=True)
class IamRoleSpec:
    """An IAM role that must exist."""

    SHORTHAND: ClassVar[str] = "name"

    name: str = field(default="", metadata=_doc("Role name."))
    trust_principal: str = field(
        default="", metadata=_doc("Service principal it must trust, e.g. eks.amazonaws.com.")
    )
    managed_policies: tuple[str, ...] = field(
        default=(), metadata=_doc("Managed policy names or ARNs that must be attached.")
    )

    def _validate(self) -> None:
        if not self.name:
            raise SpecError("expected a role name", found="none", path="name")


@dataclass(frozen=True)
class PreflightSection:
    """What the AWS account must provide before the cluster is built."""

    vpc_id: str = field(
        default="", metadata=_doc("The cluster's VPC.", _matching(r"vpc-[0-9a-f]+", "'vpc-<hex>'"))
    )
    min_free_ips: int = field(
        default=100, metadata=_doc("Default free-IP threshold per subnet.", _at_least(0))
    )
    subnets: tuple[SubnetSpec, ...] = field(
        default=(), metadata=_doc("Subnets, as ids or {id, role, min_free_ips}.")
    )
    min_azs: int = field(
        default=2, metadata=_doc("Availability zones the subnets must span.", _at_least(1))
    )
    disallowed_az_ids: tuple[str, ...] = field(
        default=("use1-az3", "usw1-az2", "cac1-az3"),
        metadata=_doc("AZ ids where EKS cannot place a control plane."),
    )
    lb_subnet_tags: Literal["fail", "warn", "off"] = field(
        default="fail", metadata=_doc("Missing load-balancer role tags: fail, warn or off.")
    )
    vpc_dns: bool = field(
        default=True, metadata=_doc("Require enableDnsSupport and enableDnsHostnames.")
    )
    dhcp: DhcpSpec = field(default_factory=DhcpSpec, metadata=_doc("DHCP options expectations."))
    egress: bool = field(
        default=True, metadata=_doc("Require NAT (private) / internet gateway (public) routes.")
    )
    exports: tuple[ExportSpec, ...] = field(
        default=(), metadata=_doc("CloudFormation exports, as names or {name, value|pattern}.")
    )
    ssm_parameters: tuple[SsmParameterSpec, ...] = field(
        default=(), metadata=_doc("SSM parameters, as names or {name, type, pattern}.")
    )
    iam_roles: tuple[IamRoleSpec, ...] = field(
        default=(), metadata=_doc("IAM roles, as names or {name, trust_principal, ...}.")
    )
    vpc_endpoints: tuple[str, ...] = field(
        default=(), metadata=_doc("Services needing an available VPC endpoint (e.g. ecr.api).")
    )


def _addons_check(value: Any) -> str | None:
    for name, version in value.items():
        if not re.fullmatch(_DNS_LABEL, name):
            return f"expected add-on names in lower case with dashes, found {name!r}"
        if not version:
            return f"expected a version or 'none' for add-on {name!r}, found an empty string"
    return None


@dataclass(frozen=True)
class ClusterSpec:
    """The resolved, validated cluster spec (immutable).

    >>> ClusterSpec().cluster.name
    ''
    >>> ClusterSpec.from_mapping({"addons": {"coredns": "v1.11.3"}}).addon_version("coredns")
    'v1.11.3'
    """

    cluster: ClusterSection = field(default_factory=ClusterSection, metadata=_doc("The cluster."))
    aws: AwsSection = field(default_factory=AwsSection, metadata=_doc("The AWS account."))
    kube: KubeSection = field(default_factory=KubeSection, metadata=_doc("The Kubernetes API."))
    preflight: PreflightSection = field(
        default_factory=PreflightSection, metadata=_doc("Preflight expectations.")
    )
    addons: Mapping[str, str] = field(
        default_factory=dict,
        metadata=_doc("Add-on name -> version; 'none' means not installed.", _addons_check),
    )

    # ------------------------------------------------------------------ queries

    def addon_version(self, name: str) -> str | None:
        """The spec's version of an add-on, ``'none'``, or None when absent."""
        return self.addons.get(name)

    def addon_enabled(self, name: str) -> bool:
        """True when the add-on is listed with a version other than ``none``."""
        version = self.addon_version(name)
        return version is not None and version.lower() != NOT_INSTALLED

    def hidden_patterns(self) -> tuple[str, ...]:
        """The patterns that are never shown (SSM parameters not declared String or
        StringList): secrets, to be redacted wherever they would appear."""
        return tuple(
            p.pattern for p in self.preflight.ssm_parameters if p.pattern_shown != p.pattern
        )

    def to_dict(self, *, reveal: bool = False) -> dict[str, Any]:
        """The spec as plain data (JSON-serialisable).

        The patterns of SSM parameters not declared String or StringList are
        ``"<not shown>"`` unless ``reveal`` (they may give a SecureString away).
        """
        return _plain(self, reveal)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_mapping(cls, data: Any, source: str = "") -> ClusterSpec:
        """Validate a spec document (a mapping as read from YAML/JSON)."""
        try:
            return typing.cast(ClusterSpec, _build(cls, data))
        except SpecError as err:
            raise err.located(source=source) from None

    @classmethod
    def load(
        cls,
        spec: str | os.PathLike[str] | None = None,
        *,
        params: Iterable[str] = (),
        sets: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
        base_dir: str | os.PathLike[str] | None = None,
    ) -> ClusterSpec:
        """Resolve a spec from its sources, later ones winning.

        ``spec`` is a path; without it ``CLUSTERREADY_SPEC`` (a path or inline
        JSON) from ``environ`` (default ``os.environ``) is read. ``params`` are
        ``NAME=VALUE`` Argo workflow parameters, ``sets`` are
        ``dotted.key=value`` overrides.
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
                document, doc_params = _classify(_parse_json(raw, source), source)
            else:
                path = Path(base_dir or ".") / raw
                source = f"{raw} (from ${ENV_SPEC})"
                document, doc_params = _classify(_read_file(path, source), source)
        result = cls.from_mapping(document, source)
        for name, value, where in doc_params:
            result = apply_param(result, name, value, source=where)
        for item in params:
            name, value = _split_assignment(item, "--param", "NAME=VALUE")
            result = apply_param(result, name, value, source=f"--param {name}")
        for item in sets:
            key, value = _split_assignment(item, "--set", "dotted.key=value")
            result = apply_override(result, key, value, source="--set")
        return result


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


def param_key(name: str) -> str:
    """The spec key a workflow parameter sets.

    >>> param_key("CLUSTER_NAME"), param_key("METRICS-SERVER"), param_key("aws_node")
    ('cluster.name', 'addons.metrics-server', 'addons.aws-node')
    """
    if not _PARAM_NAME.fullmatch(name):
        raise SpecError(
            "expected a parameter name of letters, digits, '-' and '_'", found=shown(name)
        )
    canonical = name.upper().replace("-", "_")
    if canonical in PARAMETERS:
        return PARAMETERS[canonical]
    return "addons." + name.lower().replace("_", "-")


def apply_param(spec: ClusterSpec, name: str, value: str, *, source: str = "") -> ClusterSpec:
    """Apply one Argo workflow parameter (always text, as Argo passes it)."""
    try:
        key = param_key(name)
    except SpecError as err:
        raise err.located(source=source) from None
    return apply_override(spec, key, value, source=source)


# --------------------------------------------------------------------------- --set overrides


def apply_override(spec: ClusterSpec, key: str, raw: str, *, source: str = "") -> ClusterSpec:
    """Return ``spec`` with the dotted ``key`` set from the text ``raw``.

    The text is read as the key's type: ``preflight.min_free_ips=50`` is an
    integer, ``preflight.subnets=subnet-a,subnet-b`` a list, and
    ``preflight.subnets.0.min_free_ips=20`` reaches into a list item.

    >>> apply_override(ClusterSpec(), "preflight.min_free_ips", "50").preflight.min_free_ips
    50
    """
    parts = key.split(".")
    if not key or any(not p for p in parts):
        raise SpecError(
            "expected a dotted key such as preflight.min_free_ips", found=shown(key), source=source
        )
    try:
        result = _set_in(spec, type(spec), parts, raw, done=[])
    except SpecError as err:
        raise err.located(source=source) from None
    _validate_tree(result, "")
    return typing.cast(ClusterSpec, result)


def _set_in(node: Any, tp: Any, parts: list[str], raw: str, done: list[str]) -> Any:
    here = ".".join(done)
    if not parts:
        return _from_text(tp, raw, here)
    head, rest = parts[0], parts[1:]
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        if head not in hints:
            raise SpecError(_unknown_key(head, hints), path=".".join([*done, head]))
        new = _set_in(getattr(node, head), hints[head], rest, raw, [*done, head])
        _run_check(tp, head, new, ".".join([*done, head]))
        return dataclasses.replace(node, **{head: new})
    if origin in (Mapping, dict):
        value_tp = typing.get_args(tp)[1]
        if rest:
            raise SpecError(f"expected nothing after {here}.{head}", path=".".join(done))
        updated = dict(node)
        updated[head] = _from_text(value_tp, raw, f"{here}.{head}")
        return updated
    if origin is tuple:
        item_tp = typing.get_args(tp)[0]
        if not re.fullmatch(r"[0-9]{1,9}", head, re.ASCII):
            raise SpecError("expected a list index (0, 1, ...)", found=shown(head), path=here)
        index = int(head)
        if index >= len(node):
            raise SpecError(
                f"expected an index below {len(node)} (the list has {len(node)} items)",
                found=str(index),
                path=here,
            )
        items = list(node)
        items[index] = _set_in(items[index], item_tp, rest, raw, [*done, head])
        return tuple(items)
    raise SpecError(f"expected nothing after {here}", found=f".{'.'.join(parts)}", path=here)


# --------------------------------------------------------------------------- building


def _hints(cls: Any) -> dict[str, Any]:
    return {f.name: t for f, t in zip(dataclasses.fields(cls), _field_types(cls), strict=True)}


def _field_types(cls: Any) -> list[Any]:
    hints = typing.get_type_hints(cls)
    return [hints[f.name] for f in dataclasses.fields(cls)]


def _unknown_key(key: str, known: Iterable[str]) -> str:
    known = list(known)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}; expected one of: {', '.join(known)}"


def _run_check(cls: Any, name: str, value: Any, path: str) -> None:
    meta = {f.name: f.metadata for f in dataclasses.fields(cls)}[name]
    check = meta.get("check")
    if check is not None:
        problem = check(value)
        if problem:
            raise SpecError(problem, path=path)


def _build(tp: Any, value: Any, path: str = "") -> Any:
    """Convert parsed YAML/JSON ``value`` into the type ``tp``, strictly."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        shorthand = getattr(tp, "SHORTHAND", None)
        if shorthand and isinstance(value, str):
            value = {shorthand: value}
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            expected = "a mapping" + (f" or a {shorthand} string" if shorthand else "")
            raise SpecError(f"expected {expected}", found=_describe(value), path=path)
        hints = _hints(tp)
        for key in value:
            if key not in hints:
                raise SpecError(_unknown_key(str(key), hints), path=_join(path, str(key)))
        kwargs = {}
        for name, field_tp in hints.items():
            if name in value:
                kwargs[name] = _build(field_tp, value[name], _join(path, name))
                _run_check(tp, name, kwargs[name], _join(path, name))
        obj = typing.cast(Any, tp)(**kwargs)
        _validate_node(obj, path)
        return obj
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _build(args[0], value, path)
    if origin is Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            options = ", ".join(repr(c) for c in choices if c != "")
            raise SpecError(f"expected one of {options}", found=_describe(value), path=path)
        return value
    if origin is tuple:
        item_tp = typing.get_args(tp)[0]
        if value is None:
            return ()
        if not isinstance(value, list):
            raise SpecError("expected a list", found=_describe(value), path=path)
        return tuple(_build(item_tp, item, f"{path}[{i}]") for i, item in enumerate(value))
    if origin in (Mapping, dict):
        value_tp = typing.get_args(tp)[1]
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise SpecError("expected a mapping", found=_describe(value), path=path)
        return {str(k): _build(value_tp, v, _join(path, str(k))) for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            raise SpecError("expected true or false", found=_describe(value), path=path)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError("expected an integer", found=_describe(value), path=path)
        try:
            check_int(value)
        except LimitError as err:
            raise SpecError(str(err), path=path) from None
        return value
    if tp is str:
        if not isinstance(value, str):
            hint = " (quote it)" if isinstance(value, int | float) else ""
            raise SpecError(f"expected a string{hint}", found=_describe(value), path=path)
        return value
    raise TypeError(f"unsupported spec type {tp!r}")  # pragma: no cover - programming error


def _validate_node(obj: Any, path: str) -> None:
    validate = getattr(obj, "_validate", None)
    if validate is not None:
        try:
            validate()
        except SpecError as err:
            raise err.located(prefix=path) from None


def _validate_tree(obj: Any, path: str) -> None:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        _validate_node(obj, path)
        for f in dataclasses.fields(obj):
            _validate_tree(getattr(obj, f.name), _join(path, f.name))
    elif isinstance(obj, tuple):
        for i, item in enumerate(obj):
            _validate_tree(item, f"{path}[{i}]")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _from_text(tp: Any, raw: str, path: str) -> Any:
    """Read the text of a --set/--param value as the type ``tp``."""
    origin = typing.get_origin(tp)
    text = raw.strip()
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if text in ("", "null") else _from_text(args[0], raw, path)
    if tp is str or origin is Literal:
        return _build(tp, raw, path)
    if tp is int:
        try:
            number = parse_int(text)
        except LimitError as err:
            raise SpecError(str(err), path=path) from None
        if number is None:
            raise SpecError("expected an integer", found=shown(raw), path=path)
        return number
    if tp is bool:
        lowered = text.lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        raise SpecError("expected true or false", found=shown(raw), path=path)
    if origin is tuple:
        if text.startswith("["):
            return _build(tp, _parse_yaml(text, path or "value"), path)
        item_tp = typing.get_args(tp)[0]
        items = [i for i in re.split(r"[,\s]+", text) if i]
        return tuple(_from_text(item_tp, item, f"{path}[{n}]") for n, item in enumerate(items))
    if dataclasses.is_dataclass(tp) and getattr(tp, "SHORTHAND", None) and not text.startswith("{"):
        return _build(tp, text, path)
    # mappings and sections: JSON or YAML flow text
    return _build(tp, _parse_yaml(text, path or "value"), path)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}" if abs(value) < 10**20 else "an integer of over 20 digits"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {shown(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def _plain(value: Any, reveal: bool) -> Any:
    if isinstance(value, SsmParameterSpec) and not reveal:
        value = dataclasses.replace(value, pattern=value.pattern_shown)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), reveal) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_plain(v, reveal) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v, reveal) for k, v in value.items()}
    return value


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
        return _parse_json(text, source)
    return _parse_yaml(text, source)


def _at(source: str, line: int, column: int) -> str:
    """``file:line:column``, as compilers and editors write a place in a file."""
    return f"{source}:{line}:{column}"


def _json_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # more digits than int() takes
        raise LimitError(too_many_digits(text)) from None


def _parse_json(text: str, source: str) -> Any:
    try:
        data = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as err:
        raise SpecError(
            f"invalid JSON: {err.msg}", source=_at(source, err.lineno, err.colno)
        ) from None
    except LimitError as err:
        raise SpecError(f"invalid JSON: {err}", source=source) from None
    except RecursionError:
        raise SpecError(
            f"invalid JSON: nested deeper than {MAX_DEPTH} levels", source=source
        ) from None
    _check_depth(data, source, "JSON")
    return data


def _check_depth(data: Any, source: str, what: str) -> None:
    """Refuse documents nested deeper than MAX_DEPTH (walked without recursion)."""
    level: list[Any] = [data]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for node in level
            if isinstance(node, list | dict)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        if not level:
            return
    raise SpecError(f"invalid {what}: nested deeper than {MAX_DEPTH} levels", source=source)


def _parse_yaml(text: str, source: str) -> Any:
    import yaml  # deferred: `pytest --help` need not pay for it

    from clusterready.yamlread import BoundedLoader, position

    loader = None
    try:
        loader = BoundedLoader(text)  # the reader checks every character here
        return loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = _at(source, mark.line + 1, mark.column + 1) if mark else source
        problem = err.problem or err.context or "malformed"
        raise SpecError(f"invalid YAML: {problem}", source=where) from None
    except yaml.reader.ReaderError as err:
        line, column = position(text, err.position)
        raise SpecError(
            f"invalid YAML: unacceptable character #x{err.character:04x} "
            "(control characters are not allowed)",
            source=_at(source, line, column),
        ) from None
    except yaml.YAMLError as err:  # pragma: no cover - every other parser error is marked
        raise SpecError(f"invalid YAML: {' '.join(str(err).split())}", source=source) from None
    finally:
        if loader is not None:
            loader.dispose()


_SECTIONS = frozenset(f.name for f in dataclasses.fields(ClusterSpec))
_WORKFLOW_KINDS = frozenset({"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate"})


def _classify(data: Any, source: str) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Split a document into (spec mapping, workflow parameters)."""
    if data is None:
        return {}, []
    if not isinstance(data, Mapping):
        raise SpecError("expected a mapping at the top level", found=_describe(data), source=source)
    if "context" in data and isinstance(data.get("data"), Mapping):  # Argo Events payload
        body = data["data"].get("body")
        return _classify(body, f"{source} (data.body)")
    kind = data.get("kind")
    if "kind" in data and not isinstance(kind, str):
        raise SpecError(
            "expected a string such as Workflow or WorkflowTemplate",
            found=_describe(kind),
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
            f"expected {expected}", found=_describe(value), source=source, path=_join(at, key)
        )
    return value


def _parameter_list(items: Any, source: str) -> list[tuple[str, str, str]]:
    if not isinstance(items, list):
        raise SpecError("expected a list of {name, value}", found=_describe(items), source=source)
    result = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or "name" not in item:
            raise SpecError(
                "expected {name, value}", found=_describe(item), source=source, path=f"[{i}]"
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
