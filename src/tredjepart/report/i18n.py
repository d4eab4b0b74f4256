"""Every word a report says, in Danish and English, and the formatting of times, lifetimes and counts.

Keys map to ``(da, en)``. Values from traffic are never part of a catalogue string's format: they are passed as
arguments and escaped by the renderer (Jinja's autoescape, or the Markdown filters).
"""

from __future__ import annotations

from tredjepart.report.formatting import Formatting
from tredjepart.report.receivedwords import CONFIDENCES, WORDS
from tredjepart.report.vocabulary import (BASES, CATEGORIES, KINDS, PARTIES, PLURALS, PURPOSES, RULES, SEVERITIES,
                                          STATES)

__all__ = ["BASES", "CATEGORIES", "KINDS", "LANGS", "PARTIES", "PLURALS", "PURPOSES", "RULES", "SEVERITIES",
           "STATES", "Catalog"]

LANGS = ("da", "en")

_T: dict[str, tuple[str, str]] = {
    "title": ("Rapport om tredjeparter", "Third-party report"),
    "generated": ("Lavet {when} af {tool} {version}.", "Generated {when} by {tool} {version}."),
    "times_note": ("Tider er dansk tid ({tz}).", "Times are Danish time ({tz})."),
    "summary": ("Resumé", "Summary"),
    "sessions": ("Sessioner", "Sessions"),
    "session": ("Session", "Session"),
    "third_parties": ("Tredjeparter", "Third parties"),
    "third_party": ("Tredjepart", "Third party"),
    "uncovered": ("Ikke dækket af politikken", "Not covered by the policy"),
    "undeclared": ("Uden erklæret grundlag", "Without a declared basis"),
    "errors": ("Fejl", "Errors"),
    "warnings": ("Advarsler", "Warnings"),
    "blind_spots": ("Blinde vinkler", "Blind spots"),
    "solution": ("Løsning", "Solution"),
    "owner": ("Ansvarlig myndighed", "Responsible authority"),
    "device": ("Enhed (User-Agent)", "Device (User-Agent)"),
    "client": ("Klient", "Client"),
    "all_clients": ("alle klienter", "every client"),
    "source": ("Kilde", "Source"),
    "policy_file": ("Politikfil", "Policy file"),
    "first_party": ("Løsningens egne sites", "The solution's own sites"),
    "time_span": ("Tidsrum", "Time span"),
    "still_open": ("ikke afsluttet", "not ended"),
    "flows": ("Forespørgsler", "Requests"),
    "flow_counts": ("{total} i alt: {first} egne, {third} til tredjeparter, {background} baggrund",
                    "{total} in all: {first} own, {third} to third parties, {background} background"),
    "flow_counts_tool": (", {tool} til revisionsværktøjet selv (mitmproxys CA-side, kontrolsiden)",
                         ", {tool} to the audit tool itself (mitmproxy's CA page, the control page)"),
    "key_id": ("Hashnøglens id", "Hashing key id"),
    "steps": ("Testerens trin", "The tester's steps"),
    "no_steps": ("Testeren markerede ingen trin.", "The tester marked no steps."),
    "step": ("Trin", "Step"),
    "time": ("Tid", "Time"),
    "new_third_parties": ("Nye tredjeparter", "New third parties"),
    "before_first_step": ("(før første trin)", "(before the first step)"),
    "graph": ("Løsningen og de tredjeparter, den taler med", "The solution and the third parties it talks to"),
    "timeline": ("Tidslinje", "Timeline"),
    "timeline_own": ("løsningen selv", "the solution itself"),
    "timeline_background": ("baggrund", "background"),
    "site": ("Site", "Site"),
    "entity": ("Ejer", "Owner"),
    "country": ("Land", "Country"),
    "purpose": ("Tjeneste og formål", "Service and purpose"),
    "parent": ("moderselskab", "parent company"),
    "hosts": ("Værter", "Hosts"),
    "basis": ("Erklæret grundlag", "Declared basis"),
    "declared_as": ("Erklæret som", "Declared as"),
    "status": ("Status", "Status"),
    "holds": ("Grundlaget holder", "The basis holds"),
    "holds_not": ("Grundlaget holder ikke", "The basis does not hold"),
    "what_it_did": ("Hvad den gjorde", "What it did"),
    "sdks": ("App-SDK'er", "App SDKs"),
    "calls": ("{n} kald", "{n} calls"),
    "detected": ("Genkendt", "Recognised"),
    "scripts": ("Scripts", "Scripts"),
    "cookies": ("Cookies", "Cookies"),
    "direction": ("Retning", "Direction"),
    "dir_set": ("sat", "set"),
    "dir_sent": ("sendt", "sent"),
    "name": ("Navn", "Name"),
    "host": ("Vært", "Host"),
    "lifetime": ("Levetid", "Lifetime"),
    "flags": ("Attributter", "Attributes"),
    "size": ("Størrelse", "Size"),
    "written_by": ("Skrevet af", "Written by"),
    "origin_set": ("serveren (Set-Cookie)", "the server (Set-Cookie)"),
    "origin_script": ("et script", "a script"),
    "script_cookies": ("Cookies skrevet af scripts", "Cookies written by scripts"),
    "script_cookies_intro": (
        "Cookies, som ingen Set-Cookie i sessionen skabte: et script på siden skrev dem (document.cookie), eller "
        "de er ældre end sessionen, hvis browserprofilen ikke var frisk. Det er den »lignende teknologi«, "
        "vejledningen også omfatter, også når cookien står på løsningens eget domæne.",
        "Cookies that no Set-Cookie in the session created: a script on the page wrote them (document.cookie), "
        "or they are older than the session if the browser profile was not fresh. This is the \"similar "
        "technology\" the guidance covers too, also when the cookie sits on the solution's own domain."),
    "no_script_cookies": ("Ingen cookies skrevet af scripts.", "No cookies written by scripts."),
    "stored": ("Gemt på enheden (instrument i siden)", "Stored on the device (in-page instrument)"),
    "stored_changed": (
        "Denne session blev optaget med instrumentet i siden slået til: siderne blev ændret (et script mere, deres "
        "Content-Security-Policy udvidet for det; {pages} sider, {csp} med udvidet CSP). Det ser, hvilket script "
        "der gemmer hvad på enheden; værdierne gemmes aldrig.",
        "This session was recorded with the in-page instrument on: its pages were changed (one more script, their "
        "Content-Security-Policy widened for it; {pages} pages, {csp} with their CSP widened). It sees which "
        "script stores what on the device; the values are never stored."),
    "stored_skipped": ("HTML-svar uden instrumentet (blinde vinkler): {reasons}.",
                       "HTML responses left without the instrument (blind spots): {reasons}."),
    "stored_none": ("Ingen scripts gemte eller læste noget på enheden.", "No script stored or read anything on the device."),
    "stored_by": ("Scripts fra {site}", "Scripts of {site}"),
    "stored_by_none": ("Intet script på kaldestakken", "No script on the call stack"),
    "storage_kind": ("Lager", "Storage"),
    "storage_key": ("Navn", "Name"),
    "storage_whose": ("Hvis lager", "Whose storage"),
    "storage_ops": ("Handlinger", "Operations"),
    "storage_scripts": ("Scripts", "Scripts"),
    "storage_count": ("Antal", "Count"),
    "started": ("Forespørgsler til andre sites, startet af sidens scripts", "Requests to other sites, started by the page's scripts"),
    "started_to": ("Til site", "To site"),
    "started_by": ("Startet af script", "Started by script"),
    "started_kinds": ("Måde", "How"),
    "known_writer": ("skrevet af (set af instrumentet i siden):", "written by (seen by the in-page instrument):"),
    "sent_to": ("Sendt til", "Sent to"),
    "party_col": ("Part", "Party"),
    "first_sent": ("Først sendt", "First sent"),
    "candidates": ("Mulige forfattere (tredjepartsscripts indlæst før)",
                   "Possible writers (third-party scripts loaded before)"),
    "no_candidates": ("intet tredjepartsscript indlæst før: løsningens eget script, eller ældre end sessionen",
                      "no third-party script loaded before: the solution's own script, or older than the session"),
    "more": ("+{n} tidligere scripts", "+{n} earlier scripts"),
    "more_names": ("+{n} flere", "+{n} more"),
    "own_cookies": ("Løsningens egne cookies", "The solution's own cookies"),
    "no_own_cookies": ("Løsningens egne sites satte og fik ingen cookies.",
                       "The solution's own sites set and got no cookies."),
    "findings": ("Fund", "Findings"),
    "no_findings_here": ("Ingen fund.", "No findings."),
    "evidence": ("Bevis (forespørgsler)", "Evidence (requests)"),
    "times_seen": ("set {n} gange", "seen {n} times"),
    "session_cookie": ("sessionscookie", "session cookie"),
    "deleted": ("slettes", "deleted"),
    "seen_once": ("set én gang", "seen once"),
    "first_seen": ("Først set", "First seen"),
    "other_findings": ("Andre fund", "Other findings"),
    "background": ("Enhedens egen baggrundstrafik (tælles ikke med)",
                   "The device's own background traffic (not counted)"),
    "reason": ("Årsag", "Reason"),
    "blind_none": ("Ingen værter afviste inspektion.", "No host refused inspection."),
    "blind_unknown": ("Databasen har ingen oplysninger om blinde vinkler (en ældre version optog den).",
                      "The database has no record of blind spots (an older version recorded it)."),
    "blind_intro": ("Trafik, som proxyen ikke kunne se ind i (klienten afviste certifikatet, eller talte ikke HTTP):",
                    "Traffic the proxy could not look into (the client refused the certificate, or spoke no HTTP):"),
    "no_detections": ("Databasen har ingen detektorresultater (pixels, beacons, SDK-hændelser); kun "
                      "forespørgsler, cookies og scripts er vurderet.",
                      "The database has no detector results (pixels, beacons, SDK events); only requests, "
                      "cookies and scripts were judged."),
    "no_sessions": ("Ingen sessioner i udvalget.", "No sessions in the selection."),
    "left_out": ("{n} {sessions} med kun enhedens baggrundstrafik er udeladt (--all-sessions tager dem med).",
                 "{n} {sessions} with only the device's background traffic left out (--all-sessions includes them)."),
    "no_third_parties": ("Ingen tredjeparter set.", "No third parties seen."),
    "unknown": ("ukendt", "unknown"),
    "none": ("ingen", "none"),
    "legend": ("Forklaring", "Legend"),
    "about_bases": ("Om grundlagene", "About the bases"),
    "about_text": (
        "Vejledningen tillader en tredjepart på en af tre måder: den er teknisk nødvendig "
        "(cookiebekendtgørelsens § 4), en skriftlig aftale forhindrer den i at bruge data til egne formål, eller "
        "myndigheden har slået den brug fra med et fravalg i tjenestens indstillinger. Rapporten viser, hvad "
        "enheden faktisk talte med under gennemgangen, og om hver tredjepart er dækket af løsningens politik.",
        "The guidance allows a third party in one of three ways: it is technically necessary (the Danish "
        "cookie order, § 4), a written agreement stops it from using the data for its own purposes, or the "
        "authority switched that use off with an opt-out in the service's settings. The report shows what the "
        "device actually talked to during the walkthrough, and whether the solution's policy covers each "
        "third party."),
    "messages_note": ("Fundenes tekster er skrevet ud fra hver regel og de fakta, fundet optog; den optagne engelske "
                      "tekst står i JSON-rapporten.",
                      "Finding texts are written from each rule and the facts the finding recorded; the recorded "
                      "message is in the JSON report."),
    # verdicts
    "verdict_uncovered": ("Ikke i orden: {n} {parties} er ikke dækket af politikken",
                          "Not compliant: {n} {parties} not covered by the policy"),
    "verdict_errors": ("Ikke i orden: {n} {errors}", "Not compliant: {n} {errors}"),
    "verdict_warnings": ("Ingen fejl, men {n} {warnings} bør undersøges", "No errors, but {n} {warnings} to check"),
    "verdict_none": ("Ingen fund: ingen tredjeparter", "No findings: no third parties"),
    "verdict_ok": ("Ingen fund: alle {n} {parties} er dækket af politikken",
                   "No findings: all {n} {parties} covered by the policy"),
    "verdict_ok_one": ("Ingen fund: den ene tredjepart er dækket af politikken",
                       "No findings: the one third party is covered by the policy"),
    "verdict_blind": ("{n} {hosts} kunne ikke inspiceres.", "{n} {hosts} could not be inspected."),
    **WORDS,  # what each third party received, and the evidence about hosts (receivedwords.py)
}


