"""A real Ultralytics export checked against labeler's YOLO kinds.

Ultralytics is AGPL-3.0: never a dependency of labeler, and its output is never committed. It runs
in its own environment, the one the format tests use (``tests/formats/loaders/setup.sh
ultralytics``, found as ``LABELER_ULTRALYTICS_PYTHON`` or under ``LABELER_LOADERS_DIR``; skipped
without it unless ``LABELER_REQUIRE_LOADERS=1``, as in CI); it builds randomly initialised models
from their configs (no download) and exports them here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from labeler.assist import frames, kinds, recognise, runtime, yolo
from labeler.domain import geometry as geo
from tests.formats import loaders

pytestmark = [pytest.mark.ultralytics]

EXPORT = """
import sys
from ultralytics import YOLO
for cfg in sys.argv[1:]:
    YOLO(cfg).export(format="onnx", imgsz=320)
"""


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ultralytics")
    python = loaders.python_of("ultralytics")
    subprocess.run(
        [python, "-c", EXPORT, "yolov8n.yaml", "yolov8n-seg.yaml", "yolo11n.yaml"],
        cwd=folder, check=True, capture_output=True, timeout=900,
    )  # fmt: skip
    return folder


@pytest.mark.parametrize(
    ("name", "kind", "outputs"),
    [
        ("yolov8n.onnx", kinds.Kind.YOLO_DETECT, [(1, 84, 2100)]),
        ("yolo11n.onnx", kinds.Kind.YOLO_DETECT, [(1, 84, 2100)]),
        ("yolov8n-seg.onnx", kinds.Kind.YOLO_SEGMENT, [(1, 116, 2100), (1, 32, 80, 80)]),
    ],
)
def test_real_exports_have_the_layout_labeler_reads(
    exports: Path, name: str, kind: kinds.Kind, outputs: list[tuple[int, ...]]
) -> None:
    session = runtime.Session(exports / name)
    assert [(i.name, i.shape) for i in session.inputs] == [("images", (1, 3, 320, 320))]
    assert [o.shape for o in session.outputs] == outputs
    assert {"task", "names", "imgsz", "stride"} <= set(session.metadata)
    found = recognise.recognise(session)
    assert found.kind is kind and len(found.names) == 80 and found.imgsz == (320, 320)
    detector = yolo.YoloDetector(session, found.kind, found.names, found.imgsz)
    picture = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    (answer,) = detector.detect([frames.Frame.full(picture)], 0.0)
    boxes = [p.geometry if isinstance(p.geometry, geo.Box) else p.geometry.bounds for p in answer]
    assert answer and all(0 <= b.x <= b.x1 <= 320 and 0 <= b.y <= b.y1 <= 240 for b in boxes)
