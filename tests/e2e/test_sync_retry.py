"""How sync waits and gives up: bounded, growing, randomised waits; no retry of wrong settings."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import retry


def _failing(*errors: sync_errors.ApiError) -> Callable[[], str]:
    queue = list(errors)

    def call() -> str:
        if queue:
            raise queue.pop(0)
        return "answer"

    return call


def _retrier(**policy: Any) -> tuple[retry.Retrier, list[float]]:
    waits: list[float] = []
    r = retry.Retrier(
        "http://labels.example", retry.RetryPolicy(**policy), waits.append, random.Random(1)
    )
    return r, waits


def test_an_unreachable_service_is_retried_with_growing_randomised_waits() -> None:
    r, waits = _retrier(attempts=5, base_delay=1.0, max_delay=6.0)
    down = sync_errors.ConnectionFailed(0, "refused")
    assert r.call(_failing(down, down, down, down)) == "answer"
    assert len(waits) == 4
    for attempt, wait in enumerate(waits):
        ceiling = min(6.0, 2.0**attempt)
        assert ceiling / 2 <= wait <= ceiling
    assert len(set(waits)) == 4  # jitter: clients that failed together do not retry together


def test_retries_are_bounded() -> None:
    r, waits = _retrier(attempts=3, base_delay=0.1)
    err = sync_errors.ApiError(503, "unavailable", "req-9")
    with pytest.raises(sync_errors.OfflineError, match="req-9"):
        r.call(_failing(err, err, err, err))
    assert len(waits) == 2


@pytest.mark.parametrize(
    ("status", "words"), [(401, "subscription key"), (403, "no permission"), (404, "check the URL")]
)
def test_wrong_settings_are_not_retried(status: int, words: str) -> None:
    r, waits = _retrier()
    with pytest.raises(sync_errors.ConfigurationError, match=words) as err:
        r.call(_failing(sync_errors.ApiError(status, "nope", "req-1")))
    assert err.value.request_id == "req-1" and "req-1" in str(err.value)
    assert waits == []


def test_other_answers_go_back_to_the_caller_at_once() -> None:
    r, waits = _retrier()
    with pytest.raises(sync_errors.ApiError) as err:
        r.call(_failing(sync_errors.ApiError(410, "resync")))
    assert err.value.status == 410 and waits == []


def test_a_service_that_keeps_asking_to_wait_is_given_up_on() -> None:
    r, waits = _retrier(rate_limit_waits=3, max_retry_after=60.0)
    busy = sync_errors.ApiError(429, "slow down", retry_after=3600.0)
    with pytest.raises(sync_errors.OfflineError, match="keeps asking to wait"):
        r.call(_failing(busy, busy, busy, busy))
    assert waits == [60.0, 60.0, 60.0]  # an hour's Retry-After is capped
