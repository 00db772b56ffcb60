"""Wires config, JWKS manager, caches, endpoints and the two listening sockets together."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from dataclasses import dataclass

from mg_auth.cache import NegativeCache, TokenCache
from mg_auth.config import Config
from mg_auth.endpoints import VERIFY_HEADERS, Endpoints
from mg_auth.http_server import serve
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
    # the pod out of the Service before its connections close (no 500s during rollouts).
    shutdown_delay_seconds: float = 3.0


class AuthService:
    def __init__(self, config: Config, log: EventLog | None = None) -> None:
        self.config = config
        self.log = log or EventLog()
        self.metrics = Metrics()
        self.cache = TokenCache(config.cache.max_entries, config.cache.max_ttl_seconds)
        self.negative = NegativeCache(
            config.cache.negative_max_entries, config.cache.negative_ttl_seconds
        )
        self.metrics.track_sizes(self.cache.__len__, self.negative.__len__)
        self.jwks = JwksManager(
            config.effective_jwks_url, config.jwks, self, on_keys_removed=self._keys_removed
        )
        self.verifier = TokenVerifier(config, self.jwks, self.cache, self.negative)
        self.endpoints = Endpoints(config, self.verifier, self.jwks, self.metrics, self.log)
        self._servers: list[asyncio.Server] = []
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
        self._servers.append(main)
        metrics = await serve(
            self.endpoints.metrics_port, listen.metrics_host, listen.metrics_port, self._error
        )
        self._servers.append(metrics)
        self.bound = {
            "port": main.sockets[0].getsockname()[1],
            "metrics_port": metrics.sockets[0].getsockname()[1],
        }
        await self.jwks.start()
        self.log.event("started", jwks_url=self.config.effective_jwks_url, **self.bound)

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 5)
        await self.jwks.stop()
        self.log.event("stopped")
        self.log.flush()


async def run_until_signalled(config: Config, listen: Listen) -> None:
    service = AuthService(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await service.start(listen)
    try:
        await stop.wait()
        service.endpoints.draining = True
        service.log.event("draining", seconds=listen.shutdown_delay_seconds)
        await asyncio.sleep(listen.shutdown_delay_seconds)
    finally:
        await service.stop()


def run(config: Config, listen: Listen) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(run_until_signalled(config, listen))
    else:
        uvloop.run(run_until_signalled(config, listen))
