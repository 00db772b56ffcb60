"""The RS256 verifier on its own: never more lenient than PyJWT, strict about numbers."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mg_auth.cache import NegativeCache, TokenCache
from mg_auth.config import JwksSettings, parse_config
from mg_auth.jwks import JwksManager
from mg_auth.verifier import Denial, TokenVerifier
from mg_auth_testkit import (
    AUDIENCE,
    ISSUER,
    SigningKey,
    b64url,
    claims,
    config_dict,
    make_token,
)

KEY = SigningKey.generate("key-verifier")
NOW = int(time.time())
# Offsets far from every boundary (leeway 30 s), so a second of test runtime changes nothing.
OFFSETS = [-7200, -120, -45, 0, 45, 120, 7200]
NUMBERS = st.sampled_from(OFFSETS).map(lambda o: NOW + o)
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.text(max_size=5), st.sampled_from([[], {}, "123", 1.5e300])
)


class _Keys(JwksManager):
    """The one key, always usable: the verifier without a JWKS fetch."""

    def __init__(self) -> None:
        super().__init__("https://unused.example/jwks.json", JwksSettings(), self, lambda k: None)

    def jwks_fetched(self, result: str, key_count: int, detail: str) -> None:
        pass

    def usable(self) -> bool:
        return True

    def key(self, kid: str) -> Any:
        return KEY.private.public_key() if kid == KEY.kid else None

    def has_kid(self, kid: str) -> bool:
        return kid == KEY.kid


def verifier() -> TokenVerifier:
    config = parse_config(config_dict("http://127.0.0.1:1/jwks.json"), "test")
    return TokenVerifier(config, _Keys(), TokenCache(0, 0), NegativeCache(0, 0))


def ours_allows(token: str) -> bool:
    try:
        verifier().verify_now(token)
    except Denial:
        return False
    return True


def pyjwt_allows(token: str) -> bool:
    try:
        jwt.decode(
            token, KEY.private.public_key(), algorithms=["RS256"], audience=AUDIENCE,
            issuer=[ISSUER], leeway=30,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )  # fmt: skip
    except jwt.InvalidTokenError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(
    exp=st.one_of(NUMBERS, ODD_VALUES),
    iat=st.one_of(NUMBERS, ODD_VALUES),
    nbf=st.one_of(st.just("absent"), NUMBERS, ODD_VALUES),
    iss=st.sampled_from([ISSUER, ISSUER.rstrip("/"), [ISSUER], None, 7]),
    aud=st.sampled_from([AUDIENCE, [AUDIENCE], [AUDIENCE, "x"], ["x"], [AUDIENCE, 7], [], None]),
)
def test_never_more_lenient_than_pyjwt(exp: Any, iat: Any, nbf: Any, iss: Any, aud: Any) -> None:
    payload = claims(exp=exp, iat=iat, iss=iss, aud=aud)
    for name, value in (("exp", exp), ("iat", iat), ("iss", iss), ("aud", aud)):
        if value is None:
            payload[name] = None  # present and null: "missing" to both
    if nbf != "absent":
        payload["nbf"] = nbf
    token = make_token(KEY, payload)
    ours = ours_allows(token)
    if ours:
        assert pyjwt_allows(token), payload
    numbers = all(type(v) is int for v in (exp, iat)) and (nbf == "absent" or type(nbf) is int)
    if numbers and isinstance(iss, str) and aud not in ([AUDIENCE, 7],):
        assert ours == pyjwt_allows(token), payload  # well-formed claims: the same verdict


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_times_are_refused(number: str) -> None:
    body = f'{{"iss":"{ISSUER}","aud":"{AUDIENCE}","sub":"auth0|u","iat":{NOW},"exp":{number}}}'
    token = make_token(KEY, raw_payload=b64url(body.encode()))
    with pytest.raises(Denial) as denied:
        verifier().verify_now(token)
    assert denied.value.status == 401


def test_payload_is_parsed_only_after_its_signature_verified() -> None:
    head, _, signature = make_token(KEY).split(".")
    junk = b64url(b'{"sub": "a", "sub": "b"')  # broken JSON, never signed
    with pytest.raises(Denial) as denied:
        verifier().verify_now(f"{head}.{junk}.{signature}")
    assert denied.value.reason == "bad_signature"


@pytest.mark.parametrize("cut", [1, 2, 50])
def test_short_signature_is_a_bad_signature(cut: int) -> None:
    head, payload, signature = make_token(KEY).split(".")
    with pytest.raises(Denial) as denied:
        verifier().verify_now(f"{head}.{payload}.{signature[: -cut * 4]}")
    assert denied.value.reason == "bad_signature"


def test_client_id_must_be_a_string() -> None:
    config = parse_config(
        config_dict("http://127.0.0.1:1/jwks.json", allowed_client_ids=["spa-client"]), "test"
    )
    check = TokenVerifier(config, _Keys(), TokenCache(0, 0), NegativeCache(0, 0))
    with pytest.raises(Denial) as denied:
        check.verify_now(make_token(KEY, claims(azp=["spa-client"])))
    assert denied.value.status == 403
