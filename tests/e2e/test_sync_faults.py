"""Sync through failures: lost answers, a service that goes away, rate limits, wrong settings."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterable
from typing import Any, ClassVar

import pytest
import requests
import sqlalchemy as sa

from labeler.server import principal
from labeler.server.storage import db as server_db
from labeler.server.storage import records as server_records
from labeler.services import annotate, sync
from labeler.store import models
from labeler.sync.engine import apply
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from labeler.sync.wire import protocol
from tests.e2e.conftest import Service, WorkstationFactory


def _server_feed(service: Service, key: str, project: str = "team") -> list[protocol.ChangeRecord]:
    out: list[protocol.ChangeRecord] = []
    cursor = None
    with client_mod.SyncClient(service.url, key=key) as c:
        while True:
            page = c.changes(project, cursor)
            out.extend(page.records)
            cursor = page.next_cursor
            if not page.has_more:
                return out


class LosesFirstAnswer(client_mod.SyncClient):
    """The server applies the first push, then the connection drops before the answer."""

    keys: ClassVar[list[str | None]] = []

    def push(
        self,
        project: str,
        records: Iterable[protocol.Record],
        idempotency_key: str | None = None,
    ) -> protocol.PushResponse:
        answer = super().push(project, records, idempotency_key)
        LosesFirstAnswer.keys.append(idempotency_key)
        if len(LosesFirstAnswer.keys) == 1:
            raise sync_errors.ConnectionFailed(0, "ConnectionError: connection reset")
        return answer


def test_a_lost_answer_is_retried_with_the_same_key_and_applies_nothing_twice(
    workstation: WorkstationFactory,
) -> None:
    ana = workstation("ana")
    ana.link()
    boxes = [ana.draw(n % 6, "cat", float(n)) for n in range(5)]
    head_before = len(_server_feed(ana.service, ana.key))
    LosesFirstAnswer.keys = []
    report = ana.sync(make_client=lambda url, key, timeout: LosesFirstAnswer(url, key=key))
    assert len(LosesFirstAnswer.keys) == 2 and LosesFirstAnswer.keys[0] == LosesFirstAnswer.keys[1]
    # The retry got the first answer: every box applied (once), no conflict with itself.
    assert report.pushed >= 5 and report.conflicts == 0 and ana.dirty() == 0
    feed = _server_feed(ana.service, ana.key)
    pushed_boxes = [r.id for r in feed[head_before:] if r.kind == protocol.RecordKind.ANNOTATION]
    assert sorted(str(i) for i in pushed_boxes) == sorted(boxes)


class NeverSends(client_mod.SyncClient):
    def push(self, *args: Any, **kwargs: Any) -> protocol.PushResponse:
        raise sync_errors.ConnectionFailed(0, "ConnectionError: network is unreachable")


def test_a_batch_is_stored_before_its_first_send_and_resent_as_it_was(
    workstation: WorkstationFactory,
) -> None:
    ana = workstation("ana")
    ana.link()
    first = ana.draw(0, "cat", 1.0)
    with pytest.raises(sync.OfflineError):
        ana.sync(make_client=lambda url, key, timeout: NeverSends(url, key=key))
    assert ana.waits.waits  # it backed off between attempts
    with ana.project.read() as session:
        (stored,) = session.execute(sa.select(models.SyncOutboxRow)).scalars()
    # The box, and the image's status (it went from new to in progress).
    assert [(r["id"], r["kind"]) for r in stored.records] == [
        (first, "annotation"),
        (str(protocol.image_status_id(stored.records[1]["data"]["image_sha256"])), "image_status"),
    ]
    ana.move(first, 2.0)  # edited again while offline
    LosesFirstAnswer.keys = ["already lost one"]  # this time every answer arrives
    ana.sync(make_client=lambda url, key, timeout: LosesFirstAnswer(url, key=key))
    assert LosesFirstAnswer.keys[1] == stored.idempotency_key  # the stored batch went first
    assert len(LosesFirstAnswer.keys) == 3  # then the newer edit, in a batch of its own
    assert ana.labels()[first][2]["x"] == 2.0 and ana.dirty() == 0
    with ana.project.read() as session:
        assert session.execute(sa.select(models.SyncOutboxRow)).first() is None


def test_the_service_stopping_during_a_sync_and_coming_back_converges(
    workstation: WorkstationFactory, service: Service
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    box = ana.draw(2, "dog", 7.0)

    class StopsBeforePull(client_mod.SyncClient):
        def changes(self, *args: Any, **kwargs: Any) -> protocol.ChangePage:
            if service.server._server.started and not service.server._server.should_exit:
                service.stop()
            return super().changes(*args, **kwargs)

    with pytest.raises(sync.OfflineError):
        ana.sync(make_client=lambda url, key, timeout: StopsBeforePull(url, key=key, timeout=2))
    ana.move(box, 8.0)  # labeling goes on while the service is away
    with pytest.raises(sync.OfflineError):
        ana.sync()
    service.restart()
    ana.sync()
    ben.sync()
    assert ben.labels() == ana.labels() and ben.labels()[box][2]["x"] == 8.0
    assert ana.dirty() == 0


class Throttled(requests.adapters.HTTPAdapter):
    """Answers the first ``count`` pushes like the gateway does when a key is over its limit."""

    def __init__(self, count: int, status: int, retry_after: str | None) -> None:
        super().__init__()
        self.left = count
        self.status = status
        self.retry_after = retry_after

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if self.left > 0 and str(request.url).endswith("/push"):
            self.left -= 1
            response = requests.Response()
            response.status_code = self.status
            response.headers["x-request-id"] = "req-throttled"
            if self.retry_after is not None:
                response.headers["Retry-After"] = self.retry_after
            response._content = b'{"statusCode": %d, "message": "Rate limit is exceeded."}' % (
                self.status
            )
            response.request = request
            response.url = str(request.url)
            return response
        return super().send(request, *args, **kwargs)


def _throttled_client(adapter: Throttled) -> Any:
    def make(url: str, key: str | None, timeout: float) -> client_mod.SyncClient:
        c = client_mod.SyncClient(url, key=key, timeout=timeout)
        c._session.mount("http://", adapter)
        return c

    return make


@pytest.mark.parametrize("status", [429, 403])
def test_a_burst_of_rate_limits_is_waited_out_as_the_service_says(
    workstation: WorkstationFactory, status: int
) -> None:
    ana = workstation("ana")
    ana.link()
    ana.draw(0, "cat", 1.0)
    ana.waits.waits.clear()
    report = ana.sync(make_client=_throttled_client(Throttled(4, status, "7")))
    assert ana.waits.waits == [7.0, 7.0, 7.0, 7.0]  # Retry-After, not the backoff
    assert report.pushed == 2 and ana.dirty() == 0  # the box and its image's status


def test_no_permission_is_a_configuration_error_and_not_retried(
    workstation: WorkstationFactory,
) -> None:
    ana = workstation("ana")
    ana.link()
    ana.draw(0, "cat", 1.0)
    ana.waits.waits.clear()
    with pytest.raises(sync.ConfigurationError) as err:
        ana.sync(make_client=_throttled_client(Throttled(1, 403, None)))
    assert "no permission" in str(err.value) and "req-throttled" in str(err.value)
    assert ana.waits.waits == []


def test_a_wrong_key_or_project_is_reported_with_the_request_id(
    workstation: WorkstationFactory,
) -> None:
    ana = workstation("ana")
    ana.link()
    with pytest.raises(sync.ConfigurationError) as err:
        ana.sync(key="not-a-key")
    assert err.value.status == 401 and err.value.request_id
    assert err.value.request_id in str(err.value) and "not-a-key" not in str(err.value)
    assert ana.waits.waits == []
    with pytest.raises(sync.SyncError, match="linked to team"):
        ana.link("elsewhere")  # its revisions belong to the first server project
    ann = workstation("ann", role=principal.Role.ANNOTATOR)
    with pytest.raises(sync.ConfigurationError) as err:
        ann.link("someone-elses")  # an annotator cannot publish
    assert err.value.status == 403


def test_a_cursor_the_service_no_longer_serves_means_a_full_resync(
    workstation: WorkstationFactory, service: Service
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    box = ana.draw(1, "cat", 1.0)
    for x in range(2, 6):
        ana.move(box, float(x))
        ana.sync()
    engine = server_db.create_engine(service.settings.db_url)
    try:
        server_records.compact(engine, "team", below=10_000)
    finally:
        engine.dispose()
    report = ben.sync()
    assert report.full_resync
    assert ben.labels() == ana.labels() and ben.labels()[box][2]["x"] == 5.0
    assert ben.sync().full_resync is False


def test_a_crash_while_applying_a_page_neither_skips_nor_doubles_a_change(
    workstation: WorkstationFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    boxes = [ana.draw(n, "cat", float(n)) for n in range(5)]
    ana.sync()
    real = apply.apply_change
    calls: list[int] = []

    def crashes_on_the_third(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("power cut")
        real(*args, **kwargs)

    monkeypatch.setattr(apply, "apply_change", crashes_on_the_third)
    with pytest.raises(RuntimeError):
        ben.sync()
    assert ben.labels() == {}  # the page and its cursor are one transaction
    monkeypatch.setattr(apply, "apply_change", real)
    ben.sync()
    assert sorted(ben.labels()) == sorted(boxes)
    for n, box in enumerate(boxes):
        ops = [
            h.op for h in annotate.history(ben.project, ben.image_id(n)) if h.annotation_id == box
        ]
        assert ops == ["create"]


class _LoginPage(http.server.BaseHTTPRequestHandler):
    """What a hotel or company network answers before its login: 200 and HTML, to anything."""

    def _answer(self) -> None:
        body = b"<html><body>Welcome! Sign in to use the wifi</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, *args: Any) -> None:
        pass


def test_a_network_login_page_is_reported_as_such_and_treated_as_offline(
    workstation: WorkstationFactory,
) -> None:
    portal = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LoginPage)
    thread = threading.Thread(target=portal.serve_forever, daemon=True)
    thread.start()
    try:
        ana = workstation("ana")
        url = f"http://127.0.0.1:{portal.server_address[1]}"
        with pytest.raises(sync.OfflineError) as err:
            sync.link_project(ana.project, url, "team", ana.options())
        text = str(err.value)
        assert "not the labeler sync API's (HTTP 200, text/html" in text
        assert "login page" in text and "Welcome! Sign in" in text
        assert len(ana.waits.waits) >= 2  # retried like a lost connection, with waits
        assert ana.dirty() == 0 and sync.remote(ana.project) is None  # nothing half-linked
    finally:
        portal.shutdown()
        portal.server_close()
        thread.join(5)
