"""Pre-labeling through HTTP endpoints: ``labeler serve --model`` behind its gateway, and a
stand-in for an Azure ML online endpoint behind API Management (the AutoML scoring contract, the
subscription key, a 429 with Retry-After first)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http import server as http_server
from pathlib import Path
from typing import ClassVar

import pytest
import sqlalchemy as sa

from labeler.assist import scoring
from labeler.cli import main
from labeler.server import principal
from labeler.server.gateway import keys
from labeler.services import assist, images, indexing, prelabel, schema, suggestions
from labeler.services import project as project_mod
from labeler.sync.wire import errors as sync_errors
from tests.assist import onnx_models
from tests.helpers import images as image_files

KEY = "Ocp-Apim-Subscription-Key"


@pytest.fixture
def indexed(tmp_path: Path) -> Iterator[project_mod.Project]:
    folder = tmp_path / "photos"
    image_files.distinct_jpegs(folder, 12)
    with project_mod.create_project(
        tmp_path / "p.labeler", classes=["cat", "dog"], author="tester"
    ) as project:
        indexing.add_folder(project, folder)
        indexing.index_pending(project)
        yield project


@pytest.fixture
def serve_model(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``labeler serve --model parts=FILE`` as its own process; yields its URL and an annotator key."""
    model = onnx_models.yolo(tmp_path / "parts.onnx", ["cat"], [(16, 16, 8, 8, 0, 1.0)])
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    env = {**os.environ, "LABELER_DATA_DIR": str(tmp_path / "server-data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "labeler.cli", "serve", "--port", "0", "--db", db_url,
         "--model", f"parts={model}", "--model-threads", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://[\d.]+:\d+", line)
        assert found, f"no address in {line!r}: {proc.stderr.read() if proc.stderr else ''}"
        assert "models: parts" in line
        engine = sa.create_engine(db_url)
        key = keys.create(engine, "ben", principal.Role.ANNOTATOR).primary
        engine.dispose()
        yield found.group(0), key
    finally:
        proc.terminate()
        proc.communicate(timeout=20)  # also closes the pipes


def test_predict_through_labeler_serve_model(
    indexed: project_mod.Project, serve_model: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, key = serve_model
    assert main(["models", "add", "team", "--endpoint", f"{url}/v1/models/parts/predict"]) == 0
    capsys.readouterr()
    args = [
        "predict",
        str(indexed.path),
        "--model",
        "team",
        "--key",
        key,
        "--min-score",
        "0.01",
        "--json",
    ]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["looked_at"], report["suggested"]) == (12, 12)
    first = suggestions.find(indexed)[0]
    assert first.model_name == "team" and first.label == "cat"
    # The test images are 48 × 32: the model's box (16, 16) ± 4 on its 64 × 64 letterboxed input,
    # where the picture is 64 × 43 pixels, 10 rows down.
    sy = 43 / 32
    assert first.geometry.to_json() == pytest.approx(
        {"x": 9.0, "y": 2 / sy, "w": 6.0, "h": 8 / sy}, abs=0.01
    )
    assert main(["predict", str(indexed.path), "--model", "team", "--key", "wrong", "--again"]) == 1
    assert "refused the subscription key" in capsys.readouterr().err


class _AzureStandIn(http_server.BaseHTTPRequestHandler):
    """An Azure ML online endpoint behind APIM: checks the key, asks to wait once, then scores."""

    calls: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.calls.append(1)
        if self.headers.get(KEY) != "secret":
            self._send(
                401,
                {"statusCode": 401, "message": "Access denied due to invalid subscription key."},
            )
        elif len(self.calls) == 2:
            self._send(
                429, {"statusCode": 429, "message": "Rate limit is exceeded."}, {"Retry-After": "0"}
            )
        else:
            n = len(scoring.images_of(json.loads(body)))
            boxes = [{"box": {"topX": 0.25, "topY": 0.5, "bottomX": 0.75, "bottomY": 1.0},
                      "label": "dog", "score": 0.66}]  # fmt: skip
            self._send(200, [{"boxes": boxes} for _ in range(n)])

    def _send(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_an_azure_endpoint_is_called_with_the_key_and_retried_as_sync_does(
    indexed: project_mod.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _AzureStandIn.calls = []
    httpd = http_server.ThreadingHTTPServer(("127.0.0.1", 0), _AzureStandIn)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/score"
        entry, _ = assist.add_endpoint("azure", url)
        monkeypatch.setenv("LABELER_KEY", "wrong")
        with pytest.raises(sync_errors.ConfigurationError, match="refused the subscription key"):
            run(indexed, entry)
        monkeypatch.setenv("LABELER_KEY", "secret")
        report = run(indexed, entry)
    finally:
        httpd.shutdown()
        thread.join()
        httpd.server_close()
    assert report.looked_at == 12 and report.suggested == 12
    assert len(_AzureStandIn.calls) == 1 + 1 + 3  # the refused key, a 429, then 3 × 4 images
    (s, *_) = suggestions.find(indexed)
    assert s.label == "dog" and s.score == pytest.approx(0.66)
    assert s.geometry.to_json() == pytest.approx({"x": 12.0, "y": 16.0, "w": 24.0, "h": 16.0})


def run(project: project_mod.Project, entry: assist.Entry) -> prelabel.PredictReport:
    plan = assist.plan_classes(schema.get_schema(project), entry, ["dog"])
    ids = images.list_image_ids(project)
    detector = assist.open_detector(entry)
    try:
        return prelabel.predict(project, entry, detector, plan, ids, min_score=0.1)
    finally:
        assist.close_detector(detector)
