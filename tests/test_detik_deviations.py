"""The deliberate deviations from bats-detik v1.4.0 (docs/detik-compat.md), one test each."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterready.detik import Detik, KubectlSource, Query, StaticSource, parse
from clusterready.detik.lint import lint
from clusterready.errors import CannotEvaluate, DetikSyntaxError
from clusterready.testing import FakeCluster


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "client"
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_d1_a_client_error_is_an_error_not_zero_found(tmp_path: Path) -> None:
    client = script(tmp_path, "echo 'error: You must be logged in to the server' >&2; exit 1")
    detik = Detik(KubectlSource([client]))
    with pytest.raises(CannotEvaluate) as err:
        detik.verify("there is 0 pod named 'nginx'")
    assert str(err.value) == (
        f"{client} get pod -o custom-columns=NAME:.metadata.name: exit 1: "
        "error: You must be logged in to the server"
    )


def test_d1_a_missing_client_is_an_error() -> None:
    with pytest.raises(CannotEvaluate, match="command not found: no-such-kubectl"):
        Detik(KubectlSource(["no-such-kubectl"])).verify("there is 0 pod named 'x'")


def test_d2_counts_are_numbers() -> None:
    detik = Detik(StaticSource([("nginx-1", ""), ("nginx-2", "")]))
    assert detik.verify("there are 02 pods named 'nginx'").lines[-1] == (
        "Found 2 pods named nginx (as expected)."
    )
    rows = StaticSource([("nginx-1", "Running"), ("nginx-2", "Running")])
    assert (
        Detik(rows)
        .try_(
            "at most 1 times every 1s to find 02 pods named 'nginx' with 'status' being 'running'"
        )
        .passed
    )


def test_d3_wait_between_attempts_never_after_the_last() -> None:
    sleeps = Sleeps()
    outcome = Detik(StaticSource([("nginx-1", "Pending")]), sleep=sleeps).try_(
        "at most 4 times every 7s to get pods named 'nginx' and verify that 'status' is 'running'",
        check=False,
    )
    assert outcome.attempts == 4
    assert sleeps == [7, 7, 7]


def test_d3_success_stops_the_attempts() -> None:
    answers = iter([[("web-1", "Pending")], [("web-1", "Running")]])

    class Changing:
        def rows(self, query: Query) -> list[tuple[str, str]]:
            return next(answers)

    sleeps = Sleeps()
    outcome = Detik(Changing(), sleep=sleeps).try_(
        "at most 5 times every 3s to get pods named 'web' and verify that 'status' is 'running'"
    )
    assert (outcome.attempts, sleeps) == (2, [3])


def test_d4_quoted_parts_are_kept_as_written(tmp_path: Path) -> None:
    (tmp_path / "nginxZZ").write_text("")  # bats-detik would glob 'nginx*' into this name
    source = StaticSource([("cert1", "BEGIN  CERTIFICATE"), ("nginx*", "")])
    detik = Detik(source)
    assert detik.verify("'value' is 'begin  certificate' for secrets named 'cert1'").passed
    assert detik.verify("there is 1 pod named 'nginx[*]'").passed


def test_d5_no_wrap_at_256() -> None:
    rows = [("nginx-0", "Running")] + [(f"nginx-{i}", "Pending") for i in range(1, 257)]
    outcome = Detik(StaticSource(rows)).verify(
        "'status' is 'running' for pods named 'nginx'", check=False
    )
    assert outcome.status == 3


def test_d6_more_than_comes_from_the_grammar() -> None:
    outcome = Detik(StaticSource([("less than", ""), ("less than 2", "")])).verify(
        "there are 2 pods named 'less than'"
    )
    assert outcome.lines[-1] == "Found 2 pods named less than (as expected)."


@pytest.mark.parametrize("value", ["it's", "a\\b", "-e", "a  b"])
def test_d7_values_are_not_mangled(tmp_path: Path, value: str) -> None:
    (tmp_path / "value").write_text(value + "\n")
    client = script(tmp_path, f"printf 'NAME   PROP\\nweb-1   '; cat {tmp_path / 'value'}")
    outcome = Detik(KubectlSource([client])).verify("'.x' matches '.' for pods named 'web'")
    assert outcome.rows == (("web-1", value),)


def test_d8_zero_attempts_is_a_syntax_error() -> None:
    detik = Detik(StaticSource([]))
    sentence = "at most 0 times every 5s to get pods named 'x' and verify that 'status' is 'a'"
    with pytest.raises(DetikSyntaxError, match="at least 1 attempt"):
        detik.try_(sentence)
    assert detik.try_(sentence, check=False).status == 2


def test_d9_find_zero_on_nothing_passes_quietly() -> None:
    outcome = Detik(StaticSource([])).try_(
        "at most 1 times every 1s to find 0 pods named 'x' with 'status' being 'failed'"
    )
    assert outcome.lines == ("Valid expression. Verification in progress...",)


@pytest.mark.parametrize(
    "sentence",
    [
        "there are 2 pods named '(unclosed'",
        "'status' matches '\\d+' for pods named 'x'",
        "'.a[x]' is 'b' for pods named 'x'",
        "'a,b' is 'c' for pods named 'x'",
        "at most 1 times every 1s to get deploy named 'x' and verify that 'a' is more than '1.5'",
    ],
)
def test_d10_bad_parts_are_syntax_errors(sentence: str) -> None:
    detik = Detik(StaticSource([]))
    verb = detik.try_ if sentence.startswith("at") else detik.verify
    with pytest.raises(DetikSyntaxError):
        verb(sentence)


def test_d11_a_word_is_not_a_number() -> None:
    outcome = Detik(StaticSource([("web", "<none>")])).try_(
        "at most 1 times every 1s to get deploy named 'web' and verify that "
        "'status.readyReplicas' is less than '2'",
        check=False,
    )
    assert outcome.status == 3
    assert outcome.lines[-1] == "Current value for web is not less than 2..."


def test_d12_the_expected_value_is_always_lowercased() -> None:
    outcome = Detik(StaticSource([])).try_(
        "at most 1 times every 1s to find 1 pod named 'x' with 'status' being 'RUNNING'",
        check=False,
    )
    assert outcome.lines[-1] == "Expected 1 pod named x to have this value (running). Found 0."


def test_d13_nothing_is_written_to_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG_DETIK", "true")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    before = set(Path("/tmp").iterdir())
    outcome = Detik(StaticSource([("nginx-1", "Running")])).verify(
        "'status' is 'pending' for pods named 'nginx'", check=False
    )
    assert outcome.rows == (("nginx-1", "Running"),)
    assert {
        p for p in set(Path("/tmp").iterdir()) - before if p.name in ("detik", "toto3")
    } == set()
    assert list(tmp_path.iterdir()) == []


def test_d14_the_linter_knows_every_form(tmp_path: Path) -> None:
    bats = tmp_path / "t.bats"
    bats.write_text(
        "run verify \"there are more than 1 pods named 'nginx'\"\n"
        "run -0 try \"at most 2 times every 1s to get deploy named 'x' and verify that "
        "'status.currentReplicas' is more than '1'\"\n"
        "run ! verify \"there are 2 pods nammed 'x'\"\n"
    )
    report = lint(bats)
    assert report.statements == 3
    assert [e.summary for e in report.errors] == ["Invalid VERIFY statement at line 3."]


def test_d15_the_client_is_not_evaluated(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    client = script(tmp_path, "printf 'NAME\\nweb-1\\n'")
    source = KubectlSource(f"{client} '--flag=$(touch {marker})' --context=$HOME")
    assert source.argv == [client, f"--flag=$(touch {marker})", "--context=$HOME"]
    Detik(source).verify("there is 1 pod named 'web'")
    assert not marker.exists()


def test_d16_an_erroring_attempt_is_a_failed_attempt() -> None:
    answers: Iterator[CannotEvaluate | list[tuple[str, str]]] = iter(
        [CannotEvaluate("cluster 'x': 503"), [("web-1", "Running")]]
    )

    class Flaky:
        def rows(self, query: Query) -> list[tuple[str, str]]:
            answer = next(answers)
            if isinstance(answer, CannotEvaluate):
                raise answer
            return answer

    outcome = Detik(Flaky(), sleep=Sleeps()).try_(
        "at most 3 times every 1s to get pods named 'web' and verify that 'status' is 'running'"
    )
    assert outcome.lines == (
        "Valid expression. Verification in progress...",
        "Could not evaluate (attempt 1): cluster 'x': 503",
        "web-1 has the right value (running).",
    )


COREFILE = ".:53 {\n    errors\n    forward . /etc/resolv.conf\n}\n"


@pytest.fixture
def kubectl_argv(fake_cluster: FakeCluster, tmp_path: Path) -> list[str]:
    return ["kubectl", "--kubeconfig", fake_cluster.kubeconfig, "--cache-dir", str(tmp_path)]


def test_d19_a_multi_line_value_is_matched_whole_in_process(
    fake_cluster: FakeCluster, kubectl_argv: list[str]
) -> None:
    """bats-detik reads kubectl's table line by line and sees only a value's first line;
    in process the whole value is matched (a ConfigMap's Corefile), outer blanks trimmed."""
    from clusterready.kube import Cluster

    fake_cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "coredns", "namespace": "kube-system"},
            "data": {"Corefile": COREFILE},
        }
    )
    sentence = "'.data.Corefile' matches 'forward' for configmaps named '^coredns$'"
    whole = Detik(Cluster.from_kubeconfig(fake_cluster.kubeconfig), namespace="kube-system")
    outcome = whole.verify(sentence, check=False)
    assert outcome.passed
    assert outcome.rows == (("coredns", COREFILE.strip()),)
    first_line = Detik(KubectlSource(kubectl_argv), namespace="kube-system")
    assert first_line.verify(sentence, check=False).rows[0] == ("coredns", ".:53 {")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("there are " + "9" * 19 + " pods named 'x'", "a number of resources of at most 18 digits"),
        (
            "at most 2 times every 1000000000s to get pods named 'x' and verify that 'a' is 'b'",
            "a delay of at most 9 digits",
        ),
        ("there are 2 pods named 'a{32768}'", "a POSIX extended regular expression"),
    ],
)
def test_d17_numbers_and_regexes_have_limits(sentence: str, expected: str) -> None:
    with pytest.raises(DetikSyntaxError) as caught:
        parse(sentence)
    assert caught.value.expected == expected
    parse("there are 2 pods named 'a{32767}'")  # grep's own limit is fine


