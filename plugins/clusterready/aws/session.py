"""One boto3 Session per process, its clients created once, read-only by construction.

Every call goes through :meth:`AwsSession.call` (or :meth:`AwsSession.pages`):
the same budget as Kubernetes requests (:class:`~clusterready.budget.RequestPolicy`):
a total deadline per attempt (connect, send and the whole body: a watchdog
shuts the socket down, see :mod:`clusterready.deadline`), retries with backoff
and jitter on 429, 5xx, throttling codes, dropped connections and garbled
answers, **whatever their body says** (a load balancer's HTML page, an empty
body, an AWS error document), and one :class:`~clusterready.breaker.Breaker`
per endpoint. botocore's own retries are off (``total_max_attempts`` 1): its
standard mode decides on the parsed error code and never sees an answer it
could not parse. Only Describe/Get/List operations are let through (anything
else raises before it is sent), and every operation sent is counted in
:attr:`AwsSession.calls`.

Every error ends as one of: a one-line :class:`CannotEvaluate` (transport,
protocol, parse, credentials, access denied, throttled beyond the budget, an
unexpected service error), or the botocore ``ClientError`` a caller allowed
(e.g. ``NoSuchEntity``, which a check turns into a finding).

>>> session = AwsSession(region="eu-west-1")
>>> session.region
'eu-west-1'
"""

from __future__ import annotations

import collections
import functools
import http.client
import json
import socket
import threading
import time
import xml.etree.ElementTree
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from clusterready.breaker import Breaker
from clusterready.budget import Refused, RequestPolicy, Transient, within_budget
from clusterready.deadline import DeadlineExceeded, request_deadline, watched_pools
from clusterready.errors import CannotEvaluate
from clusterready.version import USER_AGENT

# boto3 and botocore (~170 ms) are imported when a session is made, not when the
# suites are collected: `pytest -m addons` never pays for them.

__all__ = ["AwsSession", "RetryPolicy", "aws_errors"]

READ_PREFIXES = ("Describe", "Get", "List")

_THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
}
_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_REJECTED = {
    "InvalidClientTokenId",
    "AuthFailure",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "IncompleteSignature",
    "MissingAuthenticationToken",
}


_TRANSIENT_CODES = {"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure"}

#: The budget of every AWS call (the same fields as Kubernetes requests).
RetryPolicy = RequestPolicy


