"""The control page: only the page itself can change sessions, and what people type is escaped."""

from tredjepart.proxy.control import parse_action, render_page

HOST = "tredjepart.proxy"


def test_get_shows():
    assert parse_action("GET", "/", b"", None, None, HOST).verb == "show"


def test_post_from_the_page_starts_a_session():
    a = parse_action("POST", "/session/start", b"value=MitID+login", f"http://{HOST}", None, HOST)
    assert (a.verb, a.value) == ("start", "MitID login")


def test_post_from_another_site_is_refused():
    a = parse_action("POST", "/session/end", b"", "https://evil.example", None, HOST)
    assert a.verb == "refuse"
    assert parse_action("POST", "/session/end", b"", None, None, HOST).verb == "refuse"


def test_step_needs_a_label():
    assert parse_action("POST", "/step", b"value=", None, f"http://{HOST}/", HOST).verb == "refuse"
    assert parse_action("POST", "/step", b"value=login", None, f"http://{HOST}/", HOST).value == "login"


def test_page_escapes_names():
    page = render_page(host=HOST, session={"id": "abcdef123", "name": "<script>alert(1)</script>"},
                       steps=["<img src=x onerror=alert(1)>"])
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<img src=x" not in page
