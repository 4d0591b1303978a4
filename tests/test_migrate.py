"""`clusterready migrate`: .bats files -> pytest modules and spec fragments, with a report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from clusterready.cli import main
from clusterready.detik.lint import lint, python_sentences
from clusterready.errors import UsageError
from clusterready.migrate import migrate, migrate_file
from clusterready.migrate.translate import migrate_text
from clusterready.spec import ClusterSpec

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "data" / "bats").glob("*.bats")) + sorted(
    (ROOT / "examples" / "bats").glob("*.bats")
)
RUFF = Path(sys.executable).parent / "ruff"

#: file -> (tests, sentences translated, spec entries, lines left): the report's exact counts
COUNTS = {
    "aws-preflight.bats": (10, 0, 10, 0),
    "helpers.bats": (3, 7, 0, 0),
    "namespaces.bats": (4, 4, 0, 0),
    "setup-kubectl-helm.bats": (3, 2, 0, 12),
    "variables.bats": (10, 14, 0, 0),
    "avail-ip-addresses.bats": (2, 0, 2, 0),
    "metrics-server.bats": (2, 3, 0, 0),
}


def module(text: str) -> str:
    return migrate_text(text, "t.bats").module


# --------------------------------------------------------------------------- the corpus


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    out = tmp_path_factory.mktemp("migrated")
    return out, migrate(CORPUS, out)


def test_the_corpus_covers_every_file() -> None:
    assert sorted(p.name for p in CORPUS) == sorted(COUNTS)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_report_counts_are_exact(path: Path) -> None:
    report = migrate_file(path).report
    found = (len(report.tests), report.sentences, len(report.spec_entries), len(report.left))
    assert found == COUNTS[path.name]
    assert sum(t.sentences for t in report.tests) == report.sentences


def test_generated_modules_compile_and_are_ruff_clean(migrated: tuple[Path, list[Any]]) -> None:
    out, reports = migrated
    for report in reports:
        source = (out / report.module).read_text()
        compile(source, report.module, "exec")
    if not RUFF.exists():
        pytest.skip("ruff is not installed beside this python")
    config = ["--config", str(ROOT / "pyproject.toml")]
    for command in ([str(RUFF), "check", "--no-cache"], [str(RUFF), "format", "--check"]):
        command += config
        done = subprocess.run(
            [*command, str(out)], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_generated_modules_pass_the_collection_time_lint(migrated: tuple[Path, list[Any]]) -> None:
    out, reports = migrated
    checked = 0
    for report in reports:
        path = out / report.module
        assert lint(path).errors == []
        # every sentence translated is one the lint sees (none here depends on the environment)
        lines = {line for line, _, _ in python_sentences(path.read_text())}
        assert len(lines) == report.sentences
        checked += len(lines)
    assert checked == sum(c[1] for c in COUNTS.values())


def test_generated_modules_collect(pytester: pytest.Pytester) -> None:
    reports = migrate(CORPUS, pytester.path)
    result = pytester.runpytest_inprocess("--collect-only", "-q", "-p", "no:xdist")
    assert result.ret == 0, result.outlines
    expected = sum(1 for r in reports for t in r.tests if not t.spec_entries) + 1  # [2 values]
    assert f"{expected} tests collected" in result.stdout.str()


def test_a_bad_sentence_in_a_constant_is_caught_at_collection(pytester: pytest.Pytester) -> None:
    [report] = migrate([ROOT / "tests/data/bats/variables.bats"], pytester.path)
    path = pytester.path / report.module
    path.write_text(path.read_text().replace('RETRIES = "2"', 'RETRIES = "two"'))
    result = pytester.runpytest_inprocess("-p", "no:xdist")
    assert result.ret == 4
    assert "test_variables.py:" in result.stderr.str()
    assert "at most two times" in result.stderr.str()


# --------------------------------------------------------------------------- translations


def test_status_checks_become_the_right_expectation() -> None:
    text = module(
        '@test "t" {\n'
        '  run verify "there is 1 pod named \'a\'"\n  [ "$status" -eq 0 ]\n'
        "  run verify \"there is 1 pod named 'b'\"\n  [[ $status -ne 0 ]]\n"
        "  run -0 verify \"there is 1 pod named 'c'\"\n"
        "  run ! try \"at most 2 times every 1s to get pods named 'd' and verify that 'status' "
        "is 'x'\"\n"
        "  run verify \"there is 1 pod named 'e'\"\n  assert_failure\n"
        "  run verify \"there is 1 pod named 'f'\"\n  (( status == 3 ))\n"
        "  verify \"there is 1 pod named 'g'\"\n"
        "  run verify \"there is 1 pod named 'h'\"\n"
        "}\n"
    )
    assert "detik.verify(\"there is 1 pod named 'a'\")\n" in text
    assert "detik.verify(\"there is 1 pod named 'b'\", check=False).assert_not_verified()" in text
    assert "detik.verify(\"there is 1 pod named 'c'\")\n" in text
    assert "check=False,\n    ).assert_not_verified()" in text  # the try of 'd'
    assert "'e'\", check=False).assert_not_verified()" in text
    assert "'f'\", check=False).assert_not_verified()" in text
    assert "detik.verify(\"there is 1 pod named 'g'\")\n" in text
    assert "    detik.verify(\"there is 1 pod named 'h'\", check=False)\n" in text
    assert "the verdict is not asserted" in text


def test_a_status_check_after_run_0_or_run_bang_is_part_of_it() -> None:
    m = migrate_text(
        '@test "t" {\n  run -0 verify "there is 1 pod named \'a\'"\n  [ "$status" -eq 0 ]\n'
        "  run ! verify \"there is 1 pod named 'b'\"\n  assert_failure\n}\n",
        "t.bats",
    )
    assert m.report.left == []
    assert "detik.verify(\"there is 1 pod named 'a'\")\n" in m.module
    assert "'b'\", check=False).assert_not_verified()" in m.module


def test_a_status_check_that_never_holds_is_left() -> None:
    m = migrate_text(
        '@test "t" {\n  run verify "there is 1 pod named \'a\'"\n  [ "$status" -eq 2 ]\n}\n', "t"
    )
    assert [left.line for left in m.report.left] == [2]
    assert "never hold" in m.report.left[0].reason


def test_variables_become_module_constants_and_helpers_are_inlined() -> None:
    text = module(
        "N=2\nsetup() {\n  NAME=web\n}\n"
        "check() {\n  local count=$1\n  verify \"there are ${count} pods named '^${NAME}'\"\n}\n"
        '@test "t" {\n  check 3\n  try "at most ${N} times every 1s to get pods named '
        "'${NAME}' and verify that 'status' is 'running'\"\n}\n"
    )
    assert 'NAME = "web"  # line 3' in text
    assert "detik.verify(f\"there are 3 pods named '^{NAME}'\")" in text
    assert "f\"at most {N} times every 1s to get pods named '{NAME}'" in text
    sentences = [s for _, _, s in python_sentences(text)]
    assert sentences[0] == "there are 3 pods named '^web'"
    assert sentences[1].startswith("at most 2 times")


def test_a_variable_from_the_environment_is_read_at_run_time() -> None:
    m = migrate_text('@test "t" {\n  verify "there is 1 pod named \'${APP}\'"\n}\n', "t")
    assert 'APP = os.environ.get("APP", "")' in m.module
    assert "import os" in m.module
    assert m.report.unchecked == 1
    assert m.report.left == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ('DETIK_CLIENT_NAME="kubectl -n kube-system"', 'detik.using(namespace="kube-system")'),
        ('DETIK_CLIENT_NAME="kubectl --namespace=x"', 'detik.using(namespace="x")'),
        ('DETIK_CLIENT_NAME="oc -A"', "detik.using(all_namespaces=True)"),
        ('DETIK_CLIENT_NAMESPACE="demo"', 'detik.using(namespace="demo")'),
        ("DETIK_CLIENT_NAMESPACE_ALL=TRUE", "detik.using(all_namespaces=True)"),
        (
            'DETIK_CLIENT_NAME="kubectl -n a"\nDETIK_CLIENT_NAMESPACE=b',
            'detik.using(namespace="b")',
        ),
        (
            "DETIK_REGEX_CASE_INSENSITIVE_PROPERTIES=true",
            "detik.using(regex_case_insensitive=True)",
        ),
    ],
)
def test_detik_settings_become_a_fixture_override(settings: str, expected: str) -> None:
    text = module(settings + '\n@test "t" {\n  verify "there is 1 pod named \'x\'"\n}\n')
    assert "@pytest.fixture\ndef detik(detik: Detik) -> Detik:" in text
    assert f"    return {expected}\n" in text


def test_loads_of_the_bats_libraries_need_nothing() -> None:
    m = migrate_text(
        "load \"${BATS_TEST_DIRNAME}/lib/detik\"\nload 'test_helper/bats-assert/load.bash'\n"
        "bats_load_library bats-support\nload ../helpers\n",
        "t.bats",
    )
    assert [(x.line, x.reason.split(":")[0]) for x in m.report.left] == [(4, "loads ../helpers")]


def test_a_client_option_migrate_cannot_map_is_left() -> None:
    m = migrate_text('DETIK_CLIENT_NAME="kubectl --context prod"\n', "t.bats")
    assert "--context" in m.report.left[0].reason


def test_names_are_unique_identifiers_and_titles_are_docstrings() -> None:
    text = module(
        '@test "2 pods: ok?" {\n  true\n}\n@test "2 pods: ok!" {\n  true\n}\n'
        '@test "class" {\n  true\n}\n'
    )
    assert 'def test_2_pods_ok() -> None:\n    """2 pods: ok?"""' in text
    assert 'def test_2_pods_ok_2() -> None:\n    """2 pods: ok!"""' in text
    assert "def test_class() -> None:" in text


def test_what_cannot_be_translated_is_a_todo_with_its_line() -> None:
    m = migrate_file(ROOT / "tests/data/bats/setup-kubectl-helm.bats")
    lines = {(left.line, left.where) for left in m.report.left}
    assert (16, "setup()") in lines
    assert (12, "setup_file()") in lines
    assert (20, "teardown()") in lines
    assert (6, "top level") in lines
    assert "# TODO(migrate) line 16: kubectl apply" in m.module
    assert "# TODO(migrate) line 24: kubectl rollout status" in m.module
    # a test with lines left never passes: it skips, saying so, after its checks
    assert 'pytest.skip("migrate left 1 line of this test untranslated (TODO above)")' in m.module


def test_continuation_lines_are_joined() -> None:
    text = module(
        '@test "t" {\n  run try "at most 2 times every 1s " \\\n'
        "    \"to find 1 pods named 'x' \" \\\n    \"with 'status' being 'running'\"\n"
        '  [ "$status" -eq 0 ]\n}\n'
    )
    assert "to find 1 pods named 'x'" in text
    assert "check=False" not in text


# --------------------------------------------------------------------------- aws tests


def test_aws_tests_become_a_valid_spec_fragment(migrated: tuple[Path, list[Any]]) -> None:
    out, reports = migrated
    report = next(r for r in reports if r.path.endswith("aws-preflight.bats"))
    fragment = out / report.fragment
    assert main(["spec", "--spec", str(fragment)]) == 0
    spec = ClusterSpec.load(fragment, environ={})
    assert [(s.id, s.min_free_ips) for s in spec.preflight.subnets] == [
        ("subnet-0aaa1111bbbb22220", 101),
        ("subnet-0aaa1111bbbb22221", 250),
    ]
    assert spec.preflight.ssm_parameters[0].name == "/eks/prod-eu/cluster-name"
    assert spec.preflight.ssm_parameters[1].pattern == "^ami-[0-9a-f]+$"
    assert spec.preflight.ssm_parameters[2].type == "SecureString"
    assert [(e.name, e.value) for e in spec.preflight.exports] == [
        ("prod-eu-AccountName", "platform-prod"),
        ("prod-eu-VpcId", ""),
    ]
    assert spec.preflight.vpc_id == "vpc-0a1b2c3d4e5f67890"
    assert spec.preflight.dhcp.domain_name_servers == ("AmazonProvidedDNS",)
    assert spec.aws.account == "123456789012"
    text = fragment.read_text()
    assert "tests_preflight/test_subnets.py::test_free_ips[subnet-0aaa1111bbbb22220]" in text
    assert "tests_preflight/test_account.py::test_caller_account" in text


def test_an_aws_test_with_an_invalid_id_is_left_with_the_reason() -> None:
    m = migrate_text(
        '@test "ips" {\n  N=$(aws ec2 describe-subnets --subnet-ids MySubnet | jq -r '
        "'.Subnets[0].AvailableIpAddressCount')\n  [ \"$N\" -gt 100 ]\n}\n",
        "t.bats",
    )
    assert m.fragment is None
    assert "expected 'subnet-<hex>', found string 'MySubnet'" in m.report.left[0].reason


@pytest.mark.parametrize(("threshold", "verdict"), [(100, "passed"), (300, "failed")])
def test_the_seed_ip_test_passes_and_fails_as_the_original(
    pytester: pytest.Pytester, moto_server: Any, threshold: int, verdict: str
) -> None:
    """A /24 has 251 free IPs in moto: `-gt 100` holds, `-gt 300` does not."""
    from clusterready.testing.moto import seed_account

    ids = seed_account(
        {"subnets": [{"name": "a", "az": "eu-west-1a", "cidr": "10.0.61.0/24"}]},
        "eu-west-1",
        moto_server.url,
    )
    subnet = ids["subnets"][0]["id"]
    seed = (ROOT / "examples/bats/avail-ip-addresses.bats").read_text()
    bats = pytester.path / "avail.bats"
    bats.write_text(seed.replace("subnet-0aaa1111bbbb22220", subnet).replace("100", str(threshold)))
    [report] = migrate([bats], pytester.path)
    shutil.copytree(ROOT / "tests_preflight", pytester.path / "tests_preflight")
    result = pytester.runpytest_inprocess(
        "tests_preflight/test_subnets.py::test_free_ips", "--spec", report.fragment,
        "--aws-region", "eu-west-1", "--json-report", "r.json", "-p", "no:cacheprovider",
    )  # fmt: skip
    tests = json.loads((pytester.path / "r.json").read_text())["tests"]
    outcomes = {t["id"].split("::")[-1]: t["outcome"] for t in tests}
    assert outcomes[f"test_free_ips[{subnet}]"] == verdict, result.stdout.str()[-2000:]


# --------------------------------------------------------------------------- the command


def test_cli_writes_modules_fragment_and_json_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [
        str(ROOT / "examples/bats" / n) for n in ("metrics-server.bats", "avail-ip-addresses.bats")
    ]
    report_path = str(tmp_path / "r.json")
    code = main(["migrate", *files, "-o", str(tmp_path / "out"), "--report", report_path])
    assert code == 0
    out = capsys.readouterr().out
    assert "metrics-server.bats -> test_metrics_server.py: 2 tests, 3 sentences translated" in out
    assert "2 files, 4 tests, 3 sentences translated, 2 spec entries, 0 lines left" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "avail_ip_addresses.spec.yaml",
        "test_avail_ip_addresses.py",
        "test_metrics_server.py",
    ]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["totals"] == {
        "files": 2, "tests": 4, "sentences": 3, "spec_entries": 2, "lines_left": 0,
    }  # fmt: skip
    assert report["files"][0]["test_details"][1]["name"] == (
        "test_verify_metrics_server_pods_are_running"
    )


def test_cli_report_lists_each_line_left_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ROOT / "tests/data/bats/setup-kubectl-helm.bats"
    assert (
        main(["migrate", str(path), "-o", str(tmp_path), "--report", str(tmp_path / "r.json")]) == 0
    )
    out = capsys.readouterr().out
    assert f"{path}:16: left (setup()): kubectl apply changes the cluster" in out
    left = json.loads((tmp_path / "r.json").read_text())["files"][0]["left"]
    assert len(left) == 12
    assert left[0] == {
        "line": 6,
        "text": 'load "../common"',
        "reason": "loads ../common: migrate does not read other files; inline what the tests need",
        "where": "top level",
    }


def test_check_fails_when_lines_would_be_left_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ROOT / "tests/data/bats/setup-kubectl-helm.bats"
    assert main(["migrate", "--check", str(path), "-o", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()
    assert "12 lines would be left untranslated (exit 1)" in capsys.readouterr().err
    clean = ROOT / "examples/bats/metrics-server.bats"
    assert main(["migrate", "--check", str(clean), "-o", str(tmp_path / "out")]) == 0
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nope.bats", "nope.bats: no such file"),
        (lambda d: _write(d / "t.sh", "x"), "t.sh: expected a .bats file, found .sh"),
        (lambda d: _mkdir(d / "dir.bats"), "dir.bats: not a regular file"),
        (lambda d: _write_bytes(d / "b.bats", b"\xff\xfe"), "b.bats: not UTF-8 text (byte 0)"),
        (
            lambda d: _write(d / "s.bats", _test("verify \"there are 2 pods nammed 'x'\"")),
            "s.bats:2: column 18: expected 'named', found 'nammed'",
        ),
        (
            lambda d: _write(d / "v.bats", '@test "t" {\n  verify "at most 2 times every 1s to get '
                             "pods named 'x' and verify that 'status' is 'y'\"\n}\n"),
            "v.bats:2: expected a verify sentence, found a try sentence",
        ),
        (
            lambda d: _write(d / "u.bats", '@test "t" {\n  verify "there is 1 pod named \'x\'"\n'),
            "u.bats:1: @test \"t\" has no closing '}' on a line of its own",
        ),
        (
            lambda d: _write(d / "q.bats", _test("verify \"there is 1 pod named 'x'")),
            "q.bats:2: no closing double quote",
        ),
    ],
    ids=["missing", "not-bats", "directory", "not-utf8", "bad-sentence", "wrong-verb",
         "unclosed-test", "unbalanced-quote"],
)  # fmt: skip
def test_bad_input_is_one_message_and_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, message: str
) -> None:
    good = ROOT / "examples/bats/metrics-server.bats"
    bad = make(tmp_path)
    assert main(["migrate", str(good), str(bad), "-o", str(tmp_path / "out")]) == 4
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert message in captured.err
    assert captured.err.startswith("clusterready: error: ")
    assert not (tmp_path / "out").exists()  # nothing written, not even the good file


def test_an_unwritable_report_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = str(ROOT / "examples/bats/metrics-server.bats")
    code = main(["migrate", good, "-o", str(tmp_path), "--report", str(tmp_path / "no/r.json")])
    assert code == 4
    assert "--report" in capsys.readouterr().err


def test_two_files_that_would_clash_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        shutil.copy(ROOT / "examples/bats/metrics-server.bats", tmp_path / d / "m.bats")
    a, b = str(tmp_path / "a/m.bats"), str(tmp_path / "b/m.bats")
    code = main(["migrate", a, b, "-o", str(tmp_path)])
    assert code == 4


def _test(line: str) -> str:
    return f'@test "t" {{\n  {line}\n}}\n'


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def test_examples_fragment_is_yaml_with_notes(tmp_path: Path) -> None:
    [report] = migrate([ROOT / "examples/bats/avail-ip-addresses.bats"], tmp_path)
    text = (tmp_path / report.fragment).read_text()
    assert yaml.safe_load(text) == {
        "preflight": {
            "subnets": [
                {"id": "subnet-0aaa1111bbbb22220", "min_free_ips": 101},
                {"id": "subnet-0aaa1111bbbb22221", "min_free_ips": 101},
            ]
        }
    }
    assert text.startswith("# Spec fragment migrated from ")


# --------------------------------------------------------------------------- docs/migration.md

DOC = ROOT / "docs" / "migration.md"


def test_doc_before_and_after_are_what_migrate_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_docs import blocks

    monkeypatch.chdir(ROOT)
    names = ["examples/bats/metrics-server.bats", "examples/bats/avail-ip-addresses.bats"]
    assert blocks(DOC, "bash") == [(ROOT / n).read_text() for n in names]
    migrate(names, tmp_path)
    assert blocks(DOC, "python") == [(tmp_path / "test_metrics_server.py").read_text()]
    assert blocks(DOC, "yaml") == [(tmp_path / "avail_ip_addresses.spec.yaml").read_text()]


def test_doc_migrate_commands_print_what_the_doc_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shlex

    from test_docs import console_commands

    for folder in ("examples/bats", "tests/data/bats"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    ran = 0
    for command, output in console_commands(DOC):
        args = shlex.split(command)
        if args[:2] != ["clusterready", "migrate"]:
            continue
        code = main(args[1:])
        printed = capsys.readouterr()
        assert printed.out.splitlines()[: len(output)] == output
        assert code == (1 if "--check" in args else 0), printed.err
        ran += 1
    assert ran == 3
    assert (tmp_path / "migrated" / "test_helpers.py").is_file()
    assert json.loads((tmp_path / "migrate.json").read_text())["totals"]["tests"] == 7


def test_readme_lists_the_migration_doc() -> None:
    assert "[docs/migration.md](docs/migration.md)" in (ROOT / "README.md").read_text()


# --------------------------------------------------------------------------- library additions


def test_lint_resolves_module_constants_and_nothing_else() -> None:
    source = (
        'R = "2"\nD = 1\nTWICE = "x"\nTWICE = "y"\nimport os\nE = os.environ.get("E", "")\n'
        "def test(detik):\n"
        "    detik.try_(f\"at most {R} times every {D}s to get pods named 'x' and verify "
        "that 'status' is 'y'\")\n"
        "    detik.verify(R)\n"
        "    detik.verify(f\"there is 1 pod named '{TWICE}'\")\n"
        "    detik.verify(f\"there is 1 pod named '{E}'\")\n"
        "    detik.verify(f\"there is 1 pod named '{R!r}'\")\n"
    )
    found = [(line, sentence) for line, _, sentence in python_sentences(source)]
    assert found == [
        (8, "at most 2 times every 1s to get pods named 'x' and verify that 'status' is 'y'"),
        (9, "2"),
    ]


def test_assert_not_verified_and_using() -> None:
    from clusterready.detik import Detik, StaticSource
    from clusterready.errors import CheckFailed

    detik = Detik(StaticSource([("web-1", "Running")]), namespace="a")
    outcome = detik.verify("there is 1 pod named 'web'", check=False)
    with pytest.raises(CheckFailed, match="not to be verified, but it was"):
        outcome.assert_not_verified()
    assert detik.verify("there is 0 pod named 'web'", check=False).assert_not_verified().status == 3
    with pytest.raises(CheckFailed, match="status 2"):  # a bad sentence is not a failed check
        detik.verify(
            "there is 2 pod named 'web'", check=False
        ).assert_not_verified()  # detik: ignore
    other = detik.using(namespace="b", regex_case_insensitive=True)
    assert (other.namespace, other.all_namespaces, other.regex_case_insensitive) == (
        "b",
        False,
        True,
    )
    assert (detik.namespace, detik.regex_case_insensitive) == ("a", False)
    assert detik.using().namespace == "a"


def test_sleep_skip_and_heredocs() -> None:
    m = migrate_text(
        '@test "t" {\n  sleep 5\n  cat <<EOF\nverify "no"\nEOF\n  skip "not yet"\n}\n', "t.bats"
    )
    assert "    time.sleep(5)\n" in m.module
    assert "import time" in m.module
    assert '    pytest.skip("not yet")\n' in m.module
    assert [(left.line, left.text.split()[0]) for left in m.report.left] == [(3, "cat")]
    assert '# TODO(migrate) line 4: verify "no"' in m.module


def test_a_loop_over_known_words_becomes_a_parametrized_test(pytester: pytest.Pytester) -> None:
    m = migrate_text(
        'N=2\n@test "t" {\n  for app in coredns "kube-proxy"; do\n'
        "    verify \"there are ${N} pods named '^${app}-'\"\n  done\n}\n",
        "t.bats",
    )
    assert '@pytest.mark.parametrize("app", ["coredns", "kube-proxy"])' in m.module
    assert "def test_t(detik: Detik, app: str) -> None:" in m.module
    assert [s for _, _, s in python_sentences(m.module)] == [
        "there are 2 pods named '^coredns-'",
        "there are 2 pods named '^kube-proxy-'",
    ]
    bad = (
        '@test "t" {\n  for n in 1 x; do\n    verify "there are ${n} pods named \'a\'"\n  done\n}\n'
    )
    with pytest.raises(UsageError, match=r"t.bats:3: .*found 'x'"):
        migrate_text(bad, "t.bats")


# --------------------------------------------------------------------------- any input

_PIECES = [
    '@test "t" {', "}", "f() {", "setup() {", 'run verify "there is 1 pod named \'x\'"',
    "run ! try \"at most 2 times every 1s to get pods named 'x' and verify that 'status' is 'y'\"",
    '[ "$status" -eq 0 ]', "assert_failure", 'verify "${V}"', "V=1", "local x=$1", "f a b",
    "for a in b c; do", "done", "if true; then", "fi", 'echo "$output"', "kubectl apply -f x",
    "X=$(aws ssm get-parameter --name /p)", '[ -n "$X" ]', "cat <<EOF", "EOF", "\\", "'", '"',
    "$(", "${", "`", "run -0 verify", "DETIK_CLIENT_NAME='kubectl -n a'", "# c", "", "{", "((",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(200))
def test_any_input_gives_a_module_or_one_usage_error(seed: int) -> None:
    """Random .bats texts (a fixed seed each): a module that compiles, or one UsageError."""
    import random

    rng = random.Random(seed)
    junk = " '\"$`{}()\\;|&#=@xy"
    lines = [
        rng.choice(_PIECES)
        if rng.random() < 0.8
        else "".join(rng.choice(junk) for _ in range(rng.randrange(12)))
        for _ in range(rng.randrange(25))
    ]
    try:
        m = migrate_text("\n".join(lines) + "\n", "t.bats")
    except UsageError as err:
        message = str(err)
    else:
        compile(m.module, "t.py", "exec")
        assert all(left.line >= 1 for left in m.report.left)
        return
    assert message.startswith("t.bats:")
    assert "\n" not in message


def test_a_long_constant_is_wrapped_and_still_linted(tmp_path: Path) -> None:
    regex = "^(a|b|c)-[a-z0-9]{5,10}-x " * 6
    m = migrate_text(
        f'RE="{regex}"\n@test "t" {{\n  verify "there is 1 pod named \'${{RE}}\'"\n}}\n', "t.bats"
    )
    assert "RE = (\n" in m.module
    assert [s for _, _, s in python_sentences(m.module)] == [f"there is 1 pod named '{regex}'"]
    (tmp_path / "test_t.py").write_text(m.module)
    if RUFF.exists():
        config = str(ROOT / "pyproject.toml")
        done = subprocess.run(
            [str(RUFF), "check", "--no-cache", "--config", config, str(tmp_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout
