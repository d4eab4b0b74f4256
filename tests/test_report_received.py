"""What each third party received, and the evidence about hosts, in the reports (issues 11 and 14).

A walkthrough recorded by the real addon in-process with a declared test identity: the Meta pixel gets the
SHA-256 of the e-mail, Google Analytics gets the page address with the CPR number in it, a CDN on a name extending
the portal's gets the page in its Referer. The Markdown, HTML and JSON reports in Danish and English say what each
received, personal data first, and that the CDN is probably the solution's own without calling it covered; none of
the values is in any report. Then the example audit with hostile rows in ``received`` and ``hosts``.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from urllib.parse import quote

import jsonschema
import pytest
from sqlite_utils import Database

from conftest import ROOT, AddonHarness
from e2e_helpers import GIF_1X1
from test_report_html import ALLOWED_TAGS, PWN, TagCollector
from tredjepart.report import render
from tredjepart.report.example import SESSION_ID, build_example, example_owners
from tredjepart.report.hosttext import evidence_words
from tredjepart.report.i18n import Catalog
from tredjepart.report.json_report import load_schema
from tredjepart.report.model import build_report

CPR, EMAIL = "010170-1234", "Test.Person@Example.dk"
DIGEST = hashlib.sha256(EMAIL.lower().encode()).hexdigest()
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
PAGE = "https://www.example-portal.dk/ansoeg/kontanthjaelp"
SECRETS = (CPR, CPR.replace("-", ""), EMAIL, EMAIL.lower(), DIGEST, "Test Person")


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    """Session 1 sends personal data and page addresses to third parties; session 2 sends nothing recognisable."""
    tmp = tmp_path_factory.mktemp("received")
    identity = tmp / "identity.yaml"
    identity.write_text(f'name: Test Person\ncpr: "{CPR}"\nemail: {EMAIL}\n')
    h = AddonHarness(tmp, tredjepart_policy=str(ROOT / "policies" / "example-portal.yaml"),
                     tredjepart_identity=str(identity))
    page = {"User-Agent": CHROME, "Referer": PAGE}
    try:
        h.addon.session_start("Ansøg om kontanthjælp")
        h.flow(PAGE, req_headers={"User-Agent": CHROME, "Sec-Fetch-Dest": "document"},
               resp_headers={"Content-Type": "text/html"}, timestamp=time.time())
        h.flow(f"https://www.facebook.com/tr?id=1234567890&ev=PageView&ud[em]={DIGEST}",
               req_headers={**page, "Sec-Fetch-Dest": "image"}, resp_headers={"Content-Type": "image/gif"},
               resp_body=GIF_1X1, timestamp=time.time())
        h.flow("https://region1.google-analytics.com/g/collect?v=2&tid=G-TEST123&cid=123.456&en=page_view&dl="
               + quote(f"{PAGE}/sag/{CPR.replace('-', '')}"), method="POST", req_headers=page, status=204,
               timestamp=time.time())
        h.flow("https://static.example-portal-cdn.dk/fonts/portal.woff2", req_headers={**page, "Sec-Fetch-Dest": "font"},
               resp_headers={"Content-Type": "font/woff2"}, timestamp=time.time())
        h.addon.session_end()
        h.addon.session_start("Forside")  # a third party that gets nothing tredjepart recognises
        h.flow("https://cdn.stats-demo.dk/analytics.js", req_headers={"User-Agent": CHROME, "Sec-Fetch-Dest": "script"},
               resp_headers={"Content-Type": "text/javascript"}, resp_body=b"void 0", timestamp=time.time())
        h.addon.session_end()
        h.db().close()
    finally:
        h.close()
    return h.db_path


def _reports(path) -> dict[tuple[str, str], str]:
    db = Database(path)
    try:
        report = build_report(db)
        return {(fmt, lang): render(report, fmt, lang) for fmt in ("md", "html", "json") for lang in ("da", "en")}
    finally:
        db.close()


@pytest.fixture(scope="module")
def reports(audit):
    return _reports(audit)


def _session(md: str, n: int) -> str:
    return md.split(f"## Session {n}: ")[1].split("\n## ")[0]


def _section(md: str, title: str) -> str:
    return md.split(f"### {title}\n", 1)[1].split("\n### ", 1)[0]


def _party(received: str, site: str) -> str:
    return received.split(f"#### `{site}`", 1)[1].split("\n#### ", 1)[0]


def test_markdown_says_what_each_third_party_received_personal_data_first(reports):
    first = _session(reports["md", "da"], 1)
    received = _section(first, "Hvad hver tredjepart modtog")
    assert "felterne name, cpr, email (kun feltnavnene er gemt" in received
    meta = _party(received, "facebook.com")
    assert meta.index("**Personoplysninger**") < meta.index("**Id'er og sideadresser**") \
        < meta.index("**Andre oplysninger:**")
    assert ("| **E-mailadresse** | erklæret felt email | SHA-256 (hex) af e-mail, små bogstaver | "
            "forespørgselsparameteren ud\\[em\\] | høj | 1 |") in meta
    assert "| **E-mailadresse** | felt dokumenteret til det (Meta pixel (facebook.com/tr)) | – |" in meta
    assert re.search(r"^\| Henvisende side \(URL\) \| felt dokumenteret til det \(Referer header\) \| headeren "
                     r"referer \| høj \| 1 \| ansøgning, kontanthjælp \|$", meta, re.M)
    ga = _party(received, "google-analytics.com")
    assert ("| **CPR-nummer** | erklæret felt cpr | CPR-nummer uden bindestreg | forespørgselsparameteren dl | "
            "høj | 1 |") in ga
    assert "| Besøgt side (URL eller titel) |" in ga and "| Unikt id for browseren |" in ga
    # in the third party's own box, personal data on a line of its own, before the rest
    box = first.split("#### google-analytics.com: ")[1].split("\n#### ")[0]
    assert box.index("- **Modtog personoplysninger:** CPR-nummer (se") < box.index("- **Modtog:** ")

    en = _section(_session(reports["md", "en"], 1), "What each third party received")
    meta = _party(en, "facebook.com")
    assert ("| **E-mail address** | declared field email | SHA-256 (hex) of e-mail, lower case | "
            "query parameter ud\\[em\\] | high | 1 |") in meta
    assert "| **CPR number** | declared field cpr | CPR number without dash | query parameter dl |" \
        in _party(en, "google-analytics.com")


def test_a_session_with_nothing_received_has_no_section(reports):
    for lang, title in (("da", "Hvad hver tredjepart modtog"), ("en", "What each third party received")):
        second = _session(reports["md", lang], 2)
        assert "stats-demo.dk" in second and title not in second
        html = reports["html", lang]
        assert html.count(f">{title}</h3>") == 1 and 'id="s1received"' in html and 'id="s2received"' not in html
    data = json.loads(reports["json", "en"])
    assert [p["data_types"] for p in data["sessions"][1]["third_parties"]] == [[]]


def test_html_puts_personal_data_in_its_own_table(reports):
    for lang, caption, email in (("da", "Personoplysninger", "E-mailadresse"), ("en", "Personal data", "E-mail address")):
        html = reports["html", lang]
        section = html.split('id="s1received"')[1].split("<h3")[0]
        tables = re.findall(r'<table class="small( personal)?"><caption>([^<]+)</caption>', section)
        assert tables[0] == (" personal", caption)  # the first table of the first receiver is its personal data
        personal = section.split('<table class="small personal">')[1].split("</table>")[0]
        assert f"<td><strong>{email}</strong></td>" in personal
        assert 'href="#s1received"' in html


def test_json_gives_data_types_per_third_party(reports):
    data = json.loads(reports["json", "da"])
    jsonschema.Draft202012Validator(load_schema(), format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["summary"]["received_recorded"] is True and data["summary"]["probably_own_sites"] == 1
    session = data["sessions"][0]
    assert session["identity_fields"] == ["name", "cpr", "email"]
    parties = {p["site"]: p for p in session["third_parties"]}
    meta = parties["facebook.com"]["data_types"]
    assert [e["group"] for e in meta] == sorted((e["group"] for e in meta),
                                                key=["personal", "identifier", "page", "other"].index)
    declared = next(e for e in meta if e["source"] == "declared")
    assert declared["type"] == "emailAddress" and declared["field"] == "email" and declared["decoder"] is None
    assert declared["forms"] == ["SHA-256 (hex) of e-mail, lower case"] and declared["where"] == ["query ud[em]"]
    assert declared["label_da"] == "E-mailadresse" and declared["flow_count"] == 1
    decoder = next(e for e in meta if e["source"] == "decoder" and e["type"] == "emailAddress")
    assert decoder["field"] is None and decoder["reasons"][0].startswith("https://developers.facebook.com/")
    page = next(e for e in parties["google-analytics.com"]["data_types"] if e["type"] == "viewedPage")
    assert page["group"] == "page" and "kontanthjælp" in page["topics"] and page["where"] == ["query dl"]


def test_probably_own_host_is_shown_as_such_never_as_covered(reports):
    data = json.loads(reports["json", "en"])
    cdn = next(p for p in data["sessions"][0]["third_parties"] if p["site"] == "example-portal-cdn.dk")
    assert cdn["covered"] is False and cdn["state"] == "uncovered"
    assert cdn["probably_own"] == [{"host": "static.example-portal-cdn.dk", "kind": "name", "confidence": "low",
                                    "evidence": "example-portal-cdn.dk extends the name of example-portal.dk"}]
    md = _session(reports["md", "da"], 1)
    row = next(line for line in md.splitlines() if line.startswith("| `example-portal-cdn.dk` |"))
    assert "| Ikke dækket af politikken; sandsynligvis løsningens egen |" in row
    assert ("- **Sandsynligvis løsningens egen:** `static.example-portal-cdn.dk`: example-portal-cdn.dk bygger "
            "videre på navnet example-portal.dk (lav sikkerhed). Politikken afgør stadig") in md
    assert "1 tredjepart er sandsynligvis løsningens egen" in reports["md", "da"]
    html = reports["html", "en"]
    assert ('<span class="badge uncovered">Not covered by the policy</span> <span class="badge own">probably the '
            "solution&#39;s own</span>") in html
    assert "example-portal-cdn.dk extends the name of example-portal.dk (low confidence)" in html


def test_no_value_is_in_any_report(audit, reports):
    for (fmt, lang), text in reports.items():
        for secret in SECRETS:
            assert secret not in text, (fmt, lang, secret)
            assert quote(secret) not in text, (fmt, lang, secret)


def test_an_older_database_says_it_cannot_tell(audit, tmp_path):
    old = tmp_path / "old.sqlite"
    old.write_bytes(audit.read_bytes())
    db = Database(old)
    db["received"].drop()
    db.close()
    got = _reports(old)
    assert "Databasen har ingen oplysninger om, hvad tredjeparterne modtog" in _session(got["md", "da"], 1)
    assert "The database has no record of what third parties received" in got["html", "en"]
    data = json.loads(got["json", "en"])
    assert data["summary"]["received_recorded"] is False
    assert all(p["data_types"] == [] for s in data["sessions"] for p in s["third_parties"])


# -- hostile rows ------------------------------------------------------------------------------------------------

HOST = 'px.sporing-demo.com"><img src=x onerror=alert(1)>'


def hostile_received_db() -> Database:
    """The example audit with rows in ``received`` and ``hosts`` whose every text is hostile, as a database from
    elsewhere could hold; video-demo.dk's owner unknown, with an owner suggested by its certificate."""
    db = Database(memory=True)
    build_example(db)
    db.execute("update sessions set identity_fields = ?", [json.dumps(["email", "a.person@example.dk", PWN,
                                                                       "other.case_number"])])
    flows = {r["site"]: r for r in db.query("select * from flows where party = 'third' order by started")}
    rows = []
    for n, (typ, place, source, form, field, decoder) in enumerate([
            ("emailAddress", "query <b>em</b>|x", "declared", PWN + " | cell", "email", None),
            ("cprNumber", "body " + PWN, "pattern", "CPR number with dash", "cpr", None),
            ("viewedPage", "header referer", "decoder", None, None, "<script>alert('decoder')</script>"),
            (PWN, "query [click](javascript:alert(5))", "decoder", None, None, "x"),
            ("screenWidth", "query sw`", "decoder", None, None, "<i>")]):
        f = flows["sporing-demo.com"]
        rows.append({"id": f"r{n}", "session_id": SESSION_ID, "flow_id": f["id"], "step_id": f["step_id"],
                     "time": f["started"], "site": f["site"], "host": f["host"], "type": typ, "label": "x",
                     "place": place, "source": source, "confidence": "high" if n else "<b>",
                     "form": form, "field": field, "decoder": decoder,
                     "reason": "javascript:alert(6)" if decoder else None,
                     "topics": json.dumps([PWN, "kontanthjælp"]) if typ == "viewedPage" else None})
    db["received"].insert_all(rows)
    video = flows["video-demo.dk"]
    db.execute("update flows set entity = null where site = 'video-demo.dk'")
    db["hosts"].insert_all([
        {"id": "h1", "session_id": SESSION_ID, "host": HOST, "site": "sporing-demo.com", "first_seen": 1.0,
         "own_kind": "certificate", "own_confidence": "medium",
         "own_evidence": f"its certificate names both {HOST} and example-portal.dk (2 sites in all, issued to "
                         f"'{PWN}')"},
        {"id": "h2", "session_id": SESSION_ID, "host": video["host"], "site": "video-demo.dk", "first_seen": 2.0,
         "cert_owner": "<script>alert('owner')</script> Inc.", "cert_confidence": "medium",
         "cert_evidence": f"the certificate of {video['host']} is issued to '{PWN}' (organisation-validated)"}])
    db.conn.commit()
    return db


