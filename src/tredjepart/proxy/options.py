"""The addon's options, each with its help (mitmproxy shows it in ``--options`` and mitmweb's option editor)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from tredjepart.proxy.control import DEFAULT_HOST


def add_options(loader) -> None:
    loader.add_option("tredjepart_db", str, "tredjepart.sqlite", "SQLite file the audit is recorded into.")
    loader.add_option(
        "tredjepart_policy", Optional[str], None,
        "Policy YAML file, or a folder of them, declaring the solution's first and third parties. "
        "Without one, the site of a session's first page is its first party and every other site is flagged.",
    )
    loader.add_option(
        "tredjepart_session", Optional[str], None,
        "Name of a session to start now, for every client; changing it starts a new session.",
    )
    loader.add_option(
        "tredjepart_entities", Sequence[str], [],
        "Extra tracker/owner lists (Disconnect services.json/entities.json, DuckDuckGo tds.json/"
        "android-tds.json, or tredjepart's own YAML); they win over the built-in owners.",
    )
    loader.add_option(
        "tredjepart_identity", Optional[str], None,
        "A declared test identity (YAML: name, cpr, email, phone, address, postcode, birth_date, other), to find "
        "it in every form in what third parties receive. Its values are never stored (docs/received.md).",
    )
    loader.add_option(
        "tredjepart_decoders", Sequence[str], [],
        "Extra endpoint decoder files (docs/received.md): which request field of a tracker carries which data.",
    )
    loader.add_option(
        "tredjepart_background_hosts", Sequence[str], [],
        "Extra hosts (domains or globs, optionally with a /path prefix) that are the device's own "
        "background traffic, never a third party of the solution.",
    )
    loader.add_option(
        "tredjepart_control_host", str, DEFAULT_HOST,
        "Host name of the control page the tester opens on the device to start sessions and mark steps.",
    )
    loader.add_option(
        "tredjepart_cnames", bool, True,
        "Resolve the canonical name (CNAME) of first-party hosts, once each and off the event loop, to find "
        "trackers behind a first-party name. Turn off where the proxy must not make DNS lookups.",
    )
    loader.add_option(
        "tredjepart_process", bool, True,
        "Record in a separate worker process, so the proxy keeps its speed (marks on uncovered flows then "
        "arrive milliseconds after the response). Off: record inside the proxy's own process.",
    )
    loader.add_option(
        "tredjepart_auth", str, "auto",
        "Proxy authentication: 'auto' requires it when the proxy listens beyond this machine (a password is made "
        "at start-up and printed, unless proxyauth is set); 'always' requires it on loopback too; 'off' never "
        "(an open proxy on a network: only where nobody else can reach the port).",
        choices=("auto", "always", "off"),
    )
    loader.add_option(
        "tredjepart_terminal", str, "tredjepart",
        "What the terminal shows: 'tredjepart' (a status line per session, findings as they appear, a summary at "
        "the end; mitmproxy's connection log left out) or 'mitmproxy' (mitmproxy's own log as well).",
        choices=("tredjepart", "mitmproxy"),
    )
    loader.add_option(
        "tredjepart_instrument", bool, False,
        "Put the in-page instrument into every HTML page (docs/instrument.md): it records which script stores what "
        "on the device (cookies by script, localStorage, sessionStorage, IndexedDB, Cache API) and which script "
        "starts beacons, fetch and XHR. Off by default: it CHANGES THE PAGES it audits (one more script, their "
        "Content-Security-Policy widened for it), and every report of such a session says so.",
    )
    loader.add_option(
        "tredjepart_store_values", bool, False,
        "DEBUG ONLY: also store cookie values in clear. Never use this on real citizens' data.",
    )
