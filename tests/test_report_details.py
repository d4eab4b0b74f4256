"""The smaller things a user meets in the reports and exports: the hashing key's id labelled as an id, full
SHA-256 of scripts, a UTC text twin for every time column of an export, and datasette-metadata on a missing file."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from report_walks import record_two_walks
from tredjepart.cli import main
from tredjepart.report.export import TIME_COLUMNS


@pytest.fixture(scope="module")
def walks(tmp_path_factory):
    return record_two_walks(tmp_path_factory.mktemp("walks"))


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_the_hashing_key_is_shown_as_its_id_never_the_key(walks):
    db = Database(walks)
    key_id = db.table("meta").get("key_id")["value"]
    key = db.table("meta").get("hmac_key")["value"]
    md = run("report", str(walks)).stdout
    assert f"- **Hashnøglens id:** `{key_id}` · ID " in md and "**Hashnøgle:**" not in md
    html = run("report", str(walks), "-f", "html", "--lang", "en").stdout
    assert f'<dt>Hashing key id</dt><dd class="mono">{key_id}</dd>' in html
    for text in (md, html, run("report", str(walks), "-f", "json").stdout):
        assert key not in text


def test_scripts_show_their_full_sha256(walks):
    sha = Database(walks).execute("select sha256 from scripts where host = 'www.googletagmanager.com'").fetchone()[0]
    assert len(sha) == 64
    html = run("report", str(walks), "-f", "html").stdout
    assert f'<td class="mono sha">{sha}</td>' in html  # all 64 digits, wrapped by the style sheet
    assert re.search(r"td\.sha \{[^}]*word-break: break-all", html)
    assert f"| `{sha}` |" in run("report", str(walks)).stdout


def test_every_time_column_of_every_export_has_its_utc_twin(walks):
    db = Database(walks)
    tables = [t for t in db.table_names() if not t.startswith(("_", "sqlite_")) and t != "meta"] + db.view_names()
    seen_times = set()
    for table in tables:
        r = run("export", str(walks), "-t", table)
        assert r.exit_code == 0, r.output
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        header = next(csv.reader(io.StringIO(r.stdout)))
        for col in [c for c in header if c in TIME_COLUMNS]:
            seen_times.add((table, col))
            assert header[header.index(col) + 1] == f"{col}_utc", (table, header)
            for row in rows:
                if row[col]:
                    want = datetime.fromtimestamp(float(row[col]), UTC).strftime("%Y-%m-%d %H:%M:%S")
                    assert row[f"{col}_utc"] == want, (table, col)
        if table in db.table_names():  # every REAL column of a table is a time (with its twin) or the one ratio
            reals = {c.name for c in db.table(table).columns if c.type == "REAL"}
            assert reals - set(TIME_COLUMNS) <= {"value_entropy"}, (table, reals)
    assert ("third_parties_per_session", "last_seen") in seen_times and ("flows", "started") in seen_times
    header = next(csv.reader(io.StringIO(run("export", str(walks), "-t", "third_parties_per_session").stdout)))
    assert header[-4:] == ["first_seen", "first_seen_utc", "last_seen", "last_seen_utc"]


def test_datasette_metadata_on_a_missing_or_foreign_file_exits_2(tmp_path):
    r = run("datasette-metadata", str(tmp_path / "missing.sqlite"))
    assert r.exit_code == 2 and "missing.sqlite: no such database file" in r.output and not r.stdout.startswith("{")
    assert not (tmp_path / "missing.sqlite").exists()
    Database(tmp_path / "other.sqlite").table("x").insert({"a": 1})
    r = run("datasette-metadata", str(tmp_path / "other.sqlite"))
    assert r.exit_code == 2 and "not a tredjepart database" in r.output
    assert run("datasette-metadata").exit_code == 0  # without DB: the metadata for tredjepart.sqlite
