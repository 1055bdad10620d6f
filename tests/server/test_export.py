"""Server-side export: the project's labels as a zipped dataset."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
import requests
from PIL import Image

from labeler.sync.wire import client as client_mod
from labeler.sync.wire import protocol
from tests.server import conftest, live
from tests.server.conftest import CAT, DOG, box, status


def _jpeg(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def _export(server: live.LiveServer, project: str, **params: str) -> requests.Response:
    return requests.get(
        f"{server.url}/v1/projects/{project}/export",
        params=params,
        headers=conftest.caller_headers("rita", "reader"),
        timeout=30,
    )


def test_coco_export_holds_finished_images_their_boxes_and_bytes(
    server: live.LiveServer, admin: client_mod.SyncClient
) -> None:
    project = conftest.unique("export")
    admin.create_project(project)
    admin.put_schema(
        project,
        protocol.SchemaUpdate(
            base_version=0,
            classes=[
                protocol.LabelClass(id=CAT, name="cat", color="#e6194b", order=0),
                protocol.LabelClass(id=DOG, name="dog", color="#3cb44b", order=1),
            ],
        ),
    )
    red, blue = _jpeg("red"), _jpeg("blue")
    shas = [hashlib.sha256(b).hexdigest() for b in (red, blue)]
    admin.upsert_images(
        project,
        [
            protocol.ImageIn(sha256=shas[0], rel_path="a/red.jpg", width=64, height=48),
            protocol.ImageIn(sha256=shas[1], rel_path="a/blue.jpg", width=64, height=48),
        ],
    )
    done, untouched = box(1, CAT), box(1, DOG)
    # The box reaches a little (within the server's tolerance) past the 48-pixel-high image.
    reaching = {"x": 10.0, "y": 20.0, "w": 30.0, "h": 28.8}
    done = done.model_copy(
        update={"data": {**done.data, "image_sha256": shas[0], "geometry": reaching}}
    )
    untouched = untouched.model_copy(
        update={"data": {**untouched.data, "image_sha256": shas[1], "geometry": reaching}}
    )
    finished = status(1, "done").model_copy(
        update={
            "id": protocol.image_status_id(shas[0]),
            "data": {"image_sha256": shas[0], "status": "done"},
        }
    )
    answer = admin.push(project, [done, untouched, finished])
    assert all(r.outcome is protocol.PushOutcome.APPLIED for r in answer.results)

    lacking = _export(server, project, format="coco", images="copy")
    assert lacking.status_code == 409  # the red image's bytes are not on the server yet
    admin.upload_blob(project, shas[0], red)

    reply = _export(server, project, format="coco", images="copy", ratios="1")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(reply.content)) as zf:
        names = zf.namelist()
        documents = [n for n in names if n.endswith(".json") and "manifest" not in n]
        coco = json.loads(zf.read(documents[0]))
        manifest = json.loads(zf.read("manifest.json"))
        copied = [n for n in names if n.endswith("red.jpg")]
        assert copied and zf.read(copied[0]) == red
    # Only the finished image is exported; the untouched one is not "no objects".
    assert [i["file_name"].rsplit("/", 1)[-1] for i in coco["images"]] == ["red.jpg"]
    # The writer clips the box to the frame.
    assert [a["bbox"] for a in coco["annotations"]] == [[10.0, 20.0, 30.0, 28.0]]
    assert {c["name"]: c["id"] for c in coco["categories"]} == {"cat": 1, "dog": 2}
    assert manifest["data_revision"] == answer.head


def test_unknown_formats_and_projects_are_4xx(server: live.LiveServer, project: str) -> None:
    assert _export(server, project, format="pdf").status_code == 422
    assert _export(server, "nope", format="coco").status_code == 404
    assert _export(server, project, format="coco", statuses="finished").status_code == 422


@pytest.mark.parametrize("fmt", ["yolo", "voc", "csv"])
def test_other_formats_export_too(server: live.LiveServer, project: str, fmt: str) -> None:
    reply = _export(server, project, format=fmt, statuses="new")
    assert reply.status_code == 200
    with zipfile.ZipFile(io.BytesIO(reply.content)) as zf:
        assert "manifest.json" in zf.namelist()


@pytest.mark.parametrize("task", ["multiclass", "multilabel", "detect"])
def test_azure_ml_exports_with_its_own_tasks_and_a_datastore_url(
    server: live.LiveServer, project: str, task: str
) -> None:
    prefix = "azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/datastores/lake/paths/p/"
    reply = _export(
        server, project, format="azureml", statuses="new", task=task, image_url_prefix=prefix
    )
    assert reply.status_code == 200, reply.text
    with zipfile.ZipFile(io.BytesIO(reply.content)) as zf:
        assert json.loads(zf.read("manifest.json"))["options"]["task"] == task


def test_azure_ml_without_an_image_url_is_refused_with_the_advice(
    server: live.LiveServer, project: str
) -> None:
    reply = _export(server, project, format="azureml", statuses="new")
    assert reply.status_code == 422
    assert "datastore" in reply.text


def test_voc_takes_its_pixel_convention(server: live.LiveServer, project: str) -> None:
    reply = _export(server, project, format="voc", statuses="new", voc_coordinates="continuous")
    assert reply.status_code == 200, reply.text
    with zipfile.ZipFile(io.BytesIO(reply.content)) as zf:
        frame = json.loads(zf.read("manifest.json"))["coordinate_frame"]
    assert frame["voc_coordinates"] == "continuous"
    assert _export(server, project, format="coco", voc_coordinates="devkit").status_code == 422
