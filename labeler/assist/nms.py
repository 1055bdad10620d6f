"""Non-maximum suppression: one box per object, per class (OpenCV's batched NMS)."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]


def per_class(
    boxes_xyxy: Floats,
    scores: Floats,
    classes: npt.NDArray[np.int64],
    *,
    iou: float,
    max_det: int,
) -> npt.NDArray[np.int64]:
    """Indices of the boxes kept, best score first.

    A box is dropped when a better box *of the same class* overlaps it by more than ``iou``
    (intersection over union), as Ultralytics does by default; at most ``max_det`` are kept.
    """
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int64)
    xywh = np.column_stack(
        [boxes_xyxy[:, 0], boxes_xyxy[:, 1], boxes_xyxy[:, 2] - boxes_xyxy[:, 0],
         boxes_xyxy[:, 3] - boxes_xyxy[:, 1]]
    ).astype(np.float64)  # fmt: skip
    kept = cv2.dnn.NMSBoxesBatched(
        xywh.tolist(), scores.astype(float).tolist(), classes.astype(int).tolist(), 0.0, iou
    )
    order = np.asarray(kept, dtype=np.int64).reshape(-1)
    order = order[np.argsort(-scores[order], kind="stable")]
    return order[:max_det]
