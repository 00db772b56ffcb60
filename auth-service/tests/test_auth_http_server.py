"""The HTTP layer: keep-alive and pipelining order, limits, fail-closed on exceptions."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from mg_auth.http_server import Handler, Limits, Listener, Request, Response, serve
from mg_auth_testkit import (
    JwksServer,
    RunningService,
    SigningKey,
    config_dict,
    make_token,
    running_service,
    verify_request_bytes,
)


def answer_200(request: Request) -> Response:
    return Response(200)


@contextmanager
def bare_server(
    svc: RunningService, handler: Handler = answer_200, limits: Limits | None = None
) -> Iterator[int]:
    """The HTTP layer alone with `handler`, on the service's event loop; yields its port."""

    async def start() -> Listener:
        return await serve(handler, "127.0.0.1", 0, lambda exc: None, limits)

    server = svc.call(start())
    try:
        yield server.port
    finally:
        svc.loop.call_soon_threadsafe(server.close)


def raw_exchange(port: int, payload: bytes, expect_responses: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(payload)
        data = b""
        while data.count(b"HTTP/1.1 ") < expect_responses:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_pipelined_responses_keep_request_order(
    jwks: JwksServer, key: SigningKey, next_key: SigningKey
) -> None:
    with running_service(config_dict(jwks.url)) as svc:
        jwks.set_keys([key, next_key])
        jwks.delay_seconds = 0.2
        # 1: needs a JWKS refresh (slow path), 2-3: fast path, 4: 401; all on one connection.
        payload = (
            verify_request_bytes(make_token(next_key), "/one")
            + verify_request_bytes(make_token(key), "/two")
            + verify_request_bytes(None, "/three/health")
            + verify_request_bytes(None, "/four", close=True)
        )
        data = raw_exchange(svc.port, payload, 4)
        statuses = [int(part[:3]) for part in data.split(b"HTTP/1.1 ")[1:]]
        assert statuses == [200, 200, 401, 401]
        paths = [e["path"] for e in svc.log.events if e["event"] == "decision"]
        # The later requests wait behind the slow one: decided (and answered) in order.
        assert paths == ["/one", "/two", "/three/health", "/four"]


def test_malformed_http_is_400_and_closed(svc: RunningService) -> None:
    data = raw_exchange(svc.port, b"GARBAGE\r\n\r\n", 1)
    assert data.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in data


def test_oversized_headers_are_431(svc: RunningService) -> None:
    big = "GET /verify HTTP/1.1\r\nHost: a\r\n" + "".join(
        f"X-Filler-{i}: {'v' * 100}\r\n" for i in range(100)
    )
    data = raw_exchange(svc.port, (big + "\r\n").encode(), 1)
    assert data.startswith(b"HTTP/1.1 431 ")


def test_request_body_over_limit_is_413(svc: RunningService) -> None:
    body = b"x" * 10000
    head = f"POST /verify HTTP/1.1\r\nHost: a\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    assert raw_exchange(svc.port, head + body, 1).startswith(b"HTTP/1.1 413 ")


def test_http10_closes_after_response(svc: RunningService) -> None:
    data = raw_exchange(svc.port, b"GET /healthz HTTP/1.0\r\n\r\n", 1)
    assert data.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in data


def test_unknown_paths_and_methods(svc: RunningService) -> None:
    assert svc.get("/nope")[0] == 404
    assert svc.get("/healthz", method="POST")[0] == 405
    assert svc.get("/verify?x", port=svc.metrics_port)[0] == 404


@pytest.fixture
def exploding(svc: RunningService) -> Iterator[RunningService]:
    original = svc.service.verifier.verify_now

    def boom(token: str) -> object:
        raise RuntimeError("unexpected")

    svc.service.verifier.verify_now = boom  # type: ignore[method-assign,assignment]
    try:
        yield svc
    finally:
        svc.service.verifier.verify_now = original  # type: ignore[method-assign]


def test_exception_in_verify_is_a_deny(exploding: RunningService, key: SigningKey) -> None:
    code, headers, body = exploding.verify(make_token(key))
    assert code == 500 and body == b""
    assert not any(h.startswith("x-user-") for h in headers)
    assert any(e["event"] == "error" for e in exploding.log.events)


def test_exception_in_handler_is_500_not_2xx(svc: RunningService) -> None:
    def broken(request: Request) -> Response:
        raise ValueError(request.target)

    with bare_server(svc, broken) as port:
        assert svc.get("/verify", port=port)[0] == 500


def test_metrics_port_exposes_decisions_and_latency(svc: RunningService, key: SigningKey) -> None:
    token = make_token(key)
    svc.verify(token)
    svc.verify(token)
    svc.verify(None)
    code, headers, body = svc.get("/metrics", port=svc.metrics_port)
    text = body.decode()
    assert code == 200 and headers["content-type"].startswith("text/plain")
    assert 'mg_auth_decisions_total{reason="allowed",status="200"} 2.0' in text
    assert 'mg_auth_decisions_total{reason="missing_token",status="401"} 1.0' in text
    assert 'mg_auth_rule_decisions_total{rule="app",status="200"} 2.0' in text
    assert 'mg_auth_verify_latency_seconds_count{cache="hit"} 1.0' in text
    assert 'mg_auth_verify_latency_seconds_count{cache="miss"} 1.0' in text
    assert "mg_auth_token_cache_entries 1.0" in text
    assert "mg_auth_jwks_last_success_timestamp_seconds" in text
    assert 'mg_auth_jwks_fetches_total{result="success"} 1.0' in text


def test_slow_request_gets_408_and_idle_connection_is_closed(svc: RunningService) -> None:
    limits = Limits(request_timeout_seconds=0.4, keepalive_timeout_seconds=0.6)
    with bare_server(svc, limits=limits) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            slow.sendall(b"GET /verify HTTP/1.1\r\nHost: a\r\n")  # never finishes the headers
            started = time.monotonic()
            assert slow.recv(1024).startswith(b"HTTP/1.1 408 ")
            assert 0.3 < time.monotonic() - started < 2.0
        with socket.create_connection(("127.0.0.1", port), timeout=5) as idle:
            idle.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            assert idle.recv(1024).startswith(b"HTTP/1.1 200 ")
            started = time.monotonic()
            assert idle.recv(1024) == b""  # closed by the server after the keep-alive timeout
            assert 0.5 < time.monotonic() - started < 2.5


def test_connections_over_the_limit_are_refused(svc: RunningService) -> None:
    with bare_server(svc, limits=Limits(max_connections=2)) as port:
        request = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        first = socket.create_connection(("127.0.0.1", port), timeout=5)
        second = socket.create_connection(("127.0.0.1", port), timeout=5)
        for sock in (first, second):
            sock.sendall(request)
            assert sock.recv(1024).startswith(b"HTTP/1.1 200 ")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as third:
            try:
                third.sendall(request)
                assert third.recv(1024) == b""
            except ConnectionResetError:
                pass
        first.close()  # frees a slot once the server has seen the close
        deadline = time.monotonic() + 5
        while True:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as fourth:
                try:
                    fourth.sendall(request)
                    if fourth.recv(1024).startswith(b"HTTP/1.1 200 "):
                        break
                except ConnectionResetError:
                    pass
            assert time.monotonic() < deadline, "slot never freed"
            time.sleep(0.05)
        second.close()


def test_deep_pipeline_behind_a_slow_request_is_fully_answered_in_order(
    jwks: JwksServer, key: SigningKey, next_key: SigningKey
) -> None:
    with running_service(config_dict(jwks.url)) as svc:
        jwks.set_keys([key, next_key])
        jwks.delay_seconds = 0.3
        # 1 slow request (JWKS refresh) then 80 more: reading pauses at 32 queued, resumes.
        payload = verify_request_bytes(make_token(next_key), "/slow") + b"".join(
            verify_request_bytes(None, f"/health/{i}") for i in range(80)
        )
        data = raw_exchange(svc.port, payload, 81)
        assert data.count(b"HTTP/1.1 200 ") == 81
        paths = [e["path"] for e in svc.log.events if e["event"] == "decision"]
        assert paths == ["/slow"] + [f"/health/{i}" for i in range(80)]


# -- limits enforced while a head is still arriving ---------------------------------------
def answer_to_unfinished_head(port: int, payload: bytes) -> bytes:
    """Send part of a head that never ends and return what the server answers (then EOF)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


def test_request_line_over_the_limit_is_414_before_it_ends(svc: RunningService) -> None:
    answer = answer_to_unfinished_head(svc.port, b"GET /verify?" + b"a" * 9000)
    assert answer.startswith(b"HTTP/1.1 414 ") and b"Connection: close" in answer


def test_header_line_over_the_limit_is_431_before_it_ends(svc: RunningService) -> None:
    head = b"GET /verify HTTP/1.1\r\nHost: a\r\nX-Filler: " + b"a" * 17000
    assert answer_to_unfinished_head(svc.port, head).startswith(b"HTTP/1.1 431 ")


def test_head_over_the_limit_is_431_before_it_ends(svc: RunningService) -> None:
    lines = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"v" * 700) for i in range(50))
    assert len(lines) > 32768  # 50 lines: under the count limit, over the byte limit
    head = b"GET /verify HTTP/1.1\r\nHost: a\r\n" + lines
    assert answer_to_unfinished_head(svc.port, head).startswith(b"HTTP/1.1 431 ")


def test_too_many_header_lines_is_431_before_the_head_ends(svc: RunningService) -> None:
    lines = b"".join(b"X-%d: v\r\n" % i for i in range(70))
    head = b"GET /verify HTTP/1.1\r\nHost: a\r\n" + lines
    assert answer_to_unfinished_head(svc.port, head).startswith(b"HTTP/1.1 431 ")


def test_long_authorization_line_is_still_read(svc: RunningService, key: SigningKey) -> None:
    """A 12 KiB field line is within limits: the verifier, not the HTTP layer, refuses it."""
    token = make_token(key) + "A" * 11000
    code, _, _ = svc.verify(token)
    assert code == 401
    assert svc.log.events[-1]["reason"] == "token_too_large"


def test_head_arriving_in_small_pieces_is_parsed(svc: RunningService, key: SigningKey) -> None:
    payload = verify_request_bytes(make_token(key), "/x") + verify_request_bytes(
        None, "/y", close=True
    )
    with socket.create_connection(("127.0.0.1", svc.port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, len(payload), 7):
            sock.sendall(payload[i : i + 7])
            time.sleep(0.0005)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert [int(part[:3]) for part in data.split(b"HTTP/1.1 ")[1:]] == [200, 401]


def test_transfer_encoding_is_411(svc: RunningService) -> None:
    head = b"POST /verify HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert raw_exchange(svc.port, head, 1).startswith(b"HTTP/1.1 411 ")


def test_declared_body_over_limit_is_413_before_it_arrives(svc: RunningService) -> None:
    head = b"POST /verify HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n"
    assert answer_to_unfinished_head(svc.port, head).startswith(b"HTTP/1.1 413 ")


def test_body_is_framed_and_the_next_request_follows(svc: RunningService) -> None:
    payload = (
        b"POST /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 21\r\n\r\n"
        b"GET /healthz HTTP/1.1"  # body bytes that look like a request line
        b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    )
    data = raw_exchange(svc.port, payload, 2)
    assert [int(part[:3]) for part in data.split(b"HTTP/1.1 ")[1:]] == [405, 200]


def test_upgrade_request_is_400(svc: RunningService) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    data = raw_exchange(svc.port, head, 1)
    assert data.startswith(b"HTTP/1.1 400 ") and data.count(b"HTTP/1.1 ") == 1


def test_stray_line_ends_between_requests_are_not_a_request(svc: RunningService) -> None:
    limits = Limits(request_timeout_seconds=0.4, keepalive_timeout_seconds=5)
    with (
        bare_server(svc, limits=limits) as port,
        socket.create_connection(("127.0.0.1", port), timeout=5) as sock,
    ):
        sock.sendall(b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n")  # CRLF before and after
        assert sock.recv(1024).startswith(b"HTTP/1.1 200 ")
        time.sleep(1.0)  # past the request timeout: the CRLF did not start a request
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200 ")
