"""`tredjepart policy check`: exit codes and the FILE:LINE: message format."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from tredjepart.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "policies" / "example-portal.yaml"
TEMPLATE = ROOT / "policies" / "templates" / "consent-cookiebot.yaml"
PROBLEM = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<message>.+)$")


def run(*args: str):
    return CliRunner().invoke(main, ["policy", "check", *args])


def test_valid_file_exits_0_with_one_ok_line():
    result = run(str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"{EXAMPLE}: OK ('Eksempelportalen': 1 first-party site(s), 4 third parties)\n")
    assert result.stderr == ""


def test_template_ok_line_names_the_values_to_fill_in():
    result = run(str(TEMPLATE))
    assert result.exit_code == 0
    assert "value(s) still say FILL IN: solution, owner" in result.stdout


def test_invalid_file_exits_2_with_file_line_message_on_stderr(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("solution: S\nfirst_party: [p.dk]\nthird_parties:\n  - name: A\n    sites: [a.dk]\n"
                   "    basis: optout\n")
    result = run(str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    m = PROBLEM.match(line)
    assert m and m["file"] == str(bad) and m["line"] == "6"
    assert m["message"] == "unknown basis 'optout' for third party 'A'; did you mean 'opt_out'?"


def test_several_files_report_each(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- not a mapping\n")
    missing = tmp_path / "missing.yaml"
    result = run(str(EXAMPLE), str(bad), str(missing))
    assert result.exit_code == 2
    assert result.stdout.count(": OK (") == 1
    lines = result.stderr.splitlines()
    assert [PROBLEM.match(line)["line"] for line in lines] == ["1", "0"]
    assert lines[1] == f"{missing}:0: file not found"


def test_a_folder_is_checked_like_the_proxy_reads_it(tmp_path):
    (tmp_path / "a.yaml").write_text(EXAMPLE.read_text())
    (tmp_path / "b.yaml").write_text("solution: B\nfirst_party: [example-portal.dk]\n")
    result = run(str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path / 'a.yaml'}: OK" in result.stdout
    assert result.stderr.startswith(f"{tmp_path / 'b.yaml'}:2: first-party site 'example-portal.dk' is also first "
                                    "party in")


def test_help_has_an_example():
    for args in (["policy", "-h"], ["policy", "check", "-h"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0 and "Example:\n    tredjepart policy check" in result.output


def test_no_file_is_a_usage_error():
    assert run().exit_code == 2
