"""The documentation says what the code does: its examples run, its tables match."""

from __future__ import annotations

import dataclasses
import re
import shlex
import typing
from pathlib import Path
from typing import Any

import pytest

from clusterready.cli import main
from clusterready.outcomes import ExitCode
from clusterready.spec import PARAMETERS, ClusterSpec

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(), flags=re.S)


def spec_keys(cls: typing.Any = ClusterSpec, prefix: str = "") -> list[str]:
    keys = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key, tp = prefix + f.name, hints[f.name]
        keys.append(key)
        if dataclasses.is_dataclass(tp):
            keys += spec_keys(tp, key + ".")
        elif typing.get_origin(tp) is tuple and dataclasses.is_dataclass(typing.get_args(tp)[0]):
            keys += spec_keys(typing.get_args(tp)[0], key + "[].")
    return keys


@pytest.mark.parametrize("key", spec_keys())
def test_spec_reference_documents_every_key(key: str) -> None:
    assert f"| `{key}` |" in (DOCS / "spec.md").read_text()


def test_spec_reference_table_is_generated_from_the_field_docs() -> None:
    """docs/spec.md's "Every key" table is reference_table(): regenerate it, never edit it."""
    from clusterready.spec import reference_table

    assert reference_table() + "\n" in (DOCS / "spec.md").read_text()


@pytest.mark.parametrize(("name", "key"), PARAMETERS.items())
def test_spec_reference_documents_every_parameter(name: str, key: str) -> None:
    assert f"| `{name}` | `{key}` |" in (DOCS / "spec.md").read_text()


@pytest.mark.parametrize("block", blocks(DOCS / "spec.md", "yaml"))
def test_yaml_examples_in_the_spec_reference_are_valid(tmp_path: Path, block: str) -> None:
    (tmp_path / "s.yaml").write_text(block)
    ClusterSpec.load(tmp_path / "s.yaml", environ={})


@pytest.mark.parametrize(
    "example",
    sorted(
        p
        for p in (ROOT / "examples").rglob("*")
        if (p.suffix in (".yaml", ".json") and "spec" in p.name) or p.parent.name == "argo"
    ),
    ids=lambda p: p.name,
)
def test_example_specs_are_valid(example: Path) -> None:
    ClusterSpec.load(example, environ={})


def console_commands(path: Path) -> list[tuple[str, list[str]]]:
    """(`$ command`, the lines printed after it) for every console block."""
    found = []
    for block in blocks(path, "console"):
        text = block.replace("\\\n", " ")
        for chunk in re.split(r"^\$ ", text, flags=re.M)[1:]:
            command, *output = chunk.splitlines()
            found.append((command.split("  #")[0].strip(), output))
    return found


@pytest.mark.parametrize(
    "command",
    [
        c
        for c, _ in console_commands(DOCS / "spec.md")
        + console_commands(ROOT / "README.md")
        + console_commands(DOCS / "argo.md")
        if c.startswith("clusterready spec")
    ],
)
def test_documented_spec_commands_run(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(shlex.split(command)[1:]) == 0
    assert capsys.readouterr().out.startswith("cluster:")


def test_documented_error_messages_are_the_real_ones(pytester: pytest.Pytester) -> None:
    checked = 0
    for command, output in console_commands(DOCS / "spec.md"):
        args = shlex.split(command)
        if args[0] != "pytest" or "--spec" in args:
            continue
        result = pytester.runpytest(*args[1:])
        assert result.ret == 4
        assert [line for line in result.stderr.lines if line] == output[:1]
        checked += 1
    assert checked >= 1


def test_exit_code_table_matches_the_enum() -> None:
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \|", (DOCS / "exit-codes.md").read_text(), re.M)
    assert {int(code): name for code, name in rows} == {c.value: c.name for c in ExitCode}


def test_kubernetes_doc_examples_run(fake_cluster: Any) -> None:
    """The python blocks of docs/kubernetes.md, run in order in one namespace."""
    fake_cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "metrics-server-1",
                "namespace": "kube-system",
                "labels": {"k8s-app": "metrics-server"},
            },
            "status": {"phase": "Running"},
        }
    )
    fake_cluster.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "metrics-server", "namespace": "kube-system"},
        }
    )
    namespace: dict[str, Any] = {"fake": fake_cluster}
    for block in blocks(DOCS / "kubernetes.md", "python"):
        exec(compile(block, "docs/kubernetes.md", "exec"), namespace)


@pytest.mark.parametrize("doc", ["detik.md", "detik-compat.md"])
def test_detik_doc_examples_run(doc: str, fake_cluster: Any, cluster_state: Any) -> None:
    for obj in cluster_state:
        fake_cluster.apply(obj)
    namespace: dict[str, Any] = {"fake": fake_cluster}
    ran = 0
    for block in blocks(DOCS / doc, "python"):
        if "def test_" in block:  # a test module: lint it, as collection would
            from clusterready.detik.lint import python_sentences

            assert [s for _, _, s in python_sentences(block)]
            continue
        exec(compile(block, f"docs/{doc}", "exec"), namespace)
        ran += 1
    assert ran >= 1


