"""`tredjepart proxy`: start mitmdump (or mitmweb) with the audit addon, after checking what would make it fail
half-way (an invalid policy, a database in a missing folder, a port in use), so no empty database is left behind."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import sys
from pathlib import Path

import click

import tredjepart.proxy.entry as entry
from tredjepart.cli.options import (db_option, decoders_option, entities_option, identity_option, instrument_option,
                                    policy_option)


def mitm_command(web: bool, *, port: int, listen_host: str | None, db: str, policy: str | None,
                 session: str | None, entities: tuple[str, ...], extra: tuple[str, ...],
                 store_values: bool = False, proxy_auth: str | None = None, flows: bool = False,
                 wireguard: int | None = None, identity: str | None = None, instrument: bool = False,
                 decoders: tuple[str, ...] = ()) -> list[str]:
    """The mitmdump/mitmweb command line for these settings."""
    name = "mitmweb" if web else "mitmdump"
    exe = Path(sys.executable).with_name(name)
    cmd = [str(exe) if exe.exists() else (shutil.which(name) or name)]
    cmd += ["-s", entry.__file__, "--listen-port", str(port), "--set", f"tredjepart_db={db}"]
    if listen_host:
        cmd += ["--listen-host", listen_host]
    if wireguard is not None:
        cmd += ["--mode", "regular", "--mode", f"wireguard@{wireguard}"]
    if policy:
        cmd += ["--set", f"tredjepart_policy={policy}"]
    if session:
        cmd += ["--set", f"tredjepart_session={session}"]
    for e in entities:
        cmd += ["--set", f"tredjepart_entities={e}"]
    if identity:
        cmd += ["--set", f"tredjepart_identity={identity}"]
    for d in decoders:
        cmd += ["--set", f"tredjepart_decoders={d}"]
    if instrument:
        cmd += ["--set", "tredjepart_instrument=true"]
    if store_values:
        cmd += ["--set", "tredjepart_store_values=true"]
    if proxy_auth:
        cmd += ["--set", f"proxyauth={proxy_auth}"]
    if not flows and not web:
        cmd += ["--set", "flow_detail=0"]  # tredjepart's own view instead of one line per flow
    return cmd + list(extra)


def port_problem(host: str | None, port: int) -> str | None:
    """Why the proxy could not listen on ``host``:``port``, or None (checked by binding it for a moment)."""
    family = socket.AF_INET6 if host and ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host or "", port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return (f"port {port} is in use (another proxy?): choose another with --port N "
                        f"(make run PORT=N)")
            return f"cannot listen on {host or 'all interfaces'}:{port}: {e.strerror or e}"
    return None


@click.command("proxy", context_settings={"ignore_unknown_options": True})
@policy_option
@db_option
@identity_option
@decoders_option
@instrument_option
@click.option("--port", default=8080, show_default=True, help="Port the proxy listens on.")
@click.option("--listen-host", default=None,
              help="Address to listen on (default: all; then every client must log in, see --proxy-auth).")
@click.option("--proxy-auth", metavar="USER:PASS", default=None,
              help="The credentials clients log in with (default: a password made at start-up and printed).")
@click.option("--web", is_flag=True, help="Start mitmweb (the browser UI) instead of mitmdump.")
@click.option("--wireguard", "wireguard", type=int, default=None, is_flag=False, flag_value=51820, metavar="[PORT]",
              help="Also run mitmproxy's WireGuard mode on this UDP port (default 51820): a phone scans the QR "
                   "code in the WireGuard app and sends all its traffic, apps included, through the proxy.")
@click.option("--session", "-s", default=None, help="Start a named session for every client.")
@entities_option
@click.option("--flows", is_flag=True, help="Also print mitmdump's line per flow (off: tredjepart's own view).")
@click.option("--store-values", is_flag=True,
              help="DEBUG ONLY: store cookie values in clear. Never on real citizens' data.")
@click.argument("mitmproxy_args", nargs=-1, type=click.UNPROCESSED)
def proxy(policy, db, identity, decoders, instrument, port, listen_host, proxy_auth, web, wireguard, session, entities,
          flows, store_values, mitmproxy_args) -> None:
    """Start the auditing proxy. Extra arguments after -- go to mitmproxy.

    Point the device's proxy at this machine and PORT (log in with the password it prints), open http://mitm.it
    on it to install mitmproxy's CA, and http://tredjepart.proxy/ to name sessions and mark steps.

    Exit codes: 2 bad input (an invalid policy, a database folder that does not exist, a port in use).

    \b
    Example:
      tredjepart proxy --policy policies/example-portal.yaml --db audit.sqlite --port 8080
    """
    if policy:
        from tredjepart.policy import check_policies

        _, problems = check_policies(policy)
        if problems:
            for p in problems:
                click.echo(str(p), err=True)
            raise SystemExit(2)  # documented: 2 = bad input; the proxy does not record against nothing
    folder = Path(db).expanduser().resolve().parent
    if not folder.is_dir():
        click.echo(f"tredjepart: the folder of --db {db} does not exist ({folder}): create it, or choose another",
                   err=True)
        raise SystemExit(2)
    if (problem := port_problem(listen_host, port)) is not None:
        click.echo(f"tredjepart: {problem}", err=True)
        raise SystemExit(2)
    if store_values:
        click.echo("tredjepart: WARNING: --store-values stores cookie values IN CLEAR. Debug only.", err=True)
    cmd = mitm_command(web, port=port, listen_host=listen_host, db=db, policy=policy, session=session,
                       entities=entities, extra=mitmproxy_args, store_values=store_values, proxy_auth=proxy_auth,
                       flows=flows, wireguard=wireguard, identity=identity, instrument=instrument,
                       decoders=decoders)
    click.echo(f"tredjepart: starting {Path(cmd[0]).name} on port {port}, recording into {db}", err=True)
    try:
        os.execv(cmd[0], cmd)
    except OSError as e:
        raise click.ClickException(f"cannot start {cmd[0]}: {e}") from e


COMMANDS = [proxy]
