"""The gateway's part of the OpenAPI description: how to authenticate and what it may answer.

APIM adds its answers to no document, yet clients meet them on every call; describing them keeps
generated clients (and the Power Platform connector) honest about 401, 403, 404 and 429.
"""

from __future__ import annotations

import copy
from typing import Any

from labeler.server.gateway import answers, config

ERROR_SCHEMA = "GatewayError"
KEY_HEADER_SCHEME = "apiKeyHeader"
KEY_QUERY_SCHEME = "apiKeyQuery"
BEARER_SCHEME = "bearerAuth"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "schema": schema}


def _request_id_header() -> dict[str, Any]:
    return _header(
        "The request's id: the client's own when it sent a plain one, else a new one.",
        {"type": "string"},
    )


def _retry_after_header() -> dict[str, Any]:
    return _header("Seconds to wait before calling again.", {"type": "integer", "minimum": 1})


def _error_response(description: str, extra_headers: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"x-request-id": _request_id_header(), **extra_headers},
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}
        },
    }


def gateway_responses(cfg: config.GatewayConfig) -> dict[str, dict[str, Any]]:
    """The answers the gateway itself may give to a keyed operation, by status code."""
    challenge = _header(
        "How to authenticate (on a missing key): "
        f'AzureApiManagementKey realm="…",name="{cfg.header_name}",type="header".',
        {"type": "string"},
    )
    unauthorized = (
        "Missing or invalid subscription key"
        + (", or a missing or invalid bearer token" if cfg.jwt.enabled else "")
        + f'. Body: "{answers.MISSING_KEY}" or "{answers.INVALID_KEY}"'
        + (f' or "{answers.MISSING_JWT}" or "{answers.INVALID_JWT}"' if cfg.jwt.enabled else "")
        + "."
    )
    return {
        "401": _error_response(unauthorized, {"WWW-Authenticate": challenge}),
        "403": _error_response(
            "Out of call volume quota (with Retry-After: wait and call again), or the key may "
            "not use this project (without Retry-After: do not retry).",
            {"Retry-After": _retry_after_header()},
        ),
        "404": _error_response(f'"{answers.NOT_FOUND}": unknown path, method or API version.', {}),
        "429": _error_response(
            "Rate limit is exceeded: wait Retry-After seconds and call again.",
            {"Retry-After": _retry_after_header()},
        ),
    }


def _merge(responses: dict[str, Any], status: str, ours: dict[str, Any]) -> None:
    """Add the gateway's answer; where the service documents that status too, keep its words
    and add the gateway's headers (Retry-After, WWW-Authenticate) and schema if it has none."""
    theirs = responses.get(status)
    if theirs is None:
        responses[status] = copy.deepcopy(ours)
        return
    if not isinstance(theirs, dict) or "$ref" in theirs:
        return
    headers = theirs.setdefault("headers", {})
    for name, header in ours["headers"].items():
        headers.setdefault(name, copy.deepcopy(header))
    theirs.setdefault("content", copy.deepcopy(ours["content"]))


def extend(document: dict[str, Any], cfg: config.GatewayConfig) -> dict[str, Any]:
    """A copy of ``document`` with the gateway's security schemes and answers on every operation."""
    doc = copy.deepcopy(document)
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})[ERROR_SCHEMA] = {
        "title": ERROR_SCHEMA,
        "type": "object",
        "description": "An answer from the API gateway (same shape as Azure API Management's).",
        "required": ["statusCode", "message"],
        "properties": {
            "statusCode": {"type": "integer", "title": "Status code"},
            "message": {"type": "string", "title": "Message"},
        },
    }
    schemes = components.setdefault("securitySchemes", {})
    schemes[KEY_HEADER_SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": cfg.header_name,
        "description": "Subscription key (primary or secondary).",
    }
    schemes[KEY_QUERY_SCHEME] = {
        "type": "apiKey",
        "in": "query",
        "name": cfg.query_name,
        "description": "Subscription key in the query string (when a header cannot be set).",
    }
    requirement_sets: list[dict[str, list[str]]] = [
        {KEY_HEADER_SCHEME: []},
        {KEY_QUERY_SCHEME: []},
    ]
    if cfg.jwt.enabled:
        schemes[BEARER_SCHEME] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An Entra ID access token, required together with the key.",
        }
        requirement_sets = [{**r, BEARER_SCHEME: []} for r in requirement_sets]
    doc["security"] = requirement_sets
    keyed = gateway_responses(cfg)
    not_found = keyed["404"]
    for path, item in doc.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for response in responses.values():
                if isinstance(response, dict) and "$ref" not in response:
                    response.setdefault("headers", {}).setdefault(
                        "x-request-id", _request_id_header()
                    )
            if path in cfg.open_paths:
                operation["security"] = []
                responses.setdefault("404", copy.deepcopy(not_found))
                continue
            for status, response in keyed.items():
                _merge(responses, status, response)
    return doc
