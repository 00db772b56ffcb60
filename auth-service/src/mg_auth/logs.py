"""Structured JSON event log on stdout, one line per event, flushed within 50 ms.

Callers pass only log-safe fields: never a token, an Authorization header, cookies or a query.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from json.encoder import encode_basestring_ascii as _quote  # the C string encoder
from typing import IO, Any

FLUSH_DELAY_SECONDS = 0.05


def _q(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def _plain(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


class EventLog:
    def __init__(self, stream: IO[bytes] | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout.buffer
        self._pending: list[bytes] = []
        self._flush_scheduled = False

    def event(self, name: str, **fields: Any) -> None:
        record = {"ts": round(time.time(), 3), "event": name, **fields}
        self._emit(json.dumps(record, separators=(",", ":"), default=str))

    def decision(
        self,
        rule: str,
        status: int,
        reason: str,
        sub: str | None,
        token_fp: str | None,
        cache: str,
        latency_ms: float,
        method: str | None,
        host: str | None,
        path: str | None,
    ) -> None:
        """The per-request event, formatted by hand: it is on the hot path.

        Only `sub` and `path` need JSON escaping: rule names, reasons, cache labels, methods,
        hosts and fingerprints are validated to plain ASCII word characters upstream.
        """
        self._emit(
            f'{{"ts":{time.time():.3f},"event":"decision","rule":"{rule}","status":{status},'
            f'"reason":"{reason}","sub":{_q(sub)},"token_fp":{_plain(token_fp)},'
            f'"cache":"{cache}","latency_ms":{latency_ms:.3f},"method":{_plain(method)},'
            f'"host":{_plain(host)},"path":{_q(path)}}}'
        )

    def _emit(self, line: str) -> None:
        self._pending.append(line.encode() + b"\n")
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._flush_scheduled = True
        loop.call_later(FLUSH_DELAY_SECONDS, self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        try:
            self._stream.write(data)
            self._stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stdout must not turn a decision into a crash
