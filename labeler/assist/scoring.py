"""The Azure ML AutoML image scoring contract, as documented in "Data schemas to train computer
vision models with automated machine learning" (online scoring), for object detection and
instance segmentation.

Request::

    {"input_data": {"columns": ["image"], "index": [0, 1], "data": ["<base64 image>", ...]}}

Answer, one entry per image, coordinates normalised to 0–1 of the image's width and height::

    [{"boxes": [{"box": {"topX": 0.22, "topY": 0.28, "bottomX": 0.40, "bottomY": 0.62},
                 "label": "milk_bottle", "score": 0.937,
                 "polygon": [[x1, y1, x2, y2, ...]]}]}]    # polygon: instance segmentation only

labeler's client (:mod:`labeler.assist.endpoint`) and ``labeler serve --model`` both use this
module, so the two sides cannot drift apart.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Sequence
from typing import Any

from labeler.assist import errors, predictions
from labeler.domain import geometry as geo

#: Images one request may carry (``labeler serve --model`` refuses more).
MAX_IMAGES = 16


class ScoringError(errors.AssistError):
    """A request or an answer that does not follow the scoring contract; says what is wrong."""


def request(images: Sequence[bytes]) -> dict[str, Any]:
    """The request body for encoded images (JPEG, PNG...)."""
    return {
        "input_data": {
            "columns": ["image"],
            "index": list(range(len(images))),
            "data": [base64.b64encode(b).decode("ascii") for b in images],
        }
    }


def images_of(body: Any) -> list[bytes]:
    """The image bytes of a request body (parsed JSON).

    An item of ``data`` may also be the explainability form, a JSON text with ``image_base64``.

    Raises:
        ScoringError: the body is not a scoring request, or an image is not base64.
    """
    data = body.get("input_data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise ScoringError('the request needs an "input_data" object')
    columns, items = data.get("columns", ["image"]), data.get("data")
    if columns != ["image"]:
        raise ScoringError('"input_data.columns" must be ["image"]')
    if not isinstance(items, list) or not items:
        raise ScoringError('"input_data.data" must be a non-empty list of base64 images')
    if len(items) > MAX_IMAGES:
        raise ScoringError(f"at most {MAX_IMAGES} images per request, got {len(items)}")
    return [_decode_item(item, i) for i, item in enumerate(items)]


def _decode_item(item: Any, index: int) -> bytes:
    if isinstance(item, list) and len(item) == 1:
        item = item[0]  # some clients send one-column rows
    if isinstance(item, str) and item.lstrip().startswith("{"):
        try:
            item = json.loads(item).get("image_base64")
        except (ValueError, AttributeError):
            raise ScoringError(f"image {index}: not base64 and not a JSON object") from None
    if not isinstance(item, str) or not item:
        raise ScoringError(f"image {index}: expected a base64 text")
    try:
        return base64.b64decode(item, validate=False)
    except (binascii.Error, ValueError):
        raise ScoringError(f"image {index}: not valid base64") from None


def answer(
    found: Sequence[Sequence[predictions.Prediction]], sizes: Sequence[tuple[float, float]]
) -> list[dict[str, Any]]:
    """The answer body for the predictions of each image (``sizes``: width, height each)."""
    return [
        {"boxes": [_box(p, w, h) for p in preds]}
        for preds, (w, h) in zip(found, sizes, strict=True)
    ]


def _box(p: predictions.Prediction, w: float, h: float) -> dict[str, Any]:
    g = p.geometry
    bounds = g if isinstance(g, geo.Box) else g.bounds
    entry: dict[str, Any] = {
        "box": {
            "topX": bounds.x / w, "topY": bounds.y / h,
            "bottomX": bounds.x1 / w, "bottomY": bounds.y1 / h,
        },
        "label": p.label,
        "score": p.score,
    }  # fmt: skip
    if isinstance(g, geo.Polygon):
        entry["polygon"] = [[v for x, y in g.points for v in (x / w, y / h)]]
    return entry


def predictions_of(
    body: Any, sizes: Sequence[tuple[float, float]]
) -> list[list[predictions.Prediction]]:
    """Predictions in each image's pixels from an answer body (parsed JSON).

    Raises:
        ScoringError: the answer does not follow the contract (wrong shape, count or numbers).
    """
    if not isinstance(body, list) or len(body) != len(sizes):
        raise ScoringError(
            f"the endpoint's answer is not a list of {len(sizes)} result(s) "
            f"(got {type(body).__name__}{f' of {len(body)}' if isinstance(body, list) else ''})"
        )
    return [
        _image_predictions(item, i, *size)
        for i, (item, size) in enumerate(zip(body, sizes, strict=True))
    ]


def _image_predictions(item: Any, index: int, w: float, h: float) -> list[predictions.Prediction]:
    boxes = item.get("boxes") if isinstance(item, dict) else None
    if not isinstance(boxes, list):
        raise ScoringError(f'result {index} has no "boxes" list')
    found: list[predictions.Prediction] = []
    for j, entry in enumerate(boxes):
        try:
            b, label, score = entry["box"], entry["label"], float(entry["score"])
            corners = [float(b[k]) for k in ("topX", "topY", "bottomX", "bottomY")]
        except (KeyError, TypeError, ValueError):
            raise ScoringError(f"result {index}, box {j}: needs box, label and score") from None
        if not all(math.isfinite(v) for v in [*corners, score]):
            raise ScoringError(f"result {index}, box {j}: not a finite number")
        shape: geo.Box | geo.Polygon | None = predictions.box(
            corners[0] * w, corners[1] * h, corners[2] * w, corners[3] * h, w, h
        )
        outline = entry.get("polygon")
        if isinstance(outline, list) and outline and isinstance(outline[0], list):
            flat = [float(v) for v in outline[0] if isinstance(v, int | float)]
            pts = [(flat[k] * w, flat[k + 1] * h) for k in range(0, len(flat) - 1, 2)]
            shape = predictions.polygon(pts, w, h) or shape
        if shape is not None:
            found.append(predictions.Prediction(str(label), score, shape))
    return found
