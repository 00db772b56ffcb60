"""Wires config, JWKS manager, caches, endpoints and the two listening sockets together."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

import uvloop

from mg_auth.cache import NegativeCache, TokenCache
from mg_auth.config import Config
from mg_auth.endpoints import VERIFY_HEADERS, Endpoints
from mg_auth.http_server import Listener, serve
from mg_auth.jwks import JwksManager
from mg_auth.logs import EventLog
from mg_auth.metrics import Metrics
from mg_auth.verifier import TokenVerifier


@dataclass(frozen=True, slots=True)
class Listen:
    host: str = "0.0.0.0"
    port: int = 8080
    metrics_host: str = "0.0.0.0"
    metrics_port: int = 9100
    # After SIGTERM: answer /readyz 503 but keep serving for this long, so Kubernetes takes
    # the pod out of the Service (and kube-proxy stops sending it new connections) first;
    # meanwhile every response that leaves its connection idle closes it, so clients re-dial.
    shutdown_delay_seconds: float = 3.0
    # Then: stop accepting, close idle connections, answer every request already read, and
    # abort whatever is still open after this long. delay + timeout must stay below the
    # pod's terminationGracePeriodSeconds (see docs/auth-service.md, "Shutdown").
    shutdown_timeout_seconds: float = 10.0


class AuthService:
    def __init__(
        self,
        config: Config,
        log: EventLog | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.log = log or EventLog()
        self.metrics = Metrics()
        self.cache = TokenCache(config.cache.max_entries, config.cache.max_ttl_seconds)
        self.negative = NegativeCache(
            config.cache.negative_max_entries, config.cache.negative_ttl_seconds
        )
        self.metrics.track_sizes(self.cache.__len__, self.negative.__len__)
        self.jwks = JwksManager(
            config.effective_jwks_url,
            config.jwks,
            self,
            on_keys_removed=self._keys_removed,
            clock=clock,
        )
        self.verifier = TokenVerifier(config, self.jwks, self.cache, self.negative)
        self.endpoints = Endpoints(config, self.verifier, self.jwks, self.metrics, self.log)
        self._listeners: list[Listener] = []
        self.bound: dict[str, int] = {}

    # JwksObserver
    def jwks_fetched(self, result: str, key_count: int, detail: str) -> None:
        self.metrics.jwks_fetched(result, key_count, detail, time.time())
        self.log.event("jwks_fetch", result=result, keys=key_count, detail=detail)

    def _keys_removed(self, kids: frozenset[str]) -> None:
        dropped = self.cache.drop_kids(kids)
        self.negative.clear()
        self.log.event("jwks_keys_removed", kids=sorted(kids), cached_tokens_dropped=dropped)

    def _error(self, exc: BaseException) -> None:
        self.log.event("error", where="http", error=type(exc).__name__)

    async def start(self, listen: Listen) -> None:
        main = await serve(
            self.endpoints.main, listen.host, listen.port, self._error,
            keep_headers=VERIFY_HEADERS,
        )  # fmt: skip
        self._listeners.append(main)
        metrics = await serve(
            self.endpoints.metrics_port, listen.metrics_host, listen.metrics_port, self._error
        )
        self._listeners.append(metrics)
        self.bound = {"port": main.port, "metrics_port": metrics.port}
        await self.jwks.start()
        self.log.event("started", jwks_url=self.config.effective_jwks_url, **self.bound)

    def drain(self, seconds: float) -> None:
        """Readiness turns 503; connections close after their next response."""
        self.endpoints.draining = True
        for listener in self._listeners:
            listener.drain()
        self.log.event("draining", seconds=seconds)

    async def stop(self, timeout_seconds: float = 10.0) -> int:
        """Stop accepting, finish the requests already read (at most `timeout_seconds`),
        then stop the JWKS refresh. Returns how many read requests went unanswered."""
        self.endpoints.draining = True
        open_connections = sum(len(lst.connections.open) for lst in self._listeners)
        self.log.event("finishing", connections=open_connections, timeout=timeout_seconds)
        results = await asyncio.gather(
            *(listener.shutdown(timeout_seconds) for listener in self._listeners)
        )
        await self.jwks.stop()
        unanswered = sum(results)
        self.log.event("stopped", unanswered=unanswered)
        self.log.flush()
        return unanswered


async def run_until_signalled(config: Config, listen: Listen) -> None:
    service = AuthService(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await service.start(listen)
    # Everything allocated so far lives as long as the process: keep it out of the cyclic
    # collector's full passes (tens of thousands of objects: a few ms of pause each).
    gc.freeze()
    try:
        await stop.wait()
        service.drain(listen.shutdown_delay_seconds)
        stop.clear()  # a second signal ends the drain early
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), listen.shutdown_delay_seconds)
    finally:
        await service.stop(listen.shutdown_timeout_seconds)


def run(config: Config, listen: Listen) -> None:
    uvloop.run(run_until_signalled(config, listen))
