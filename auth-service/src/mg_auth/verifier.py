"""Turns a bearer token into an `Identity`, or a `Denial` with a log-safe reason."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import jwt

from mg_auth.cache import Identity, NegativeCache, TokenCache
from mg_auth.compact_jws import MAX_TOKEN_BYTES, MalformedToken, parse_compact_rs256
from mg_auth.config import ROLE_PATTERN, Config
from mg_auth.jwks import JwksManager

SUB_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}$")
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]

_PYJWT_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidAlgorithmError, "alg_not_rs256"),
)


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
    if not isinstance(value, list):
        return frozenset()
    return frozenset(v for v in value if isinstance(v, str) and ROLE_PATTERN.fullmatch(v))


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
        self._client_ids = (
            frozenset(config.allowed_client_ids) if config.allowed_client_ids is not None else None
        )
        # Key size (>= 2048 bits) is enforced once, when the JWKS is loaded (jwks.py), not
        # per token: PyJWT's per-decode check costs more than the RSA verification itself.
        self._decoder = jwt.PyJWT()

    async def verify_after_refresh(self, token: str) -> tuple[Identity, bool]:
        """Called after `verify_now` raised NeedsRefresh: refresh (once per cooldown, one
        fetch shared by all waiters), then decide with whatever keys we hold."""
        await self._jwks.refresh_on_demand()
        try:
            return self.verify_now(token, refreshed=True)
        except UnknownKid:
            raise Denial(401, "unknown_kid") from None

    def verify_now(self, token: str, refreshed: bool = False) -> tuple[Identity, bool]:
        """Synchronous path: cache, then full verification. Raises Denial or NeedsRefresh."""
        if len(token) > MAX_TOKEN_BYTES:
            raise Denial(401, "token_too_large")
        if not self._jwks.usable():
            if not refreshed and self._jwks.may_refresh_now():
                raise KeysUnavailable()
            raise Denial(503, "no_usable_keys")
        digest = token_digest(token)
        cached = self._cache.get(digest)
        if cached is not None and self._jwks.has_kid(cached.kid):
            return cached, True
        if digest in self._negative:
            raise Denial(401, "bad_signature")
        try:
            parsed = parse_compact_rs256(token)
        except MalformedToken as exc:
            raise Denial(401, exc.reason) from None
        key = self._jwks.key(parsed.kid)
        if key is None:
            raise UnknownKid(parsed.kid)
        claims = self._decode(token, key, digest)
        identity = self._identity(claims, parsed.kid, digest)
        self._cache.put(digest, identity)
        return identity, False

    def _decode(self, token: str, key: Any, digest: bytes) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = self._decoder.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self._config.audience,
                issuer=self._issuers,
                leeway=self._config.leeway_seconds,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True},
            )
        except jwt.InvalidTokenError as exc:
            reason = next((r for t, r in _PYJWT_REASONS if isinstance(exc, t)), "invalid_claims")
            if reason == "bad_signature":
                self._negative.add(digest)
            raise Denial(401, reason) from None
        return claims

    def _identity(self, claims: dict[str, Any], kid: str, digest: bytes) -> Identity:
        config = self._config
        sub = claims.get("sub")
        if not isinstance(sub, str) or not SUB_PATTERN.fullmatch(sub):
            raise Denial(401, "bad_sub")
        exp = claims["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise Denial(401, "bad_exp")
        if claims.get("gty") == "client-credentials" and not config.allow_m2m:
            raise Denial(403, "m2m_not_allowed")
        if self._client_ids is not None:
            client_id = claims.get("azp", claims.get("client_id"))
            if client_id not in self._client_ids:
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
            expires_at=float(exp),
            fingerprint=digest[:6].hex(),
        )
