"""A Power Platform custom connector for the labeler API (Power Automate, Logic Apps).

Two files, as ``paconn`` and the maker portal import them: ``apiDefinition.swagger.json``
(Swagger 2.0, converted from the service's OpenAPI 3.1) and ``apiProperties.json`` (API-key
authentication on the subscription header). The change feed becomes a polling trigger, "When
images are labeled or reviewed": Power Automate calls it with the last cursor it saw and gets the
changes since then, so the feed's cursor is the trigger's polling state.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pathlib
import re
from typing import Any

from labeler import errors
from labeler.server.apim import swagger2
from labeler.server.gateway import config, openapi

MAX_BYTES = 1_000_000  # the maker portal refuses larger definitions
TRIGGER_SUMMARY = "When images are labeled or reviewed"
TRIGGER_ID = "WhenImagesLabeledOrReviewed"
API_DEFINITION = "apiDefinition.swagger.json"
API_PROPERTIES = "apiProperties.json"
# What custom connector actions can be; HEAD and OPTIONS operations are left out of it.
_METHODS = ("get", "put", "post", "delete", "patch")


class ConnectorError(errors.UserError, ValueError):
    """The API description cannot be made into a connector (the message says why)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Feed:
    """Where the change feed is and how it pages.

    Attributes:
        path_suffix: the feed operation's path ends with this.
        cursor_param: the query parameter taking the cursor.
        stale_param: the query parameter asking for a restart instead of 410.
        limit_param: the query parameter of the page size.
    """

    path_suffix: str = "/changes"
    cursor_param: str = "cursor"
    stale_param: str = "on_stale_cursor"
    limit_param: str = "limit"


