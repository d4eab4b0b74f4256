"""Fingerprinting scripts: static signals in the body of a third-party script that reads device properties
no ordinary page needs, to compute an identifier without storing anything on the device.

The body is searched as bytes for literal API names (``bytes.find``, no parsing, no regex backtracking): a
1 MB minified script takes a few milliseconds. Signals:

``canvas``        ``toDataURL`` or ``getImageData`` within ``WINDOW`` bytes of ``fillText`` (drawing text and
                  reading the pixels back)  - weak
``canvas-text``   ``canvas`` plus a test text known from canvas fingerprinting (``CANVAS_TEXTS``, e.g.
                  "Cwm fjordbank glyphs vext quiz")  - strong
``audio``         ``OfflineAudioContext`` with ``createOscillator`` and ``createDynamicsCompressor``  - strong
``webgl``         ``getParameter`` with ``WEBGL_debug_renderer_info`` or ``UNMASKED_RENDERER_WEBGL`` /
                  ``UNMASKED_VENDOR_WEBGL`` (reading the graphics card's name)  - weak
``webrtc``        ``RTCPeerConnection`` with ``createDataChannel`` and ``onicecandidate`` (local address
                  discovery)  - weak
``fonts``         ``measureText`` or ``offsetWidth`` with at least ``FONT_LIST_MIN`` well-known font family
                  names (measuring text in each font to enumerate the installed fonts)  - weak
``font-probe``    ``measureText`` or ``offsetWidth`` with the font-detection test text ``mmmmmmmmmmlli`` - strong
``library``       a known fingerprinting library's name (``LIBRARIES``)  - strong

Rule (``fingerprinting-script``, warning): at least one strong signal, or at least ``WEAK_MIN`` = 3 weak ones.
Fewer weak signals are recorded as a detection (kind ``fingerprinting``) without a finding, because ordinary
libraries show them: chart libraries draw text and export images (canvas), map libraries render text to canvas
and query WebGL (canvas, webgl), video-call widgets open data channels (webrtc), rich-text editors list fonts.
"""

from __future__ import annotations

from tredjepart.detect.model import Detection, detection, finding
from tredjepart.records import Finding, Observation

WINDOW = 4096  # bytes between the canvas calls
FONT_LIST_MIN = 12
WEAK_MIN = 3
STRONG = frozenset({"canvas-text", "audio", "font-probe", "library"})
WEAK = frozenset({"canvas", "webgl", "webrtc", "fonts"})
CANVAS_TEXTS = (b"Cwm fjordbank", b"BrowserLeaks,com", b"Sphinx of black quartz")
FONT_PROBES = (b"mmmmmmmmmmlli", b"mmmmmmmmlli")

LIBRARIES = {
    b"FingerprintJS": "FingerprintJS",
    b"fingerprintjs": "FingerprintJS",
    b"Fingerprint2": "fingerprintjs2",
    b"fpjs.io": "FingerprintJS Pro",
    b"fpjscdn.net": "FingerprintJS Pro",
    b"ClientJS": "ClientJS",
    b"evercookie": "evercookie",
    b"ThumbmarkJS": "ThumbmarkJS",
    b"thumbmarkjs": "ThumbmarkJS",
    b"imprintjs": "ImprintJS",
}

FONTS = (
    b"Arial Black", b"Arial Narrow", b"Bookman Old Style", b"Calibri", b"Cambria", b"Candara", b"Century Gothic",
    b"Comic Sans MS", b"Consolas", b"Constantia", b"Corbel", b"Courier New", b"Franklin Gothic", b"Garamond",
    b"Georgia", b"Helvetica Neue", b"Impact", b"Lucida Console", b"Lucida Sans Unicode", b"Marlett",
    b"MS Gothic", b"MS Mincho", b"MS PGothic", b"MS Sans Serif", b"MS Serif", b"Palatino Linotype",
    b"Segoe Print", b"Segoe Script", b"Segoe UI", b"Segoe UI Light", b"Tahoma", b"Trebuchet MS", b"Verdana",
    b"Wingdings", b"Webdings", b"Monotype Corsiva", b"Lucida Bright", b"Gill Sans", b"Futura", b"Menlo",
    b"Monaco", b"Geneva", b"Optima", b"Didot", b"Baskerville", b"Rockwell", b"Papyrus", b"Haettenschweiler",
)


