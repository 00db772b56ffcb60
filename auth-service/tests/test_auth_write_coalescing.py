"""Responses are collected per connection and written once per batch of reads, in order.

Tested at the transport boundary: a recording transport stands in for the socket, so what
leaves, when and in which order is observed exactly (the real-socket tests in
test_auth_http_server.py and test_auth_shutdown.py cover the same paths end to end).
"""

from __future__ import annotations

import asyncio
from typing import Any

from mg_auth.http_server import Connections, HttpProtocol, Limits, Request, Response


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


def echo_path(request: Request) -> Response:
    return Response(200, [("X-Path", request.target)])


def request(path: str, close: bool = False) -> bytes:
    extra = "Connection: close\r\n" if close else ""
    return f"GET {path} HTTP/1.1\r\nHost: a\r\n{extra}\r\n".encode()


def connect(connections: Connections) -> tuple[HttpProtocol, RecordingTransport]:
    protocol = HttpProtocol(echo_path, Limits(), lambda exc: None, None, connections)
    transport = RecordingTransport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol, transport


def paths(data: bytes) -> list[str]:
    lines = data.decode().split("\r\n")
    return [line.split(": ", 1)[1] for line in lines if line.startswith("X-Path")]


async def one_iteration() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


def test_a_batch_of_reads_is_written_once_per_connection_in_order() -> None:
    async def scenario() -> None:
        connections = Connections()
        first, first_out = connect(connections)
        second, second_out = connect(connections)
        first.data_received(request("/1") + request("/2") + request("/3"))
        second.data_received(request("/a"))
        assert first_out.writes == [] and second_out.writes == []  # decided, not yet written
        await one_iteration()
        assert len(first_out.writes) == 1 and paths(first_out.writes[0]) == ["/1", "/2", "/3"]
        assert len(second_out.writes) == 1 and paths(second_out.writes[0]) == ["/a"]
        first.data_received(request("/4"))
        await one_iteration()
        assert [paths(w) for w in first_out.writes] == [["/1", "/2", "/3"], ["/4"]]

    asyncio.run(scenario())


def test_collected_output_leaves_before_a_close() -> None:
    async def scenario() -> None:
        connections = Connections()
        protocol, out = connect(connections)
        # A good request, then one the client closes with: both answered, in order, then FIN.
        protocol.data_received(request("/keep") + request("/last", close=True))
        assert out.closed
        assert paths(b"".join(out.writes)) == ["/keep", "/last"]
        assert b"Connection: close" in out.writes[-1]

    asyncio.run(scenario())


def test_collected_output_leaves_before_an_error_close() -> None:
    async def scenario() -> None:
        connections = Connections()
        protocol, out = connect(connections)
        protocol.data_received(request("/ok") + b"NOT HTTP\r\n\r\n")
        assert out.closed
        data = b"".join(out.writes)
        assert data.startswith(b"HTTP/1.1 200 ") and paths(data) == ["/ok"]
        assert data.count(b"HTTP/1.1 400 ") == 1 and data.index(b" 400 ") > data.index(b" 200 ")

    asyncio.run(scenario())


def test_a_connection_lost_before_the_flush_writes_nothing() -> None:
    async def scenario() -> None:
        connections = Connections()
        protocol, out = connect(connections)
        protocol.data_received(request("/gone"))
        protocol.connection_lost(ConnectionResetError())
        await one_iteration()
        assert out.writes == []

    asyncio.run(scenario())
