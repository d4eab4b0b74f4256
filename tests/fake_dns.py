"""A name server for the end-to-end tests: the answers a test wants for the names it plays, on a local address.

mitmproxy answers the DNS of its WireGuard clients itself, from the name servers it is given
(``dns_name_servers``, addresses only, so port 53); the tests give it this one, so that nothing leaves the machine
and every name the client looks up is one the test chose.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import threading

from mitmproxy import dns


class FakeDns:
    """A DNS server on ``address``:53 that answers A queries for ``names`` (name -> IPv4 address), an empty
    answer for their other types, and NXDOMAIN for every other name; ``queries`` lists (name, type) as asked."""

    def __init__(self, names: dict[str, str], address: str) -> None:
        self.names = {n.lower(): a for n, a in names.items()}
        self.queries: list[tuple[str, int]] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 53))
        self.sock.settimeout(0.5)
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                data, peer = self.sock.recvfrom(4096)
                query = dns.DNSMessage.unpack(data)
            except (OSError, ValueError, IndexError, struct.error):  # a socket closed, or no DNS message
                continue
            q = query.question
            if q is None:
                continue
            self.queries.append((q.name.lower(), q.type))
            if q.name.lower() not in self.names:
                answer = query.fail(dns.response_codes.NXDOMAIN)
            elif q.type == dns.types.A:
                packed = ipaddress.ip_address(self.names[q.name.lower()]).packed
                answer = query.succeed([dns.ResourceRecord(q.name, q.type, q.class_, 60, packed)])
            else:
                answer = query.succeed([])
            try:
                self.sock.sendto(answer.packed, peer)
            except OSError:
                continue

    def close(self) -> None:
        self._stop = True
        self.sock.close()
