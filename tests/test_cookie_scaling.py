"""A flow with thousands of cookies costs a bounded time: cookies past the cap are counted, not read, and the
detectors' cookie lookups are linear in the cookies kept."""

from __future__ import annotations

import gc
import secrets
import time
import timeit

import pytest

from tredjepart.detect import Detectors
from tredjepart.detect.state import ScriptSeen
from tredjepart.observe import cookies as observe_cookies
from tredjepart.observe import observe
from tredjepart.observe.cookies import MAX_COOKIES, sent_cookies, set_cookies
from tredjepart.observe.signals import wire_signals

KEY = b"k" * 32


def many(flow_factory, n: int, *, sets: bool = True):
    cookie = "; ".join(f"c{i}={secrets.token_hex(12)}" for i in range(n))
    set_headers = [("Set-Cookie", f"s{i}={secrets.token_hex(12)}; Max-Age=99999999") for i in range(n)] if sets else []
    return flow_factory("https://collect.tracker.example/p", req_headers={"Cookie": cookie}, resp_headers=set_headers)


def record(f):
    obs = observe(f, "s", KEY)
    obs.flow.party = "third"
    for c in obs.cookies:
        c.party = "third"
    detectors = Detectors()
    state = detectors.state("s")
    state.sites_seen.add(obs.flow.site)
    state.third_party_scripts.update((f"https://cdn{i}.example/s.js", ScriptSeen(
        f"f{i}", f"https://cdn{i}.example/s.js", f"cdn{i}.example", 0.0)) for i in range(200))
    return obs, detectors.on_flow(obs, wire_signals(f, KEY, obs))


def test_sent_cookies_are_capped_and_the_rest_counted():
    header = "; ".join(f"c{i}=v{i}" for i in range(1000))
    pairs, cut = sent_cookies([header, "x=1; y=2"])
    assert len(pairs) == MAX_COOKIES and pairs[-1] == (f"c{MAX_COOKIES - 1}", f"v{MAX_COOKIES - 1}")
    assert cut == 1000 - MAX_COOKIES + 2


def test_under_the_cap_the_header_is_parsed_as_sent():
    assert sent_cookies(['a="x y"; b=2;; ; c'])[0] == [("a", "x y"), ("b", "2"), ("c", "")]
    assert sent_cookies(["a=1; b=2; c=3"], limit=2) == ([("a", "1"), ("b", "2")], 1)


def test_set_cookies_are_capped_and_the_rest_counted():
    made, cut = set_cookies([f"s{i}=1" for i in range(MAX_COOKIES + 5)] + ["a=1\nb=2\n\nc=3"], 0.0)
    assert len(made) == MAX_COOKIES and cut == 5 + 3


def test_flow_with_20000_cookies_records_the_cap_and_says_how_many_were_cut(flow_factory):
    obs, found = record(many(flow_factory, 20_000))
    assert sum(c.direction == "sent" for c in obs.cookies) == MAX_COOKIES
    assert sum(c.direction == "set" for c in obs.cookies) == MAX_COOKIES
    assert obs.flow.cookies_cut == 2 * (20_000 - MAX_COOKIES)
    assert len(found.detections) >= MAX_COOKIES  # the kept ones are still judged


def test_per_flow_cost_is_bounded_however_many_cookies(flow_factory):
    """Measured: 20,000 + 20,000 cookies took 29.4 s per flow before the cap and the linear lookups, 0.03 s
    after (bench/cookies.py). The bound leaves room for a slow CI machine."""
    f = many(flow_factory, 20_000)
    record(f)
    assert min(timeit.repeat(lambda: record(f), number=1, repeat=3)) < 1.0


def test_detectors_are_linear_in_the_cookies_kept(flow_factory, monkeypatch):
    """With the cap lifted, 8x the cookies must cost about 8x, not 64x (the quadratic lookups cost 36x: 0.03 s for
    1,000 and 1.1 s for 8,000 sent cookies; 8.5x now)."""
    times = {}
    for n in (1000, 8000):
        monkeypatch.setattr(observe_cookies.sent_cookies, "__defaults__", (n,))
        monkeypatch.setattr(observe_cookies.set_cookies, "__defaults__", (n,))
        monkeypatch.setattr(observe_cookies, "MAX_COOKIE_BYTES", 1 << 30)
        f = many(flow_factory, n, sets=False)
        obs = observe(f, "s", KEY)
        obs.flow.party = "third"
        signals = wire_signals(f, KEY, obs)
        assert len(obs.cookies) == n

        def run():
            detectors = Detectors()
            detectors.state("s").sites_seen.add(obs.flow.site)
            detectors.on_flow(obs, signals)

        run()
        gc.disable()  # a collection landing in one run only would measure the collector, not the detectors
        try:
            times[n] = min(timeit.Timer(run, timer=time.process_time).repeat(number=1, repeat=5))
        finally:
            gc.enable()
    assert times[8000] / times[1000] < 24, times  # linear: about 8; quadratic: about 64


@pytest.mark.parametrize("n", [0, 1, MAX_COOKIES, MAX_COOKIES + 1])
def test_cut_is_zero_up_to_the_cap(flow_factory, n):
    obs = observe(many(flow_factory, n, sets=False), "s", KEY)
    assert obs.flow.cookies_cut == max(0, n - MAX_COOKIES)