def script_signals(body: bytes) -> tuple[tuple[str, ...], dict]:
    """(signals, details) of a script body; details name the markers that matched."""
    details: dict = {}
    found: list[str] = []
    libs = sorted({name for marker, name in LIBRARIES.items() if marker in body})
    if libs:
        found.append("library")
        details["libraries"] = libs
    if b"fillText" in body and _near(body, (b"toDataURL", b"getImageData"), b"fillText", WINDOW):
        found.append("canvas")
        if any(t in body for t in CANVAS_TEXTS):
            found.append("canvas-text")
    if b"OfflineAudioContext" in body and b"createOscillator" in body and b"createDynamicsCompressor" in body:
        found.append("audio")
    if b"getParameter" in body and any(m in body for m in (
            b"WEBGL_debug_renderer_info", b"UNMASKED_RENDERER_WEBGL", b"UNMASKED_VENDOR_WEBGL")):
        found.append("webgl")
    if b"RTCPeerConnection" in body and b"createDataChannel" in body and b"onicecandidate" in body:
        found.append("webrtc")
    if b"measureText" in body or b"offsetWidth" in body:
        fonts = sum(1 for f in FONTS if f in body)
        if fonts >= FONT_LIST_MIN:
            found.append("fonts")
            details["font_names"] = fonts
        if any(t in body for t in FONT_PROBES):
            found.append("font-probe")
    return tuple(found), details


def _near(body: bytes, needles: tuple[bytes, ...], anchor: bytes, window: int, limit: int = 10_000) -> bool:
    """Whether some needle occurs within ``window`` bytes of an occurrence of ``anchor``. Walks the rarer side
    (at most ``limit`` occurrences) and looks for the other side with one bounded ``find`` each."""
    for needle in needles:
        a, b = (needle, anchor) if body.count(needle) <= body.count(anchor) else (anchor, needle)
        i, tried = body.find(a), 0
        while i >= 0 and tried < limit:
            if body.find(b, max(0, i - window - len(b)), i + len(a) + window + len(b)) >= 0:
                return True
            i, tried = body.find(a, i + 1), tried + 1
    return False


def is_fingerprinting(signals: tuple[str, ...]) -> bool:
    return bool(STRONG & set(signals)) or len(WEAK & set(signals)) >= WEAK_MIN


def detect_fingerprinting(obs: Observation, cache: dict | None = None) -> tuple[list[Detection], list[Finding]]:
    """Fingerprinting signals in ``obs``'s third-party script body (obs.script_body); ``cache`` maps a body's
    sha256 to its (signals, details), so a script loaded again is not searched again."""
    rec = obs.flow
    if rec.party != "third" or not obs.script_body or not obs.scripts:
        return [], []
    script = obs.scripts[0]
    if cache is not None and script.sha256 in cache:
        found, details = cache[script.sha256]
    else:
        found, details = script_signals(obs.script_body)
        if cache is not None:
            cache[script.sha256] = (found, details)
    if not found:
        return [], []
    evidence = {"signals": list(found), "url": script.url, "sha256": script.sha256, "size": script.size,
                "script_id": script.id, **details}
    det = detection(rec, "fingerprinting", "+".join(found), evidence)
    if not is_fingerprinting(found):
        return [det], []
    message = (
        f"The script {script.url} from third party {rec.site} contains browser-fingerprinting code "
        f"({', '.join(found)}): it can recognise the device from its properties without storing anything on it."
    )
    return [det], [finding(rec, "fingerprinting-script", message, script.url, signals=list(found),
                           urls=[script.url], sha256=script.sha256, **details)]
