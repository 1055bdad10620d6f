"""The Power Platform custom connector: valid Swagger 2.0, key auth, a polling trigger, < 1 MB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV2SpecValidator

from labeler.server.apim import cli, connector
from labeler.server.gateway import config
from labeler.sync.wire import protocol
from tests.server.apim import sample_app

OPERATIONS = ("get", "put", "post", "delete", "patch")


def _operations(definition: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in definition["paths"].items()
        for method, op in item.items()
        if method in OPERATIONS
    ]


def _check_connector(out: Path, header: str) -> dict[str, Any]:
    definition_file = out / "apiDefinition.swagger.json"
    assert definition_file.stat().st_size < 1_000_000
    definition = json.loads(definition_file.read_text(encoding="utf-8"))
    validate(definition, cls=OpenAPIV2SpecValidator)
    assert definition["securityDefinitions"] == {
        "api_key": {"type": "apiKey", "in": "header", "name": header}
    }
    assert definition["security"] == [{"api_key": []}]
    for item in definition["paths"].values():
        assert set(item) <= set(OPERATIONS)  # no HEAD/OPTIONS actions in a connector
    ids = [op["operationId"] for _, _, op in _operations(definition)]
    assert len(ids) == len(set(ids))
    for path, method, op in _operations(definition):
        assert op["summary"].strip() and len(op["summary"]) <= 80, (method, path)
        assert op["description"].strip(), (method, path)
        assert op["operationId"].isalnum()
        for param in op.get("parameters", []):
            assert param.get("name", "").lower() != header.lower()  # the connection sends it
        # The gateway's answers are part of every keyed operation.
        if op.get("security") != []:
            assert {"401", "429"} <= set(op["responses"]), (method, path)
    properties = json.loads((out / "apiProperties.json").read_text(encoding="utf-8"))
    api_key = properties["properties"]["connectionParameters"]["api_key"]
    assert api_key["type"] == "securestring"
    assert api_key["uiDefinition"]["displayName"]
    return definition


def _trigger(definition: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = [(p, op) for p, m, op in _operations(definition) if "x-ms-trigger" in op]
    assert len(found) == 1
    return found[0]


def test_connector_for_a_representative_app(tmp_path: Path) -> None:
    cfg = config.from_mapping({"header_name": "X-Labeler-Key"}, "<test>")
    written = connector.write(
        tmp_path, sample_app.make_app().openapi(), cfg, host="contoso.azure-api.net"
    )
    assert sorted(p.name for p in written) == ["apiDefinition.swagger.json", "apiProperties.json"]
    definition = _check_connector(tmp_path, "X-Labeler-Key")
    assert (definition["host"], definition["schemes"]) == ("contoso.azure-api.net", ["https"])
    path, trigger = _trigger(definition)
    assert path == "/v1/projects/{project}/changes"
    assert trigger["summary"] == "When images are labeled or reviewed"
    assert trigger["x-ms-trigger"] == "batch"
    assert trigger["x-ms-trigger-metadata"] == {"kind": "query", "mode": "polling"}
    cursor = next(p for p in trigger["parameters"] if p["name"] == "cursor")
    assert cursor["x-ms-visibility"] == "internal"
    assert cursor["x-ms-trigger-value"] == {
        "value-collection": "changes",
        "value-path": "next_cursor",
    }
    # Operations without a summary of their own get one, and a description.
    health = definition["paths"]["/v1/health"]["get"]
    assert health["summary"] == "Health" and health["description"]


def test_no_change_feed_is_a_clear_error(tmp_path: Path) -> None:
    doc = sample_app.make_app().openapi()
    with pytest.raises(connector.ConnectorError, match="change feed"):
        connector.build(doc, config.GatewayConfig(), "h", connector.Feed(cursor_param="since"))


def test_connector_command_for_the_sync_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("labeler.server.app")
    out = tmp_path / "connector"
    assert cli.main(["connector", "--out", str(out), "--host", "labeler.azure-api.net"]) == 0
    assert "apiDefinition.swagger.json" in capsys.readouterr().out
    definition = _check_connector(out, "Ocp-Apim-Subscription-Key")
    path, trigger = _trigger(definition)
    assert path.endswith("/changes")
    assert trigger["summary"] == "When images are labeled or reviewed"
    # Every parameter says how the designer shows it; the trigger's polling state is internal,
    # and after a long idle time (a cursor past the feed's horizon) it starts over.
    for _, _, op in _operations(definition):
        for param in op.get("parameters", []):
            assert param.get("x-ms-visibility") in ("important", "advanced", "internal"), param
    by_name = {p["name"]: p for p in trigger["parameters"]}
    assert {n for n, p in by_name.items() if p["x-ms-visibility"] == "internal"} == {
        "cursor",
        "limit",
        "on_stale_cursor",
    }
    assert by_name["on_stale_cursor"]["default"] == "restart"
    assert by_name["limit"]["default"] == 500
    assert by_name["project"]["x-ms-visibility"] == "important"
    # The connector shows what an annotation is: a union told apart by its kind.
    defs = definition["definitions"]
    assert defs["AnnotationData"]["discriminator"] == "kind"
    assert sorted(defs["AnnotationData"]["properties"]["kind"]["enum"]) == [
        "box", "polygon", "rotated_box", "tag",
    ]  # fmt: skip
    rotated = defs["RotatedBoxAnnotationData"]
    assert rotated["x-ms-discriminator-value"] == "rotated_box"
    assert set(defs["RotatedBoxGeometry"]["properties"]) == {"cx", "cy", "w", "h", "angle"}
    box = defs["BoxAnnotationData"]
    assert box["x-ms-discriminator-value"] == "box"
    assert box["allOf"][0] == {"$ref": "#/definitions/AnnotationData"}
    geometry = defs["BoxGeometry"]
    assert {k: v["type"] for k, v in geometry["properties"].items()} == dict.fromkeys(
        "xywh", "number"
    )
    assert geometry["additionalProperties"] is False
    points = defs["PolygonGeometry"]["properties"]["points"]
    assert points["maxItems"] == protocol.MAX_POLYGON_POINTS


def test_connector_command_from_an_openapi_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(sample_app.make_app().openapi()), encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["connector", "--out", str(out), "--openapi", str(source)]) == 0
    _check_connector(out, "Ocp-Apim-Subscription-Key")
    assert cli.main(["connector", "--out", str(out), "--openapi", str(tmp_path / "none")]) == 1
    assert "none" in capsys.readouterr().err
