"""What a model looks at: upright RGB pixels and the frame the answers are given in."""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

Pixels = npt.NDArray[np.uint8]


@dataclasses.dataclass(frozen=True, slots=True)
class Frame:
    """An upright picture of an image, possibly smaller than the image itself.

    Attributes:
        pixels: H × W × 3 RGB, EXIF orientation applied (a screen-sized decode is fine).
        width: width of the whole image in the displayed frame; answers are in these pixels.
        height: height of the whole image in the displayed frame.
    """

    pixels: Pixels
    width: float
    height: float

    def __post_init__(self) -> None:
        if self.pixels.ndim != 3 or self.pixels.shape[2] != 3 or self.pixels.dtype != np.uint8:
            raise ValueError(
                f"a frame needs H×W×3 uint8 RGB pixels, not {self.pixels.shape} {self.pixels.dtype}"
            )

    @classmethod
    def full(cls, pixels: Pixels) -> Frame:
        """A frame whose pixels are the whole image at full resolution."""
        return cls(pixels, float(pixels.shape[1]), float(pixels.shape[0]))

    @property
    def scale_x(self) -> float:
        """Image pixels per pixel of ``pixels`` along x (1.0 for a full-resolution decode)."""
        return self.width / int(self.pixels.shape[1])

    @property
    def scale_y(self) -> float:
        return self.height / int(self.pixels.shape[0])


def as_rgb(array: npt.NDArray[np.uint8]) -> Pixels:
    """Grey (H × W) or RGBA (H × W × 4) pixels as H × W × 3 RGB (alpha dropped)."""
    if array.ndim == 2:
        return np.ascontiguousarray(np.repeat(array[:, :, None], 3, axis=2))
    if array.ndim == 3 and array.shape[2] == 4:
        return np.ascontiguousarray(array[:, :, :3])
    return array
