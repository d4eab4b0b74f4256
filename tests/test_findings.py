"""FindingSet: one finding per problem per session, with capped evidence and a changed list for the store."""

from __future__ import annotations

from tredjepart.record.findings import EVIDENCE_CAP, FindingBook, FindingSet, finding_id
from tredjepart.records import Finding


def finding(flow_id: str = "f1", *, rule: str = "undeclared-third-party", site: str = "t.dk", session: str = "s1",
            when: float = 100.0, subject: str | None = None, hosts: list[str] | None = None) -> Finding:
    details = {"hosts": hosts or ["t.dk"]}
    if subject:
        details["subject"] = subject
    return Finding(rule=rule, severity="error", site=site, message=f"message for {flow_id}", evidence=[flow_id],
                   session_id=session, first_seen=when, last_seen=when, details=details)


def test_add_says_whether_the_problem_is_new():
    fs = FindingSet()
    assert fs.add(finding("f1")) is True
    assert fs.add(finding("f2")) is False
    assert fs.add(finding("f3", site="u.dk")) is True
    assert len(fs) == 2


def test_repeats_merge_evidence_count_times_and_details():
    fs = FindingSet()
    fs.add(finding("f1", when=200.0))
    fs.add(finding("f2", when=100.0, hosts=["a.t.dk"]))
    fs.add(finding("f3", when=300.0, hosts=["t.dk", "b.t.dk"]))
    (merged,) = fs.findings()
    assert merged.evidence == ["f1", "f2", "f3"] and merged.count == 3
    assert (merged.first_seen, merged.last_seen) == (100.0, 300.0)
    assert merged.details["hosts"] == ["t.dk", "a.t.dk", "b.t.dk"]
    assert merged.message == "message for f1"  # the first occurrence's message stays


def test_evidence_is_capped_but_count_is_not():
    fs = FindingSet()
    for i in range(EVIDENCE_CAP + 50):
        fs.add(finding(f"f{i}"))
    (merged,) = fs.findings()
    assert len(merged.evidence) == EVIDENCE_CAP == 200
    assert merged.evidence[-1] == "f199" and merged.count == 250


def test_the_same_flow_is_evidence_once():
    fs = FindingSet()
    fs.add(finding("f1"))
    fs.add(finding("f1"))
    (merged,) = fs.findings()
    assert merged.evidence == ["f1"] and merged.count == 2


def test_sessions_are_kept_apart():
    fs = FindingSet()
    assert fs.add(finding(session="s1")) and fs.add(finding(session="s2"))
    assert [f.session_id for f in fs.findings()] == ["s1", "s2"]
    assert [f.session_id for f in fs.findings("s2")] == ["s2"]


def test_subject_separates_problems_of_one_rule_on_one_site():
    fs = FindingSet()
    assert fs.add(finding(rule="kind-not-allowed", subject="pixel"))
    assert fs.add(finding(rule="kind-not-allowed", subject="sdk"))
    assert not fs.add(finding("f2", rule="kind-not-allowed", subject="pixel"))
    assert len(fs) == 2
    f = finding(rule="kind-not-allowed", subject="pixel")
    assert f.key == ("kind-not-allowed", "t.dk", "", "pixel")
    assert finding().key == ("undeclared-third-party", "t.dk", "", "")
    assert finding_id(f) != finding_id(finding(rule="kind-not-allowed", subject="sdk"))


def test_drain_changed_returns_what_changed_since_the_last_drain():
    fs = FindingSet()
    fs.add(finding("f1"))
    fs.add(finding("f2", site="u.dk"))
    assert [f.site for f in fs.drain_changed()] == ["t.dk", "u.dk"]
    assert fs.drain_changed() == []
    fs.add(finding("f3", site="u.dk"))
    (changed,) = fs.drain_changed()
    assert (changed.site, changed.count, changed.evidence) == ("u.dk", 2, ["f2", "f3"])


def test_returned_findings_are_copies():
    fs = FindingSet()
    original = finding("f1")
    fs.add(original)
    original.evidence.append("mutated")
    (drained,) = fs.drain_changed()
    drained.evidence.append("x")
    drained.details["hosts"].append("y")
    (merged,) = fs.findings()
    assert merged.evidence == ["f1"] and merged.details["hosts"] == ["t.dk"]
    assert fs.get(finding("f9")).evidence == ["f1"]


def test_book_hands_out_new_problems_at_once_and_repeats_once_a_second():
    book = FindingBook()
    assert book.add("s1", [finding("f1")]) != [] and len(book.due(force=True, now=10.0)) == 1
    assert book.add("s1", [finding("f2")]) == []  # a repeat: more evidence, not a new problem
    assert book.due(now=10.5) == []  # not yet
    (again,) = book.due(now=11.1)
    assert again.evidence == ["f1", "f2"] and again.count == 2
    assert book.due(force=True, now=11.2) == []  # nothing changed since


def test_book_restores_written_findings_without_writing_them_again():
    book = FindingBook()
    book.restore([finding("f1")])
    assert book.due(force=True) == []
    assert book.add("s1", [finding("f2")]) == []  # known: merged, not new
    (merged,) = book.due(force=True)
    assert merged.count == 2
