"""OpenAPI 3.1 → Swagger 2.0, checked piece by piece and whole with openapi-spec-validator."""

from __future__ import annotations

import copy
import json
from typing import Any

from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV2SpecValidator

from labeler.server.apim import swagger2
from tests.server.apim import sample_app


def _sample() -> tuple[dict[str, Any], dict[str, Any]]:
    doc = sample_app.make_app().openapi()
    return doc, swagger2.openapi31_to_swagger2(doc)


def test_sample_app_converts_to_valid_swagger2_without_changing_the_input() -> None:
    doc = sample_app.make_app().openapi()
    before = copy.deepcopy(doc)
    out = swagger2.openapi31_to_swagger2(doc)
    assert doc == before
    assert out["swagger"] == "2.0"
    validate(out, cls=OpenAPIV2SpecValidator)
    text = json.dumps(out)
    for keyword in ('"anyOf"', '"oneOf"', '"const"', '"examples"', '"prefixItems"', "components"):
        assert keyword not in text, keyword
    assert "openapi" not in out


def test_refs_point_at_definitions() -> None:
    _, out = _sample()
    get = out["paths"]["/v1/projects/{project}/images/{image_id}"]["get"]
    assert get["responses"]["200"]["schema"] == {"$ref": "#/definitions/Image"}
    assert get["responses"]["404"]["schema"] == {"$ref": "#/definitions/Problem"}
    image = out["definitions"]["Image"]
    assert image["properties"]["annotations"]["items"] == {"$ref": "#/definitions/Annotation"}
    assert image["properties"]["status"] == {"$ref": "#/definitions/Status"}
    assert out["definitions"]["Status"]["enum"] == ["new", "done", "approved"]


def test_nullable_fields_become_x_nullable() -> None:
    _, out = _sample()
    image = out["definitions"]["Image"]["properties"]
    assert image["reviewer"]["type"] == "string"
    assert image["reviewer"]["x-nullable"] is True
    assert image["reviewer"]["description"] == "Who reviewed it"
    assert (image["revision"]["type"], image["revision"]["x-nullable"]) == ("integer", True)
    assert "x-nullable" not in image["id"]
    # A nullable reference keeps its target through allOf (2.0 ignores $ref siblings).
    status = out["definitions"]["Change"]["properties"]["status"]
    assert status["allOf"] == [{"$ref": "#/definitions/Status"}]
    assert status["x-nullable"] is True


def test_31_only_keywords_are_down_levelled() -> None:
    _, out = _sample()
    box = out["definitions"]["Box"]["properties"]
    assert box["kind"]["enum"] == ["box"]  # const
    assert box["y"] == {"type": "number", "title": "Y", "minimum": -1, "exclusiveMinimum": True}
    corners = box["corners"]  # tuple[float, float] | None: prefixItems
    assert corners["type"] == "array"
    assert corners["items"] == {"type": "number"}
    assert (corners["minItems"], corners["maxItems"], corners["x-nullable"]) == (2, 2, True)
    assert out["definitions"]["Annotation"]["properties"]["id"]["example"] == "3f1c…"


def test_parameters_keep_their_place_and_type() -> None:
    _, out = _sample()
    get = out["paths"]["/v1/projects/{project}/images/{image_id}"]["get"]
    params = {p["name"]: p for p in get["parameters"]}
    assert params["project"] == {
        "name": "project",
        "in": "path",
        "required": True,
        "type": "string",
    }
    assert params["include"]["in"] == "query"
    assert params["include"]["type"] == "array"
    assert params["include"]["items"] == {"type": "string"}
    assert params["include"]["collectionFormat"] == "multi"
    assert params["if-none-match"]["in"] == "header"
    assert "required" not in params["include"]
    changes = out["paths"]["/v1/projects/{project}/changes"]["get"]
    limit = next(p for p in changes["parameters"] if p["name"] == "limit")
    assert (limit["type"], limit["minimum"], limit["maximum"], limit["default"]) == (
        "integer",
        1,
        1000,
        100,
    )
    delete = out["paths"]["/v1/projects/{project}"]["delete"]
    confirm = next(p for p in delete["parameters"] if p["in"] == "header")
    assert (confirm["type"], confirm["required"]) == ("boolean", True)
    assert delete["deprecated"] is True


