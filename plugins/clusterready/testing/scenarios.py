"""EKS cluster states for FakeCluster: one healthy cluster, and named ways to break it.

:func:`healthy` returns the objects of a Kubernetes 1.31 EKS cluster with three
Ready nodes and every add-on of :data:`clusterready.addons.REGISTRY` rolled out:
Deployments with their ReplicaSets, DaemonSets with a pod per node, pods Ready
with the images of :func:`spec`'s versions, Services with Endpoints and
EndpointSlices, APIServices Available, webhook configurations, CRDs Established,
a CSIDriver, events, and container logs (``kind: PodLogs`` documents, which
FakeCluster turns into what ``kubectl logs`` shows). The objects agree with each
other as on a real cluster: pods point at their owners, carry the labels their
owners select, and every status count is computed from the pods.

Each :class:`Breakage` of :data:`BREAKAGES` changes that state the way a real
failure does, and says which checks must then fail (``broken``: add-on names,
and ``"cluster"`` for the cluster-level checks: nodes Ready without pressure,
kube-system's pods Ready) and what a good failure report must show (``reasons``).

>>> from clusterready.testing import FakeCluster
>>> with load(FakeCluster(version="1.31"), "cni-crashloop") as fake:
...     [p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
...      for p in fake.objects("pods") if p["metadata"]["name"].startswith("aws-node-")
...      and not p["status"]["containerStatuses"][0]["ready"]]
['CrashLoopBackOff']
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, TypeVar

from clusterready.addons import REGISTRY, AddOn, Workload
from clusterready.kube.discovery import ResourceType
from clusterready.testing.fakekube import LOGS_API_VERSION, FakeCluster

__all__ = [
    "BREAKAGES",
    "CLUSTER_NAME",
    "KINDS",
    "KUBERNETES_VERSION",
    "NODES",
    "VERSIONS",
    "Breakage",
    "cluster",
    "healthy",
    "load",
    "reference_table",
    "scenario",
    "spec",
]

Obj = dict[str, Any]
_Fake = TypeVar("_Fake", bound=FakeCluster)

CLUSTER_NAME = "demo-eks"
KUBERNETES_VERSION = "1.31"
REGION = "eu-west-1"
ECR = f"602401143452.dkr.ecr.{REGION}.amazonaws.com"
KUBELET_VERSION = "v1.31.2-eks-7f9249a"

#: The add-on versions the healthy cluster runs (and :func:`spec` asks for).
VERSIONS: Mapping[str, str] = MappingProxyType(
    {
        "coredns": "v1.11.3-eksbuild.2",
        "kube-proxy": "v1.31.2-eksbuild.3",
        "aws-node": "v1.19.0-eksbuild.1",
        "metrics-server": "v0.7.2",
        "cluster-autoscaler": "v1.31.0",
        "aws-load-balancer-controller": "v2.10.0",
        "aws-ebs-csi-driver": "v1.37.0-eksbuild.1",
        "istio": "1.24.1",
        "fluent-bit": "2.32.4",
    }
)

#: The three worker nodes: (name, availability zone, internal IP). The third one
#: joined last and runs only DaemonSet pods.
NODES: tuple[tuple[str, str, str], ...] = (
    ("ip-10-0-1-23.eu-west-1.compute.internal", "eu-west-1a", "10.0.1.23"),
    ("ip-10-0-2-141.eu-west-1.compute.internal", "eu-west-1b", "10.0.2.141"),
    ("ip-10-0-3-77.eu-west-1.compute.internal", "eu-west-1c", "10.0.3.77"),
)

# Where each add-on's version image comes from (EKS add-ons: the EKS registry).
_REGISTRY_HOST = {
    "metrics-server": "registry.k8s.io",
    "cluster-autoscaler": "registry.k8s.io",
    "aws-load-balancer-controller": "public.ecr.aws",
    "istio": "docker.io",
    "fluent-bit": "public.ecr.aws",
}
# The images of the containers that do not carry the add-on's version.
_SIDECARS = {
    "aws-eks-nodeagent": f"{ECR}/amazon/aws-network-policy-agent:v1.1.5-eksbuild.1",
    "csi-provisioner": f"{ECR}/eks/csi-provisioner:v5.1.0-eksbuild.4",
    "csi-attacher": f"{ECR}/eks/csi-attacher:v4.7.0-eksbuild.4",
    "csi-snapshotter": f"{ECR}/eks/csi-snapshotter:v8.1.0-eksbuild.5",
    "csi-resizer": f"{ECR}/eks/csi-resizer:v1.12.0-eksbuild.4",
    "liveness-probe": f"{ECR}/eks/livenessprobe:v2.14.0-eksbuild.4",
    "node-driver-registrar": f"{ECR}/eks/csi-node-driver-registrar:v2.12.0-eksbuild.4",
}
_REPLICAS = {
    "coredns": 2,
    "metrics-server": 2,
    "cluster-autoscaler": 1,
    "aws-load-balancer-controller": 2,
    "ebs-csi-controller": 2,
    "istiod": 1,
}
# The Kind of each CRD of the registry, by plural (its version: _CRD_VERSIONS, else v1).
_CRD_KINDS = {
    "targetgroupbindings": "TargetGroupBinding",
    "ingressclassparams": "IngressClassParams",
    "authorizationpolicies": "AuthorizationPolicy",
    "destinationrules": "DestinationRule",
    "envoyfilters": "EnvoyFilter",
    "gateways": "Gateway",
    "peerauthentications": "PeerAuthentication",
    "requestauthentications": "RequestAuthentication",
    "serviceentries": "ServiceEntry",
    "sidecars": "Sidecar",
    "telemetries": "Telemetry",
    "virtualservices": "VirtualService",
}
# DaemonSets whose pods use the node's network (and so the node's IP).
_HOST_NETWORK = {"aws-node", "kube-proxy"}
# Service name -> (cluster IP, ports, the workload whose pods back it).
_SERVICES: dict[str, tuple[str, list[Obj], str]] = {
    "kube-dns": (
        "10.100.0.10",
        [
            {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
            {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
            {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
        ],
        "coredns",
    ),
    "metrics-server": (
        "10.100.84.212",
        [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 10251}],
        "metrics-server",
    ),
    "aws-load-balancer-webhook-service": (
        "10.100.171.9",
        [{"name": "webhook-server", "port": 443, "protocol": "TCP", "targetPort": 9443}],
        "aws-load-balancer-controller",
    ),
    "istiod": (
        "10.100.40.187",
        [
            {"name": "grpc-xds", "port": 15010, "protocol": "TCP", "targetPort": 15010},
            {"name": "https-dns", "port": 15012, "protocol": "TCP", "targetPort": 15012},
            {"name": "https-webhook", "port": 443, "protocol": "TCP", "targetPort": 15017},
            {"name": "http-monitoring", "port": 15014, "protocol": "TCP", "targetPort": 15014},
        ],
        "istiod",
    ),
}
# Webhook configuration name -> its webhooks: (name, path).
_WEBHOOKS = {
    ("mutating", "aws-load-balancer-webhook"): [
        ("mpod.elbv2.k8s.aws", "/mutate-v1-pod"),
        ("mservice.elbv2.k8s.aws", "/mutate-v1-service"),
        ("mtargetgroupbinding.elbv2.k8s.aws", "/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding"),
    ],
    ("validating", "aws-load-balancer-webhook"): [
        ("vingress.elbv2.k8s.aws", "/validate-networking-v1-ingress"),
        ("vtargetgroupbinding.elbv2.k8s.aws", "/validate-elbv2-k8s-aws-v1beta1-targetgroupbinding"),
    ],
    ("mutating", "istio-sidecar-injector"): [
        ("rev.namespace.sidecar-injector.istio.io", "/inject"),
        ("rev.object.sidecar-injector.istio.io", "/inject"),
    ],
    ("validating", "istio-validator-istio-system"): [("rev.validation.istio.io", "/validate")],
}
_CRD_VERSIONS = {"elbv2.k8s.aws": "v1beta1", "networking.istio.io": "v1"}
#: The resource types of the scenarios beyond FakeCluster's built-in ones, with the
#: short names kubectl knows them by (``kubectl get crd``).
KINDS: tuple[ResourceType, ...] = (
    ResourceType("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    ResourceType("apiregistration.k8s.io", "v1", "apiservices", "APIService", False),
    ResourceType(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
    ),
    ResourceType(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        False,
    ),
    ResourceType(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        False,
    ),
    ResourceType("storage.k8s.io", "v1", "csidrivers", "CSIDriver", False),
)
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # what Kubernetes draws name suffixes from


# --------------------------------------------------------------------------- helpers


def _suffix(seed: str, length: int) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:length])


def _uid(kind: str, namespace: str, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"clusterready:{kind}/{namespace}/{name}"))


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _meta(kind: str, name: str, namespace: str | None, created: datetime, **extra: Any) -> Obj:
    meta: Obj = {"name": name, "uid": _uid(kind, namespace or "", name)}
    if namespace is not None:
        meta["namespace"] = namespace
    meta["creationTimestamp"] = _stamp(created)
    meta.update(extra)
    return meta


def _owner(obj: Obj) -> Obj:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _condition(kind: str, status: bool, reason: str, message: str, when: datetime) -> Obj:
    return {
        "type": kind,
        "status": "True" if status else "False",
        "lastTransitionTime": _stamp(when),
        "reason": reason,
        "message": message,
    }


def _image(addon: AddOn, workload: Workload, container: str, version: str) -> str:
    if container != workload.version_container:
        return _SIDECARS[container]
    host = _REGISTRY_HOST.get(addon.name, ECR)
    return f"{host}/{workload.image}:{addon.expected_tag(version)}"


def _image_id(image: str) -> str:
    repository = image.rsplit(":", 1)[0]
    return f"{repository}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


# --------------------------------------------------------------------------- the cluster


def _node(index: int, now: datetime) -> Obj:
    name, zone, ip = NODES[index]
    created = now - (timedelta(hours=2, minutes=15) if index == 2 else timedelta(days=6))
    heartbeat = now - timedelta(seconds=20)
    instance = f"i-0{hashlib.sha256(name.encode()).hexdigest()[:16]}"

    def pressure(kind: str, reason: str, message: str) -> Obj:
        found = _condition(kind, False, reason, message, created)
        found["lastHeartbeatTime"] = _stamp(heartbeat)
        return found

    ready = _condition("Ready", True, "KubeletReady", "kubelet is posting ready status", created)
    ready["lastHeartbeatTime"] = _stamp(heartbeat)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": _meta(
            "Node",
            name,
            None,
            created,
            labels={
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/instance-type": "m5.large",
                "beta.kubernetes.io/os": "linux",
                "eks.amazonaws.com/capacityType": "ON_DEMAND",
                "eks.amazonaws.com/nodegroup": "default",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": "m5.large",
                "topology.kubernetes.io/region": REGION,
                "topology.kubernetes.io/zone": zone,
            },
            annotations={"node.alpha.kubernetes.io/ttl": "0"},
        ),
        "spec": {"providerID": f"aws:///{zone}/{instance}"},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "InternalDNS", "address": name},
                {"type": "Hostname", "address": name},
            ],
            "allocatable": {
                "cpu": "1930m",
                "ephemeral-storage": "76224326324",
                "memory": "7220184Ki",
                "pods": "29",
            },
            "capacity": {
                "cpu": "2",
                "ephemeral-storage": "83873772Ki",
                "memory": "7910360Ki",
                "pods": "29",
            },
            "conditions": [
                pressure(
                    "MemoryPressure",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                pressure(
                    "DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"
                ),
                pressure("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID"),
                ready,
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": str(uuid.uuid5(uuid.NAMESPACE_URL, "boot:" + name)),
                "containerRuntimeVersion": "containerd://1.7.23",
                "kernelVersion": "6.1.115-126.197.amzn2023.x86_64",
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": hashlib.md5(name.encode(), usedforsecurity=False).hexdigest(),
                "operatingSystem": "linux",
                "osImage": "Amazon Linux 2023.6.20241121",
                "systemUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, "system:" + name)),
            },
        },
    }


def _pod_template(addon: AddOn, workload: Workload, version: str) -> Obj:
    labels = dict(workload.labels)
    if addon.name == "istio":
        labels.update(
            {"app": "istiod", "istio.io/rev": "default", "sidecar.istio.io/inject": "false"}
        )
    return {
        "metadata": {"labels": labels},
        "spec": {
            "containers": [
                {"name": c, "image": _image(addon, workload, c, version)}
                for c in workload.containers
            ],
            "serviceAccountName": workload.name,
            **({"hostNetwork": True} if workload.name in _HOST_NETWORK else {}),
            "priorityClassName": "system-node-critical"
            if workload.kind == "DaemonSet"
            else "system-cluster-critical",
        },
    }


def _pod(
    owner: Obj, name: str, template: Obj, node: int, ip: str, started: datetime, extra: Obj
) -> Obj:
    meta = owner["metadata"]
    spec = copy.deepcopy(template["spec"])
    spec["nodeName"] = NODES[node][0]
    statuses = [
        {
            "name": c["name"],
            "image": c["image"],
            "imageID": _image_id(c["image"]),
            "containerID": "containerd://"
            + hashlib.sha256((name + c["name"]).encode()).hexdigest(),
            "ready": True,
            "started": True,
            "restartCount": 0,
            "state": {"running": {"startedAt": _stamp(started + timedelta(seconds=4))}},
        }
        for c in spec["containers"]
    ]
    ready_at = started + timedelta(seconds=9)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(
            "Pod",
            name,
            meta["namespace"],
            started,
            labels={**template["metadata"]["labels"], **extra},
            ownerReferences=[_owner(owner)],
        ),
        "spec": spec,
        "status": {
            "phase": "Running",
            "conditions": [
                {
                    "type": "PodReadyToStartContainers",
                    "status": "True",
                    "lastTransitionTime": _stamp(started),
                },
                {"type": "Initialized", "status": "True", "lastTransitionTime": _stamp(started)},
                {"type": "Ready", "status": "True", "lastTransitionTime": _stamp(ready_at)},
                {
                    "type": "ContainersReady",
                    "status": "True",
                    "lastTransitionTime": _stamp(ready_at),
                },
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": _stamp(started)},
            ],
            "hostIP": NODES[node][2],
            "hostIPs": [{"ip": NODES[node][2]}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "qosClass": "Burstable",
            "startTime": _stamp(started),
            "containerStatuses": statuses,
        },
    }


def _pod_ip(workload: Workload, node: int, taken: set[str]) -> str:
    """The node's IP for host-network pods, else the next free address of its subnet."""
    if workload.name in _HOST_NETWORK:
        return NODES[node][2]
    start = int(hashlib.sha256(workload.name.encode()).hexdigest(), 16) % 180 + 30
    for offset in range(220):
        ip = f"10.0.{node + 1}.{(start + offset) % 220 + 30}"
        if ip not in taken:
            taken.add(ip)
            return ip
    raise ValueError(f"no free pod IP left on {NODES[node][0]}")


