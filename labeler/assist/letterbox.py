"""Fitting a picture into a model's fixed input, and mapping the answers back.

Ultralytics (YOLOv5, v8, v11) letterboxes: the picture is scaled to fit, keeping its aspect ratio,
and centred on a canvas of grey 114 (the value their training used), so boxes come back in the
canvas's pixels. Azure AutoML's detectors instead stretch the picture to the input size.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import numpy.typing as npt

from labeler.assist import frames

#: The grey Ultralytics pads with.
PAD_VALUE = 114


@dataclasses.dataclass(frozen=True, slots=True)
class Placement:
    """Where a frame's picture landed on the model's input.

    A point (u, v) on the input is (x, y) = ((u - left) / scale_x, (v - top) / scale_y) in the
    picture's pixels, times the frame's own scale for the image's pixels.
    """

    scale_x: float
    scale_y: float
    left: float
    top: float
    frame_sx: float
    frame_sy: float

    def to_image(
        self, u: npt.NDArray[np.float32], v: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Input-pixel coordinates → the image's displayed-frame pixels."""
        x = (u.astype(np.float64) - self.left) / self.scale_x * self.frame_sx
        y = (v.astype(np.float64) - self.top) / self.scale_y * self.frame_sy
        return x, y


def letterbox(frame: frames.Frame, height: int, width: int) -> tuple[frames.Pixels, Placement]:
    """The picture scaled to fit ``height`` × ``width`` (aspect kept), centred on grey 114.

    The rounding follows Ultralytics' ``LetterBox`` (``round(d - 0.1)`` above and left,
    ``round(d + 0.1)`` below and right), so a box lands on the same input pixels as in training.
    """
    src = frame.pixels
    h0, w0 = src.shape[:2]
    r = min(height / h0, width / w0)
    new_w, new_h = round(w0 * r), round(h0 * r)
    dw, dh = (width - new_w) / 2, (height - new_h) / 2
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    resized = (
        src
        if (new_w, new_h) == (w0, h0)
        else cv2.resize(src, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    )
    canvas = cv2.copyMakeBorder(
        resized, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3
    )
    placement = Placement(
        new_w / w0, new_h / h0, float(left), float(top), frame.scale_x, frame.scale_y
    )
    return np.asarray(canvas, dtype=np.uint8), placement


def stretch(frame: frames.Frame, height: int, width: int) -> tuple[frames.Pixels, Placement]:
    """The picture resized to exactly ``height`` × ``width`` (AutoML's Faster R-CNN, RetinaNet)."""
    src = frame.pixels
    h0, w0 = src.shape[:2]
    resized = (
        src
        if (w0, h0) == (width, height)
        else cv2.resize(src, (width, height), interpolation=cv2.INTER_LINEAR)
    )
    placement = Placement(width / w0, height / h0, 0.0, 0.0, frame.scale_x, frame.scale_y)
    return np.asarray(resized, dtype=np.uint8), placement


def to_chw(pixels: frames.Pixels) -> npt.NDArray[np.float32]:
    """H × W × 3 uint8 → 3 × H × W float32 in 0–1 (Ultralytics' input)."""
    return np.ascontiguousarray(pixels.transpose(2, 0, 1), dtype=np.float32) / np.float32(255.0)


IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def imagenet_chw(pixels: frames.Pixels) -> npt.NDArray[np.float32]:
    """H × W × 3 uint8 → 3 × H × W float32 normalised with ImageNet's mean and std (AutoML)."""
    scaled = pixels.astype(np.float32) / np.float32(255.0)
    return np.ascontiguousarray(((scaled - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1))
