"""Third-country transfers: the owners of third parties seated outside the EU/EEA.

Sending a citizen's requests (IP address, cookies, what page they read) to a company seated outside the EU/EEA is
a transfer to a third country (GDPR chapter V): the authority needs a basis for it, such as an adequacy decision
(for the US, the EU-US Data Privacy Framework, which covers only certified companies) or standard contractual
clauses. ``transfer_finding`` raises an ``info`` finding per such owner and session, so the report lists them.

The seat is the owner's own ``country`` in the entity data, not its parent's, and not where its servers are: a
European subsidiary of a US group is judged by its own seat (its parent may still reach the data; that is for
the legal review). An owner without a known country gives no finding, nor does a first-party or background flow.
"""

from __future__ import annotations

import logging

from tredjepart.entities.model import Entity, is_eu_eea
from tredjepart.records import Finding, FlowRecord
from tredjepart.rules import new_finding

logger = logging.getLogger(__name__)

RULE = "third-country-transfer"


def transfer_finding(flow: FlowRecord, entity: Entity | None) -> Finding | None:
    """The ``third-country-transfer`` finding for a third-party ``flow`` whose owner ``entity`` is seated
    outside the EU/EEA, or None.

    The finding has no site and no host: its subject is the owner, so a session has one per owner however many
    of its sites are met; ``details["sites"]`` and ``details["hosts"]`` collect them (record.findings unions
    list-valued details).
    """
    if flow.party != "third" or entity is None:
        return None
    country = (entity.country or "").strip().upper()
    if not country or is_eu_eea(country):
        return None
    message = (f"{entity.name} is seated in {country}, outside the EU/EEA: check the transfer basis "
               "(e.g. the EU-US Data Privacy Framework or standard contractual clauses)"
               if country == "US" else
               f"{entity.name} is seated in {country}, outside the EU/EEA: check the transfer basis "
               "(e.g. an adequacy decision or standard contractual clauses)")
    details = {"subject": entity.name, "country": country, "sites": [flow.site], "hosts": [flow.host]}
    if entity.parent:
        details["parent"] = entity.parent
    return new_finding(RULE, site="", message=message, evidence=[flow.id], session_id=flow.session_id,
                       when=flow.started, details=details)

