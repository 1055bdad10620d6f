"""The Azure API Management policy equivalent to a built-in gateway configuration.

Deployed behind APIM, the built-in gateway is off and this policy does its work: the subscription
key check (with the same header and query names, set on the API as its subscription key
parameter names), ``validate-jwt`` with the same issuer, audience, keys and required roles,
``rate-limit-by-key`` and ``quota-by-key`` with the same numbers per subscription, and the
trusted ``x-labeler-*`` headers the service reads with ``principal.from_trusted_headers``.

Role and project scope come from the subscription owner's APIM groups: ``labeler-reader``,
``labeler-annotator``, ``labeler-reviewer``, ``labeler-admin`` (highest wins),
``labeler-project-<name>`` per project, or ``labeler-projects-all``. A caller with no role or
no project group is refused, never let through with an empty (= unrestricted) scope.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from labeler.server import principal
from labeler.server.gateway import answers, config

ROLE_GROUP_PREFIX = "labeler-"
PROJECT_GROUP_PREFIX = "labeler-project-"
ALL_PROJECTS_GROUP = "labeler-projects-all"
JWT_VARIABLE = "labeler-jwt"
_ROLES = [r.value for r in principal.Role]
_SANE_ID = "^[A-Za-z0-9._:\\-]{1,128}$"
_TRUSTED = (
    principal.USER_HEADER,
    principal.ROLES_HEADER,
    principal.PROJECTS_HEADER,
    principal.SUBSCRIPTION_HEADER,
)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _return_error(parent: ET.Element, status: int, message: str, extra: dict[str, str]) -> None:
    response = _sub(parent, "return-response")
    _sub(response, "set-status", code=str(status), reason=_REASONS[status])
    for name, value in {"Content-Type": "application/json", **extra}.items():
        header = _sub(response, "set-header", name=name, exists_action="override")
        _sub(header, "value", value)
    _sub(response, "set-body", answers.Answer(status, message).body().decode())


_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


def _role_expression(cfg: config.GatewayConfig) -> str:
    ranks = ", ".join(f'"{r}"' for r in _ROLES)
    lines = [
        "@{",
        f"    var ranks = new [] {{ {ranks} }};",
        "    var groups = context.User == null ? new string[0]"
        " : context.User.Groups.Select(g => g.Name).ToArray();",
        "    var keyRank = -1;",
        "    for (var i = 0; i < ranks.Length; i++) {",
        f'        if (groups.Contains("{ROLE_GROUP_PREFIX}" + ranks[i])) {{ keyRank = i; }}',
        "    }",
    ]
    if cfg.jwt.enabled:
        mapping = ", ".join(
            f'{{ "{claim}", {_ROLES.index(role.value)} }}'
            for claim, role in cfg.jwt.role_map.items()
        )
        lines += [
            f'    var jwt = (Jwt)context.Variables["{JWT_VARIABLE}"];',
            f"    var map = new Dictionary<string, int> {{ {mapping} }};",
            "    var tokenRank = -1;",
            f'    var claimed = jwt.Claims.ContainsKey("{cfg.jwt.roles_claim}")'
            f' ? jwt.Claims["{cfg.jwt.roles_claim}"] : new string[0];',
            "    foreach (var v in claimed) {",
            "        if (map.ContainsKey(v) && map[v] > tokenRank) { tokenRank = map[v]; }",
            "    }",
            "    if (tokenRank >= 0 && tokenRank < keyRank) { keyRank = tokenRank; }",
        ]
    lines += ['    return keyRank < 0 ? "" : ranks[keyRank];', "}"]
    # One line: it lives in an attribute, where line breaks would turn into character entities.
    return " ".join(line.strip() for line in lines)


def _projects_expression() -> str:
    return " ".join(
        [
            "@{",
            "var groups = context.User == null ? new string[0]"
            " : context.User.Groups.Select(g => g.Name).ToArray();",
            f'if (groups.Contains("{ALL_PROJECTS_GROUP}")) {{ return "*"; }}',
            'return string.Join(",", groups'
            f'.Where(g => g.StartsWith("{PROJECT_GROUP_PREFIX}"))'
            f".Select(g => g.Substring({len(PROJECT_GROUP_PREFIX)})));",
            "}",
        ]
    )


def _user_expression(cfg: config.GatewayConfig) -> str:
    if cfg.jwt.enabled:
        claim = cfg.jwt.name_claim
        return (
            f'@(((Jwt)context.Variables["{JWT_VARIABLE}"]).Claims'
            f'.GetValueOrDefault("{claim}", context.Subscription.Name))'
        )
    return "@(context.Subscription.Name)"


def _request_id_expression() -> str:
    return (
        "@{\n"
        '    var id = context.Request.Headers.GetValueOrDefault("x-request-id", "");\n'
        f'    return System.Text.RegularExpressions.Regex.IsMatch(id, @"{_SANE_ID}")\n'
        "        ? id : context.RequestId.ToString();\n"
        "}"
    )


def _challenge(cfg: config.GatewayConfig) -> str:
    tail = f'name="{cfg.header_name}",type="header"'
    if cfg.realm:
        return f'AzureApiManagementKey realm="{cfg.realm}",{tail}'
    # Like the built-in gateway: the realm is the base URL the caller used.
    escaped = tail.replace('"', '\\"')
    return (
        '@("AzureApiManagementKey realm=\\"" + context.Request.OriginalUrl.Scheme + "://"'
        f' + context.Request.OriginalUrl.Host + "\\",{escaped}")'
    )


def _jwks_keys(cfg: config.JwtConfig) -> list[dict[str, Any]]:
    if cfg.jwks_file is None:
        return []
    data = json.loads(cfg.jwks_file.read_text(encoding="utf-8"))
    return [k for k in data.get("keys", []) if k.get("kty") == "RSA" and "n" in k and "e" in k]


def _validate_jwt(inbound: ET.Element, cfg: config.JwtConfig) -> None:
    check = _sub(
        inbound,
        "validate-jwt",
        header_name="Authorization",
        failed_validation_httpcode="401",
        failed_validation_error_message=answers.INVALID_JWT,
        require_expiration_time="true",
        require_scheme="Bearer",
        require_signed_tokens="true",
        clock_skew=str(cfg.leeway_seconds),
        output_token_variable_name=JWT_VARIABLE,
    )
    if cfg.jwks_url:
        # APIM reads signing keys through the provider's OpenID configuration, whose jwks_uri
        # is the keys URL the built-in gateway fetches.
        check.append(ET.Comment(f" signing keys: {cfg.jwks_url} "))
        _sub(check, "openid-config", url=cfg.discovery_url or "")
    keys = _jwks_keys(cfg)
    if keys:
        signing = _sub(check, "issuer-signing-keys")
        for key in keys:
            attrs = {"n": str(key["n"]), "e": str(key["e"])}
            if key.get("kid"):
                attrs["id"] = str(key["kid"])
            _sub(signing, "key", **attrs)
    audiences = _sub(check, "audiences")
    for audience in cfg.audience:
        _sub(audiences, "audience", audience)
    issuers = _sub(check, "issuers")
    for issuer in cfg.issuer:
        _sub(issuers, "issuer", issuer)
    if cfg.required_roles:
        claims = _sub(check, "required-claims")
        claim = _sub(claims, "claim", name=cfg.roles_claim, match="any")
        for value in cfg.required_roles:
            _sub(claim, "value", value)


def _set_header(parent: ET.Element, name: str, value: str | None, action: str) -> None:
    header = _sub(parent, "set-header", name=name, exists_action=action)
    if value is not None:
        _sub(header, "value", value)


def _open_paths_condition(cfg: config.GatewayConfig) -> str:
    # The operation's template is its path in the imported OpenAPI document, whatever URL
    # suffix the API is published under.
    paths = ", ".join(json.dumps(p) for p in cfg.open_paths)
    return f"@(new [] {{ {paths} }}.Contains(context.Operation.UrlTemplate))"


def _missing_token(parent: ET.Element) -> None:
    when = _sub(
        _sub(parent, "choose"),
        "when",
        condition='@(string.IsNullOrEmpty(context.Request.Headers.GetValueOrDefault("Authorization", "").Trim()))',
    )
    _return_error(
        when, 401, answers.MISSING_JWT, {"WWW-Authenticate": 'Bearer error="invalid_request"'}
    )


def _keyed(parent: ET.Element, cfg: config.GatewayConfig) -> None:
    """What every call but the open paths goes through: key, token, limits, role and scope."""
    missing = _sub(_sub(parent, "choose"), "when", condition="@(context.Subscription == null)")
    challenge = _challenge(cfg)
    _return_error(missing, 401, answers.MISSING_KEY, {"WWW-Authenticate": challenge})
    if cfg.jwt.enabled:
        _missing_token(parent)
        _validate_jwt(parent, cfg.jwt)
    if cfg.rate_limit.enabled:
        _sub(
            parent,
            "rate-limit-by-key",
            calls=str(cfg.rate_limit.calls),
            renewal_period=str(cfg.rate_limit.renewal_period),
            counter_key="@(context.Subscription.Id)",
        )
    if cfg.quota.enabled:
        quota = _sub(
            parent,
            "quota-by-key",
            calls=str(cfg.quota.calls),
            renewal_period=str(cfg.quota.renewal_period),
            counter_key="@(context.Subscription.Id)",
        )
        if cfg.quota.first_period_start != config.APIM_FIRST_PERIOD_START:
            quota.set("first-period-start", cfg.quota.first_period_start)
    _sub(parent, "set-variable", name="labeler-role", value=_role_expression(cfg))
    _sub(parent, "set-variable", name="labeler-projects", value=_projects_expression())
    scope = _sub(_sub(parent, "choose"), "when")
    scope.set(
        "condition",
        '@(string.IsNullOrEmpty((string)context.Variables["labeler-role"])'
        ' || string.IsNullOrEmpty((string)context.Variables["labeler-projects"]))',
    )
    _return_error(
        scope, 403, "Access denied: this subscription has no labeler role or project.", {}
    )
    _set_header(parent, principal.USER_HEADER, _user_expression(cfg), "override")
    _set_header(
        parent, principal.ROLES_HEADER, '@((string)context.Variables["labeler-role"])', "override"
    )
    _set_header(
        parent,
        principal.PROJECTS_HEADER,
        '@((string)context.Variables["labeler-projects"])',
        "override",
    )
    # Idempotency-Keys belong to the subscription, whose id no other caller has.
    _set_header(parent, principal.SUBSCRIPTION_HEADER, "@(context.Subscription.Id)", "override")
    _set_header(parent, cfg.header_name, None, "delete")  # the key stays at the gateway


def build(cfg: config.GatewayConfig) -> ET.Element:
    """The ``<policies>`` element for the labeler API."""
    root = ET.Element("policies")
    inbound = _sub(root, "inbound")
    _sub(inbound, "base")
    inbound.append(
        ET.Comment(
            " Set on the API: subscription NOT required (this policy asks for the key itself, "
            "so that the open paths below answer without one, as the built-in gateway does), "
            f'subscriptionKeyParameterNames header="{cfg.header_name}" and '
            f'query="{cfg.query_name}"; only the {cfg.api_prefix} version is published. '
        )
    )
    _set_header(inbound, "x-request-id", _request_id_expression(), "override")
    for name in _TRUSTED:
        _set_header(inbound, name, None, "delete")  # never trust a caller's own
    choose = _sub(inbound, "choose")
    if cfg.open_paths:
        is_open = _sub(choose, "when", condition=_open_paths_condition(cfg))
        is_open.append(ET.Comment(" health and readiness probes: no key, no limits "))
        _keyed(_sub(choose, "otherwise"), cfg)
    else:
        _keyed(_sub(choose, "when", condition="@(true)"), cfg)
    _sub(_sub(root, "backend"), "base")
    echo = (
        '@(context.Request.Headers.GetValueOrDefault("x-request-id", context.RequestId.ToString()))'
    )
    for section in ("outbound", "on-error"):
        element = _sub(root, section)
        _sub(element, "base")
        _set_header(element, "x-request-id", echo, "override")
    return root


def render(cfg: config.GatewayConfig) -> str:
    """The policy as indented XML text."""
    root = build(cfg)
    ET.indent(root, space="    ")
    return ET.tostring(root, encoding="unicode") + "\n"
