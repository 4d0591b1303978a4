"""One boto3 Session per process, its clients created once, read-only by construction.

Every client has an explicit botocore Config: retry mode ``standard`` with a
set number of attempts, connect and read timeouts. Only Describe/Get/List
operations are let through (anything else raises before it is sent), and every
operation sent is counted in :attr:`AwsSession.calls`.

:func:`aws_errors` turns what botocore raises for a missing region or
credentials, an expired or rejected token, an AccessDenied, throttling past the
retries or an unreachable endpoint into one-line :class:`CannotEvaluate` errors.

>>> session = AwsSession(region="eu-west-1")
>>> session.region
'eu-west-1'
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clusterready.errors import CannotEvaluate
from clusterready.version import USER_AGENT

if TYPE_CHECKING:
    import botocore.exceptions

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


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts (in total, the first included) and timeouts of every AWS call."""

    attempts: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 20.0


class AwsSession:
    """The boto3 Session of a run and its cached clients.

    :param region: region (default: the environment's / profile's).
    :param profile: named profile of the AWS config files.
    """

    def __init__(
        self, region: str = "", profile: str = "", retry: RetryPolicy | None = None
    ) -> None:
        import boto3
        import botocore.config

        self.retry = retry or RetryPolicy()
        self.calls: collections.Counter[str] = collections.Counter()
        self._clients: dict[str, Any] = {}
        with aws_errors("start an AWS session"):
            self.session = boto3.session.Session(
                region_name=region or None, profile_name=profile or None
            )
        self._config = botocore.config.Config(
            retries={"mode": "standard", "total_max_attempts": self.retry.attempts},
            connect_timeout=self.retry.connect_timeout,
            read_timeout=self.retry.read_timeout,
            user_agent_extra=USER_AGENT,  # CloudTrail (and our tests) tell our calls apart
        )
        self.session.events.register("before-call", self._before_call)

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
            self._clients[service] = cached
        return cached

    def _before_call(self, model: Any, **_: Any) -> None:
        name = f"{model.service_model.service_name}:{model.name}"
        if not model.name.startswith(READ_PREFIXES):
            raise PermissionError(f"clusterready is read-only: {name} is not sent")
        self.calls[name] += 1

    def identity(self) -> dict[str, Any]:
        """``sts.get_caller_identity()``: who the credentials are."""
        with aws_errors("sts:GetCallerIdentity"):
            return dict(self.client("sts").get_caller_identity())


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn botocore's errors about the environment into one-line CannotEvaluate.

    ClientErrors that say something about the checked state (a missing subnet,
    a missing parameter) are left to the caller.
    """
    import botocore.exceptions

    try:
        yield
    except botocore.exceptions.NoRegionError:
        raise CannotEvaluate(
            "AWS: no region: set aws.region in the spec, --aws-region or AWS_REGION"
        ) from None
    except botocore.exceptions.NoCredentialsError:
        raise CannotEvaluate(
            "AWS: no credentials found (environment, profile, web identity or instance role)"
        ) from None
    except botocore.exceptions.ProfileNotFound as err:
        raise CannotEvaluate(f"AWS: {err}") from None
    except (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectTimeoutError,
        botocore.exceptions.ReadTimeoutError,
    ) as err:
        raise CannotEvaluate(f"AWS: cannot {action}: {err}") from None
    except botocore.exceptions.ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        message = err.response.get("Error", {}).get("Message", "")
        attempts = err.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        denied = _denied_action(err, action)
        if code in _DENIED:
            raise CannotEvaluate(f"AWS: access denied to {denied} ({code}: {message})") from None
        if code in _EXPIRED:
            raise CannotEvaluate(
                f"AWS: the credentials have expired ({code}) for {denied}"
            ) from None
        if code in _REJECTED:
            raise CannotEvaluate(
                f"AWS: the credentials were rejected ({code}) for {denied}"
            ) from None
        if code in _THROTTLING:
            raise CannotEvaluate(
                f"AWS: throttled beyond {attempts} attempts ({code}) on {denied}"
            ) from None
        raise
    except botocore.exceptions.BotoCoreError as err:
        raise CannotEvaluate(f"AWS: cannot {action}: {err}") from None


def _denied_action(err: botocore.exceptions.ClientError, action: str) -> str:
    operation = getattr(err, "operation_name", "") or ""
    return action if not operation or operation in action else f"{action} ({operation})"
