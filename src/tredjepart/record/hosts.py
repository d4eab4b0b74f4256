"""Evidence about a third-party host that no list gives: that it is probably the solution's own (a first party's
other domain: declared, same owner, its certificate, a CNAME, its name), or whose it probably is (an OV/EV
certificate's organisation, a certificate shared with an owner's known hosts). entities.own and entities.certowner
weigh the evidence; here it is gathered once per session and host and made a ``hosts`` row.

"Probably own" is shown as such in reports; it never covers a flow: the policy still decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from tredjepart.entities.certowner import owner_from_certificate
from tredjepart.entities.certs import CertFacts, cert_from_har, cert_from_mitmproxy
from tredjepart.entities.own import own_evidence
from tredjepart.ids import record_id
from tredjepart.records import FlowRecord

MAX_HOSTS = 20_000  # hosts a recorder remembers having judged (per run)


@dataclass(frozen=True, slots=True)
class HostEvidence:
    own_kind: str | None = None
    own_confidence: str | None = None
    own_evidence: str | None = None
    cert_owner: str | None = None
    cert_confidence: str | None = None
    cert_evidence: str | None = None


def cert_of(flow) -> CertFacts | None:
    """The server certificate's facts: sent along by the proxy (live), read from a HAR's ``_securityDetails``, or
    from the server connection of a mitmproxy flow."""
    facts = flow.metadata.get("tredjepart_cert")
    if isinstance(facts, CertFacts):
        return facts
    details = flow.metadata.get("tredjepart_tls")
    if details is not None:
        return cert_from_har(details)
    certs = getattr(flow.server_conn, "certificate_list", None)
    return cert_from_mitmproxy(certs[0]) if certs else None


def gather(rec: FlowRecord, first_site: str | None, declared, entities, cert: CertFacts | None,
           first_cert: CertFacts | None) -> HostEvidence | None:
    """What speaks for whose ``rec``'s host is, beyond the owner data; None when nothing does."""
    own = own_evidence(rec.host, first_site, declared=declared, cert=cert, first_cert=first_cert,
                       entities=entities) if first_site else None
    owner = owner_from_certificate(rec.host, cert, entities) if (
        entities is not None and rec.entity is None and own is None) else None
    if own is None and owner is None:
        return None
    return HostEvidence(own.kind if own else None, own.confidence if own else None, own.evidence if own else None,
                        owner.entity.name if owner else None, owner.confidence if owner else None,
                        owner.evidence if owner else None)


def host_row(rec: FlowRecord, found: HostEvidence) -> dict:
    return {"id": record_id(rec.session_id or "", "host", rec.host), "session_id": rec.session_id, "host": rec.host,
            "site": rec.site, "first_seen": rec.started, "own_kind": found.own_kind,
            "own_confidence": found.own_confidence, "own_evidence": found.own_evidence,
            "cert_owner": found.cert_owner, "cert_confidence": found.cert_confidence,
            "cert_evidence": found.cert_evidence}


class HostBook:
    """Gathers each third-party host's evidence once per session (and keeps the first page's certificate)."""

    def __init__(self, entities) -> None:
        self.entities = entities
        self._judged: dict[tuple[str, str], None] = {}  # (session, host) whose evidence was gathered

    def gather(self, flow, rec: FlowRecord, session) -> dict | None:
        """The ``hosts`` row of ``rec``'s host, the first time a session meets it with evidence; else None."""
        if rec.host == session.first_host and session.first_cert is None:
            session.first_cert = cert_of(flow)
        if rec.party != "third" or (session.id, rec.host) in self._judged:
            return None
        self._judged[(session.id, rec.host)] = None
        if len(self._judged) > MAX_HOSTS:
            del self._judged[next(iter(self._judged))]
        declared = session.policy.first_party if session.policy else ()
        found = gather(rec, session.first_site, declared, self.entities, cert_of(flow), session.first_cert)
        return host_row(rec, found) if found else None
