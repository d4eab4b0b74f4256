"""Tracking pixels: a third party answers an image request with a tiny image (or nothing), and the request
carried data to it in its query string or cookies.

Rule (all of):

1. the flow is third party;
2. it is an image request: Sec-Fetch-Dest ``image``, request kind ``image``, or an ``image/*`` response;
3. the answer is tiny: an image whose header says at most ``MAX_SIDE`` x ``MAX_SIDE`` pixels (GIF, PNG, WebP or
   JPEG, read from the first bytes by observe.signals), or status 204, or a 2xx response with an empty body;
4. the request carried data: a query string, or at least one cookie.

A 1x1 spacer GIF fetched without query and cookies is not a pixel (nothing is reported); neither is a redirect
(3xx) answering an image request, though the image it leads to usually is.
"""

from __future__ import annotations

from tredjepart.detect.model import Detection, detection
from tredjepart.records import Observation

MAX_SIDE = 2


def detect_pixel(obs: Observation, signals) -> Detection | None:
    """A ``pixel`` detection for ``obs``, or None."""
    rec = obs.flow
    if rec.party != "third" or rec.status is None:
        return None
    if not _image_request(rec.kind, rec.content_type, signals.sec_fetch_dest):
        return None
    signal = _tiny(rec.status, signals)
    if signal is None:
        return None
    cookies = [c.name for c in obs.cookies if c.direction == "sent"]
    if not rec.query_names and not cookies:
        return None
    evidence = {
        "status": rec.status,
        "content_type": rec.content_type,
        "image_format": signals.image_format,
        "width": signals.image_width,
        "height": signals.image_height,
        "response_size": signals.response_size,
        "query_names": list(rec.query_names),
        "cookies_sent": cookies,
        "carries": [name for name, present in (("query", rec.query_names), ("cookies", cookies)) if present],
    }
    return detection(rec, "pixel", signal, evidence)


def _image_request(kind: str, content_type: str | None, dest: str | None) -> bool:
    return dest == "image" or kind == "image" or (content_type or "").startswith("image/")


def _tiny(status: int, signals) -> str | None:
    w, h = signals.image_width, signals.image_height
    if 200 <= status < 300 and w is not None and h is not None and w <= MAX_SIDE and h <= MAX_SIDE:
        return f"{w}x{h}-{signals.image_format}"
    if status == 204:
        return "204-no-content"
    if 200 <= status < 300 and signals.body_empty:
        return "empty-body"
    return None
