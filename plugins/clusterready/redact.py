"""Secrets stay secret: a logging filter that redacts them from every record.

At ``--log-level=DEBUG`` botocore logs whole request headers (a signature, a
session token) and response bodies (a SecureString's decrypted value); a
kubeconfig's credentials travel in ``Authorization`` headers. :class:`SecretFilter`
rewrites each record it sees: known secret values (registered with :meth:`add`),
then what looks like a credential wherever it appears:

- the ``Value`` of an SSM parameter whose ``Type`` is ``SecureString``;
- AWS access key ids (``AKIA...``, ``ASIA...``), ``SecretAccessKey``,
  ``SessionToken``, ``X-Amz-Security-Token``, a SigV4 ``Credential=`` and
  ``Signature=``;
- ``Bearer``/``Basic`` authorizations, and kubeconfig credentials (``token``,
  ``client-key-data``, ``password``, ``id-token``, ``refresh-token``).

:func:`install` puts the filter in front of every record the process creates
(through the log-record factory, so no handler, level or logger escapes it);
the pytest plugin and the ``clusterready`` command do so for the run.

>>> f = SecretFilter(["hunter2-hunter2"])
>>> f.redact('{"Name": "/db", "Type": "SecureString", "Value": "s3cr3t"} pw hunter2-hunter2')
'{"Name": "/db", "Type": "SecureString", "Value": "<redacted>"} pw <redacted>'
>>> f.redact("Authorization: Bearer eyJhbGciOi.J9xx-y_z")
'Authorization: Bearer <redacted>'
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["MIN_SECRET_LENGTH", "REDACTED", "SecretFilter", "install", "secrets_filter"]

REDACTED = "<redacted>"
#: Shorter registered values are ignored: they cannot be told apart from words.
MIN_SECRET_LENGTH = 8
#: Environment variables whose values are credentials.
CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
)

_QUOTED = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
# A flat JSON object (an SSM parameter) that says it is a SecureString.
_SECURE_OBJECT = re.compile(r"""\{[^{}]*?["']Type["']\s*:\s*["']SecureString["'][^{}]*\}""")
_VALUE_MEMBER = re.compile(rf"""(["']Value["']\s*:\s*){_QUOTED}""")
_KEYS = (
    "SecretAccessKey|SessionToken|secret_key|aws_secret_access_key|aws_session_token|"
    "X-Amz-Security-Token|client-key-data|password|id-token|refresh-token|access-token|token"
)
#: (words one of which must be in the lower-cased text, pattern, replacement): a regex
#: runs only when its words are there, so a record without any costs a few ``in`` tests.
_PATTERNS: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    # SigV4: Credential=AKIA.../date/region/service/aws4_request, Signature=hex
    (("credential=",), re.compile(r"(Credential=)[^/\s,'\"]+"), rf"\1{REDACTED}"),
    (("signature=",), re.compile(r"(Signature=)[0-9a-fA-F]+"), rf"\1{REDACTED}"),
    # access key ids of users and of temporary credentials
    (
        ("akia", "asia", "abia", "acca"),
        re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,}\b"),
        REDACTED,
    ),
    # JSON/dict members and XML elements of credentials, quoted values
    (
        ("secret", "token", "password", "key-data"),
        re.compile(rf"""((?:{_KEYS})["']?\s*[:=]\s*b?){_QUOTED}""", re.IGNORECASE),
        rf"\1'{REDACTED}'",
    ),
    (
        ("<secretaccesskey>", "<sessiontoken>", "<accesskeyid>"),
        re.compile(r"(<(SecretAccessKey|SessionToken|AccessKeyId)>)[^<]*(</\2>)"),
        rf"\1{REDACTED}\3",
    ),
    # headers and YAML, unquoted values: "X-Amz-Security-Token: abc", "token: abc"
    (
        ("secret", "token", "password", "key-data"),
        re.compile(rf"""((?:{_KEYS})\s*[:=]\s*)(?!['"<\s])[^\s,;'"}}\]]+""", re.IGNORECASE),
        rf"\1{REDACTED}",
    ),
    (
        ("bearer", "basic"),
        re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE),
        rf"\1 {REDACTED}",
    ),
)


class SecretFilter(logging.Filter):
    """Redacts secrets from log records (it never drops one).

    Attach it to a handler, or :func:`install` it for every record of the process.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._literal: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *values: str, min_length: int = MIN_SECRET_LENGTH) -> None:
        """Register secret values (SecureString values and patterns, tokens, keys);
        those shorter than ``min_length`` are ignored."""
        fresh = {v for v in values if isinstance(v, str) and len(v) >= max(min_length, 1)}
        with self._lock:
            if fresh <= self._secrets:
                return
            self._secrets |= fresh
            ordered = sorted(self._secrets, key=len, reverse=True)  # longest first
            self._literal = re.compile("|".join(re.escape(v) for v in ordered))

    def add_environment(self, environ: Mapping[str, str] | None = None) -> None:
        """Register the credentials held in the AWS environment variables."""
        environ = os.environ if environ is None else environ
        self.add(*(environ.get(name, "") for name in CREDENTIAL_VARIABLES))

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``<redacted>``."""
        literal = self._literal
        if literal is not None:
            text = literal.sub(REDACTED, text)
        lowered = text.lower()
        if "securestring" in lowered:
            text = _SECURE_OBJECT.sub(_redact_value, text)
        for words, pattern, replacement in _PATTERNS:
            if any(word in lowered for word in words):
                text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it when it formats it
            return True
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _redact_value(secure_object: re.Match[str]) -> str:
    return _VALUE_MEMBER.sub(lambda m: f'{m[1]}"{REDACTED}"', secure_object[0])


_DEFAULT = SecretFilter()


def secrets_filter() -> SecretFilter:
    """The process's filter, the one :func:`install` installs by default."""
    return _DEFAULT


def install(secret_filter: SecretFilter | None = None) -> Callable[[], None]:
    """Run every log record the process creates through ``secret_filter`` (default:
    :func:`secrets_filter`); returns the function that uninstalls it.

    >>> import logging
    >>> uninstall = install(SecretFilter(["a-very-secret-value"]))
    >>> logging.makeLogRecord({}).msg == ""  # a record made without the factory
    True
    >>> logging.getLogger("x").makeRecord("x", 10, "f", 1, "got %s", ("a-very-secret-value",),
    ...                                   None).getMessage()
    'got <redacted>'
    >>> uninstall()
    """
    chosen = _DEFAULT if secret_filter is None else secret_filter
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        chosen.filter(record)
        return record

    logging.setLogRecordFactory(factory)

    def uninstall() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)

    return uninstall
