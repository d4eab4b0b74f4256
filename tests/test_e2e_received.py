"""What reached each third party, end to end: real headless Chromium through a real mitmdump (worker mode) on a
local portal with realistic host names. The citizen fills in a form with the declared CPR number and e-mail; an
analytics script reports the page address (with the CPR number in its path); a pixel sends the SHA-256 of the
e-mail (the Meta pixel's advanced matching); an app sends an SDK event with its advertising ID. Every one is found,
with its form and place, and none of the values is anywhere in the database files."""

from __future__ import annotations

import hashlib
import shutil
import urllib.request

import pytest
from sqlite_utils import Database

from e2e_helpers import GIF_1X1, Mitmdump, Sites

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium on PATH (.ci/run installs it)"),
]

CPR, EMAIL, AD_ID = "010170-1234", "Test.Person@Example.dk", "38400000-8cf0-11bd-b23e-10b96e40000d"
IDENTITY = f"""name: Test Person
cpr: "{CPR}"
email: {EMAIL}
phone: "+45 20 30 40 50"
"""
FORM = b"""<!doctype html><html><head><title>Ansoeg om kontanthjaelp</title></head><body>
<form action="/ansoeg/kontanthjaelp/send" method="get">
<input name="cpr" id="cpr"><input name="email" id="email"><button id="send">Send</button></form></body></html>"""
RECEIPT = b"""<!doctype html><html><head><title>Kvittering</title>
<script src="https://www.googletagmanager.com/gtag/js"></script></head><body><h1>Tak</h1>
<script>
crypto.subtle.digest('SHA-256', new TextEncoder().encode('%s'.trim().toLowerCase())).then(function (d) {
  var hex = Array.from(new Uint8Array(d)).map(function (b) { return b.toString(16).padStart(2, '0'); }).join('');
  var img = new Image();
  img.onload = img.onerror = function () { document.body.setAttribute('data-done', '1'); };
  img.src = 'https://www.facebook.com/tr?id=1234567890&ev=PageView&ud[em]=' + hex;
});
</script></body></html>""" % EMAIL.encode()
GTAG = b"""navigator.sendBeacon('https://region1.google-analytics.com/g/collect?v=2&tid=G-TEST123&en=page_view&dl='
  + encodeURIComponent(location.href) + '&dt=' + encodeURIComponent(document.title));"""
HTML, JS = [("content-type", "text/html")], [("content-type", "application/javascript")]
RECEIPT_PATH = f"/ansoeg/kontanthjaelp/sag/{CPR.replace('-', '')}/kvittering"
ROUTES = {
    "www.ydelse-portal.dk": {
        "/ansoeg/kontanthjaelp": (200, HTML, FORM),
        "/ansoeg/kontanthjaelp/send": (302, [("location", RECEIPT_PATH)], b""),
        RECEIPT_PATH: (200, HTML, RECEIPT),
    },
    "www.googletagmanager.com": {"/gtag/js": (200, JS, GTAG)},
    "region1.google-analytics.com": {"/g/collect": (204, [], b"")},
    "www.facebook.com": {"/tr": (200, [("content-type", "image/gif")], GIF_1X1)},
    "app.adjust.com": {"/session": (200, [("content-type", "application/json")], b"{}")},
}


def test_personal_data_sent_to_third_parties_is_found_and_never_stored(tmp_path):
    from playwright.sync_api import sync_playwright

    from tredjepart.crawl import CHROMIUM_ARGS

    identity = tmp_path / "identity.yaml"
    identity.write_text(IDENTITY)
    policy = tmp_path / "p.yaml"
    policy.write_text("solution: Ydelsesportalen\nfirst_party: [ydelse-portal.dk]\n")
    sites = Sites(ROUTES, tmp_path)
    db = tmp_path / "audit.sqlite"
    proxy = Mitmdump(tmp_path, sites, db=db, policy=policy, extra=("--set", f"tredjepart_identity={identity}"))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS,
                                        proxy={"server": f"http://127.0.0.1:{proxy.port}"})
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.goto("https://www.ydelse-portal.dk/ansoeg/kontanthjaelp")
            page.fill("#cpr", CPR)
            page.fill("#email", EMAIL)
            page.click("#send")
            page.wait_for_selector("body[data-done]", timeout=15000)
            page.wait_for_timeout(500)
            browser.close()
        # An app (no browser headers) reports a session to its SDK with the advertising ID in the form body.
        app = urllib.request.Request("https://app.adjust.com/session", method="POST",
                                     data=f"gps_adid={AD_ID}&os_name=android&app_token=abc123".encode(),
                                     headers={"User-Agent": "Adjust/4.33.0 (Android 13)",
                                              "Content-Type": "application/x-www-form-urlencoded"})
        proxy.opener().open(app, timeout=20).read()
    finally:
        assert proxy.stop() == 0, proxy.output()[-3000:]
        sites.close()

    data = Database(db)
    got = {(r["site"], r["type"], r["source"], r["place"]): r for r in data.table("received").rows}
    sites_types = {(site, typ, source) for site, typ, source, _ in got}
    assert ("google-analytics.com", "viewedPage", "decoder") in sites_types, sorted(got)
    cpr_in_ga = [r for k, r in got.items() if k[0] == "google-analytics.com" and r["field"] == "cpr"]
    assert cpr_in_ga and {r["source"] for r in cpr_in_ga} == {"declared"}, sorted(got)
    email = [r for k, r in got.items() if k[0] == "facebook.com" and r["field"] == "email"]
    assert email and "SHA-256" in email[0]["form"] and "ud[em]" in email[0]["place"], sorted(got)
    assert ("adjust.com", "advertisingId", "decoder") in sites_types, sorted(got)
    findings = {(f["rule"], f["site"]) for f in data.table("findings").rows}
    assert {("personal-data-to-third-party", "google-analytics.com"),
            ("personal-data-to-third-party", "facebook.com")} <= findings
    assert ("page-url-to-third-party", "google-analytics.com") in findings  # "kontanthjaelp" names the matter
    (session,) = data.table("sessions").rows
    assert session["identity_fields"] == '["name", "cpr", "email", "phone"]'
    receipt = [f["path"] for f in data.table("flows").rows if f["host"] == "www.ydelse-portal.dk"]
    assert "/ansoeg/kontanthjaelp/sag/[cpr]/kvittering" in receipt, receipt

    # None of the values, in any form the test sent, is in the database, its WAL or anything beside it.
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("audit.sqlite*"))
    digest = hashlib.sha256(EMAIL.strip().lower().encode()).hexdigest()
    for secret in (CPR, CPR.replace("-", ""), EMAIL, EMAIL.lower(), EMAIL.replace("@", "%40"), digest, AD_ID,
                   "20 30 40 50", "20304050"):
        assert secret.encode() not in raw, secret
