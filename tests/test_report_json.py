"""The JSON report: real output validates against the shipped JSON Schema, and the format is documented."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from sqlite_utils import Database

from conftest import ROOT
from tredjepart.report import build_json, render
from tredjepart.report.example import example_owners, build_example
from tredjepart.report.json_report import FORMAT_VERSION, iso, load_schema, to_json
from tredjepart.report.model import build_report
from tredjepart.store.schema import migrate


def _validate(data: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema())
    jsonschema.Draft202012Validator(load_schema(), format_checker=jsonschema.FormatChecker()).validate(data)


@pytest.fixture
def db():
    d = Database(memory=True)
    build_example(d)
    return d


def test_example_output_validates(db):
    data = json.loads(render(build_report(db, entities=example_owners()), "json"))
    _validate(data)
    assert data["format_version"] == FORMAT_VERSION
    assert data["tool"]["name"] == "tredjepart"
    s = data["sessions"][0]
    assert s["flows"]["total"] == 29 and s["started"].endswith("Z")
    parties = {p["site"]: p for p in s["third_parties"]}
    assert parties["sporing-demo.com"]["covered"] is False and parties["sporing-demo.com"]["basis"] is None
    assert parties["stats-demo.dk"]["basis"] == "written_agreement" and parties["stats-demo.dk"]["covered"]
    assert parties["video-demo.dk"]["country"] == "US"
    finding = next(f for f in s["findings"] if f["rule"] == "undeclared-third-party")
    assert finding["severity"] == "error" and finding["site"] == "sporing-demo.com" and finding["evidence"]
    assert data["summary"]["uncovered"] == 2 and data["summary"]["verdict"] == "not_compliant"


def test_without_optional_tables_validates(db):
    for name in ("detections", "blind_spots"):
        if db.table(name).exists():
            db.table(name).drop()
    data = to_json(build_report(db, entities=None))
    _validate(data)
    assert data["sessions"][0]["blind_spots"] is None
    assert data["summary"]["detections_recorded"] is False


def test_empty_database_validates():
    d = Database(memory=True)
    migrate(d)
    data = build_json(d)
    _validate(data)
    assert data["sessions"] == [] and data["summary"]["third_parties"] == 0


def test_build_json_from_path(tmp_path):
    path = tmp_path / "a.sqlite"
    d = Database(path)
    build_example(d)
    d.close()
    data = build_json(path)
    _validate(data)
    assert len(data["sessions"]) == 1


def test_iso_times():
    assert iso(0.0) == "1970-01-01T00:00:00.000Z"
    assert iso(None) is None


def _schema_fields(node, found=None) -> set[str]:
    found = set() if found is None else found
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            found.add(name)
            _schema_fields(sub, found)
        for key in ("items", "$defs", "anyOf"):
            sub = node.get(key)
            if isinstance(sub, dict):
                for v in (sub.values() if key == "$defs" else [sub]):
                    _schema_fields(v, found)
            elif isinstance(sub, list):
                for v in sub:
                    _schema_fields(v, found)
    return found


def test_every_field_is_documented():
    doc = (ROOT / "docs" / "report-format.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(\w+)` \|", doc, re.M))
    missing = _schema_fields(load_schema()) - documented
    assert not missing, f"fields in report.schema.json not documented in docs/report-format.md: {sorted(missing)}"
    assert f"`{FORMAT_VERSION}`" in doc


def test_sample_json_in_docs_is_current_format():
    sample = ROOT / "docs" / "sample-report.json"
    if not sample.exists():
        pytest.skip("docs/sample-report.json not generated (make report)")
    _validate(json.loads(sample.read_text(encoding="utf-8")))
