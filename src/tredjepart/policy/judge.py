"""Judging one third-party flow against a policy: its verdict and the findings it raises.

Pure functions over records; the rule ids and severities (rules.RULES, those raised by "policy") are part of the
public report format (docs/policy.md, "Rules").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tredjepart.policy.model import Policy, ThirdParty
from tredjepart.records import CookieRecord, Finding, FlowRecord
from tredjepart.rules import new_finding

logger = logging.getLogger(__name__)

YEAR_SECONDS = 365 * 86400
VERIFY_MAX_DAYS = 365
BEACON_KINDS = ("beacon", "ping", "pixel")

_KIND_WORDS = {
    "document": "a page", "script": "a script", "stylesheet": "a stylesheet", "image": "an image",
    "xhr": "a data request (XHR/fetch)", "beacon": "a beacon", "ping": "a ping", "websocket": "a websocket",
    "font": "a font", "media": "media", "other": "a request", "tcp": "a raw TCP connection",
    "udp": "a raw UDP connection", "dns": "a DNS lookup", "cookie_set": "a cookie it set",
    "cookie_sent": "a cookie sent to it", "js_cookie": "a cookie set by script", "pixel": "a tracking pixel",
    "sdk": "an app SDK call", "storage": "data stored on the device by script",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the policy says about one flow; all None for flows that are not judged (first party, background)."""

    covered: bool | None = None  # False: undeclared, or declared but an error-level rule fired
    party_name: str | None = None
    basis: str | None = None
    reason: str | None = None


NO_VERDICT = Verdict()


def judge_flow(
    flow: FlowRecord,
    behaviours: set[str] | frozenset[str],
    policy: Policy | None,
    cookies: list[CookieRecord] | tuple[CookieRecord, ...] = (),
) -> tuple[Verdict, list[Finding]]:
    """The verdict on ``flow`` and its findings (not yet merged; see findings.FindingSet).

    ``behaviours`` is what the flow showed (its kind plus cookie_set/cookie_sent/pixel/sdk ...); the cookies'
    directions are added to it. Only flows with ``party == "third"`` are judged.
    """
    if flow.party != "third":
        return NO_VERDICT, []
    shown = set(behaviours) | {flow.kind} | {"cookie_set" if c.direction == "set" else "cookie_sent" for c in cookies}
    shown.discard(None)
    party = policy.party_for(flow.host) if policy is not None else None
    if party is None:
        return _undeclared(flow, shown, policy)
    findings = []
    findings += _kinds_not_allowed(flow, shown, party)
    findings += _agreement_expired(flow, party)
    findings += _opt_out_unverified(flow, party)
    findings += _necessary_but_tracking(flow, shown, party, cookies)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        reason = f"declared as {party.name!r}, but {errors[0].details['summary']}"
    else:
        reason = f"declared as {party.name!r}: {party.describe_basis()}"
    return Verdict(not errors, party.name, party.basis, reason), findings


def _undeclared(flow: FlowRecord, shown: set[str], policy: Policy | None) -> tuple[Verdict, list[Finding]]:
    did = describe(flow, shown)
    if policy is None:
        reason = f"{flow.site} is not covered: no policy applies to this session"
        message = (f"Third party {flow.site} was used without any policy covering this session; "
                   f"first seen: {did}.")
    else:
        reason = f"{flow.site} is not declared in the policy of {policy.solution}"
        message = (f"Third party {flow.site} is not declared in the policy of {policy.solution} "
                   f"(no technically necessary purpose, written agreement or opt-out); first seen: {did}.")
    finding = _finding(flow, "undeclared-third-party", message, shown, party=None, summary="not declared",
                       solution=policy.solution if policy is not None else None)
    return Verdict(False, None, None, reason), [finding]


def _kinds_not_allowed(flow: FlowRecord, shown: set[str], party: ThirdParty) -> list[Finding]:
    if party.allow is None:
        return []
    out = []
    allowed = ", ".join(sorted(party.allow))
    for kind in sorted(shown - party.allow):
        message = (f"{party.name} ({flow.site}) was seen with {_KIND_WORDS.get(kind, kind)} (kind {kind!r}), "
                   f"which its policy entry does not allow (allowed: {allowed}); first seen at {flow.host}.")
        out.append(_finding(flow, "kind-not-allowed", message, shown, party, subject=kind,
                            summary=f"kind {kind!r} is not allowed for it", allowed=sorted(party.allow)))
    return out


