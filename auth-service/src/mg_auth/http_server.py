"""A small HTTP/1.1 server on asyncio + httptools (the parser uvicorn uses).

The service answers tiny, body-less requests at high rate; a framework's routing and
middleware would cost more per request than the whole cached decision. Handlers may answer
synchronously (the cached fast path) or return a coroutine; responses on a keep-alive
connection always leave in request order.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import httptools

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(slots=True)
class Request:
    method: str
    target: str
    headers: dict[str, list[str]]


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


Handler = Callable[[Request], "Response | Awaitable[Response]"]


@dataclass(frozen=True, slots=True)
class Limits:
    max_url_bytes: int = 8192
    max_header_count: int = 64
    max_header_bytes: int = 32768
    max_body_bytes: int = 4096
    max_pipelined: int = 32
    request_timeout_seconds: float = 10.0
    keepalive_timeout_seconds: float = 120.0
    max_connections: int = 4096


class ConnectionCount:
    """Open connections of one listening socket (event-loop thread only)."""

    def __init__(self) -> None:
        self.active = 0


TIMEOUT_CHECK_FRACTION = 0.25


class _Reject(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def encode_response(response: Response, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Unknown')}"]
    lines.extend(f"{name}: {value}" for name, value in response.headers)
    lines.append(f"Content-Length: {len(response.body)}")
    if not keep_alive:
        lines.append("Connection: close")
    head = "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"
    return head + response.body


class HttpProtocol(asyncio.Protocol):
    def __init__(
        self,
        handler: Handler,
        limits: Limits,
        on_error: Callable[[BaseException], None],
        keep_headers: frozenset[bytes] | None = None,
        connections: ConnectionCount | None = None,
    ) -> None:
        self._handler = handler
        self._connections = connections or ConnectionCount()
        self._counted = False
        self._keep_headers = keep_headers
        self._limits = limits
        self._on_error = on_error
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._parser: Any = None
        self._url = b""
        self._headers: dict[str, list[str]] = {}
        self._header_count = 0
        self._header_bytes = 0
        self._body_bytes = 0
        self._queue: deque[tuple[Request, bool]] = deque()
        self._busy = False
        self._timer: asyncio.TimerHandle | None = None
        self._in_request = False
        self._last_activity = 0.0
        self._reading_paused = False
        self._write_blocked = False  # transport buffer above its high-water mark
        self._queue_full = False  # too many pipelined requests waiting

    # -- transport callbacks ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._connections.active >= self._limits.max_connections:
            transport.close()  # over the limit: refuse before reading anything
            return
        self._connections.active += 1
        self._counted = True
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        self._parser = httptools.HttpRequestParser(self)
        self._last_activity = self._loop.time()
        self._schedule_check()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._counted:
            self._connections.active -= 1
            self._counted = False
        self._transport = None
        if self._timer is not None:
            self._timer.cancel()
        self._queue.clear()

    def data_received(self, data: bytes) -> None:
        if self._parser is None:
            return  # refused in connection_made
        try:
            self._parser.feed_data(data)
        except _Reject as exc:
            self._fail(exc.status)
        except httptools.HttpParserUpgrade:
            self._fail(400)
        except httptools.HttpParserCallbackError as exc:
            context = exc.__context__
            self._fail(context.status if isinstance(context, _Reject) else 400)
        except httptools.HttpParserError:
            self._fail(400)

    def pause_writing(self) -> None:
        self._write_blocked = True
        self._update_reading()

    def resume_writing(self) -> None:
        self._write_blocked = False
        self._update_reading()

    # -- parser callbacks ---------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = {}
        self._header_count = 0
        self._header_bytes = 0
        self._body_bytes = 0
        self._in_request = True
        self._last_activity = self._loop.time()

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > self._limits.max_url_bytes:
            raise _Reject(431)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._header_bytes += len(name) + len(value)
        if (
            self._header_count > self._limits.max_header_count
            or self._header_bytes > self._limits.max_header_bytes
        ):
            raise _Reject(431)
        lowered = name.lower()
        if self._keep_headers is not None and lowered not in self._keep_headers:
            return  # never decoded, never stored: cookies and the like stay out of memory
        key = lowered.decode("latin-1")
        text = value.decode("latin-1")
        existing = self._headers.get(key)
        if existing is None:
            self._headers[key] = [text]
        else:
            existing.append(text)

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > self._limits.max_body_bytes:
            raise _Reject(413)

    def on_message_complete(self) -> None:
        self._in_request = False
        parser = self._parser
        request = Request(
            method=parser.get_method().decode("latin-1"),
            target=self._url.decode("latin-1"),
            headers=self._headers,
        )
        keep_alive = bool(parser.should_keep_alive())
        if self._busy:
            self._queue.append((request, keep_alive))
            if len(self._queue) >= self._limits.max_pipelined:
                self._queue_full = True
                self._update_reading()
            return
        self._process(request, keep_alive)

    # -- dispatch -----------------------------------------------------------------------
    def _process(self, request: Request, keep_alive: bool) -> None:
        try:
            result = self._handler(request)
        except Exception as exc:  # fail closed: never a 2xx
            self._on_error(exc)
            result = Response(500)
        if isinstance(result, Response):
            self._write(result, keep_alive)
            return
        self._busy = True
        task = self._loop.create_task(self._await(result))
        task.add_done_callback(lambda t: self._finished(t, keep_alive))

    async def _await(self, pending: Awaitable[Response]) -> Response:
        return await pending

    def _finished(self, task: asyncio.Task[Response], keep_alive: bool) -> None:
        self._busy = False
        if task.cancelled():
            response = Response(500)
        elif (exc := task.exception()) is not None:
            self._on_error(exc)
            response = Response(500)
        else:
            response = task.result()
        if self._transport is None:
            return
        self._write(response, keep_alive)
        while self._queue and not self._busy and self._transport is not None:
            request, keep = self._queue.popleft()
            self._process(request, keep)
        if self._queue_full and not self._queue:
            self._queue_full = False
            self._update_reading()

    def _write(self, response: Response, keep_alive: bool) -> None:
        transport = self._transport
        if transport is None:
            return
        transport.write(encode_response(response, keep_alive))
        if keep_alive:
            self._last_activity = self._loop.time()
        else:
            self._close()

    def _fail(self, status: int) -> None:
        if self._transport is not None and not self._busy:
            self._transport.write(encode_response(Response(status), keep_alive=False))
        self._close()

    def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._timer is not None:
            self._timer.cancel()

    # Timeouts: one coarse periodic check per connection instead of re-arming a timer on
    # every request; limits are enforced within TIMEOUT_CHECK_FRACTION of their value.
    def _schedule_check(self) -> None:
        interval = TIMEOUT_CHECK_FRACTION * min(
            self._limits.request_timeout_seconds, self._limits.keepalive_timeout_seconds
        )
        self._timer = self._loop.call_later(interval, self._check_timeouts)

    def _check_timeouts(self) -> None:
        if self._transport is None:
            return
        idle = self._loop.time() - self._last_activity
        if self._busy:
            pass  # awaiting the JWKS: bounded by the fetch timeout
        elif self._in_request and idle > self._limits.request_timeout_seconds:
            self._fail(408)
            return
        elif not self._in_request and idle > self._limits.keepalive_timeout_seconds:
            self._close()
            return
        self._schedule_check()

    def _update_reading(self) -> None:
        paused = self._write_blocked or self._queue_full
        transport = self._transport
        if transport is None or paused == self._reading_paused:
            return
        self._reading_paused = paused
        if paused:
            transport.pause_reading()
        else:
            transport.resume_reading()


async def serve(
    handler: Handler,
    host: str,
    port: int,
    on_error: Callable[[BaseException], None],
    limits: Limits | None = None,
    keep_headers: frozenset[bytes] | None = None,
) -> asyncio.Server:
    """Listen; `keep_headers` (lower-case names) limits which headers reach the handler."""
    loop = asyncio.get_running_loop()
    chosen = limits or Limits()
    connections = ConnectionCount()
    return await loop.create_server(
        lambda: HttpProtocol(handler, chosen, on_error, keep_headers, connections),
        host=host,
        port=port,
        reuse_address=True,
        backlog=1024,
    )