def test_detik_doc_sentence_table_forms_parse() -> None:
    from clusterready.detik import parse

    examples = [
        "there is 1 pods named 'x'",
        "there are 2 pods named 'x'",
        "there are more than 1 pods named 'x'",
        "'status' is 'running' for pods named 'x'",
        "'status' matches 'R' for pods named 'x'",
        "at most 3 times every 5s to get pods named 'x' and verify that 'status' is 'y'",
        "at most 3 times every 5s to get deploy named 'x' and verify that 'a' is more than '1'",
        "at most 3 times every 5s to find 2 pods named 'x' with 'status' being 'y'",
        "at most 3 times every 5s to find 2 pods named 'x' with 'status' matching 'y'",
    ]
    for sentence in examples:
        parse(sentence)
    assert "| `there are <N> <type> named '<re>'` |" in (DOCS / "detik.md").read_text()


def test_preflight_doc_example_runs(moto_server: Any) -> None:
    from clusterready.testing.moto import seed_account

    ids = seed_account(
        {"subnets": [{"name": "a", "az": "eu-west-1a", "cidr": "10.0.50.0/24", "role": "private"}]},
        "eu-west-1",
        moto_server.url,
    )
    block = next(b for b in blocks(DOCS / "preflight.md", "python") if "Inventory" in b)
    namespace: dict[str, Any] = {"subnet_id": ids["subnets"][0]["id"]}
    exec(compile(block, "docs/preflight.md", "exec"), namespace)
    assert namespace["result"].ok


def test_preflight_doc_lists_every_shipped_test() -> None:
    import ast

    text = (DOCS / "preflight.md").read_text()
    for module in sorted((ROOT / "tests_preflight").glob("test_*.py")):
        tree = ast.parse(module.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                assert f"`{node.name}" in text, node.name


# --------------------------------------------------------------------------- docs/argo.md


def test_argo_doc_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    (block,) = blocks(DOCS / "argo.md", "python")
    exec(compile(block, "docs/argo.md", "exec"), {})


def test_argo_doc_kustomize_commands_and_overlay_build(tmp_path: Path) -> None:
    import shutil
    import subprocess

    commands = [
        c for c, _ in console_commands(DOCS / "argo.md") if c.startswith("kubectl kustomize")
    ]
    assert commands
    for command in commands:
        done = subprocess.run(shlex.split(command), cwd=ROOT, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr
    overlay = next(b for b in blocks(DOCS / "argo.md", "yaml") if "my-overlay" in b)
    shutil.copytree(ROOT / "deploy" / "argo", tmp_path / "deploy" / "argo")
    (tmp_path / "my-overlay").mkdir()
    (tmp_path / "my-overlay" / "kustomization.yaml").write_text(overlay)
    shutil.copy(ROOT / "deploy" / "argo" / "kustomizeconfig.yaml", tmp_path / "my-overlay")
    kustomized = subprocess.run(
        ["kubectl", "kustomize", "my-overlay"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert kustomized.returncode == 0, kustomized.stderr
    assert "image: registry.example.com/clusterready:0.1.0" in kustomized.stdout
    assert "arn:aws:iam::210987654321:role/clusterready-preflight" in kustomized.stdout
    import yaml

    rendered = [d for d in yaml.safe_load_all(kustomized.stdout) if d]
    binding = next(d for d in rendered if d["kind"] == "ClusterRoleBinding")
    assert {s["namespace"] for s in binding["subjects"]} == {"checks"}  # follows the overlay
    assert {d["metadata"].get("namespace") for d in rendered if "Cluster" not in d["kind"]} == {
        "checks"
    }


def test_argo_doc_submit_commands_name_real_templates_and_parameters() -> None:
    """Each `argo submit --from workflowtemplate/X` of the docs: X exists, its -p names and
    --entrypoint are X's, and the steps resolve for those parameters."""
    import yaml

    from clusterready.testing.argo import container_steps, load_manifests

    docs = load_manifests(ROOT / "deploy" / "argo")
    templates = {d["metadata"]["name"]: d for d in docs if d["kind"] == "WorkflowTemplate"}
    commands = [c for c, _ in console_commands(DOCS / "argo.md") if c.startswith("argo submit")]
    assert len(commands) >= 3
    for command in commands:
        args = shlex.split(command)
        name = args[args.index("--from") + 1].removeprefix("workflowtemplate/")
        spec = templates[name]["spec"]
        parameters = dict(args[i + 1].split("=", 1) for i, a in enumerate(args) if a == "-p")
        if "--parameter-file" in args:
            text = (ROOT / args[args.index("--parameter-file") + 1]).read_text()
            parameters.update({k: str(v) for k, v in yaml.safe_load(text).items()})
        if "--entrypoint" in args:
            entrypoint = args[args.index("--entrypoint") + 1]
            assert entrypoint in {t["name"] for t in spec["templates"]}, command
        parameters = {k: "{}" if v.startswith("$(") else v for k, v in parameters.items()}
        assert container_steps(docs, name, parameters), command


def test_argo_doc_webhook_body_is_the_payload_body() -> None:
    import json

    (curl,) = [c for c, _ in console_commands(DOCS / "argo.md") if c.startswith("curl")]
    body = shlex.split(curl)[shlex.split(curl).index("-d") + 1].removeprefix("@")
    event = json.loads((ROOT / "examples" / "argo" / "event-payload.json").read_text())
    assert json.loads((ROOT / body).read_text()) == event["data"]["body"]
    assert curl.endswith("http://localhost:12000/preflight")


def test_argo_doc_retry_strategy_is_the_manifests() -> None:
    import yaml

    from clusterready.testing.argo import load_manifests

    documented = next(
        yaml.safe_load(b) for b in blocks(DOCS / "argo.md", "yaml") if "retryStrategy" in b
    )
    lib = next(
        d
        for d in load_manifests(ROOT / "deploy" / "argo")
        if d["metadata"]["name"] == "clusterready-lib"
    )
    check = next(t for t in lib["spec"]["templates"] if t["name"] == "check")
    assert documented["retryStrategy"] == check["retryStrategy"]
    assert "--deadline 540" in (DOCS / "argo.md").read_text()
    args = check["container"]["args"]
    assert args[args.index("--deadline") + 1] == "540"
    assert check["activeDeadlineSeconds"] == "600"


# --------------------------------------------------------------------------- docs/checks.md


def _checks_doc_state() -> list[dict[str, Any]]:
    """coredns half rolled out (one pod crash-looping, an older tag), external-dns healthy."""

    def pod(name: str, labels: dict[str, str], image: str, ready: bool) -> dict[str, Any]:
        state = {"running": {}} if ready else {"waiting": {"reason": "CrashLoopBackOff"}}
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "kube-system", "labels": labels},
            "spec": {"containers": [{"name": name.split("-")[0], "image": image}]},
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": str(ready)}],
                "containerStatuses": [
                    {"name": name.split("-")[0], "ready": ready, "restartCount": 0, "state": state}
                ],
            },
        }

    def deployment(name: str, replicas: int, ready: int) -> dict[str, Any]:
        counts = {"replicas": replicas, "updatedReplicas": replicas}
        counts |= {"readyReplicas": ready, "availableReplicas": ready}
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": "kube-system"},
            "spec": {
                "replicas": replicas,
                "template": {
                    "spec": {"containers": [{"image": f"registry.k8s.io/{name}:v0.15.0"}]}
                },
            },
            "status": counts,
        }

    dns = {"k8s-app": "kube-dns", "eks.amazonaws.com/component": "coredns"}
    image = "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/coredns:v1.11.1-eksbuild.1"
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "ip-10-0-1-5"},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }
    return [
        node,
        deployment("coredns", 2, 1),
        pod("coredns-5d78c9869d-4xj2k", dns, image, True),
        pod("coredns-5d78c9869d-q8wz1", dns, image, False),
        deployment("external-dns", 1, 1),
        pod(
            "external-dns-6c9f8d7b5-abcde",
            {"app.kubernetes.io/name": "external-dns"},
            "registry.k8s.io/external-dns:v0.15.0",
            True,
        ),
    ]


