"""deploy/argo without a cluster: kustomize renders it, every document passes the strict
schemas and the semantic checks, and the checks catch what they are for."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from clusterready.addons import REGISTRY
from clusterready.spec import ClusterSpec, param_key
from clusterready.testing.argo import (
    ArgoError,
    Step,
    container_steps,
    evaluate,
    load_manifests,
    retried_exit_codes,
    schema_problems,
    semantic_problems,
)
from conftest import ROOT

DEPLOY = ROOT / "deploy" / "argo"
SCHEMAS = ROOT / "tests" / "data" / "argo-schemas"
Doc = dict[str, Any]


@pytest.fixture(scope="module")
def docs() -> list[Doc]:
    return load_manifests(DEPLOY)


def named(docs: list[Doc], kind: str, name: str) -> Doc:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def template(doc: Doc, name: str) -> Doc:
    return next(t for t in doc["spec"]["templates"] if t["name"] == name)


# --------------------------------------------------------------------------- kustomize


def test_kustomize_renders_offline_with_the_images_set(docs: list[Doc], tmp_path: Path) -> None:
    done = subprocess.run(
        ["kubectl", "kustomize", str(DEPLOY)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    rendered = [d for d in yaml.safe_load_all(done.stdout) if d]
    assert sorted((d["kind"], d["metadata"]["name"]) for d in rendered) == sorted(
        (d["kind"], d["metadata"]["name"]) for d in docs
    )
    images = {
        t["container"]["image"]
        for d in rendered
        if d["kind"] == "WorkflowTemplate"
        for t in d["spec"]["templates"]
        if "container" in t
    }
    assert images == {"ghcr.io/clusterready/clusterready:0.1.0", "docker.io/alpine/k8s:1.32.4"}
    assert {d["metadata"].get("namespace") for d in rendered if "Cluster" not in d["kind"]} == {
        "argo"
    }
    binding = next(d for d in rendered if d["kind"] == "ClusterRoleBinding")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "clusterready-validation", "namespace": "argo"}
    ]


def test_schemas_are_the_vendored_upstream_files() -> None:
    import hashlib

    readme = (SCHEMAS / "README.md").read_text()
    for name in ("argo-workflows.schema.json", "argo-events.schema.json"):
        digest = hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest()
        assert f"`{digest}`" in readme, name
    assert "Apache License 2.0" in readme


# --------------------------------------------------------------------------- schemas


def test_every_document_passes_the_strict_schemas(docs: list[Doc]) -> None:
    assert schema_problems(docs, SCHEMAS) == []
    assert {d["kind"] for d in docs} >= {"WorkflowTemplate", "EventSource", "Sensor"}


def mutate(docs: list[Doc], kind: str, name: str, change: Callable[[Doc], None]) -> list[Doc]:
    changed = copy.deepcopy(docs)
    change(named(changed, kind, name))
    return changed


MISSPELT: list[Any] = [
    pytest.param(
        "WorkflowTemplate",
        "clusterready-lib",
        lambda d: template(d, "check")["retryStrategy"].update(retryPolcy="Always"),
        "spec.templates.0.retryStrategy",
        "'retryPolcy' was unexpected",
        id="retryPolcy",
    ),
    pytest.param(
        "WorkflowTemplate",
        "cluster-build",
        lambda d: d["spec"]["templates"][0]["dag"]["tasks"][1]["templateRef"].update(
            nmae="eks-core"
        ),
        "spec.templates.0.dag.tasks.1.templateRef",
        "'nmae' was unexpected",
        id="templateRef-nmae",
    ),
    pytest.param(
        "Sensor",
        "clusterready",
        lambda d: d["spec"]["triggers"][0]["template"]["argoWorkflow"]["parameters"][0][
            "src"
        ].update(datakey="body.x"),
        "spec.triggers.0.template.argoWorkflow.parameters.0.src",
        "'datakey' was unexpected",
        id="sensor-datakey",
    ),
    pytest.param(
        "Sensor",
        "clusterready",
        lambda d: d["spec"]["triggers"][0]["template"]["argoWorkflow"]["source"]["resource"][
            "spec"
        ].update(workflowTemplateRefs={"name": "x"}),
        "triggers.0 resource: spec",
        "'workflowTemplateRefs' was unexpected",
        id="sensor-embedded-workflow",
    ),
    pytest.param(
        "EventSource",
        "clusterready",
        lambda d: d["spec"]["webhook"]["preflight"].update(endpiont="/x"),
        "spec.webhook.preflight",
        "'endpiont' was unexpected",
        id="webhook-endpiont",
    ),
]


@pytest.mark.parametrize(("kind", "name", "change", "path", "message"), MISSPELT)
def test_strict_mode_catches_a_misspelt_key(
    docs: list[Doc], kind: str, name: str, change: Any, path: str, message: str
) -> None:
    problems = schema_problems(mutate(docs, kind, name, change), SCHEMAS)
    assert len(problems) == 1, problems
    assert message in problems[0]
    assert f": {path}: " in problems[0]


def test_the_upstream_schema_alone_misses_a_misspelt_key(docs: list[Doc]) -> None:
    """Why strict mode: unpatched, upstream's schema lets `retryPolcy` through."""
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMAS / "argo-workflows.schema.json").read_text())
    validator = Draft202012Validator(
        {
            "$ref": "#/definitions/io.argoproj.workflow.v1alpha1.WorkflowTemplate",
            "definitions": schema["definitions"],
        }
    )
    lib = named(
        mutate(
            docs,
            "WorkflowTemplate",
            "clusterready-lib",
            lambda d: template(d, "check")["retryStrategy"].update(retryPolcy="Always"),
        ),
        "WorkflowTemplate",
        "clusterready-lib",
    )
    lib = json.loads(json.dumps(lib))
    lib["metadata"].pop("annotations")
    assert list(validator.iter_errors(lib)) == []


