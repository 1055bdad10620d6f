"""A registered model made ready to run: a detector for pre-labeling, a segmenter for clicks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from labeler.assist import (
    automl,
    endpoint,
    errors,
    frames,
    kinds,
    predictions,
    prompts,
    recognise,
    registry,
    runtime,
    sam,
    yolo,
)

K = kinds.Kind


class Detector(Protocol):
    """Pre-labels pictures."""

    names: tuple[str, ...]
    batch_size: int

    def detect(
        self, batch: Sequence[frames.Frame], min_score: float = ...
    ) -> list[list[predictions.Prediction]]: ...


def open_detector(
    entry: registry.Entry,
    *,
    threads: int | None = None,
    transport: endpoint.Transport | None = None,
) -> Detector:
    """The detector of a registered model.

    Args:
        entry: the model.
        threads: onnxruntime threads (default: every core).
        transport: how to post to an endpoint (required for endpoints).

    Raises:
        AssistError: the model segments on clicks only, or cannot be loaded.
    """
    if entry.kind is K.ENDPOINT:
        if transport is None or entry.endpoint is None:
            raise errors.AssistError(f"model {entry.name!r}: no way to reach {entry.endpoint}")
        detector = endpoint.EndpointDetector(entry.endpoint, transport)
        detector.names = entry.names
        return detector
    if not entry.kind.detects:
        raise errors.AssistError(
            f"model {entry.name!r} segments on clicks (click-to-segment), it does not pre-label"
        )
    session = runtime.Session(entry.path(), threads)
    if entry.kind in (K.AUTOML_DETECT, K.AUTOML_SEGMENT):
        return automl.AutoMLDetector(session, entry.kind, entry.names)
    return yolo.YoloDetector(session, entry.kind, entry.names, entry.imgsz)


def open_segmenter(entry: registry.Entry, *, threads: int | None = None) -> prompts.Segmenter:
    """The click-to-segment model of a registered SAM pair."""
    if entry.kind is not K.SAM:
        raise errors.AssistError(f"model {entry.name!r} is {entry.kind.value}, not a SAM model")
    return sam.SamSegmenter(
        runtime.Session(entry.path("model"), threads),
        runtime.Session(entry.path("decoder"), threads),
    )


def detector_from_file(
    path: Path, *, kind: kinds.Kind | None = None, threads: int | None = None
) -> tuple[Detector, recognise.Recognised]:
    """A detector straight from an ONNX file, its kind told from the file (``labeler serve
    --model NAME=FILE``); an AutoML model's ``labels.json`` is read from beside it."""
    labels = path.parent / "labels.json"
    names = recognise.read_labels(labels) if labels.is_file() else None
    session = runtime.Session(path, threads)
    found = recognise.recognise(session, kind, names)
    if not found.kind.detects:
        raise errors.AssistError(f"{path} is a click-to-segment model; it does not pre-label")
    if found.kind in (K.AUTOML_DETECT, K.AUTOML_SEGMENT):
        return automl.AutoMLDetector(session, found.kind, found.names), found
    return yolo.YoloDetector(session, found.kind, found.names, found.imgsz), found
