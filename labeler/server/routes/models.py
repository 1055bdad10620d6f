"""``POST /v1/models/{name}/predict``: models served to the team, with Azure ML's AutoML image
scoring contract (see :mod:`labeler.assist.scoring`), so the app and the command line call
``labeler serve --model`` and an Azure ML online endpoint with the same code.

Annotators and above may call it. Behind the built-in gateway it has a rate limit of its own per
key (inference costs far more than a sync call), counted where the gateway counts, so it holds
across server processes; behind Azure API Management the policy applies one instead.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping
from typing import Any

import fastapi
import numpy as np

from labeler import errors
from labeler.assist import errors as assist_errors
from labeler.assist import frames, loading, scoring
from labeler.imaging import decode
from labeler.server import deps
from labeler.server.routes import docs
from labeler.sync.wire import protocol

router = fastapi.APIRouter(tags=["models"])

#: Decodes are kept at most this large on their longest side: no detector looks further.
MAX_SIDE = 2048


class RateLimitError(errors.UserError, ValueError):
    """A ``--model-rate-limit`` that is not CALLS/SECONDS."""


@dataclasses.dataclass(frozen=True, slots=True)
class RateLimit:
    """Calls per ``period`` seconds per key (0 calls: no limit of its own)."""

    calls: int = 60
    period: int = 60

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``CALLS/SECONDS``, e.g. ``60/60``; ``0`` turns it off."""
        calls, _, period = text.partition("/")
        try:
            limit = cls(int(calls), int(period or 60))
        except ValueError:
            raise RateLimitError(
                f"rate limit {text!r}: expected CALLS/SECONDS, e.g. 60/60"
            ) from None
        if limit.calls < 0 or limit.period < 1:
            raise RateLimitError(f"rate limit {text!r}: calls ≥ 0 and seconds ≥ 1")
        return limit


@dataclasses.dataclass(frozen=True, slots=True)
class Served:
    """The models this process serves, by name, and their rate limit."""

    models: Mapping[str, loading.Detector]
    rate: RateLimit


def install(app: fastapi.FastAPI, models: Mapping[str, loading.Detector], rate: RateLimit) -> None:
    """Serve ``models`` under ``/v1/models/{name}/predict`` (call before the first request)."""
    app.state.labeler_models = Served(dict(models), rate)
    app.include_router(router, prefix=protocol.API_PREFIX)


def _charge(svc: deps.ServiceState, who_key: str, rate: RateLimit) -> None:
    if svc.settings.gateway != "builtin" or rate.calls <= 0:
        return
    # The gateway's own counters (its tables exist when it is on): shared by every process.
    from labeler.server.gateway import answers
    from labeler.server.gateway import limits as gateway_limits

    wait = gateway_limits.slide(
        svc.engine, f"model:{who_key}", rate.calls, rate.period, time.time()
    )
    if wait is not None:
        raise fastapi.HTTPException(
            429, answers.rate_limited(wait), headers={"Retry-After": str(wait)}
        )


EXAMPLE = {"input_data": {"columns": ["image"], "index": [0], "data": ["<base64 JPEG or PNG>"]}}
ANSWER = [{"boxes": [{"box": {"topX": 0.1, "topY": 0.2, "bottomX": 0.4, "bottomY": 0.6},
                      "label": "nut", "score": 0.93}]}]  # fmt: skip


@router.post(
    "/models/{name}/predict",
    operation_id="predictWithModel",
    summary="Pre-label images with a served model",
    description="Azure ML AutoML image scoring contract: base64 images in `input_data.data` "
    "(at most 16); one result per image with boxes normalised to 0–1 of the image's width and "
    "height (and `polygon` for segmentation models). EXIF orientation is applied first. Needs the "
    "annotator role; rate-limited per key on its own. Predictions scoring below `min_score` "
    "(default 0.05) are left out; clients keep their own threshold above it.",
    responses={
        200: {"content": {"application/json": {"example": ANSWER}}},
        **docs.errors(400, 403, 404, 429),
    },
    openapi_extra={"requestBody": {"content": {"application/json": {"example": EXAMPLE}}}},
)
async def predict(
    name: str,
    request: fastapi.Request,
    who: deps.Caller,
    svc: deps.Service,
    min_score: float = 0.05,
) -> fastapi.responses.JSONResponse:
    deps.require(who, deps.Role.ANNOTATOR)
    served: Served = request.app.state.labeler_models
    detector = served.models.get(name)
    if detector is None:
        raise fastapi.HTTPException(404, f"no model named {name!r} is served here")
    await fastapi.concurrency.run_in_threadpool(_charge, svc, who.key_id or who.name, served.rate)
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise fastapi.HTTPException(400, "the request body is not JSON") from None
    try:
        images = scoring.images_of(body)
    except scoring.ScoringError as exc:
        raise fastapi.HTTPException(400, str(exc)) from None
    result = await fastapi.concurrency.run_in_threadpool(_run, detector, images, min_score)
    return fastapi.responses.JSONResponse(result)


def _run(detector: loading.Detector, images: list[bytes], min_score: float) -> list[dict[str, Any]]:
    pictures: list[frames.Frame] = []
    for i, data in enumerate(images):
        try:
            im, (w, h) = decode.open_upright_bytes(
                data, name=f"image {i}", target=(MAX_SIDE, MAX_SIDE)
            )
        except decode.DecodeError as exc:
            raise fastapi.HTTPException(400, str(exc)) from None
        rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
        pictures.append(frames.Frame(rgb, float(w), float(h)))
    try:
        found = detector.detect(pictures, min_score)
    except assist_errors.AssistError as exc:
        raise fastapi.HTTPException(400, str(exc)) from None
    return scoring.answer(found, [(f.width, f.height) for f in pictures])


def load(specs: list[str], threads: int | None = None) -> dict[str, loading.Detector]:
    """The models of ``--model`` options: ``NAME=FILE`` (kind told from the file) or ``NAME``
    (a model registered with ``labeler models add`` by the user running the service).

    Raises:
        AssistError: a file that is not a model labeler can serve, or an unknown name.
    """
    from pathlib import Path

    from labeler import paths
    from labeler.assist import registry

    models: dict[str, loading.Detector] = {}
    for spec in specs:
        name, sep, file = spec.partition("=")
        registry.check_name(name)
        if sep:
            models[name] = loading.detector_from_file(Path(file).expanduser(), threads=threads)[0]
            continue
        reg = registry.Registry(paths.data_dir() / "models")
        entry = reg.get(name)
        reg.verify(entry)
        models[name] = loading.open_detector(entry, threads=threads)
    return models
