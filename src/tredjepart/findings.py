"""Merging findings: one finding per problem per session, however often the problem is met.

A repeat adds its flow ids to ``evidence`` (at most ``EVIDENCE_CAP`` ids are kept; ``count`` counts every
occurrence), widens ``first_seen``/``last_seen`` and unions the list-valued ``details`` (hosts, kinds). The first
occurrence's message is kept.

The identity of a finding is ``finding_key``: the session, the rule, the site, the host and a *subject*. The
subject tells apart problems of one rule on one site, such as two kinds a party may not show
(``kind-not-allowed`` for "pixel" and for "sdk"); it is read from ``Finding.subject`` when records grow that
field, else from ``details["subject"]``.
"""

from __future__ import annotations

import dataclasses
import logging

from tredjepart.records import Finding

logger = logging.getLogger(__name__)

EVIDENCE_CAP = 200
DETAIL_LIST_CAP = 50

FindingKey = tuple[str, str, str, str]


def subject_of(finding: Finding) -> str:
    """The finding's subject ("" when it has none)."""
    return getattr(finding, "subject", None) or finding.details.get("subject") or ""


def finding_key(finding: Finding) -> FindingKey:
    """What makes two findings the same problem within a session: (rule, site, host, subject)."""
    return (*finding.key[:3], subject_of(finding))


class FindingSet:
    """The merged findings of one or more sessions (keyed by session too)."""

    def __init__(self, evidence_cap: int = EVIDENCE_CAP) -> None:
        self.evidence_cap = evidence_cap
        self._findings: dict[tuple, Finding] = {}
        self._evidence: dict[tuple, set[str]] = {}
        self._changed: dict[tuple, None] = {}  # ordered set

    def add(self, finding: Finding) -> bool:
        """Merge ``finding`` in; True when it is a problem this session had not met before."""
        key = (finding.session_id or "", *finding_key(finding))
        self._changed[key] = None
        known = self._findings.get(key)
        if known is None:
            evidence = list(dict.fromkeys(finding.evidence))[: self.evidence_cap]
            self._findings[key] = dataclasses.replace(
                finding, evidence=evidence, details=_copy_details(finding.details))
            self._evidence[key] = set(evidence)
            return True
        self._merge(key, known, finding)
        return False

    def _merge(self, key: tuple, known: Finding, new: Finding) -> None:
        known.count += new.count
        ids = self._evidence[key]
        for flow_id in new.evidence:
            if len(known.evidence) >= self.evidence_cap:
                break
            if flow_id not in ids:
                ids.add(flow_id)
                known.evidence.append(flow_id)
        known.first_seen = _min(known.first_seen, new.first_seen)
        known.last_seen = _max(known.last_seen, new.last_seen)
        for name, value in new.details.items():
            old = known.details.get(name)
            if isinstance(old, list) and isinstance(value, list):
                for item in value:
                    if item not in old and len(old) < DETAIL_LIST_CAP:
                        old.append(item)
            elif name not in known.details:
                known.details[name] = value

    def drain_changed(self) -> list[Finding]:
        """Copies of the findings added or changed since the last call (for the store to upsert), oldest first."""
        out = [self._copy(self._findings[key]) for key in self._changed]
        self._changed.clear()
        return out

    def findings(self, session_id: str | None = None) -> list[Finding]:
        """Copies of every merged finding (of one session, when given), in the order first met."""
        return [self._copy(f) for key, f in self._findings.items() if session_id is None or key[0] == session_id]

    def get(self, finding: Finding) -> Finding | None:
        """The merged finding that ``finding`` belongs to, if any (the live object: do not change it)."""
        return self._findings.get((finding.session_id or "", *finding_key(finding)))

    def __len__(self) -> int:
        return len(self._findings)

    def __iter__(self):
        return iter(self.findings())

    @staticmethod
    def _copy(f: Finding) -> Finding:
        return dataclasses.replace(f, evidence=list(f.evidence), details=_copy_details(f.details))


def _copy_details(details: dict) -> dict:
    return {k: list(v) if isinstance(v, list) else v for k, v in details.items()}


def _min(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)
