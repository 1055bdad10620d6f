"""The OpenAPI document is complete enough to generate a Power Platform connector from."""

from __future__ import annotations

import json
from typing import Any

import requests
from openapi_spec_validator import validate

from tests.server import live


def _has_example(value: Any) -> bool:
    if isinstance(value, dict):
        if "example" in value or "examples" in value:
            return True
        return any(_has_example(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_example(v) for v in value)
    return False


def test_every_operation_is_named_described_and_exemplified(server: live.LiveServer) -> None:
    doc = requests.get(f"{server.url}/v1/openapi.json", timeout=10).json()
    validate(doc)
    operations = [op for methods in doc["paths"].values() for op in methods.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)) == 17
    for op in operations:
        assert op["summary"] and op["description"], op["operationId"]
        assert _has_example(op) or _has_example(
            [doc["components"]["schemas"].get(r.rsplit("/", 1)[-1]) for r in _refs(op)]
        ), op["operationId"]
        errors = {code for code in op["responses"] if code.startswith("4")}
        assert {"401", "403", "422", "429"} <= errors, op["operationId"]
        body = op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"]
        assert body.endswith("/ErrorBody")
    # The per-kind models of a record's data are documented too.
    assert {"AnnotationData", "ImageStatusData", "ReviewActionData"} <= set(
        doc["components"]["schemas"]
    )


def _refs(op: dict[str, Any]) -> list[str]:
    text = json.dumps(op)
    return [part.split('"')[0] for part in text.split('"$ref": "')[1:]]
