"""Hosts, sites and host patterns.

A *site* is a host's registrable domain (eTLD+1) by the Public Suffix List. We use tldextract with the suffix
list snapshot bundled in the package and never fetch it: no network at run time.

The list's private section is used (``include_psl_private_domains=True``), like browsers do for cookies and site
isolation: ``alice.github.io`` and ``bob.github.io`` are two different sites, and so are two customers of a cloud
host listed there (``*.azurewebsites.net``, ``*.cloudfront.net``, ...). A portal hosted on such a platform is its
own first party, not the platform's.

Hosts without a public suffix (``localhost``, an IP address, a name under a private or reserved TLD such as
``portal.test``) are their own site, except that names under an unknown TLD keep their last two labels, so
``cdn.tracker.test`` and ``www.tracker.test`` are one site.
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
import re

import tldextract

_extract = tldextract.TLDExtract(
    cache_dir=None,
    suffix_list_urls=(),
    fallback_to_snapshot=True,
    include_psl_private_domains=True,
)

_HOST_RE = re.compile(r"^[a-z0-9_*?\[\]!.-]+$")


def normalize_host(host: str) -> str:
    """Lower-case, without a trailing dot or IPv6 brackets."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(normalize_host(host))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=65536)
def site_of(host: str) -> str:
    """The registrable domain of ``host`` (``www.borger.dk`` -> ``borger.dk``)."""
    host = normalize_host(host)
    if not host or is_ip(host):
        return host
    parts = _extract(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    if parts.suffix:  # the host is itself a public suffix
        return host
    labels = host.split(".")
    return ".".join(labels[-2:])


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def validate_pattern(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable site or host glob, or None when it is."""
    p = pattern.strip().lower()
    if not p:
        return "empty site pattern"
    if "://" in p or "/" in p:
        return f"{pattern!r} looks like a URL; give a host or registrable domain (e.g. 'example.dk')"
    if ":" in p and not is_ip(p):
        return f"{pattern!r} has a port or scheme; give only the host"
    if not _HOST_RE.match(p):
        return f"{pattern!r} has characters that cannot appear in a host name"
    if p.count("[") != p.count("]"):
        return f"{pattern!r} has an unbalanced '[' in its glob"
    if is_glob(p):
        if p in ("*", "*.*", "**"):
            return f"{pattern!r} would match every host"
        try:
            re.compile(fnmatch.translate(p))
        except re.error as e:  # pragma: no cover - fnmatch escapes nearly everything
            return f"{pattern!r} is not a valid glob: {e}"
    return None


@functools.lru_cache(maxsize=65536)
def host_matches(host: str, pattern: str) -> bool:
    """Whether ``host`` falls under ``pattern``.

    A pattern without glob characters is a domain: it matches itself and every subdomain
    (``example.dk`` matches ``www.example.dk``). A glob is matched against the whole host with fnmatch
    (``*.cdn.example`` matches ``a.cdn.example`` but not ``cdn.example``).
    """
    host = normalize_host(host)
    pattern = normalize_host(pattern)
    if is_glob(pattern):
        return fnmatch.fnmatchcase(host, pattern)
    return host == pattern or host.endswith("." + pattern)


def matches_any(host: str, patterns: tuple[str, ...] | list[str]) -> str | None:
    """The first pattern ``host`` matches, or None."""
    for pattern in patterns:
        if host_matches(host, pattern):
            return pattern
    return None
