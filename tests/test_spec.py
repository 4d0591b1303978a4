"""The cluster spec: sources, precedence, Argo parameters, overrides, validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clusterready.errors import SpecError
from clusterready.spec import (
    PARAMETERS,
    ClusterSpec,
    ExportSpec,
    SubnetSpec,
    apply_override,
    param_key,
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_valid_and_empty() -> None:
    spec = ClusterSpec.load(environ={})
    assert spec == ClusterSpec()
    assert spec.preflight.min_free_ips == 100
    assert spec.preflight.dhcp.domain_name_servers == ("AmazonProvidedDNS",)
    assert spec.addons == {}


def test_example_spec_loads(repo_root: Path) -> None:
    spec = ClusterSpec.load(repo_root / "examples" / "demo-spec.yaml", environ={})
    assert spec.cluster.name == "demo-eu"
    assert spec.addon_enabled("metrics-server")
    assert not spec.addon_enabled("cluster-autoscaler")


def test_yaml_and_json_files_give_the_same_spec(tmp_path: Path) -> None:
    data = {
        "cluster": {"name": "prod-eu", "version": "1.32"},
        "preflight": {
            "subnets": [
                "subnet-0a1b",
                {"id": "subnet-0c2d", "role": "private", "min_free_ips": 50},
            ],
            "exports": ["ClusterVpc", {"name": "Account", "pattern": "^[0-9]{12}$"}],
        },
        "addons": {"coredns": "v1.11.3"},
    }
    import yaml

    from_yaml = ClusterSpec.load(write(tmp_path, "s.yaml", yaml.safe_dump(data)), environ={})
    from_json = ClusterSpec.load(write(tmp_path, "s.json", json.dumps(data)), environ={})
    assert from_yaml == from_json
    assert from_yaml.preflight.subnets == (
        SubnetSpec(id="subnet-0a1b"),
        SubnetSpec(id="subnet-0c2d", role="private", min_free_ips=50),
    )
    assert from_yaml.preflight.exports[1] == ExportSpec(name="Account", pattern="^[0-9]{12}$")


def test_round_trip_through_plain_data() -> None:
    spec = ClusterSpec.load(
        sets=["preflight.subnets=subnet-01,subnet-02", "addons.coredns=v1", "aws.region=eu-west-1"],
        environ={},
    )
    assert ClusterSpec.from_mapping(spec.to_dict()) == spec
    json.dumps(spec.to_dict())  # serialisable


def test_precedence_file_then_params_then_sets(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "cluster: {name: from-file}\naws: {region: eu-west-1}\n")
    spec = ClusterSpec.load(
        path,
        params=["CLUSTER_NAME=from-param", "AWS_REGION=us-east-1"],
        sets=["cluster.name=from-set"],
        environ={},
    )
    assert spec.cluster.name == "from-set"
    assert spec.aws.region == "us-east-1"


def test_spec_option_wins_over_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "cluster: {name: from-file}\n")
    env = {"CLUSTERREADY_SPEC": '{"cluster": {"name": "from-env"}}'}
    assert ClusterSpec.load(path, environ=env).cluster.name == "from-file"
    assert ClusterSpec.load(environ=env).cluster.name == "from-env"


def test_environment_may_name_a_path(tmp_path: Path) -> None:
    write(tmp_path, "s.yaml", "cluster: {name: via-path}\n")
    env = {"CLUSTERREADY_SPEC": "s.yaml"}
    assert ClusterSpec.load(environ=env, base_dir=tmp_path).cluster.name == "via-path"


def test_argo_events_payload_with_parameters_body(tmp_path: Path) -> None:
    payload = {
        "context": {"type": "webhook", "source": "run-checks", "id": "1"},
        "data": {
            "header": {"Content-Type": ["application/json"]},
            "body": {
                "CLUSTER_NAME": "prod-eu",
                "METRICS-SERVER": "none",
                "CLUSTER-AUTOSCALER": "v1.32.0",
                "SUBNET_IDS": ["subnet-0a", "subnet-0b"],
                "MIN_FREE_IPS": 64,
            },
        },
    }
    spec = ClusterSpec.load(write(tmp_path, "event.json", json.dumps(payload)), environ={})
    assert spec.cluster.name == "prod-eu"
    assert spec.addon_version("metrics-server") == "none"
    assert spec.addon_enabled("cluster-autoscaler")
    assert [s.id for s in spec.preflight.subnets] == ["subnet-0a", "subnet-0b"]
    assert spec.preflight.min_free_ips == 64


def test_argo_events_payload_with_spec_body(tmp_path: Path) -> None:
    payload = {"context": {}, "data": {"body": {"cluster": {"name": "from-body"}}}}
    spec = ClusterSpec.load(write(tmp_path, "event.json", json.dumps(payload)), environ={})
    assert spec.cluster.name == "from-body"


def test_workflow_manifest_parameters(tmp_path: Path) -> None:
    manifest = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: build-cluster-}
spec:
  workflowTemplateRef: {name: build-cluster}
  arguments:
    parameters:
      - {name: CLUSTER_NAME, value: prod-us}
      - {name: AWS_REGION, value: us-east-1}
      - {name: COREDNS, value: v1.11.3}
"""
    spec = ClusterSpec.load(write(tmp_path, "wf.yaml", manifest), environ={})
    assert (spec.cluster.name, spec.aws.region) == ("prod-us", "us-east-1")
    assert spec.addon_version("coredns") == "v1.11.3"


