"""detect.fingerprint: static fingerprinting signals in third-party script bodies."""

from __future__ import annotations

import time

import pytest

from tredjepart.detect.fingerprint import detect_fingerprinting, is_fingerprinting, script_signals
from tredjepart.observe import observe

KEY = b"k" * 32

CANVAS = b'var c=document.createElement("canvas"),x=c.getContext("2d");x.fillText("hello",2,15);var d=c.toDataURL();'
CANVAS_TEXT = CANVAS + b'x.fillText("Cwm fjordbank glyphs vext quiz, \\ud83d\\ude03",4,17);'
AUDIO = (b"var a=new (window.OfflineAudioContext||window.webkitOfflineAudioContext)(1,5000,44100);"
         b"var o=a.createOscillator();var k=a.createDynamicsCompressor();o.connect(k);a.startRendering();")
WEBGL = b'var e=g.getExtension("WEBGL_debug_renderer_info");var r=g.getParameter(e.UNMASKED_RENDERER_WEBGL);'
WEBRTC = b'var p=new RTCPeerConnection({iceServers:[]});p.createDataChannel("");p.onicecandidate=function(e){};'
FONTS = (b'var fonts=["Arial Black","Calibri","Cambria","Comic Sans MS","Consolas","Courier New","Georgia",'
         b'"Helvetica Neue","Lucida Console","Palatino Linotype","Segoe UI","Tahoma","Trebuchet MS","Verdana"];'
         b'for(var i=0;i<fonts.length;i++){ctx.font="72px "+fonts[i];w[i]=ctx.measureText("abc").width;}')


def script_obs(flow_factory, body: bytes, url: str = "https://cdn.fp-vendor.com/fp.js", party: str = "third"):
    f = flow_factory(url, req_headers={"Sec-Fetch-Dest": "script"},
                     resp_headers={"Content-Type": "application/javascript"}, resp_body=body)
    obs = observe(f, "s1", KEY)
    obs.flow.party = party
    return obs


@pytest.mark.parametrize("body, signals", [
    (CANVAS, ("canvas",)),
    (CANVAS_TEXT, ("canvas", "canvas-text")),
    (AUDIO, ("audio",)),
    (WEBGL, ("webgl",)),
    (WEBRTC, ("webrtc",)),
    (FONTS, ("fonts",)),
    (b'el.style.fontFamily=f;var s="mmmmmmmmmmlli";w=el.offsetWidth;', ("font-probe",)),
    (b"/* FingerprintJS v3 */ var x=1;", ("library",)),
    (b"function add(a,b){return a+b}", ()),
])
def test_script_signals(body, signals):
    assert script_signals(body)[0] == signals


def test_canvas_calls_far_apart_are_not_canvas_fingerprinting():
    body = b'x.fillText("a",1,1);' + b";" * 20_000 + b"c.toDataURL();"
    assert script_signals(body)[0] == ()


@pytest.mark.parametrize("body, expected", [
    (CANVAS_TEXT, True), (AUDIO, True), (b"Fingerprint2.get(function(c){})", True),
    (CANVAS + WEBGL + FONTS, True),  # three weak signals
    (CANVAS, False), (CANVAS + WEBGL, False), (WEBRTC, False), (FONTS, False),
])
def test_the_rule(body, expected):
    assert is_fingerprinting(script_signals(body)[0]) is expected


def test_third_party_fingerprinting_script_is_a_finding_with_signals(flow_factory):
    obs = script_obs(flow_factory, b"!function(){" + CANVAS_TEXT + AUDIO + b"}();")
    dets, finds = detect_fingerprinting(obs, {})
    (d,) = dets
    assert d.kind == "fingerprinting" and d.signal == "canvas+canvas-text+audio"
    assert d.evidence["sha256"] == obs.scripts[0].sha256 and d.evidence["url"] == "https://cdn.fp-vendor.com/fp.js"
    (f,) = finds
    assert f.rule == "fingerprinting-script" and f.severity == "warning" and f.site == "fp-vendor.com"
    assert f.details["signals"] == ["canvas", "canvas-text", "audio"]


def test_chart_library_is_recorded_but_not_a_finding(flow_factory):
    obs = script_obs(flow_factory, b"Chart.prototype.toBase64Image=function(){" + CANVAS + b"};")
    dets, finds = detect_fingerprinting(obs, {})
    assert [d.signal for d in dets] == ["canvas"] and finds == []


def test_first_party_and_plain_scripts_are_not_reported(flow_factory):
    assert detect_fingerprinting(script_obs(flow_factory, CANVAS_TEXT + AUDIO, party="first"), {}) == ([], [])
    assert detect_fingerprinting(script_obs(flow_factory, b"var a=1;"), {}) == ([], [])


def test_cache_by_sha256(flow_factory):
    cache = {}
    obs = script_obs(flow_factory, AUDIO)
    detect_fingerprinting(obs, cache)
    assert cache[obs.scripts[0].sha256][0] == ("audio",)
    cache[obs.scripts[0].sha256] = (("library",), {"libraries": ["X"]})
    assert detect_fingerprinting(obs, cache)[0][0].signal == "library"


def test_fast_on_a_one_megabyte_minified_script():
    chunk = b"function a(b,c){return b.map(function(d){return d*c+fillTextx})}var q=[1,2,3];" * 10
    body = (chunk * (1_000_000 // len(chunk)))[:1_000_000] + CANVAS_TEXT + WEBGL
    start = time.perf_counter()
    signals, _ = script_signals(body)
    elapsed = time.perf_counter() - start
    assert "canvas-text" in signals and "webgl" in signals
    assert elapsed < 0.5, elapsed
