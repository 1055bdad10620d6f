"""Azure AutoML Faster R-CNN, RetinaNet and Mask R-CNN exports, run for real."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labeler.assist import automl, frames, kinds, recognise, runtime
from labeler.domain import geometry as geo
from tests.assist import onnx_models
from tests.assist.conftest import picture

LABELS = ["can", "carton", "milk_bottle"]


def detector(path: Path) -> automl.AutoMLDetector:
    session = runtime.Session(path)
    found = recognise.recognise(session, names=LABELS)
    return automl.AutoMLDetector(session, found.kind, found.names)


@pytest.mark.parametrize("order", [("boxes", "labels", "scores"), ("boxes", "scores", "labels")])
def test_boxes_are_stretched_back_and_named_from_labels_json(
    tmp_path: Path, order: tuple[str, str, str]
) -> None:
    # Faster R-CNN orders its outputs boxes, labels, scores; RetinaNet boxes, scores, labels.
    path = onnx_models.automl(
        tmp_path / "m.onnx", [(8, 6, 40, 30), (0, 0, 4, 4)], [2, 0], [0.9, 0.1], order=order
    )
    # The input is 80 wide and 60 high; the image 320 × 120: x × 4, y × 2.
    frame = frames.Frame(picture(60, 80), 320.0, 120.0)
    (found,) = detector(path).detect([frame], 0.3)
    assert [(p.label, p.score) for p in found] == [("milk_bottle", pytest.approx(0.9))]
    assert found[0].geometry == geo.Box(32, 12, 128, 48)


def test_mask_rcnn_masks_become_polygons(tmp_path: Path) -> None:
    masks = np.zeros((1, 1, 60, 80), dtype=np.float32)
    masks[0, 0, 10:30, 20:60] = 0.9
    path = onnx_models.automl(tmp_path / "m.onnx", [(20, 10, 60, 30)], [1], [0.8], masks=masks)
    d = detector(path)
    assert d.kind is kinds.Kind.AUTOML_SEGMENT
    (found,) = d.detect([frames.Frame.full(picture(60, 80))], 0.3)
    (p,) = found
    assert p.label == "carton" and isinstance(p.geometry, geo.Polygon)
    assert p.geometry.bounds == geo.Box(20.5, 10.5, 39.0, 19.0)
