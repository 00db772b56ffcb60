"""Turns a bearer token into an `Identity`, or a `Denial` with a log-safe reason.

RS256 only: `compact_jws` pins the shape and header, `cryptography` (OpenSSL) verifies the
RSASSA-PKCS1-v1_5 SHA-256 signature over the exact `header.payload` bytes, and the registered
claims are checked here with the semantics PyJWT gives them (`exp <= now - leeway` is expired,
`nbf`/`iat > now + leeway` is not yet valid, `aud` a string or a list of strings containing
the audience, `iss` a string in the allow-list). Doing this directly instead of through
PyJWT decodes each segment once and skips PyJWT's per-character base64 alphabet check and
option handling, which cost more than the RSA verification itself (see the benchmark).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from mg_auth.cache import Identity, NegativeCache, TokenCache
from mg_auth.compact_jws import MAX_TOKEN_BYTES, MalformedToken, decode_payload, parse_compact_rs256
from mg_auth.config import ROLE_PATTERN, Config
from mg_auth.jwks import JwksManager

SUB_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}$")
REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud")
PKCS1V15 = padding.PKCS1v15()
SHA256 = hashes.SHA256()


class Denial(Exception):
    """A decision not to allow. `status` is the HTTP status, `reason` a log/metric label."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


class NeedsRefresh(Exception):
    """The keys at hand cannot decide; the caller may refresh the JWKS and retry once."""


class UnknownKid(NeedsRefresh):
    """The token names a key we do not hold."""

    def __init__(self, kid: str) -> None:
        super().__init__(kid)
        self.kid = kid


class KeysUnavailable(NeedsRefresh):
    """No usable key set (never fetched, or older than max_stale_seconds)."""


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("latin-1")).digest()


def _string_set(value: object) -> frozenset[str]:
    if type(value) is not list or not value:
        return frozenset()
    fullmatch = ROLE_PATTERN.fullmatch
    return frozenset(v for v in value if type(v) is str and fullmatch(v))


def _number(value: object) -> float | None:
    """A JSON number (not a bool, not huge or non-finite), else None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) < value < 2**63:
        return float(value)
    return None


class TokenVerifier:
    def __init__(
        self,
        config: Config,
        jwks: JwksManager,
        cache: TokenCache,
        negative: NegativeCache,
    ) -> None:
        self._config = config
        self._jwks = jwks
        self._cache = cache
        self._negative = negative
        self._issuers = frozenset(config.issuers)
        self._audience = config.audience
        self._leeway = float(config.leeway_seconds)
        self._client_ids = (
            frozenset(config.allowed_client_ids) if config.allowed_client_ids is not None else None
        )

    async def verify_after_refresh(
        self, token: str, digest: bytes | None = None
    ) -> tuple[Identity, bool]:
        """Called after `verify_now` raised NeedsRefresh: refresh (once per cooldown, one
        fetch shared by all waiters), then decide with whatever keys we hold."""
        await self._jwks.refresh_on_demand()
        try:
            return self.verify_now(token, digest, refreshed=True)
        except UnknownKid:
            raise Denial(401, "unknown_kid") from None

    def verify_now(
        self, token: str, digest: bytes | None = None, refreshed: bool = False
    ) -> tuple[Identity, bool]:
        """Synchronous path: cache, then full verification. Raises Denial or NeedsRefresh.
        `digest` is `token_digest(token)` when the caller has it already."""
        if len(token) > MAX_TOKEN_BYTES:
            raise Denial(401, "token_too_large")
        jwks = self._jwks
        if not jwks.usable():
            if not refreshed and jwks.may_refresh_now():
                raise KeysUnavailable()
            raise Denial(503, "no_usable_keys")
        if digest is None:
            digest = token_digest(token)
        cached = self._cache.get(digest)
        if cached is not None and jwks.has_kid(cached.kid):
            return cached, True
        if digest in self._negative:
            raise Denial(401, "bad_signature")
        try:
            parsed = parse_compact_rs256(token)
        except MalformedToken as exc:
            raise Denial(401, exc.reason) from None
        key = jwks.key(parsed.kid)
        if key is None:
            if refreshed:
                raise Denial(401, "unknown_kid")
            raise UnknownKid(parsed.kid)
        try:
            key.verify(parsed.signature, parsed.signing_input, PKCS1V15, SHA256)
        except InvalidSignature:
            self._negative.add(digest)
            raise Denial(401, "bad_signature") from None
        try:
            claims = decode_payload(parsed)
        except MalformedToken as exc:
            raise Denial(401, exc.reason) from None
        expires_at = self._check_registered(claims)
        identity = self._identity(claims, parsed.kid, digest, expires_at)
        self._cache.put(digest, identity)
        return identity, False

    def _check_registered(self, claims: dict[str, Any]) -> float:
        """exp, iat, nbf, iss, aud; returns exp."""
        for name in REQUIRED_CLAIMS:
            if claims.get(name) is None:
                raise Denial(401, "missing_claim")
        now = time.time()
        leeway = self._leeway
        exp = _number(claims["exp"])
        if exp is None:
            raise Denial(401, "bad_exp")
        if exp <= now - leeway:
            raise Denial(401, "expired")
        iat = _number(claims["iat"])
        if iat is None:
            raise Denial(401, "bad_iat")
        if iat > now + leeway:
            raise Denial(401, "not_yet_valid")
        if "nbf" in claims:
            nbf = _number(claims["nbf"])
            if nbf is None:
                raise Denial(401, "bad_nbf")
            if nbf > now + leeway:
                raise Denial(401, "not_yet_valid")
        iss = claims["iss"]
        if not isinstance(iss, str) or iss not in self._issuers:
            raise Denial(401, "wrong_issuer")
        aud = claims["aud"]
        audiences = [aud] if isinstance(aud, str) else aud
        if (
            not isinstance(audiences, list)
            or not all(isinstance(a, str) for a in audiences)
            or self._audience not in audiences
        ):
            raise Denial(401, "wrong_audience")
        return exp

    def _identity(
        self, claims: dict[str, Any], kid: str, digest: bytes, expires_at: float
    ) -> Identity:
        config = self._config
        sub = claims["sub"]
        if not isinstance(sub, str) or not SUB_PATTERN.fullmatch(sub):
            raise Denial(401, "bad_sub")
        if claims.get("gty") == "client-credentials" and not config.allow_m2m:
            raise Denial(403, "m2m_not_allowed")
        if self._client_ids is not None:
            client_id = claims.get("azp", claims.get("client_id"))
            if not isinstance(client_id, str) or client_id not in self._client_ids:
                raise Denial(403, "client_not_allowed")
        email = claims.get(config.claims.email)
        if not isinstance(email, str) or not EMAIL_PATTERN.fullmatch(email):
            email = None
        roles = _string_set(claims.get(config.claims.roles))
        permissions_claim = config.claims.permissions
        permissions = (
            _string_set(claims.get(permissions_claim)) if permissions_claim else frozenset()
        )
        return Identity(
            sub=sub,
            email=email,
            roles=roles,
            roles_header=",".join(sorted(roles)),
            permissions=permissions,
            kid=kid,
            expires_at=expires_at,
            fingerprint=digest[:6].hex(),
        )
