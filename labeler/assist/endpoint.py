"""A detector behind an URL that speaks the AutoML image scoring contract.

How the call is made — the subscription key, an Entra ID token, timeouts and retries — is the
caller's: it hands in a ``transport`` that posts a JSON body and returns the answer's bytes (the
services build it from the sync client, so an endpoint is called exactly as sync calls its API).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import cv2

from labeler.assist import errors, frames, predictions, scoring

#: Posts a JSON body to the endpoint and returns the answer's body; raises on failure.
Transport = Callable[[bytes], bytes]

JPEG_QUALITY = 95
BATCH = 4


def encode_jpeg(frame: frames.Frame) -> bytes:
    """The frame's (upright) pixels as a JPEG: no orientation tag left to disagree about."""
    ok, data = cv2.imencode(
        ".jpg",
        cv2.cvtColor(frame.pixels, cv2.COLOR_RGB2BGR),
        [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY],
    )
    if not ok:
        raise errors.AssistError("the picture could not be encoded for the endpoint")
    return bytes(data)


class EndpointDetector:
    """Pre-labels through an HTTP endpoint.

    Args:
        url: the scoring URL (for information; the transport knows where to post).
        transport: posts the request, returns the answer.
        batch_size: images per request.
    """

    def __init__(self, url: str, transport: Transport, batch_size: int = BATCH) -> None:
        self.url = url
        self.transport = transport
        self.batch_size = batch_size
        self.names: tuple[str, ...] = ()  # learnt from the answers

    def detect(
        self, batch: Sequence[frames.Frame], min_score: float = 0.25
    ) -> list[list[predictions.Prediction]]:
        answers: list[list[predictions.Prediction]] = []
        for start in range(0, len(batch), self.batch_size):
            chunk = batch[start : start + self.batch_size]
            body = json.dumps(scoring.request([encode_jpeg(f) for f in chunk])).encode()
            raw = self.transport(body)
            try:
                parsed = json.loads(raw)
            except ValueError:
                raise scoring.ScoringError(
                    f"the answer of {self.url} is not JSON (starts {raw[:60]!r})"
                ) from None
            found = scoring.predictions_of(parsed, [(f.width, f.height) for f in chunk])
            answers += [[p for p in preds if p.score >= min_score] for preds in found]
        for preds in answers:
            for p in preds:
                if p.label not in self.names:
                    self.names = (*self.names, p.label)
        return answers
