"""Strict structural checks on a compact JWS, done before any cryptography.

The token is pinned to the one shape Auth0 issues: three unpadded base64url segments, a
JSON-object header with RS256 only, no key-carrying or `crit` parameters, and JSON objects
without duplicate keys (a lenient decoder keeps the last duplicate, so `{"sub":"a","sub":"b"}`
means different things to different parsers). The payload is decoded only after its
signature verified (`decode_payload`), so unauthenticated JSON is never parsed beyond the
small header, and a header seen before is not parsed again.
"""

from __future__ import annotations

import binascii
import json
import json.scanner
import re
from typing import Any, NamedTuple, cast

MAX_TOKEN_BYTES = 8192
COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}$")
KID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
FORBIDDEN_HEADER_PARAMS = frozenset({"jku", "x5u", "jwk", "x5c", "crit"})
ALLOWED_TYP = frozenset({"jwt", "at+jwt", "application/at+jwt"})
HEADER_CACHE_SIZE = 64  # distinct valid headers: one per signing key in practice


class MalformedToken(ValueError):
    """The token is not a compact RS256 JWS of the accepted shape; `reason` is log-safe."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ParsedToken(NamedTuple):
    kid: str
    signing_input: bytes  # ASCII "header.payload", what the signature covers
    signature: bytes
    payload_b64: str


_URLSAFE = bytes.maketrans(b"-_", b"+/")
_PADDING = ("", "", "==", "=")  # by len % 4; a length of 4n+1 cannot be base64 at all


def _b64url(segment: str, what: str) -> bytes:
    # The alphabet was checked by COMPACT_JWS, so the plain decoder (which would skip
    # characters outside it) sees only base64url: translated to base64 and padded here.
    if len(segment) % 4 == 1:
        raise MalformedToken(f"{what}_not_base64url")
    padded = segment + _PADDING[len(segment) % 4]
    try:
        return binascii.a2b_base64(padded.encode("ascii").translate(_URLSAFE))
    except (binascii.Error, ValueError):
        raise MalformedToken(f"{what}_not_base64url") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise MalformedToken("duplicate_json_key")
    return out


def _no_constants(name: str) -> Any:
    raise MalformedToken("non_finite_number")  # NaN / Infinity are not JSON (RFC 8259 §6)


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constants)


# What _DECODER.decode() calls, minus its whitespace regexes. Its context is the decoder
# (json/decoder.py); typeshed's stub types the context as a scanner, hence the cast.
_SCAN = json.scanner.make_scanner(cast(Any, _DECODER))


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
        try:  # the common case, no whitespace around the value: skip decode()'s regexes
            value, end = _SCAN(text, 0)
        except StopIteration:
            end = -1
        if end != len(text):
            value = _DECODER.decode(text)  # whitespace around it, or an error to raise
    except MalformedToken:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedToken(f"{what}_not_json") from None
    if not isinstance(value, dict):
        raise MalformedToken(f"{what}_not_object")
    return value


def _header_kid(header_b64: str) -> str:
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
    return kid


_header_kids: dict[str, str] = {}


def parse_compact_rs256(token: str) -> ParsedToken:
    """Check shape and header; return the `kid`, what is signed, and the signature."""
    if len(token) > MAX_TOKEN_BYTES:
        raise MalformedToken("token_too_large")
    if not COMPACT_JWS.fullmatch(token):
        raise MalformedToken("not_compact_jws")
    header_b64, payload_b64, signature_b64 = token.split(".")
    kid = _header_kids.get(header_b64)
    if kid is None:
        kid = _header_kid(header_b64)
        if len(_header_kids) >= HEADER_CACHE_SIZE:
            del _header_kids[next(iter(_header_kids))]
        _header_kids[header_b64] = kid
    signature = _b64url(signature_b64, "signature")
    signing_input = token[: len(header_b64) + 1 + len(payload_b64)].encode("ascii")
    return ParsedToken(kid, signing_input, signature, payload_b64)


def decode_payload(parsed: ParsedToken) -> dict[str, Any]:
    """The claims: call only once the signature over them has verified."""
    return _json_object(_b64url(parsed.payload_b64, "payload"), "payload")