def test_integers_where_argo_takes_them_and_a_webhook_without_url(docs: list[Doc]) -> None:
    def unquote(d: Doc) -> None:
        check = template(d, "check")
        check["retryStrategy"]["limit"] = 3
        check["activeDeadlineSeconds"] = 600

    assert (
        schema_problems(mutate(docs, "WorkflowTemplate", "clusterready-lib", unquote), SCHEMAS)
        == []
    )
    assert "url" not in named(docs, "EventSource", "clusterready")["spec"]["webhook"]["build"]
    wrong = mutate(
        docs,
        "WorkflowTemplate",
        "clusterready-lib",
        lambda d: template(d, "check")["retryStrategy"].update(limit=["3"]),
    )
    assert len(schema_problems(wrong, SCHEMAS)) == 1


# --------------------------------------------------------------------------- semantics


def test_the_manifests_pass_the_semantic_checks(docs: list[Doc]) -> None:
    assert semantic_problems(docs) == []


def _drop_param(name: str) -> Callable[[Doc], None]:
    def change(d: Doc) -> None:
        params = d["spec"]["arguments"]["parameters"]
        params[:] = [p for p in params if p["name"] != name]

    return change


def _task(d: Doc, index: int) -> Doc:
    task: Doc = d["spec"]["templates"][0]["dag"]["tasks"][index]
    return task


