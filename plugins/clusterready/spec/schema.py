"""The schema of the cluster spec: its sections as frozen dataclasses, each field with
its documentation and validator (``metadata={"doc": ..., "check": ...}``).

The field docs are the reference of docs/spec.md: :func:`reference_table` renders them
and tests/test_docs.py checks the two agree.

>>> ClusterSpec().preflight.min_free_ips
100
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from clusterready.errors import SpecError
from clusterready.limits import LimitError, compile_regex, shown
from clusterready.spec.convert import build, describe, plain

__all__ = [
    "NOT_INSTALLED",
    "AwsSection",
    "ClusterSection",
    "ClusterSpec",
    "DhcpSpec",
    "ExportSpec",
    "IamRoleSpec",
    "KubeSection",
    "PreflightSection",
    "SsmParameterSpec",
    "SubnetSpec",
    "reference_table",
]

NOT_INSTALLED = "none"


def _doc(text: str, check: Callable[[Any], str | None] | None = None) -> dict[str, Any]:
    return {"doc": text, "check": check}


def _matching(pattern: str, what: str) -> Callable[[Any], str | None]:
    compiled = re.compile(pattern)

    def check(value: Any) -> str | None:
        if value in ("", None) or compiled.fullmatch(str(value)):
            return None
        return f"expected {what}, found {describe(value)}"

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
        metadata=_doc("Attempts of each AWS call, the first included.", _at_least(1)),
    )


@dataclass(frozen=True)
class RunSection:
    """How long a run, a check and a request may take (docs/exit-codes.md)."""

    deadline: int = field(
        default=900,
        metadata=_doc(
            "Seconds the whole run may take (--deadline); then the checks left are "
            "reported cannot-evaluate and the reports written. Keep it below the Argo "
            "step's activeDeadlineSeconds.",
            _at_least(1),
        ),
    )
    check_deadline: int = field(
        default=300, metadata=_doc("Seconds one check may take.", _at_least(1))
    )
    request_deadline: int = field(
        default=20,
        metadata=_doc(
            "Seconds one attempt of a request may take in all (connect, send, whole body).",
            _at_least(1),
        ),
    )
    retry_deadline: int = field(
        default=30,
        metadata=_doc("Seconds all the attempts of one request may take.", _at_least(1)),
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

    def _public(self) -> SsmParameterSpec:
        """This parameter as it may be printed (see :attr:`pattern_shown`)."""
        return dataclasses.replace(self, pattern=self.pattern_shown)

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
        default=(), metadata=_doc("CloudFormation exports, as names or {name, value or pattern}.")
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


def _addon_names_check(names: Iterable[str]) -> str | None:
    for name in names:
        if not re.fullmatch(_DNS_LABEL, name):
            return f"expected add-on names in lower case with dashes, found {name!r}"
    return None


def _addons_check(value: Any) -> str | None:
    problem = _addon_names_check(value)
    if problem:
        return problem
    for name, version in value.items():
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
    run: RunSection = field(
        default_factory=RunSection,
        metadata=_doc("Deadlines ([exit codes](exit-codes.md#deadlines))."),
    )
    preflight: PreflightSection = field(
        default_factory=PreflightSection, metadata=_doc("Preflight expectations.")
    )
    addons: Mapping[str, str] = field(
        default_factory=dict,
        metadata=_doc("Add-on name -> version; 'none' means not installed.", _addons_check),
    )
    custom_addons: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "Add-ons of your own, beyond the [registry](addons.md): names `--param` and "
            "`--only` may use (their checks marked `@pytest.mark.addon(NAME)`).",
            _addon_names_check,
        ),
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
        return plain(self, reveal)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_mapping(cls, data: Any, source: str = "") -> ClusterSpec:
        """Validate a spec document (a mapping as read from YAML/JSON)."""
        try:
            return typing.cast(ClusterSpec, build(cls, data))
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
        known_addons: Mapping[str, str] | None = None,
    ) -> ClusterSpec:
        """Resolve a spec from its sources, later ones winning
        (:func:`clusterready.spec.sources.load` says which, and what ``known_addons``
        checks)."""
        from clusterready.spec.sources import load  # the sources build on the schema

        return load(
            cls,
            spec,
            params=params,
            sets=sets,
            environ=environ,
            base_dir=base_dir,
            known_addons=known_addons,
        )


# --------------------------------------------------------------------------- reference


def reference_table() -> str:
    """The "Every key" table of docs/spec.md, from the fields' docs.

    >>> print(reference_table().splitlines()[3])
    | `cluster.name` | string |  | Cluster name, shown in reports. |
    """
    rows = ["| Key | Type | Default | Meaning |", "| --- | --- | --- | --- |"]
    rows += _rows(ClusterSpec, "")
    return "\n".join(rows)


def _rows(cls: Any, prefix: str) -> list[str]:
    rows = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key, tp = prefix + f.name, hints[f.name]
        item = typing.get_args(tp)[0] if typing.get_origin(tp) is tuple else None
        nested = tp if dataclasses.is_dataclass(tp) else None
        listed = item if item is not None and dataclasses.is_dataclass(item) else None
        kind = _type_name(tp)
        default = "" if nested else _default_text(f)
        rows.append(f"| `{key}` | {kind} | {default} | {f.metadata.get('doc', '')} |")
        if nested is not None:
            rows += _rows(nested, key + ".")
        elif listed is not None:
            rows += _rows(listed, key + "[].")
    return rows


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return "mapping"
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return f"{_type_name(args[0])} or null"
    if origin is Literal:
        return " \\| ".join(repr(c) for c in typing.get_args(tp) if c != "")
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return "list" if dataclasses.is_dataclass(item) else f"list of {_type_name(item)}s"
    if origin in (Mapping, dict):
        return f"mapping name → {_type_name(typing.get_args(tp)[1])}"
    return {str: "string", int: "integer", bool: "boolean"}[tp]


def _default_text(f: dataclasses.Field[Any]) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:  # pragma: no cover - every field has a default
        return ""
    if value in ("", None):
        return ""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return f"`{list(value)}`"
    return f"`{value}`"