def _deployment(
    addon: AddOn, workload: Workload, version: str, now: datetime, taken: set[str]
) -> list[Obj]:
    created = now - timedelta(days=5, hours=23)
    namespace, name = addon.namespace, workload.name
    template = _pod_template(addon, workload, version)
    replicas = _REPLICAS[name]
    deployment: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(
            "Deployment",
            name,
            namespace,
            created,
            generation=1,
            labels=dict(workload.labels),
            annotations={"deployment.kubernetes.io/revision": "1"},
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(workload.labels)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "progressDeadlineSeconds": 600,
            "template": template,
        },
    }
    template_hash = _suffix(json.dumps(template, sort_keys=True), 10)
    rs_name = f"{name}-{template_hash}"
    rs_template = copy.deepcopy(template)
    rs_template["metadata"]["labels"]["pod-template-hash"] = template_hash
    replicaset: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": _meta(
            "ReplicaSet",
            rs_name,
            namespace,
            created,
            generation=1,
            labels={**workload.labels, "pod-template-hash": template_hash},
            annotations={
                "deployment.kubernetes.io/desired-replicas": str(replicas),
                "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                "deployment.kubernetes.io/revision": "1",
            },
            ownerReferences=[_owner(deployment)],
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {**workload.labels, "pod-template-hash": template_hash}},
            "template": rs_template,
        },
    }
    pods = [
        _pod(
            replicaset,
            f"{rs_name}-{_suffix(f'{rs_name}/{i}', 5)}",
            template,
            i % 2,
            _pod_ip(workload, i % 2, taken),
            created + timedelta(seconds=3),
            {"pod-template-hash": template_hash},
        )
        for i in range(replicas)
    ]
    return [deployment, replicaset, *pods]


