"""The service's YAML config: loaded and validated once at start, with errors naming the fix."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

ROLE_PATTERN = re.compile(r"^[A-Za-z0-9:._-]{1,64}$")
HOST_PATTERN = re.compile(
    r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
)
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ConfigError(ValueError):
    """The config file is unusable; the message names the file, the field and the fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ClaimNames(_Strict):
    roles: str = Field(min_length=1, description="claim holding the user's roles")
    email: str = Field(min_length=1, description="claim holding the user's email")
    permissions: str | None = Field(default=None, min_length=1)

    @field_validator("roles", "email")
    @classmethod
    def _namespaced(cls, value: str) -> str:
        # Auth0 silently drops custom claims named like reserved/registered ones, so a
        # non-namespaced name here would mean "never present", not an error anyone sees.
        if not value.startswith(("https://", "http://")):
            raise ValueError(
                f"{value!r} must be a namespaced claim such as 'https://example.com/roles' "
                "(the name the post-login Action sets; see docs/auth-service.md)"
            )
        return value


class JwksSettings(_Strict):
    refresh_interval_seconds: float = Field(default=600, ge=10, le=86400)
    refresh_jitter_seconds: float = Field(default=60, ge=0, le=3600)
    unknown_kid_cooldown_seconds: float = Field(default=30, ge=1, le=3600)
    max_stale_seconds: float = Field(default=86400, ge=60, le=7 * 86400)
    fetch_timeout_seconds: float = Field(default=3, gt=0, le=30)
    max_bytes: int = Field(default=65536, ge=1024, le=1048576)
    initial_backoff_seconds: float = Field(default=0.5, gt=0, le=60)
    max_backoff_seconds: float = Field(default=30, gt=0, le=600)


class CacheSettings(_Strict):
    max_entries: int = Field(default=10000, ge=0, le=1_000_000)
    max_ttl_seconds: float = Field(default=300, ge=0, le=86400)
    negative_max_entries: int = Field(default=1000, ge=0, le=100_000)
    negative_ttl_seconds: float = Field(default=60, ge=0, le=3600)


class Rule(_Strict):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    host: str = Field(min_length=1, max_length=253)
    path_prefix: str = Field(min_length=1, max_length=1024)
    methods: tuple[str, ...] | None = None
    auth: Literal["anonymous", "preflight", "authenticated"] | None = None
    roles_any: tuple[str, ...] | None = None
    permissions_all: tuple[str, ...] | None = None

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        lowered = value.lower()
        if not HOST_PATTERN.fullmatch(lowered):
            raise ValueError(
                f"{value!r} is not a host name: use an exact name like app.example.com "
                "or a wildcard like *.example.com (no port, no scheme)"
            )
        return lowered

    @field_validator("path_prefix")
    @classmethod
    def _path_prefix(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"{value!r} must start with '/'")
        segments = value.split("/")[1:]
        if any(seg in (".", "..") for seg in segments) or "//" in value or "%" in value:
            raise ValueError(f"{value!r} must be a plain path: no '//', dot-segments or '%'")
        if value != "/" and value.endswith("/"):
            raise ValueError(f"{value!r}: drop the trailing '/' (prefixes match whole segments)")
        return value

    @field_validator("methods")
    @classmethod
    def _methods(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        upper = tuple(m.upper() for m in value)
        unknown = sorted(set(upper) - HTTP_METHODS)
        if unknown or not upper:
            raise ValueError(
                f"unknown or empty methods {unknown}: use some of {sorted(HTTP_METHODS)}"
            )
        return upper

    @field_validator("roles_any", "permissions_all")
    @classmethod
    def _names(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("must list at least one name (or remove the key)")
        bad = [v for v in value if not ROLE_PATTERN.fullmatch(v)]
        if bad:
            raise ValueError(f"{bad} do not match {ROLE_PATTERN.pattern}")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        needs = self.roles_any is not None or self.permissions_all is not None
        if self.auth is not None and needs:
            raise ValueError(
                f"rule {self.name!r}: set either 'auth' or 'roles_any'/'permissions_all', not both"
            )
        if self.auth is None and not needs:
            raise ValueError(
                f"rule {self.name!r}: add 'auth: anonymous|preflight|authenticated' "
                "or 'roles_any'/'permissions_all'"
            )
        return self


class Config(_Strict):
    issuers: Annotated[tuple[str, ...], Field(min_length=1)]
    audience: str = Field(min_length=1)
    jwks_url: str | None = None
    claims: ClaimNames
    allowed_client_ids: tuple[str, ...] | None = None
    allow_m2m: bool = False
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    realm: str = Field(default="mg", pattern=r"^[A-Za-z0-9._ -]{1,64}$")
    jwks: JwksSettings = JwksSettings()
    cache: CacheSettings = CacheSettings()
    rules: Annotated[tuple[Rule, ...], Field(min_length=1)]

    @field_validator("issuers")
    @classmethod
    def _issuers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for issuer in value:
            parts = urlsplit(issuer)
            if parts.scheme != "https" and not (
                parts.scheme == "http" and is_loopback_host(parts.hostname or "")
            ):
                raise ValueError(f"{issuer!r} must be an https URL (http only for loopback)")
            if not issuer.endswith("/") or parts.query or parts.fragment:
                raise ValueError(
                    f"{issuer!r} must end with '/' exactly as Auth0 writes it in 'iss', "
                    f"e.g. {issuer.rstrip('/') + '/'!r}"
                )
        return value

    @field_validator("jwks_url")
    @classmethod
    def _jwks_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname:
            return value
        if parts.scheme == "http" and is_loopback_host(parts.hostname or ""):
            return value
        raise ValueError(f"{value!r} must be an https URL (plain http only for loopback)")

    @model_validator(mode="after")
    def _unique_rule_names(self) -> Config:
        names = [r.name for r in self.rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"rule names must be unique; repeated: {duplicates}")
        return self

    @property
    def effective_jwks_url(self) -> str:
        return self.jwks_url or self.issuers[0] + ".well-known/jwks.json"


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_config(data: object, source: str) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = _location(tuple(err["loc"]))
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key: remove it or check its spelling (see auth-service/README.md)"
            elif err["type"] == "missing":
                msg = "required key is missing: add it (see auth-service/README.md)"
            lines.append(f"{source}: {where}: {msg}")
        raise ConfigError("\n".join(lines)) from None


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a YAML mapping with 'issuers', 'audience', 'rules', …")
    return parse_config(data, str(path))
