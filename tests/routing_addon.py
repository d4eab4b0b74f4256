"""Test-only mitmproxy addon: every upstream connection goes to the local test servers, whatever the host."""

from mitmproxy import ctx


class Route:
    def load(self, loader):
        loader.add_option("route_http_port", int, 0, "Local port that plays every plain-HTTP host.")
        loader.add_option("route_https_port", int, 0, "Local port that plays every HTTPS host.")

    def server_connect(self, data):
        tls = data.server.tls or (data.server.address and data.server.address[1] == 443)
        port = ctx.options.route_https_port if tls else ctx.options.route_http_port
        if port:
            data.server.address = ("127.0.0.1", port)


addons = [Route()]