def _daemonset(
    addon: AddOn, workload: Workload, version: str, now: datetime, taken: set[str]
) -> list[Obj]:
    created = now - timedelta(days=5, hours=23, minutes=30)
    namespace, name = addon.namespace, workload.name
    template = _pod_template(addon, workload, version)
    daemonset: Obj = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": _meta(
            "DaemonSet",
            name,
            namespace,
            created,
            generation=1,
            labels=dict(workload.labels),
            annotations={"deprecated.daemonset.template.generation": "1"},
        ),
        "spec": {
            "selector": {"matchLabels": dict(workload.labels)},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
            "template": template,
        },
    }
    revision = _suffix(json.dumps(template, sort_keys=True), 10)
    pods = []
    for node in range(len(NODES)):
        joined = now - timedelta(hours=2, minutes=14) if node == 2 else created
        pod = _pod(
            daemonset,
            f"{name}-{_suffix(f'{name}/{node}', 5)}",
            template,
            node,
            _pod_ip(workload, node, taken),
            joined + timedelta(seconds=2),
            {"controller-revision-hash": revision, "pod-template-generation": "1"},
        )
        # The DaemonSet controller pins each pod to its node.
        pod["spec"]["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchFields": [
                                {
                                    "key": "metadata.name",
                                    "operator": "In",
                                    "values": [NODES[node][0]],
                                }
                            ]
                        }
                    ]
                }
            }
        }
        pods.append(pod)
    return [daemonset, *pods]


def _service(addon: AddOn, name: str, workloads: Mapping[str, Workload], now: datetime) -> Obj:
    ip, ports, backing = _SERVICES[name]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(
            "Service",
            name,
            addon.namespace,
            now - timedelta(days=5, hours=23),
            labels=dict(workloads[backing].labels),
        ),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": ip,
            "clusterIPs": [ip],
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": ports,
            "selector": dict(workloads[backing].labels),
            "sessionAffinity": "None",
        },
        "status": {"loadBalancer": {}},
    }


def _endpoint_objects(service: Obj) -> list[Obj]:
    meta = service["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    created = datetime.strptime(meta["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    endpoints: Obj = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": _meta("Endpoints", name, namespace, created, labels=dict(meta["labels"])),
        "subsets": [],
    }
    slice_name = f"{name}-{_suffix(name + '/slice', 5)}"
    endpointslice: Obj = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": _meta(
            "EndpointSlice",
            slice_name,
            namespace,
            created,
            labels={
                **meta["labels"],
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                "kubernetes.io/service-name": name,
            },
            ownerReferences=[_owner(service)],
        ),
        "addressType": "IPv4",
        "endpoints": [],
        "ports": [
            {"name": p["name"], "port": p["targetPort"], "protocol": p["protocol"]}
            for p in service["spec"]["ports"]
        ],
    }
    return [endpoints, endpointslice]


def _crd(name: str, now: datetime) -> Obj:
    plural, _, group = name.partition(".")
    kind = _CRD_KINDS[plural]
    version = _CRD_VERSIONS.get(group, "v1")
    created = now - timedelta(days=5, hours=23, minutes=40)
    names = {
        "plural": plural,
        "singular": kind.lower(),
        "kind": kind,
        "listKind": f"{kind}List",
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": _meta("CustomResourceDefinition", name, None, created, generation=1),
        "spec": {
            "group": group,
            "names": names,
            "scope": "Cluster" if plural == "ingressclassparams" else "Namespaced",
            "versions": [{"name": version, "served": True, "storage": True}],
        },
        "status": {
            "acceptedNames": names,
            "conditions": [
                _condition("NamesAccepted", True, "NoConflicts", "no conflicts found", created),
                _condition(
                    "Established",
                    True,
                    "InitialNamesAccepted",
                    "the initial names have been accepted",
                    created,
                ),
            ],
            "storedVersions": [version],
        },
    }


def _webhook_configuration(addon: AddOn, kind: str, name: str, service: str, now: datetime) -> Obj:
    resource = f"{kind.capitalize()}WebhookConfiguration"
    ca = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMuLi4KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
    webhooks = []
    for hook, path in _WEBHOOKS[(kind, name)]:
        webhook: Obj = {
            "name": hook,
            "admissionReviewVersions": ["v1", "v1beta1"],
            "clientConfig": {
                "caBundle": ca,
                "service": {
                    "name": service,
                    "namespace": addon.namespace,
                    "path": path,
                    "port": 443,
                },
            },
            "failurePolicy": "Fail",
            "matchPolicy": "Equivalent",
            "sideEffects": "None",
            "timeoutSeconds": 10,
        }
        if kind == "mutating":
            webhook["reinvocationPolicy"] = "Never"
        webhooks.append(webhook)
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": resource,
        "metadata": _meta(resource, name, None, now - timedelta(days=5, hours=23), generation=1),
        "webhooks": webhooks,
    }


def _apiservice(addon: AddOn, name: str, now: datetime) -> Obj:
    version, _, group = name.partition(".")
    created = now - timedelta(days=5, hours=23)
    return {
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": _meta("APIService", name, None, created, labels={"k8s-app": addon.name}),
        "spec": {
            "group": group,
            "version": version,
            "groupPriorityMinimum": 100,
            "versionPriority": 100,
            "insecureSkipTLSVerify": True,
            "service": {"name": addon.services[0], "namespace": addon.namespace, "port": 443},
        },
        "status": {
            "conditions": [
                _condition(
                    "Available",
                    True,
                    "Passed",
                    "all checks passed",
                    created + timedelta(seconds=40),
                )
            ]
        },
    }


def _csidriver(name: str, now: datetime) -> Obj:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "CSIDriver",
        "metadata": _meta("CSIDriver", name, None, now - timedelta(days=5, hours=23)),
        "spec": {
            "attachRequired": True,
            "fsGroupPolicy": "ReadWriteOnceWithFSType",
            "podInfoOnMount": False,
            "requiresRepublish": False,
            "seLinuxMount": False,
            "storageCapacity": False,
            "volumeLifecycleModes": ["Persistent"],
        },
    }