def test_enum_typed_query_parameter_keeps_its_values() -> None:
    _, out = _sample()
    put = out["paths"]["/v1/projects/{project}/images/{image_id}"]["put"]
    status = next(p for p in put["parameters"] if p["name"] == "status")
    assert (status["type"], status["enum"]) == ("string", ["new", "done", "approved"])


def test_request_body_becomes_a_body_parameter() -> None:
    _, out = _sample()
    put = out["paths"]["/v1/projects/{project}/images/{image_id}"]["put"]
    body = [p for p in put["parameters"] if p["in"] == "body"]
    assert body == [
        {"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Image"}, "required": True}
    ]
    assert put["responses"]["409"]["description"] == "Conflict: the server's copy"


def test_form_bodies_become_form_parameters_and_files() -> None:
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1", "summary": "3.1 only"},
        "servers": [{"url": "https://labeler.example.net/api"}],
        "paths": {
            "/upload": {
                "post": {
                    "operationId": "upload",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {
                                        "file": {"type": "string", "format": "binary"},
                                        "caption": {"type": ["string", "null"]},
                                    },
                                }
                            }
                        },
                    },
                    "parameters": [
                        {"name": "session", "in": "cookie", "schema": {"type": "string"}}
                    ],
                    "responses": {"201": {"description": "Stored"}},
                }
            }
        },
    }
    out = swagger2.openapi31_to_swagger2(doc)
    validate(out, cls=OpenAPIV2SpecValidator)
    assert (out["host"], out["basePath"], out["schemes"]) == (
        "labeler.example.net",
        "/api",
        ["https"],
    )
    assert "summary" not in out["info"]
    op = out["paths"]["/upload"]["post"]
    assert op["consumes"] == ["multipart/form-data"]
    assert op["parameters"] == [  # the cookie parameter has no 2.0 form
        {"name": "file", "in": "formData", "type": "file", "required": True},
        {"name": "caption", "in": "formData", "type": "string", "x-nullable": True},
    ]


def test_responses_keep_headers_and_security_schemes_are_translated() -> None:
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "security": [{"key": []}, {"key": [], "bearer": []}],
        "paths": {
            "/v1/things": {
                "get": {
                    "operationId": "things",
                    "security": [],
                    "responses": {
                        "429": {
                            "description": "Slow down",
                            "headers": {
                                "Retry-After": {
                                    "description": "Seconds",
                                    "schema": {"type": "integer", "minimum": 1},
                                },
                                "x-request-id": {"schema": {"type": ["string", "null"]}},
                            },
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"statusCode": {"type": "integer"}, "message": {"const": "x"}},
                }
            },
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "Ocp-Apim-Subscription-Key"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "sid"},
                "aad": {
                    "type": "oauth2",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": "https://login.example/authorize",
                            "tokenUrl": "https://login.example/token",
                            "scopes": {"api://labeler/.default": "Use labeler"},
                        }
                    },
                },
            },
        },
    }
    out = swagger2.openapi31_to_swagger2(doc)
    validate(out, cls=OpenAPIV2SpecValidator)
    response = out["paths"]["/v1/things"]["get"]["responses"]["429"]
    assert response["headers"]["Retry-After"] == {
        "type": "integer",
        "minimum": 1,
        "description": "Seconds",
    }
    assert response["headers"]["x-request-id"] == {"type": "string"}
    assert response["schema"] == {"$ref": "#/definitions/Error"}
    assert out["paths"]["/v1/things"]["get"]["security"] == []
    definitions = out["securityDefinitions"]
    assert definitions["key"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Ocp-Apim-Subscription-Key",
    }
    assert definitions["bearer"] == {"type": "apiKey", "in": "header", "name": "Authorization"}
    assert "cookie" not in definitions
    assert definitions["aad"]["flow"] == "accessCode"
    assert out["security"] == [{"key": []}, {"key": [], "bearer": []}]
    assert out["definitions"]["Error"]["properties"]["message"] == {"enum": ["x"]}
