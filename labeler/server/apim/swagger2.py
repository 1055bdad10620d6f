"""OpenAPI 3.1 (what FastAPI writes) down to Swagger 2.0 (what Power Platform connectors read).

No maintained tool converts 3.1 to 2.0, so this is a small pure function covering what FastAPI
and pydantic emit: component refs, request bodies, nullable unions, 3.1-only keywords, parameters,
responses with headers, and security schemes. What 2.0 cannot say is down-levelled to the
nearest thing it can (and the original kept under an ``x-`` key where it helps a reader).
"""

from __future__ import annotations

import copy
import urllib.parse
from typing import Any

JSON = "application/json"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
# Keywords a Swagger 2.0 Schema Object may carry (plus x- extensions).
_SCHEMA_KEYS = {
    "$ref", "format", "title", "description", "default", "multipleOf", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
    "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required", "enum",
    "additionalProperties", "type", "items", "allOf", "properties", "discriminator", "readOnly",
    "xml", "externalDocs", "example",
}  # fmt: skip
# Keywords a non-body parameter, an items object or a header may carry (besides name/in/...).
_SIMPLE_KEYS = {
    "type", "format", "items", "collectionFormat", "default", "maximum", "exclusiveMaximum",
    "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "enum", "multipleOf", "description",
}  # fmt: skip
_PRIMITIVES = {"string", "number", "integer", "boolean", "array"}


def convert_ref(ref: str) -> str:
    """``#/components/schemas/X`` → ``#/definitions/X`` (other component kinds likewise)."""
    for old, new in (
        ("#/components/schemas/", "#/definitions/"),
        ("#/components/parameters/", "#/parameters/"),
        ("#/components/responses/", "#/responses/"),
    ):
        if ref.startswith(old):
            return new + ref[len(old) :]
    return ref


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) <= 2


def convert_schema(schema: Any) -> Any:
    """One JSON Schema (2020-12 dialect, as OpenAPI 3.1 uses it) as a Swagger 2.0 Schema Object."""
    if not isinstance(schema, dict):
        return schema if isinstance(schema, bool) else {}
    s = dict(schema)
    nullable = bool(s.pop("nullable", False))
    s, was_null = _without_null(s, schema)
    nullable = nullable or was_null
    _down_level_keywords(s)
    if "enum" in s and None in s["enum"]:
        s["enum"] = [v for v in s["enum"] if v is not None]
        nullable = True
    _convert_children(s)
    out = {k: v for k, v in s.items() if k in _SCHEMA_KEYS or k.startswith("x-")}
    if "$ref" in out and len([k for k in out if not k.startswith("x-")]) > 1:
        # Siblings of $ref are ignored in 2.0: wrap the ref so description etc. survive.
        out["allOf"] = [{"$ref": out.pop("$ref")}]
    if nullable:
        out["x-nullable"] = True
    return out


