"""A small FICTIONAL audit for the sample reports, the docs and the tests: not captured traffic.

One walkthrough of Eksempelportalen (example-portal.dk, the fictional solution of policies/example-portal.yaml)
in Firefox: a Cookiebot-like consent platform (cookieconsent-demo.dk), Siteimprove-like analytics
(stats-demo.dk, under a written agreement; its script writes the cookie ``_sd_uid`` on the portal's own domain), a
YouTube-like video embed (video-demo.dk, opt-out, but it sets a
cookie its entry does not allow), MitID log-in, and an undeclared tracker (sporing-demo.com) that fires before
consent and after the citizen rejected it. Rows are written straight into the real schema.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from urllib.parse import urlsplit

from sqlite_utils import Database

from tredjepart.entities import Entities, Entity, Layer, Sdk
from tredjepart.hashing import entropy, key_id, keyed_hash
from tredjepart.store.db import read_key
from tredjepart.store.schema import migrate

T0 = 1762160400.0  # 2025-11-03 09:00:00 UTC (10:00 in Copenhagen)
SESSION_ID = "5e55a0e1c0de4d0b8a11f00dbeefcafe"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:144.0) Gecko/20100101 Firefox/144.0"
STEPS = [(0, "forside"), (40, "samtykke: afvis"), (95, "login med MitID"), (180, "ansøgning"), (300, "hjælp: video")]
END = 420.0

# site -> (policy entry, basis, owner, country, categories); fictional except MitID/NemLog-in.
PARTIES = {
    "cookieconsent-demo.dk": ("CookieConsent Demo", "technically_necessary", "CookieConsent Demo ApS", "DK",
                              ("consent",)),
    "stats-demo.dk": ("Stats Demo", "written_agreement", "Stats Demo A/S", "DK", ("analytics",)),
    "video-demo.dk": ("Video Demo", "opt_out", "Video Demo Inc.", "US", ("video",)),
    "mitid.dk": ("MitID and NemLog-in", "technically_necessary", "Digitaliseringsstyrelsen", "DK", ("login",)),
    "nemlog-in.dk": ("MitID and NemLog-in", "technically_necessary", "Digitaliseringsstyrelsen", "DK", ("login",)),
    "sporing-demo.com": (None, None, "Sporing Demo Ltd.", "GB", ("advertising", "analytics")),
}

# (seconds after T0, method, URL, kind, status, content type); the step is the one current at that time.
FLOWS = [
    (1.0, "GET", "https://www.example-portal.dk/", "document", 200, "text/html"),
    (1.3, "GET", "https://www.example-portal.dk/static/app.js", "script", 200, "text/javascript"),
    (1.4, "GET", "https://www.example-portal.dk/static/site.css", "stylesheet", 200, "text/css"),
    (1.6, "GET", "https://cdn.cookieconsent-demo.dk/uc.js?cbid=", "script", 200, "text/javascript"),
    (1.9, "GET", "https://cdn.stats-demo.dk/analytics.js?site=", "script", 200, "text/javascript"),
    (2.2, "GET", "https://px.sporing-demo.com/p.gif?uid=&ref=", "image", 200, "image/gif"),
    (2.5, "POST", "https://collect.stats-demo.dk/ping?id=", "beacon", 204, None),
    (3.0, "GET", "https://detectportal.firefox.com/canonical.html", "other", 200, "text/html"),
    (12.0, "GET", "https://api.example-portal.dk/v1/news", "xhr", 200, "application/json"),
    (41.0, "POST", "https://consent.cookieconsent-demo.dk/api/consent", "xhr", 200, "application/json"),
    (42.0, "GET", "https://px.sporing-demo.com/p.gif?uid=&ev=", "image", 200, "image/gif"),
    (43.0, "POST", "https://collect.stats-demo.dk/ping?id=", "beacon", 204, None),
    (96.0, "GET", "https://www.example-portal.dk/login", "document", 302, "text/html"),
    (97.0, "GET", "https://login.nemlog-in.dk/login?SAMLRequest=", "document", 200, "text/html"),
    (97.5, "GET", "https://login.nemlog-in.dk/js/login.js", "script", 200, "text/javascript"),
    (110.0, "POST", "https://mitid.dk/api/authenticate", "xhr", 200, "application/json"),
    (150.0, "POST", "https://login.nemlog-in.dk/sso/response", "document", 302, "text/html"),
    (151.0, "GET", "https://www.example-portal.dk/min-side", "document", 200, "text/html"),
    (151.5, "POST", "https://collect.stats-demo.dk/ping?id=", "beacon", 204, None),
    (181.0, "GET", "https://www.example-portal.dk/ansoeg", "document", 200, "text/html"),
    (182.0, "POST", "https://api.example-portal.dk/v1/ansoegning", "xhr", 201, "application/json"),
    (183.0, "GET", "https://sync.sporing-demo.com/match?partner=&uid=", "xhr", 200, "application/json"),
    (240.0, "POST", "https://collect.stats-demo.dk/ping?id=", "beacon", 204, None),
    (301.0, "GET", "https://www.example-portal.dk/hjaelp", "document", 200, "text/html"),
    (302.0, "GET", "https://www.video-demo.dk/embed/intro-2025", "document", 200, "text/html"),
    (302.4, "GET", "https://static.video-demo.dk/player.js", "script", 200, "text/javascript"),
    (303.0, "GET", "https://media.video-demo.dk/v/intro-2025.mp4", "media", 206, "video/mp4"),
    (330.0, "POST", "https://www.video-demo.dk/api/stats?vid=", "xhr", 204, None),
    (360.0, "GET", "https://push.services.mozilla.com/", "websocket", 101, None),
]

# (flow's URL prefix, direction, name, lifetime, value); each is attached to the first flow whose URL starts so.
COOKIES = [
    ("https://www.example-portal.dk/", "set", "portal_session", None, "s3ss10n-abc"),
    ("https://api.example-portal.dk/v1/news", "sent", "portal_session", None, "s3ss10n-abc"),
    ("https://api.example-portal.dk/v1/news", "sent", "_sd_uid", None, "SD1.1.784512.1762160402"),
    ("https://px.sporing-demo.com/p.gif?uid=&ref=", "set", "_sp_id", 2 * 365 * 86400, "a8f3k2l9q0x7m1"),
    ("https://px.sporing-demo.com/p.gif?uid=&ev=", "sent", "_sp_id", None, "a8f3k2l9q0x7m1"),
    ("https://consent.cookieconsent-demo.dk/", "set", "CookieConsent", 400 * 86400, "{stamp:'-1',necessary:true}"),
    ("https://collect.stats-demo.dk/", "set", "sid_stats", 365 * 86400, "7f1c0e9a"),
    ("https://login.nemlog-in.dk/login", "set", "NemLoginSession", None, "nl-9d8c7b6a"),
    ("https://www.video-demo.dk/embed/", "set", "VISITOR_INFO1", 180 * 86400, "vX9-qq8Lm"),
]

SCRIPTS = {"/static/app.js": "app", "/uc.js": "consent v2.104", "/analytics.js": "stats 5.1",
           "/js/login.js": "nemlog-in 3", "/player.js": "player 12.0"}

FINDINGS = [
    ("undeclared-third-party", "error", "sporing-demo.com", None, "",
     "Third party sporing-demo.com is not declared in the policy of Eksempelportalen (no technically necessary "
     "purpose, written agreement or opt-out); first seen: an image from px.sporing-demo.com."),
    ("kind-not-allowed", "error", "video-demo.dk", None, "cookie_set",
     "Video Demo (video-demo.dk) was seen with a cookie it set (kind 'cookie_set'), which its policy entry does "
     "not allow (allowed: document, font, image, media, script, stylesheet, xhr); first seen at www.video-demo.dk."),
    ("necessary-but-tracking", "warning", "cookieconsent-demo.dk", None, "cookie:CookieConsent",
     "CookieConsent Demo is declared technically necessary (the cookie consent banner and storing the citizen's "
     "choice), but consent.cookieconsent-demo.dk sets cookie 'CookieConsent' that lives 400 days, longer than a "
     "year."),
]


# The facts beyond subject, hosts, kinds, party and basis that the recorder keeps with each finding.
DETAILS = {
    "undeclared-third-party": {"solution": "Eksempelportalen", "summary": "not declared"},
    "kind-not-allowed": {"allowed": ["document", "font", "image", "media", "script", "stylesheet", "xhr"],
                         "summary": "kind 'cookie_set' is not allowed for it"},
    "necessary-but-tracking": {"purpose": "the cookie consent banner and storing the citizen's choice",
                               "lifetime": 400 * 86400, "cookie_host": "consent.cookieconsent-demo.dk",
                               "summary": "cookie 'CookieConsent' lives 400 days"},
}


# Fictional services of the owners above (what a host is for), with the hosts they answer on.
SERVICES = {"Stats Demo A/S": ("Stats Demo Analytics", ("stats-demo.dk",)),
            "Video Demo Inc.": ("Video Demo Player", ("video-demo.dk",))}
PARENTS = {"Video Demo Inc.": "Demo Media Group Inc."}


def example_owners() -> Entities:
    """The fictional owners above as owners data (``tredjepart.entities.Entities``), with parents and services."""
    owners = {p[2]: Entity(p[2], PARENTS.get(p[2]), p[3], p[4], origin="example") for p in PARTIES.values()}
    sdks = [Sdk(name, owners[owner], hosts) for owner, (name, hosts) in SERVICES.items()]
    return Entities([Layer.build("example", [(site, owners[p[2]]) for site, p in PARTIES.items()], sdks)])


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
