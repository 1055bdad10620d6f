"""The built-in gateway's settings, read from a TOML or JSON file (or the defaults).

The same settings drive the APIM policy that ``labeler apim policy`` prints, so a team moving
from the built-in gateway to Azure API Management keeps its key header, limits and token rules.

Example (TOML)::

    header_name = "Ocp-Apim-Subscription-Key"
    query_name = "subscription-key"
    open_paths = ["/v1/health", "/v1/ready"]   # served without a key (and without limits)

    [rate_limit]                     # rate-limit-by-key: calls per sliding window per key
    calls = 300
    renewal_period = 60              # 1 to 300 seconds, as APIM takes it

    [quota]                          # quota-by-key: calls per fixed, aligned period per key
    calls = 100000
    renewal_period = 86400           # 300 seconds or more, as APIM takes it
    first_period_start = "0001-01-01T00:00:00Z"   # periods follow one another from here

    [jwt]                            # optional Entra ID token check (validate-jwt)
    enabled = true
    issuer = "https://login.microsoftonline.com/<tenant>/v2.0"
    audience = "api://labeler"
    jwks_url = "https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys"
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
import tomllib
from collections.abc import Mapping
from typing import Any

from labeler import errors
from labeler.server import principal

DEFAULT_ROLE_MAP: dict[str, str] = {
    "Labeler.Reader": "reader",
    "Labeler.Annotator": "annotator",
    "Labeler.Reviewer": "reviewer",
    "Labeler.Admin": "admin",
}


class GatewayConfigError(errors.UserError, ValueError):
    """A gateway configuration file that cannot be used; the message names file and field."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        super().__init__(f"{source}: {field}: {reason}")
        self.source = source
        self.field = field
        self.reason = reason


#: APIM's quota periods start from here unless told otherwise (its documented default).
APIM_FIRST_PERIOD_START = "0001-01-01T00:00:00Z"
#: The periods APIM accepts, in seconds: ``rate-limit-by-key`` at most 300 (a sliding window);
#: ``quota-by-key`` at least 300 (0, a quota that never renews, is not offered here).
RATE_PERIODS = (1, 300)
MIN_QUOTA_PERIOD = 300


