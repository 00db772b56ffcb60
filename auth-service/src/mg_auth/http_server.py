"""A small HTTP/1.1 server on asyncio + httptools (llhttp, the parser uvicorn uses).

The service answers tiny, body-less requests at high rate; a framework's routing and
middleware would cost more per request than the whole cached decision. Handlers may answer
synchronously (the cached fast path) or return a coroutine; responses on a keep-alive
connection always leave in request order.

Request heads are framed here, before llhttp sees them. Bytes of an unfinished head are
buffered only while the request line, each field line and the whole head stay within
`Limits`, checked on every read, so a client that never finishes a header costs at most
`max_header_bytes` of memory and CPU proportional to what it sent, and is answered 414/431
(and closed) the moment it crosses a limit. llhttp then parses each complete head in one
call: fed partial heads, httptools would re-concatenate the growing header value on every
read (httptools/parser/parser.pyx, `HttpParser._on_header_value`), which is quadratic.
Bodies are framed by Content-Length only (`Transfer-Encoding` is refused with 411), so the
server always knows where the next head starts.

Responses are not written the moment they are decided: each connection collects its output
and all connections with output are flushed together once the event loop has handed out
the current batch of reads (`Connections.flush`, one `call_soon` per batch). A peer woken by
the first write of a batch is still awake for the next ones (on a VM, waking an idle peer
costs an inter-processor interrupt): measured against writing at once, 25 % less CPU per
request on cache misses, 11 % on hits (auth-service/README.md, "Performance"). A batch of
one request is flushed on the next loop iteration, so at low load nothing waits. Whenever a
connection closes, its collected output is written first, so nothing decided is lost and
order is kept.

Shutdown (`Listener.drain`, then `Listener.shutdown`): while draining, a response that leaves
nothing else pending on its connection carries `Connection: close`, so clients re-dial; at
shutdown the listening socket closes, idle connections close at once, and every request
already read is answered (the last one with `Connection: close`) before its connection
closes, up to a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
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
    411: "Length Required",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
CR = 13
LF = 10
CRLF = "\r\n"
LINE_ENDINGS = re.compile(rb"[\r\n]*")


@dataclass(slots=True)
class Request:
    method: str
    target: str
    headers: dict[str, list[str]]


class Response:
    """Status, headers and body; the keep-alive encoding is built once and reused, so a
    response object shared by many requests (a constant, or one cached per identity) costs
    nothing to encode again."""

    __slots__ = ("_wire", "body", "headers", "status")

    def __init__(
        self, status: int, headers: Sequence[tuple[str, str]] = (), body: bytes = b""
    ) -> None:
        self.status = status
        self.headers = tuple(headers)
        self.body = body
        self._wire: bytes | None = None

    def wire(self, keep_alive: bool) -> bytes:
        if not keep_alive:
            return self._encode(close=True)
        wire = self._wire
        if wire is None:
            wire = self._wire = self._encode(close=False)
        return wire

    def _encode(self, close: bool) -> bytes:
        fields = "".join([f"{name}: {value}\r\n" for name, value in self.headers])
        head = (
            f"HTTP/1.1 {self.status} {REASONS.get(self.status, 'Unknown')}\r\n{fields}"
            f"Content-Length: {len(self.body)}\r\n{'Connection: close' + CRLF if close else ''}\r\n"
        )
        return head.encode("latin-1") + self.body


Handler = Callable[[Request], "Response | Awaitable[Response]"]


@dataclass(frozen=True, slots=True)
class Limits:
    # Request line ("GET /verify HTTP/1.1"), one field line ("Name: value") and the whole head,
    # in bytes without line endings (the head counts them). A field line must fit an
    # `Authorization: Bearer` header with the largest token the verifier accepts (8 KiB).
    max_request_line_bytes: int = 8192
    max_header_line_bytes: int = 16384
    max_header_bytes: int = 32768
    max_header_count: int = 64
    max_body_bytes: int = 4096
    max_pipelined: int = 32
    request_timeout_seconds: float = 10.0
    keepalive_timeout_seconds: float = 120.0
    max_connections: int = 4096


TIMEOUT_CHECK_FRACTION = 0.25


class _Reject(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


# What on_header does with a header, by its name as sent (see Connections.header_action).
DROP, KEEP, LENGTH, CODING = 0, 1, 2, 3
HEADER_ACTIONS_MAX = 256


class Connections:
    """The open connections of one listener and its shutdown phase (event-loop thread only)."""

    def __init__(self, keep_headers: frozenset[bytes] | None = None) -> None:
        self.open: set[HttpProtocol] = set()
        self.draining = False  # a response that leaves nothing pending closes its connection
        self.finishing = False  # also: idle connections close at once
        self.all_closed = asyncio.Event()
        self._keep_headers = keep_headers
        # Header names as clients send them (Go canonicalizes: one spelling per name), so
        # most requests classify each header with one dict lookup. Bounded: names past the
        # limit are classified every time, never stored.
        self._header_actions: dict[bytes, tuple[int, str]] = {}
        # Connections holding responses not written yet, flushed once per batch of reads.
        self._unflushed: list[HttpProtocol] = []

    def has_output(self, protocol: HttpProtocol) -> None:
        if not self._unflushed:
            asyncio.get_running_loop().call_soon(self.flush)
        self._unflushed.append(protocol)

    def flush(self) -> None:
        unflushed, self._unflushed = self._unflushed, []
        for protocol in unflushed:
            protocol.flush_output()

    def header_action(self, name: bytes) -> tuple[int, str]:
        """(DROP | KEEP | LENGTH | CODING, lower-case name) for a header name as sent."""
        action = self._header_actions.get(name)
        if action is not None:
            return action
        lowered = name.lower()
        if lowered == b"content-length":
            action = (LENGTH, "content-length")
        elif lowered == b"transfer-encoding":
            action = (CODING, "transfer-encoding")
        elif self._keep_headers is None or lowered in self._keep_headers:
            action = (KEEP, lowered.decode("latin-1"))
        else:
            action = (DROP, "")  # never decoded, never stored: cookies and the like
        if len(self._header_actions) < HEADER_ACTIONS_MAX:
            self._header_actions[name] = action
        return action


class HttpProtocol(asyncio.Protocol):
    def __init__(
        self,
        handler: Handler,
        limits: Limits,
        on_error: Callable[[BaseException], None],
        keep_headers: frozenset[bytes] | None = None,
        connections: Connections | None = None,
    ) -> None:
        self._handler = handler
        self._connections = connections or Connections(keep_headers)
        self._header_action = self._connections.header_action
        self._max_header_count = limits.max_header_count
        self._limits = limits
        # A head no longer than every line limit cannot hold an over-long line.
        self._short_head = min(
            limits.max_request_line_bytes, limits.max_header_line_bytes, limits.max_header_bytes
        )
        self._on_error = on_error
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._parser: Any = None
        # framing: bytes of an unfinished head, and how far they were checked
        self._buf = bytearray()
        self._scanned = 0
        self._line_start = 0
        self._lines = 0
        self._body_left = 0
        self._more = False  # the current read holds bytes after the head being parsed
        # the request being parsed
        self._url = b""
        self._headers: dict[str, list[str]] = {}
        self._header_count = 0
        self._content_length = 0
        # requests read but not answered yet: one in flight (`_busy`) and those queued behind
        self._queue: deque[tuple[Request, bool]] = deque()
        self._busy = False
        self._timer: asyncio.TimerHandle | None = None
        self._in_request = False  # bytes of a request have arrived; it is not complete yet
        self._last_activity = 0.0
        self._reading_paused = False
        self._write_blocked = False  # transport buffer above its high-water mark
        self._queue_full = False  # too many pipelined requests waiting
        self._output: list[bytes] = []  # responses decided, not handed to the transport yet

    @property
    def unanswered(self) -> int:
        """Requests read completely and not answered yet."""
        return len(self._queue) + (1 if self._busy else 0)

    # -- transport callbacks ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        connections = self._connections
        if connections.finishing or len(connections.open) >= self._limits.max_connections:
            transport.close()  # over the limit: refuse before reading anything
            return
        connections.open.add(self)
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        self._parser = httptools.HttpRequestParser(self)
        self._last_activity = self._loop.time()
        self._schedule_check()

    def connection_lost(self, exc: Exception | None) -> None:
        connections = self._connections
        connections.open.discard(self)
        if connections.finishing and not connections.open:
            connections.all_closed.set()
        self._transport = None
        if self._timer is not None:
            self._timer.cancel()
        self._queue.clear()
        self._output = []
        self._buf = bytearray()

    def data_received(self, data: bytes) -> None:
        if self._transport is None:
            return  # refused in connection_made, or already closed
        try:
            self._receive(data)
        except _Reject as exc:
            self._fail(exc.status)
        except httptools.HttpParserCallbackError as exc:
            context = exc.__context__
            self._fail(context.status if isinstance(context, _Reject) else 400)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade):
            self._fail(400)
        finally:
            self._more = False
        if self._connections.finishing and self._idle():
            self._close()

    def pause_writing(self) -> None:
        self._write_blocked = True
        self._update_reading()

    def resume_writing(self) -> None:
        self._write_blocked = False
        self._update_reading()

    # -- framing ------------------------------------------------------------------------
    def _receive(self, data: bytes) -> None:
        buf: bytes | bytearray = data
        if self._buf:
            self._buf += data
            buf = self._buf
        end = len(buf)
        pos = 0
        parser = self._parser
        while pos < end and self._transport is not None:
            if self._body_left:
                take = min(self._body_left, end - pos)
                self._body_left -= take
                self._more = pos + take < end
                parser.feed_data(memoryview(buf)[pos : pos + take])
                pos += take
                continue
            if not self._in_request:
                if buf[pos] in (CR, LF):  # stray line ends between requests (RFC 9112 §2.2)
                    match = LINE_ENDINGS.match(buf, pos)
                    pos = match.end() if match is not None else pos + 1
                    continue
                self._in_request = True
                self._last_activity = self._loop.time()
            head_end = self._head_end(buf, pos, end)
            if head_end < 0:
                break
            self._scanned = self._line_start = self._lines = 0
            self._more = head_end < end
            parser.feed_data(buf if pos == 0 and head_end == end else memoryview(buf)[pos:head_end])
            pos = head_end
        if pos >= end or self._transport is None:
            if self._buf:
                self._buf = bytearray()
        elif buf is self._buf:
            del self._buf[:pos]
        else:
            self._buf = bytearray(memoryview(buf)[pos:])

    def _head_end(self, buf: bytes | bytearray, start: int, end: int) -> int:
        """End offset of the complete head that starts at `start`, or -1 if it is unfinished.

        Raises _Reject as soon as a line or the head exceeds its limit, finished or not.
        """
        if not self._scanned:
            found = buf.find(b"\r\n\r\n", start, end)
            if found >= 0 and found + 4 - start <= self._short_head:
                return found + 4
        limits = self._limits
        line_start = start + self._line_start
        lines = self._lines
        newline = buf.find(b"\n", start + self._scanned, end)
        while newline >= 0:
            length = newline - line_start
            if length and buf[newline - 1] == CR:
                length -= 1
            if not length:
                if lines:
                    return newline + 1
                # (a head never starts with an empty line: _receive skips those)
            elif not lines:
                if length > limits.max_request_line_bytes:
                    raise _Reject(414)
                lines = 1
            else:
                if length > limits.max_header_line_bytes:
                    raise _Reject(431)
                lines += 1
                if lines > limits.max_header_count + 1:
                    raise _Reject(431)
            line_start = newline + 1
            if line_start - start > limits.max_header_bytes:
                raise _Reject(431)
            newline = buf.find(b"\n", line_start, end)
        unfinished = end - line_start  # may end in the CR of its line ending
        if not lines:
            if unfinished > limits.max_request_line_bytes + 1:
                raise _Reject(414)
        elif unfinished > limits.max_header_line_bytes + 1:
            raise _Reject(431)
        if end - start > limits.max_header_bytes:
            raise _Reject(431)
        self._scanned = end - start
        self._line_start = line_start - start
        self._lines = lines
        return -1

    # -- parser callbacks (the per-message state starts empty and is reset on completion,
    # which saves an on_message_begin call per request) ---------------------------------
    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self._max_header_count:
            raise _Reject(431)
        action, key = self._header_action(name)
        if action == KEEP:
            text = value.decode("latin-1")
            existing = self._headers.get(key)
            if existing is None:
                self._headers[key] = [text]
            else:
                existing.append(text)
        elif action == LENGTH:
            self._content_length = int(value)  # llhttp has checked it: digits, not repeated
        elif action == CODING:
            raise _Reject(411)  # bodies are framed by Content-Length only

    def on_headers_complete(self) -> None:
        if self._parser.should_upgrade():
            raise _Reject(400)  # Upgrade and CONNECT: nothing here speaks another protocol
        length = self._content_length
        if length:
            if length > self._limits.max_body_bytes:
                raise _Reject(413)
            self._body_left = length

    def on_message_complete(self) -> None:
        self._in_request = False
        parser = self._parser
        request = Request(
            method=parser.get_method().decode("latin-1"),
            target=self._url.decode("latin-1"),
            headers=self._headers,
        )
        self._url = b""
        self._headers = {}
        self._header_count = 0
        self._content_length = 0
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
        if self._connections.finishing and self._idle():
            self._close()

    def _write(self, response: Response, keep_alive: bool) -> None:
        transport = self._transport
        if transport is None:
            return
        if (
            keep_alive
            and self._connections.draining
            and not (self._queue or self._more or self._in_request)
        ):
            keep_alive = False  # nothing else pending here: the client re-dials elsewhere
        self._add_output(response.wire(keep_alive))
        if keep_alive:
            self._last_activity = self._loop.time()
        else:
            self._close()

    def _add_output(self, data: bytes) -> None:
        if not self._output:
            self._connections.has_output(self)
        self._output.append(data)

    def flush_output(self) -> None:
        output = self._output
        if not output:
            return
        self._output = []
        if self._transport is not None:
            self._transport.write(output[0] if len(output) == 1 else b"".join(output))

    def _fail(self, status: int) -> None:
        if self._transport is not None and not self._busy:
            self._add_output(Response(status).wire(keep_alive=False))
        self._close()

    def _idle(self) -> bool:
        """Open, with nothing read that is unanswered and nothing half-received."""
        return (
            self._transport is not None
            and not self._busy
            and not self._queue
            and not self._in_request
            and not self._body_left
        )

    def finish(self) -> None:
        """Shutdown: close now if idle; otherwise after the last pending response."""
        if self._idle():
            self._close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()
            self._transport = None

    def _close(self) -> None:
        if self._transport is not None:
            self.flush_output()  # what was decided leaves first; close() sends it, then FIN
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


class Listener:
    """One listening socket, its connections and their shutdown."""

    def __init__(self, server: asyncio.Server, connections: Connections) -> None:
        self._server = server
        self.connections = connections
        self.port = int(server.sockets[0].getsockname()[1])

    def drain(self) -> None:
        self.connections.draining = True

    async def shutdown(self, timeout_seconds: float) -> int:
        """Stop accepting, close idle connections, answer every request already read, then
        close; connections still open after `timeout_seconds` are aborted. Returns how many
        requests were read but left unanswered (0 unless the deadline was reached)."""
        connections = self.connections
        connections.draining = connections.finishing = True
        self._server.close()
        for connection in list(connections.open):
            connection.finish()
        if connections.open:
            connections.all_closed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(connections.all_closed.wait(), timeout_seconds)
        unanswered = sum(c.unanswered for c in connections.open)
        for connection in list(connections.open):
            connection.abort()
        return unanswered

    def close(self) -> None:
        self._server.close()
        for connection in list(self.connections.open):
            connection.abort()


async def serve(
    handler: Handler,
    host: str,
    port: int,
    on_error: Callable[[BaseException], None],
    limits: Limits | None = None,
    keep_headers: frozenset[bytes] | None = None,
) -> Listener:
    """Listen; `keep_headers` (lower-case names) limits which headers reach the handler."""
    loop = asyncio.get_running_loop()
    chosen = limits or Limits()
    connections = Connections(keep_headers)
    server = await loop.create_server(
        lambda: HttpProtocol(handler, chosen, on_error, keep_headers, connections),
        host=host,
        port=port,
        reuse_address=True,
        backlog=1024,
    )
    return Listener(server, connections)