SEMANTIC: list[Any] = [
    pytest.param(
        "WorkflowTemplate",
        "cluster-build",
        lambda d: _task(d, 1)["templateRef"].update(template="eks-controlplan"),
        "cluster-build.yaml: WorkflowTemplate/cluster-build: template main: eks-controlplane: "
        "templateRef eks-core/eks-controlplan does not resolve",
        id="templateRef-template",
    ),
    pytest.param(
        "WorkflowTemplate",
        "cluster-build",
        lambda d: _task(d, 4)["templateRef"].update(name="clusterready-validate"),
        "cluster-build.yaml: WorkflowTemplate/cluster-build: template main: validation: "
        "templateRef clusterready-validate/main does not resolve",
        id="templateRef-name",
    ),
    pytest.param(
        "Sensor",
        "clusterready",
        lambda d: d["spec"]["triggers"][1]["template"]["argoWorkflow"]["source"]["resource"][
            "spec"
        ]["workflowTemplateRef"].update(name="eks"),
        "sensor.yaml: Sensor/clusterready: triggers.1: workflowTemplateRef 'eks' does not resolve",
        id="workflowTemplateRef",
    ),
    pytest.param(
        "WorkflowTemplate",
        "cluster-build",
        _drop_param("KUBECONFIG"),
        [
            "cluster-build.yaml: WorkflowTemplate/cluster-build: "
            "{{workflow.parameters.KUBECONFIG}} in clusterready-lib/check is not a parameter "
            "of this workflow (spec.arguments.parameters)",
            "sensor.yaml: Sensor/clusterready: triggers.4: passes 'KUBECONFIG', not a "
            "parameter of cluster-build",
        ],
        id="workflow-parameter",
    ),
    pytest.param(
        "WorkflowTemplate",
        "clusterready-lib",
        lambda d: template(d, "check")["container"]["args"].insert(
            0, "{{inputs.parameters.values}}"
        ),
        "clusterready-lib.yaml: WorkflowTemplate/clusterready-lib: template check: "
        "{{inputs.parameters.values}} is not one of its inputs.parameters",
        id="input-parameter",
    ),
    pytest.param(
        "WorkflowTemplate",
        "clusterready-lib",
        lambda d: template(d, "check")["container"]["args"].append("{{input.parameters.suite}}"),
        "clusterready-lib.yaml: WorkflowTemplate/clusterready-lib: template check: "
        "{{input.parameters.suite}} is not a variable Argo knows",
        id="unknown-variable",
    ),
    pytest.param(
        "WorkflowTemplate",
        "clusterready-preflight",
        lambda d: _task(d, 1).update(depends="shard"),
        "clusterready-preflight.yaml: WorkflowTemplate/clusterready-preflight: template main: "
        "a DAG cannot mix 'depends' and 'dependencies'",
        id="depends-and-dependencies",
    ),
    pytest.param(
        "WorkflowTemplate",
        "clusterready-lib",
        lambda d: template(d, "check")["retryStrategy"].update(
            expression="asInt(lastRetry.exitCode) > 1"
        ),
        "clusterready-lib.yaml: WorkflowTemplate/clusterready-lib: template check: "
        "retryStrategy retries exit codes [2, 3, 4, 5, 64, 75, 137], not [75] only",
        id="retry-expression",
    ),
    pytest.param(
        "WorkflowTemplate",
        "clusterready-lib",
        lambda d: template(d, "check")["retryStrategy"].pop("expression"),
        "clusterready-lib.yaml: WorkflowTemplate/clusterready-lib: template check: "
        "retryStrategy has no expression: it would retry exit 1 too",
        id="retry-without-expression",
    ),
    pytest.param(
        "WorkflowTemplate",
        "clusterready-lib",
        lambda d: template(d, "check").update(activeDeadlineSeconds="560"),
        "clusterready-lib.yaml: WorkflowTemplate/clusterready-lib: template check: "
        "--deadline 540 must be at least 30s inside activeDeadlineSeconds 560, so the report "
        "is written before the pod is killed",
        id="deadline",
    ),
    pytest.param(
        "WorkflowTemplate",
        "clusterready-validation",
        lambda d: d["spec"]["templates"][0]["outputs"]["parameters"][0]["valueFrom"].update(
            parameter="{{tasks.merge.outputs.parameters.totals}}"
        ),
        "clusterready-validation.yaml: WorkflowTemplate/clusterready-validation: template main: "
        "{{tasks.merge.outputs.parameters.totals}}: the template declares no output 'totals'",
        id="task-output",
    ),
    pytest.param(
        "WorkflowTemplate",
        "clusterready-validation",
        lambda d: _task(d, 1).pop("withItems"),
        "clusterready-validation.yaml: WorkflowTemplate/clusterready-validation: template main: "
        "addon: uses {{item}} without withItems, withParam or withSequence",
        id="item-without-loop",
    ),
]


@pytest.mark.parametrize(("kind", "name", "change", "message"), SEMANTIC)
def test_semantic_checks_catch(
    docs: list[Doc], kind: str, name: str, change: Any, message: str | list[str]
) -> None:
    expected = message if isinstance(message, list) else [message]
    assert semantic_problems(mutate(docs, kind, name, change)) == expected


