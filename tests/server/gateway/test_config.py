"""Reading the gateway's settings file: defaults, TOML and JSON, and clear errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import resources.apim
from labeler.server import principal
from labeler.server.gateway import GatewayConfig, GatewayConfigError


def test_defaults_match_apim_names() -> None:
    cfg = GatewayConfig.load(None)
    assert (cfg.header_name, cfg.query_name) == ("Ocp-Apim-Subscription-Key", "subscription-key")
    assert cfg.open_paths == ("/v1/health", "/v1/ready")
    assert cfg.rate_limit.enabled and cfg.quota.enabled
    assert not cfg.jwt.enabled


def test_toml_file(tmp_path: Path) -> None:
    (tmp_path / "keys.json").write_text('{"keys": []}', encoding="utf-8")
    path = tmp_path / "gateway.toml"
    path.write_text(
        """
header_name = "X-Labeler-Key"
query_name = "key"
open_paths = []

[rate_limit]
calls = 10
renewal_period = 30

[quota]
calls = 0

[jwt]
enabled = true
issuer = "https://issuer.example/v2.0"
audience = ["api://labeler", "00000000-0000-0000-0000-000000000001"]
jwks_file = "keys.json"
role_map = { "Editors" = "annotator" }
""",
        encoding="utf-8",
    )
    cfg = GatewayConfig.load(path)
    assert (cfg.header_name, cfg.query_name, cfg.open_paths) == ("X-Labeler-Key", "key", ())
    assert (cfg.rate_limit.calls, cfg.rate_limit.renewal_period) == (10, 30)
    assert not cfg.quota.enabled
    assert cfg.jwt.audience == ("api://labeler", "00000000-0000-0000-0000-000000000001")
    assert cfg.jwt.jwks_file == tmp_path / "keys.json"  # relative to the settings file
    assert cfg.jwt.role_map == {"Editors": principal.Role.ANNOTATOR}
    assert cfg.jwt.required_roles == ("Editors",)
    assert cfg.jwt.discovery_url == "https://issuer.example/v2.0/.well-known/openid-configuration"


def test_json_file(tmp_path: Path) -> None:
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps({"rate_limit": {"calls": 5, "renewal_period": 10}}), "utf-8")
    assert GatewayConfig.load(path).rate_limit.calls == 5


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("header_name = 3", "header_name"),
        ("heder_name = 'x'", "heder_name"),
        ("[rate_limit]\ncalls = -1", "rate_limit.calls"),
        ("[quota]\nrenewal_period = 0", "quota.renewal_period"),
        ("[jwt]\nenabled = 'yes'", "jwt.enabled"),
        ("[jwt]\nenabled = true\naudience = 'a'\njwks_url = 'https://k'", "jwt.issuer"),
        ("[jwt]\nrole_map = { x = 'boss' }", "jwt.role_map.x"),
        ("[jwt]\ncolour = 'blue'", "jwt.colour"),
        ("api_prefix = 'v1'", "api_prefix"),
        ("this is not toml", "(file)"),
    ],
)
def test_bad_settings_name_the_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GatewayConfigError) as caught:
        GatewayConfig.load(path)
    assert caught.value.field == field
    assert str(path) in str(caught.value) and field in str(caught.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(GatewayConfigError, match=r"nowhere\.toml"):
        GatewayConfig.load(tmp_path / "nowhere.toml")


def test_shipped_example_matches_the_defaults() -> None:
    example = Path(resources.apim.__file__).with_name("gateway.example.toml")
    loaded = GatewayConfig.load(example)
    defaults = GatewayConfig()
    assert loaded.jwt.issuer and not loaded.jwt.enabled
    # Apart from the commented token settings, the example is the defaults written out.
    assert dataclasses.replace(loaded, jwt=defaults.jwt) == defaults
    assert loaded.jwt.role_map == defaults.jwt.role_map
    assert loaded.jwt.required_roles == defaults.jwt.required_roles
