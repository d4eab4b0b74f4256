"""`tredjepart proxy`: the mitmdump command line it builds, and refusing an invalid policy before starting."""

from click.testing import CliRunner

from tredjepart.cli import main
from tredjepart.cli.proxy import mitm_command


def test_command_line_carries_the_options():
    cmd = mitm_command(False, port=9090, listen_host="127.0.0.1", db="a.sqlite", policy="p.yaml", session="s 1",
                       entities=("l.json",), extra=("--set", "x=1"), store_values=True, identity="person.yaml",
                       decoders=("a.yaml", "b.yaml"))
    assert cmd[0].endswith("mitmdump") and "entry.py" in cmd[2]
    joined = " ".join(cmd)
    for part in ("--listen-port 9090", "--listen-host 127.0.0.1", "tredjepart_db=a.sqlite",
                 "tredjepart_policy=p.yaml", "tredjepart_entities=l.json", "tredjepart_store_values=true",
                 "tredjepart_identity=person.yaml", "--set tredjepart_decoders=a.yaml --set tredjepart_decoders=b.yaml"):
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


def test_quiet_per_flow_lines_and_wireguard_mode():
    quiet = mitm_command(False, port=1, listen_host=None, db="d", policy=None, session=None, entities=(), extra=())
    assert "flow_detail=0" in quiet
    loud = mitm_command(False, port=1, listen_host=None, db="d", policy=None, session=None, entities=(), extra=(),
                        flows=True, wireguard=51820)
    assert "flow_detail=0" not in loud and "wireguard@51820" in loud and "regular" in loud


def test_a_database_in_a_missing_folder_is_one_clear_line(tmp_path):
    r = CliRunner().invoke(main, ["proxy", "--db", str(tmp_path / "nope" / "a.sqlite")])
    assert r.exit_code == 2 and "does not exist" in r.output and "Traceback" not in r.output


def test_a_port_in_use_gets_a_hint_and_leaves_no_database(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        db = tmp_path / "a.sqlite"
        r = CliRunner().invoke(main, ["proxy", "--db", str(db), "--port", str(port), "--listen-host", "127.0.0.1"])
    assert r.exit_code == 2 and f"port {port} is in use" in r.output and "--port" in r.output
    assert not db.exists()