@pytest.mark.parametrize(
    ("expression", "retried"),
    [
        ("asInt(lastRetry.exitCode) == 75", [75]),
        ("lastRetry.exitCode == '75'", [75]),
        ("asInt(lastRetry.exitCode) == 75 || lastRetry.status == 'Error'", [75]),
        ("asInt(lastRetry.exitCode) != 1", [0, 2, 3, 4, 5, 64, 75, 137]),
        ("!(asInt(lastRetry.exitCode) < 75) && asInt(lastRetry.exitCode) <= 75", [75]),
    ],
)
def test_retry_expressions_are_evaluated(expression: str, retried: list[int]) -> None:
    assert retried_exit_codes(expression) == retried


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("int(lastRetry.exitCode) == 75", "unknown function int()"),
        ("lastRetry.exitCode == 75", "compares '0' with 75 (different types)"),
        ("asInt(lastRetry.exitcode) == 75", "unknown name 'lastRetry.exitcode'"),
        ("asInt(lastRetry.exitCode) in [75]", "cannot read ' [75]'"),
        ("asInt(lastRetry.exitCode) == 75 &&", "ends too early"),
    ],
)
def test_an_expression_outside_the_subset_is_refused(expression: str, message: str) -> None:
    with pytest.raises(ArgoError, match=re.escape(message)):
        retried_exit_codes(expression)


def test_every_clusterready_step_retries_75_only(docs: list[Doc]) -> None:
    runs = [
        t
        for d in docs
        if d["kind"] == "WorkflowTemplate"
        for t in d["spec"]["templates"]
        if t.get("container", {}).get("command") == ["clusterready"]
    ]
    assert runs
    for t in runs:
        assert retried_exit_codes(t["retryStrategy"]["expression"]) == [75]
        assert t["retryStrategy"]["backoff"]["duration"]


# --------------------------------------------------------------------------- events


def test_each_trigger_maps_every_parameter_of_its_template(docs: list[Doc]) -> None:
    sensor = named(docs, "Sensor", "clusterready")
    events = named(docs, "EventSource", "clusterready")["spec"]["webhook"]
    assert sorted(events) == ["addons", "build", "eks-core", "preflight", "validation"]
    targets = {}
    for trigger in sensor["spec"]["triggers"]:
        event = trigger["template"]["conditions"]
        workflow = trigger["template"]["argoWorkflow"]["source"]["resource"]
        name = workflow["spec"]["workflowTemplateRef"]["name"]
        targets[event] = name
        declared = named(docs, "WorkflowTemplate", name)["spec"]["arguments"]["parameters"]
        passed = workflow["spec"]["arguments"]["parameters"]
        assert [p["name"] for p in passed] == [p["name"] for p in declared]
        expected = []
        for i, p in enumerate(declared):
            src = {"dependencyName": event, "dataKey": f"body.{p['name']}"}
            if p["name"] == "PAYLOAD" and event == "build":
                src.update(dataKey="body.SPEC", value="")
            elif p["name"] == "PAYLOAD":
                src["dataKey"] = "body"
            elif "value" in p:
                src["value"] = p["value"]
            expected.append({"src": src, "dest": f"spec.arguments.parameters.{i}.value"})
        assert trigger["template"]["argoWorkflow"]["parameters"] == expected, event
    assert targets == {
        "preflight": "clusterready-preflight",
        "eks-core": "eks-core",
        "addons": "cluster-addons",
        "validation": "clusterready-validation",
        "build": "cluster-build",
    }


