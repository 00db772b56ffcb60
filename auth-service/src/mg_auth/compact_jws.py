"""Strict structural checks on a compact JWS, done before any cryptography.

PyJWT is lenient where an attacker benefits (it accepts duplicate JSON keys, keeps the last
one, and honours whatever `alg` the caller allows). These checks pin the token to the one
shape Auth0 issues: three unpadded base64url segments, a JSON-object header with RS256 only.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

MAX_TOKEN_BYTES = 8192
COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}$")
KID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
FORBIDDEN_HEADER_PARAMS = frozenset({"jku", "x5u", "jwk", "x5c", "crit"})
ALLOWED_TYP = frozenset({"jwt", "at+jwt", "application/at+jwt"})


class MalformedToken(ValueError):
    """The token is not a compact RS256 JWS of the accepted shape; `reason` is log-safe."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParsedToken:
    kid: str
    claims: dict[str, Any]


def _b64url(segment: str, what: str) -> bytes:
    if len(segment) % 4 == 1:
        raise MalformedToken(f"{what}_not_base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise MalformedToken(f"{what}_not_base64url") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MalformedToken("duplicate_json_key")
        out[key] = value
    return out


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except MalformedToken:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedToken(f"{what}_not_json") from None
    if not isinstance(value, dict):
        raise MalformedToken(f"{what}_not_object")
    return value


def parse_compact_rs256(token: str) -> ParsedToken:
    """Check shape and header; return the `kid` and the (unverified!) claims."""
    if len(token) > MAX_TOKEN_BYTES:
        raise MalformedToken("token_too_large")
    if not COMPACT_JWS.fullmatch(token):
        raise MalformedToken("not_compact_jws")
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = _json_object(_b64url(header_b64, "header"), "header")
    if header.get("alg") != "RS256":
        raise MalformedToken("alg_not_rs256")
    if FORBIDDEN_HEADER_PARAMS.intersection(header):
        raise MalformedToken("forbidden_header_param")
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in ALLOWED_TYP):
        raise MalformedToken("bad_typ")
    kid = header.get("kid")
    if not isinstance(kid, str) or not KID_PATTERN.fullmatch(kid):
        raise MalformedToken("bad_kid")
    _b64url(signature_b64, "signature")
    claims = _json_object(_b64url(payload_b64, "payload"), "payload")
    return ParsedToken(kid=kid, claims=claims)