def _words(name: str) -> str:
    spaced = re.sub(r"[_\-]+", " ", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)).strip()
    return spaced[:1].upper() + spaced[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _describe_operations(doc: dict[str, Any]) -> None:
    """Every operation and parameter gets a summary and a description (the portal needs them)."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in _METHODS:
                continue
            summary = (op.get("summary") or _words(op.get("operationId", path))).strip()
            op["summary"] = summary[:80]
            if not op.get("description"):
                op["description"] = _sentence(f"{summary}: {method.upper()} {path}")
            op["operationId"] = _operation_id(op.get("operationId") or summary)
            for param in op.get("parameters", []):
                if "$ref" in param:
                    continue
                param.setdefault("x-ms-summary", _words(param["name"]))
                param.setdefault("description", _sentence(_words(param["name"])))


def _operation_id(raw: str) -> str:
    # Connector operation ids become action names: letters and digits only.
    parts = re.split(r"[^A-Za-z0-9]+", raw)
    return "".join(p[:1].upper() + p[1:] for p in parts if p) or "Operation"


def _find_feed(doc: dict[str, Any], feed: Feed) -> tuple[str, dict[str, Any]]:
    for path, item in doc["paths"].items():
        op = item.get("get")
        if not path.endswith(feed.path_suffix) or op is None:
            continue
        names = {p.get("name") for p in op.get("parameters", []) if p.get("in") == "query"}
        if feed.cursor_param in names:
            return path, op
    raise ConnectorError(
        f"no GET operation ending in {feed.path_suffix!r} with a {feed.cursor_param!r} query "
        "parameter: the change feed is needed for the polling trigger"
    )


def _feed_page(doc: dict[str, Any], op: dict[str, Any]) -> tuple[str, str]:
    """The feed answer's list property and its next-cursor property."""
    schema = op.get("responses", {}).get("200", {}).get("schema", {})
    ref = schema.get("$ref") or next(
        (b.get("$ref") for b in schema.get("allOf", []) if "$ref" in b), None
    )
    if ref:
        schema = doc.get("definitions", {}).get(ref.rsplit("/", 1)[1], {})
    properties: dict[str, Any] = schema.get("properties", {})
    items = next((n for n, p in properties.items() if p.get("type") == "array"), None)
    cursor = next((n for n in properties if "cursor" in n.lower()), None)
    if items is None or cursor is None:
        raise ConnectorError(
            "the change feed's answer needs a list of changes and a next-cursor property"
        )
    return items, cursor


def _add_trigger(doc: dict[str, Any], feed: Feed) -> str:
    path, op = _find_feed(doc, feed)
    items, cursor = _feed_page(doc, op)
    op["summary"] = TRIGGER_SUMMARY
    op["operationId"] = TRIGGER_ID
    op["description"] = (
        "Starts a flow when images or their labels change in a project (labeled, reviewed, "
        "approved or rejected). Checks the project's change feed; the feed's cursor is the "
        "polling state, so every change arrives once."
    )
    op["x-ms-trigger"] = "batch"
    op["x-ms-trigger-hint"] = "To see it work now, label or review an image in the project."
    op["x-ms-trigger-metadata"] = {"kind": "query", "mode": "polling"}
    for param in op.get("parameters", []):
        if param.get("in") != "query":
            continue
        name = param.get("name")
        if name == feed.cursor_param:
            param["x-ms-visibility"] = "internal"
            param["description"] = "Where the last check stopped (managed by the trigger)."
            # The next call passes the previous answer's cursor back: the polling state.
            param["x-ms-trigger-value"] = {"value-collection": items, "value-path": cursor}
        elif name == feed.stale_param:
            # After a long idle time the cursor is too old for the feed (410): start over
            # instead of failing every poll from then on.
            param["x-ms-visibility"] = "internal"
            param["default"] = "restart"
            param["description"] = "Starts over when the trigger was idle too long (managed)."
        elif name == feed.limit_param:
            param["x-ms-visibility"] = "internal"  # the feed's own page size; not a choice
    return path


def _visibility(doc: dict[str, Any]) -> None:
    """Every parameter says how the designer shows it: required ones up front, the others
    under advanced options; the trigger's own (set above) stay internal."""
    for item in doc["paths"].values():
        for op in item.values():
            for param in op.get("parameters", []):
                if "$ref" in param or "x-ms-visibility" in param:
                    continue
                param["x-ms-visibility"] = "important" if param.get("required") else "advanced"


def build(
    document: dict[str, Any],
    cfg: config.GatewayConfig,
    host: str,
    feed: Feed | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The connector's API definition and properties for the service's OpenAPI ``document``.

    Args:
        document: the service's OpenAPI 3.1 document (with or without the gateway's additions).
        cfg: the gateway settings (the key header name).
        host: the public host callers use (the APIM gateway, e.g. ``contoso.azure-api.net``).
        feed: where the change feed is, for the polling trigger.

    Raises:
        ConnectorError: no change feed, or the definition would exceed 1 MB.
    """
    doc = swagger2.openapi31_to_swagger2(openapi.extend(document, cfg))
    doc["host"] = host
    doc["basePath"] = "/"
    doc["schemes"] = ["https"]
    doc["info"]["description"] = _sentence(
        doc["info"].get("description")
        or "Label images with your team and follow their progress with labeler"
    )
    # Power Platform connectors authenticate one way: the subscription key in its header.
    doc["securityDefinitions"] = {
        "api_key": {"type": "apiKey", "in": "header", "name": cfg.header_name}
    }
    doc["security"] = [{"api_key": []}]
    for path, item in list(doc["paths"].items()):
        for method in [m for m in item if m not in _METHODS]:
            del item[method]
        if not item:
            del doc["paths"][path]
    for item in doc["paths"].values():
        for op in item.values():
            if op.get("security"):
                op.pop("security")
            for param in list(op.get("parameters", [])):
                # The connection supplies the key and the token; never ask the user for them.
                if param.get("in") == "header" and param.get("name", "").lower() in (
                    cfg.header_name.lower(),
                    "authorization",
                ):
                    op["parameters"].remove(param)
    _describe_operations(doc)
    _add_trigger(doc, feed or Feed())
    _visibility(doc)
    properties = {
        "properties": {
            "connectionParameters": {
                "api_key": {
                    "type": "securestring",
                    "uiDefinition": {
                        "displayName": "Subscription key",
                        "description": "Your labeler subscription key (primary or secondary).",
                        "tooltip": "Ask the API owner for a key: labeler keys create ...",
                        "constraints": {"tabIndex": 2, "clearText": False, "required": "true"},
                    },
                }
            },
            "iconBrandColor": "#2f5f8a",
            "capabilities": [],
            "publisher": "labeler",
            "stackOwner": "labeler",
        }
    }
    size = len(json.dumps(doc, indent=2).encode())
    if size >= MAX_BYTES:
        raise ConnectorError(f"the API definition is {size} bytes; connectors must stay under 1 MB")
    return doc, properties


def write(
    out: pathlib.Path,
    document: dict[str, Any],
    cfg: config.GatewayConfig,
    host: str,
    feed: Feed | None = None,
) -> list[pathlib.Path]:
    """Write both connector files into ``out`` (created if needed); returns their paths."""
    definition, properties = build(copy.deepcopy(document), cfg, host, feed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in ((API_DEFINITION, definition), (API_PROPERTIES, properties)):
        path = out / name
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", "utf-8")
        written.append(path)
    return written
