"""Telling a model's kind from its metadata and layout, never evaluating what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeler.assist import errors, kinds, recognise, runtime
from tests.assist import onnx_models

K = kinds.Kind


def test_ultralytics_metadata_gives_task_names_and_size(tmp_path: Path) -> None:
    path = onnx_models.yolo(tmp_path / "m.onnx", ["a b", "c'd"], [], size=(64, 96))
    found = recognise.recognise(runtime.Session(path))
    assert found.kind is K.YOLO_DETECT
    assert found.names == ("a b", "c'd")
    assert found.imgsz == (64, 96)


def test_class_names_are_read_as_literals_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(errors.AssistError, match="not readable"):
        recognise.parse_names(f"__import__('pathlib').Path({str(marker)!r}).touch()")
    assert not marker.exists()
    assert recognise.parse_names("{0: 'cat', 2: 'dog'}") == ("cat", "1", "dog")
    assert recognise.parse_names("['x', 'y']") == ("x", "y")


def test_layouts_without_metadata_are_told_apart(tmp_path: Path) -> None:
    v8 = onnx_models.yolo(tmp_path / "v8.onnx", ["a", "b"], [], metadata=False)
    v5 = onnx_models.yolov5(tmp_path / "v5.onnx", ["a", "b"], [], candidates=40)
    assert recognise.recognise(runtime.Session(v8)).kind is K.YOLO_DETECT
    assert recognise.recognise(runtime.Session(v8)).names == ("0", "1")
    assert recognise.recognise(runtime.Session(v5)).kind is K.YOLOV5_DETECT


def test_automl_needs_its_labels_and_a_wrong_kind_is_refused(tmp_path: Path) -> None:
    path = onnx_models.automl(tmp_path / "model.onnx", [(0, 0, 1, 1)], [0], [0.5])
    with pytest.raises(errors.AssistError, match=r"labels\.json"):
        recognise.recognise(runtime.Session(path))
    found = recognise.recognise(runtime.Session(path), names=["can", "carton"])
    assert (found.kind, found.names) == (K.AUTOML_DETECT, ("can", "carton"))
    with pytest.raises(errors.AssistError, match="looks like automl-detect"):
        recognise.recognise(runtime.Session(path), kind=K.YOLO_DETECT, names=["can"])


def test_a_sam_decoder_alone_and_a_broken_file_are_explained(tmp_path: Path) -> None:
    decoder = onnx_models.sam_decoder(tmp_path / "decoder.onnx")
    with pytest.raises(errors.AssistError, match="--decoder"):
        recognise.recognise(runtime.Session(decoder))
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(errors.AssistError, match="cannot be loaded as an ONNX model"):
        runtime.Session(broken)
