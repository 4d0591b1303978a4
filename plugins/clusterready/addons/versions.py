"""Add-on versions: the spec's version against the image tag a container runs.

EKS add-on versions look like ``v1.19.0-eksbuild.1``; a spec may say that,
``v1.19.0`` or ``1.19.0`` (any build), or ``1.19`` (any patch). Image tags carry
the same version, sometimes with a variant word before the build
(kube-proxy's ``v1.31.2-minimal-eksbuild.3``, istio's ``1.24.1-distroless``),
sometimes with no build at all (cluster-autoscaler, aws-load-balancer-controller,
istio, fluent-bit, the EBS CSI driver).

>>> satisfies(parse_spec_version("v1.31.2-eksbuild.3"), parse_tag(image_tag(
...     "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/kube-proxy:v1.31.2-minimal-eksbuild.3")))
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clusterready.errors import SpecError

__all__ = [
    "Version",
    "format_tag",
    "image_tag",
    "parse_spec_version",
    "parse_tag",
    "satisfies",
]

# v? then 2 to 4 dot-separated numbers, then optional -word parts, then optional -eksbuild.N.
_VERSION = re.compile(
    r"v?(?P<core>[0-9]{1,9}(?:\.[0-9]{1,9}){1,3})"
    r"(?P<variant>(?:-(?!eksbuild)[A-Za-z][A-Za-z0-9]*)*)"
    r"(?:-eksbuild\.(?P<build>[0-9]{1,9}))?"
)


@dataclass(frozen=True)
class Version:
    """A version as specs and image tags write it.

    ``core`` holds the numbers (``(1, 19, 0)``), ``build`` the ``eksbuild`` number
    (None when absent), ``variant`` the words between them (``("minimal",)``).

    >>> parse_tag("v1.31.2-minimal-eksbuild.3")
    Version(core=(1, 31, 2), build=3, variant=('minimal',))
    >>> str(parse_tag("v1.31.2-minimal-eksbuild.3"))
    'v1.31.2-minimal-eksbuild.3'
    """

    core: tuple[int, ...]
    build: int | None = None
    variant: tuple[str, ...] = ()

    def __str__(self) -> str:
        return format_tag(self, variant=self.variant)


def format_tag(
    version: Version, *, prefix: str = "v", variant: tuple[str, ...] = (), build: bool = True
) -> str:
    """The image tag that carries ``version``, as an add-on writes its tags.

    >>> format_tag(parse_spec_version("1.31.2-eksbuild.3"), variant=("minimal",))
    'v1.31.2-minimal-eksbuild.3'
    >>> format_tag(parse_spec_version("v1.24.1-eksbuild.1"), prefix="", build=False)
    '1.24.1'
    """
    text = prefix + ".".join(map(str, version.core)) + "".join(f"-{word}" for word in variant)
    return text if version.build is None or not build else f"{text}-eksbuild.{version.build}"


def _parse(text: str) -> Version | None:
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        return None
    build = match["build"]
    return Version(
        tuple(int(part) for part in match["core"].split(".")),
        None if build is None else int(build),
        tuple(word for word in match["variant"].split("-") if word),
    )


def parse_spec_version(text: str, *, addon: str = "") -> Version:
    """The version a spec asks for; :class:`SpecError` when it is not one.

    >>> parse_spec_version("1.19.0")
    Version(core=(1, 19, 0), build=None, variant=())
    >>> parse_spec_version("latest", addon="coredns")
    Traceback (most recent call last):
    ...
    clusterready.errors.SpecError: addons.coredns: expected a version such as \
v1.19.0-eksbuild.1, v1.19.0 or 1.19.0, found 'latest'
    """
    version = _parse(text)
    if version is None:
        raise SpecError(
            "expected a version such as v1.19.0-eksbuild.1, v1.19.0 or 1.19.0",
            found=repr(text),
            path=f"addons.{addon}" if addon else "",
        )
    return version


def parse_tag(tag: str) -> Version | None:
    """The version an image tag carries, or None (``latest``, ``stable``, no tag).

    >>> parse_tag("1.24.1-distroless")
    Version(core=(1, 24, 1), build=None, variant=('distroless',))
    >>> parse_tag("latest") is None
    True
    """
    return _parse(tag)


def image_tag(image: str) -> str:
    """The tag of a container image reference; ``""`` when it has none.

    A registry port is not a tag, and a digest is not either.

    >>> image_tag("602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni:v1.19.0-eksbuild.1")
    'v1.19.0-eksbuild.1'
    >>> image_tag("registry.local:5000/coredns")
    ''
    >>> image_tag("docker.io/istio/pilot:1.24.1@sha256:" + "0" * 64)
    '1.24.1'
    """
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else ""


def satisfies(wanted: Version, running: Version | None, *, eks_build: bool = True) -> bool:
    """Whether a running version (from a tag) is the one a spec asks for.

    The numbers the spec gives must match (``1.19`` accepts any ``1.19.x``); a
    build in the spec must be the tag's, unless the add-on's tags carry no build
    (``eks_build=False``) and this one has none. Variant words are ignored.

    >>> wanted = parse_spec_version("v1.19.0-eksbuild.1")
    >>> satisfies(wanted, parse_tag("v1.19.0-eksbuild.1")), satisfies(wanted, parse_tag("v1.19.0"))
    (True, False)
    >>> satisfies(wanted, parse_tag("v1.19.0"), eks_build=False)
    True
    """
    if running is None or running.core[: len(wanted.core)] != wanted.core:
        return False
    if wanted.build is None or running.build == wanted.build:
        return True
    return running.build is None and not eks_build
