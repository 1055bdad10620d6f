"""The kinds of model labeler runs, each named once."""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    """A model kind: its tensor layout, pre-processing and what it answers."""

    YOLO_DETECT = "yolo-detect"  # Ultralytics v8/v11: [1, 4+nc, N], letterbox 114
    YOLO_SEGMENT = (
        "yolo-segment"  # Ultralytics v8/v11: [1, 4+nc+32, N] + prototypes [1, 32, mh, mw]
    )
    YOLOV5_DETECT = "yolov5-detect"  # YOLOv5: [1, N, 5+nc], letterbox 114
    AUTOML_DETECT = (
        "automl-detect"  # Azure AutoML Faster R-CNN / RetinaNet: boxes_i, labels_i, scores_i
    )
    AUTOML_SEGMENT = "automl-segment"  # Azure AutoML Mask R-CNN: ... and masks_i
    SAM = "sam"  # a SAM-family image encoder with the classic SAM prompt decoder
    ENDPOINT = "endpoint"  # an HTTP endpoint with the Azure ML AutoML image scoring contract

    @property
    def detects(self) -> bool:
        """Pre-labels whole images (everything but click-to-segment models)."""
        return self is not Kind.SAM

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Kind.YOLO_DETECT: "Ultralytics YOLO (v8/v11) detection",
    Kind.YOLO_SEGMENT: "Ultralytics YOLO (v8/v11) segmentation",
    Kind.YOLOV5_DETECT: "YOLOv5 detection",
    Kind.AUTOML_DETECT: "Azure AutoML object detection (Faster R-CNN, RetinaNet)",
    Kind.AUTOML_SEGMENT: "Azure AutoML instance segmentation (Mask R-CNN)",
    Kind.SAM: "SAM-family click-to-segment (encoder + decoder)",
    Kind.ENDPOINT: "HTTP endpoint (Azure ML AutoML image scoring contract)",
}
