"""The APIM policy printed for a gateway configuration says the same thing the gateway does."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from labeler.server import principal
from labeler.server.apim import cli, policy
from labeler.server.gateway import answers, config


def _parse(cfg: config.GatewayConfig) -> ET.Element:
    return ET.fromstring(policy.render(cfg))


def _values(element: ET.Element, path: str) -> list[str]:
    return [e.text or "" for e in element.iterfind(path)]


def test_limits_and_key_check_match_the_gateway() -> None:
    cfg = config.from_mapping(
        {
            "header_name": "X-Team-Key",
            "rate_limit": {"calls": 42, "renewal_period": 30},
            "quota": {"calls": 5000, "renewal_period": 604800},
        },
        "<test>",
    )
    root = _parse(cfg)
    assert root.tag == "policies"
    inbound = root.find("inbound")
    assert inbound is not None
    keyed = inbound.find("choose/otherwise")  # every path but the open ones
    assert keyed is not None
    rate = keyed.find("rate-limit-by-key")
    quota = keyed.find("quota-by-key")
    assert rate is not None and quota is not None
    assert rate.attrib == {
        "calls": "42",
        "renewal-period": "30",
        "counter-key": "@(context.Subscription.Id)",
    }
    assert (quota.get("calls"), quota.get("renewal-period")) == ("5000", "604800")
    assert quota.get("counter-key") == "@(context.Subscription.Id)"
    assert quota.get("first-period-start") is None  # APIM's default, as the gateway counts
    # A missing subscription gets the gateway's own 401, naming the configured header.
    missing = keyed.find("choose/when[@condition='@(context.Subscription == null)']")
    assert missing is not None
    body = missing.findtext("return-response/set-body")
    assert body is not None
    assert json.loads(body) == {"statusCode": 401, "message": answers.MISSING_KEY}
    challenge = missing.findtext("return-response/set-header[@name='WWW-Authenticate']/value")
    assert challenge is not None and 'name=\\"X-Team-Key\\"' in challenge
    # The key is not forwarded; the caller's own identity headers are never trusted.
    deleted = {e.get("name") for e in inbound.iterfind(".//set-header[@exists-action='delete']")}
    assert deleted == {
        "X-Team-Key",
        principal.USER_HEADER,
        principal.ROLES_HEADER,
        principal.PROJECTS_HEADER,
        principal.SUBSCRIPTION_HEADER,
    }
    overridden = {
        e.get("name") for e in inbound.iterfind(".//set-header[@exists-action='override']")
    }
    assert {
        "x-request-id",
        principal.USER_HEADER,
        principal.ROLES_HEADER,
        principal.PROJECTS_HEADER,
        principal.SUBSCRIPTION_HEADER,
    } <= overridden
    for section in ("outbound", "on-error"):
        assert root.find(f"{section}/set-header[@name='x-request-id']") is not None
    assert inbound.find(".//validate-jwt") is None


def test_turned_off_limits_are_left_out() -> None:
    cfg = config.from_mapping({"rate_limit": {"calls": 0}, "quota": {"calls": 0}}, "<test>")
    root = _parse(cfg)
    assert root.find(".//rate-limit-by-key") is None
    assert root.find(".//quota-by-key") is None


def test_jwt_rules_match_the_gateway_with_a_keys_url() -> None:
    cfg = config.from_mapping(
        {
            "jwt": {
                "enabled": True,
                "issuer": "https://login.microsoftonline.com/tenant/v2.0",
                "audience": ["api://labeler", "app-id"],
                "jwks_url": "https://login.microsoftonline.com/tenant/discovery/v2.0/keys",
                "required_roles": ["Labeler.Annotator", "Labeler.Admin"],
                "name_claim": "upn",
            }
        },
        "<test>",
    )
    root = _parse(cfg)
    check = root.find("inbound/choose/otherwise/validate-jwt")
    assert check is not None
    assert check.get("header-name") == "Authorization"
    assert check.get("failed-validation-httpcode") == "401"
    assert check.get("failed-validation-error-message") == answers.INVALID_JWT
    assert _values(check, "audiences/audience") == ["api://labeler", "app-id"]
    assert _values(check, "issuers/issuer") == ["https://login.microsoftonline.com/tenant/v2.0"]
    claim = check.find("required-claims/claim")
    assert claim is not None and claim.attrib == {"name": "roles", "match": "any"}
    assert _values(claim, "value") == ["Labeler.Annotator", "Labeler.Admin"]
    openid = check.find("openid-config")
    assert openid is not None
    assert openid.get("url") == (
        "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration"
    )
    assert "discovery/v2.0/keys" in policy.render(cfg)  # the keys URL is named for readers
    user = root.findtext(f".//set-header[@name='{principal.USER_HEADER}']/value")
    assert user is not None and '"upn"' in user
    # The jwt check comes after the key check and before the limits, as in the gateway; a
    # missing token has its own answer first, as the gateway's.
    keyed = root.find("inbound/choose/otherwise")
    assert keyed is not None
    tags = [e.tag for e in keyed]
    assert tags.index("choose") < tags.index("validate-jwt") < tags.index("rate-limit-by-key")
    bodies = [
        json.loads(b.text or "") for b in keyed.iterfind("choose/when/return-response/set-body")
    ]
    assert {"statusCode": 401, "message": answers.MISSING_JWT} in bodies


def test_jwt_keys_from_a_file_are_embedded(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "k1"}]}), "utf-8")
    settings = tmp_path / "gateway.toml"
    settings.write_text(
        '[jwt]\nenabled = true\nissuer = "https://issuer.example"\naudience = "api://x"\n'
        'jwks_file = "jwks.json"\n',
        encoding="utf-8",
    )
    root = _parse(config.GatewayConfig.load(settings))
    keys = root.findall(".//validate-jwt/issuer-signing-keys/key")
    assert [(k.get("id"), k.get("n"), k.get("e")) for k in keys] == [("k1", jwk["n"], jwk["e"])]


def test_policy_command_prints_the_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "gateway.json"
    settings.write_text(json.dumps({"rate_limit": {"calls": 7, "renewal_period": 10}}), "utf-8")
    assert cli.main(["policy", "--gateway-config", str(settings)]) == 0
    root = ET.fromstring(capsys.readouterr().out)
    rate = root.find(".//rate-limit-by-key")
    assert rate is not None and rate.get("calls") == "7"
    settings.write_text('{"rate_limit": {"calls": "many"}}', "utf-8")
    assert cli.main(["policy", "--gateway-config", str(settings)]) == 1
    err = capsys.readouterr().err
    assert str(settings) in err and "rate_limit.calls" in err


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        ({"rate_limit": {"calls": 5, "renewal_period": 3600}}, "rate_limit.renewal_period"),
        ({"rate_limit": {"calls": 5, "renewal_period": 0}}, "rate_limit.renewal_period"),
        ({"quota": {"calls": 5, "renewal_period": 60}}, "quota.renewal_period"),
        ({"quota": {"calls": 5, "first_period_start": "monday"}}, "quota.first_period_start"),
    ],
)
def test_periods_apim_refuses_are_refused_by_the_policy_and_the_gateway_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], limits: dict[str, object], field: str
) -> None:
    settings = tmp_path / "gateway.json"
    settings.write_text(json.dumps(limits), "utf-8")
    assert cli.main(["policy", "--gateway-config", str(settings)]) == 1
    assert field in capsys.readouterr().err
    with pytest.raises(config.GatewayConfigError) as err:
        config.GatewayConfig.load(settings)  # what labeler serve --gateway-config reads
    assert err.value.field == field


def test_health_and_readiness_are_open_in_the_policy_as_in_the_gateway() -> None:
    cfg = config.from_mapping({"open_paths": ["/v1/health", "/v1/ready"]}, "<test>")
    root = _parse(cfg)
    open_branch = root.find("inbound/choose/when")
    assert open_branch is not None
    condition = open_branch.get("condition") or ""
    assert '"/v1/health"' in condition and '"/v1/ready"' in condition
    assert "context.Operation.UrlTemplate" in condition
    # Nothing on the open branch asks for a key or counts a call.
    assert open_branch.find(".//return-response") is None
    assert open_branch.find(".//rate-limit-by-key") is None
    assert root.find("inbound/choose/otherwise/rate-limit-by-key") is not None


def test_an_aligned_quota_start_is_passed_on() -> None:
    cfg = config.from_mapping(
        {
            "quota": {
                "calls": 9,
                "renewal_period": 86400,
                "first_period_start": "2026-01-05T06:00:00Z",
            }
        },
        "<test>",
    )
    quota = _parse(cfg).find(".//quota-by-key")
    assert quota is not None and quota.get("first-period-start") == "2026-01-05T06:00:00Z"