def _event(
    involved: Obj,
    reason: str,
    message: str,
    when: datetime,
    *,
    type_: str = "Normal",
    component: str = "kubelet",
    count: int = 1,
    first: datetime | None = None,
    field_path: str = "",
) -> Obj:
    meta = involved["metadata"]
    namespace = meta.get("namespace", "default")
    digest = hashlib.sha256(f"{meta['name']}/{reason}/{message}".encode()).hexdigest()
    name = f"{meta['name']}.{digest[:16]}"
    reference: Obj = {
        "apiVersion": involved["apiVersion"],
        "kind": involved["kind"],
        "name": meta["name"],
        "namespace": namespace if "namespace" in meta else "",
        "uid": meta["uid"],
    }
    if field_path:
        reference["fieldPath"] = field_path
    source: Obj = {"component": component}
    if component == "kubelet" and involved["kind"] == "Pod":
        source["host"] = involved["spec"]["nodeName"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": _meta("Event", name, namespace, first or when),
        "involvedObject": reference,
        "reason": reason,
        "message": message,
        "type": type_,
        "count": count,
        "firstTimestamp": _stamp(first or when),
        "lastTimestamp": _stamp(when),
        "source": source,
        "reportingComponent": component,
        "reportingInstance": source.get("host", ""),
    }


def _logs(pod: Obj, container: str, text: str) -> Obj:
    meta = pod["metadata"]
    return {
        "apiVersion": LOGS_API_VERSION,
        "kind": "PodLogs",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
        "containers": {container: text},
    }


# --------------------------------------------------------------------------- status from pods


def _ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in pod.get("status", {}).get("conditions", [])
    )


def _owned(objects: Iterable[Obj], owner: Obj) -> list[Obj]:
    uid = owner["metadata"]["uid"]
    return [
        o
        for o in objects
        if any(ref.get("uid") == uid for ref in o.get("metadata", {}).get("ownerReferences", []))
    ]


def _recount(objects: list[Obj], now: datetime) -> list[Obj]:
    """Set every status count (ReplicaSets, Deployments, DaemonSets, Endpoints,
    EndpointSlices) from the pods, as the controllers would."""
    pods = [o for o in objects if o.get("kind") == "Pod"]
    for rs in (o for o in objects if o.get("kind") == "ReplicaSet"):
        mine = _owned(pods, rs)
        ready = sum(map(_ready, mine))
        rs["status"] = {
            "replicas": len(mine),
            "fullyLabeledReplicas": len(mine),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": rs["metadata"]["generation"],
        }
    for deployment in (o for o in objects if o.get("kind") == "Deployment"):
        sets = _owned(objects, deployment)
        mine = [p for rs in sets for p in _owned(pods, rs)]
        ready = sum(map(_ready, mine))
        wanted = deployment["spec"]["replicas"]
        available = ready >= wanted - wanted // 4
        status: Obj = {
            "observedGeneration": deployment["metadata"]["generation"],
            "replicas": len(mine),
            "updatedReplicas": len(mine),
            "readyReplicas": ready,
            "availableReplicas": ready,
        }
        if wanted > ready:
            status["unavailableReplicas"] = wanted - ready
        rs_name = sets[0]["metadata"]["name"]
        since = now - timedelta(days=5, hours=23)
        done = ready == wanted
        status["conditions"] = [
            _condition(
                "Available",
                available,
                "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                "Deployment has minimum availability."
                if available
                else "Deployment does not have minimum availability.",
                since if available else now - timedelta(minutes=31),
            ),
            _condition(
                "Progressing",
                done,
                "NewReplicaSetAvailable" if done else "ProgressDeadlineExceeded",
                f'ReplicaSet "{rs_name}" has successfully progressed.'
                if done
                else f'ReplicaSet "{rs_name}" has timed out progressing.',
                since if done else now - timedelta(minutes=21),
            ),
        ]
        for condition in status["conditions"]:
            condition["lastUpdateTime"] = condition["lastTransitionTime"]
        deployment["status"] = status
    for daemonset in (o for o in objects if o.get("kind") == "DaemonSet"):
        mine = _owned(pods, daemonset)
        ready = sum(map(_ready, mine))
        desired = len(NODES)
        status = {
            "currentNumberScheduled": len(mine),
            "desiredNumberScheduled": desired,
            "numberAvailable": ready,
            "numberMisscheduled": 0,
            "numberReady": ready,
            "observedGeneration": daemonset["metadata"]["generation"],
            "updatedNumberScheduled": len(mine),
        }
        if desired > ready:
            status["numberUnavailable"] = desired - ready
        daemonset["status"] = status
    services = {
        (o["metadata"]["namespace"], o["metadata"]["name"]): o
        for o in objects
        if o.get("kind") == "Service"
    }
    for obj in objects:
        if obj.get("kind") not in ("Endpoints", "EndpointSlice"):
            continue
        meta = obj["metadata"]
        name = meta["labels"].get("kubernetes.io/service-name", meta["name"])
        service = services[(meta["namespace"], name)]
        selector = service["spec"].get("selector")
        if not selector:
            continue
        backing = [
            p
            for p in pods
            if p["metadata"]["namespace"] == meta["namespace"]
            and p.get("status", {}).get("podIP")
            and all(p["metadata"].get("labels", {}).get(k) == v for k, v in selector.items())
        ]
        if obj["kind"] == "Endpoints":
            _fill_endpoints(obj, service, backing)
        else:
            _fill_slice(obj, backing)
    return objects


def _address(pod: Obj) -> Obj:
    meta = pod["metadata"]
    return {
        "ip": pod["status"]["podIP"],
        "nodeName": pod["spec"]["nodeName"],
        "targetRef": {
            "kind": "Pod",
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
        },
    }


def _fill_endpoints(endpoints: Obj, service: Obj, pods: list[Obj]) -> None:
    ports = [
        {"name": p["name"], "port": p["targetPort"], "protocol": p["protocol"]}
        for p in service["spec"]["ports"]
    ]
    subset: Obj = {}
    ready = [_address(p) for p in pods if _ready(p)]
    unready = [_address(p) for p in pods if not _ready(p)]
    if ready:
        subset["addresses"] = ready
    if unready:
        subset["notReadyAddresses"] = unready
    endpoints["subsets"] = [{**subset, "ports": ports}] if subset else []


def _fill_slice(endpointslice: Obj, pods: list[Obj]) -> None:
    zones = {name: zone for name, zone, _ in NODES}
    endpointslice["endpoints"] = [
        {
            "addresses": [p["status"]["podIP"]],
            "conditions": {"ready": _ready(p), "serving": _ready(p), "terminating": False},
            "nodeName": p["spec"]["nodeName"],
            "targetRef": _address(p)["targetRef"],
            "zone": zones[p["spec"]["nodeName"]],
        }
        for p in pods
    ]


# --------------------------------------------------------------------------- public


def _versions(versions: Mapping[str, str] | None) -> dict[str, str]:
    unknown = sorted(set(versions or {}) - set(VERSIONS))
    if unknown:
        raise KeyError(f"no add-on {unknown[0]!r} in the registry (known: {', '.join(VERSIONS)})")
    return {**VERSIONS, **(versions or {})}


