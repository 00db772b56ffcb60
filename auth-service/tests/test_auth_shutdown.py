"""Graceful shutdown: drain, then stop accepting and finish every request already read."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mg_auth.http_server import Limits, Listener, Request, Response, serve
from mg_auth_testkit import (
    JwksServer,
    RunningService,
    SigningKey,
    claims,
    config_dict,
    make_token,
    read_response,
    service_process,
    verify_request_bytes,
)

DRAIN_SECONDS = 1.0
FINISH_TIMEOUT_SECONDS = 8.0


# -- the HTTP layer on its own --------------------------------------------------------------
def slow_server(svc: RunningService, seconds: float) -> Listener:
    """A listener whose /slow answers after `seconds`, everything else at once."""

    async def handler_slow() -> Response:
        await asyncio.sleep(seconds)
        return Response(200)

    def handler(request: Request) -> Response | asyncio.Task[Response]:
        if request.target == "/slow":
            return asyncio.ensure_future(handler_slow())
        return Response(200)

    async def start() -> Listener:
        return await serve(handler, "127.0.0.1", 0, lambda exc: None, Limits())

    listener: Listener = svc.call(start())
    return listener


def test_drain_closes_each_connection_after_its_response(svc: RunningService) -> None:
    listener = slow_server(svc, 0)
    try:
        with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            assert b"Connection: close" not in read_head(sock)
            svc.loop.call_soon_threadsafe(listener.drain)
            time.sleep(0.05)
            # pipelined: the first stays keep-alive, the last one closes
            sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" * 2)
            data = read_all(sock)
        heads = data.split(b"\r\n\r\n")[:2]
        assert b"Connection: close" not in heads[0] and b"Connection: close" in heads[1]
    finally:
        svc.loop.call_soon_threadsafe(listener.close)


def test_shutdown_closes_idle_and_finishes_requests_already_read(svc: RunningService) -> None:
    listener = slow_server(svc, 0.5)
    idle = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
    busy = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
    try:
        busy.sendall(b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        time.sleep(0.1)  # both read; /slow in flight, the second queued behind it
        future = asyncio.run_coroutine_threadsafe(listener.shutdown(5), svc.loop)
        assert idle.recv(1024) == b""  # closed at once, nothing was pending on it
        first, second = read_all(busy).split(b"\r\n\r\n")[:2]
        assert first.startswith(b"HTTP/1.1 200 ") and b"Connection: close" not in first
        assert second.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in second
        assert future.result(5) == 0
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", listener.port), timeout=5)
    finally:
        idle.close()
        busy.close()


def test_shutdown_deadline_aborts_and_counts_what_is_left(svc: RunningService) -> None:
    listener = slow_server(svc, 30)
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        time.sleep(0.1)
        started = time.monotonic()
        unanswered = svc.call(listener.shutdown(0.3))
        assert unanswered == 1
        assert time.monotonic() - started < 5
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(1024) == b""


def read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    return data


def read_all(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


# -- the real service process under load ----------------------------------------------------
@dataclass
class LoadResult:
    answered: dict[str, int] = field(default_factory=dict)  # uri -> status
    answered_at: dict[str, float] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)  # closed before any response byte
    broken: list[str] = field(default_factory=list)  # a response cut short
    refused_at: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Unanswered(Exception):
    """The connection closed before any byte of the response arrived."""


def exchange(sock: socket.socket, request: bytes) -> tuple[int, dict[str, str]]:
    """Send one request, read its response; Unanswered if nothing came back, ConnectionError
    if the response was cut short."""
    try:
        sock.sendall(request)
        first = sock.recv(65536)
    except OSError as exc:
        raise Unanswered() from exc
    if not first:
        raise Unanswered()
    status, headers, rest = read_response(sock, first)
    assert rest == b"", "nothing is pipelined here"
    return status, headers


def load_worker(port: int, tokens: list[str], worker: int, stop: threading.Event,
                result: LoadResult) -> None:  # fmt: skip
    """A keep-alive client that behaves like Go's http.Transport (Traefik's ForwardAuth
    client): it re-dials after `Connection: close` and after a reused connection closes
    before any response byte; it stops when the listener refuses connections."""
    sequence = 0
    sock: socket.socket | None = None
    while not stop.is_set():
        if sock is None:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            except ConnectionRefusedError:
                with result.lock:
                    result.refused_at.append(time.time())
                return
        sequence += 1
        uri = f"/load/{worker}/{sequence}"
        try:
            status, headers = exchange(sock, verify_request_bytes(tokens[sequence % 200], uri))
        except (Unanswered, OSError) as exc:
            sock.close()
            sock = None
            with result.lock:
                (result.unanswered if isinstance(exc, Unanswered) else result.broken).append(uri)
            continue
        with result.lock:
            result.answered[uri] = status
            result.answered_at[uri] = time.time()
        if headers.get("connection") == "close":
            sock.close()
            sock = None
    if sock is not None:
        sock.close()


def pipeline_across_the_drain(port: int, slow_token: str, token: str) -> list[tuple[int, str]]:
    """One request that waits for a JWKS fetch, three more pipelined behind it."""
    payload = verify_request_bytes(slow_token, "/pipeline/0") + b"".join(
        verify_request_bytes(token, f"/pipeline/{i}") for i in (1, 2, 3)
    )
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(payload)
        pending = b""
        for _ in range(4):
            status, headers, pending = read_response(sock, pending)
            answers.append((status, headers.get("connection", "")))
        assert sock.recv(1024) == b""
    return answers


@pytest.mark.slow
def test_sigterm_under_load_drops_nothing(
    tmp_path: Path, jwks: JwksServer, key: SigningKey, next_key: SigningKey
) -> None:
    tokens = [make_token(key, claims(sub=f"auth0|user-{i}")) for i in range(200)]
    config = config_dict(jwks.url)
    config["jwks"]["fetch_timeout_seconds"] = 5  # the 1.5 s fetch below, with room to spare
    result = LoadResult()
    stop = threading.Event()
    args = [
        "--shutdown-delay",
        str(DRAIN_SECONDS),
        "--shutdown-timeout",
        str(FINISH_TIMEOUT_SECONDS),
    ]
    with service_process(tmp_path, config, args) as svc:
        workers = [
            threading.Thread(target=load_worker, args=(svc.port, tokens, i, stop, result))
            for i in range(8)
        ]
        for worker in workers:
            worker.start()
        time.sleep(0.5)
        # The next key appears; fetching it takes 1.5 s, so a request for it that arrives
        # just before the drain ends is still in flight when the service stops accepting.
        jwks.set_keys([key, next_key])
        jwks.delay_seconds = 1.5
        svc.proc.send_signal(signal.SIGTERM)
        time.sleep(DRAIN_SECONDS - 0.4)
        pipeline = pipeline_across_the_drain(svc.port, make_token(next_key), tokens[0])
        for worker in workers:
            worker.join(FINISH_TIMEOUT_SECONDS + 10)
        stop.set()
        assert svc.proc.wait(FINISH_TIMEOUT_SECONDS + 10) == 0
        events = svc.events()
    print(
        f"answered {len(result.answered)}, unanswered (never read) {len(result.unanswered)}, "
        f"broken {len(result.broken)}, refused {len(result.refused_at)}"
    )
    names = [e["event"] for e in events]
    finishing = next(e for e in events if e["event"] == "finishing")
    stopped = next(e for e in events if e["event"] == "stopped")
    decided = {e["path"]: e["status"] for e in events if e["event"] == "decision"}
    load_decided = {p: s for p, s in decided.items() if p.startswith("/load/")}
    # Nothing dropped: every request the service read was answered, completely, and reached
    # its client; every request a client saw unanswered was never read (a client retries it).
    assert stopped["unanswered"] == 0, stopped
    assert result.broken == []
    assert load_decided == result.answered
    assert not set(result.unanswered) & set(decided)
    assert len(result.unanswered) <= len(workers)  # at most the one each had in flight at close
    assert set(result.answered.values()) == {200}
    assert len(result.answered) >= 300, "too little load to mean anything"
    # Served throughout the drain; refused only once it ended.
    assert any(at > finishing["ts"] - DRAIN_SECONDS * 0.9 for at in result.answered_at.values())
    assert result.refused_at and min(result.refused_at) >= finishing["ts"] - 0.05
    # The request waiting for the JWKS was read before the drain ended, answered after it,
    # and the three behind it too; the last one closed the connection.
    assert pipeline == [(200, ""), (200, ""), (200, ""), (200, "close")]
    pipeline_ts = [e["ts"] for e in events if e["event"] == "decision"
                   and e["path"].startswith("/pipeline/")]  # fmt: skip
    assert min(pipeline_ts) > finishing["ts"]
    assert names.index("draining") < names.index("finishing") < names.index("stopped")
