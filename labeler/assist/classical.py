"""A segmenter without weights, for clear objects: GrabCut from a box, flood fill from clicks.

Works on a copy of the picture whose longest side is at most 512 pixels, so a click answers in
tens of milliseconds on any photo. With a box, OpenCV's GrabCut separates the object from the
background inside it, and clicks then mark pixels as object or background for another round.
Without a box, a click floods the region of similar colour around it (within ``tolerance``);
negative clicks take their regions away again.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from labeler.assist import frames, masks, prompts

WORK_SIDE = 512
TOLERANCE = 28
GRABCUT_ROUNDS = 4
CLICK_RADIUS = 3


class ClassicalSegmenter:
    """Click-to-segment with OpenCV only.

    Args:
        tolerance: colour difference (0–255 per channel) a flood still takes in.
    """

    def __init__(self, tolerance: int = TOLERANCE) -> None:
        self.tolerance = tolerance

    def embed(self, frame: frames.Frame) -> prompts.Embedding:
        h0, w0 = frame.pixels.shape[:2]
        scale = min(1.0, WORK_SIDE / max(h0, w0))
        size = (max(1, round(w0 * scale)), max(1, round(h0 * scale)))
        small = (
            frame.pixels
            if scale == 1.0
            else cv2.resize(frame.pixels, size, interpolation=cv2.INTER_AREA)
        )
        return prompts.Embedding(
            {"pixels": np.ascontiguousarray(small, dtype=np.uint8)}, frame.width, frame.height
        )

    def segment(self, embedding: prompts.Embedding, prompt: prompts.Prompt) -> prompts.Segment:
        pixels = np.asarray(embedding.arrays["pixels"], dtype=np.uint8)
        h, w = pixels.shape[:2]
        sx, sy = w / embedding.width, h / embedding.height
        clicks = [
            (min(max(int(c.x * sx), 0), w - 1), min(max(int(c.y * sy), 0), h - 1), c.positive)
            for c in prompt.clicks
        ]
        if prompt.box is not None:
            mask = self._grabcut(pixels, prompt, sx, sy, clicks)
        elif any(positive for _, _, positive in clicks):
            mask = self._flood(pixels, clicks)
        else:
            return prompts.Segment(None, 0.0)
        if mask is None or not mask.any():
            return prompts.Segment(None, 0.0)

        def to_image(
            x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
        ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
            return x / sx, y / sy

        polygon = masks.to_polygon(mask, to_image, embedding.width, embedding.height)
        return prompts.Segment(polygon, 1.0 if polygon is not None else 0.0)

    def _grabcut(
        self,
        pixels: frames.Pixels,
        prompt: prompts.Prompt,
        sx: float,
        sy: float,
        clicks: list[tuple[int, int, bool]],
    ) -> npt.NDArray[np.bool_] | None:
        assert prompt.box is not None
        h, w = pixels.shape[:2]
        b = prompt.box
        x0, y0 = max(int(b.x * sx), 0), max(int(b.y * sy), 0)
        x1, y1 = min(int(np.ceil(b.x1 * sx)), w), min(int(np.ceil(b.y1 * sy)), h)
        if x1 - x0 < 3 or y1 - y0 < 3:
            return None
        bgr = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
        mask = np.zeros((h, w), dtype=np.uint8)
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        cv2.grabCut(bgr, mask, (x0, y0, x1 - x0, y1 - y0), bgd, fgd, GRABCUT_ROUNDS,
                    cv2.GC_INIT_WITH_RECT)  # fmt: skip
        if clicks:
            for x, y, positive in clicks:
                cv2.circle(mask, (x, y), CLICK_RADIUS, cv2.GC_FGD if positive else cv2.GC_BGD, -1)
            cv2.grabCut(bgr, mask, (0, 0, 0, 0), bgd, fgd, GRABCUT_ROUNDS, cv2.GC_INIT_WITH_MASK)
        found: npt.NDArray[np.bool_] = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
        return found

    def _flood(
        self, pixels: frames.Pixels, clicks: list[tuple[int, int, bool]]
    ) -> npt.NDArray[np.bool_]:
        smooth = np.asarray(cv2.GaussianBlur(pixels, (5, 5), 0), dtype=np.uint8)
        h, w = pixels.shape[:2]
        taken = np.zeros((h, w), dtype=bool)
        for x, y, positive in clicks:
            region = self._region(smooth, x, y)
            taken = taken | region if positive else taken & ~region
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        closed = cv2.morphologyEx(taken.astype(np.uint8), cv2.MORPH_CLOSE, kernel)
        return closed.astype(bool)

    def _region(self, pixels: frames.Pixels, x: int, y: int) -> npt.NDArray[np.bool_]:
        h, w = pixels.shape[:2]
        mask = np.zeros((h + 2, w + 2), dtype=np.uint8)
        tol = (self.tolerance,) * 3
        flags = 4 | cv2.FLOODFILL_FIXED_RANGE | cv2.FLOODFILL_MASK_ONLY | (255 << 8)
        cv2.floodFill(pixels.copy(), mask, (x, y), (0, 0, 0), tol, tol, flags)
        return mask[1:-1, 1:-1] > 0
