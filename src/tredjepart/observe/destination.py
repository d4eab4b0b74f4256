"""Which host a request really went to, judged by the connection and not by the Host header.

The Host header (``:authority`` in HTTP/2 and 3) is written by the client. An app SDK can connect to a tracker
and send ``Host: www.borger.dk``; mitmproxy's ``request.pretty_host`` believes the header, and the flow would be
judged as first party. tredjepart judges by the real destination and keeps a Host header that names another host
in ``FlowRecord.host_header``.

The rule (``destination``):

1. The destination is ``request.host``: the CONNECT target or absolute-form URL in regular proxy mode, the
   upstream in reverse-proxy mode, the URL of a HAR entry, the server address in transparent, WireGuard and local
   capture modes.
2. When that is an IP address (transparent, WireGuard and local modes; an app calling an address), the name is
   the TLS SNI of the flow's own server connection, when it has one: mitmproxy checks the server's certificate
   against it (unless ``ssl_insecure`` is set). Without TLS, the Host header is the only name there is, and it is
   used: the address alone would make every plain-HTTP flow in those modes a stranger. (An app could still
   disguise a plain-HTTP call to an address in these modes; apps on current Android and iOS need an exception to
   speak plain HTTP at all.)
3. When ``request.host`` is empty or no host name (a HAR entry with a relative or broken URL), the Host header
   (else the SNI) names the destination.
4. ``host_header`` is the Host header's host (port removed, lower case, no trailing dot, IDN as punycode for the
   comparison) when it differs from the destination, else None.

In HAR captures the URL's host and the Host header differ legitimately only in case, a trailing dot, a port, or
IDN spelling, which step 4 normalises away. In reverse-proxy mode mitmproxy rewrites the Host header to the
upstream unless ``keep_host_header`` is set; when kept, the client's name for the proxy lands in host_header.
"""

from __future__ import annotations

import functools
import re

from tredjepart.sites import is_ip, normalize_host

MAX_HOST = 253
# Labels of letters, digits, "-" and "_" (used in service names); a top-level label is letters or punycode, as
# every top-level domain is (``image2.pubmatic.compa_9x`` is a URL with its path glued to the host).
_NAME = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)*(?:[a-z]{1,63}|xn--[a-z0-9-]{1,59})$"
                   r"|^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")


def authority_host(authority: str | None) -> str | None:
    """The host of a Host header or ``:authority`` value (``[::1]:8080`` -> ``::1``), normalised; None if empty."""
    text = (authority or "").strip()
    if text.startswith("["):
        end = text.find("]")
        text = text[1:end] if end > 0 else text[1:]
    else:
        head, sep, port = text.rpartition(":")
        if sep and head and ":" not in head and (port.isascii() and port.isdigit() or not port):
            text = head
    host = normalize_host(text)[:MAX_HOST]
    return host or None


def comparable(host: str) -> str:
    """``host`` as punycode, for comparing an IDN written in Unicode with the same name in ASCII."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return host


def is_host_name(host: str) -> bool:
    """Whether ``host`` is a syntactically valid DNS name or IP address (Unicode IDNs included)."""
    if not host or len(host) > MAX_HOST:
        return False
    return is_ip(host) or bool(_NAME.match(comparable(host)))


def destination(request_host: str | None, host_header: str | None, sni: str | None) -> tuple[str, str | None]:
    """(host judged by, differing Host header host or None); see the module docstring for the rule.

    ``sni`` must be the SNI of the connection to ``request_host`` (callers pass None when the flow's server
    connection went elsewhere).
    """
    cut = 4 * MAX_HOST  # longer is no host name; the cache below keeps its arguments
    return _destination((request_host or "")[:cut], (host_header or "")[:cut] or None, (sni or "")[:cut] or None)


@functools.lru_cache(maxsize=4096)  # a walkthrough talks to a few hundred hosts; checking an address is slow
def _destination(request_host: str, host_header: str | None, sni: str | None) -> tuple[str, str | None]:
    target = normalize_host(request_host or "")[:MAX_HOST]
    claimed = authority_host(host_header)
    name = normalize_host(sni or "")[:MAX_HOST] or None
    name = name if name and is_host_name(name) and not is_ip(name) else None
    if not is_host_name(target):
        host = claimed if claimed and is_host_name(claimed) else (name or target or claimed or "")
    elif is_ip(target):
        host = name or (claimed if claimed and is_host_name(claimed) and not is_ip(claimed) else target)
    else:
        host = target
    differs = claimed is not None and comparable(claimed) != comparable(host)
    return host, claimed if differs else None


def flow_sni(flow) -> str | None:
    """The SNI of ``flow``'s server connection when that connection went to the request's host, else None."""
    server = getattr(flow, "server_conn", None)
    address = getattr(server, "address", None)
    sni = getattr(server, "sni", None)
    if not sni or not address:
        return None
    try:
        same = normalize_host(str(address[0])) == normalize_host(flow.request.host or "")
    except (TypeError, IndexError):
        return None
    return sni if same else None
