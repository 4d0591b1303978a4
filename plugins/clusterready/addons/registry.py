"""The add-on registry: what each add-on is in an EKS cluster.

Each :class:`AddOn` names its workloads (with the pod selector labels EKS or
its helm chart really uses), the Services that must have ready endpoints, the
APIServices that must be Available, the admission webhooks whose Services must
answer, the CRDs that must be Established, and how its version is read from an
image tag. The checks of ``tests_addons/`` are driven by it; docs/addons.md's
table is :func:`reference_table`.

>>> lookup("vpc-cni").name
'aws-node'
>>> lookup("vpc-cni").workloads[0].labels["k8s-app"]
'aws-node'
>>> lookup("kube-proxy").version_mismatch(
...     "v1.31.2-eksbuild.3", "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/kube-proxy:"
...     "v1.31.1-minimal-eksbuild.2")
'expected v1.31.2-minimal-eksbuild.3, running v1.31.1-minimal-eksbuild.2'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from clusterready.addons.versions import (
    format_tag,
    image_tag,
    parse_spec_version,
    parse_tag,
    satisfies,
)

__all__ = [
    "REGISTRY",
    "AddOn",
    "Webhook",
    "Workload",
    "known_names",
    "lookup",
    "reference_table",
]


@dataclass(frozen=True)
class Workload:
    """A Deployment or DaemonSet of an add-on.

    ``labels`` is its pod selector (``spec.selector.matchLabels``), so checks can
    list its pods server-side; ``containers`` its containers (init containers
    aside); ``version_container`` the one whose image tag carries the add-on's
    version, from the image repository ``image`` (its path without the registry).

    >>> lookup("coredns").workloads[0].selector()
    'eks.amazonaws.com/component=coredns,k8s-app=kube-dns'
    """

    kind: Literal["Deployment", "DaemonSet"]
    name: str
    labels: Mapping[str, str] = field(hash=False)
    containers: tuple[str, ...]
    version_container: str | None = None
    image: str = ""

    def selector(self) -> str:
        """The labels as a ``labelSelector`` query value (sorted by key)."""
        return ",".join(f"{key}={value}" for key, value in sorted(self.labels.items()))


@dataclass(frozen=True)
class Webhook:
    """An admission webhook configuration of an add-on.

    ``service`` is the Service of its ``clientConfig`` (in the add-on's namespace),
    which must have ready endpoints or the API server rejects (or, with
    ``failurePolicy: Ignore``, silently skips) the requests it intercepts.
    """

    kind: Literal["validating", "mutating"]
    name: str
    service: str = ""

    @property
    def resource(self) -> str:
        """The resource type of its configuration (``mutatingwebhookconfigurations``).

        >>> Webhook("validating", "istio-validator-istio-system").resource
        'validatingwebhookconfigurations'
        """
        return f"{self.kind}webhookconfigurations"


@dataclass(frozen=True)
class AddOn:
    """One add-on as EKS (or its usual helm chart) deploys it.

    ``eks_build`` says whether its image tags carry ``-eksbuild.N`` (when not, a
    build in the spec's version is not asked of the tag); ``tag_prefix`` and
    ``tag_variant`` say how its tags write a version (kube-proxy:
    ``v1.31.2-minimal-eksbuild.3``; istio: ``1.24.1``).
    """

    name: str
    title: str
    namespace: str
    workloads: tuple[Workload, ...]
    aliases: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    apiservices: tuple[str, ...] = ()
    webhooks: tuple[Webhook, ...] = ()
    crds: tuple[str, ...] = ()
    csidrivers: tuple[str, ...] = ()
    description: str = ""
    installed_by: str = ""
    eks_build: bool = True
    tag_prefix: str = "v"
    tag_variant: tuple[str, ...] = ()

    @property
    def version_workload(self) -> Workload | None:
        """The first workload with a ``version_container`` (None if none has one).

        >>> lookup("aws-ebs-csi-driver").version_workload.name
        'ebs-csi-controller'
        """
        return next((w for w in self.workloads if w.version_container), None)

    def expected_tag(self, spec_version: str) -> str:
        """The image tag the spec's version means for this add-on.

        A spec version without a build accepts any build of it.

        >>> lookup("kube-proxy").expected_tag("v1.31.2-eksbuild.3")
        'v1.31.2-minimal-eksbuild.3'
        >>> lookup("istio").expected_tag("v1.24.1")
        '1.24.1'
        """
        wanted = parse_spec_version(spec_version, addon=self.name)
        return format_tag(
            wanted, prefix=self.tag_prefix, variant=self.tag_variant, build=self.eks_build
        )

    def version_satisfied(self, spec_version: str, image: str) -> bool:
        """Whether a container image runs the version the spec asks for.

        Raises :class:`~clusterready.errors.SpecError` for a spec version that is
        not one (``latest``).

        >>> aws_node = lookup("aws-node")
        >>> image = "602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni:v1.19.0-eksbuild.1"
        >>> [aws_node.version_satisfied(v, image) for v in ("v1.19.0-eksbuild.1", "1.19.0",
        ...                                                  "v1.19.0-eksbuild.2", "v1.18.3")]
        [True, True, False, False]
        """
        wanted = parse_spec_version(spec_version, addon=self.name)
        return satisfies(wanted, parse_tag(image_tag(image)), eks_build=self.eks_build)

    def version_mismatch(self, spec_version: str, image: str) -> str | None:
        """None when ``image`` runs the spec's version, else what was expected and seen.

        >>> lookup("coredns").version_mismatch("v1.11.3-eksbuild.2", "registry.local/coredns")
        'expected v1.11.3-eksbuild.2, running an image without a tag (registry.local/coredns)'
        """
        if self.version_satisfied(spec_version, image):
            return None
        tag = image_tag(image)
        running = tag if tag else f"an image without a tag ({image})"
        return f"expected {self.expected_tag(spec_version)}, running {running}"


def _labels(**labels: str) -> Mapping[str, str]:
    return MappingProxyType(dict(labels))


def _k8s_app(value: str) -> Mapping[str, str]:
    return MappingProxyType({"k8s-app": value})


def _helm(name: str) -> Mapping[str, str]:
    return MappingProxyType({"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name})


_ENTRIES = (
    AddOn(
        name="coredns",
        title="CoreDNS",
        namespace="kube-system",
        workloads=(
            Workload(
                "Deployment",
                "coredns",
                MappingProxyType({"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns"}),
                ("coredns",),
                "coredns",
                "eks/coredns",
            ),
        ),
        services=("kube-dns",),
        description="The cluster DNS: every Service name lookup goes through it.",
        installed_by="EKS add-on `coredns`",
    ),
    AddOn(
        name="kube-proxy",
        title="kube-proxy",
        namespace="kube-system",
        workloads=(
            Workload(
                "DaemonSet",
                "kube-proxy",
                _k8s_app("kube-proxy"),
                ("kube-proxy",),
                "kube-proxy",
                "eks/kube-proxy",
            ),
        ),
        description="Programs each node's iptables/IPVS rules that route Service IPs to pods.",
        installed_by="EKS add-on `kube-proxy`",
        tag_variant=("minimal",),
    ),
    AddOn(
        name="aws-node",
        title="Amazon VPC CNI",
        namespace="kube-system",
        aliases=("vpc-cni",),
        workloads=(
            Workload(
                "DaemonSet",
                "aws-node",
                _k8s_app("aws-node"),
                ("aws-node", "aws-eks-nodeagent"),
                "aws-node",
                "amazon-k8s-cni",
            ),
        ),
        description="The pod network: gives pods VPC IP addresses; a node is NotReady without it.",
        installed_by="EKS add-on `vpc-cni`",
    ),
    AddOn(
        name="metrics-server",
        title="Metrics Server",
        namespace="kube-system",
        workloads=(
            Workload(
                "Deployment",
                "metrics-server",
                _k8s_app("metrics-server"),
                ("metrics-server",),
                "metrics-server",
                "metrics-server/metrics-server",
            ),
        ),
        services=("metrics-server",),
        apiservices=("v1beta1.metrics.k8s.io",),
        description="Serves the resource metrics API that `kubectl top` and autoscalers read.",
        installed_by="upstream manifest (components.yaml) or EKS add-on `metrics-server`",
        eks_build=False,
    ),
    AddOn(
        name="cluster-autoscaler",
        title="Cluster Autoscaler",
        namespace="kube-system",
        workloads=(
            Workload(
                "Deployment",
                "cluster-autoscaler",
                _labels(app="cluster-autoscaler"),
                ("cluster-autoscaler",),
                "cluster-autoscaler",
                "autoscaling/cluster-autoscaler",
            ),
        ),
        description="Adds nodes when pods cannot be scheduled, removes idle ones.",
        installed_by="AWS's auto-discovery manifest (cluster-autoscaler-autodiscover.yaml)",
        eks_build=False,
    ),
    AddOn(
        name="aws-load-balancer-controller",
        title="AWS Load Balancer Controller",
        namespace="kube-system",
        aliases=("aws-lb-controller",),
        workloads=(
            Workload(
                "Deployment",
                "aws-load-balancer-controller",
                _helm("aws-load-balancer-controller"),
                ("aws-load-balancer-controller",),
                "aws-load-balancer-controller",
                "eks/aws-load-balancer-controller",
            ),
        ),
        services=("aws-load-balancer-webhook-service",),
        webhooks=(
            Webhook("mutating", "aws-load-balancer-webhook", "aws-load-balancer-webhook-service"),
            Webhook("validating", "aws-load-balancer-webhook", "aws-load-balancer-webhook-service"),
        ),
        crds=("targetgroupbindings.elbv2.k8s.aws", "ingressclassparams.elbv2.k8s.aws"),
        description="Makes ALBs for Ingresses and NLBs for Services; its webhooks admit pods.",
        installed_by="helm chart `eks/aws-load-balancer-controller`",
        eks_build=False,
    ),
    AddOn(
        name="aws-ebs-csi-driver",
        title="Amazon EBS CSI driver",
        namespace="kube-system",
        aliases=("ebs-csi-driver",),
        workloads=(
            Workload(
                "Deployment",
                "ebs-csi-controller",
                _labels(
                    app="ebs-csi-controller", **{"app.kubernetes.io/name": "aws-ebs-csi-driver"}
                ),
                (
                    "ebs-plugin",
                    "csi-provisioner",
                    "csi-attacher",
                    "csi-snapshotter",
                    "csi-resizer",
                    "liveness-probe",
                ),
                "ebs-plugin",
                "eks/aws-ebs-csi-driver",
            ),
            Workload(
                "DaemonSet",
                "ebs-csi-node",
                _labels(app="ebs-csi-node", **{"app.kubernetes.io/name": "aws-ebs-csi-driver"}),
                ("ebs-plugin", "node-driver-registrar", "liveness-probe"),
                "ebs-plugin",
                "eks/aws-ebs-csi-driver",
            ),
        ),
        csidrivers=("ebs.csi.aws.com",),
        description="Provisions and attaches EBS volumes for PersistentVolumeClaims.",
        installed_by="EKS add-on `aws-ebs-csi-driver`",
        eks_build=False,
    ),
    AddOn(
        name="istio",
        title="Istio (istiod)",
        namespace="istio-system",
        aliases=("istiod",),
        workloads=(
            Workload(
                "Deployment",
                "istiod",
                _labels(istio="pilot"),
                ("discovery",),
                "discovery",
                "istio/pilot",
            ),
        ),
        services=("istiod",),
        webhooks=(
            Webhook("mutating", "istio-sidecar-injector", "istiod"),
            Webhook("validating", "istio-validator-istio-system", "istiod"),
        ),
        crds=(
            "authorizationpolicies.security.istio.io",
            "destinationrules.networking.istio.io",
            "envoyfilters.networking.istio.io",
            "gateways.networking.istio.io",
            "peerauthentications.security.istio.io",
            "requestauthentications.security.istio.io",
            "serviceentries.networking.istio.io",
            "sidecars.networking.istio.io",
            "telemetries.telemetry.istio.io",
            "virtualservices.networking.istio.io",
        ),
        description="The service mesh control plane: injects sidecars, validates mesh config.",
        installed_by="helm charts `istio/base` and `istio/istiod`",
        eks_build=False,
        tag_prefix="",
    ),
    AddOn(
        name="fluent-bit",
        title="Fluent Bit (aws-for-fluent-bit)",
        namespace="kube-system",
        aliases=("aws-for-fluent-bit",),
        workloads=(
            Workload(
                "DaemonSet",
                "aws-for-fluent-bit",
                _helm("aws-for-fluent-bit"),
                ("aws-for-fluent-bit",),
                "aws-for-fluent-bit",
                "aws-observability/aws-for-fluent-bit",
            ),
        ),
        description="The logging agent on each node: ships container logs to CloudWatch.",
        installed_by="helm chart `eks/aws-for-fluent-bit`",
        eks_build=False,
        tag_prefix="",
    ),
)

#: Every add-on clusterready knows, by canonical name.
REGISTRY: Mapping[str, AddOn] = MappingProxyType({a.name: a for a in _ENTRIES})

_BY_NAME: Mapping[str, AddOn] = MappingProxyType(
    {name: a for a in _ENTRIES for name in (a.name, *a.aliases)}
)


def lookup(name: str) -> AddOn | None:
    """The add-on of a canonical name or an alias (any case); None when unknown.

    >>> lookup("VPC-CNI").name, lookup("nginx") is None
    ('aws-node', True)
    """
    return _BY_NAME.get(name.lower())


def known_names(*, aliases: bool = False) -> tuple[str, ...]:
    """The canonical names, in registry order; with ``aliases``, the aliases too.

    >>> known_names()[:3]
    ('coredns', 'kube-proxy', 'aws-node')
    >>> "vpc-cni" in known_names(aliases=True)
    True
    """
    return tuple(_BY_NAME) if aliases else tuple(REGISTRY)


def reference_table() -> str:
    """docs/addons.md's table of add-ons, one row each (tests keep the two in sync).

    >>> reference_table().splitlines()[0].split(" | ")[:3]
    ['| Add-on', 'What it is', 'Namespace']
    """
    rows = [
        "| Add-on | What it is | Namespace | Workloads (pod selector) | Must answer "
        "| Version tag |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for addon in _ENTRIES:
        name = f"`{addon.name}`" + "".join(f"<br>(`{alias}`)" for alias in addon.aliases)
        what = f"**{addon.title}**. {addon.description} Installed by {addon.installed_by}."
        workloads = "<br>".join(f"{w.kind} `{w.name}` (`{w.selector()}`)" for w in addon.workloads)
        answers = [f"Service `{s}`" for s in addon.services]
        answers += [f"APIService `{s}`" for s in addon.apiservices]
        answers += [f"{w.kind} webhook `{w.name}`" for w in addon.webhooks]
        answers += [f"CRD `{c}`" for c in addon.crds]
        answers += [f"CSIDriver `{d}`" for d in addon.csidrivers]
        version = addon.version_workload
        scheme = addon.tag_prefix + "X.Y.Z" + "".join(f"-{w}" for w in addon.tag_variant)
        scheme += "-eksbuild.N" if addon.eks_build else ""
        source = (
            f"container `{version.version_container}`, image `{version.image}:{scheme}`"
            if version
            else "-"
        )
        rows.append(
            f"| {name} | {what} | `{addon.namespace}` | {workloads} | "
            f"{'<br>'.join(answers) or '-'} | {source} |"
        )
    return "\n".join(rows)