def sensor_workflow(docs: list[Doc], event: str, payload: Doc) -> Doc:
    """The Workflow the Sensor submits for this event (Argo Events' parameter mapping:
    a gjson key over the event's data; an object arrives as its JSON text)."""
    sensor = named(docs, "Sensor", "clusterready")
    trigger = next(t for t in sensor["spec"]["triggers"] if t["template"]["conditions"] == event)
    workflow: Doc = copy.deepcopy(trigger["template"]["argoWorkflow"]["source"]["resource"])
    for param in trigger["template"]["argoWorkflow"]["parameters"]:
        node: Any = payload["data"]
        for part in param["src"]["dataKey"].split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            assert "value" in param["src"], f"{param['src']['dataKey']} is required"
            node = param["src"]["value"]
        index = int(param["dest"].split(".")[3])
        value = json.dumps(node) if isinstance(node, dict | list) else str(node)
        workflow["spec"]["arguments"]["parameters"][index]["value"] = value
    return workflow


@pytest.mark.parametrize("event", ["preflight", "validation", "build"])
def test_an_event_payload_reaches_the_checks_as_the_same_spec(docs: list[Doc], event: str) -> None:
    """examples/argo/event-payload.json through the Sensor and the templates: every
    clusterready step resolves the spec that `clusterready spec --spec` gives for it."""
    payload = json.loads((ROOT / "examples" / "argo" / "event-payload.json").read_text())
    if event == "build":
        payload["data"]["body"]["INFRA_REPO"] = "https://git.example.com/infra.git"
    workflow = sensor_workflow(docs, event, payload)
    parameters = {p["name"]: p["value"] for p in workflow["spec"]["arguments"]["parameters"]}
    expected = ClusterSpec.load(  # and the templates' default namespace of the checks
        ROOT / "examples" / "argo" / "event-payload.json",
        params=["NAMESPACE=kube-system"],
        environ={},
    )
    steps = container_steps(docs, workflow["spec"]["workflowTemplateRef"]["name"], parameters)
    runs = [s for s in steps if s.argv[:2] == ["clusterready", "run"]]
    assert runs
    for step in runs:
        params = [step.argv[i + 1] for i, a in enumerate(step.argv) if a == "--param"]
        assert ClusterSpec.load(params=params, environ=step.env) == expected, step.task


def test_a_spec_document_as_the_payload(docs: list[Doc]) -> None:
    body = yaml.safe_load((ROOT / "examples" / "spec-complete.yaml").read_text())
    workflow = sensor_workflow(docs, "preflight", {"data": {"body": body}})
    parameters = {p["name"]: p["value"] for p in workflow["spec"]["arguments"]["parameters"]}
    step = container_steps(docs, "clusterready-preflight", parameters)[0]
    params = [step.argv[i + 1] for i, a in enumerate(step.argv) if a == "--param"]
    assert ClusterSpec.load(params=params, environ=step.env) == ClusterSpec.from_mapping(body)


# --------------------------------------------------------------------------- steps


def only(step: Step) -> str:
    """The add-on a validation step checks (its ``--only``), or its task name."""
    return step.argv[step.argv.index("--only") + 1] if "--only" in step.argv else step.task


def test_validation_runs_one_step_per_addon_given_a_version(docs: list[Doc]) -> None:
    def steps(**params: str) -> list[str]:
        return [only(s) for s in container_steps(docs, "clusterready-validation", params)]

    assert steps(**{"METRICS-SERVER": "v0.7.2"}) == ["cluster", "metrics-server", "merge"]
    assert steps(**{"METRICS-SERVER": "none"}) == ["cluster", "merge"]
    assert steps() == ["cluster", "merge"]  # "" (not given): the payload's, no step of its own
    cluster, addon, _ = container_steps(docs, "clusterready-validation", {"COREDNS": "v1.11.3"})
    assert addon.argv[addon.argv.index("--only") + 1] == "coredns"
    assert "--strict" in addon.argv
    assert cluster.argv[cluster.argv.index("-k") + 1] == "addon[cluster]"


