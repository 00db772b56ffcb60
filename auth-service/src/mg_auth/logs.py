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


Decision = tuple[float, str, int, str, str | None, str | None, str, float, str | None,
                 str | None, str | None]  # fmt: skip


def format_decision(d: Decision) -> str:
    """The per-request event, formatted by hand: it is on the hot path.

    Only `sub` and `path` need JSON escaping: rule names, reasons, cache labels, methods,
    hosts and fingerprints are validated to plain ASCII word characters upstream.
    """
    ts, rule, status, reason, sub, token_fp, cache, latency_ms, method, host, path = d
    return (
        f'{{"ts":{ts:.3f},"event":"decision","rule":"{rule}","status":{status},'
        f'"reason":"{reason}","sub":{_q(sub)},"token_fp":{_plain(token_fp)},'
        f'"cache":"{cache}","latency_ms":{latency_ms:.3f},"method":{_plain(method)},'
        f'"host":{_plain(host)},"path":{_q(path)}}}'
    )


class EventLog:
    def __init__(self, stream: IO[bytes] | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout.buffer
        # Lines, and decisions kept as their fields until the flush formats them all at
        # once: the same work, but in one tight loop instead of between two requests.
        self._pending: list[str | Decision] = []
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
        self._pending.append(
            (time.time(), rule, status, reason, sub, token_fp, cache, latency_ms, method, host,
             path)
        )  # fmt: skip
        if not self._flush_scheduled:
            self._schedule_flush()

    def _emit(self, line: str) -> None:
        self._pending.append(line)
        if not self._flush_scheduled:
            self._schedule_flush()

    def _schedule_flush(self) -> None:
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
        lines = [p if isinstance(p, str) else format_decision(p) for p in self._pending]
        self._pending.clear()
        lines.append("")
        try:
            self._stream.write("\n".join(lines).encode())
            self._stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stdout must not turn a decision into a crash
