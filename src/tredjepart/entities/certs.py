"""What a server certificate says about who runs a host, as plain facts.

The live proxy sees the upstream certificate (mitmproxy's ``flow.server_conn.certificate_list[0]``), and a
Chrome or Playwright HAR keeps a summary of it in each entry's ``_securityDetails``. Both are reduced here to
one small dataclass, ``CertFacts``, that the evidence functions (``own.py``, ``certowner.py``) judge without
knowing where it came from. Certificates come from outside and may be hostile: names are checked, lists are
capped, and anything of the wrong type is dropped rather than trusted.

What each source can tell:

* mitmproxy: subject common name and organisation, every DNS and IP subject alternative name, the issuer's
  organisation. A certificate without a subject organisation is domain-validated (DV): it proves control of
  the names, not who the company is.
* a HAR's ``_securityDetails`` (Chrome DevTools' ``SecurityDetails``): ``subjectName`` (the common name only),
  ``sanList`` and ``issuer`` (the issuer's common name). It never carries the subject organisation, so a
  certificate read from a HAR has ``organization`` None and its ``source`` says so.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from tredjepart.sites import is_ip, normalize_host, site_of

MAX_NAMES = 5000  # SANs kept per certificate; real ones stop near 100, multi-tenant CDN ones at a few thousand
MAX_TEXT = 256  # characters kept of a name or organisation
_DNS_NAME = re.compile(r"^(\*\.)?([a-z0-9_](?:[a-z0-9_-]{0,62})\.)*[a-z0-9_](?:[a-z0-9_-]{0,62})$")


@dataclass(frozen=True, slots=True)
class CertFacts:
    """A server certificate's subject, names and issuer, as far as the source tells.

    ``organization`` is the subject's O: None for a DV certificate, and always None when ``source`` is
    ``"har"`` (a HAR does not carry it). ``names`` are the DNS and IP subject alternative names, lower-case,
    wildcards kept (``*.example.com``). ``issuer`` is the issuer's organisation (mitmproxy) or common name (HAR).
    """

    common_name: str | None = None
    organization: str | None = None
    names: tuple[str, ...] = ()
    issuer: str | None = None
    source: str = "mitmproxy"

    @property
    def validated_organization(self) -> bool:
        """Whether the certificate names the company it was issued to (OV or EV), not only its domains."""
        return bool(self.organization)

    def sites(self) -> AbstractSet[str]:
        """The registrable domains the certificate's names belong to (computed once per name list)."""
        return names_by_site(self.names).keys()


    def covers(self, host: str) -> bool:
        """Whether one of the certificate's names is valid for ``host`` (RFC 6125: ``*`` is one whole label)."""
        host = normalize_host(host)
        names = self.names or tuple(normalize_host(n) for n in (self.common_name,) if n)
        return any(name_covers(name, host) for name in names)

    def covers_site(self, site: str) -> bool:
        """Whether one of the certificate's names is the registrable domain ``site`` or a host under it."""
        return site in self.sites()


@functools.lru_cache(maxsize=4096)
def names_by_site(names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The certificate names grouped by their registrable domain (``*.`` dropped), computed once per name list."""
    grouped: dict[str, list[str]] = {}
    for name in names:
        bare = name.removeprefix("*.")
        grouped.setdefault(site_of(bare), []).append(bare)
    return {site: tuple(found) for site, found in grouped.items()}


def name_covers(name: str, host: str) -> bool:
    """Whether the certificate name ``name`` (maybe ``*.example.com``) is valid for ``host``."""
    if name == host:
        return True
    if name.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == name[2:]
    return False


def _text(value: Any) -> str | None:
    """A short string from an outside value, or None."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())[:MAX_TEXT]
    return value or None


def clean_names(values: Iterable[Any]) -> tuple[str, ...]:
    """The usable host names among ``values`` (DNS names, ``*.`` wildcards, IP addresses), each once, capped."""
    seen: dict[str, None] = {}
    for value in values:
        if len(seen) >= MAX_NAMES:
            break
        raw = value if isinstance(value, (str, bytes)) else getattr(value, "value", None)
        if raw is not None and not isinstance(raw, (str, bytes)):
            raw = str(raw)  # an IPAddress general name holds an ipaddress object
        text = _text(raw)
        if text is None:
            continue
        name = normalize_host(text)
        if len(name) <= 253 and (_DNS_NAME.match(name) or (":" in name or name[-1:].isdigit()) and is_ip(name)):
            seen.setdefault(name, None)
    return tuple(seen)


def cert_from_mitmproxy(cert: Any) -> CertFacts:
    """The facts of a ``mitmproxy.certs.Cert`` (``flow.server_conn.certificate_list[0]``).

    Remembered per certificate (the last 1024), so calling it for every flow of a connection costs a dictionary
    lookup after the first: reading a certificate of 134 names takes about a millisecond.
    """
    try:
        return _remembered(cert)
    except TypeError:  # a stand-in object that cannot be hashed
        return _facts_of(cert)


def _facts_of(cert: Any) -> CertFacts:
    issuer = None
    try:
        pairs = list(cert.issuer or ())
    except Exception:  # a certificate mitmproxy cannot decode fully: keep what else it tells
        pairs = []
    for key, value in pairs:
        if key == "O":
            issuer = _text(value)
        elif key == "CN" and issuer is None:
            issuer = _text(value)
    try:
        altnames = list(cert.altnames or ())
    except Exception:
        altnames = []
    return CertFacts(
        common_name=_text(_safe(lambda: cert.cn)),
        organization=_text(_safe(lambda: cert.organization)),
        names=clean_names(altnames),
        issuer=issuer,
        source="mitmproxy",
    )


_remembered = functools.lru_cache(maxsize=1024)(_facts_of)


def _safe(get) -> Any:
    try:
        return get()
    except Exception:
        return None


def cert_from_har(details: Any) -> CertFacts | None:
    """The facts of a HAR entry's ``_securityDetails`` (Chrome, Playwright), or None when it has none.

    ``subjectName`` is the subject's common name in Chrome's format; a HAR never carries the organisation.
    """
    if not isinstance(details, dict):
        return None
    common_name = _text(details.get("subjectName"))
    san_list = details.get("sanList")
    names = clean_names(san_list) if isinstance(san_list, list) else ()
    if common_name is None and not names:
        return None
    return CertFacts(common_name=common_name, organization=None, names=names,
                     issuer=_text(details.get("issuer")), source="har")