def test_validation_has_a_step_for_every_addon_of_the_registry(docs: list[Doc]) -> None:
    """A new add-on of clusterready.addons.REGISTRY cannot be forgotten: each has its
    parameter (the registry's name in capitals, as docs/spec.md maps it) in every template
    that runs checks or installs add-ons, and a step of its own in the validation."""
    params = {name.upper(): "v1.0.0" for name in REGISTRY}
    assert all(param_key(p) == f"addons.{n}" for p, n in zip(params, REGISTRY, strict=True))
    steps = container_steps(docs, "clusterready-validation", params)
    assert [only(s) for s in steps] == ["cluster", *REGISTRY, "merge"]
    for step in steps[1:-1]:
        assert f"{only(step).upper()}=v1.0.0" in step.argv
    for name in ("clusterready-preflight", "cluster-addons", "cluster-build"):
        declared = named(docs, "WorkflowTemplate", name)["spec"]["arguments"]["parameters"]
        assert set(params) <= {p["name"] for p in declared}, name
    build = {"CLUSTER_NAME": "x", "INFRA_REPO": "r", **params}
    steps = container_steps(docs, "cluster-build", build)
    assert [s.env["ADDON"] for s in steps if s.task.startswith("addons/")] == list(REGISTRY)


@pytest.mark.parametrize(
    "template", ["clusterready-preflight", "clusterready-validation", "cluster-build"]
)
def test_every_check_step_runs_strict(docs: list[Doc], template: str) -> None:
    """An add-on a step is asked for and no check covers fails the step (docs/exit-codes.md)."""
    params = {"CLUSTER_NAME": "prod-eu", "METRICS-SERVER": "v0.7.2"}
    if template == "cluster-build":
        params["INFRA_REPO"] = "r"
    runs = [
        s for s in container_steps(docs, template, params) if s.argv[:2] == ["clusterready", "run"]
    ]
    assert runs
    assert all("--strict" in s.argv for s in runs), [s.task for s in runs]


def test_preflight_fans_out_over_three_shards(docs: list[Doc]) -> None:
    steps = container_steps(docs, "clusterready-preflight", {"CLUSTER_NAME": "prod-eu"})
    shards = [s.argv[s.argv.index("--shard") + 1] for s in steps[:-1]]
    assert shards == ["1/3", "2/3", "3/3"]
    keys = {a.key for s in steps[:-1] for a in s.outputs if a.name == "summary"}
    merge = steps[-1]
    assert merge.argv[:2] == ["sh", "-c"]
    assert all(k.startswith(merge.inputs[0].key + "/") for k in keys)
    assert len(keys) == 3
    assert "--param" in steps[0].argv
    assert "CLUSTER_NAME=prod-eu" in steps[0].argv


def test_the_build_runs_every_stage_in_order(docs: list[Doc]) -> None:
    params = {"CLUSTER_NAME": "prod-eu", "INFRA_REPO": "r", "METRICS-SERVER": "v0.7.2"}
    steps = container_steps(docs, "cluster-build", params)
    stages = list(dict.fromkeys(s.task.split("/")[0] for s in steps))
    assert stages == ["preflight", "eks-controlplane", "eks-nodegroup", "addons", "validation"]
    addons = [s for s in steps if s.task.startswith("addons/")]
    assert len(addons) == 1
    assert addons[0].env["ADDON"] == "metrics-server"
    assert "helm template" in addons[0].argv[-1]
    assert "kubectl --kubeconfig /tmp/kubeconfig apply -f -" in addons[0].argv[-1]
    controlplane = next(s for s in steps if s.task.startswith("eks-controlplane/"))
    assert "aws cloudformation deploy" in controlplane.argv[-1]
    assert controlplane.inputs[0].path == "/src"  # the infrastructure repository


@pytest.mark.parametrize(
    ("template_name", "parameters", "message"),
    [
        ("nope", {}, "no WorkflowTemplate named 'nope'"),
        ("clusterready-preflight", {"CLUSTERNAME": "x"}, "no parameter named CLUSTERNAME"),
        ("cluster-build", {"CLUSTER_NAME": "x"}, "parameter 'INFRA_REPO' needs a value"),
    ],
)
def test_container_steps_refuses_what_argo_would(
    docs: list[Doc], template_name: str, parameters: dict[str, str], message: str
) -> None:
    with pytest.raises(ArgoError, match=message):
        container_steps(docs, template_name, parameters)


def test_when_expressions() -> None:
    assert evaluate("'none' != 'none'", {}) is False
    assert evaluate("'' != 'none' && '' != ''", {}) is False
    assert evaluate("('a' == 'b') || true", {}) is True