class Catalog(Formatting):
    """The words of one language: ``t("key", n=2)``, plural forms, and (from Formatting) times and lifetimes."""

    def __init__(self, lang: str = "da") -> None:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r} (choose one of: {', '.join(LANGS)})")
        self.lang = lang
        self._i = LANGS.index(lang)
        super().__init__()

    def __call__(self, key: str, **kw: object) -> str:
        text = _T[key][self._i]
        return text.format(**kw) if kw else text

    def plural(self, n: int, key: str) -> str:
        one, many = PLURALS[key][self._i]
        return one if n == 1 else many

    def words(self, pair: tuple[str, str]) -> str:
        """This language's half of a ``(da, en)`` pair."""
        return pair[self._i]

    def decimal(self, x: float, places: int = 1) -> str:
        """A number with a decimal comma in Danish: "2,9"."""
        text = f"{x:.{places}f}"
        return text.replace(".", ",") if self.lang == "da" else text

    def _pick(self, table: dict, key: object) -> str:
        words = table.get(key)
        return words[self._i] if words else str(key)

    def basis(self, b: str | None) -> str:
        return self._pick(BASES, b)

    def state(self, s: str) -> str:
        return self._pick(STATES, s)

    def severity(self, s: str) -> str:
        return self._pick(SEVERITIES, s)

    def kind(self, k: str) -> str:
        return self._pick(KINDS, k)

    def rule(self, r: str) -> str:
        return self._pick(RULES, r)

    def purposes(self, purposes) -> str:
        """What hosts are for (owners.Purpose list): "Google Fonts (skrifttyper og CDN)", each said once."""
        said = []
        for p in purposes:
            purpose = self._pick(PURPOSES if p.purpose in PURPOSES else CATEGORIES, p.purpose) if p.purpose else None
            said.append(f"{p.service} ({purpose})" if p.service and purpose else p.service or purpose)
        return "; ".join(dict.fromkeys(said))

    def confidence(self, c: str | None, short: bool = False) -> str:
        """"høj sikkerhed" / "high confidence" (``short``: "høj"); an unknown value as recorded."""
        word = self._pick(CONFIDENCES, c)
        return word if short else self("with_confidence", c=word)

    def seen(self, n: int) -> str:
        return self("seen_once") if n == 1 else self("times_seen", n=n)

    def direction(self, d: str) -> str:
        return self(f"dir_{d}") if d in ("set", "sent") else d

    def party(self, p: str | None) -> str:
        return self._pick(PARTIES, p or "first")

    def origin(self, cookie) -> str:
        """Who wrote a cookie (model.Cookie.origin) in words; "–" when a sent cookie's origin is unknown."""
        return self(f"origin_{cookie.origin}") if cookie.origin else "–"

    def verdict(self, summary) -> str:
        """The plain one-line verdict of a report's summary (model.Summary)."""
        if summary.uncovered:
            n = summary.uncovered
            text = self("verdict_uncovered", n=n, parties=self.plural(n, "party"))
        elif summary.errors:
            text = self("verdict_errors", n=summary.errors, errors=self.plural(summary.errors, "error"))
        elif summary.warnings:
            text = self("verdict_warnings", n=summary.warnings, warnings=self.plural(summary.warnings, "warning"))
        elif not summary.third_parties:
            text = self("verdict_none")
        elif summary.third_parties == 1:
            text = self("verdict_ok_one")
        else:
            n = summary.third_parties
            text = self("verdict_ok", n=n, parties=self.plural(n, "party"))
        if summary.blind_spots:
            n = summary.blind_spots
            text += ". " + self("verdict_blind", n=n, hosts=self.plural(n, "host"))
        return text
