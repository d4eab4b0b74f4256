"""The device talking on its own: browser and operating-system services that are no part of the solution.

A phone or a browser also calls home while a tester walks through a portal: Chromium's update, sync and safe
browsing calls, Android's and iOS's connectivity checks, push, time and app store services. These are recorded
and labelled ``background``; reports show them apart and never count them as a third party of the solution.

Two signals, either suffices:
- the host is in the list below (extensible with the ``tredjepart_background_hosts`` option);
- the wire says no page is behind the request: a browser request with ``Sec-Fetch-Site: none`` that is not a
  navigation (a user typing a URL is a navigation, a browser service fetching its config is not).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from tredjepart.sites import matches_any

# Hosts (domains with their subdomains, or globs) that only device or browser services use.
BACKGROUND_HOSTS: tuple[str, ...] = (
    # Chromium / Chrome services
    "update.googleapis.com",
    "clients1.google.com",
    "clients2.google.com",
    "clients3.google.com",
    "clients4.google.com",
    "clients6.google.com",
    "clientservices.googleapis.com",
    "safebrowsing.googleapis.com",
    "safebrowsing.google.com",
    "optimizationguide-pa.googleapis.com",
    "content-autofill.googleapis.com",
    "accounts.google.com/ListAccounts",
    "chromesyncpasswords-pa.googleapis.com",
    "chromefeedcontentsuggestions-pa.googleapis.com",
    "edgedl.me.gvt1.com",
    "redirector.gvt1.com",
    "*.gvt1.com",
    "dl.google.com",
    "android.clients.google.com",
    "connectivitycheck.gstatic.com",
    "connectivitycheck.android.com",
    "clients3.google.com",
    "play.googleapis.com",
    "play-fe.googleapis.com",
    "android.googleapis.com",
    "mtalk.google.com",
    "time.android.com",
    "www.gstatic.com/generate_204",
    # Firefox services
    "detectportal.firefox.com",
    "firefox.settings.services.mozilla.com",
    "content-signature-2.cdn.mozilla.net",
    "aus5.mozilla.org",
    "incoming.telemetry.mozilla.org",
    "push.services.mozilla.com",
    "shavar.services.mozilla.com",
    "tracking-protection.cdn.mozilla.net",
    "location.services.mozilla.com",
    # Apple services
    "captive.apple.com",
    "gsp*-ssl.ls.apple.com",
    "mesu.apple.com",
    "gdmf.apple.com",
    "time.apple.com",
    "push.apple.com",
    "*.push.apple.com",
    "init.itunes.apple.com",
    "xp.apple.com",
    "configuration.apple.com",
    "ocsp.apple.com",
    "valid.apple.com",
    "gateway.icloud.com",
    # Microsoft / Edge / Windows
    "msftconnecttest.com",
    "msftncsi.com",
    "edge.microsoft.com",
    "config.edge.skype.com",
    "smartscreen-prod.microsoft.com",
    "settings-win.data.microsoft.com",
    # Certificate status
    "ocsp.digicert.com",
    "ocsp.pki.goog",
    "ocsp.sectigo.com",
    "ocsp.globalsign.com",
    "r3.o.lencr.org",
    "*.o.lencr.org",
)


@functools.lru_cache(maxsize=16384)
def _candidates(host: str, extra_hosts: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The patterns whose host part matches ``host``, with their path prefixes (cached per host)."""
    out = []
    for pattern in (*BACKGROUND_HOSTS, *extra_hosts):
        hostpart, _, prefix = pattern.partition("/")
        if matches_any(host, (hostpart,)):
            out.append((pattern, prefix))
    return tuple(out)


def background_reason(
    host: str,
    path: str,
    *,
    sec_fetch_site: str | None,
    sec_fetch_mode: str | None,
    extra_hosts: Iterable[str] = (),
) -> str | None:
    """Why this request is the device's own background traffic, or None when it is not."""
    for pattern, prefix in _candidates(host, tuple(extra_hosts)):
        if not prefix or path.startswith("/" + prefix):
            return f"known device or browser service ({pattern})"
    if (sec_fetch_site or "").lower() == "none" and (sec_fetch_mode or "").lower() not in ("navigate", ""):
        return "no page behind the request (Sec-Fetch-Site: none, not a navigation)"
    return None
