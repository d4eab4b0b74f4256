"""Tracking without cookies the page can see: ETag tracking and bounce tracking.

**ETag tracking** (detection kind ``etag``, finding ``etag-tracking``, warning). The browser cache is storage on the
device: a server that answers with a unique ETag gets it back in If-None-Match on the next request, like a cookie.
Rule: a third-party response carries an ETag that looks like an identifier (after removing ``W/`` and quotes: at
least 8 characters, ``ETAG_MIN_ENTROPY`` bits per character, shape ``uuid``, ``hex``, ``base64`` or ``mixed``, and not
one of the formats servers derive from the file or its content: nginx/Apache mtime-size, Express
length-hash, md5/sha1/sha256 hex or base64, Azure ``0x...``, IIS ``hash:change``; shapes.tag_format), the
response is not a stylesheet, font or media file, and a later request to the same host sends that ETag back in
If-None-Match. One browser profile cannot tell a per-person tag from a per-version one; see docs/detectors.md.

**Bounce tracking** (detection kind ``bounce``, finding ``bounce-tracking``, warning). A top-level navigation is
redirected through a third-party site that sets a cookie on the way and redirects on at once, so the third party
gets a first-party cookie without the person ever seeing its page. Rule: a third-party top-level document request
(1) that a redirect from another site led to (within ``BOUNCE_WINDOW`` seconds), (2) answered with a 3xx to yet
another site, (3) with a Set-Cookie that is not a deletion, (4) on a site the person has not been shown a page of
earlier in the session (no top-level 2xx document). Signal ``redirect-back`` when it sends the person back to the
site the redirect came from, else ``redirect-through``. Single sign-on (SAML/OpenID Connect) with an existing log-in
session has the same shape: such a finding about the declared log-in provider is expected.
"""

from __future__ import annotations

from tredjepart.detect.model import Detection, detection, finding
from tredjepart.detect.state import SessionState
from tredjepart.records import Finding, Observation

ETAG_ID_FORMATS = frozenset({"uuid", "hex", "base64", "mixed"})
ETAG_MIN_LENGTH = 8
ETAG_MIN_ENTROPY = 2.5
STATIC_KINDS = frozenset({"stylesheet", "font", "media"})
BOUNCE_WINDOW = 30.0


def tag_is_identifier(tag) -> bool:
    """Whether an entity tag (observe.signals.TagFacts) looks like an identifier rather than a version."""
    return tag.format in ETAG_ID_FORMATS and tag.length >= ETAG_MIN_LENGTH and tag.entropy >= ETAG_MIN_ENTROPY


def issued_etag(obs: Observation, signals) -> tuple[str, str] | None:
    """(host, tag hash) to remember when ``obs`` is a third-party response with an identifier-like ETag."""
    rec = obs.flow
    tag = signals.etag
    if rec.party != "third" or tag is None or rec.kind in STATIC_KINDS or not tag_is_identifier(tag):
        return None
    return rec.host, tag.hash


def detect_etag(obs: Observation, signals, state: SessionState) -> tuple[list[Detection], list[Finding]]:
    """ETags issued earlier in the session and sent back now in If-None-Match (state.etags)."""
    rec = obs.flow
    if rec.party != "third" or not signals.if_none_match:
        return [], []
    detections, findings = [], []
    for tag in signals.if_none_match:
        issuer = state.etags.get((rec.host, tag.hash))
        if issuer is None or issuer == rec.id or ("etag", rec.host, tag.hash) in state.reported:
            continue
        state.reported.add(("etag", rec.host, tag.hash))
        evidence = {"etag_flow": issuer, "tag_length": tag.length, "tag_format": tag.format,
                    "tag_entropy": tag.entropy, "status": rec.status}
        detections.append(detection(rec, "etag", "etag-roundtrip", evidence, subject=tag.hash))
        message = (
            f"{rec.host} (third party {rec.site}) gave the browser an ETag that looks like an identifier "
            f"({tag.length} characters, {tag.format}) and got it back in If-None-Match: the browser cache works "
            f"like a cookie for it (ETag tracking), even where cookies are blocked or cleared."
        )
        findings.append(finding(rec, "etag-tracking", message, rec.host, evidence=[rec.id, issuer], host=rec.host,
                                tag_length=tag.length, tag_format=tag.format))
    return detections, findings


def redirect_to_remember(obs: Observation, signals) -> tuple[str, tuple[str, str, float]] | None:
    """(target host, (flow id, site, time)) when ``obs`` is a top-level navigation redirected to another site."""
    rec = obs.flow
    if not rec.top_level or rec.status is None or not 300 <= rec.status < 400:
        return None
    if not signals.location_host or signals.location_site == rec.site:
        return None
    return signals.location_host, (rec.id, rec.site, rec.started)


def detect_bounce(obs: Observation, signals, state: SessionState) -> tuple[list[Detection], list[Finding]]:
    rec = obs.flow
    if rec.party != "third" or not rec.top_level or rec.status is None or not 300 <= rec.status < 400:
        return [], []
    if not signals.location_site or signals.location_site == rec.site or rec.site in state.visited_sites:
        return [], []
    came = state.redirects.get(rec.host)
    if came is None or came[1] == rec.site or not 0 <= rec.started - came[2] <= BOUNCE_WINDOW:
        return [], []
    set_cookies = [c for c in obs.cookies if c.direction == "set" and (c.lifetime is None or c.lifetime > 0)]
    if not set_cookies:
        return [], []
    from_flow, from_site, _ = came
    signal = "redirect-back" if signals.location_site == from_site else "redirect-through"
    evidence = {
        "from_flow": from_flow, "from_site": from_site, "to_site": signals.location_site, "status": rec.status,
        "cookies_set": [c.name for c in set_cookies], "lifetimes": [c.lifetime for c in set_cookies],
    }
    det = detection(rec, "bounce", signal, evidence)
    message = (
        f"A navigation from {from_site} was bounced through third party {rec.site} ({rec.host}), which set "
        f"cookie(s) {', '.join(repr(c.name) for c in set_cookies)} and redirected on to {signals.location_site} "
        f"without showing a page (bounce tracking). If {rec.site} is the declared log-in provider, this may be "
        f"single sign-on."
    )
    return [det], [finding(rec, "bounce-tracking", message, rec.site, evidence=[from_flow, rec.id],
                           cookies=[c.name for c in set_cookies], from_sites=[from_site],
                           to_site=signals.location_site)]