def test_checks_doc_examples_run(
    fake_cluster: Any, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/checks.md: its python blocks run in order, printing what their comments say;
    its test module passes as a --checks module against the same cluster."""
    for obj in _checks_doc_state():
        fake_cluster.apply(obj)
    namespace: dict[str, Any] = {"fake": fake_cluster}
    modules = []
    for block in blocks(DOCS / "checks.md", "python"):
        if "def test_" in block:
            modules.append(block)
            continue
        exec(compile(block, "docs/checks.md", "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == (
        "Deployment kube-system/coredns: 1 of 2 replicas ready, 2 updated, 1 available"
    )
    assert printed[1].startswith("(ObjectRef(kind='Deployment', name='coredns'")
    assert printed[2] == (
        "False ('Pod kube-system/coredns-5d78c9869d-q8wz1: container coredns waiting: "
        "CrashLoopBackOff',)"
    )
    assert printed[3].startswith(
        "('Pod kube-system/coredns-5d78c9869d-4xj2k: container coredns: expected "
        "v1.11.3-eksbuild.2, running v1.11.1-eksbuild.1"
    )
    assert printed[4] == "True"
    assert re.fullmatch(r"1 of 2 coredns pods ready \(after 3 attempts in 0\.\ds\)", printed[5]), (
        printed[5]
    )
    (module,) = modules
    header, _, body = module.partition("\n")
    pytester.makepyfile(**{header.removeprefix("# my-checks/").removesuffix(".py"): body})
    result = pytester.runpytest_inprocess(
        "--kubeconfig", fake_cluster.kubeconfig, "--set", "addons.external-dns=v0.15.0", "-q"
    )
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=2)