@pytest.fixture(scope="module")
def hostile():
    report = build_report(hostile_received_db(), entities=None)
    return {(fmt, lang): render(report, fmt, lang) for fmt in ("md", "html", "json") for lang in ("da", "en")}


def _outside_code_spans(md: str) -> str:
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", md)


def test_hostile_received_and_hosts_rows_stay_text_in_html(hostile):
    for lang in ("da", "en"):
        html = hostile["html", lang]
        assert "<script" not in html.lower() and "<img" not in html.lower() and "<b>" not in html
        parser = TagCollector()
        parser.feed(html)
        for tag, attrs in parser.tags:
            assert tag in ALLOWED_TAGS, f"unexpected element <{tag}>"
            assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert "javascript:" not in re.sub(r">[^<]*<", "><", html)  # never in an attribute
        assert "&lt;script&gt;alert(&#39;owner&#39;)&lt;/script&gt; Inc." in html  # the suggested owner, as text
        assert "a.person@example.dk" not in html  # a value in identity_fields is never shown


def test_hostile_received_and_hosts_rows_stay_text_in_markdown(hostile):
    for lang in ("da", "en"):
        md = hostile["md", lang]
        outside = _outside_code_spans(md)
        assert not re.search(r"(?<!\\)<", outside), "an unescaped '<' outside a code span"
        assert not re.search(r"(?<!\\)\]\(", outside), "a link could be formed"
        assert "a.person@example.dk" not in md
        for line in md.splitlines():  # every table row keeps its header's cells
            if line.startswith("| ") and "\\|" in line:
                header = next(h for h in md[:md.index(line)].splitlines()[::-1] if h.startswith("|---"))
                assert len(re.findall(r"(?<!\\)\|", line)) == header.count("|"), line
    da = hostile["md", "da"]
    received = _section(_session(da, 1), "Hvad hver tredjepart modtog")
    assert "felterne email, other.case\\_number (kun" in received
    assert "sandsynligvis \\<script\\>alert('owner')\\</script\\> Inc. (certifikat)" in da


