"""The user's model registry: files pinned by hash, endpoints, class maps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labeler.assist import errors, kinds, registry


def test_a_copied_model_is_pinned_and_survives_the_original_changing(tmp_path: Path) -> None:
    src = tmp_path / "best.onnx"
    src.write_bytes(b"model bytes")
    reg = registry.Registry(tmp_path / "models")
    entry = reg.add("parts", kinds.Kind.YOLO_DETECT, {"model": src}, names=["a"])
    assert entry.path() != src and entry.path().read_bytes() == b"model bytes"
    assert entry.sha256 == registry.file_sha256(src)
    src.write_bytes(b"retrained")
    reg.verify(reg.get("parts"))  # the copy is what was registered
    with pytest.raises(errors.AssistError, match="exists already"):
        reg.add("parts", kinds.Kind.YOLO_DETECT, {"model": src})
    reg.remove("parts")
    assert not entry.path().exists()
    with pytest.raises(errors.AssistError, match="no model named"):
        reg.get("parts")


def test_a_linked_model_that_changed_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "best.onnx"
    src.write_bytes(b"model bytes")
    reg = registry.Registry(tmp_path / "models")
    entry = reg.add("parts", kinds.Kind.YOLO_DETECT, {"model": src}, link=True)
    assert entry.path() == src.resolve()
    src.write_bytes(b"retrained!!")
    os.utime(src, ns=(1, 1))
    with pytest.raises(errors.AssistError, match="changed since it was registered"):
        reg.verify(reg.get("parts"))
    reg.remove("parts")
    assert src.exists()  # a linked file is the user's, never deleted


def test_names_endpoints_and_class_maps(tmp_path: Path) -> None:
    reg = registry.Registry(tmp_path / "models")
    with pytest.raises(errors.AssistError, match="model name"):
        reg.add_endpoint("../etc", "http://x")
    with pytest.raises(errors.AssistError, match="http"):
        reg.add_endpoint("remote", "ftp://x")
    reg.add_endpoint("remote", "https://example.org/score")
    reg.set_classes("remote", {"car": "vehicle"})
    reg.set_classes("remote", {"dog": None})
    assert reg.get("remote").class_map == {"car": "vehicle", "dog": None}
    assert [e.name for e in reg.entries()] == ["remote"]
