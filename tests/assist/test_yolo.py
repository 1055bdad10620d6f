"""Ultralytics YOLO (v8/v11 detect and segment, v5) run for real on models of their layout."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from labeler.assist import frames, kinds, letterbox, recognise, runtime, yolo
from labeler.domain import geometry as geo
from tests.assist import onnx_models
from tests.assist.conftest import picture

NAMES = ["washer", "nut", "bracket"]


def detector(path: Path) -> yolo.YoloDetector:
    session = runtime.Session(path)
    found = recognise.recognise(session)
    return yolo.YoloDetector(session, found.kind, found.names, found.imgsz)


def test_boxes_come_back_in_the_images_pixels_with_class_names(tmp_path: Path) -> None:
    path = onnx_models.yolo(tmp_path / "m.onnx", NAMES, [(32, 20, 20, 10, 1, 0.9)])
    # The picture is a 64×64 decode of a 640×640 image: answers are in the image's pixels.
    frame = frames.Frame(picture(64, 64), 640.0, 640.0)
    (found,) = detector(path).detect([frame], 0.25)
    assert len(found) == 1
    assert found[0].label == "nut"
    assert found[0].score == pytest.approx(0.9)
    assert found[0].geometry == geo.Box(220.0, 150.0, 200.0, 100.0)


def test_a_black_picture_finds_nothing_and_low_scores_are_left_out(tmp_path: Path) -> None:
    path = onnx_models.yolo(
        tmp_path / "m.onnx", NAMES, [(32, 20, 20, 10, 1, 0.9), (10, 10, 4, 4, 0, 0.2)]
    )
    d = detector(path)
    assert d.detect([frames.Frame.full(picture(64, 64, 0))], 0.01) == [[]]
    (found,) = d.detect([frames.Frame.full(picture(64, 64))], 0.25)
    assert [p.label for p in found] == ["nut"]


def test_letterbox_is_undone_and_pads_with_grey_114(tmp_path: Path) -> None:
    # A 200×100 white picture fills 64×32 of the 64×64 input, centred: 16 rows of grey above.
    path = onnx_models.yolo(tmp_path / "m.onnx", NAMES, [(32, 32, 20, 10, 0, 1.0)])
    (found,) = detector(path).detect([frames.Frame.full(picture(100, 200))], 0.01)
    (p,) = found
    assert isinstance(p.geometry, geo.Box)
    assert p.geometry.to_json() == pytest.approx(
        {"x": (32 - 10) / 0.32, "y": (32 - 5 - 16) / 0.32, "w": 20 / 0.32, "h": 10 / 0.32}
    )
    # The score is scaled by the input's mean: half white, half the grey 114 padding.
    assert p.score == pytest.approx(0.5 + 0.5 * 114 / 255, abs=1e-3)


def test_letterbox_rounding_follows_ultralytics() -> None:
    canvas, placement = letterbox.letterbox(frames.Frame.full(picture(3, 10)), 8, 8)
    assert canvas.shape == (8, 8, 3)
    # 10×3 → 8×2 (round(2.4)); 6 rows of padding: round(3 - 0.1) = 3 above, 3 below.
    assert placement.top == 3.0 and placement.left == 0.0
    assert (canvas[:3] == 114).all() and (canvas[5:] == 114).all() and (canvas[3:5] == 255).all()


def test_overlapping_boxes_of_one_class_are_merged_not_those_of_two(tmp_path: Path) -> None:
    dets = [
        (30, 30, 20, 20, 0, 0.9), (31, 30, 20, 20, 0, 0.8),  # same class, IoU ≈ 0.9: one left
        (31, 31, 20, 20, 1, 0.7),  # another class on the same spot: kept
    ]  # fmt: skip
    path = onnx_models.yolo(tmp_path / "m.onnx", NAMES, dets)
    (found,) = detector(path).detect([frames.Frame.full(picture(64, 64))], 0.25)
    assert [(p.label, round(p.score, 2)) for p in found] == [("washer", 0.9), ("nut", 0.7)]


def test_a_model_with_a_free_batch_size_takes_several_pictures_a_run(tmp_path: Path) -> None:
    path = onnx_models.yolo(tmp_path / "m.onnx", NAMES, [(32, 32, 8, 8, 2, 1.0)], batch=None)
    d = detector(path)
    assert not d.fixed_batch and d.batch_size == yolo.DYNAMIC_BATCH
    batch = [frames.Frame.full(picture(64, 64, v)) for v in (255, 0, 255, 0, 255)]
    found = d.detect(batch, 0.25)
    assert [len(f) for f in found] == [1, 0, 1, 0, 1]


def test_segment_masks_become_polygons_in_the_images_frame(tmp_path: Path) -> None:
    # Prototype 0 is a disc of radius 4 around (8, 8) at 1/4 of the input: radius 16 around
    # (32, 32) on the 64×64 input; the box's coefficients pick prototype 0 only.
    yy, xx = np.mgrid[0:16, 0:16]
    protos = np.full((32, 16, 16), -10.0, dtype=np.float32)
    protos[0][(xx + 0.5 - 8) ** 2 + (yy + 0.5 - 8) ** 2 <= 16] = 10.0
    coeffs = [[1.0] + [0.0] * 31]
    path = onnx_models.yolo(
        tmp_path / "seg.onnx", NAMES, [(32, 32, 34, 34, 2, 0.95)], task="segment",
        protos=protos, coeffs=coeffs,
    )  # fmt: skip
    d = detector(path)
    assert d.kind is kinds.Kind.YOLO_SEGMENT
    (found,) = d.detect([frames.Frame(picture(64, 64), 128.0, 128.0)], 0.25)
    (p,) = found
    assert p.label == "bracket" and isinstance(p.geometry, geo.Polygon)
    bounds = p.geometry.bounds
    assert bounds.x == pytest.approx(32, abs=3) and bounds.x1 == pytest.approx(96, abs=3)
    assert p.geometry.area == pytest.approx(math.pi * 32**2, rel=0.08)


def test_yolov5_multiplies_objectness_and_class_probability(tmp_path: Path) -> None:
    path = onnx_models.yolov5(tmp_path / "v5.onnx", NAMES, [(16, 16, 8, 8, 2, 0.8, 0.5)])
    d = detector(path)
    assert d.kind is kinds.Kind.YOLOV5_DETECT
    (found,) = d.detect([frames.Frame.full(picture(64, 64))], 0.25)
    assert [(p.label, p.score) for p in found] == [("bracket", pytest.approx(0.4))]
    assert found[0].geometry == geo.Box(12, 12, 8, 8)


def test_end_to_end_exports_skip_nms(tmp_path: Path) -> None:
    # Ultralytics' end2end exports (metadata end2end=True) answer [B, max_det, 6]: x0, y0, x1, y1,
    # score, class in input pixels, NMS done inside the model.
    rows = np.zeros((1, 300, 6), dtype=np.float32)
    rows[0, 0] = (8, 8, 24, 16, 0.9, 2)
    rows[0, 1] = (9, 8, 24, 16, 0.8, 2)  # overlapping, same class: kept (no NMS here)
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["images"], ["m"], axes=[0, 1, 2, 3], keepdims=0),
         helper.make_node("Mul", ["m", "zero"], ["z"]), helper.make_node("Add", ["rows", "z"], ["output0"])],
        "e2e", [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 300, 6])],
        [numpy_helper.from_array(rows, "rows"), numpy_helper.from_array(np.array(0.0, np.float32), "zero")],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for k, v in {
        "task": "detect",
        "end2end": "True",
        "names": repr(dict(enumerate(NAMES))),
    }.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.save(model, str(tmp_path / "e2e.onnx"))
    (found,) = detector(tmp_path / "e2e.onnx").detect([frames.Frame.full(picture(32, 32))], 0.5)
    assert [(p.label, p.geometry) for p in found] == [
        ("bracket", geo.Box(8, 8, 16, 8)),
        ("bracket", geo.Box(9, 8, 15, 8)),
    ]
