"""Secrets stay secret: SecureString values and patterns, tokens and AWS credentials never
reach the terminal, JUnit, the JSON summary or any log record, at any level."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest

from clusterready.cli import main
from clusterready.redact import REDACTED, SecretFilter, install
from clusterready.spec import ClusterSpec, SsmParameterSpec
from test_preflight_suite import SECRET, account, run, suite

__all__ = ["account"]  # the seeded moto account of the preflight suite's tests

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCWV1LXdlc3QtMSJHMEUCIQ"


@pytest.mark.parametrize(
    "text",
    [
        # botocore's "Sending http request" line: SigV4 and the session token header
        f"headers={{'Authorization': b'AWS4-HMAC-SHA256 Credential={KEY_ID}/20261201/eu-west-1/"
        "ssm/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123', "
        f"'X-Amz-Security-Token': b'{SESSION_TOKEN}'}}",
        # STS answers (XML) and credential dicts (JSON, repr)
        f"<AccessKeyId>{KEY_ID}</AccessKeyId><SecretAccessKey>{SECRET_KEY}</SecretAccessKey>"
        f"<SessionToken>{SESSION_TOKEN}</SessionToken>",
        f'{{"AccessKeyId": "{KEY_ID}", "SecretAccessKey": "{SECRET_KEY}", '
        f'"SessionToken": "{SESSION_TOKEN}"}}',
        f"{{'aws_secret_access_key': '{SECRET_KEY}', 'aws_session_token': '{SESSION_TOKEN}'}}",
        f"aws_secret_access_key = {SECRET_KEY}\naws_session_token={SESSION_TOKEN}",
        # an SSM answer as botocore logs it (bytes)
        'b\'{"Parameters": [{"Name": "/db/pw", "Type": "SecureString", "Value": "'
        + SECRET_KEY
        + '", "Version": 1}]}\'',
        # kubeconfig credentials and HTTP authorizations
        f"users:\n- name: u\n  user:\n    token: {SESSION_TOKEN}\n    client-key-data: "
        f"{SECRET_KEY}\n    password: {SECRET_KEY}",
        f"{{'authorization': 'Bearer {SESSION_TOKEN}'}}",
        f"Authorization: Basic {SECRET_KEY}",
        f'{{"id-token": "{SESSION_TOKEN}", "refresh-token": "{SECRET_KEY}"}}',
    ],
    ids=[
        "sigv4-headers",
        "sts-xml",
        "credentials-json",
        "credentials-repr",
        "credentials-file",
        "ssm-body",
        "kubeconfig",
        "bearer",
        "basic",
        "oidc",
    ],
)
def test_credentials_are_redacted_wherever_they_appear(text: str) -> None:
    redacted = SecretFilter().redact(text)
    for secret in (KEY_ID, SECRET_KEY, SESSION_TOKEN):
        assert secret not in redacted
    assert REDACTED in redacted


def test_what_is_no_secret_is_left_alone() -> None:
    text = (
        '{"Parameters": [{"Name": "/eks/ami", "Type": "String", "Value": "ami-0abc"}]} '
        "GET /api/v1/namespaces/kube-system/pods?limit=500 200"
    )
    assert SecretFilter().redact(text) == text


def test_registered_values_are_redacted_and_short_ones_ignored() -> None:
    secrets = SecretFilter()
    secrets.add("s3cr3t-value-1", "short")
    secrets.add_environment({"AWS_SECRET_ACCESS_KEY": "from-the-environment"})
    assert secrets.redact("s3cr3t-value-1 short from-the-environment") == (
        f"{REDACTED} short {REDACTED}"
    )


def test_every_record_is_redacted_at_any_level_with_its_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    uninstall = install(SecretFilter(["the-registered-secret"]))
    try:
        with caplog.at_level(logging.DEBUG):
            log = logging.getLogger("any.library")
            log.debug("token: %s", SESSION_TOKEN)
            log.warning("%s", {"SecretAccessKey": SECRET_KEY})
            try:
                raise RuntimeError("failed with the-registered-secret")
            except RuntimeError:
                log.exception("boom")
    finally:
        uninstall()
    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in text
    for secret in (SESSION_TOKEN, SECRET_KEY, "the-registered-secret"):
        assert secret not in text
    after = logging.getLogger("x").makeRecord("x", 10, "f", 1, SESSION_TOKEN, (), None)
    assert after.getMessage() == SESSION_TOKEN  # uninstalled: records are left alone


def test_a_secure_string_pattern_is_never_shown(capsys: pytest.CaptureFixture[str]) -> None:
    pattern = f"^{uuid.uuid4().hex}$"
    parameter = SsmParameterSpec("/db/pw", "SecureString", pattern)
    assert pattern not in repr(parameter)
    assert pattern not in repr(
        ClusterSpec.from_mapping(
            {"preflight": {"ssm_parameters": [{"name": "/db/pw", "pattern": pattern}]}}
        )
    )
    shown = SsmParameterSpec("/eks/ami", "String", "^ami-")
    assert "^ami-" in repr(shown)
    for fmt in ("yaml", "json"):
        assert (
            main(
                [
                    "spec",
                    "--set",
                    f"preflight.ssm_parameters=[{{name: /db/pw, type: "
                    f"SecureString, pattern: '{pattern}'}}]",
                    "--format",
                    fmt,
                ]
            )
            == 0
        )
        out = capsys.readouterr().out
        assert pattern not in out
        assert "<not shown>" in out
    bad = "([" + pattern
    assert (
        main(["spec", "--set", f"preflight.ssm_parameters=[{{name: /a, pattern: '{bad}'}}]"]) == 4
    )
    err = capsys.readouterr().err
    assert pattern not in err
    assert "expected a valid regular expression (the pattern is not shown)" in err


def test_no_secret_reaches_any_output_at_debug_level(
    pytester: pytest.Pytester, account: dict[str, Any]
) -> None:
    """The preflight suite against moto with a SecureString seeded, botocore logging at
    DEBUG (its response body carries the decrypted value), a failing SecureString check
    with locals and logs shown, JUnit and the JSON summary written."""
    spec = json.loads(json.dumps(account))
    pattern = f"^never-{uuid.uuid4().hex}"
    for parameter in spec["preflight"]["ssm_parameters"]:
        if parameter.get("type") == "SecureString":
            parameter["pattern"] = pattern
    suite(pytester, spec)
    result, summary = run(
        pytester,
        "-k",
        "test_parameter",
        "--log-level=DEBUG",
        "-rA",
        "-vv",
        "-l",
        "--tb=long",
        "--junitxml",
        "j.xml",
        "-o",
        "junit_logging=all",
    )
    assert result.ret == 1
    outputs = {
        "stdout": result.stdout.str(),
        "stderr": result.stderr.str(),
        "junit": (pytester.path / "j.xml").read_text(),
        "json": (pytester.path / "r.json").read_text(),
    }
    # The line that would give the value away was logged, and redacted:
    assert '"Type": "SecureString", "Value": "<redacted>"' in outputs["stdout"]
    assert "Response body:" in outputs["junit"]
    failed = [t for t in summary["tests"] if t["outcome"] == "failed"]
    assert len(failed) == 1
    assert "does not match '<not shown>'" in failed[0]["message"]
    for name, text in outputs.items():
        assert SECRET not in text, name
        assert pattern not in text, name


def test_the_plugin_redacts_the_environments_credentials(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    pytester.makepyfile(
        "import logging, os\n\n"
        "def test_logs():\n"
        "    logging.getLogger('lib').debug('key %s', os.environ['AWS_SECRET_ACCESS_KEY'])\n"
        "    assert False\n"
    )
    result = pytester.runpytest_inprocess("--log-level=DEBUG")
    assert result.ret == 1
    text = result.stdout.str()
    assert f"key {REDACTED}" in text
    assert SECRET_KEY not in text


def test_the_command_redacts_its_log_records(
    fake_cluster: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`clusterready` installs the filter for its run (here the engine logs the sentence,
    which holds the environment's secret key) and removes it after."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    factory = logging.getLogRecordFactory()
    with caplog.at_level(logging.INFO):
        sentence = f"there are 0 pods named '{SECRET_KEY}'"
        assert main(["verify", sentence, "--kubeconfig", fake_cluster.kubeconfig]) == 0
    assert caplog.records, "the engine logs each verdict"
    assert SECRET_KEY not in caplog.text
    assert REDACTED in caplog.text
    assert logging.getLogRecordFactory() is factory  # the command's run is over: uninstalled
    capsys.readouterr()


def test_the_secrets_doc_example_runs() -> None:
    from test_docs import DOCS, blocks

    (block,) = blocks(DOCS / "secrets.md", "python")
    exec(compile(block, "docs/secrets.md", "exec"), {})
