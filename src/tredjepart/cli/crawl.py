"""`tredjepart crawl` (an unattended walkthrough of public pages) and `tredjepart demo` (the bundled demo)."""

from __future__ import annotations

from pathlib import Path

import click
from sqlite_utils import Database

from tredjepart.cli.options import BadInput, db_option, identity_option, instrument_option, policy_option


def _parse_resolve(values: tuple[str, ...]) -> dict[str, tuple[str, int]]:
    mapping = {}
    for v in values:
        host, _, addr = v.partition("=")
        ip, _, port = addr.rpartition(":")
        if not host or not ip or not port.isdigit():
            raise BadInput(f"--resolve {v!r}: expected HOST=ADDRESS:PORT, e.g. www.portal.test=127.0.0.1:8000")
        mapping[host.lower()] = (ip.strip("[]"), int(port))
    return mapping


@click.command("crawl")
@click.argument("urls", nargs=-1, required=True)
@policy_option
@db_option
@identity_option
@instrument_option
@click.option("--pages", default=5, show_default=True, help="Same-site links of the first page to visit too.")
@click.option("--consent", type=click.Choice(["accept", "reject", "none"]), default="none", show_default=True,
              help="Answer the consent banner after the first page.")
@click.option("--session", "-s", default=None, help="Session name (default: 'crawl URL').")
@click.option("--chromium", default=None, help="Chromium binary (default: 'chromium' on PATH).")
@click.option("--resolve", multiple=True, metavar="HOST=ADDR:PORT",
              help="Connect HOST to ADDR:PORT instead of resolving it; all other hosts are then refused.")
def crawl_command(urls, policy, db, identity, instrument, pages, consent, session, chromium, resolve) -> None:
    """Walk through public pages unattended with headless Chromium through the auditing proxy.

    Steps are recorded as "before consent" and "consent: accept"/"consent: reject". Exit codes: 0 done,
    2 bad input (no Chromium, invalid policy).

    \b
    Example:
      tredjepart crawl https://www.borger.dk/ --policy policies/ --consent reject --pages 10
    """
    from tredjepart.crawl import crawl

    try:
        result = crawl(list(urls), db=db, policy=policy, pages=pages, consent=consent, chromium=chromium,
                       session=session, resolve=_parse_resolve(resolve) or None, identity=identity,
                       instrument=instrument)
    except ValueError as e:
        raise BadInput(str(e)) from e
    for e in result.errors:
        click.echo(f"warning: {e}", err=True)
    click.echo(f"session {result.session_id[:8]}: {len(result.pages)} pages"
               + (f", consent answered with {result.consent_clicked}" if result.consent_clicked else ""))
    _summary(db, result.session_id)


def _summary(db_path, session_id: str) -> None:
    db = Database(db_path)
    rows = db.query(
        "select coalesce(s.label, '(no step)') step, f.site, max(f.covered) covered from flows f "
        "left join steps s on s.id = f.step_id where f.session_id = ? and f.party = 'third' "
        "group by 1, 2 order by min(f.started), 2", [session_id])
    current = None
    for r in rows:
        if r["step"] != current:
            current = r["step"]
            click.echo(f"  {current}:")
        mark = "covered" if r["covered"] else "NOT COVERED"
        click.echo(f"    {r['site']:32s} {mark}")
    db.close()


@click.command("demo")
@click.option("--out", "-o", default="demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for demo.sqlite and report.html.")
@click.option("--consent", type=click.Choice(["accept", "reject", "none"]), default="accept", show_default=True)
@click.option("--chromium", default=None, help="Chromium binary (default: 'chromium' on PATH).")
@instrument_option
def demo(out, consent, chromium, instrument) -> None:
    """Crawl the bundled fictional citizen portal (served locally) and write its report.

    \b
    Example:
      tredjepart demo --out demo --consent reject
    """
    from tredjepart.crawl import crawl
    from tredjepart.demo.site import PORTAL, DemoServer

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "demo.sqlite"
    for stale in folder.glob("demo.sqlite*"):
        stale.unlink()
    policy = Path(__file__).resolve().parents[1] / "demo" / "demo-portal.yaml"
    with DemoServer() as server:
        try:
            result = crawl([f"http://{PORTAL}/"], db=str(db), policy=str(policy), pages=5, consent=consent,
                           chromium=chromium, session=f"demo ({consent})", resolve=server.hosts,
                           instrument=instrument)
        except ValueError as e:
            raise BadInput(str(e)) from e
    for e in result.errors:
        click.echo(f"warning: {e}", err=True)
    click.echo(f"Crawled {len(result.pages)} pages of the demo portal; consent: {result.consent_clicked or 'none'}")
    _summary(db, result.session_id)
    try:
        from tredjepart.report import write_report
    except ImportError:
        click.echo(f"database: {db}")
        return
    report = folder / "report.html"
    write_report(db, report, fmt="html", lang="da")
    click.echo(f"report: {report}  (database: {db})")


COMMANDS = [crawl_command, demo]
