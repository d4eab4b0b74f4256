"""URLs without their secrets: query values removed, parameter names kept, secrets in the path and in value-less
query parts masked (observe.paths)."""

from __future__ import annotations

from urllib.parse import urlsplit

from tredjepart.observe.paths import mask_names, mask_path, request_target


def query_names(query: str) -> list[str]:
    """The parameter names of a query string as sent, in order, values dropped (``a=1&b=2`` -> ``['a', 'b']``).

    A part without ``=`` is all name (``?eyJhbGciOi...``): observe.paths.mask_names decides what of it is kept.
    """
    if not query:
        return []
    return [part.split("=", 1)[0] for part in query.split("&") if part]


def url_of(scheme: str, host: str, port: int, path: str, names: tuple[str, ...]) -> str:
    """``scheme://host[:port]path?name=&name=`` from parts already made safe."""
    default = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
    authority = host if default or not port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        authority = f"[{host}]" if default else f"[{host}]:{port}"
    url = f"{scheme}://{authority}{path}"
    if names:
        url += "?" + "&".join(f"{n}=" for n in names)
    return url


def strip_query_values(scheme: str, host: str, port: int, target: str,
                       key: bytes | None = None) -> tuple[str, str, tuple[str, ...]]:
    """(url, path, query names) of a request target (path and query as sent) as they are stored: query values
    removed, fragment dropped, secrets masked with ``key`` (``[KIND]`` placeholders without one, for log lines)."""
    bare, query = request_target(target)
    path = mask_path(bare, key)
    names = mask_names(query_names(query), key)
    return url_of(scheme, host, port, path, names), path, names


def loggable_url(request) -> str:
    """A mitmproxy request's URL fit for a log line: judged host, no query values, path secrets as ``[KIND]``."""
    try:
        return strip_query_values(request.scheme, request.host, request.port, request.path)[0][:300]
    except Exception:  # noqa: BLE001 - a log line must never fail on what it describes
        return "(unprintable URL)"


def host_of_url(url: str) -> str | None:
    """The host of a URL (used for Referer and Origin), or None when it has none."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host or None
