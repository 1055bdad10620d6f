"""SAM-family click-to-segment: an image encoder and the classic SAM prompt decoder (ONNX).

Pre-processing as in Segment Anything's ``ResizeLongestSide`` (and ``samexporter``, ``osam``):
the picture is resized so its longest side is 1024, normalised with mean (123.675, 116.28,
103.53) and std (58.395, 57.12, 57.375) on 0–255 values and padded at the bottom and right to
1024 × 1024; the encoder answers an embedding [1, 256, 64, 64]. Encoders exported with their
pre-processing inside (``samexporter --use-preprocess``) take the resized picture as
[H, W, 3] 0–255 floats instead.

The decoder takes ``image_embeddings``, ``point_coords`` [1, n, 2] in the resized picture's
pixels, ``point_labels`` [1, n] (1 on the object, 0 off it, 2 and 3 a box's corners, -1 a
padding point added when there is no box), ``mask_input`` [1, 1, 256, 256], ``has_mask_input``
[1] and ``orig_im_size`` [2]; it answers ``masks`` [1, k, H, W] (logits, > 0 is the object) at
``orig_im_size`` and ``iou_predictions`` [1, k].
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from labeler.assist import errors, frames, masks, prompts, runtime

LONG_SIDE = 1024
PIXEL_MEAN = np.array([123.675, 116.28, 103.53], dtype=np.float32)
PIXEL_STD = np.array([58.395, 57.12, 57.375], dtype=np.float32)
DECODER_INPUTS = frozenset(
    {"image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input",
     "orig_im_size"}
)  # fmt: skip


def resized_size(height: int, width: int, long_side: int = LONG_SIDE) -> tuple[int, int]:
    """Height and width once the longest side is ``long_side`` (SAM's ``ResizeLongestSide``)."""
    scale = long_side / max(height, width)
    return int(height * scale + 0.5), int(width * scale + 0.5)


def is_decoder(session: runtime.Session) -> bool:
    return {i.name for i in session.inputs} >= DECODER_INPUTS


class SamSegmenter:
    """A SAM encoder and decoder pair.

    Args:
        encoder: the image encoder session.
        decoder: the prompt decoder session.
    """

    def __init__(self, encoder: runtime.Session, decoder: runtime.Session) -> None:
        if not is_decoder(decoder):
            raise errors.AssistError(
                f"{decoder.path} is not a SAM prompt decoder (its inputs are "
                f"{', '.join(i.name for i in decoder.inputs)})"
            )
        self.encoder = encoder
        self.decoder = decoder
        inp = encoder.inputs[0]
        self.input_name = inp.name
        self.preprocessed_inside = len(inp.shape) == 3
        self.long_side = LONG_SIDE if self.preprocessed_inside else (inp.shape[-1] or LONG_SIDE)

    def embed(self, frame: frames.Frame) -> prompts.Embedding:
        h0, w0 = frame.pixels.shape[:2]
        h, w = resized_size(h0, w0, self.long_side)
        resized = cv2.resize(frame.pixels, (w, h), interpolation=cv2.INTER_LINEAR)
        if self.preprocessed_inside:
            tensor = resized.astype(np.float32)
        else:
            norm = (resized.astype(np.float32) - PIXEL_MEAN) / PIXEL_STD
            padded = np.zeros((self.long_side, self.long_side, 3), dtype=np.float32)
            padded[:h, :w] = norm
            tensor = np.ascontiguousarray(padded.transpose(2, 0, 1)[None])
        (embedding, *_rest) = self.encoder.run({self.input_name: tensor})
        return prompts.Embedding(
            {"embedding": np.asarray(embedding, dtype=np.float32),
             "size": np.array([h, w], dtype=np.int64)},
            frame.width, frame.height,
        )  # fmt: skip

    def segment(self, embedding: prompts.Embedding, prompt: prompts.Prompt) -> prompts.Segment:
        if not prompt:
            return prompts.Segment(None, 0.0)
        h, w = (int(v) for v in embedding.arrays["size"])
        sx, sy = w / embedding.width, h / embedding.height
        coords: list[tuple[float, float]] = [(c.x * sx, c.y * sy) for c in prompt.clicks]
        labels: list[float] = [1.0 if c.positive else 0.0 for c in prompt.clicks]
        if prompt.box is not None:
            b = prompt.box
            coords += [(b.x * sx, b.y * sy), (b.x1 * sx, b.y1 * sy)]
            labels += [2.0, 3.0]
        else:
            coords.append((0.0, 0.0))
            labels.append(-1.0)
        feed = {
            "image_embeddings": embedding.arrays["embedding"].astype(np.float32),
            "point_coords": np.array([coords], dtype=np.float32),
            "point_labels": np.array([labels], dtype=np.float32),
            "mask_input": np.zeros((1, 1, 256, 256), dtype=np.float32),
            "has_mask_input": np.zeros(1, dtype=np.float32),
            "orig_im_size": np.array([h, w], dtype=np.float32),
        }
        answers = self.decoder.run(feed)
        outs = dict(zip(self.decoder.output_names(), answers, strict=True))
        found = np.asarray(outs.get("masks", answers[0]))
        iou = np.asarray(outs.get("iou_predictions", answers[1] if len(answers) > 1 else []))
        best = int(np.argmax(iou.reshape(-1))) if iou.size else 0
        mask = found[0, best] > 0.0

        def to_image(
            x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
        ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
            return x / sx, y / sy

        polygon = masks.to_polygon(mask, to_image, embedding.width, embedding.height)
        return prompts.Segment(polygon, float(iou.reshape(-1)[best]) if iou.size else 0.0)
