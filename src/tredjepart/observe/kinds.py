"""What a request is for: document, script, image, beacon, ... (records.REQUEST_KINDS).

Browsers say it in Sec-Fetch-Dest/Mode; apps and older browsers do not, so we fall back to the request's Accept
and Content-Type, the response's Content-Type, and last the URL path's extension.
"""

from __future__ import annotations

from dataclasses import dataclass

_DEST = {
    "document": "document",
    "iframe": "document",
    "frame": "document",
    "embed": "document",
    "object": "document",
    "script": "script",
    "worker": "script",
    "sharedworker": "script",
    "serviceworker": "script",
    "audioworklet": "script",
    "paintworklet": "script",
    "style": "stylesheet",
    "xslt": "stylesheet",
    "image": "image",
    "font": "font",
    "audio": "media",
    "video": "media",
    "track": "media",
    "manifest": "other",
    "report": "beacon",
    "webidentity": "xhr",
}

_EXTENSIONS = {
    "js": "script",
    "mjs": "script",
    "css": "stylesheet",
    "png": "image",
    "gif": "image",
    "jpg": "image",
    "jpeg": "image",
    "webp": "image",
    "svg": "image",
    "ico": "image",
    "avif": "image",
    "woff": "font",
    "woff2": "font",
    "ttf": "font",
    "otf": "font",
    "eot": "font",
    "mp4": "media",
    "webm": "media",
    "mp3": "media",
    "m3u8": "media",
    "ts": "media",
    "m4s": "media",
    "html": "document",
    "htm": "document",
    "json": "xhr",
}


@dataclass(frozen=True, slots=True)
class KindInput:
    """The few request and response facts the kind depends on (header names lower-case)."""

    method: str
    path: str  # without query
    sec_fetch_dest: str | None = None
    sec_fetch_mode: str | None = None
    accept: str | None = None
    request_content_type: str | None = None
    response_content_type: str | None = None
    upgrade: str | None = None
    ping_to: bool = False


def media_type(content_type: str | None) -> str | None:
    """``text/html; charset=utf-8`` -> ``text/html``."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def request_kind(k: KindInput) -> str:
    if (k.upgrade or "").lower() == "websocket" or k.sec_fetch_dest == "websocket":
        return "websocket"
    req_type = media_type(k.request_content_type)
    if req_type == "text/ping" or k.ping_to:
        return "ping"
    dest = (k.sec_fetch_dest or "").lower()
    if dest in _DEST:
        return _DEST[dest]
    if dest == "empty":
        if k.method == "POST" and (k.sec_fetch_mode or "").lower() == "no-cors":
            return "beacon"  # navigator.sendBeacon / keepalive fetch with a simple body
        return "xhr"
    return _fallback_kind(k, req_type)


def _fallback_kind(k: KindInput, req_type: str | None) -> str:
    accept = (k.accept or "").lower()
    resp = media_type(k.response_content_type) or ""
    if accept.startswith("text/html") and k.method == "GET":
        return "document"
    if accept.startswith("image/"):
        return "image"
    if accept.startswith("text/css"):
        return "stylesheet"
    by_response = _kind_of_media_type(resp)
    if by_response:
        return by_response
    ext = k.path.rsplit("/", 1)[-1].rpartition(".")[2].lower() if "." in k.path.rsplit("/", 1)[-1] else ""
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if k.method in ("POST", "PUT", "PATCH") or accept.startswith("application/json"):
        return "xhr"
    return "other"


def _kind_of_media_type(resp: str) -> str | None:
    if not resp:
        return None
    if "javascript" in resp or resp == "application/ecmascript":
        return "script"
    if resp == "text/css":
        return "stylesheet"
    if resp.startswith("image/"):
        return "image"
    if resp.startswith("font/") or "font" in resp:
        return "font"
    if resp.startswith(("video/", "audio/")) or resp in ("application/vnd.apple.mpegurl", "application/dash+xml"):
        return "media"
    if resp in ("text/html", "application/xhtml+xml"):
        return "document"
    if resp.endswith("json") or resp.endswith("+json") or resp in ("text/plain", "application/xml", "text/xml"):
        return "xhr"
    return None
