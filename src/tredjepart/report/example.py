"""A small FICTIONAL audit for the sample reports, the docs and the tests: not captured traffic.

One walkthrough of Eksempelportalen (example-portal.dk, the fictional solution of policies/example-portal.yaml)
in Firefox: a Cookiebot-like consent platform (cookieconsent-demo.dk), Siteimprove-like analytics
(stats-demo.dk, under a written agreement; its script writes the cookie ``_sd_uid`` on the portal's own domain),
a YouTube-like video embed (video-demo.dk, opt-out, but it sets a cookie its entry does not allow), MitID log-in,
and an undeclared tracker (sporing-demo.com) that fires before consent and after the citizen rejected it, and gets
the hashed e-mail of the declared test identity (``example_received``). Rows are written straight into the real
schema; the data is in ``example_data``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from urllib.parse import urlsplit

from sqlite_utils import Database

from tredjepart.entities import Entities, Entity, Layer, Service
from tredjepart.hashing import entropy, key_id, keyed_hash
from tredjepart.report.example_received import write_received
from tredjepart.report.example_data import (COOKIES, DETAILS, END, FINDINGS, FLOWS, PARENTS, PARTIES, SCRIPTS,
                                            SERVICES, SESSION_ID, STEPS, T0, UA)
from tredjepart.store.db import read_key
from tredjepart.store.schema import migrate

__all__ = ["END", "SESSION_ID", "T0", "build_example", "example_owners"]


def example_owners() -> Entities:
    """The example's fictional owners as owners data (``tredjepart.entities.Entities``): parents, and per site the
    service with its purpose."""
    owners = {p[2]: Entity(p[2], PARENTS.get(p[2]), p[3], p[4], origin="example") for p in PARTIES.values()}
    services = [(site, Service(owners[p[2]], *SERVICES.get(site, (None, None)))) for site, p in PARTIES.items()]
    return Entities([Layer.build("example", services)])


def _id(*parts: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, "tredjepart-example:" + "/".join(parts)).hex


def build_example(db: Database, session_id: str = SESSION_ID, t0: float = T0, name: str | None = None,
                  fixed_key: bool = False) -> str:
    """Fill ``db`` (migrated here) with the example session; returns its id. ``fixed_key``: replace the
    database's random hashing key by a published one, so the sample files come out the same every time."""
    migrate(db)
    if fixed_key:
        fixed = hashlib.sha256(b"tredjepart example key (public, never use for a real audit)").digest()
        db.table("meta").upsert_all([{"key": "hmac_key", "value": fixed.hex()},
                                     {"key": "key_id", "value": key_id(fixed)}], pk="key")
    key, _ = read_key(db)
    kid = db.table("meta").get("key_id")["value"]
    db.table("sessions").insert({
        "id": session_id, "name": name or "Ansøg om boligstøtte, Firefox", "client": "192.0.2.10", "device": UA,
        "source": "live", "started": t0, "ended": t0 + END, "policy_file": "policies/example-portal.yaml",
        "solution": "Eksempelportalen", "owner": "Eksempelstyrelsen", "first_party": json.dumps(["example-portal.dk"]),
        "key_id": kid}, replace=True)
    steps = [{"id": _id(session_id, "step", str(n)), "session_id": session_id, "label": label, "started": t0 + at}
             for n, (at, label) in enumerate(STEPS)]
    db.table("steps").insert_all(steps, replace=True)
    flows, cookies, scripts = [], [], []
    for n, (at, method, url, kind, status, ctype) in enumerate(FLOWS):
        parts = urlsplit(url)
        host = parts.hostname or ""
        site = ".".join(host.split(".")[-2:])
        step = max((s for s in steps if s["started"] <= t0 + at), key=lambda s: s["started"])
        party = ("first" if site == "example-portal.dk"
                 else "background" if site in ("firefox.com", "mozilla.com") else "third")
        entry, basis, owner = (PARTIES[site][:3] if party == "third" else (None, None, None))
        fid = _id(session_id, "flow", str(n))
        bad_cookie = site == "video-demo.dk" and any(url.startswith(c[0]) for c in COOKIES)
        covered = None if party != "third" else int(entry is not None and not bad_cookie)
        verdict = None
        if party == "third":
            verdict = (f"{site} is not declared in the policy of Eksempelportalen" if entry is None else
                       f"declared as {entry!r}, but kind 'cookie_set' is not allowed for it" if bad_cookie else
                       f"declared as {entry!r}: {basis.replace('_', ' ')}")
        flows.append({
            "id": fid, "session_id": session_id, "step_id": step["id"], "mitm_id": _id(fid, "mitm"),
            "started": t0 + at, "method": method, "url": url, "scheme": parts.scheme, "host": host,
            "port": parts.port or 443, "path": parts.path,
            "query_names": json.dumps([q.split("=")[0] for q in parts.query.split("&") if q]), "site": site,
            "party": party, "kind": kind, "client": "browser", "status": status, "content_type": ctype,
            "request_size": 180 if method == "POST" else 0, "response_size": 43 if kind == "image" else 5120,
            "referer_site": None if n == 0 else "example-portal.dk", "top_level": int(kind == "document" and
                                                                                       party == "first"),
            "background_reason": f"known device or browser service ({host})" if party == "background" else None,
            "user_agent": UA,
            "error": None, "entity": owner, "sdk": None, "covered": covered, "party_name": entry, "basis": basis,
            "verdict": verdict})
        for prefix, direction, cname, lifetime, value in COOKIES:
            if url.startswith(prefix) and not any(c["name"] == cname and c["direction"] == direction
                                                  for c in cookies):
                cookies.append({
                    "id": _id(fid, "cookie", direction, cname), "flow_id": fid, "session_id": session_id,
                    "step_id": step["id"], "direction": direction, "name": cname, "host": host, "site": site,
                    "party": party, "domain": "." + site if direction == "set" else None, "path": "/",
                    "lifetime": lifetime if direction == "set" else None, "secure": int(direction == "set"),
                    "httponly": int(direction == "set" and cname.endswith("Session")),
                    "samesite": None if direction == "sent" else "None" if party == "third" else "Lax",
                    "partitioned": 0, "value_hash": keyed_hash(key, value), "value_length": len(value),
                    "value_entropy": round(entropy(value), 3), "value": None})
        body = next((b for p, b in SCRIPTS.items() if parts.path == p), None)
        if kind == "script" and body is not None:
            scripts.append({"id": _id(fid, "script"), "flow_id": fid, "session_id": session_id,
                            "step_id": step["id"], "url": url, "host": host, "site": site, "party": party,
                            "size": 4000 + 37 * len(body), "sha256": hashlib.sha256(body.encode()).hexdigest()})
    db.table("flows").insert_all(flows, replace=True)
    db.table("cookies").insert_all(cookies, replace=True)
    db.table("scripts").insert_all(scripts, replace=True)
    _findings(db, session_id, flows)
    _detections(db, session_id, flows)
    _blind_spot(db, session_id, t0)
    write_received(db, session_id, flows)
    return session_id


