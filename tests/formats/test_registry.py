"""Format names resolve to their modules; a missing direction is refused by name."""

from __future__ import annotations

import sys
import types

import pytest

from labeler.formats import registry


def test_format_names_are_the_eight_formats_users_can_type() -> None:
    assert registry.FORMAT_NAMES == (
        "coco", "yolo", "voc", "azureml", "csv", "labelme", "createml", "dota",
    )  # fmt: skip


def test_coco_and_yolo_read_and_write() -> None:
    for name in ("coco", "YOLO "):
        assert registry.writer(name).name == name.strip().lower()
        assert registry.reader(name).name == name.strip().lower()


def test_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(registry.FormatUnavailable, match=r"unknown format 'tfrecord'.*coco, yolo"):
        registry.module("tfrecord")


def test_a_format_without_a_reader_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("labeler.formats.createml")
    fake.WRITER = object()  # type: ignore[attr-defined]
    fake.READER = None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "labeler.formats.createml", fake)

    assert registry.writer("createml") is fake.WRITER
    with pytest.raises(registry.FormatUnavailable, match="cannot import datasets in the createml"):
        registry.reader("createml")


def test_a_format_without_a_writer_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("labeler.formats.labelme")
    fake.WRITER = None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "labeler.formats.labelme", fake)

    with pytest.raises(registry.FormatUnavailable, match="cannot export to the labelme"):
        registry.writer("labelme")
