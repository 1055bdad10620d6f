"""Ultralytics YOLO (v8, v11; detect and segment) and YOLOv5, by their ONNX tensor layouts.

- v8/v11 detect: input ``images`` [B, 3, H, W] RGB 0–1, letterboxed on grey 114; output
  [B, 4+nc, N]: box centre x, y, width, height in input pixels, then one score per class.
- v8/v11 segment: the same plus 32 mask coefficients per box ([B, 4+nc+32, N]) and mask
  prototypes [B, 32, H/4, W/4]; a box's mask is sigmoid(coefficients · prototypes), cut to its box.
- v8/v11 exported end-to-end (metadata ``end2end``: True, NMS inside the model): [B, max_det, 6]
  as x_min, y_min, x_max, y_max, score, class in input pixels (+ 32 mask coefficients).
- v5: output [B, N, 5+nc]: centre x, y, width, height, objectness, class probabilities
  (score = objectness × class probability).

Boxes above the score threshold go through per-class NMS; answers are in the image's frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from labeler.assist import errors, frames, kinds, letterbox, masks, nms, predictions, runtime
from labeler.domain import geometry as geo

#: Ultralytics' defaults for prediction.
IOU = 0.7
IOU_V5 = 0.45
MAX_DET = 300
DEFAULT_SIZE = 640
#: Images per run when the model's batch size is not fixed.
DYNAMIC_BATCH = 4


class YoloDetector:
    """A YOLO model ready to pre-label pictures.

    Args:
        session: the loaded model.
        kind: which layout (detect, segment, v5).
        names: class names in the model's index order.
        imgsz: input height and width when the model's input is dynamic (metadata ``imgsz``).
    """

    def __init__(
        self,
        session: runtime.Session,
        kind: kinds.Kind,
        names: Sequence[str],
        imgsz: tuple[int, int] | None = None,
    ) -> None:
        if kind not in (kinds.Kind.YOLO_DETECT, kinds.Kind.YOLO_SEGMENT, kinds.Kind.YOLOV5_DETECT):
            raise ValueError(f"not a YOLO kind: {kind}")
        self.session = session
        self.kind = kind
        self.names = tuple(names)
        inp = session.inputs[0]
        if len(inp.shape) != 4:
            raise errors.AssistError(
                f"{session.path}: a YOLO model takes [batch, 3, height, width], not {inp.shape}"
            )
        self.input_name = inp.name
        b, _c, h, w = inp.shape
        fallback = imgsz or (DEFAULT_SIZE, DEFAULT_SIZE)
        self.height = h or fallback[0]
        self.width = w or fallback[1]
        self.batch_size = b or DYNAMIC_BATCH
        self.fixed_batch = b is not None
        self.iou = IOU_V5 if kind is kinds.Kind.YOLOV5_DETECT else IOU
        self.end2end = session.metadata.get("end2end", "").lower() == "true"
        self._outputs = session.output_names()

    def detect(
        self, batch: Sequence[frames.Frame], min_score: float = 0.25
    ) -> list[list[predictions.Prediction]]:
        """The objects in each picture, best first."""
        answers: list[list[predictions.Prediction]] = []
        for start in range(0, len(batch), self.batch_size):
            answers += self._run(batch[start : start + self.batch_size], min_score)
        return answers

    def _run(
        self, chunk: Sequence[frames.Frame], min_score: float
    ) -> list[list[predictions.Prediction]]:
        placed = [letterbox.letterbox(f, self.height, self.width) for f in chunk]
        tensor = np.stack([letterbox.to_chw(p) for p, _ in placed])
        if self.fixed_batch and len(chunk) < self.batch_size:
            pad = np.zeros((self.batch_size - len(chunk), *tensor.shape[1:]), dtype=np.float32)
            tensor = np.concatenate([tensor, pad])
        outs = self.session.run({self.input_name: tensor})
        head = np.asarray(outs[0], dtype=np.float32)
        protos = next((np.asarray(o) for o in outs[1:] if np.ndim(o) == 4), None)
        if self.kind is kinds.Kind.YOLO_SEGMENT and protos is None:
            raise errors.AssistError(f"{self.session.path}: no mask prototypes among the outputs")
        return [
            self._decode(
                head[i], None if protos is None else protos[i], placement, frame, min_score
            )
            for i, ((_, placement), frame) in enumerate(zip(placed, chunk, strict=True))
        ]

    def _decode(
        self,
        head: npt.NDArray[np.float32],
        protos: npt.NDArray[np.float32] | None,
        placement: letterbox.Placement,
        frame: frames.Frame,
        min_score: float,
    ) -> list[predictions.Prediction]:
        nm = 0 if protos is None or self.kind is not kinds.Kind.YOLO_SEGMENT else protos.shape[0]
        if self.end2end:
            return self._decode_end2end(head, protos, placement, frame, min_score, nm)
        if self.kind is kinds.Kind.YOLOV5_DETECT:
            rows = head  # N × (5 + nc)
            class_scores = rows[:, 5:] * rows[:, 4:5]
            coeffs = rows[:, :0]
        else:
            rows = head.T  # N × (4 + nc + nm)
            nc = rows.shape[1] - 4 - nm
            class_scores = rows[:, 4 : 4 + nc]
            coeffs = rows[:, 4 + nc :]
        if class_scores.shape[1] == 0:
            return []
        cls = class_scores.argmax(axis=1)
        score = class_scores[np.arange(len(rows)), cls]
        keep = score >= min_score
        if not keep.any():
            return []
        rows, cls, score, coeffs = rows[keep], cls[keep], score[keep], coeffs[keep]
        cx, cy, w, h = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
        xyxy = np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]).astype(np.float32)
        order = nms.per_class(xyxy, score.astype(np.float32), cls.astype(np.int64),
                              iou=self.iou, max_det=MAX_DET)  # fmt: skip
        return self._found(xyxy, score, cls, coeffs, order, protos, placement, frame)

    def _decode_end2end(
        self,
        head: npt.NDArray[np.float32],
        protos: npt.NDArray[np.float32] | None,
        placement: letterbox.Placement,
        frame: frames.Frame,
        min_score: float,
        nm: int,
    ) -> list[predictions.Prediction]:
        keep = head[:, 4] >= min_score
        rows = head[keep]
        order = np.argsort(-rows[:, 4], kind="stable")[:MAX_DET]
        xyxy = rows[:, :4].astype(np.float32)
        cls = rows[:, 5].astype(np.int64)
        coeffs = rows[:, 6 : 6 + nm]
        return self._found(xyxy, rows[:, 4], cls, coeffs, order, protos, placement, frame)

    def _found(
        self,
        xyxy: npt.NDArray[np.float32],
        score: npt.NDArray[np.float32],
        cls: npt.NDArray[np.int64],
        coeffs: npt.NDArray[np.float32],
        order: npt.NDArray[np.int64],
        protos: npt.NDArray[np.float32] | None,
        placement: letterbox.Placement,
        frame: frames.Frame,
    ) -> list[predictions.Prediction]:
        nm = coeffs.shape[1] if protos is not None else 0
        x0, y0 = placement.to_image(xyxy[order, 0], xyxy[order, 1])
        x1, y1 = placement.to_image(xyxy[order, 2], xyxy[order, 3])
        found: list[predictions.Prediction] = []
        logits = None
        if nm and protos is not None:
            logits = (coeffs[order] @ protos.reshape(nm, -1)).reshape(-1, *protos.shape[1:])
        for k, i in enumerate(order.tolist()):
            shape: geo.Box | geo.Polygon | None = predictions.box(
                float(x0[k]), float(y0[k]), float(x1[k]), float(y1[k]), frame.width, frame.height
            )
            if shape is None:
                continue
            if logits is not None:
                outline = self._mask_polygon(logits[k], xyxy[i], placement, frame)
                shape = outline or shape
            found.append(predictions.Prediction(self._name(int(cls[i])), float(score[i]), shape))
        return found

    def _mask_polygon(
        self,
        logit: npt.NDArray[np.float32],
        box: npt.NDArray[np.float32],
        placement: letterbox.Placement,
        frame: frames.Frame,
    ) -> geo.Polygon | None:
        """The box's mask at input resolution, cut to the box, as a polygon in the image's frame."""
        up = cv2.resize(logit, (self.width, self.height), interpolation=cv2.INTER_LINEAR)
        u0, v0 = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
        u1, v1 = min(int(np.ceil(box[2])), self.width), min(int(np.ceil(box[3])), self.height)
        if u1 <= u0 or v1 <= v0:
            return None
        region = up[v0:v1, u0:u1] > 0  # sigmoid(x) > 0.5

        def to_image(
            x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
        ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
            return placement.to_image((x + u0).astype(np.float32), (y + v0).astype(np.float32))

        return masks.to_polygon(region, to_image, frame.width, frame.height)

    def _name(self, index: int) -> str:
        return self.names[index] if 0 <= index < len(self.names) else str(index)
