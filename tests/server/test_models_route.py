"""``/v1/models/{name}/predict`` behind the built-in gateway: the AutoML scoring contract, the
annotator role and a rate limit of its own."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image

from labeler.assist import errors, loading, scoring
from labeler.server import app as server_app
from labeler.server import config as server_config
from labeler.server import principal
from labeler.server.gateway import keys
from labeler.server.routes import models as models_route
from tests.assist import onnx_models
from tests.server.gateway import standin

HEADER = "Ocp-Apim-Subscription-Key"
PATH = "/v1/models/parts/predict"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    model = onnx_models.yolo(tmp_path / "parts.onnx", ["nut", "washer"], [(32, 16, 16, 8, 1, 1.0)])
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    settings = server_config.ServerSettings(
        db_url=db_url, blobs_dir=tmp_path / "b", gateway="builtin"
    )
    app = server_app.create_app(settings)
    models_route.install(app, models_route.load([f"parts={model}"]), models_route.RateLimit(3, 60))
    engine = sa.create_engine(db_url)
    made = {
        role: keys.create(engine, f"{role}-person", principal.Role(role)).primary
        for role in ("reader", "annotator")
    }
    engine.dispose()
    with standin.serve(app) as url:
        yield url, made


def png(width: int, height: int, orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (255, 255, 255))
    if orientation is None:
        image.save(out, "PNG")
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(out, "JPEG", exif=exif.tobytes(), quality=100)
    return out.getvalue()


def test_an_annotator_gets_boxes_normalised_to_each_image(
    served: tuple[str, dict[str, str]],
) -> None:
    url, made = served
    body = scoring.request([png(64, 64), png(128, 128)])
    with httpx.Client(base_url=url, timeout=30) as client:
        r = client.post(PATH, json=body, headers={HEADER: made["annotator"]})
        assert r.status_code == 200, r.text
        answer = r.json()
        assert len(answer) == 2
        (box,) = answer[0]["boxes"]
        assert box["label"] == "washer" and box["score"] == pytest.approx(1.0)
        assert box["box"] == pytest.approx(
            {"topX": 0.375, "topY": 0.1875, "bottomX": 0.625, "bottomY": 0.3125}
        )
        assert answer[1]["boxes"][0]["box"] == box["box"]
        refused = client.post(PATH, json=body, headers={HEADER: made["reader"]})
        assert refused.status_code == 403 and "annotator" in refused.json()["message"]
        assert (
            client.post(
                "/v1/models/other/predict", json=body, headers={HEADER: made["annotator"]}
            ).status_code
            == 404
        )
        bad = client.post(
            PATH, json={"input_data": {"data": ["%%%"]}}, headers={HEADER: made["annotator"]}
        )
        assert bad.status_code == 400
        assert client.post(PATH, json=body).status_code == 401


def test_exif_orientation_is_applied_before_the_model_looks(
    served: tuple[str, dict[str, str]],
) -> None:
    url, made = served
    with httpx.Client(base_url=url, timeout=30) as client:
        # Stored 64 wide and 32 high, turned by EXIF 6: upright it is 32 × 64.
        r = client.post(PATH, json=scoring.request([png(64, 32, orientation=6)]),
                        headers={HEADER: made["annotator"]})  # fmt: skip
    box = r.json()[0]["boxes"][0]["box"]
    # Letterboxed upright: the 32-wide picture sits 16 from the left of the 64 input.
    assert box["topX"] == pytest.approx((24 - 16) / 32) and box["topY"] == pytest.approx(12 / 64)


def test_the_model_route_has_a_rate_limit_of_its_own(served: tuple[str, dict[str, str]]) -> None:
    url, made = served
    body = scoring.request([png(16, 16)])
    with httpx.Client(base_url=url, timeout=30) as client:
        codes = [
            client.post(PATH, json=body, headers={HEADER: made["annotator"]}) for _ in range(4)
        ]
        assert [r.status_code for r in codes] == [200, 200, 200, 429]
        assert int(codes[3].headers["Retry-After"]) > 0
        assert "Rate limit is exceeded" in codes[3].json()["message"]
        # Other calls of the same key are not held back by the model's own limit.
        assert client.get("/v1/projects", headers={HEADER: made["annotator"]}).status_code == 200


def test_a_click_to_segment_model_cannot_be_served(tmp_path: Path) -> None:
    encoder = onnx_models.sam_encoder(tmp_path / "enc.onnx")
    with pytest.raises(errors.AssistError, match="kind"):
        loading.detector_from_file(encoder)
