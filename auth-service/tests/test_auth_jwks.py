"""JWKS behaviour against a real JWKS server: cooldown, rotation, outages, removed keys."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from mg_auth.config import JwksSettings
from mg_auth.jwks import JwksError, JwksManager, parse_jwks
from mg_auth_testkit import (
    FakeClock,
    JwksServer,
    RunningService,
    SigningKey,
    b64url,
    claims,
    config_dict,
    make_token,
    running_service,
)


def test_flood_of_random_kids_fetches_at_most_once_per_cooldown(
    jwks: JwksServer, key: SigningKey
) -> None:
    with running_service(config_dict(jwks.url)) as svc:
        assert jwks.fetches == 1
        jwks.delay_seconds = 0.3  # keep the on-demand fetch in flight while others wait on it
        tokens = [
            make_token(SigningKey(f"kid-{secrets.token_hex(6)}", key.private)) for _ in range(60)
        ]
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(lambda t: svc.verify(t)[0], tokens))
        assert results == [401] * 60
        assert jwks.fetches == 2
        assert svc.verify(make_token(key))[0] == 200
        assert jwks.fetches == 2
        reasons = {e["reason"] for e in svc.log.events if e["event"] == "decision"}
        assert "unknown_kid" in reasons


def test_next_key_prepublished_is_accepted_without_a_fetch(
    key: SigningKey, next_key: SigningKey
) -> None:
    with JwksServer([key, next_key]) as jwks, running_service(config_dict(jwks.url)) as svc:
        assert svc.verify(make_token(key))[0] == 200
        assert svc.verify(make_token(next_key))[0] == 200
        assert jwks.fetches == 1


def test_rotation_to_a_new_kid_refreshes_and_allows(
    jwks: JwksServer, key: SigningKey, next_key: SigningKey
) -> None:
    with running_service(config_dict(jwks.url)) as svc:
        jwks.set_keys([key, next_key])
        code, headers, _ = svc.verify(make_token(next_key))
        assert code == 200 and headers["x-user-id"] == "auth0|user-1"
        assert jwks.fetches == 2


def fetch_results(svc: RunningService) -> set[str]:
    metrics = svc.get("/metrics", port=svc.metrics_port)[2].decode()
    return set(re.findall(r'mg_auth_jwks_fetches_total\{result="(\w+)"\}', metrics))


def wait_for_fetch_result(svc: RunningService, done: Callable[[set[str]], bool]) -> set[str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        results = fetch_results(svc)
        if done(results):
            return results
        time.sleep(0.02)
    raise AssertionError(f"JWKS fetch results never matched: {fetch_results(svc)}")


def test_jwks_down_at_start_gives_503_then_recovers(jwks: JwksServer, key: SigningKey) -> None:
    jwks.down = True
    with running_service(config_dict(jwks.url), ready=False) as svc:
        wait_for_fetch_result(svc, lambda results: bool(results - {"success"}))
        code, headers, _ = svc.get("/readyz")
        assert code == 503 and int(headers["retry-after"]) >= 1
        code, headers, body = svc.verify(make_token(key))
        assert code == 503 and "retry-after" in headers and body == b""
        assert not any(h.startswith("x-user-") for h in headers)
        assert svc.get("/healthz")[0] == 200
        jwks.down = False
        svc.wait_ready()
        assert svc.verify(make_token(key))[0] == 200
        metrics = svc.get("/metrics", port=svc.metrics_port)[2].decode()
        assert 'mg_auth_jwks_fetches_total{result="success"} 1.0' in metrics
        assert 'mg_auth_decisions_total{reason="no_usable_keys",status="503"} 1.0' in metrics


def test_jwks_down_later_keeps_last_good_keys(jwks: JwksServer, key: SigningKey) -> None:
    with running_service(config_dict(jwks.url)) as svc:
        jwks.down = True
        assert svc.call(svc.service.jwks.fetch_shared()) is False
        assert svc.get("/readyz")[0] == 200
        fresh = make_token(key, claims(sub="auth0|after-outage"))
        code, headers, _ = svc.verify(fresh)
        assert code == 200 and headers["x-user-id"] == "auth0|after-outage"


def test_removed_key_drops_its_cached_tokens(key: SigningKey, next_key: SigningKey) -> None:
    with JwksServer([key, next_key]) as jwks, running_service(config_dict(jwks.url)) as svc:
        token = make_token(next_key)
        assert svc.verify(token)[0] == 200
        assert svc.verify(token)[0] == 200
        decisions = [e for e in svc.log.events if e["event"] == "decision"]
        assert [d["cache"] for d in decisions] == ["miss", "hit"]
        jwks.set_keys([key])
        assert svc.call(svc.service.jwks.fetch_shared()) is True
        assert len(svc.service.cache) == 0
        code, headers, _ = svc.verify(token)
        assert code == 401 and "x-user-id" not in headers
        assert svc.verify(make_token(key))[0] == 200


@pytest.mark.parametrize(
    ("status", "headers", "body", "result"),
    [
        (302, [("Location", "https://attacker.example/jwks.json")], b"", "http_status"),
        (200, [("Content-Type", "application/json")], b"{" * 10, "invalid_json"),
        (200, [], b'{"keys": "nope"}', "invalid_document"),
        (200, [], b'{"keys": [' + b'{"kty":"EC"},' * 8000 + b"{}]}", "too_large"),
    ],
)
def test_bad_jwks_responses_are_failures(
    jwks: JwksServer, status: int, headers: list[tuple[str, str]], body: bytes, result: str
) -> None:
    jwks.raw_response = (status, headers, body)
    with running_service(config_dict(jwks.url), ready=False) as svc:
        wait_for_fetch_result(svc, lambda results: result in results)
        assert svc.get("/readyz")[0] == 503


def _jwk(key: SigningKey, **changes: Any) -> dict[str, Any]:
    jwk: dict[str, Any] = dict(key.jwk())
    jwk.update(changes)
    return {k: v for k, v in jwk.items() if v is not None}


def test_parse_jwks_keeps_only_rsa_signing_keys(key: SigningKey, next_key: SigningKey) -> None:
    import json

    small = SigningKey.generate("small", bits=1024)
    document = {
        "keys": [
            _jwk(key),
            _jwk(next_key, use="enc"),
            _jwk(next_key, kid="ps", alg="PS256"),
            _jwk(next_key, kid="ops", key_ops=["encrypt"]),
            _jwk(next_key, kid="../x"),
            _jwk(next_key, kid="nokid", n=None),
            _jwk(next_key, kid="even-e", e=b64url(b"\x01\x00\x00")),
            small.jwk(),
            {"kty": "EC", "crv": "P-256", "kid": "ec", "x": "AA", "y": "AA"},
            "not an object",
        ]
    }
    keys, skipped = parse_jwks(json.dumps(document).encode())
    assert list(keys) == [key.kid]
    assert skipped == 9
    with pytest.raises(JwksError, match="no_usable_keys"):
        parse_jwks(json.dumps({"keys": [small.jwk()]}).encode())
    with pytest.raises(JwksError, match="duplicate_kid"):
        parse_jwks(json.dumps({"keys": [key.jwk(), key.jwk()]}).encode())


def test_keys_become_unusable_after_max_stale(jwks: JwksServer) -> None:
    now = [1000.0]

    class Observer:
        results: list[str] = []

        def jwks_fetched(self, result: str, key_count: int, detail: str) -> None:
            self.results.append(result)

    async def scenario() -> None:
        settings = JwksSettings(max_stale_seconds=120, unknown_kid_cooldown_seconds=5)
        observer = Observer()
        manager = JwksManager(jwks.url, settings, observer, lambda kids: None, lambda: now[0])
        await manager.start()
        try:
            assert await manager.fetch_shared() is True
            assert manager.usable()
            jwks.down = True
            now[0] += 100
            assert await manager.fetch_shared() is False
            assert manager.usable()  # last good keys, 100 s old
            now[0] += 21
            assert not manager.usable()
            # The on-demand refresh honours its cooldown on the injected clock.
            before = jwks.fetches
            await manager.refresh_on_demand()
            await manager.refresh_on_demand()
            assert jwks.fetches == before + 1
            now[0] += 6
            await manager.refresh_on_demand()
            assert jwks.fetches == before + 2
        finally:
            await manager.stop()
        assert "success" in observer.results and "http_status" in observer.results

    asyncio.run(scenario())


def test_refresh_schedule_jitter_and_backoff(jwks: JwksServer) -> None:
    delays: list[float] = []
    outcomes = iter([True, True, False, False, False, False])

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)
        jwks.down = not next(outcomes, True)  # decides how the *next* fetch goes
        if len(delays) == 7:
            raise asyncio.CancelledError

    class Observer:
        def jwks_fetched(self, result: str, key_count: int, detail: str) -> None:
            pass

    async def scenario() -> None:
        settings = JwksSettings(
            refresh_interval_seconds=100, refresh_jitter_seconds=10,
            initial_backoff_seconds=1, max_backoff_seconds=4,
        )  # fmt: skip
        manager = JwksManager(jwks.url, settings, Observer(), lambda kids: None, sleep=fake_sleep)
        await manager.start()
        assert manager._runner is not None
        with pytest.raises(asyncio.CancelledError):
            await manager._runner
        await manager.stop()

    asyncio.run(scenario())
    # 3 good fetches (period 100 ± 10), then 4 failures: backoff 1, 2, 4, 4 (capped) x 0.5-1
    assert all(90 <= d <= 110 for d in delays[:3]), delays
    assert 0.5 <= delays[3] <= 1 and 1 <= delays[4] <= 2 and 2 <= delays[5] <= 4, delays
    assert 2 <= delays[6] <= 4, delays
    assert len({round(d, 6) for d in delays[:3]}) == 3  # jittered, not a fixed period


def stale_config(jwks_url: str, cooldown: float) -> dict[str, Any]:
    """Keys go stale after 60 s (on the fake clock); the background loop stays out of the way
    (it fetched once at start and next runs in 10 min, or after a 60 s backoff), so every
    fetch in these tests is one a request asked for."""
    return config_dict(
        jwks_url,
        jwks={"refresh_interval_seconds": 600, "max_stale_seconds": 60,
              "unknown_kid_cooldown_seconds": cooldown, "initial_backoff_seconds": 60,
              "max_backoff_seconds": 600, "fetch_timeout_seconds": 2},
    )  # fmt: skip


def test_stale_keys_recover_within_one_cooldown_without_amplifying(
    jwks: JwksServer, key: SigningKey
) -> None:
    clock = FakeClock()
    with running_service(stale_config(jwks.url, cooldown=5), clock=clock) as svc:
        token = make_token(key)
        assert svc.verify(token)[0] == 200 and jwks.fetches == 1
        jwks.down = True
        jwks.delay_seconds = 0.3  # the fetch stays in flight while the others arrive
        clock.advance(61)  # the last good keys are now past max_stale_seconds
        with ThreadPoolExecutor(max_workers=25) as pool:
            results = list(pool.map(lambda i: svc.verify(token, uri=f"/{i}")[0], range(50)))
        assert results == [503] * 50
        assert jwks.fetches == 2  # fifty requests, one fetch: they all waited on it
        # Within the cooldown: answered at once, no fetch, Retry-After = the cooldown left.
        code, headers, body = svc.verify(token)
        assert code == 503 and body == b"" and not any(h.startswith("x-user-") for h in headers)
        assert 1 <= int(headers["retry-after"]) <= 5
        jwks.down = False  # the JWKS is back ...
        jwks.delay_seconds = 0
        assert [svc.verify(token)[0] for _ in range(20)] == [503] * 20
        assert jwks.fetches == 2  # ... but nobody may ask before the cooldown has passed
        clock.advance(5)  # one cooldown after the last attempt
        code, headers, _ = svc.verify(token)
        assert code == 200 and headers["x-user-id"] == "auth0|user-1"
        assert jwks.fetches == 3  # that request fetched; recovery took one cooldown
        assert svc.get("/readyz")[0] == 200
        reasons = [e["reason"] for e in svc.log.events if e["event"] == "decision"]
        assert reasons.count("no_usable_keys") == 71


def test_readiness_probe_alone_recovers_stale_keys(jwks: JwksServer, key: SigningKey) -> None:
    """An unready pod receives no /verify traffic, so the probe must be able to ask."""
    clock = FakeClock()
    with running_service(stale_config(jwks.url, cooldown=5), clock=clock) as svc:
        jwks.down = True
        clock.advance(61)
        code, headers, _ = svc.get("/readyz")
        assert code == 503 and "retry-after" in headers
        wait_for_fetch_result(svc, lambda results: "http_status" in results)
        assert svc.get("/readyz")[0] == 503 and jwks.fetches == 2  # within the cooldown
        jwks.down = False
        clock.advance(5)
        assert svc.get("/readyz")[0] == 503  # answers at once, starts the fetch
        svc.wait_ready()
        assert jwks.fetches == 3
        assert svc.verify(make_token(key))[0] == 200