def test_parameter_file_as_flat_map(tmp_path: Path) -> None:
    spec = ClusterSpec.load(
        write(tmp_path, "params.yaml", "CLUSTER_NAME: staging\nCONTAINER_HUB: hub.local\n"),
        environ={},
    )
    assert (spec.cluster.name, spec.cluster.container_hub) == ("staging", "hub.local")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("CLUSTER_NAME", "cluster.name"),
        ("cluster-name", "cluster.name"),
        ("CONTAINER_HUB", "cluster.container_hub"),
        ("METRICS-SERVER", "addons.metrics-server"),
        ("AWS_NODE", "addons.aws-node"),
        ("istio", "addons.istio"),
    ],
)
def test_parameter_names_map_to_spec_keys(name: str, key: str) -> None:
    assert param_key(name) == key


def test_every_mapped_parameter_is_a_real_key() -> None:
    for name, key in PARAMETERS.items():
        value = "subnet-0a" if key.endswith("subnets") else "1"
        if key.endswith(("region",)):
            value = "eu-west-1"
        if key.endswith("account"):
            value = "123456789012"
        if key.endswith(("version",)):
            value = "1.32"
        if key.endswith("namespace"):
            value = "default"
        if key.endswith("vpc_id"):
            value = "vpc-0a"
        ClusterSpec.load(params=[f"{name}={value}"], environ={})


def test_set_reaches_into_list_items_and_addons() -> None:
    spec = ClusterSpec.load(
        params=["SUBNET_IDS=subnet-0a subnet-0b"],
        sets=["preflight.subnets.1.min_free_ips=20", "addons.istio=1.22.0"],
        environ={},
    )
    assert spec.preflight.subnets[1] == SubnetSpec(id="subnet-0b", min_free_ips=20)
    assert spec.addon_version("istio") == "1.22.0"


def test_set_reads_text_as_the_key_type() -> None:
    spec = ClusterSpec()
    assert apply_override(spec, "preflight.vpc_dns", "false").preflight.vpc_dns is False
    assert apply_override(
        spec, "preflight.vpc_endpoints", '["ecr.api", "sts"]'
    ).preflight.vpc_endpoints == ("ecr.api", "sts")
    dhcp = apply_override(spec, "preflight.dhcp", '{"single_domain_name": false}').preflight.dhcp
    assert dhcp.single_domain_name is False
    assert dhcp.domain_name_servers == ("AmazonProvidedDNS",)
    assert apply_override(spec, "cluster.version", "1.30").cluster.version == "1.30"