def test_hostile_rows_keep_the_json_valid(hostile):
    data = json.loads(hostile["json", "en"])
    jsonschema.Draft202012Validator(load_schema(), format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["sessions"][0]["identity_fields"] == ["email", "other.case_number"]
    parties = {p["site"]: p for p in data["sessions"][0]["third_parties"]}
    assert parties["sporing-demo.com"]["probably_own"][0]["host"] == HOST
    assert parties["video-demo.dk"]["suggested_owners"][0]["owner"] == "<script>alert('owner')</script> Inc."


# -- the evidence sentences in Danish --------------------------------------------------------------------------

def test_every_evidence_sentence_the_recorder_writes_is_said_in_danish():
    from tredjepart.entities import Entities, Entity, Layer, Service
    from tredjepart.entities.certowner import owner_from_certificate
    from tredjepart.entities.certs import CertFacts
    from tredjepart.entities.own import from_certificate, from_cname, from_declared, from_name, from_owner

    group = Entity("Demo Group", None, "DK", ("analytics",), origin="test")
    portal, cdn = Entity("Portal A/S", "Demo Group", "DK", (), origin="test"), \
        Entity("Portal CDN ApS", "Demo Group", "DK", (), origin="test")
    hotjar = Entity("Hotjar Ltd", None, "MT", ("analytics",), origin="test")
    entities = Entities([Layer.build("test", [("portal.dk", Service(portal)), ("portalcdn.dk", Service(cdn)),
                                              ("same.dk", Service(portal)), ("hotjar.com", Service(hotjar)),
                                              ("hotjar.io", Service(hotjar)), ("group.dk", Service(group))])])
    few = CertFacts(None, None, ("static.other.dk", "portal.dk"))
    org = CertFacts(None, "Portal A/S", ("x.other.dk",))
    sentences = [
        from_declared("a.other.dk", "portal.dk", ["other.dk"]),
        from_owner("www.same.dk", "portal.dk", entities),
        from_owner("www.portalcdn.dk", "portal.dk", entities),
        from_certificate("x.other.dk", "portal.dk", org, CertFacts(None, "Portal A/S", ("portal.dk",))),
        from_certificate("x.other.dk", "portal.dk", org, None, entities),
        from_certificate("static.other.dk", "portal.dk", few),
        from_certificate("static.other.dk", "portal.dk", None, few),
        from_cname("cdn.other.dk", "portal.dk", "edge.portal.dk"),
        from_name("www.portal-cdn.dk", "portal.dk"),
        from_name("www.portal.se", "portal.dk"),
        owner_from_certificate("t.hotjar.dk", CertFacts(None, "Hotjar Ltd", ("t.hotjar.dk",)), entities),
        owner_from_certificate("t.hj.dk", CertFacts(None, None, ("t.hj.dk", "hotjar.com", "hotjar.io")), entities),
    ]
    da = Catalog("da")
    for found in sentences:
        assert found is not None
        said = evidence_words(found.evidence, da)
        assert said != found.evidence, f"not said in Danish: {found.evidence!r}"
        assert not re.search(r"\b(the|and|of|its|is)\b", said), said
