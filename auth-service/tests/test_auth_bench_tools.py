"""The benchmark's own instruments work (no timing is asserted: figures belong to the bench).

The fixed-rate generator against the floor server, both real processes on loopback: every
scheduled request is sent once and answered once, and each is timed from its due time.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import verify_bench  # noqa: E402


@pytest.fixture
def floor(tmp_path: Path) -> Iterator[verify_bench.Service]:
    with verify_bench.floor(tmp_path, nice=0) as service:
        yield service


def test_fixed_rate_generator_sends_each_request_once_and_times_it(
    floor: verify_bench.Service,
) -> None:
    run = verify_bench.fixed_rate(floor.port, "t.t.t", rate=400, seconds=0.5)
    assert len(run.latencies) == len(run.lateness) == 200
    assert all(late >= 0 for late in run.lateness)
    # A response is timed from its due time, which is never after its send.
    pairs = zip(sorted(run.latencies), sorted(run.lateness), strict=True)
    assert all(latency >= late for latency, late in pairs)


def test_floor_answers_pipelined_heads_one_response_each(floor: verify_bench.Service) -> None:
    with socket.create_connection(("127.0.0.1", floor.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" * 3)
        data = b""
        while data.count(b"HTTP/1.1 200 ") < 3:
            chunk = sock.recv(4096)
            assert chunk
            data += chunk
        assert data == b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" * 3
