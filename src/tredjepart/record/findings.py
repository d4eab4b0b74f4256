"""Finding bookkeeping: one finding per problem per session, however often the problem is met, and what changed.

A repeat adds its flow ids to ``evidence`` (at most ``EVIDENCE_CAP`` ids are kept; ``count`` counts every
occurrence), widens ``first_seen``/``last_seen`` and unions the list-valued ``details`` (hosts, kinds). The first
occurrence's message is kept. The identity of a finding is its session and ``Finding.key`` (rule, site, host,
subject; see rules.py).

``FindingBook`` is what the recorder keeps: it merges, says which findings are new (the proxy logs those), and hands
out the changed ones to write: a new problem at once, more evidence for known ones at most once a second and when
a session ends. It writes nothing itself.
"""

from __future__ import annotations

import dataclasses
import time

from tredjepart.ids import record_id
from tredjepart.records import Finding

EVIDENCE_CAP = 200
DETAIL_LIST_CAP = 50
REPEAT_SECONDS = 1.0  # more evidence for known findings is handed out at most this often


def finding_id(f: Finding) -> str:
    """The finding's stable id: its session and identity."""
    return record_id(f.session_id or "", *f.key)


class FindingSet:
    """The merged findings of one or more sessions (keyed by session too)."""

    def __init__(self, evidence_cap: int = EVIDENCE_CAP) -> None:
        self.evidence_cap = evidence_cap
        self._findings: dict[tuple, Finding] = {}
        self._evidence: dict[tuple, set[str]] = {}
        self._changed: dict[tuple, None] = {}  # ordered set

    def add(self, finding: Finding) -> bool:
        """Merge ``finding`` in; True when it is a problem this session had not met before."""
        key = (finding.session_id or "", *finding.key)
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
        return self._findings.get((finding.session_id or "", *finding.key))

    def __len__(self) -> int:
        return len(self._findings)

    def count(self, session_id: str) -> int:
        """How many distinct problems ``session_id`` has met."""
        return sum(1 for key in self._findings if key[0] == session_id)

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


class FindingBook:
    """The merged findings of the sessions a recorder runs, and which of them are due to be written."""

    def __init__(self) -> None:
        self.findings = FindingSet()
        self._changed = False  # whether findings changed since they were last handed out
        self._handed_out = 0.0

    def add(self, session_id: str, found: list[Finding]) -> list[Finding]:
        """Merge ``found`` into the session's findings; returns the problems the session had not met before."""
        new = []
        for f in found:
            f.session_id = session_id
            if self.findings.add(f):
                new.append(f)
        self._changed = self._changed or bool(found)
        return new

    def restore(self, findings: list[Finding]) -> None:
        """Take back findings already written (a resumed session): merged into, not written again as they are."""
        for f in findings:
            self.findings.add(f)
        self.findings.drain_changed()

    def due(self, *, force: bool = False, now: float | None = None) -> list[Finding]:
        """The changed findings to write: all of them when ``force`` (a new problem, a session's end, closing) or
        when a second has passed since the last hand-out; else none."""
        now = time.monotonic() if now is None else now
        if not self._changed or not (force or now - self._handed_out >= REPEAT_SECONDS):
            return []
        self._changed = False
        self._handed_out = now
        return self.findings.drain_changed()