# Malformed input: one precise, one-line message each (what, where, expected, found).
MALFORMED = [
    pytest.param(
        {"s.yaml": "cluster:\n  name: [unclosed\n"},
        ["--spec", "s.yaml"],
        "s.yaml:3:1: invalid YAML: expected ',' or ']'",
        id="bad-yaml",
    ),
    pytest.param({}, ["--spec", "missing.yaml"], "missing.yaml: file not found", id="missing-file"),
    pytest.param(
        {"s.json": '{"cluster": {"name": "x",}}'},
        ["--spec", "s.json"],
        "s.json:1:26: invalid JSON: Expecting property name",
        id="bad-json",
    ),
    pytest.param(
        {"s.yaml": "clustr: {name: x}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: clustr: unknown key 'clustr' (did you mean 'cluster'?)",
        id="unknown-top-key",
    ),
    pytest.param(
        {"s.yaml": "preflight: {min_free_ip: 5}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: preflight.min_free_ip: unknown key 'min_free_ip' (did you mean 'min_free_ips'?)",
        id="unknown-nested-key",
    ),
    pytest.param(
        {"s.yaml": "preflight: {min_free_ips: lots}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: preflight.min_free_ips: expected an integer, found string 'lots'",
        id="wrong-type-int",
    ),
    pytest.param(
        {"s.yaml": "cluster: {version: 1.30}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: cluster.version: expected a string (quote it), found number 1.3",
        id="unquoted-version",
    ),
    pytest.param(
        {"s.yaml": "preflight: {subnets: subnet-0a}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: preflight.subnets: expected a list, found string 'subnet-0a'",
        id="list-expected",
    ),
    pytest.param(
        {"s.yaml": "preflight: {subnets: [bogus]}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: preflight.subnets[0].id: expected 'subnet-<hex>', found string 'bogus'",
        id="malformed-subnet-id",
    ),
    pytest.param(
        {"s.yaml": "preflight: {lb_subnet_tags: maybe}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: preflight.lb_subnet_tags: expected one of 'fail', 'warn', 'off', "
        "found string 'maybe'",
        id="bad-choice",
    ),
    pytest.param(
        {"s.yaml": "aws: {account: '1234'}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: aws.account: expected a 12-digit account id, found string '1234'",
        id="bad-account",
    ),
    pytest.param(
        {"s.yaml": "aws: {account: 123456789012}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: aws.account: expected a string (quote it), found integer 123456789012",
        id="unquoted-account",
    ),
    pytest.param(
        {"s.yaml": "- just\n- a list\n"},
        ["--spec", "s.yaml"],
        "s.yaml: expected a mapping at the top level, found a list",
        id="top-level-list",
    ),
    pytest.param(
        {"s.yaml": "preflight: {exports: [{name: A, value: x, pattern: y}]}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: preflight.exports[0].pattern: expected either value or pattern, not both",
        id="value-and-pattern",
    ),
    pytest.param(
        {"s.yaml": "preflight: {ssm_parameters: [{name: /a, pattern: '(['}]}\n"},
        ["--spec", "s.yaml"],
        "s.yaml: preflight.ssm_parameters[0].pattern: expected a valid regular expression",
        id="bad-regex",
    ),
    pytest.param(
        {},
        ["--set", "preflight.min_free_ips=many"],
        "--set: preflight.min_free_ips: expected an integer, found 'many'",
        id="set-bad-value",
    ),
    pytest.param(
        {},
        ["--set", "preflight.subnet.0=x"],
        "--set: preflight.subnet: unknown key 'subnet' (did you mean 'subnets'?)",
        id="set-bad-path",
    ),
    pytest.param(
        {},
        ["--set", "preflight.subnets.3.min_free_ips=1"],
        "--set: preflight.subnets: expected an index below 0 (the list has 0 items), found 3",
        id="set-index-out-of-range",
    ),
    pytest.param(
        {},
        ["--set", "min_free_ips"],
        "--set: expected dotted.key=value, found 'min_free_ips'",
        id="set-no-equals",
    ),
    pytest.param(
        {},
        ["--param", "CLUSTER NAME=x"],
        "--param CLUSTER NAME: expected a parameter name of letters, digits, '-' and '_', "
        "found 'CLUSTER NAME'",
        id="param-bad-name",
    ),
    pytest.param(
        {},
        ["--param", "MIN_FREE_IPS=ten"],
        "--param MIN_FREE_IPS: preflight.min_free_ips: expected an integer, found 'ten'",
        id="param-bad-value",
    ),
    pytest.param(
        {},
        ["--set", "addons.metrics-server="],
        "--set: addons: expected a version or 'none' for add-on "
        "'metrics-server', found an empty string",
        id="set-empty-addon-version",
    ),
    pytest.param(
        {},
        ["--namespace", "Not_A_Namespace"],
        "--namespace: kube.namespace: expected a namespace name (DNS label), "
        "found string 'Not_A_Namespace'",
        id="bad-namespace-option",
    ),
]


@pytest.mark.parametrize(("files", "args", "message"), MALFORMED)
def test_malformed_input_stops_the_run_with_exit_4_and_one_line(
    pytester: pytest.Pytester, files: dict[str, str], args: list[str], message: str
) -> None:
    for name, text in files.items():
        (pytester.path / name).write_text(text, encoding="utf-8")
    pytester.makepyfile("def test_never_runs(): raise SystemExit('ran')")
    result = pytester.runpytest(*args)
    assert result.ret == 4
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, result.stderr.str()
    assert errors[0].startswith(f"ERROR: clusterready: {message}"), errors[0]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_invalid_inline_json_in_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTERREADY_SPEC", '{"cluster": ')
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest()
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["ERROR: clusterready: $CLUSTERREADY_SPEC:1:12: invalid JSON: Expecting value"]
    )


def test_spec_error_message_parts() -> None:
    err = SpecError("expected an integer", found="'x'", path="a.b", source="f.yaml")
    assert (err.source, err.path, err.expected, err.found) == (
        "f.yaml",
        "a.b",
        "expected an integer",
        "'x'",
    )
    assert str(err) == "f.yaml: a.b: expected an integer, found 'x'"


def test_an_empty_parameter_sets_nothing(tmp_path: Path) -> None:
    """Argo passes a parameter nobody gave as "": the spec file's value stays."""
    spec = write(tmp_path, "s.yaml", "addons: {metrics-server: v0.7.2}\n")
    loaded = ClusterSpec.load(
        spec, params=["METRICS-SERVER=", "MIN_FREE_IPS=", "CLUSTER_NAME="], environ={}
    )
    assert loaded.addon_version("metrics-server") == "v0.7.2"
    assert loaded.preflight.min_free_ips == 100
    assert loaded == ClusterSpec.load(spec, environ={})
