"""The JWKS manager: fetches RSA signing keys without blocking the event loop.

Fetches at start with backoff, refreshes periodically with jitter, and keeps the last good key
set through outages until it is older than `max_stale_seconds`. Requests may also cause a
fetch — one naming an unknown `kid`, or any request (and readiness probe) while no usable key
set is held — at most once per `unknown_kid_cooldown_seconds`, and never more than one fetch
in flight: every request that needs it waits on the same one. So a flood costs the JWKS host
one request per cooldown, and the service is back within one cooldown of the JWKS returning.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers

from mg_auth.compact_jws import KID_PATTERN
from mg_auth.config import JwksSettings

MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192


class JwksError(Exception):
    """A fetch failed; `result` is a short metric label such as `http_status` or `timeout`."""

    def __init__(self, result: str, detail: str) -> None:
        super().__init__(f"{result}: {detail}")
        self.result = result
        self.detail = detail


class JwksObserver(Protocol):
    def jwks_fetched(self, result: str, key_count: int, detail: str) -> None: ...


@dataclass(frozen=True, slots=True)
class KeySet:
    keys: Mapping[str, RSAPublicKey]
    fetched_at: float


def _b64url_uint(value: object, field: str) -> int:
    if not isinstance(value, str) or not value or "=" in value:
        raise ValueError(f"{field} is not unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(f"{field} is not base64url") from None
    return int.from_bytes(raw, "big")


def rsa_signing_key(jwk: object) -> tuple[str, RSAPublicKey]:
    """Return (kid, key) for an RSA signing key usable with RS256, or raise ValueError."""
    if not isinstance(jwk, dict):
        raise ValueError("key is not an object")
    if jwk.get("kty") != "RSA":
        raise ValueError("kty is not RSA")
    if jwk.get("use", "sig") != "sig":
        raise ValueError("use is not sig")
    if jwk.get("alg", "RS256") != "RS256":
        raise ValueError("alg is not RS256")
    key_ops = jwk.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        raise ValueError("key_ops lacks verify")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not KID_PATTERN.fullmatch(kid):
        raise ValueError("kid missing or not [A-Za-z0-9_-]{1,128}")
    n = _b64url_uint(jwk.get("n"), "n")
    e = _b64url_uint(jwk.get("e"), "e")
    if not (MIN_RSA_BITS <= n.bit_length() <= MAX_RSA_BITS):
        raise ValueError(f"modulus has {n.bit_length()} bits (need {MIN_RSA_BITS}..{MAX_RSA_BITS})")
    if e < 3 or e % 2 == 0 or e.bit_length() > 32:
        raise ValueError("unusual public exponent")
    return kid, RSAPublicNumbers(e, n).public_key()


def parse_jwks(body: bytes) -> tuple[dict[str, RSAPublicKey], int]:
    """Return the usable keys and how many entries were skipped."""
    try:
        document: Any = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise JwksError("invalid_json", "JWKS body is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksError("invalid_document", "JWKS has no 'keys' array")
    keys: dict[str, RSAPublicKey] = {}
    skipped = 0
    for jwk in document["keys"]:
        try:
            kid, key = rsa_signing_key(jwk)
        except ValueError:
            skipped += 1
            continue
        if kid in keys:
            raise JwksError("duplicate_kid", f"kid {kid!r} appears twice")
        keys[kid] = key
    if not keys:
        raise JwksError("no_usable_keys", f"no RSA signing key >= {MIN_RSA_BITS} bits")
    return keys, skipped


def _same_key(a: RSAPublicKey, b: RSAPublicKey) -> bool:
    return a.public_numbers() == b.public_numbers()


class JwksManager:
    def __init__(
        self,
        url: str,
        settings: JwksSettings,
        observer: JwksObserver,
        on_keys_removed: Callable[[frozenset[str]], None],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._url = url
        self._settings = settings
        self._observer = observer
        self._on_keys_removed = on_keys_removed
        self._clock = clock
        self._sleep = sleep
        self._keyset: KeySet | None = None
        self._inflight: asyncio.Task[bool] | None = None
        self._last_on_demand = -float("inf")
        self._runner: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self.last_success_wall: float | None = None

    # -- key access (synchronous, used on the hot path) ---------------------------------
    def usable(self) -> bool:
        keyset = self._keyset
        return (
            keyset is not None
            and self._clock() - keyset.fetched_at <= self._settings.max_stale_seconds
        )

    def key(self, kid: str) -> RSAPublicKey | None:
        keyset = self._keyset
        return None if keyset is None else keyset.keys.get(kid)

    def has_kid(self, kid: str) -> bool:
        keyset = self._keyset
        return keyset is not None and kid in keyset.keys

    def fetching(self) -> bool:
        inflight = self._inflight
        return inflight is not None and not inflight.done()

    def _cooldown_left(self) -> float:
        elapsed = self._clock() - self._last_on_demand
        return max(0.0, self._settings.unknown_kid_cooldown_seconds - elapsed)

    def may_refresh_now(self) -> bool:
        """Would a request's refresh fetch (or join a fetch) right now?"""
        return self.fetching() or self._cooldown_left() == 0.0

    def retry_after_seconds(self) -> int:
        """When a request may find usable keys again: the next on-demand fetch, at the latest."""
        left = self._cooldown_left()
        if left > 0:
            return max(1, math.ceil(left))
        return max(1, int(self._settings.initial_backoff_seconds * 2))

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(self._settings.fetch_timeout_seconds),
            limits=httpx.Limits(max_connections=2, max_keepalive_connections=1),
            headers={"Accept": "application/json", "User-Agent": "mg-auth"},
        )
        self._runner = asyncio.create_task(self._run(), name="jwks-refresh")

    async def stop(self) -> None:
        for task in (self._runner, self._inflight):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        settings = self._settings
        backoff = settings.initial_backoff_seconds
        while True:
            if await self.fetch_shared():
                backoff = settings.initial_backoff_seconds
                jitter = random.uniform(
                    -settings.refresh_jitter_seconds, settings.refresh_jitter_seconds
                )
                delay = max(1.0, settings.refresh_interval_seconds + jitter)
            else:
                delay = backoff * random.uniform(0.5, 1.0)
                backoff = min(backoff * 2, settings.max_backoff_seconds)
            await self._sleep(delay)

    # -- fetching -----------------------------------------------------------------------
    async def refresh_on_demand(self) -> None:
        """A request needs keys we lack (an unknown kid, or no usable set): join the fetch in
        flight, or start one if the cooldown since the last on-demand fetch has passed."""
        inflight = self._inflight
        if inflight is not None and not inflight.done():
            await asyncio.shield(inflight)
            return
        if self._cooldown_left() > 0:
            return
        self._last_on_demand = self._clock()
        await self.fetch_shared()

    def refresh_in_background(self) -> None:
        """`refresh_on_demand` without waiting for the result (readiness probes)."""
        if self.fetching() or self._cooldown_left() > 0:
            return
        self._last_on_demand = self._clock()
        self._start_fetch()

    def _start_fetch(self) -> asyncio.Task[bool]:
        inflight = self._inflight
        if inflight is None or inflight.done():
            inflight = asyncio.create_task(self._fetch_and_install(), name="jwks-fetch")
            self._inflight = inflight
        return inflight

    async def fetch_shared(self) -> bool:
        return await asyncio.shield(self._start_fetch())

    async def _fetch_and_install(self) -> bool:
        try:
            body = await asyncio.wait_for(self._download(), self._settings.fetch_timeout_seconds)
            keys, skipped = parse_jwks(body)
        except JwksError as exc:
            self._observer.jwks_fetched(exc.result, 0, exc.detail)
            return False
        except TimeoutError:
            self._observer.jwks_fetched("timeout", 0, "JWKS fetch timed out")
            return False
        except httpx.HTTPError as exc:
            self._observer.jwks_fetched("network_error", 0, type(exc).__name__)
            return False
        except Exception as exc:  # a surprise must not end the refresh loop
            self._observer.jwks_fetched("error", 0, type(exc).__name__)
            return False
        old = self._keyset
        self._keyset = KeySet(keys=keys, fetched_at=self._clock())
        self.last_success_wall = time.time()
        self._observer.jwks_fetched("success", len(keys), f"skipped {skipped} unusable keys")
        if old is not None:
            removed = frozenset(
                kid
                for kid, key in old.keys.items()
                if kid not in keys or not _same_key(key, keys[kid])
            )
            if removed:
                self._on_keys_removed(removed)
        return True

    async def _download(self) -> bytes:
        assert self._client is not None, "start() first"
        max_bytes = self._settings.max_bytes
        async with self._client.stream("GET", self._url) as response:
            if response.status_code != 200:
                raise JwksError("http_status", f"HTTP {response.status_code} from {self._url}")
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise JwksError("too_large", f"JWKS is {declared} bytes (cap {max_bytes})")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise JwksError("too_large", f"JWKS exceeds {max_bytes} bytes")
                chunks.append(chunk)
        return b"".join(chunks)
