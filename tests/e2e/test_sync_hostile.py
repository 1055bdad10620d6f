"""Workstations against a service holding records no client can read, and other hostile input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import requests

from labeler.server import cli as server_cli
from labeler.services import images as images_svc
from labeler.services import indexing
from labeler.sync.wire import client as client_mod
from labeler.sync.wire import errors as sync_errors
from tests.e2e.conftest import Service, WorkstationFactory
from tests.helpers import images
from tests.server import poison


def test_an_unreadable_record_is_set_aside_the_rest_syncs_and_maintain_repairs_it(
    workstation: WorkstationFactory, service: Service
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.draw(0, "cat", 1.0)
    ana.link()
    ben.link()
    sha = images_svc.get_image(ana.project, ana.image_id(1)).sha256
    assert sha is not None
    cat = ana.class_id("cat")
    # An older server took this from someone's script: a lone surrogate in an attribute.
    bad_id, _ = poison.write(
        service.settings.db_url, "team", poison.box_data(sha, cat, attributes={"note": "x\ud800"})
    )
    dog_box = ana.draw(2, "dog", 3.0)  # and the team goes on labelling after it
    ana.sync()

    report = ben.sync()
    assert [u.record_id for u in report.unreadable] == [bad_id]
    assert "Unicode" in report.unreadable[0].reason
    assert dog_box in ben.labels()  # the rest of the feed arrived
    again = ben.sync()
    assert [u.record_id for u in again.unreadable] == [bad_id]  # reported until repaired
    assert again.to_json()["unreadable"][0]["record_id"] == bad_id

    assert server_cli.main(["maintain", "--db", service.settings.db_url]) == 0
    repaired = ben.sync()
    assert repaired.unreadable == []
    assert ben.labels()[bad_id][1] == "cat"
    ana.sync()
    assert ana.labels() == ben.labels()


def test_labels_on_images_added_after_linking_reach_the_team(
    workstation: WorkstationFactory, tmp_path: Path
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    extra = tmp_path / "ana" / "day2"
    images.distinct_jpegs(extra, 2, size=(200, 100), prefix="late")
    indexing.add_folder(ana.project, extra)
    indexing.index_pending(ana.project)
    shared = tmp_path / "ben" / "day2"
    shutil.copytree(extra, shared)
    indexing.add_folder(ben.project, shared)
    indexing.index_pending(ben.project)

    order = images_svc.list_image_ids(ana.project)
    late = [
        n
        for n, i in enumerate(order)
        if images_svc.get_image(ana.project, i).name.startswith("late")
    ]
    assert late
    box = ana.draw(late[0], "cat", 50.0)
    report = ana.sync()
    assert report.rejected == []  # the server first lacked the image; the client sent it
    assert report.pushed >= 1
    ben.sync()
    assert box in ben.labels()


def test_an_answer_in_the_apis_shape_is_not_blamed_on_a_proxy(service: Service) -> None:
    key = service.key("ana")
    with client_mod.SyncClient(service.url, key=key) as c:
        c.create_project("odd")
    with client_mod.SyncClient(service.url, key=key) as c:
        original = c._session.request

        def answer_another_version(*args: object, **kwargs: object) -> requests.Response:
            response = original(*args, **kwargs)  # type: ignore[arg-type]
            body = {"records": [], "next_cursor": 7, "has_more": "maybe"}
            response._content = json.dumps(body).encode()
            return response

        c._session.request = answer_another_version  # type: ignore[method-assign]
        with pytest.raises(sync_errors.UnreadableAnswer) as err:
            c.changes("odd")
    assert "proxy" not in str(err.value)
    assert "another version of labeler" in str(err.value)
    # A login page in the way is still named as such (and retried like no answer).
    with client_mod.SyncClient(service.url, key=key) as c:
        original = c._session.request

        def login_page(*args: object, **kwargs: object) -> requests.Response:
            response = original(*args, **kwargs)  # type: ignore[arg-type]
            response._content = b"<html>Sign in to the hotel wifi</html>"
            response.headers["Content-Type"] = "text/html"
            return response

        c._session.request = login_page  # type: ignore[method-assign]
        with pytest.raises(sync_errors.NotTheApi) as seen:
            c.changes("odd")
    assert "proxy" in str(seen.value)