def _without_null(s: dict[str, Any], original: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``type: [X, "null"]`` and ``anyOf``/``oneOf`` with a null branch, as X plus a flag."""
    nullable = False
    kind = s.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        nullable = len(kinds) < len(kind)
        if len(kinds) == 1:
            s["type"] = kinds[0]
        else:
            s.pop("type")
    for union in ("anyOf", "oneOf"):
        if union not in s:
            continue
        branches = [b for b in s.pop(union) if not _is_null(b)]
        nullable = nullable or len(branches) < len(original[union])
        if len(branches) == 1:
            s = _merge_single(s, convert_schema(branches[0]))
        else:
            # 2.0 cannot say "one of these": keep the choice for readers under an x- key.
            s[f"x-{union}"] = [convert_schema(b) for b in branches]
    return s, nullable


def _down_level_keywords(s: dict[str, Any]) -> None:
    """3.1-only keywords rewritten as their nearest 2.0 form (in place)."""
    if "const" in s:
        s["enum"] = [s.pop("const")]
    examples = s.pop("examples", None)
    if isinstance(examples, list) and examples and "example" not in s:
        s["example"] = examples[0]
    prefix = s.pop("prefixItems", None)
    if isinstance(prefix, list):
        converted = [convert_schema(p) for p in prefix]
        distinct = {repr(c) for c in converted}
        s["items"] = converted[0] if len(distinct) == 1 else {}
        s.setdefault("minItems", len(prefix))
        s.setdefault("maxItems", len(prefix))
        s["x-prefixItems"] = converted
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = s.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            s[plain] = value
            s[bound] = True
    if s.get("contentMediaType") and s.get("type") == "string":
        s.setdefault("format", "binary")
    if isinstance(s.get("discriminator"), dict):
        s["discriminator"] = s["discriminator"].get("propertyName", "")


def _convert_children(s: dict[str, Any]) -> None:
    if "$ref" in s:
        s["$ref"] = convert_ref(s["$ref"])
    if isinstance(s.get("properties"), dict):
        s["properties"] = {k: convert_schema(v) for k, v in s["properties"].items()}
    if "items" in s:
        s["items"] = convert_schema(s["items"]) if s["items"] is not False else {}
    if isinstance(s.get("additionalProperties"), dict):
        s["additionalProperties"] = convert_schema(s["additionalProperties"])
    if "allOf" in s:
        s["allOf"] = [convert_schema(b) for b in s["allOf"]]


def _merge_single(outer: dict[str, Any], inner: dict[str, Any]) -> dict[str, Any]:
    """``{"anyOf": [X], ...outer}`` as one schema (outer's own words win)."""
    if "$ref" in inner:
        merged = dict(outer)
        merged["allOf"] = [inner]
        return merged
    merged = dict(inner)
    merged.update(outer)
    return merged


def _resolve(s: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """A converted schema with a single component ref replaced by that component's own words."""
    ref = s.get("$ref")
    if ref is None and len(s.get("allOf", [])) == 1:
        ref = s["allOf"][0].get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/definitions/"):
        return s
    target = schemas.get(ref.rsplit("/", 1)[1])
    rest = {k: v for k, v in s.items() if k not in ("$ref", "allOf")}
    if not isinstance(target, dict):
        return rest
    return {**convert_schema(target), **rest}


def _simple(
    schema: dict[str, Any], where: str, schemas: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A schema as the flat type/format/items/enum fields of a parameter or header."""
    s = _resolve(convert_schema(schema), schemas or {})
    out = {k: v for k, v in s.items() if k in _SIMPLE_KEYS or k.startswith("x-")}
    out.pop("x-anyOf", None)
    out.pop("x-oneOf", None)
    if out.get("type") not in _PRIMITIVES:
        out["type"] = "string"  # objects, refs and unions travel as text in 2.0
        for key in ("items", "collectionFormat"):
            out.pop(key, None)
    if out["type"] == "array":
        raw_items = s.get("items")
        items: dict[str, Any] = raw_items if isinstance(raw_items, dict) else {}
        out["items"] = _simple(items, where, schemas)
        out["items"].pop("description", None)
        if where == "query":
            out["collectionFormat"] = "multi"
        elif where in ("header", "path"):
            out["collectionFormat"] = "csv"
    if "default" in out and out["default"] is None:
        out.pop("default")
    return out


def convert_parameter(
    param: dict[str, Any], schemas: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """A path, query or header parameter (cookie parameters have no 2.0 form: None).

    ``schemas`` (the document's component schemas) lets a parameter typed by a component, such
    as an enum, keep its type and values; 2.0 parameters cannot refer to definitions.
    """
    if "$ref" in param:
        return {"$ref": convert_ref(param["$ref"])}
    where = param.get("in")
    if where not in ("path", "query", "header"):
        return None
    out: dict[str, Any] = {"name": param["name"], "in": where}
    if param.get("description"):
        out["description"] = param["description"]
    if param.get("required") or where == "path":
        out["required"] = True
    schema = param.get("schema", {"type": "string"})
    simple = _simple(schema, where, schemas)
    simple.pop("title", None)
    if "description" in simple and "description" not in out:
        out["description"] = simple["description"]
    simple.pop("description", None)
    out.update(simple)
    if where == "path":
        out.pop("x-nullable", None)
    return out


def _body_parameters(body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    content: dict[str, Any] = body.get("content", {})
    if not content:
        return [], []
    media = JSON if JSON in content else next(iter(content))
    schema = content[media].get("schema", {})
    if media in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return _form_parameters(schema, body), [media]
    param: dict[str, Any] = {"name": "body", "in": "body", "schema": convert_schema(schema)}
    if body.get("required"):
        param["required"] = True
    if body.get("description"):
        param["description"] = body["description"]
    return [param], [media]


def _form_parameters(schema: dict[str, Any], body: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        converted = convert_schema(prop)
        if converted.get("format") == "binary" or prop.get("contentMediaType"):
            simple: dict[str, Any] = {"type": "file"}
        else:
            simple = _simple(prop, "formData")
        param = {"name": name, "in": "formData", **simple}
        if name in required:
            param["required"] = True
        params.append(param)
    return params


def convert_response(response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        return {"$ref": convert_ref(response["$ref"])}
    out: dict[str, Any] = {"description": response.get("description") or ""}
    content: dict[str, Any] = response.get("content", {})
    if content:
        media = JSON if JSON in content else next(iter(content))
        schema = content[media].get("schema")
        if schema is not None:
            out["schema"] = convert_schema(schema)
        example = content[media].get("example")
        if example is not None:
            out["examples"] = {media: example}
    headers = {}
    for name, header in response.get("headers", {}).items():
        if "$ref" in header:
            continue  # 2.0 has no header components; gateway headers are written inline
        converted = _simple(header.get("schema", {"type": "string"}), "header")
        if header.get("description"):
            converted["description"] = header["description"]
        converted.pop("x-nullable", None)
        headers[name] = converted
    if headers:
        out["headers"] = headers
    return out


def convert_security_scheme(scheme: dict[str, Any]) -> dict[str, Any] | None:
    kind = scheme.get("type")
    description = {"description": scheme["description"]} if scheme.get("description") else {}
    if kind == "apiKey":
        if scheme.get("in") not in ("header", "query"):
            return None
        return {"type": "apiKey", "in": scheme["in"], "name": scheme["name"], **description}
    if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
        return {"type": "basic", **description}
    if kind == "http":
        # 2.0 knows no bearer scheme: the token travels as an Authorization header value.
        return {"type": "apiKey", "in": "header", "name": "Authorization", **description}
    if kind == "oauth2":
        flows = scheme.get("flows", {})
        for name, flow_name in (
            ("authorizationCode", "accessCode"),
            ("implicit", "implicit"),
            ("clientCredentials", "application"),
            ("password", "password"),
        ):
            if name in flows:
                flow = flows[name]
                out = {"type": "oauth2", "flow": flow_name, "scopes": flow.get("scopes", {})}
                for key, new in (
                    ("authorizationUrl", "authorizationUrl"),
                    ("tokenUrl", "tokenUrl"),
                ):
                    if key in flow:
                        out[new] = flow[key]
                return {**out, **description}
    return None


def _operation(
    op: dict[str, Any], path_params: list[dict[str, Any]], schemas: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: copy.deepcopy(v)
        for k, v in op.items()
        if k in ("tags", "summary", "description", "operationId", "deprecated", "externalDocs")
        or k.startswith("x-")
    }
    params: list[dict[str, Any]] = []
    own = {(p.get("name"), p.get("in")) for p in op.get("parameters", [])}
    inherited = [p for p in path_params if (p.get("name"), p.get("in")) not in own]
    for param in [*inherited, *op.get("parameters", [])]:
        converted = convert_parameter(param, schemas)
        if converted is not None:
            params.append(converted)
    if "requestBody" in op:
        body_params, media = _body_parameters(op["requestBody"])
        params.extend(body_params)
        if media and media != [JSON]:
            out["consumes"] = media
    if params:
        out["parameters"] = params
    responses = {str(code): convert_response(r) for code, r in op.get("responses", {}).items()}
    out["responses"] = responses or {"default": {"description": "Any answer"}}
    produces = sorted(
        {m for r in op.get("responses", {}).values() for m in r.get("content", {})} - {JSON}
    )
    if produces:
        out["produces"] = [JSON, *produces]
    if "security" in op:
        out["security"] = copy.deepcopy(op["security"])
    return out


def _known(
    requirements: list[dict[str, list[str]]], definitions: dict[str, Any]
) -> list[dict[str, list[str]]]:
    """Security requirements whose schemes all survived the conversion (an empty one: open)."""
    return [r for r in requirements if all(name in definitions for name in r)]


def _polymorphism(definitions: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A 3.1 discriminated ``oneOf`` as 2.0 says it: the union becomes a base definition with
    the ``discriminator`` property, and each member ``allOf`` the base and its own schema,
    named by ``x-ms-discriminator-value`` (a member's name need not be its value)."""
    for name, original in schemas.items():
        found = original.get("discriminator") if isinstance(original, dict) else None
        if not isinstance(found, dict) or not isinstance(found.get("mapping"), dict):
            continue
        prop = found.get("propertyName")
        if not isinstance(prop, str) or name not in definitions:
            continue
        mapping: dict[str, str] = found["mapping"]
        base = definitions[name]
        base["type"] = "object"
        base["discriminator"] = prop
        base["required"] = [prop]
        base["properties"] = {prop: {"type": "string", "enum": list(mapping)}}
        for value, ref in mapping.items():
            member = ref.rsplit("/", 1)[1]
            if member in definitions and "allOf" not in definitions[member]:
                definitions[member] = {
                    "allOf": [{"$ref": f"#/definitions/{name}"}, definitions[member]],
                    "x-ms-discriminator-value": value,
                }


def openapi31_to_swagger2(doc: dict[str, Any]) -> dict[str, Any]:
    """The same API described as Swagger 2.0.

    Args:
        doc: an OpenAPI 3.x document (as ``FastAPI.openapi()`` returns it); left unchanged.

    Returns:
        A Swagger 2.0 document: refs point at ``#/definitions``, request bodies are body (or
        formData) parameters, nullable unions carry ``x-nullable``, 3.1-only keywords are
        down-levelled and security schemes become security definitions.
    """
    out: dict[str, Any] = {"swagger": "2.0", "info": copy.deepcopy(doc.get("info", {}))}
    out["info"].setdefault("title", "API")
    out["info"].setdefault("version", "1")
    out["info"].pop("summary", None)  # 3.1-only
    servers = doc.get("servers") or []
    if servers and servers[0].get("url", "").startswith(("http://", "https://")):
        url = urllib.parse.urlsplit(servers[0]["url"])
        out["host"] = url.netloc
        out["basePath"] = url.path or "/"
        out["schemes"] = [url.scheme]
    else:
        base = servers[0].get("url", "/") if servers else "/"
        out["basePath"] = base if base.startswith("/") else "/"
    out["consumes"] = [JSON]
    out["produces"] = [JSON]
    paths: dict[str, Any] = {}
    components = doc.get("components", {})
    schemas = components.get("schemas", {})
    for path, item in doc.get("paths", {}).items():
        path_params = item.get("parameters", [])
        converted = {
            method: _operation(item[method], path_params, schemas)
            for method in _METHODS
            if method in item
        }
        if converted:
            paths[path] = converted
    out["paths"] = paths
    out["definitions"] = {
        name: convert_schema(schema) for name, schema in components.get("schemas", {}).items()
    }
    _polymorphism(out["definitions"], components.get("schemas", {}))
    if components.get("responses"):
        out["responses"] = {k: convert_response(v) for k, v in components["responses"].items()}
    if components.get("parameters"):
        params = {k: convert_parameter(v, schemas) for k, v in components["parameters"].items()}
        out["parameters"] = {k: v for k, v in params.items() if v is not None}
    schemes = {
        name: convert_security_scheme(s)
        for name, s in components.get("securitySchemes", {}).items()
    }
    definitions = {k: v for k, v in schemes.items() if v is not None}
    if definitions:
        out["securityDefinitions"] = definitions
    if "security" in doc:
        out["security"] = _known(doc["security"], definitions)
    for item in paths.values():
        for op in item.values():
            if "security" in op:
                op["security"] = _known(op["security"], definitions)
    for key in ("tags", "externalDocs"):
        if key in doc:
            out[key] = copy.deepcopy(doc[key])
    return out
