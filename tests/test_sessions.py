"""Sessions per client, named sessions for every client, and steps."""

from tredjepart.record.sessions import ALL_CLIENTS, SessionTracker


def test_each_client_gets_its_own_session():
    t = SessionTracker()
    a, new_a = t.session_for("10.0.0.1", 1.0)
    again, new_again = t.session_for("10.0.0.1", 2.0)
    b, _ = t.session_for("10.0.0.2", 3.0)
    assert new_a and not new_again and a is again and a.id != b.id


def test_named_session_covers_every_client_and_ends_others():
    t = SessionTracker()
    old, _ = t.session_for("10.0.0.1", 1.0)
    named, ended = t.start("login walkthrough", 5.0)
    assert ended == [old] and old.ended == 5.0
    assert t.session_for("10.0.0.9", 6.0)[0] is named and named.client == ALL_CLIENTS


def test_session_started_from_a_device_is_that_devices():
    t = SessionTracker()
    phone, _ = t.start("phone", 1.0, client="10.0.0.5")
    other, new = t.session_for("10.0.0.6", 2.0)
    assert new and other is not phone


def test_end_then_next_flow_starts_fresh():
    t = SessionTracker()
    s, _ = t.session_for("c", 1.0)
    t.end(2.0, "c")
    s2, new = t.session_for("c", 3.0)
    assert new and s2.id != s.id and s.ended == 2.0


def test_step_marks_current_session_and_starts_one_when_needed():
    t = SessionTracker()
    steps, started = t.step("login", 1.0)
    assert len(steps) == 1 and len(started) == 1 and started[0].step is steps[0]
    s, _ = t.session_for("anyone", 2.0)
    assert s.step.label == "login"
    steps, started = t.step("consent: reject", 3.0, client="anyone")
    assert not started and s.step.label == "consent: reject"


def test_a_flow_belongs_to_the_step_current_when_its_request_started():
    t = SessionTracker()
    s, _ = t.session_for("10.0.0.1", 1.0)
    assert s.step_at(5.0) is None
    (login,), _ = t.step("login", 10.0, "10.0.0.1")
    (pay,), _ = t.step("pay", 20.0, "10.0.0.1")
    assert s.step_at(9.9) is None and s.step_at(10.0) == login.id and s.step_at(19.99) == login.id
    assert s.step_at(25.0) == pay.id
    assert s.step_labels == ["login", "pay"]