def _epoch_seconds(text: str) -> float:
    """An ISO 8601 UTC time (``yyyy-MM-ddTHH:mm:ssZ``) as seconds since 1970, before it too."""
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError("no time zone")
    return (when - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds()


@dataclasses.dataclass(frozen=True, slots=True)
class LimitConfig:
    """A per-key call counter: ``calls`` per ``renewal_period`` seconds (0 calls: off).

    Attributes:
        first_period_start: where a quota's fixed periods are counted from (APIM's
            ``first-period-start``); the rate limit's window slides and ignores it.
    """

    calls: int
    renewal_period: int
    first_period_start: str = APIM_FIRST_PERIOD_START

    @property
    def enabled(self) -> bool:
        return self.calls > 0

    @property
    def first_period_epoch(self) -> float:
        """:attr:`first_period_start` in seconds since 1970."""
        return _epoch_seconds(self.first_period_start)


@dataclasses.dataclass(frozen=True, slots=True)
class JwtConfig:
    """Entra ID (or any OpenID provider) token validation, like APIM's ``validate-jwt``.

    Attributes:
        enabled: require a valid ``Authorization: Bearer`` token besides the key.
        issuer: accepted ``iss`` values.
        audience: accepted ``aud`` values.
        jwks_file: a JSON Web Key Set on disk (re-read when the file changes).
        jwks_url: a JWKS URL (fetched and cached for ``jwks_cache_seconds``).
        openid_config_url: what the APIM policy fetches keys through; defaults to the issuer's
            ``/.well-known/openid-configuration``.
        algorithms: accepted signing algorithms.
        name_claim: the claim naming the person (stamped as author).
        roles_claim: the claim carrying app roles (a list or one string).
        role_map: claim value → labeler role; the highest mapped role wins.
        required_roles: the token must carry at least one of these claim values.
        leeway_seconds: clock skew tolerated on ``exp``/``nbf``.
    """

    enabled: bool = False
    issuer: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    jwks_file: pathlib.Path | None = None
    jwks_url: str | None = None
    openid_config_url: str | None = None
    jwks_cache_seconds: int = 3600
    algorithms: tuple[str, ...] = ("RS256",)
    name_claim: str = "preferred_username"
    roles_claim: str = "roles"
    role_map: Mapping[str, principal.Role] = dataclasses.field(
        default_factory=lambda: {k: principal.Role(v) for k, v in DEFAULT_ROLE_MAP.items()}
    )
    required_roles: tuple[str, ...] = tuple(DEFAULT_ROLE_MAP)
    leeway_seconds: int = 60

    @property
    def discovery_url(self) -> str | None:
        """The OpenID configuration URL an APIM policy would use to find the signing keys."""
        if self.openid_config_url:
            return self.openid_config_url
        if self.issuer:
            return self.issuer[0].rstrip("/") + "/.well-known/openid-configuration"
        return None


@dataclasses.dataclass(frozen=True, slots=True)
class GatewayConfig:
    """Everything the built-in gateway (and the equivalent APIM policy) enforces.

    Attributes:
        header_name: the subscription key header.
        query_name: the subscription key query parameter.
        api_prefix: the only path prefix served; anything else is APIM's 404.
        open_paths: exact paths served without a key and without limits (health checks).
        project_path_prefix: paths ``<prefix><project>/...`` are refused (403) to a key not
            scoped to that project; empty turns the check off (the routes still check).
        realm: the ``realm`` in ``WWW-Authenticate``; empty means the request's base URL.
        rate_limit: rate-limit-by-key.
        quota: quota-by-key.
        jwt: optional token validation.
    """

    header_name: str = "Ocp-Apim-Subscription-Key"
    query_name: str = "subscription-key"
    api_prefix: str = "/v1/"
    open_paths: tuple[str, ...] = ("/v1/health", "/v1/ready")
    project_path_prefix: str = "/v1/projects/"
    realm: str = ""
    rate_limit: LimitConfig = LimitConfig(calls=300, renewal_period=60)
    quota: LimitConfig = LimitConfig(calls=100_000, renewal_period=86_400)
    jwt: JwtConfig = dataclasses.field(default_factory=JwtConfig)

    @classmethod
    def load(cls, path: pathlib.Path | None) -> GatewayConfig:
        """The defaults when ``path`` is None, else the TOML (``.toml``) or JSON file's settings.

        Raises:
            GatewayConfigError: the file is unreadable, not TOML/JSON, or a field is wrong.
        """
        if path is None:
            return cls()
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise GatewayConfigError(source, "(file)", f"cannot read: {exc.strerror}") from exc
        try:
            data: Any = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise GatewayConfigError(source, "(file)", f"not valid: {exc}") from exc
        return from_mapping(data, source, base=path.parent)


def from_mapping(data: Any, source: str, base: pathlib.Path | None = None) -> GatewayConfig:
    """Settings from parsed TOML/JSON; ``source`` names the file in errors."""
    reader = _Reader(source, base)
    table = reader.table(data, "")
    # ``[service]`` holds the service's own limits (read by ``labeler serve``, not the gateway).
    reader.only(table, "", {f.name for f in dataclasses.fields(GatewayConfig)} | {"service"})
    default = GatewayConfig()
    return GatewayConfig(
        header_name=reader.text(table, "header_name", default.header_name, token=True),
        query_name=reader.text(table, "query_name", default.query_name, token=True),
        api_prefix=reader.prefix(table, "api_prefix", default.api_prefix),
        open_paths=reader.texts(table, "open_paths", default.open_paths),
        project_path_prefix=reader.text(table, "project_path_prefix", default.project_path_prefix),
        realm=reader.text(table, "realm", default.realm),
        rate_limit=reader.rate_limit(table, default.rate_limit),
        quota=reader.quota(table, default.quota),
        jwt=reader.jwt(table.get("jwt", {}), "jwt"),
    )


class _Reader:
    """Typed field access that reports the file and the dotted field name on error."""

    def __init__(self, source: str, base: pathlib.Path | None) -> None:
        self.source = source
        self.base = base

    def fail(self, field: str, reason: str) -> GatewayConfigError:
        return GatewayConfigError(self.source, field or "(top level)", reason)

    def table(self, value: Any, field: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(field, "expected a table/object")
        return value

    def only(self, table: Mapping[str, Any], field: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                name = f"{field}.{key}" if field else key
                raise self.fail(name, f"unknown setting (known: {', '.join(sorted(allowed))})")

    def text(self, table: Mapping[str, Any], key: str, default: str, token: bool = False) -> str:
        value = table.get(key, default)
        if not isinstance(value, str):
            raise self.fail(key, "expected a string")
        if token and (not value or any(c.isspace() for c in value)):
            raise self.fail(key, "expected a non-empty name without spaces")
        return value

    def prefix(self, table: Mapping[str, Any], key: str, default: str) -> str:
        value = self.text(table, key, default)
        if not (value.startswith("/") and value.endswith("/") and len(value) > 1):
            raise self.fail(key, "expected a path prefix such as /v1/")
        return value

    def texts(
        self, table: Mapping[str, Any], key: str, default: tuple[str, ...]
    ) -> tuple[str, ...]:
        value = table.get(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "expected a list of strings")
        return tuple(value)

    def integer(self, table: Mapping[str, Any], key: str, default: int, low: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(key, f"expected a whole number ≥ {low}")
        return value

    def rate_limit(self, table: Mapping[str, Any], default: LimitConfig) -> LimitConfig:
        key = "rate_limit"
        sub = self.table(table.get(key, {}), key)
        self.only(sub, key, {"calls", "renewal_period"})
        found = LimitConfig(
            calls=self._nested_int(sub, key, "calls", default.calls, 0),
            renewal_period=self._nested_int(sub, key, "renewal_period", default.renewal_period, 1),
        )
        low, high = RATE_PERIODS
        if not low <= found.renewal_period <= high:
            raise self.fail(
                f"{key}.renewal_period",
                f"APIM's rate-limit-by-key takes {low} to {high} seconds (a sliding window); "
                "limit longer periods with the quota",
            )
        return found

    def quota(self, table: Mapping[str, Any], default: LimitConfig) -> LimitConfig:
        key = "quota"
        sub = self.table(table.get(key, {}), key)
        self.only(sub, key, {"calls", "renewal_period", "first_period_start"})
        start = self.text(sub, "first_period_start", default.first_period_start)
        found = LimitConfig(
            calls=self._nested_int(sub, key, "calls", default.calls, 0),
            renewal_period=self._nested_int(sub, key, "renewal_period", default.renewal_period, 1),
            first_period_start=start,
        )
        if found.renewal_period < MIN_QUOTA_PERIOD:
            raise self.fail(
                f"{key}.renewal_period",
                f"APIM's quota-by-key takes periods of {MIN_QUOTA_PERIOD} seconds or more; "
                "limit shorter bursts with the rate limit",
            )
        try:
            found.first_period_epoch  # noqa: B018 - parsed here so a bad time fails at load
        except ValueError:
            raise self.fail(
                f"{key}.first_period_start", "expected a UTC time such as 2026-01-01T00:00:00Z"
            ) from None
        return found

    def _nested_int(
        self, sub: Mapping[str, Any], key: str, name: str, default: int, low: int
    ) -> int:
        try:
            return self.integer(sub, name, default, low)
        except GatewayConfigError as exc:
            raise self.fail(f"{key}.{name}", exc.reason) from None

    def jwt(self, value: Any, field: str) -> JwtConfig:
        sub = self.table(value, field)
        self.only(sub, field, {f.name for f in dataclasses.fields(JwtConfig)})
        d = JwtConfig()

        def name(key: str) -> str:
            return f"{field}.{key}"

        try:
            enabled = sub.get("enabled", d.enabled)
            if not isinstance(enabled, bool):
                raise self.fail("enabled", "expected true or false")
            jwks_file = self.text(sub, "jwks_file", "") or None
            role_map = self._role_map(sub.get("role_map"), d)
            config = JwtConfig(
                enabled=enabled,
                issuer=self.texts(sub, "issuer", d.issuer),
                audience=self.texts(sub, "audience", d.audience),
                jwks_file=self._path(jwks_file) if jwks_file else None,
                jwks_url=self.text(sub, "jwks_url", "") or None,
                openid_config_url=self.text(sub, "openid_config_url", "") or None,
                jwks_cache_seconds=self.integer(sub, "jwks_cache_seconds", 3600, 0),
                algorithms=self.texts(sub, "algorithms", d.algorithms),
                name_claim=self.text(sub, "name_claim", d.name_claim, token=True),
                roles_claim=self.text(sub, "roles_claim", d.roles_claim, token=True),
                role_map=role_map,
                required_roles=self.texts(sub, "required_roles", tuple(role_map)),
                leeway_seconds=self.integer(sub, "leeway_seconds", d.leeway_seconds, 0),
            )
        except GatewayConfigError as exc:
            if exc.field.startswith(field + "."):
                raise
            raise self.fail(name(exc.field), exc.reason) from None
        if config.enabled:
            if not config.issuer:
                raise self.fail(name("issuer"), "required when enabled")
            if not config.audience:
                raise self.fail(name("audience"), "required when enabled")
            if (config.jwks_file is None) == (config.jwks_url is None):
                raise self.fail(name("jwks_file"), "set exactly one of jwks_file and jwks_url")
        return config

    def _role_map(self, value: Any, default: JwtConfig) -> dict[str, principal.Role]:
        if value is None:
            return dict(default.role_map)
        table = self.table(value, "role_map")
        result: dict[str, principal.Role] = {}
        for claim, role in table.items():
            try:
                result[claim] = principal.Role(str(role).lower())
            except ValueError:
                roles = ", ".join(r.value for r in principal.Role)
                raise self.fail(f"role_map.{claim}", f"expected one of {roles}") from None
        return result

    def _path(self, value: str) -> pathlib.Path:
        path = pathlib.Path(value)
        if not path.is_absolute() and self.base is not None:
            path = self.base / path
        return path
