"""`tredjepart proxy`: the mitmdump command line it builds, and refusing an invalid policy before starting."""

from click.testing import CliRunner

from tredjepart.cli import main
from tredjepart.cli.proxy import mitm_command


def test_command_line_carries_the_options():
    cmd = mitm_command(False, port=9090, listen_host="127.0.0.1", db="a.sqlite", policy="p.yaml", session="s 1",
                       entities=("l.json",), extra=("--set", "x=1"), store_values=True)
    assert cmd[0].endswith("mitmdump") and "entry.py" in cmd[2]
    joined = " ".join(cmd)
    for part in ("--listen-port 9090", "--listen-host 127.0.0.1", "tredjepart_db=a.sqlite",
                 "tredjepart_policy=p.yaml", "tredjepart_entities=l.json", "tredjepart_store_values=true"):
        assert part in joined
    assert cmd[cmd.index("--set", cmd.index("tredjepart_policy=p.yaml")) + 1] == "tredjepart_session=s 1"
    assert cmd[-2:] == ["--set", "x=1"]
    assert mitm_command(True, port=1, listen_host=None, db="d", policy=None, session=None, entities=(),
                        extra=())[0].endswith("mitmweb")


def test_invalid_policy_exits_2_without_starting(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("solution: x\nfirst_party: [a.dk]\nthird_parties:\n  - name: X\n    sites: [x.com]\n")
    r = CliRunner().invoke(main, ["proxy", "--policy", str(bad), "--db", str(tmp_path / "a.sqlite")])
    assert r.exit_code == 2 and "bad.yaml:4" in r.output
