"""How the engine treats a failed call: retry, wait as told, or stop with a configuration error.

DESIGN.md's client rules: exponential backoff with jitter for a lost connection or a 5xx; 429 and
a 403 *with* ``Retry-After`` (quota) mean wait that long and go on; 401, a 403 without
``Retry-After`` and 404 are configuration errors, reported with the server's request id and
never retried.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable
from typing import TypeVar

from labeler.sync.wire import errors

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds of the retries of one call.

    Attributes:
        attempts: tries for a lost connection or a 5xx, the first one included.
        base_delay: the first backoff, in seconds; doubles with every attempt.
        max_delay: the longest single backoff.
        rate_limit_waits: how many 429s (or quota 403s) one call waits through.
        max_retry_after: the longest ``Retry-After`` honoured as given (longer: this long).
    """

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    rate_limit_waits: int = 10
    max_retry_after: float = 300.0


def _request(exc: errors.ApiError) -> str:
    return f" (request id {exc.request_id})" if exc.request_id else ""


def configuration_error(exc: errors.ApiError, url: str) -> errors.ConfigurationError | None:
    """The configuration error ``exc`` stands for, or None when it is not one."""
    if exc.status == 401:
        text = (
            f"the service at {url} refused the subscription key (401: {exc.message}); "
            "pass the right one with --key or LABELER_KEY"
        )
    elif exc.status == 403 and exc.retry_after is None:
        text = f"no permission for this on {url} (403: {exc.message}); ask the project's admin"
    elif exc.status == 404:
        text = (
            f"not found at {url} (404: {exc.message}); check the URL, the API version and "
            "the project name"
        )
    else:
        return None
    return errors.ConfigurationError(text + _request(exc), exc.status, exc.request_id)


def _transient(exc: errors.ApiError) -> bool:
    return exc.status == 0 or exc.status >= 500 or exc.status == 408


def _rate_limited(exc: errors.ApiError) -> bool:
    return exc.status == 429 or (exc.status == 403 and exc.retry_after is not None)


def _pause(seconds: float) -> None:
    time.sleep(seconds)


@dataclasses.dataclass
class Retrier:
    """Runs calls under a :class:`RetryPolicy`; ``sleep`` and ``rng`` are replaceable."""

    url: str
    policy: RetryPolicy = dataclasses.field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] | None = None  # None: time.sleep
    rng: random.Random = dataclasses.field(default_factory=random.Random)
    waits: list[float] = dataclasses.field(default_factory=list)

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to base * 2**attempt (capped)."""
        ceiling = min(self.policy.max_delay, self.policy.base_delay * 2**attempt)
        return self.rng.uniform(ceiling / 2, ceiling)

    def call(self, fn: Callable[[], T]) -> T:
        """``fn()``, retried as the policy says.

        Raises:
            errors.ConfigurationError: 401, 403 without Retry-After, 404.
            errors.OfflineError: every attempt failed to reach the service (or answered 5xx).
            errors.ApiError: any other error answer (409, 410, 413, 422, ...).
        """
        failures = 0
        limited = 0
        while True:
            try:
                return fn()
            except errors.ApiError as exc:
                config = configuration_error(exc, self.url)
                if config is not None:
                    raise config from exc
                if _rate_limited(exc):
                    limited += 1
                    if limited > self.policy.rate_limit_waits:
                        raise errors.OfflineError(
                            f"the service at {self.url} keeps asking to wait "
                            f"({exc.status}: {exc.message}){_request(exc)}"
                        ) from exc
                    delay = (
                        min(exc.retry_after, self.policy.max_retry_after)
                        if exc.retry_after is not None
                        else self.backoff(limited)
                    )
                elif _transient(exc):
                    failures += 1
                    if failures >= self.policy.attempts:
                        what = "cannot be reached" if exc.status == 0 else "keeps failing"
                        raise errors.OfflineError(
                            f"the service at {self.url} {what} ({exc.message}){_request(exc)}"
                        ) from exc
                    delay = self.backoff(failures - 1)
                else:
                    raise
            self.waits.append(delay)
            (self.sleep or _pause)(delay)
