"""Secrets in URL paths and query names become [KIND:HASH] placeholders; ordinary paths stay readable."""

from __future__ import annotations

import re

import pytest

from tredjepart.hashing import keyed_hash
from tredjepart.observe import observe
from tredjepart.observe.paths import MAX_NAME, MAX_NAMES, MAX_PATH, mask_name, mask_path, unguessable
from tredjepart.observe.randomness import random_kind
from tredjepart.observe.tokens import secret_spans
from tredjepart.observe.urls import loggable_url, strip_query_values

KEY = b"k" * 32
PLACEHOLDER = re.compile(r"\[([a-z0-9]+)(?::([0-9a-f]{32}))?\]")


def kinds(masked: str) -> list[str]:
    return [k for k, _ in PLACEHOLDER.findall(masked)]


# Paths that carry a secret: (path, the secret, the kind it must be stored as).
SECRETS = [
    ("/reset/3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", "3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", "token"),
    ("/files/3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", "3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", "hex"),
    ("/accounts/reset/MQ/5ab-c1d2e3f4a5b6c7d8e9f0/", "5ab-c1d2e3f4a5b6c7d8e9f0", "mixed"),  # Django
    ("/auth/magic-link/Xk29fLq0ZpA7", "Xk29fLq0ZpA7", "token"),
    ("/confirm/ab12cd", "ab12cd", "token"),
    ("/activate/550e8400-e29b-41d4-a716-446655440000", "550e8400-e29b-41d4-a716-446655440000", "token"),
    ("/sager/550e8400-e29b-41d4-a716-446655440000", "550e8400-e29b-41d4-a716-446655440000", "uuid"),
    ("/shop/cart.do;jsessionid=0123456789ABCDEF0123456789ABCDEF.node1",
     "0123456789ABCDEF0123456789ABCDEF.node1", "session"),
    ("/login;jsessionid=1a2b3c", "1a2b3c", "session"),
    ("/kurv;sid=abc", "abc", "session"),
    ("/(S(lit3py55t21z5v55vlm25s55))/default.aspx", "lit3py55t21z5v55vlm25s55", "session"),
    ("/app/(lit3py55t21z5v55vlm25s55)/orderform.aspx", "lit3py55t21z5v55vlm25s55", "session"),  # ASP.NET 1.x
    ("/api/verify/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlXzEyMw",
     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlXzEyMw", "jwt"),
    ("/users/jens.hansen%40example.dk/profil", "jens.hansen@example.dk", "email"),
    ("/users/jens.hansen%2540example.dk/profil", "jens.hansen@example.dk", "email"),  # encoded twice
    ("/borger/0101901234/sager", "0101901234", "cpr"),
    ("/borger/010190-1234", "010190-1234", "cpr"),
    ("/v1/sync/partner/CfRp5bKbQVwhTz8mQ2xL", "CfRp5bKbQVwhTz8mQ2xL", "base64"),
    ("/api/keys/ghp_1A2b3C4d5E6f7G8h9I0jKlMnOpQrSt", "ghp_1A2b3C4d5E6f7G8h9I0jKlMnOpQrSt", "mixed"),
    ("/ibs:dpid=477&dpuuid=2dd11a66e50841ac09c855d21dbb9845", "2dd11a66e50841ac09c855d21dbb9845", "id"),
    ("/pixel;r=163;fpa=P0-854010377-1451827126668;ns=0", "P0-854010377-1451827126668", "id"),
    ("/activityi;src=8154892;token=s3cr3t", "s3cr3t", "token"),
    ("/invite/AbCdEf12/accept", "AbCdEf12", "token"),
]


@pytest.mark.parametrize("path, secret, kind", SECRETS)
def test_secret_in_path_is_stored_as_placeholder_with_keyed_hash(path, secret, kind):
    """A keyed hash where the value cannot be guessed; [KIND] alone for e-mails, CPR numbers, short codes."""
    masked = mask_path(path, KEY)
    assert secret not in masked
    expected = keyed_hash(KEY, secret) if unguessable(kind, secret) else ""
    assert (kind, expected) in PLACEHOLDER.findall(masked), masked


@pytest.mark.parametrize("kind, value, hashed", [
    ("cpr", "0101901234", False), ("email", "a.very.long.address.nobody.guesses@example.dk", False),
    ("token", "123456", False), ("session", "1a2b3c", False), ("id", "Lm-9qVlU", False),
    ("token", "Xk29fLq0ZpA7", True), ("hex", "3f2a9c0d1e2b4a5f", True),
    ("uuid", "550e8400-e29b-41d4-a716-446655440000", True),
])
def test_only_values_that_cannot_be_guessed_get_a_hash(kind, value, hashed):
    """Whoever holds the database holds its key: a hash of a CPR number or a 6-digit code could be reversed by
    trying them all, so those are masked without one."""
    assert unguessable(kind, value) is hashed
    assert mask_path(f"/x;token={value}", KEY).endswith("]") and value not in mask_path(f"/x;token={value}", KEY)


# Paths that must stay as they are: words, slugs, numbers, dates, versions, content-hashed assets.
READABLE = [
    "/ansoeg/kontanthjaelp",
    "/static/app.4f3a9c.js",
    "/static/js/main.4f3a9c0d1e2b4a5f6789.chunk.js",
    "/assets/3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b/app.js",  # a build id in the directory of an asset
    "/s/Zd2E9abXLFGSr9G3YK2MsD86pq2NkPzVgw_9lpT6RGI.woff2",  # Google Fonts: sha256 as file name
    "/ctjs/controltag.js.8508be838d94dc9198a6fb9a854d3e47",
    "/images/logo@2x.png",
    "/2024/01/15/homepage-injection-zone-4",
    "/api/v2/cases/123456/documents",
    "/borger/selvbetjening/step-2",
    "/reset/password",
    "/confirm/email",
    "/b/ss/rsidprod/1/JS-2.22.0/s95634725496638",
    "/wp-content/uploads/2024/01/IMG_20240115_123456.jpg",
    "/gtag/js",
    "/g/collect",
    "/Ad4647099St3Sz170Sq22802649V0Id1",  # labelled numbers
    "/fonts/000000000000000000012d67",  # hex with little variety
    "/wiki/Special:Search",
    "/articles/BlackhawksWhiteHouse2010",
]


@pytest.mark.parametrize("path", READABLE)
def test_ordinary_path_stays_readable(path):
    assert mask_path(path, KEY) == path


def test_same_token_same_placeholder_other_key_other_hash():
    a = mask_path("/reset/3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", KEY)
    assert a == mask_path("/reset/3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", KEY)
    assert a != mask_path("/reset/3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", b"x" * 32)
    # the hash equals a cookie's value_hash for the same value: SQL can join a path token to a cookie
    assert a == f"/reset/[token:{keyed_hash(KEY, '3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b')}]"


def test_literal_brackets_are_escaped_so_a_bracket_is_always_a_placeholder():
    assert mask_path("/a[token:abc]/b", KEY) == "/a%5Btoken:abc%5D/b"


def test_without_a_key_the_placeholder_names_the_kind_only():
    assert mask_path("/reset/3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", None) == "/reset/[token]"


def test_masked_segment_is_encoded_again_and_the_rest_kept_as_sent():
    assert mask_path("/a%20b/u/jens%40example.dk", KEY) == "/a%20b/u/[email]"
    assert mask_path("/x/a%20b@c.dk%20z", KEY).endswith("%20z") and "@" not in mask_path("/x/a%20b@c.dk", KEY)


def test_long_path_is_cut_at_a_segment_with_the_count():
    path = "/seg" * 2000
    masked = mask_path(path, KEY)
    assert len(masked) <= MAX_PATH + 20
    cut = int(re.search(r"\[cut:(\d+)\]$", masked).group(1))
    assert len(masked) - len(f"/[cut:{cut}]") + cut == len(path)


def test_one_huge_segment_is_cut_and_its_kept_part_still_masked():
    token = "Ab1" * 5000
    masked = mask_path("/t/" + token, KEY)
    assert "Ab1Ab1Ab1" not in masked and masked.endswith("]") and "[cut:" in masked


@pytest.mark.parametrize("name, kind", [
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlXzEyMw", "jwt"),  # ?eyJ... with no "="
    ("jens@example.dk", "email"),
    ("3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", "hex"),
    ("token_Xk29fLq0ZpA7mB3cQw", "mixed"),
])
def test_value_less_query_part_that_looks_like_a_secret_is_masked(name, kind):
    url, path, names = strip_query_values("https", "h.dk", 443, f"/p?a=1&{name}", KEY)
    assert name not in url and kinds(names[1]) == [kind] and names[0] == "a"


def test_ordinary_query_names_are_kept():
    assert strip_query_values("https", "h.dk", 443, "/p?uid=1&page=2&flag", KEY)[2] == ("uid", "page", "flag")


def test_query_names_are_bounded():
    target = "/p?" + "&".join(f"n{i}" for i in range(MAX_NAMES + 10))
    names = strip_query_values("https", "h.dk", 443, target, KEY)[2]
    assert len(names) == MAX_NAMES + 1 and names[-1] == "[cut:10]"
    assert len(mask_name("a" * 5000, KEY)) == MAX_NAME
    long = mask_name("x" * 190 + "3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", KEY)
    assert len(long) <= MAX_NAME and "[" not in long  # never a placeholder cut in half


def test_fragment_is_dropped():
    assert strip_query_values("https", "h.dk", 443, "/cb#access_token=abc", KEY)[0] == "https://h.dk/cb"


def test_random_kind_tells_ids_from_words():
    assert random_kind("Xk29fLq0ZpA7mB3cQw") == "base64"
    assert random_kind("homepage-injection-zone-4") is None
    assert random_kind("1234567890123456") is None
    assert random_kind("d41d8cd98f00b204e9800998ecf8427e") == "hex"


def test_spans_do_not_overlap():
    spans = secret_spans("jsessionid=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl")
    assert len(spans) == 1 and spans[0][0] == len("jsessionid=")


def test_observe_masks_url_path_names_script_url_and_cookie_names(flow_factory):
    f = flow_factory(
        "https://cdn.tracker.dk/reset/3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b/t.js;jsessionid=SESSIONVALUE42?"
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl&x=1",
        req_headers={"Cookie": "tok_9f86d081884c7d659a2feaa0c55ad015=1"},
        resp_headers={"Content-Type": "application/javascript"}, resp_body=b"var a;")
    obs = observe(f, "s", KEY)
    dump = repr(obs)
    for secret in ("3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b", "SESSIONVALUE42", "eyJhbGciOiJIUzI1NiJ9",
                   "9f86d081884c7d659a2feaa0c55ad015"):
        assert secret not in dump
    assert obs.flow.path == f"/reset/[token:{keyed_hash(KEY, '3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b')}]/" \
                            f"t.js;jsessionid=[session:{keyed_hash(KEY, 'SESSIONVALUE42')}]"
    assert obs.scripts[0].url == obs.flow.url and kinds(obs.flow.query_names[0]) == ["jwt"]
    assert obs.flow.kind == "script"  # the kind is read from the path as sent


def test_loggable_url_has_no_query_values_and_no_path_secrets(flow_factory):
    f = flow_factory("https://h.dk/reset/3f2a9c0d1e2b4a5f6a7b8c9d0e1f2a3b?uid=SECRET")
    assert loggable_url(f.request) == "https://h.dk/reset/[token]?uid="
