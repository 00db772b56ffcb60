"""Property tests: the parsers either refuse input cleanly or return something safe."""

from __future__ import annotations

import contextlib
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from mg_auth.compact_jws import MalformedToken, parse_compact_rs256
from mg_auth.forwarded import BadRequest, decode_path, normalize_host
from mg_auth.rules import path_matches

PATH_ALPHABET = string.ascii_letters + string.digits + "/.%-_~2fFeE5cC\\?#;:@ \x00\x7f"


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=PATH_ALPHABET, max_size=40))
def test_decoded_paths_are_unambiguous(raw: str) -> None:
    try:
        path = decode_path(raw)
    except BadRequest:
        return
    assert path.startswith("/")
    assert "//" not in path and "\\" not in path
    assert not any(segment in (".", "..") for segment in path.split("/"))
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in path)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_token_parser_only_raises_malformed(token: str) -> None:
    with contextlib.suppress(MalformedToken):
        parse_compact_rs256(token)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.text(alphabet="abc.", min_size=1, max_size=3), min_size=1, max_size=4),
    st.lists(st.text(alphabet="abc.", min_size=1, max_size=3), min_size=0, max_size=4),
)
def test_prefix_match_is_segment_wise(prefix_segments: list[str], rest: list[str]) -> None:
    prefix = "/" + "/".join(prefix_segments)
    path = "/" + "/".join(prefix_segments + rest)
    assert path_matches(prefix, path)
    # Extending the last segment never matches: /api/admin is not /api/administrator.
    assert not path_matches(prefix, prefix + "x" + path[len(prefix) :])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_host_normalization_is_safe(value: str) -> None:
    try:
        host = normalize_host(value)
    except BadRequest:
        return
    assert host == host.lower() and ":" not in host and "/" not in host
