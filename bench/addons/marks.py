"""Benchmark-only mitmproxy addon: how long after its response hook a flow carries its mark.

In worker mode tredjepart's verdict comes back from the worker process and sets ``flow.marked`` some time after
the response went out. To see when, each flow's class is swapped in the ``response`` hook (this addon is loaded
before tredjepart's, so it runs first) for a subclass whose ``marked`` is a property: its setter notes the delay
the first time the flow is marked. Memory stays bounded (delays in an array, counts by host), so a long soak run
measures the proxy, not this addon. Loaded in bare runs too, so both sides pay its microsecond per flow. At
shutdown it writes JSON to the option ``bench_marks_file``: (response time, delay in ms) of each marked flow, and
responses and marks per host.
"""

from __future__ import annotations

import json
import time
from array import array
from collections import Counter

from mitmproxy import ctx, http

EVENTS = array("d")  # response time (monotonic, comparable across processes), delay in ms; flattened pairs
RESPONSES: Counter = Counter()
MARKS: Counter = Counter()


class SpyFlow(http.HTTPFlow):
    @property
    def marked(self) -> str:
        return self.__dict__.get("marked", "")

    @marked.setter
    def marked(self, value: str) -> None:
        if value and not self.__dict__.get("marked") and "_bench_t" in self.__dict__:
            t = self.__dict__["_bench_t"]
            EVENTS.extend((t, (time.monotonic() - t) * 1000))
            MARKS[self.request.host] += 1
        self.__dict__["marked"] = value


class Marks:
    def load(self, loader) -> None:
        loader.add_option("bench_marks_file", str, "", "Where to write the mark delays at shutdown.")

    def response(self, flow: http.HTTPFlow) -> None:
        if type(flow) is http.HTTPFlow:
            flow.__class__ = SpyFlow
            flow.__dict__["_bench_t"] = time.monotonic()
            RESPONSES[flow.request.host] += 1

    def done(self) -> None:
        if ctx.options.bench_marks_file:
            with open(ctx.options.bench_marks_file, "w") as out:
                events = [EVENTS[i:i + 2].tolist() for i in range(0, len(EVENTS), 2)]
                json.dump({"events": events, "responses": RESPONSES, "marks": MARKS}, out)


addons = [Marks()]
