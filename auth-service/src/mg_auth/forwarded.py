"""Reads the client request Traefik forwards (X-Forwarded-*), rejecting ambiguous forms.

Rules match on the percent-decoded path, so anything that decodes differently in the
upstream (encoded `/`, dot-segments, `//`) is refused with 400 instead of guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl

from mg_auth.rules import RequestTarget

METHOD_PATTERN = re.compile(r"^[A-Z]{1,16}$")
HOST_CHARS = re.compile(r"^[a-z0-9.-]{1,253}$")
PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
ENCODED_SEPARATOR = re.compile(r"%(2[fF]|5[cC])")
FORBIDDEN_DECODED = re.compile(r"[\x00-\x1f\x7f\\]")
PLAIN_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$")
HOST_CACHE_SIZE = 256
_normalized_hosts: dict[str, str] = {}

Headers = Mapping[str, Sequence[str]]


class BadRequest(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def single(headers: Headers, name: str) -> str | None:
    values = headers.get(name)
    if values is None:
        return None
    if len(values) != 1:
        raise BadRequest(f"repeated_{name.replace('-', '_')}")
    return values[0]


def query_has_token(query: str) -> bool:
    if not query:
        return False
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=200)
    except ValueError:
        raise BadRequest("bad_query") from None
    return any(key.strip().lower() == "access_token" for key, _ in pairs)


def decode_path(raw: str) -> str:
    if PLAIN_PATH.fullmatch(raw) and "//" not in raw and "/." not in raw:
        return raw  # fast path: nothing to decode, no dot-segment possible
    if not raw.startswith("/"):
        raise BadRequest("path_not_absolute")
    if ENCODED_SEPARATOR.search(raw):
        raise BadRequest("encoded_slash")
    if "//" in raw:
        raise BadRequest("double_slash")
    if "%" in raw:
        if raw.count("%") != len(PERCENT.findall(raw)):
            raise BadRequest("bad_percent_encoding")
        try:
            path = PERCENT.sub(lambda m: chr(int(m.group(1), 16)), raw)
            path = path.encode("latin-1").decode("utf-8")
        except (UnicodeDecodeError, UnicodeEncodeError):
            raise BadRequest("bad_percent_encoding") from None
    else:
        path = raw
    if FORBIDDEN_DECODED.search(path):
        raise BadRequest("control_character")
    for segment in path.split("/"):
        if segment in (".", ".."):
            raise BadRequest("dot_segment")
    return path


def normalize_host(value: str) -> str:
    cached = _normalized_hosts.get(value)
    if cached is not None:
        return cached
    host = value.strip().lower()
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit():
        host = name
    host = host.removesuffix(".")
    if not HOST_CHARS.fullmatch(host):
        raise BadRequest("bad_host")
    if len(_normalized_hosts) < HOST_CACHE_SIZE:
        _normalized_hosts[value] = host
    return host


_METHODS_SEEN: set[str] = set()  # upper-cased methods that passed METHOD_PATTERN (<= 26^16)
METHODS_SEEN_MAX = 64


def read_target(headers: Headers) -> RequestTarget:
    methods, hosts, uris = (
        headers.get("x-forwarded-method"),
        headers.get("x-forwarded-host"),
        headers.get("x-forwarded-uri"),
    )
    if methods is None or hosts is None or uris is None:
        raise BadRequest("missing_forwarded_headers")
    if len(methods) != 1 or len(hosts) != 1 or len(uris) != 1:
        single(headers, "x-forwarded-method")  # raises, naming the repeated header
        single(headers, "x-forwarded-host")
        single(headers, "x-forwarded-uri")
    method, host, uri = methods[0].upper(), hosts[0], uris[0]
    if method not in _METHODS_SEEN:
        if not METHOD_PATTERN.fullmatch(method):
            raise BadRequest("bad_method")
        if len(_METHODS_SEEN) < METHODS_SEEN_MAX:
            _METHODS_SEEN.add(method)
    raw_path, _, query = uri.partition("?")
    if query and query_has_token(query):
        raise BadRequest("token_in_query")
    preflight = method == "OPTIONS" and "access-control-request-method" in headers
    return RequestTarget(
        method=method, host=normalize_host(host), path=decode_path(raw_path), preflight=preflight
    )
