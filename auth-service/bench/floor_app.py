"""The fixed-rate measurement's floor: a server that answers every request head with a
constant `200`, on the same event loop (uvloop), core and generator as mg-auth.

Its p99 is what this machine, its loopback and the generator cost by themselves; what
mg-auth's p99 adds over it is mg-auth's own. Usage: `python floor_app.py PORT`.
"""

from __future__ import annotations

import asyncio
import sys

import uvloop

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


class Floor(asyncio.Protocol):
    def __init__(self) -> None:
        self._buf = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buf += data
        heads = self._buf.count(b"\r\n\r\n")
        if heads and self._transport is not None:
            self._buf = self._buf.rpartition(b"\r\n\r\n")[2]
            self._transport.write(RESPONSE * heads)


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Floor, "127.0.0.1", port, reuse_address=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
