"""Every rule a finding can be raised under: its id, severity and title in Danish and English, in one table, and the
one constructor of findings.

The rule ids and severities are part of the report format (docs/policy.md "Rules", docs/detectors.md,
docs/owners-and-transfers.md); the reports take their titles from here. A finding's identity within a session is
``Finding.key`` (rule, site, host, subject): ``subject`` tells apart problems of one rule on one site, such as two
kinds a party may not show (``kind-not-allowed`` for "pixel" and for "sdk").
"""

from __future__ import annotations

from dataclasses import dataclass

from tredjepart.records import Finding


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: str  # one of records.SEVERITIES
    raised_by: str  # "policy" (judging against the declared policy), "detect" (what traffic shows) or "received"
    title_da: str
    title_en: str


_ALL = (
    # Judging against the policy (policy.judge).
    Rule("undeclared-third-party", "error", "policy",
         "Tredjepart uden erklæret grundlag", "Third party without a declared basis"),
    Rule("kind-not-allowed", "error", "policy",
         "Adfærd, som politikken ikke tillader", "Behaviour the policy does not allow"),
    Rule("agreement-expired", "error", "policy",
         "Den skriftlige aftale er udløbet", "The written agreement has expired"),
    Rule("opt-out-unverified", "warning", "policy",
         "Fravalget er ikke efterprøvet inden for et år", "The opt-out was not verified within a year"),
    Rule("necessary-but-tracking", "warning", "policy",
         "Teknisk nødvendig, men sporer", "Technically necessary, but tracks"),
    # What traffic shows (detect).
    Rule("identifier-cookie", "warning", "detect", "Identifikator-cookie", "Identifier cookie"),
    Rule("id-sync", "warning", "detect", "ID-synkronisering", "ID syncing"),
    Rule("fingerprinting-script", "warning", "detect", "Fingerprinting-script", "Fingerprinting script"),
    Rule("uninspectable-host", "warning", "detect",
         "Vært, der ikke kunne inspiceres", "Host that could not be inspected"),
    Rule("etag-tracking", "warning", "detect", "ETag-sporing", "ETag tracking"),
    Rule("bounce-tracking", "warning", "detect", "Bounce-sporing", "Bounce tracking"),
    Rule("cname-cloaking", "warning", "detect",
         "Tredjepart skjult bag et førstepartsnavn (CNAME)", "Third party hidden behind a first-party name (CNAME)"),
    Rule("identifier-storage", "warning", "detect",
         "Identifikator gemt i løsningens localStorage af en tredjepart",
         "Identifier stored in the solution's localStorage by a third party"),
    Rule("third-country-transfer", "info", "detect",
         "Ejer med sæde uden for EU/EØS", "Owner seated outside the EU/EEA"),
    # What reached a third party (received).
    Rule("personal-data-to-third-party", "error", "received",
         "Personoplysninger sendt til en tredjepart", "Personal data sent to a third party"),
    Rule("page-url-to-third-party", "warning", "received",
         "Sideadresse, der afslører borgerens sag, sendt til en tredjepart",
         "Page address revealing the citizen's matter sent to a third party"),
)

RULES: dict[str, Rule] = {r.id: r for r in _ALL}


def severity(rule: str) -> str:
    """The severity of ``rule`` (KeyError for a rule that is not in the table: a typo must not pass silently)."""
    return RULES[rule].severity


def new_finding(rule: str, *, site: str, message: str, host: str | None = None, subject: str = "",
                evidence: list[str] | tuple[str, ...] = (), session_id: str | None = None,
                when: float | None = None, details: dict | None = None) -> Finding:
    """A Finding of ``rule`` with its severity from the table; ``subject`` goes into ``details["subject"]`` (part
    of the finding's identity), ``when`` is both its first and last sighting."""
    details = dict(details or {})
    if subject:
        details["subject"] = subject
    return Finding(rule=rule, severity=severity(rule), site=site, message=message, host=host,
                   evidence=list(evidence), session_id=session_id, first_seen=when, last_seen=when,
                   details=details)
