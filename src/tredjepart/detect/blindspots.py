"""Blind spots: hosts the device would not talk to through the proxy, so their traffic could not be inspected.

mitmproxy calls the ``tls_failed_client`` hook when the TLS handshake between the device and the proxy fails:
typically an app that pins its server's certificate (or trusts only the system's CA store, not the user-installed
mitmproxy CA) refuses the proxy's certificate and closes the connection. Whatever that app sends to that host is
invisible to the audit. ``blind_spot`` turns one such failure into a BlindSpot record (one per session, host and
client; repeats count up) and an ``uninspectable-host`` finding (warning).

What no hook can show: connections that never reach the proxy at all (an app that ignores the system proxy
setting, a hard-coded IP, a VPN, DNS-over-HTTPS to its own resolver) and HTTP/3 over QUIC (UDP, which a regular
HTTP proxy does not carry; browsers fall back to TCP through the proxy, apps may not). See docs/detectors.md.
"""

from __future__ import annotations

from tredjepart.detect.model import BlindSpot
from tredjepart.ids import record_id
from tredjepart.rules import new_finding
from tredjepart.records import Finding
from tredjepart.sites import normalize_host, site_of

REASONS = {
    "certificate-refused": "the device does not trust the proxy's certificate for it (certificate pinning, or the "
                           "proxy's CA is not trusted by this app)",
    "disconnected-during-handshake": "the device hung up during the TLS handshake, as apps that pin certificates do",
    "tls-version": "the device and the proxy could not agree on a TLS version",
    "not-tls": "the device did not speak TLS the proxy could read",
    "handshake-failed": "the TLS handshake failed",
    "raw-stream": "the device spoke another protocol than HTTP to it (raw TCP or UDP), whose content tredjepart "
                  "records only as sizes",
}


def classify_tls_error(error: str | None) -> str | None:
    """A REASONS key for mitmproxy's client TLS error text, or None when the failure hides nothing (the client
    closed the connection before sending anything, as browsers do with spare pre-connections)."""
    e = (error or "").lower()
    if not e or "connection closed early" in e:
        return None
    if "disconnected during the handshake" in e or e == "connection closed":
        return "disconnected-during-handshake"
    if any(s in e for s in ("does not trust", "unknown ca", "bad certificate", "certificate unknown")):
        return "certificate-refused"
    if "agree on a tls version" in e or "unsupported protocol" in e:
        return "tls-version"
    if "cannot parse clienthello" in e:
        return "not-tls"
    return "handshake-failed"


def reason_of(error: str | None) -> str | None:
    """The REASONS key of a blind spot's recorded error: a raw stream's note, else a TLS failure's class."""
    return "raw-stream" if error and error.startswith("raw ") else classify_tls_error(error)


def blind_spot(session_id: str | None, host: str | None, client: str | None, error: str | None,
               when: float) -> tuple[BlindSpot, Finding] | None:
    """The blind spot and its finding for one failed client handshake, or None (see classify_tls_error).

    ``host`` is the SNI the device asked for (or the server address when it sent none), ``client`` the device's
    address, ``error`` mitmproxy's error text, ``when`` the time of the failure.
    """
    reason = reason_of(error)
    if reason is None:
        return None
    host = normalize_host(host or "") or "unknown"
    client = client or "unknown"
    spot = BlindSpot(
        id=record_id(session_id or "", "blind-spot", host, client),
        session_id=session_id,
        host=host,
        client=client,
        error=(error or "")[:500],
        first_seen=when,
        last_seen=when,
    )
    if reason == "raw-stream":
        message = (
            f"The device talked to {host} in another protocol than HTTP ({error[4:]}): tredjepart records when, "
            f"how many messages and how many bytes, but cannot read what was sent, so its content is a blind spot "
            f"of this audit. Check what the app sends there another way."
        )
    else:
        message = (
            f"The device would not talk to {host} through the proxy: {REASONS[reason]}. Its traffic to {host} "
            f"could not be inspected, so whatever it sent there (cookies, identifiers, analytics) is a blind spot "
            f"of this audit. Check the app's certificate pinning, or test {host} another way."
        )
    found = new_finding("uninspectable-host", site=site_of(host), message=message, host=host,
                        session_id=session_id, when=when,
                        details={"reason": reason, "clients": [client], "error": spot.error, "blind_spot_id": spot.id})
    return spot, found


def merge_blind_spot(known: BlindSpot | None, new: BlindSpot) -> BlindSpot:
    """``known`` with ``new`` counted in (or ``new`` when there is none yet)."""
    if known is None:
        return new
    known.count += new.count
    known.first_seen = min(known.first_seen, new.first_seen)
    known.last_seen = max(known.last_seen, new.last_seen)
    known.error = new.error or known.error
    return known
