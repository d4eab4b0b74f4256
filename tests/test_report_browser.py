"""The HTML report in real headless Chromium: it renders (graph and timeline in their colours), and hostile data
runs nothing. A control page without our escaping and CSP shows that the check would see a script run."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from html import unescape
from pathlib import Path

import pytest

from test_report_html import hostile_db
from tredjepart.report import render
from tredjepart.report.example import example_owners
from tredjepart.report.model import build_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium on PATH (.ci/run installs it)"),
]

RED, GREEN = (0xC6, 0x28, 0x28), (0x2E, 0x7D, 0x32)


def _chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         *args, url],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)


def _title(dom: str) -> str:
    m = re.search(r"<title>(.*?)</title>", dom, re.S)
    return m.group(1) if m else ""


def _png_pixels(path: Path) -> tuple[int, int, list[bytes], int]:
    """(width, height, unfiltered rows, bytes per pixel) of an 8-bit RGB or RGBA PNG, with only the stdlib."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth=} {colour=}"
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytes(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def _count(rows: list[bytes], bpp: int, colour: tuple[int, int, int], tolerance: int = 30) -> int:
    n = 0
    for row in rows:
        for i in range(0, len(row), bpp * 2):  # every other pixel is plenty
            if all(abs(row[i + k] - colour[k]) <= tolerance for k in range(3)):
                n += 1
    return n


def test_report_renders_and_hostile_data_runs_nothing(tmp_path):
    html = render(build_report(hostile_db(), entities=example_owners()), "html", "da")
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    expected_title = _title(html)
    dom = _chromium(tmp_path, page.as_uri(), "--dump-dom", "--virtual-time-budget=3000")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<h1>" in dom.stdout, "Chromium did not load the report"
    assert unescape(_title(dom.stdout)) == unescape(expected_title) != "pwned"  # no handler changed it
    assert "<img" not in dom.stdout and "<script" not in dom.stdout.lower()

    shot = tmp_path / "report.png"
    r = _chromium(tmp_path, page.as_uri(), f"--screenshot={shot}", "--window-size=1280,2000",
                  "--hide-scrollbars")
    assert r.returncode == 0 and shot.exists(), r.stderr[-2000:]
    width, height, rows, bpp = _png_pixels(shot)
    assert (width, height) == (1280, 2000)
    white = sum(1 for row in rows[::4] for i in range(0, len(row), bpp * 4) if row[i:i + 3] == b"\xff\xff\xff")
    total = sum(len(row) // (bpp * 4) for row in rows[::4])
    assert white / total < 0.97, "the screenshot is (nearly) blank"
    assert _count(rows, bpp, RED) > 200, "no red (uncovered) in the graph"
    assert _count(rows, bpp, GREEN) > 200, "no green (covered) in the graph"


def test_control_the_check_sees_a_script_that_runs(tmp_path):
    page = tmp_path / "control.html"
    page.write_text("<!DOCTYPE html><html><head><title>report</title></head><body><h1>x</h1>"
                    "<img src=x onerror=\"document.title='pwned'\"></body></html>", encoding="utf-8")
    dom = _chromium(tmp_path, page.as_uri(), "--dump-dom", "--virtual-time-budget=3000")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert _title(dom.stdout) == "pwned"