class AwsSession:
    """The boto3 Session of a run and its cached clients.

    :param region: region (default: the environment's / profile's).
    :param profile: named profile of the AWS config files.
    :param retry: the budget of every call (``attempts`` is ``aws.max_attempts``).
    """

    def __init__(
        self,
        region: str = "",
        profile: str = "",
        retry: RequestPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import boto3
        import botocore.config
        import botocore.session

        self.retry = retry or RequestPolicy()
        self.calls: collections.Counter[str] = collections.Counter()
        self._clients: dict[str, Any] = {}
        self._breakers: dict[str, Breaker] = {}
        self._sleep = sleep
        self._raw = threading.local()
        with aws_errors("start an AWS session"):
            self._botocore = botocore.session.Session(profile=profile or None)
            loader = _service_models(self._botocore.get_config_variable("data_path"))
            self._botocore.register_component("data_loader", loader)
            with _LOADER_PATHS:
                self.session = boto3.session.Session(
                    region_name=region or None, botocore_session=self._botocore
                )
                # boto3 adds its data directory to the loader at each session: once is enough.
                loader.search_paths[:] = dict.fromkeys(loader.search_paths)
        self._config = botocore.config.Config(
            retries={"mode": "standard", "total_max_attempts": 1},  # retried by call()
            connect_timeout=self.retry.connect_timeout,
            read_timeout=self.retry.read_timeout,
            user_agent_extra=USER_AGENT,  # CloudTrail (and our tests) tell our calls apart
        )
        self.session.events.register("before-call", self._before_call)
        self.session.events.register("before-parse", self._before_parse)

    @property
    def region(self) -> str | None:
        region: str | None = self.session.region_name
        return region

    @property
    def events(self) -> Any:
        """The botocore event system of the session (hooks reach every client)."""
        return self.session.events

    def client(self, service: str) -> Any:
        """The client of a service, created once (a client costs ~7 ms, a session ~270 ms)."""
        cached = self._clients.get(service)
        if cached is None:
            if not self.region:
                raise CannotEvaluate(
                    "AWS: no region: set aws.region in the spec, --aws-region or AWS_REGION"
                )
            known = {
                region
                for partition in self.session.get_available_partitions()
                for region in self.session.get_available_regions("ec2", partition)
            }
            if self.region not in known:
                raise CannotEvaluate(
                    f"AWS: unknown region {self.region!r} (not a region botocore knows)"
                )
            with aws_errors(f"create the {service} client"):
                cached = self.session.client(service, config=self._config)
            sender = _DeadlineSender(self._botocore, cached.meta.endpoint_url, self.retry)
            cached.meta.events.register("before-send", sender.send)
            self._clients[service] = cached
        return cached

    def call(
        self, service: str, operation: str, allow: tuple[str, ...] = (), **kwargs: Any
    ) -> dict[str, Any]:
        """One operation (``call("ec2", "describe_vpcs", VpcIds=[...])``) within the budget.

        A ClientError whose code is in ``allow`` is raised as it is; every other
        failure is a one-line CannotEvaluate.
        """
        client = self.client(service)
        result: dict[str, Any] = self._within_budget(
            client, _action(service, operation), allow, lambda: getattr(client, operation)(**kwargs)
        )
        return result

    def pages(self, service: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
        """Every item under ``key`` of every page of a paginated operation."""
        client = self.client(service)

        def read() -> list[Any]:
            paginator = client.get_paginator(operation)
            return [item for page in paginator.paginate(**kwargs) for item in page.get(key, [])]

        items: list[Any] = self._within_budget(client, _action(service, operation), (), read)
        return items

    def identity(self) -> dict[str, Any]:
        """``sts.get_caller_identity()``: who the credentials are."""
        return self.call("sts", "get_caller_identity")

    # ------------------------------------------------------------------ internals

    def _within_budget(
        self, client: Any, action: str, allow: tuple[str, ...], read: Callable[[], Any]
    ) -> Any:
        endpoint = client.meta.endpoint_url
        breaker = self._breakers.setdefault(endpoint, Breaker(f"AWS endpoint {endpoint}"))
        breaker.reprobe_after = self.retry.reprobe_after

        def attempt(seconds: float) -> Any:
            self._raw.status = self._raw.problem = None
            with request_deadline(seconds) as watch:
                try:
                    result = read()
                except Exception as err:
                    if watch.expired:
                        raise Transient(str(DeadlineExceeded(seconds))) from None
                    raise _classify(err, action, allow, self._raw) from None
            if self._raw.problem:  # an answer cut short by the deadline reads as truncated
                raise Transient(
                    str(DeadlineExceeded(seconds)) if watch.expired else self._raw.problem
                )
            return dict(result) if isinstance(result, Mapping) else result

        return within_budget(attempt, self.retry, breaker, f"AWS: cannot {action}", self._sleep)

    def _before_call(self, model: Any, **_: Any) -> None:
        name = f"{model.service_model.service_name}:{model.name}"
        if not model.name.startswith(READ_PREFIXES):
            raise PermissionError(f"clusterready is read-only: {name} is not sent")
        self.calls[name] += 1

    def _before_parse(
        self, operation_model: Any, response_dict: Mapping[str, Any], **_: Any
    ) -> None:
        # What arrived, for when botocore cannot parse it (an HTML page, a cut body),
        # and whether a success is one: botocore reads a JSON body it cannot parse as
        # {"message": body} and an HTML page as an empty XML answer ("no subnets").
        raw = self._raw
        raw.status = response_dict.get("status_code")
        raw.headers = response_dict.get("headers") or {}
        raw.body = bytes(response_dict.get("body") or b"")
        if raw.status is not None and 200 <= raw.status < 300 and not getattr(raw, "problem", None):
            raw.problem = _broken_success(
                operation_model.metadata.get("protocol", ""),
                operation_model.name,
                raw.body,
                raw.headers,
            )


class _DeadlineSender:
    """Sends a client's requests through connections :func:`request_deadline` can cut.

    Registered on ``before-send`` (botocore's hook to answer a request in place of
    its own sender); a botocore ``URLLib3Session`` whose urllib3 pools are the
    watched ones, with the client's TLS bundle, proxies and timeouts.
    """

    def __init__(self, botocore_session: Any, endpoint_url: str, policy: RequestPolicy) -> None:
        import botocore.awsrequest
        import botocore.httpsession
        import botocore.utils

        self._http = botocore.httpsession.URLLib3Session(
            verify=botocore_session.get_config_variable("ca_bundle") or True,
            proxies=botocore.utils.get_environ_proxies(endpoint_url),
            timeout=(policy.connect_timeout, policy.read_timeout),
            # urllib3's default, which botocore drops: head and body are two sends,
            # and Nagle holds the body until the head is acknowledged (40 ms).
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        pools = watched_pools(
            botocore.awsrequest.AWSHTTPConnectionPool, botocore.awsrequest.AWSHTTPSConnectionPool
        )
        # botocore keeps its pool classes in this attribute and gives it to every
        # pool manager it makes (proxies included): the only place to put ours.
        self._http._pool_classes_by_scheme = pools
        self._http._manager.pool_classes_by_scheme = pools

    def send(self, request: Any, **_: Any) -> Any:
        return self._http.send(request)


_LOADER_PATHS = threading.Lock()


@functools.cache
def _service_models(data_path: str | None) -> Any:
    """One botocore loader per process (and ``AWS_DATA_PATH``): it caches each service
    model it parses (EC2's takes ~0.1 s), so a second session's clients reuse them."""
    import botocore.loaders

    return botocore.loaders.create_loader(data_path)


def _classify(
    err: Exception, action: str, allow: tuple[str, ...], raw: threading.local
) -> Exception:
    """What to raise for an error of one attempt: Transient (retry), Refused, CannotEvaluate,
    or the error itself (an allowed ClientError, a bug)."""
    import botocore.exceptions
    import botocore.parsers
    import urllib3.exceptions

    if isinstance(err, botocore.exceptions.ClientError):
        return _client_error(err, action, allow)
    if isinstance(
        err,
        (
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectionError,
            botocore.exceptions.HTTPClientError,
            urllib3.exceptions.HTTPError,
            ConnectionError,
        ),
    ):
        return Transient(_first_line(err))
    if isinstance(err, PermissionError):  # the read-only guard: a bug in a check
        return err
    status = getattr(raw, "status", None)
    if isinstance(err, botocore.parsers.ResponseParserError) or (
        status is not None and not isinstance(err, botocore.exceptions.BotoCoreError)
    ):  # an answer arrived and botocore could not read it (KeyError on an HTML 200...)
        return _unparsed(status, raw, action)
    if isinstance(err, botocore.exceptions.BotoCoreError):
        return _environment_error(err, action)
    return err


def _broken_success(
    protocol: str, operation: str, body: bytes, headers: Mapping[str, str]
) -> str | None:
    """Why a 2xx answer is not the operation's answer (None when it looks like one)."""
    truncated = _truncated(body, headers)
    if truncated or not body:
        return truncated
    if protocol in ("json", "rest-json"):
        try:
            ok = isinstance(json.loads(body), dict)
        except ValueError:
            ok = False
    elif protocol in ("query", "ec2"):
        try:
            root = xml.etree.ElementTree.fromstring(body)
        except xml.etree.ElementTree.ParseError:
            root = None
        ok = root is not None and root.tag.rsplit("}", 1)[-1] == f"{operation}Response"
    else:
        ok = True
    return None if ok else f"a garbled answer: {_snippet(body)!r}"


def _truncated(body: bytes, headers: Mapping[str, str]) -> str | None:
    announced = str(headers.get("content-length") or headers.get("Content-Length") or "")
    if announced.isdecimal() and int(announced) > len(body):
        return f"a truncated answer ({len(body)} of {announced} bytes)"
    return None


def _snippet(body: bytes) -> str:
    return " ".join(body[:120].decode("utf-8", "replace").split()) or "an empty body"


def _unparsed(status: int | None, raw: threading.local, action: str) -> Exception:
    """An answer botocore could not read: judged by its HTTP status alone."""
    body = bytes(getattr(raw, "body", b"") or b"")
    headers = getattr(raw, "headers", {}) or {}
    what = f"{status} {http.client.responses.get(status or 0, '')}".strip()
    problem = f"{what}, not an AWS answer: {_snippet(body)!r}"
    truncated = _truncated(body, headers)
    if truncated:
        return Transient(truncated)
    if status is None or status < 400 or status == 429 or status >= 500:
        detail = problem if status and status >= 400 else f"a garbled answer: {_snippet(body)!r}"
        retry_after = headers.get("retry-after") or headers.get("Retry-After")
        return Transient(detail, _retry_after(retry_after))
    if status == 401:
        return Refused(f"AWS: the credentials were rejected for {action}: {problem}")
    if status == 403:
        return CannotEvaluate(f"AWS: access denied to {action}: {problem}", retryable=False)
    return CannotEvaluate(f"AWS: cannot {action}: {problem}", retryable=False)


def _client_error(err: Any, action: str, allow: tuple[str, ...]) -> Exception:
    error = err.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = " ".join(str(error.get("Message", "")).split()) or "no message"
    meta = err.response.get("ResponseMetadata", {})
    status = int(meta.get("HTTPStatusCode") or 0)
    if code and code in allow:
        return err  # type: ignore[no-any-return]
    denied = _denied_action(err, action)
    named = code if code and code != str(status) else f"{status}, no AWS error code"
    if status == 429 or status >= 500 or code in _THROTTLING or code in _TRANSIENT_CODES:
        headers = meta.get("HTTPHeaders", {}) or {}
        shown = f"{status} {named}: {message}" if named == code else f"{named}: {message}"
        return Transient(shown, _retry_after(headers.get("retry-after")))
    if code in _EXPIRED:
        return Refused(f"AWS: the credentials have expired ({code}) for {denied}")
    if code in _REJECTED or status == 401:
        return Refused(f"AWS: the credentials were rejected ({named}) for {denied}")
    if code in _DENIED or status == 403:
        return CannotEvaluate(
            f"AWS: access denied to {denied} ({named}: {message})", retryable=False
        )
    return CannotEvaluate(f"AWS: {action} failed: {named}: {message}", retryable=False)


def _environment_error(err: Exception, action: str) -> CannotEvaluate:
    import botocore.exceptions

    if isinstance(err, botocore.exceptions.NoRegionError):
        return CannotEvaluate(
            "AWS: no region: set aws.region in the spec, --aws-region or AWS_REGION",
            retryable=False,
        )
    if isinstance(err, botocore.exceptions.NoCredentialsError):
        return CannotEvaluate(
            "AWS: no credentials found (environment, profile, web identity or instance role)",
            retryable=False,
        )
    if isinstance(err, botocore.exceptions.ProfileNotFound):
        return CannotEvaluate(f"AWS: {err}", retryable=False)
    return CannotEvaluate(f"AWS: cannot {action}: {_first_line(err)}", retryable=False)


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn botocore's errors about the environment (no region, no credentials, no such
    profile) into one-line CannotEvaluate, outside calls (making a session, a client)."""
    import botocore.exceptions

    try:
        yield
    except botocore.exceptions.BotoCoreError as err:
        raise _environment_error(err, action) from None


def _denied_action(err: Any, action: str) -> str:
    operation = getattr(err, "operation_name", "") or ""
    return action if not operation or operation in action else f"{action} ({operation})"


def _action(service: str, operation: str) -> str:
    return f"{service}:{''.join(part.capitalize() for part in operation.split('_'))}"


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: our own backoff


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
