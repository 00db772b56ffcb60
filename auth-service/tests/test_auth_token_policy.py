"""Token policy knobs (client-id allow-list, M2M) and the caches' lifetimes."""

from __future__ import annotations

import time

from mg_auth.cache import Identity, NegativeCache, TokenCache
from mg_auth_testkit import JwksServer, SigningKey, claims, config_dict, make_token, running_service


def test_allowed_client_ids(jwks: JwksServer, key: SigningKey) -> None:
    config = config_dict(jwks.url, allowed_client_ids=["spa-client", "ops-cli"])
    with running_service(config) as svc:
        assert svc.verify(make_token(key))[0] == 200
        assert svc.verify(make_token(key, claims(azp="ops-cli")))[0] == 200
        code, headers, _ = svc.verify(make_token(key, claims(azp="someone-else")))
        assert code == 403 and "x-user-id" not in headers
        assert svc.verify(make_token(key, claims(azp=None)))[0] == 403
        assert svc.verify(make_token(key, claims(azp=None, client_id="ops-cli")))[0] == 200


def test_m2m_allowed_when_configured(jwks: JwksServer, key: SigningKey) -> None:
    with running_service(config_dict(jwks.url, allow_m2m=True)) as svc:
        token = make_token(key, claims(gty="client-credentials", sub="svc@clients"))
        code, headers, _ = svc.verify(token)
        assert code == 200 and headers["x-user-id"] == "svc@clients"


def test_basic_auth_on_an_anonymous_route_is_ignored(jwks: JwksServer) -> None:
    with running_service(config_dict(jwks.url)) as svc:
        assert svc.verify(None, uri="/health", extra=[("Authorization", "Basic dTpw")])[0] == 200
        two = [("Authorization", "Basic dTpw"), ("Authorization", "Basic dTpx")]
        assert svc.verify(None, uri="/health", extra=two)[0] == 400


def identity(kid: str, expires_at: float) -> Identity:
    return Identity("u", None, frozenset(), "", frozenset(), kid, expires_at, "fp")


def test_token_cache_lives_until_min_of_exp_and_cap() -> None:
    now = [1000.0]
    cache = TokenCache(max_entries=10, max_ttl_seconds=300, clock=lambda: now[0])
    cache.put(b"short", identity("k1", expires_at=1060))
    cache.put(b"long", identity("k1", expires_at=99999))
    now[0] = 1059
    assert cache.get(b"short") is not None
    now[0] = 1060
    assert cache.get(b"short") is None  # exp reached
    now[0] = 1299
    assert cache.get(b"long") is not None
    now[0] = 1300
    assert cache.get(b"long") is None  # cap reached


def test_token_cache_is_bounded_and_drops_by_kid() -> None:
    cache = TokenCache(max_entries=3, max_ttl_seconds=300)
    far = time.time() + 3600
    for i in range(5):
        cache.put(bytes([i]), identity("k1" if i % 2 else "k2", far))
    assert len(cache) == 3
    assert cache.get(bytes([0])) is None and cache.get(bytes([4])) is not None
    assert cache.drop_kids(frozenset({"k2"})) == 2
    assert len(cache) == 1 and cache.get(bytes([3])) is not None
    disabled = TokenCache(max_entries=0, max_ttl_seconds=300)
    disabled.put(b"x", identity("k1", far))
    assert len(disabled) == 0


def test_negative_cache_expires_and_is_bounded() -> None:
    now = [0.0]
    negative = NegativeCache(max_entries=2, ttl_seconds=60, clock=lambda: now[0])
    for digest in (b"a", b"b", b"c"):
        negative.add(digest)
    assert b"a" not in negative and b"b" in negative and b"c" in negative
    now[0] = 61
    assert b"c" not in negative
