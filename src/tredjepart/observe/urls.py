"""URLs without their secrets: query values removed, parameter names kept."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit


def query_names(query: str) -> tuple[str, ...]:
    """The parameter names of a query string, in order, values dropped (``a=1&b=2`` -> ``('a', 'b')``)."""
    if not query:
        return ()
    names = []
    for part in query.split("&"):
        if not part:
            continue
        name = part.split("=", 1)[0]
        names.append(name[:200])
    return tuple(names)


def strip_query_values(scheme: str, host: str, port: int, path: str) -> tuple[str, str, tuple[str, ...]]:
    """(url without query values, path without query, parameter names) for a request target.

    ``path`` is the request path as sent, query included. Fragments never reach the proxy.
    """
    bare, _, query = path.partition("?")
    names = query_names(query)
    default = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
    authority = host if default or not port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        authority = f"[{host}]" if default else f"[{host}]:{port}"
    url = f"{scheme}://{authority}{bare or '/'}"
    if names:
        url += "?" + "&".join(f"{n}=" for n in names)
    return url, bare or "/", names


def query_values(query: str) -> list[tuple[str, str]]:
    """Name/value pairs of a query string, for hashing only (never stored in clear)."""
    return parse_qsl(query, keep_blank_values=True)


def host_of_url(url: str) -> str | None:
    """The host of a URL (used for Referer and Origin), or None when it has none."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host or None