def test_d18_a_property_kubectl_cannot_print_is_not_verified() -> None:
    from clusterready.kube.jsonpath import project

    class Pods:
        def rows(self, query: Query) -> list[tuple[str, str]]:
            pod = {"metadata": {"name": "metrics-1"}, "status": {"phase": "Running"}}
            assert query.path is not None
            return [("metrics-1", project(pod, query.path))]

    outcome = Detik(Pods()).verify(
        "'.status.phase[0]' is 'x' for pods named 'metrics'", check=False
    )
    assert outcome.status == 3
    assert outcome.lines[-1] == (
        "Cannot read .status.phase[0] of metrics-1: string is not array or slice "
        "(the value there is Running)."
    )


# --------------------------------------------------------------------------- extensions


def _web_pod(name: str, ready: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "demo"},
        "status": {
            "phase": "Running",  # a crash-looping pod is Running between its crashes
            "conditions": [{"type": "PodScheduled", "status": "True"}]
            + ([{"type": "Ready", "status": ready}] if ready else []),
        },
    }


@pytest.fixture
def web_pods(fake_cluster: FakeCluster) -> FakeCluster:
    for name, ready in (("web-1", "True"), ("web-2", "False"), ("web-3", "")):
        fake_cluster.apply(_web_pod(name, ready))
    return fake_cluster


