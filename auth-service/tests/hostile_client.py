"""A hostile HTTP client, run by the tests as its own process (so its CPU use does not share the
measuring client's interpreter): `python hostile_client.py PORT SECONDS MIB_PER_SECOND`.

It opens a connection, sends a request line and the start of a header, then streams the
header's value forever in 64 KiB writes, paced to MIB_PER_SECOND (a network-speed attacker,
not one that takes a whole CPU from everyone else on a shared test machine); whenever the
server closes the connection it notes whether a 431 arrived and opens the next one. Prints
its counts as one JSON line at the end.
"""

from __future__ import annotations

import contextlib
import json
import select
import signal
import socket
import sys
import time

CHUNK = b"a" * 65536
HEAD = b"GET /verify HTTP/1.1\r\nHost: auth\r\nX-Forwarded-Host: app.example.com\r\nX-Filler: "


def endless_header(port: int, seconds: float, mib_per_second: float, stats: dict[str, int]) -> None:
    deadline = time.monotonic() + seconds
    pace = len(CHUNK) / (mib_per_second * 1024 * 1024)  # seconds per chunk
    due = time.monotonic()
    stats.update(connections=0, bytes=0, answered_431=0, max_connection_bytes=0)
    while time.monotonic() < deadline:
        sent = 0
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                stats["connections"] += 1
                sock.sendall(HEAD)
                while time.monotonic() < deadline:
                    readable, _, _ = select.select([sock], [], [], 0)
                    if readable:
                        if sock.recv(4096).startswith(b"HTTP/1.1 431 "):
                            stats["answered_431"] += 1
                        break
                    # paced per chunk, never catching up in a burst (e.g. after SIGSTOP)
                    due = max(due + pace, time.monotonic())
                    time.sleep(max(0.0, due - time.monotonic()))
                    sock.settimeout(max(0.01, deadline - time.monotonic()))
                    sock.sendall(CHUNK)
                    sent += len(CHUNK)
        except OSError:
            pass  # reset by the server, or out of time
        finally:
            stats["bytes"] += sent
            stats["max_connection_bytes"] = max(stats["max_connection_bytes"], sent)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit


if __name__ == "__main__":
    port, seconds, rate = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    totals: dict[str, int] = {}
    signal.signal(signal.SIGINT, _stop)  # SIGINT ends the attack early; counts are still printed
    with contextlib.suppress(SystemExit):
        endless_header(port, seconds, rate, totals)
    print(json.dumps(totals), flush=True)
