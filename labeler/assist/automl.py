"""Azure AutoML image models exported to ONNX: Faster R-CNN, RetinaNet and Mask R-CNN.

As documented in "Make predictions with ONNX on computer vision models from AutoML" (Azure ML):

- input [batch, 3, height, width]: the picture resized to the input size (no letterbox), RGB,
  scaled to 0–1 and normalised with ImageNet's mean (0.485, 0.456, 0.406) and std
  (0.229, 0.224, 0.225). Mask R-CNN's input may be of any size; it is then resized to fit
  600–1333 pixels like training's ``min_size``/``max_size``.
- outputs per picture ``i`` of the batch: ``boxes_i`` (n, 4) as x_min, y_min, x_max, y_max in
  input pixels, ``labels_i`` (n) class indices into ``labels.json``, ``scores_i`` (n); Mask R-CNN
  adds ``masks_i`` (n, 1, height, width) with per-pixel probabilities. Faster R-CNN orders them
  boxes, labels, scores and RetinaNet boxes, scores, labels, so they are found by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from labeler.assist import errors, frames, kinds, letterbox, masks, predictions, runtime
from labeler.domain import geometry as geo

#: Training's default ``min_size`` and ``max_size`` for a model whose input size is free.
MIN_SIZE = 600
MAX_SIZE = 1333
#: Mask probability above which a pixel belongs to the object.
MASK_THRESHOLD = 0.5

_OUTPUT = re.compile(r"^(boxes|labels|scores|masks)_(\d+)$")


def output_groups(names: Sequence[str]) -> dict[int, dict[str, str]]:
    """``{picture index: {"boxes": name, "labels": name, ...}}`` from the model's output names."""
    groups: dict[int, dict[str, str]] = {}
    for name in names:
        m = _OUTPUT.match(name)
        if m:
            groups.setdefault(int(m.group(2)), {})[m.group(1)] = name
    return groups


class AutoMLDetector:
    """An AutoML detection or instance segmentation model.

    Args:
        session: the loaded model.
        kind: ``automl-detect`` or ``automl-segment``.
        names: the classes of ``labels.json`` in order (label index i is ``names[i]``).
    """

    def __init__(self, session: runtime.Session, kind: kinds.Kind, names: Sequence[str]) -> None:
        self.session = session
        self.kind = kind
        self.names = tuple(names)
        inp = session.inputs[0]
        if len(inp.shape) != 4:
            raise errors.AssistError(
                f"{session.path}: an AutoML model takes [batch, 3, height, width], not {inp.shape}"
            )
        self.input_name = inp.name
        b, _c, self.height, self.width = inp.shape
        self.groups = output_groups(session.output_names())
        if 0 not in self.groups or not {"boxes", "labels", "scores"} <= set(self.groups[0]):
            raise errors.AssistError(
                f"{session.path}: the outputs are not AutoML's boxes_0, labels_0, scores_0 "
                f"(found {', '.join(session.output_names())})"
            )
        # A model made for batch n answers n groups; a free input size means one picture a run.
        self.batch_size = len(self.groups) if self.height and self.width else 1
        self.fixed_batch = b is not None

    def detect(
        self, batch: Sequence[frames.Frame], min_score: float = 0.3
    ) -> list[list[predictions.Prediction]]:
        answers: list[list[predictions.Prediction]] = []
        for start in range(0, len(batch), self.batch_size):
            answers += self._run(batch[start : start + self.batch_size], min_score)
        return answers

    def _size(self, frame: frames.Frame) -> tuple[int, int]:
        if self.height and self.width:
            return self.height, self.width
        h, w = frame.pixels.shape[:2]
        scale = min(MIN_SIZE / min(h, w), MAX_SIZE / max(h, w))
        return max(1, round(h * scale)), max(1, round(w * scale))

    def _run(
        self, chunk: Sequence[frames.Frame], min_score: float
    ) -> list[list[predictions.Prediction]]:
        placed = [letterbox.stretch(f, *self._size(f)) for f in chunk]
        tensor = np.stack([letterbox.imagenet_chw(p) for p, _ in placed])
        if self.fixed_batch and len(chunk) < self.batch_size:
            pad = np.zeros((self.batch_size - len(chunk), *tensor.shape[1:]), dtype=np.float32)
            tensor = np.concatenate([tensor, pad])
        names = self.session.output_names()
        outs = dict(zip(names, self.session.run({self.input_name: tensor}), strict=True))
        return [
            self._decode(outs, self.groups[i], placement, frame, min_score)
            for i, ((_, placement), frame) in enumerate(zip(placed, chunk, strict=True))
        ]

    def _decode(
        self,
        outs: dict[str, npt.NDArray[np.float32]],
        group: dict[str, str],
        placement: letterbox.Placement,
        frame: frames.Frame,
        min_score: float,
    ) -> list[predictions.Prediction]:
        boxes = np.asarray(outs[group["boxes"]], dtype=np.float32).reshape(-1, 4)
        labels = np.asarray(outs[group["labels"]]).reshape(-1).astype(np.int64)
        scores = np.asarray(outs[group["scores"]], dtype=np.float32).reshape(-1)
        mask_out = outs.get(group.get("masks", ""))
        found: list[predictions.Prediction] = []
        for i in np.argsort(-scores, kind="stable").tolist():
            if scores[i] < min_score:
                continue
            x0, y0 = placement.to_image(boxes[i : i + 1, 0], boxes[i : i + 1, 1])
            x1, y1 = placement.to_image(boxes[i : i + 1, 2], boxes[i : i + 1, 3])
            shape: geo.Box | geo.Polygon | None = predictions.box(
                float(x0[0]), float(y0[0]), float(x1[0]), float(y1[0]), frame.width, frame.height
            )
            if shape is None:
                continue
            if self.kind is kinds.Kind.AUTOML_SEGMENT and mask_out is not None:
                mask = np.asarray(mask_out[i]).reshape(mask_out.shape[-2:]) > MASK_THRESHOLD
                shape = (
                    masks.to_polygon(mask, _mapper(placement), frame.width, frame.height) or shape
                )
            label = int(labels[i])
            name = self.names[label] if 0 <= label < len(self.names) else str(label)
            found.append(predictions.Prediction(name, float(scores[i]), shape))
        return found


def _mapper(placement: letterbox.Placement) -> masks.Mapper:
    def to_image(
        x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        return placement.to_image(x.astype(np.float32), y.astype(np.float32))

    return to_image