def test_e1_condition_type_reads_that_conditions_status(
    web_pods: FakeCluster, kubectl_argv: list[str]
) -> None:
    """'condition Ready' is the status of the Ready condition (`<none>` without one), in
    process and through kubectl alike, where 'status' (the phase) passes them all."""
    from clusterready.kube import Cluster

    for source in (Cluster.from_kubeconfig(web_pods.kubeconfig), KubectlSource(kubectl_argv)):
        detik = Detik(source, namespace="demo")
        assert detik.verify("'status' is 'running' for pods named '^web-'").passed
        outcome = detik.verify("'condition Ready' is 'true' for pods named '^web-'", check=False)
        assert outcome.query is not None
        assert outcome.query.path == '.status.conditions[?(@.type=="Ready")].status'
        assert (outcome.status, outcome.rows) == (
            3,
            (("web-1", "True"), ("web-2", "False"), ("web-3", "<none>")),
        )
        assert outcome.headline == (
            "'condition Ready' of pods named '^web-' expected to be 'true': web-2 is 'False', "
            "web-3 is '<none>'"
        )
        found = detik.try_(
            "at most 1 times every 1s to find 1 pods named '^web-' with 'CONDITION Ready' "
            "being 'True'"
        )
        assert found.passed


def test_e1_bats_detik_could_never_read_such_a_property(
    web_pods: FakeCluster, kubectl_argv: list[str]
) -> None:
    """bats-detik hands 'condition Ready' to kubectl as it is: kubectl refuses to print it,
    so no sentence bats-detik can verify changes meaning."""
    import subprocess

    args = [
        "get",
        "pods",
        "-n",
        "demo",
        "-o",
        "custom-columns=NAME:.metadata.name,PROP:condition Ready",
    ]
    done = subprocess.run(
        [*kubectl_argv, *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
    assert "unrecognized identifier Ready" in done.stderr


@pytest.mark.parametrize(
    "prop",
    ["ready", "Ready", "condition", "conditions", "conditionReady", "condition.Ready",
     ".status.conditions[0].status", "status.conditions"],
)  # fmt: skip
def test_e1_nearby_properties_keep_their_bats_detik_meaning(prop: str) -> None:
    """Only 'condition <Type>' (a space, then a type) is the extension: a bare 'ready' is
    still kubectl's `.ready` (`<none>` on a pod), and every other path is itself."""
    from clusterready.detik import property_path

    assert property_path(prop) == prop
    assert parse(f"'{prop}' is 'x' for pods named 'web'").path == prop


def test_e1_a_bare_ready_is_still_the_top_level_field(web_pods: FakeCluster) -> None:
    from clusterready.kube import Cluster

    detik = Detik(Cluster.from_kubeconfig(web_pods.kubeconfig), namespace="demo")
    assert detik.verify("'ready' is '<none>' for pods named '^web-'").passed
