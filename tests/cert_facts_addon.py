"""Test-only mitmproxy addon: at shutdown, the certificate facts of each host's upstream server, as tredjepart's
builder makes them from ``flow.server_conn.certificate_list[0]`` (written to ``cert_facts_file`` as JSON)."""

import dataclasses
import json

from mitmproxy import ctx

from tredjepart.entities.certs import cert_from_mitmproxy


class CertFactsDump:
    def __init__(self):
        self.facts = {}

    def load(self, loader):
        loader.add_option("cert_facts_file", str, "", "Where to write each host's certificate facts at shutdown.")

    def response(self, flow):
        if flow.server_conn.certificate_list:
            facts = cert_from_mitmproxy(flow.server_conn.certificate_list[0])
            self.facts[flow.request.pretty_host] = dataclasses.asdict(facts)

    def done(self):
        if ctx.options.cert_facts_file:
            with open(ctx.options.cert_facts_file, "w") as out:
                json.dump(self.facts, out)


addons = [CertFactsDump()]
