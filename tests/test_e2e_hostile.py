"""End to end: one hostile value from a server or a client must not switch recording off. Through a real mitmdump,
in the worker process and in-process, three good flows, the hostile one and five good flows are all recorded."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from e2e_helpers import Mitmdump, RawServer, raw_proxy_request

pytestmark = pytest.mark.e2e

HOST = b"www.example-portal.dk"
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def _response(headers: bytes, status: bytes = b"200 OK") -> bytes:
    return b"HTTP/1.1 " + status + b"\r\n" + headers + b"Content-Length: 2\r\nConnection: close\r\n\r\nok"


def _request(path: str, *, host: bytes = HOST, ua: bytes = b"Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0") -> bytes:
    return (b"GET http://" + HOST + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nUser-Agent: " + ua
            + b"\r\nAccept: text/html\r\nConnection: close\r\n\r\n")


# case -> (the hostile response the server sends, or None; extra request header overrides)
CASES = {
    "set-cookie name not UTF-8": (_response(b"Set-Cookie: s\xe9ssion=1; Path=/\r\nContent-Type: text/html\r\n"), {}),
    "user-agent not UTF-8": (None, {"ua": b"Mozilla/5.0 \xff\xfe (evil)"}),
    "host header not UTF-8": (None, {"host": b"www.example-portal.dk\xe9"}),
    "content-type not UTF-8": (_response(b"Content-Type: text/h\xf4ml\r\n"), {}),
    "max-age past 64 bits": (_response(b"Set-Cookie: uid=1; Max-Age=99999999999999999999\r\n"), {}),
    "status code past 64 bits": (_response(b"Content-Type: text/html\r\n", b"99999999999999999999 OK"), {}),
}


@pytest.mark.parametrize("process", [True, False], ids=["worker", "in-process"])
@pytest.mark.parametrize("case", list(CASES))
def test_one_hostile_flow_never_stops_recording(tmp_path, case, process):
    response, overrides = CASES[case]
    server = RawServer({"/hostile": response} if response else {})
    db = tmp_path / "audit.sqlite"
    proxy = Mitmdump(tmp_path, _Ports(server.port), db=db,
                     extra=("--set", f"tredjepart_process={'true' if process else 'false'}"))
    try:
        answers = [raw_proxy_request(proxy.port, _request(f"/good{i}")) for i in range(3)]
        raw_proxy_request(proxy.port, _request("/hostile", **overrides))
        answers += [raw_proxy_request(proxy.port, _request(f"/good{i}")) for i in range(3, 8)]
        assert all(a.startswith(b"HTTP/1.1 200") for a in answers), answers
    finally:
        proxy.stop()
        server.close()
    rows = Database(db).query("select path, status, error from flows order by started")
    paths = [r["path"] for r in rows]
    assert len(paths) == 9, (paths, proxy.output()[-3000:])
    assert paths.count("/hostile") == 1
    assert not (tmp_path / "audit.sqlite.unsaved.jsonl").exists()
    assert "CANNOT WRITE" not in proxy.output()


class _Ports:
    """Stands in for e2e_helpers.Sites: only a plain-HTTP port (the raw server); nothing on HTTPS."""

    def __init__(self, port: int) -> None:
        self.ports = (port, port)
