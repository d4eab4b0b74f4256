"""What reached each third party: personal data (a declared test identity, or patterns), the pages a citizen
visited, and the identifiers and device data endpoint decoders name. docs/received.md describes the capability.

The pure core, with no I/O beyond reading the identity and decoder files::

    from tredjepart.received import Scanner, load_identity, load_decoders, parts_from_flow, received_findings

    scanner = Scanner(load_identity(path), load_decoders(user_files))   # once per run
    items = scanner.scan(parts_from_flow(flow))                          # per flow: list[Received]
    findings = received_findings(flow_record, items)                     # third-party flows only
    flow_record.path = scanner.mask_path(flow_record.path)               # before storing
    report["data_types"] = data_types((flow_id, item) for ...)            # per third party and session
"""

from __future__ import annotations

from tredjepart.received.decoders import Decoder, Decoders, builtin_decoders, load_decoders, parse_decoders
from tredjepart.received.findings import received_findings
from tredjepart.received.identity import FIELDS, Identity, IdentityError, load_identity, parse_identity
from tredjepart.received.locate import parts_from_flow, request_places
from tredjepart.received.masking import mask_path, mask_text, mask_url
from tredjepart.received.model import Place, Received, RequestParts
from tredjepart.received.scan import Scanner
from tredjepart.received.summary import data_types
from tredjepart.received.topics import page_topics
from tredjepart.received.vocabulary import TYPES, label

__all__ = [
    "FIELDS", "TYPES", "Decoder", "Decoders", "Identity", "IdentityError", "Place", "Received",
    "RequestParts", "Scanner", "builtin_decoders", "data_types", "label", "load_decoders", "load_identity", "mask_path",
    "mask_text", "mask_url", "page_topics", "parse_decoders", "parse_identity", "parts_from_flow",
    "received_findings", "request_places",
]
