"""Flows that are no HTTP request: TCP, UDP, DNS and WebSocket messages, recorded as what they are."""

from __future__ import annotations

from mitmproxy.test import tflow
from sqlite_utils import Database

from tredjepart.observe.streams import stream_facts, stream_record
from tredjepart.policy import parse_policy
from tredjepart.record.api import open_recorder
from tredjepart.record.wire import Settings


def test_facts_of_each_kind():
    tcp = tflow.ttcpflow()
    tcp.metadata["tredjepart_target"] = ("mqtt.tracker-demo.com", 1883)
    f = stream_facts(tcp)
    assert (f.kind, f.host, f.port, f.messages_up, f.messages_down) == ("tcp", "mqtt.tracker-demo.com", 1883, 1, 1)
    assert f.bytes_up == len(tcp.messages[0].content)
    assert stream_facts(tflow.tudpflow()).kind == "udp"
    dns = stream_facts(tflow.tdnsflow())
    assert (dns.kind, dns.host, dns.scheme) == ("dns", "dns.google", "dns")
    ws = stream_facts(tflow.twebsocketflow())
    assert (ws.kind, ws.scheme, ws.host, ws.messages_up + ws.messages_down) == ("websocket", "ws", "example.com", 3)
    assert stream_facts(tflow.tflow(resp=True)) is None  # a plain HTTP flow is no stream


def test_record_keeps_sizes_not_content():
    tcp = tflow.ttcpflow()
    tcp.metadata["tredjepart_target"] = ("mqtt.tracker-demo.com", 1883)
    rec = stream_record(stream_facts(tcp), "s1")
    assert (rec.kind, rec.method, rec.url, rec.site) == ("tcp", "TCP", "tcp://mqtt.tracker-demo.com:1883/",
                                                         "tracker-demo.com")
    assert all(m.content not in repr(rec).encode() for m in tcp.messages)


def test_streams_are_judged_and_raw_ones_are_blind_spots(tmp_path):
    policy, _ = parse_policy("solution: Demo\nfirst_party: [example-portal.dk]\n", "p.yaml")
    rec = open_recorder(Settings(str(tmp_path / "a.sqlite"), [policy]))
    tcp = tflow.ttcpflow()
    tcp.metadata["tredjepart_target"] = ("mqtt.tracker-demo.com", 1883)
    rec.record_stream(tcp)
    rec.record_stream(tflow.tdnsflow())
    rec.close()
    db = Database(tmp_path / "a.sqlite")
    kinds = {f["kind"]: (f["party"], f["covered"]) for f in db.table("flows").rows}
    assert kinds == {"tcp": ("third", 0), "dns": ("third", 0)}
    assert [b["host"] for b in db.table("blind_spots").rows] == ["mqtt.tracker-demo.com"]  # DNS is readable
    assert {f["rule"] for f in db.table("findings").rows} >= {"undeclared-third-party", "uninspectable-host"}


def _ws_to_tracker(message: bytes):
    from mitmproxy import websocket

    f = tflow.twebsocketflow()
    f.request.host = "live.chat-tracker-demo.com"
    f.websocket.messages = [websocket.WebSocketMessage(1, True, message, 1_700_000_001.0),
                            websocket.WebSocketMessage(1, False, b'{"ok":true}', 1_700_000_002.0)]
    return f


import pytest  # noqa: E402


@pytest.mark.parametrize("process", [False, True], ids=["in-thread", "worker"])
def test_what_a_websocket_client_sent_a_third_party_is_found_not_stored(tmp_path, process):
    """The declared test person's e-mail in a WebSocket message from the client to a third party: a received row
    and a personal-data finding, live in both transports, and nothing of the value in the database."""
    ident = tmp_path / "me.yaml"
    ident.write_text("email: jens.hansen@example.dk\n")
    policy, _ = parse_policy("solution: Demo\nfirst_party: [example-portal.dk]\n", "p.yaml")
    rec = open_recorder(Settings(str(tmp_path / "a.sqlite"), [policy], identity=str(ident)), process=process)
    rec.record_stream(_ws_to_tracker(b'{"type":"identify","user":{"mail":"Jens.Hansen@example.dk"}}'))
    rec.close()
    db = Database(tmp_path / "a.sqlite")
    rows = list(db.table("received").rows)
    assert [(r["field"], r["source"], r["place"].split()[0]) for r in rows] == [("email", "declared", "websocket")], rows
    assert "personal-data-to-third-party" in {f["rule"] for f in db.table("findings").rows}
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("a.sqlite*"))
    assert b"jens.hansen" not in raw.lower() and b"example.dk" not in raw.replace(b"example-portal.dk", b"")