def _agreement_expired(flow: FlowRecord, party: ThirdParty) -> list[Finding]:
    agreement = party.agreement
    if party.basis != "written_agreement" or agreement is None or agreement.expires is None:
        return []
    day = flow_date(flow)
    if agreement.expires >= day:
        return []
    message = (f"The written agreement with {party.name} ({agreement.reference}) expired on {agreement.expires}, "
               f"but {flow.site} was still used on {day}.")
    return [_finding(flow, "agreement-expired", message, set(), party,
                     summary=f"its agreement expired on {agreement.expires}",
                     expires=agreement.expires.isoformat(), reference=agreement.reference)]


def _opt_out_unverified(flow: FlowRecord, party: ThirdParty) -> list[Finding]:
    opt_out = party.opt_out
    if party.basis != "opt_out":
        return []
    verified = opt_out.verified if opt_out else None
    day = flow_date(flow)
    setting = f" ({opt_out.setting})" if opt_out and opt_out.setting else ""
    if verified is None:
        message = f"The opt-out setting of {party.name}{setting} has never been verified."
    elif (day - verified).days > VERIFY_MAX_DAYS:
        message = (f"The opt-out setting of {party.name}{setting} was last verified on {verified}, "
                   f"{(day - verified).days} days before this traffic ({day}); verify it at least once a year.")
    else:
        return []
    return [_finding(flow, "opt-out-unverified", message, set(), party, summary="its opt-out is not verified",
                     verified=verified.isoformat() if verified else None,
                     setting=opt_out.setting if opt_out else None)]


def _necessary_but_tracking(flow: FlowRecord, shown: set[str], party: ThirdParty,
                            cookies: list[CookieRecord] | tuple[CookieRecord, ...]) -> list[Finding]:
    if party.basis != "technically_necessary":
        return []
    out = []
    seen = set()
    for c in cookies:
        if c.direction != "set" or c.lifetime is None or c.lifetime <= YEAR_SECONDS or c.name in seen:
            continue
        seen.add(c.name)
        days = c.lifetime // 86400
        message = (f"{party.name} is declared technically necessary ({party.purpose}), but {c.host} sets cookie "
                   f"{c.name!r} that lives {days} days, longer than a year.")
        out.append(_finding(flow, "necessary-but-tracking", message, shown, party, subject=f"cookie:{c.name}",
                            summary=f"cookie {c.name!r} lives {days} days", lifetime=c.lifetime,
                            purpose=party.purpose, cookie_host=c.host))
    for kind in BEACON_KINDS:
        if kind in shown:
            message = (f"{party.name} is declared technically necessary ({party.purpose}), but {flow.host} "
                       f"was sent {_KIND_WORDS[kind]} (kind {kind!r}), the way trackers report back.")
            out.append(_finding(flow, "necessary-but-tracking", message, shown, party, subject=kind,
                                summary=f"it was sent {_KIND_WORDS[kind]}", purpose=party.purpose))
    return out


def _finding(flow: FlowRecord, rule: str, message: str, shown: set[str], party: ThirdParty | None,
             subject: str | None = None, **details) -> Finding:
    details.update(hosts=[flow.host], kinds=sorted(shown))
    if party is not None:
        details.update(party=party.name, basis=party.basis)
    return new_finding(rule, site=flow.site, message=message, subject=subject or "", evidence=[flow.id],
                       session_id=flow.session_id, when=flow.started, details=details)


def flow_date(flow: FlowRecord) -> date:
    """The UTC calendar day of the flow."""
    return datetime.fromtimestamp(flow.started, UTC).date()


def describe(flow: FlowRecord, shown: set[str]) -> str:
    """What a flow did, in words: "a script from cdn.stats-demo.dk, with a cookie it set"."""
    main = _KIND_WORDS.get(flow.kind, flow.kind)
    extras = [_KIND_WORDS.get(k, k) for k in sorted(shown) if k != flow.kind]
    text = f"{main} from {flow.host}"
    return text + (f", with {', '.join(extras)}" if extras else "")
