"""Test-only mitmproxy addon: every upstream connection goes to the local test servers, whatever the host; and
at shutdown, the marks every flow ended up with (they may arrive after the response, from the worker process)."""

import json

from mitmproxy import ctx


class Route:
    def __init__(self):
        self.flows = []

    def load(self, loader):
        loader.add_option("route_http_port", int, 0, "Local port that plays every plain-HTTP host.")
        loader.add_option("route_https_port", int, 0, "Local port that plays every HTTPS host.")
        loader.add_option("route_marks_file", str, "", "Where to write each flow's mark and comment at shutdown.")

    def server_connect(self, data):
        tls = data.server.tls or (data.server.address and data.server.address[1] == 443)
        port = ctx.options.route_https_port if tls else ctx.options.route_http_port
        if port:
            data.server.address = ("127.0.0.1", port)

    def response(self, flow):
        self.flows.append(flow)

    def done(self):
        if ctx.options.route_marks_file:
            marks = {f.request.pretty_host + f.request.path.split("?")[0]: [f.marked, f.comment] for f in self.flows}
            with open(ctx.options.route_marks_file, "w") as out:
                json.dump(marks, out)


addons = [Route()]
