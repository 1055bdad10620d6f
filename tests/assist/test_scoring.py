"""The AutoML scoring contract: requests, answers, and a detector behind an URL."""

from __future__ import annotations

import base64
import json

import pytest

from labeler.assist import endpoint, frames, predictions, scoring
from labeler.domain import geometry as geo
from tests.assist.conftest import picture


def test_an_answer_reads_back_as_the_same_shapes() -> None:
    found = [
        [
            predictions.Prediction("can", 0.9, geo.Box(10, 20, 30, 40)),
            predictions.Prediction("carton", 0.5, geo.Polygon(((0, 0), (50, 0), (50, 60)))),
        ]
    ]
    body = json.loads(json.dumps(scoring.answer(found, [(100.0, 200.0)])))
    assert body[0]["boxes"][0]["box"] == {"topX": 0.1, "topY": 0.1, "bottomX": 0.4, "bottomY": 0.3}
    back = scoring.predictions_of(body, [(100.0, 200.0)])
    assert back[0][0].geometry == geo.Box(10, 20, 30, 40)
    assert back[0][1].geometry == geo.Polygon(((0, 0), (50, 0), (50, 60)))


def test_requests_carry_base64_images_and_bad_ones_are_explained() -> None:
    body = scoring.request([b"one", b"two"])
    assert body["input_data"]["columns"] == ["image"]
    assert scoring.images_of(body) == [b"one", b"two"]
    xai = {
        "input_data": {
            "columns": ["image"],
            "data": [json.dumps({"image_base64": base64.b64encode(b"x").decode()})],
        }
    }
    assert scoring.images_of(xai) == [b"x"]
    with pytest.raises(scoring.ScoringError, match="input_data"):
        scoring.images_of({"data": []})
    with pytest.raises(scoring.ScoringError, match="at most"):
        scoring.images_of(scoring.request([b"x"] * (scoring.MAX_IMAGES + 1)))
    with pytest.raises(scoring.ScoringError, match="result 0"):
        scoring.predictions_of([{"boxes": [{"box": {}}]}], [(1.0, 1.0)])


def test_an_endpoint_detector_posts_upright_jpegs_and_scales_answers() -> None:
    sent: list[dict[str, object]] = []

    def transport(body: bytes) -> bytes:
        request = json.loads(body)
        sent.append(request)
        images = scoring.images_of(request)
        assert all(i.startswith(b"\xff\xd8") for i in images)  # JPEG
        answer = [{"boxes": [{"box": {"topX": 0.5, "topY": 0.5, "bottomX": 1.0, "bottomY": 1.0},
                              "label": "nut", "score": 0.7}]} for _ in images]  # fmt: skip
        return json.dumps(answer).encode()

    d = endpoint.EndpointDetector("http://x/score", transport, batch_size=2)
    found = d.detect([frames.Frame(picture(10, 20), 200.0, 100.0)] * 3, 0.5)
    assert len(sent) == 2
    assert [p.geometry for p in found[2]] == [geo.Box(100, 50, 100, 50)]
    assert d.names == ("nut",)
    assert d.detect([frames.Frame(picture(10, 20), 200.0, 100.0)], 0.8) == [[]]
