"""The local upstream of the benchmark: one loopback port that plays every host of bench/site_model.py.

It runs as a process of its own (``python bench/origin.py PORT``), so its CPU never counts as the proxy's, and is
as cheap as Python allows: an asyncio Protocol, keep-alive, answers prepared at start-up and found by host and
path (a 304 to a revalidation of a cacheable one). ``GET /count`` with ``Host: bench.origin`` answers how many requests it has served (the soak run reads
its progress from it). Loopback only.
"""

from __future__ import annotations

import asyncio
import sys

from site_model import EXCHANGES, response_bytes

NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
COUNT_HOST = b"bench.origin"


class Origin(asyncio.Protocol):
    answers: dict[tuple[bytes, bytes], bytes] = {
        (e.host.encode(), e.path.encode()): response_bytes(e) for e in EXCHANGES}
    not_modified: dict[tuple[bytes, bytes], bytes] = {
        (e.host.encode(), e.path.encode()): response_bytes(e, True) for e in EXCHANGES if e.cacheable}
    served = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) > 1 << 20:  # no request of ours is that large
            self.transport.close()
            return
        while (end := self.buf.find(b"\r\n\r\n")) >= 0:
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            lines = head.split(b"\r\n")
            parts = lines[0].split(b" ")
            target = parts[1] if len(parts) > 1 else b"/"
            host = b""
            revalidate = False
            for line in lines[1:]:
                name = line[:14].lower()
                if name[:5] == b"host:":
                    host = line[5:].strip().split(b":")[0].lower()
                elif name == b"if-none-match:":
                    revalidate = True
            if target.startswith(b"http://"):  # an absolute URI, should a client send one
                host, _, rest = target[7:].partition(b"/")
                target = b"/" + rest
            if host == COUNT_HOST:
                body = str(Origin.served).encode()
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                continue
            Origin.served += 1
            key = (host, target)
            answer = self.not_modified.get(key) if revalidate else None
            self.transport.write(answer or self.answers.get(key, NOT_FOUND))


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Origin, "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main(int(sys.argv[1])))
    except KeyboardInterrupt:
        pass