def spec(versions: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The cluster spec (as a mapping) of the healthy cluster: every add-on, with the
    version it runs (``versions`` overrides some, as for :func:`healthy`).

    >>> from clusterready.spec import ClusterSpec
    >>> ClusterSpec.from_mapping(spec()).addon_version("aws-node")
    'v1.19.0-eksbuild.1'
    """
    return {
        "cluster": {"name": CLUSTER_NAME, "version": KUBERNETES_VERSION, "container_hub": ECR},
        "aws": {"region": REGION},
        "kube": {"namespace": "kube-system"},
        "addons": _versions(versions),
    }


def healthy(*, versions: Mapping[str, str] | None = None, now: datetime | None = None) -> list[Obj]:
    """The objects (and ``PodLogs``) of the healthy EKS cluster.

    ``versions`` overrides some add-ons' versions (the images follow; an add-on
    the registry does not know is a ``KeyError``); ``now`` is the moment the ages
    count back from (default: now).

    >>> objects = healthy()
    >>> sum(o["kind"] == "Pod" for o in objects), sum(o["kind"] == "CustomResourceDefinition"
    ...                                                for o in objects)
    (22, 12)
    >>> [n["status"]["nodeInfo"]["kubeletVersion"] for n in objects if n["kind"] == "Node"]
    ['v1.31.2-eks-7f9249a', 'v1.31.2-eks-7f9249a', 'v1.31.2-eks-7f9249a']
    """
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    chosen = _versions(versions)
    taken: set[str] = set()
    objects: list[Obj] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": _meta("Namespace", n, None, now - timedelta(days=6)),
            "status": {"phase": "Active"},
        }
        for n in ("default", "kube-node-lease", "kube-public", "kube-system", "istio-system")
    ]
    objects += [_node(i, now) for i in range(len(NODES))]
    objects += _kubernetes_service(now)
    for addon in REGISTRY.values():
        version = chosen[addon.name]
        workloads = {w.name: w for w in addon.workloads}
        for workload in addon.workloads:
            build = _deployment if workload.kind == "Deployment" else _daemonset
            objects += build(addon, workload, version, now, taken)
        for name in addon.services:
            service = _service(addon, name, workloads, now)
            objects += [service, *_endpoint_objects(service)]
        objects += [_apiservice(addon, name, now) for name in addon.apiservices]
        objects += [
            _webhook_configuration(addon, w.kind, w.name, w.service, now) for w in addon.webhooks
        ]
        objects += [_crd(name, now) for name in addon.crds]
        objects += [_csidriver(name, now) for name in addon.csidrivers]
    objects += _healthy_events_and_logs(objects, now)
    return _recount(objects, now)


def _kubernetes_service(now: datetime) -> list[Obj]:
    created = now - timedelta(days=6)
    service: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(
            "Service",
            "kubernetes",
            "default",
            created,
            labels={"component": "apiserver", "provider": "kubernetes"},
        ),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.100.0.1",
            "clusterIPs": ["10.100.0.1"],
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}],
        },
    }
    endpoints: Obj = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": _meta("Endpoints", "kubernetes", "default", created, labels={}),
        "subsets": [
            {
                "addresses": [{"ip": "10.0.1.201"}, {"ip": "10.0.2.18"}],
                "ports": [{"name": "https", "port": 443, "protocol": "TCP"}],
            }
        ],
    }
    return [service, endpoints]


def _find(objects: Iterable[Obj], kind: str, prefix: str, node: int | None = None) -> Obj:
    for obj in objects:
        named = obj.get("kind") == kind and obj["metadata"]["name"].startswith(prefix)
        if named and (node is None or obj["spec"].get("nodeName") == NODES[node][0]):
            return obj
    raise LookupError(f"no {kind} {prefix}* in the scenario")


def _log_lines(ts: str, *lines: tuple[str, str, str]) -> str:
    """JSON log lines as aws-node and the controllers write them: (level, caller, msg)."""
    return "".join(
        json.dumps({"level": level, "ts": ts, "caller": caller, "msg": msg}, separators=(",", ":"))
        + "\n"
        for level, caller, msg in lines
    )


_CNI_START = (
    ("info", "entrypoint.sh", "Validating env variables ..."),
    ("info", "entrypoint.sh", "Install CNI binaries.."),
    ("info", "entrypoint.sh", "Starting IPAM daemon... "),
    ("info", "entrypoint.sh", "Checking for IPAM connectivity... "),
)
_CNI_STARTED = (
    ("info", "entrypoint.sh", "Copying config file... "),
    ("info", "entrypoint.sh", "Successfully copied CNI plugin binary and config file."),
)
_CNI_FAILED = (
    (
        "error",
        "ipamd/ipamd.go:478",
        "Failed to call ec2:DescribeNetworkInterfaces due to missing permissions. Please refer "
        "to https://github.com/aws/amazon-vpc-cni-k8s/blob/master/docs/iam-policy.md to attach "
        "relevant policy to IAM role",
    ),
    (
        "error",
        "aws-k8s-agent/main.go:42",
        "Initialization failure: ipamd init: failed to retrieve attached ENIs info: "
        "UnauthorizedOperation: You are not authorized to perform this operation.",
    ),
    ("info", "entrypoint.sh", "Retrying waiting for IPAM-D"),
    ("error", "entrypoint.sh", "Timed out waiting for IPAM daemon to start:"),
)
_COREDNS_LOG = (
    ".:53\n[INFO] plugin/reload: Running configuration SHA512 = 8a7d59126e7f114ab49c6d2613be93d8"
    "ef7d408af8ee61a710210843dc409f03133727e38f64469d9bb180f396c84ebf48a42bde3b3769730865ca9df5"
    "eb281c\nCoreDNS-1.11.3\nlinux/amd64, go1.22.7, a6338e9\n"
)


def _healthy_events_and_logs(objects: list[Obj], now: datetime) -> list[Obj]:
    node = next(o for o in objects if o["kind"] == "Node" and o["metadata"]["name"] == NODES[2][0])
    joined = now - timedelta(hours=2, minutes=15)
    aws_node = _find(objects, "Pod", "aws-node-", 2)
    image = aws_node["spec"]["containers"][0]["image"]
    found = [
        _event(node, "Starting", "Starting kubelet.", joined, field_path=""),
        _event(
            node,
            "RegisteredNode",
            f"Node {NODES[2][0]} event: Registered Node {NODES[2][0]} in Controller",
            joined + timedelta(seconds=5),
            component="node-controller",
        ),
        _event(
            aws_node,
            "Scheduled",
            f"Successfully assigned kube-system/{aws_node['metadata']['name']} to {NODES[2][0]}",
            joined + timedelta(seconds=2),
            component="default-scheduler",
        ),
        _event(
            aws_node,
            "Pulled",
            f'Container image "{image}" already present on machine',
            joined + timedelta(seconds=3),
            field_path="spec.containers{aws-node}",
        ),
        _event(
            aws_node,
            "Started",
            "Started container aws-node",
            joined + timedelta(seconds=4),
            field_path="spec.containers{aws-node}",
        ),
    ]
    for pod in (
        o for o in objects if o["kind"] == "Pod" and o["metadata"]["name"].startswith("aws-node-")
    ):
        started = _stamp(now - timedelta(hours=2))
        found.append(_logs(pod, "aws-node", _log_lines(started, *_CNI_START, *_CNI_STARTED)))
    coredns = _find(objects, "Pod", "coredns-")
    found.append(_logs(coredns, "coredns", _COREDNS_LOG))
    return found


# --------------------------------------------------------------------------- breakages


@dataclass(frozen=True)
class Breakage:
    """One way the healthy cluster breaks.

    ``apply`` takes the objects of :func:`healthy` and returns the broken ones
    (a new list; the input is left alone); ``broken`` names the add-ons whose
    checks must then fail, and ``"cluster"`` when the cluster-level checks must
    fail too (a node not Ready or under pressure, a pod of kube-system not Ready);
    ``reasons`` holds text a good failure report must contain.
    """

    name: str
    description: str
    broken: frozenset[str]
    reasons: tuple[str, ...]
    change: Callable[[list[Obj], datetime], None]

    def apply(self, objects: Iterable[Obj], *, now: datetime | None = None) -> list[Obj]:
        """The objects with this breakage (a deep copy; statuses recounted)."""
        broken = copy.deepcopy(list(objects))
        moment = (now or datetime.now(UTC)).replace(microsecond=0)
        self.change(broken, moment)
        # An event seen again replaces the earlier one of its name (its count went up);
        # a container's logs are the latest ones.
        again = ("Event", "PodLogs")
        latest = {_key(o): o for o in broken if o["kind"] in again}
        kept = [o for o in broken if o["kind"] not in again or latest[_key(o)] is o]
        return _recount(kept, moment)


def _key(obj: Obj) -> tuple[str, str, str]:
    meta = obj["metadata"]
    return obj["kind"], meta.get("namespace", ""), meta["name"]


def _not_ready(pod: Obj, container: str, since: datetime) -> None:
    """Mark one container of a pod (and so the pod) not ready since ``since``."""
    _container_status(pod, container)["ready"] = False
    for condition in pod["status"]["conditions"]:
        if condition["type"] in ("Ready", "ContainersReady"):
            condition.update(
                status="False",
                reason="ContainersNotReady",
                message=f"containers with unready status: [{container}]",
                lastTransitionTime=_stamp(since),
            )


def _container_status(pod: Obj, container: str) -> Obj:
    return next(s for s in pod["status"]["containerStatuses"] if s["name"] == container)


def _creating(pod: Obj, since: datetime) -> None:
    """A pod whose sandbox is not set up yet: Pending, its containers ContainerCreating."""
    pod["status"]["phase"] = "Pending"
    pod["status"]["startTime"] = _stamp(since)
    pod["status"].pop("podIP", None)
    pod["status"].pop("podIPs", None)
    for status in pod["status"]["containerStatuses"]:
        status.update(ready=False, started=False, imageID="")
        status["state"] = {"waiting": {"reason": "ContainerCreating"}}
        status.pop("containerID", None)
    names = ", ".join(c["name"] for c in pod["spec"]["containers"])
    for condition in pod["status"]["conditions"]:
        if condition["type"] in ("Ready", "ContainersReady", "PodReadyToStartContainers"):
            condition.update(status="False", lastTransitionTime=_stamp(since))
        if condition["type"] in ("Ready", "ContainersReady"):
            condition.update(
                reason="ContainersNotReady", message=f"containers with unready status: [{names}]"
            )


def _cni_crashloop(objects: list[Obj], now: datetime) -> None:
    node = next(o for o in objects if o["kind"] == "Node" and o["metadata"]["name"] == NODES[2][0])
    since = now - timedelta(hours=2, minutes=14)
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    ready.update(
        status="False",
        reason="KubeletNotReady",
        message="container runtime network not ready: NetworkReady=false "
        "reason:NetworkPluginNotReady message:Network plugin returns error: "
        "cni plugin not initialized",
        lastTransitionTime=_stamp(since),
    )
    node["spec"]["taints"] = [
        {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
    ]
    pod = _find(objects, "Pod", "aws-node-", 2)
    status = _container_status(pod, "aws-node")
    last_start = now - timedelta(minutes=2, seconds=10)
    status.update(
        ready=False,
        started=False,
        restartCount=27,
        state={
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 5m0s restarting failed container=aws-node "
                f"pod={pod['metadata']['name']}_kube-system({pod['metadata']['uid']})",
            }
        },
        lastState={
            "terminated": {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": _stamp(last_start),
                "finishedAt": _stamp(last_start + timedelta(seconds=62)),
                "containerID": status["containerID"],
            }
        },
    )
    _not_ready(pod, "aws-node", since)
    image = status["image"]
    objects += [
        _event(
            pod,
            "BackOff",
            f"Back-off restarting failed container aws-node in pod "
            f"{pod['metadata']['name']}_kube-system({pod['metadata']['uid']})",
            now - timedelta(seconds=40),
            type_="Warning",
            count=612,
            first=since + timedelta(minutes=3),
            field_path="spec.containers{aws-node}",
        ),
        _event(
            pod,
            "Pulled",
            f'Container image "{image}" already present on machine',
            last_start,
            count=27,
            first=since,
            field_path="spec.containers{aws-node}",
        ),
        _event(
            node,
            "NodeNotReady",
            f"Node {NODES[2][0]} status is now: NodeNotReady",
            since + timedelta(seconds=40),
            type_="Normal",
            component="node-controller",
        ),
    ]
    log = _log_lines(_stamp(last_start), *_CNI_START, *_CNI_FAILED)
    objects.append(_logs(pod, "aws-node", log))
    # Without a CNI, the node's other pods that need a pod network never get a sandbox.
    for prefix in ("ebs-csi-node-", "aws-for-fluent-bit-"):
        other = _find(objects, "Pod", prefix, 2)
        _creating(other, since)
        objects.append(
            _event(
                other,
                "FailedCreatePodSandBox",
                "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup "
                'network for sandbox "3f1c0e6b9a7d": plugin type="aws-cni" name="aws-cni" failed '
                "(add): add cmd: Error received from AddNetwork gRPC call: rpc error: code = "
                'Unavailable desc = connection error: desc = "transport: Error while dialing: dial '
                'tcp 127.0.0.1:50051: connect: connection refused"',
                now - timedelta(seconds=55),
                type_="Warning",
                count=580,
                first=since,
            )
        )


def _coredns_image_pull(objects: list[Obj], now: datetime) -> None:
    since = now - timedelta(minutes=32)
    for pod in [
        o for o in objects if o["kind"] == "Pod" and o["metadata"]["name"].startswith("coredns-")
    ]:
        image = pod["spec"]["containers"][0]["image"]
        status = _container_status(pod, "coredns")
        status.update(
            ready=False,
            started=False,
            imageID="",
            state={
                "waiting": {
                    "reason": "ImagePullBackOff",
                    "message": f'Back-off pulling image "{image}"',
                }
            },
        )
        status.pop("containerID", None)
        pod["status"]["phase"] = "Pending"
        pod["status"]["startTime"] = _stamp(since)
        pod["metadata"]["creationTimestamp"] = _stamp(since)
        _not_ready(pod, "coredns", since)
        registry, _, path = image.partition("/")
        repository, _, tag = path.rpartition(":")
        failure = (
            f'Failed to pull image "{image}": failed to pull and unpack image "{image}": '
            f'failed to resolve reference "{image}": failed to do request: Head '
            f'"https://{registry}/v2/{repository}/manifests/{tag}": dial tcp 10.0.12.87:443: '
            "i/o timeout"
        )
        objects += [
            _event(
                pod,
                "Failed",
                failure,
                now - timedelta(minutes=1),
                type_="Warning",
                count=9,
                first=since,
                field_path="spec.containers{coredns}",
            ),
            _event(
                pod,
                "Failed",
                "Error: ErrImagePull",
                now - timedelta(minutes=1),
                type_="Warning",
                count=9,
                first=since,
                field_path="spec.containers{coredns}",
            ),
            _event(
                pod,
                "BackOff",
                f'Back-off pulling image "{image}"',
                now - timedelta(seconds=20),
                type_="Normal",
                count=131,
                first=since,
                field_path="spec.containers{coredns}",
            ),
            _event(
                pod,
                "Failed",
                "Error: ImagePullBackOff",
                now - timedelta(seconds=20),
                type_="Warning",
                count=131,
                first=since,
                field_path="spec.containers{coredns}",
            ),
        ]
    objects[:] = [
        o
        for o in objects
        if not (o["kind"] == "PodLogs" and o["metadata"]["name"].startswith("coredns-"))
    ]


KUBE_PROXY_OLD = "v1.30.6-minimal-eksbuild.3"


def _kube_proxy_old(objects: list[Obj], now: datetime) -> None:
    """An older kube-proxy manifest applied over the add-on: generation 2, pods replaced."""
    daemonset = next(
        o for o in objects if o["kind"] == "DaemonSet" and o["metadata"]["name"] == "kube-proxy"
    )
    daemonset["metadata"]["generation"] = 2
    daemonset["metadata"]["annotations"]["deprecated.daemonset.template.generation"] = "2"
    template = daemonset["spec"]["template"]
    image = template["spec"]["containers"][0]["image"].rsplit(":", 1)[0] + ":" + KUBE_PROXY_OLD
    template["spec"]["containers"][0]["image"] = image
    revision = _suffix(json.dumps(template, sort_keys=True), 10)
    started = now - timedelta(minutes=47)
    for pod in _owned(objects, daemonset):
        pod["metadata"]["labels"].update(
            {"controller-revision-hash": revision, "pod-template-generation": "2"}
        )
        pod["spec"]["containers"][0]["image"] = image
        pod["status"]["startTime"] = _stamp(started)
        status = pod["status"]["containerStatuses"][0]
        status.update(image=image, imageID=_image_id(image))
        status["state"] = {"running": {"startedAt": _stamp(started + timedelta(seconds=3))}}


def _webhook_without_endpoints(objects: list[Obj], now: datetime) -> None:
    since = now - timedelta(minutes=18)
    for pod in [
        o
        for o in objects
        if o["kind"] == "Pod" and o["metadata"]["name"].startswith("aws-load-balancer-controller-")
    ]:
        _not_ready(pod, "aws-load-balancer-controller", since)
        ip = pod["status"]["podIP"]
        objects.append(
            _event(
                pod,
                "Unhealthy",
                f'Readiness probe failed: Get "http://{ip}:61779/readyz": dial tcp {ip}:61779: '
                "connect: connection refused",
                now - timedelta(seconds=8),
                type_="Warning",
                count=109,
                first=since,
                field_path="spec.containers{aws-load-balancer-controller}",
            )
        )
        ts = _stamp(since)
        objects.append(
            _logs(
                pod,
                "aws-load-balancer-controller",
                f'{{"level":"info","ts":"{ts}","msg":"version","GitVersion":"v2.10.0"}}\n'
                f'{{"level":"info","ts":"{ts}","logger":"setup","msg":"starting podInfo repo"}}\n'
                f'{{"level":"error","ts":"{ts}","logger":"controller-runtime.source.EventHandler",'
                '"msg":"failed to get informer from cache","error":"failed to list '
                "*v1beta1.TargetGroupBinding: the server could not find the requested resource "
                '(get targetgroupbindings.elbv2.k8s.aws)"}\n',
            )
        )


def _daemonset_short(objects: list[Obj], now: datetime) -> None:
    daemonset = next(
        o
        for o in objects
        if o["kind"] == "DaemonSet" and o["metadata"]["name"] == "aws-for-fluent-bit"
    )
    gone = _find(objects, "Pod", "aws-for-fluent-bit-", 2)
    objects[:] = [
        o
        for o in objects
        if o is not gone
        and not (o["kind"] == "Event" and o["involvedObject"]["uid"] == gone["metadata"]["uid"])
    ]
    objects.append(
        _event(
            daemonset,
            "FailedCreate",
            'Error creating: pods "aws-for-fluent-bit-" is forbidden: error looking up service '
            'account kube-system/aws-for-fluent-bit: serviceaccount "aws-for-fluent-bit" not found',
            now - timedelta(seconds=30),
            type_="Warning",
            count=47,
            first=now - timedelta(hours=2, minutes=14),
            component="daemonset-controller",
        )
    )


def _unschedulable(objects: list[Obj], now: datetime) -> None:
    deployment = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "istiod"
    )
    deployment["spec"]["replicas"] = 2
    replicaset = _owned(objects, deployment)[0]
    replicaset["spec"]["replicas"] = 2
    template = replicaset["spec"]["template"]
    name = f"{replicaset['metadata']['name']}-{_suffix('istiod/pending', 5)}"
    since = now - timedelta(minutes=12)
    pod: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(
            "Pod",
            name,
            deployment["metadata"]["namespace"],
            since,
            labels=dict(template["metadata"]["labels"]),
            ownerReferences=[_owner(replicaset)],
        ),
        "spec": {
            **copy.deepcopy(template["spec"]),
        },
        "status": {
            "phase": "Pending",
            "qosClass": "Burstable",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "lastProbeTime": None,
                    "lastTransitionTime": _stamp(since),
                    "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes "
                    "are available: 3 No preemption victims found for incoming pod.",
                }
            ],
        },
    }
    pod["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "2", "memory": "2Gi"}}
    objects += [
        pod,
        _event(
            pod,
            "FailedScheduling",
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
            "3 No preemption victims found for incoming pod.",
            now - timedelta(minutes=2),
            type_="Warning",
            count=14,
            first=since,
            component="default-scheduler",
        ),
        _event(
            deployment,
            "ScalingReplicaSet",
            f"Scaled up replica set {replicaset['metadata']['name']} to 2 from 1",
            since,
            component="deployment-controller",
        ),
    ]


def _node_pressure(objects: list[Obj], now: datetime) -> None:
    node = next(o for o in objects if o["kind"] == "Node" and o["metadata"]["name"] == NODES[1][0])
    since = now - timedelta(minutes=9)
    for condition in node["status"]["conditions"]:
        if condition["type"] == "MemoryPressure":
            condition.update(
                status="True",
                reason="KubeletHasInsufficientMemory",
                message="kubelet has insufficient memory available",
                lastTransitionTime=_stamp(since),
            )
        elif condition["type"] == "DiskPressure":
            condition.update(
                status="True",
                reason="KubeletHasDiskPressure",
                message="kubelet has disk pressure",
                lastTransitionTime=_stamp(since),
            )
    node["spec"]["taints"] = [
        {
            "key": "node.kubernetes.io/memory-pressure",
            "effect": "NoSchedule",
            "timeAdded": _stamp(since),
        },
        {
            "key": "node.kubernetes.io/disk-pressure",
            "effect": "NoSchedule",
            "timeAdded": _stamp(since),
        },
    ]
    objects += [
        _event(
            node,
            "EvictionThresholdMet",
            "Attempting to reclaim memory",
            since,
            type_="Warning",
            count=3,
        ),
        _event(
            node,
            "EvictionThresholdMet",
            "Attempting to reclaim ephemeral-storage",
            since,
            type_="Warning",
            count=2,
        ),
        _event(
            node,
            "NodeHasInsufficientMemory",
            f"Node {NODES[1][0]} status is now: NodeHasInsufficientMemory",
            since,
        ),
        _event(
            node,
            "NodeHasDiskPressure",
            f"Node {NODES[1][0]} status is now: NodeHasDiskPressure",
            since,
        ),
    ]


def _metrics_api_unavailable(objects: list[Obj], now: datetime) -> None:
    since = now - timedelta(minutes=26)
    pods = [
        o
        for o in objects
        if o["kind"] == "Pod" and o["metadata"]["name"].startswith("metrics-server-")
    ]
    for pod in pods:
        _not_ready(pod, "metrics-server", since)
        objects.append(
            _event(
                pod,
                "Unhealthy",
                "Readiness probe failed: HTTP probe failed with statuscode: 500",
                now - timedelta(seconds=6),
                type_="Warning",
                count=156,
                first=since,
                field_path="spec.containers{metrics-server}",
            )
        )
        stamp = (now - timedelta(seconds=15)).strftime("%m%d %H:%M:%S.000000")
        lines = [
            f'E{stamp}       1 scraper.go:149] "Failed to scrape node" err="Get '
            f'\\"https://{ip}:10250/metrics/resource\\": tls: failed to verify certificate: '
            f"x509: cannot validate certificate for {ip} because it doesn't contain any IP "
            f'SANs" node="{name}"\n'
            for name, _, ip in NODES
        ]
        lines.append(
            f'I{stamp}       1 server.go:191] "Failed probe" probe="metric-storage-ready" '
            'err="no metrics to serve"\n'
        )
        objects.append(_logs(pod, "metrics-server", "".join(lines)))
    _apiservice_without_endpoints(objects, since)


def _apiservice_without_endpoints(objects: list[Obj], since: datetime) -> None:
    """The metrics APIService not Available: its Service has no ready endpoints."""
    apiservice = next(o for o in objects if o["kind"] == "APIService")
    apiservice["status"]["conditions"] = [
        _condition(
            "Available",
            False,
            "MissingEndpoints",
            'endpoints for service/metrics-server in "kube-system" have no addresses with port '
            'name "https"',
            since,
        )
    ]


def _metrics_server_pending(objects: list[Obj], now: datetime) -> None:
    since = now - timedelta(seconds=20)
    for pod in [
        o
        for o in objects
        if o["kind"] == "Pod" and o["metadata"]["name"].startswith("metrics-server-")
    ]:
        _creating(pod, since)
        pod["metadata"]["creationTimestamp"] = _stamp(since)
    objects[:] = [
        o
        for o in objects
        if not (o["kind"] == "PodLogs" and o["metadata"]["name"].startswith("metrics-server-"))
    ]
    _apiservice_without_endpoints(objects, since)


_BREAKAGES = (
    Breakage(
        "cni-crashloop",
        "The VPC CNI (aws-node) crash-loops on the newest node (its IAM role lacks the CNI "
        "policy): the node is NotReady (NetworkPluginNotReady) and the node's pods that need a "
        "pod network (ebs-csi-node, aws-for-fluent-bit) never get a sandbox.",
        frozenset({"aws-node", "aws-ebs-csi-driver", "fluent-bit", "cluster"}),
        ("CrashLoopBackOff", "NetworkPluginNotReady", "cni plugin not initialized", "Error"),
        _cni_crashloop,
    ),
    Breakage(
        "coredns-image-pull",
        "CoreDNS cannot pull its image (the ECR endpoint times out): both pods are "
        "ImagePullBackOff and kube-dns has no ready endpoints.",
        frozenset({"coredns", "cluster"}),
        ("ImagePullBackOff", "eks/coredns:v1.11.3-eksbuild.2"),
        _coredns_image_pull,
    ),
    Breakage(
        "kube-proxy-old-version",
        f"kube-proxy runs {KUBE_PROXY_OLD}, older than the spec's version: healthy, but not "
        "what was asked for.",
        frozenset({"kube-proxy"}),
        ("v1.31.2-minimal-eksbuild.3", KUBE_PROXY_OLD),
        _kube_proxy_old,
    ),
    Breakage(
        "webhook-no-endpoints",
        "The AWS Load Balancer Controller's pods run but fail their readiness probe, so "
        "aws-load-balancer-webhook-service has no ready endpoints and its webhooks cannot be "
        "called (pods and Services are refused).",
        frozenset({"aws-load-balancer-controller", "cluster"}),
        ("aws-load-balancer-webhook-service", "Readiness probe failed"),
        _webhook_without_endpoints,
    ),
    Breakage(
        "daemonset-short",
        "The fluent-bit DaemonSet misses the newest node: 3 desired, 2 ready (its pod there "
        "cannot be created).",
        frozenset({"fluent-bit"}),
        ("aws-for-fluent-bit", NODES[2][0], "FailedCreate"),
        _daemonset_short,
    ),
    Breakage(
        "unschedulable",
        "A second istiod replica cannot be scheduled (its CPU request fits no node): it stays "
        "Pending and istiod is short of its replicas.",
        frozenset({"istio"}),
        ("Unschedulable", "0/3 nodes are available: 3 Insufficient cpu"),
        _unschedulable,
    ),
    Breakage(
        "node-pressure",
        f"Node {NODES[1][0]} is under memory and disk pressure (tainted, evicting).",
        frozenset({"cluster"}),
        ("MemoryPressure", "DiskPressure", NODES[1][0]),
        _node_pressure,
    ),
    Breakage(
        "metrics-api-unavailable",
        "metrics-server cannot scrape the kubelets (their serving certificates have no IP "
        "SANs), so its pods are not ready and the metrics API (v1beta1.metrics.k8s.io) is not "
        "Available: `kubectl top` and the autoscalers see no metrics.",
        frozenset({"metrics-server", "cluster"}),
        ("MissingEndpoints", "x509: cannot validate certificate"),
        _metrics_api_unavailable,
    ),
    Breakage(
        "metrics-server-pending",
        "metrics-server was just deployed: its pods are still ContainerCreating and the "
        "metrics API has no endpoints yet (`make demo` starts here; the cluster is healthy "
        "seconds later).",
        frozenset({"metrics-server", "cluster"}),
        ("ContainerCreating", "MissingEndpoints"),
        _metrics_server_pending,
    ),
)

#: The named breakages, by name.
BREAKAGES: Mapping[str, Breakage] = MappingProxyType({b.name: b for b in _BREAKAGES})


def scenario(name: str = "healthy", *, now: datetime | None = None) -> list[Obj]:
    """The objects of a scenario: ``"healthy"`` or the name of a breakage.

    >>> [d["status"]["numberReady"] for d in scenario("daemonset-short")
    ...  if d["kind"] == "DaemonSet" and d["metadata"]["name"] == "aws-for-fluent-bit"]
    [2]
    """
    objects = healthy(now=now)
    if name == "healthy":
        return objects
    if name not in BREAKAGES:
        known = ", ".join(["healthy", *BREAKAGES])
        raise KeyError(f"no scenario {name!r} (known: {known})")
    return BREAKAGES[name].apply(objects, now=now)


def load(fake: _Fake, name: str = "healthy") -> _Fake:
    """Apply a scenario's objects (and logs) to a FakeCluster; returns it.

    >>> with load(FakeCluster(version="1.31")) as fake:
    ...     len(fake.objects("nodes"))
    3
    """
    for obj in scenario(name):
        fake.apply(obj)
    return fake


def cluster(name: str = "healthy", *, now: datetime | None = None) -> FakeCluster:
    """A FakeCluster (Kubernetes 1.31, with :data:`KINDS`) holding a scenario; not started.

    >>> with cluster("node-pressure") as fake:
    ...     [c["type"] for n in fake.objects("nodes") for c in n["status"]["conditions"]
    ...      if c["type"] != "Ready" and c["status"] == "True"]
    ['MemoryPressure', 'DiskPressure']
    """
    return FakeCluster(objects=scenario(name, now=now), version=KUBERNETES_VERSION, kinds=KINDS)


def reference_table() -> str:
    """docs/addons.md's table of the scenarios (tests keep the two in sync).

    >>> reference_table().splitlines()[2].startswith("| `healthy` |")
    True
    """
    rows = [
        "| Scenario | What it is | Checks that must fail | A good report shows |",
        "| --- | --- | --- | --- |",
        "| `healthy` | EKS 1.31, 3 nodes Ready, every add-on of the registry rolled out and "
        "serving, at the versions of `scenarios.spec()` | none | - |",
    ]
    for breakage in _BREAKAGES:
        broken = ", ".join(f"`{n}`" for n in sorted(breakage.broken))
        reasons = ", ".join(f"`{r}`" for r in breakage.reasons)
        rows.append(f"| `{breakage.name}` | {breakage.description} | {broken} | {reasons} |")
    return "\n".join(rows)