def _findings(db: Database, session_id: str, flows: list[dict]) -> None:
    rows = []
    for rule, severity, site, host, subject, message in FINDINGS:
        ev = [f for f in flows if f["site"] == site and (rule != "kind-not-allowed" or not f["covered"])]
        if rule == "necessary-but-tracking":
            ev = [f for f in ev if "consent." in f["host"]]
        rows.append({
            "id": _id(session_id, "finding", rule, site, subject), "session_id": session_id, "rule": rule,
            "severity": severity, "site": site, "host": host, "message": message,
            "evidence": json.dumps([f["id"] for f in ev]), "count": len(ev), "first_seen": ev[0]["started"],
            "last_seen": ev[-1]["started"],
            "details": json.dumps({"subject": subject, "hosts": sorted({f["host"] for f in ev}),
                                   "kinds": sorted({f["kind"] for f in ev}), "party": PARTIES[site][0],
                                   "basis": PARTIES[site][1], **DETAILS.get(rule, {})}, sort_keys=True)})
    db.table("findings").insert_all(rows, replace=True)


def _detections(db: Database, session_id: str, flows: list[dict]) -> None:
    """Pixel and beacon detections, and the cookie Stats Demo's script writes on the portal's own domain, when the
    database has the detectors' table (a later migration)."""
    table = db.table("detections")
    if not table.exists():
        return
    columns = set(table.columns_dict)
    rows = []
    for f in flows:
        kind = "pixel" if f["kind"] == "image" and "sporing" in f["site"] else "beacon" if f["kind"] == "beacon" \
            else None
        if kind:
            row = {"id": _id(f["id"], "detect", kind), "session_id": session_id, "flow_id": f["id"], "kind": kind,
                   "signal": "1x1-gif" if kind == "pixel" else "sendBeacon", "site": f["site"], "host": f["host"],
                   "evidence": "{}", "step_id": f["step_id"], "time": f["started"]}
            rows.append({k: v for k, v in row.items() if k in columns})
    sent = next(f for f in flows if f["url"] == "https://api.example-portal.dk/v1/news")
    before = [f for f in flows if f["kind"] == "script" and f["party"] == "third" and f["started"] < sent["started"]]
    evidence = {"cookie": "_sd_uid", "cookie_party": "first", "value_length": 23,
                "scripts_before": [{"flow_id": f["id"], "url": f["url"], "site": f["site"]} for f in before],
                "scripts_before_count": len(before),
                "note": "no Set-Cookie in this session created it: written by a script, or older than the session "
                        "if the browser profile was not fresh"}
    rows.append({k: v for k, v in {
        "id": _id(sent["id"], "detect", "js_cookie", "_sd_uid"), "session_id": session_id, "flow_id": sent["id"],
        "kind": "js_cookie", "signal": "document.cookie", "site": sent["site"], "host": sent["host"],
        "evidence": json.dumps(evidence), "step_id": sent["step_id"], "time": sent["started"]}.items()
        if k in columns})
    table.insert_all(rows, replace=True)


def _blind_spot(db: Database, session_id: str, t0: float) -> None:
    """Firefox pins its update service: a blind spot and its finding, when the database has the table."""
    if not db.table("blind_spots").exists():
        return
    host, error = "aus5.mozilla.org", "Client TLS handshake failed. The client does not trust the proxy's certificate"
    db.table("blind_spots").insert({
        "id": _id(session_id, "blind-spot", host), "session_id": session_id, "host": host, "client": "192.0.2.10",
        "error": error, "first_seen": t0 + 5, "last_seen": t0 + 365, "count": 3}, replace=True)
    db.table("findings").insert({
        "id": _id(session_id, "finding", "uninspectable-host", host), "session_id": session_id,
        "rule": "uninspectable-host", "severity": "warning", "site": "mozilla.org", "host": host,
        "message": f"The device would not talk to {host} through the proxy: the device does not trust the proxy's "
                   f"certificate for it (certificate pinning, or the proxy's CA is not trusted by this app). Its "
                   f"traffic to {host} could not be inspected.",
        "evidence": "[]", "count": 3, "first_seen": t0 + 5, "last_seen": t0 + 365,
        "details": json.dumps({"reason": "certificate-refused", "clients": ["192.0.2.10"]})}, replace=True)
