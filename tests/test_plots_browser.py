"""The plots page in a real headless Chromium: every plot drawn, nothing fetched, no error.

Skipped only when `chromium` is not on PATH (CI installs Debian's); once the browser starts, a
broken page fails. The browser is driven over the DevTools protocol (tests/cdp.py, no dependency).
"""

from __future__ import annotations

import base64
import random
import shutil
import struct
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cdp import Browser, png_rows
from test_plots import make_project, rendered

from gitml import plotpage, plotting

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not on PATH")
WIDTH = 900

# Per plot: heading, the svg's box in page pixels, and per drawn series, in order, its first
# <title> (names the revision), colour, marks (a line's vertices, or circles and rects), texts
# and rendered size.
PLOTS_JS = """[...document.querySelectorAll("section.plot")].map(s => {
  const svg = s.querySelector("svg"), r = svg && svg.getBoundingClientRect();
  return {heading: s.querySelector("h2").textContent,
          box: r && [r.left + scrollX, r.top + scrollY, r.width, r.height],
          series: svg ? [...svg.querySelectorAll(".series")].map(e => {
            const b = e.getBBox(), d = e.getAttribute("d") || "";
            return {rev: e.querySelector("title").textContent, tag: e.tagName,
                    color: e.getAttribute("stroke") || e.getAttribute("fill")
                           || e.querySelector("[fill]").getAttribute("fill"),
                    marks: e.tagName === "path" ? (d.match(/[ML]/g) || []).length
                           : e.querySelectorAll("circle, rect").length,
                    texts: e.querySelectorAll("text").length, size: [b.width, b.height]};
          }) : []};
})"""


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    plots: list[dict[str, Any]] = field(default_factory=list)


def check_page(browser: Browser, html: Path) -> Report:
    """Load the page; report console errors, exceptions, requests, empty or blank plots."""
    url = html.as_uri()
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})
    sid = session["sessionId"]
    for domain in ("Runtime", "Log", "Network", "Page"):
        browser.call(f"{domain}.enable", session=sid)
    browser.call("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": 800,
                 "deviceScaleFactor": 1, "mobile": False}, session=sid)  # fmt: skip
    browser.call("Page.navigate", {"url": url}, session=sid)
    browser.wait_for("Page.loadEventFired", sid)
    report = Report(plots=evaluate(browser, sid, PLOTS_JS))
    root = "document.documentElement"
    width, height = evaluate(browser, sid, f"[{root}.scrollWidth, {root}.scrollHeight]")
    shot = browser.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}},
                        session=sid)  # fmt: skip
    browser.call("Target.closeTarget", {"targetId": target})
    for sess, method, params in browser.events:
        if sess != sid:
            continue
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning"):
            report.problems.append(f"console {params['type']}: {params['args']}")
        elif method == "Runtime.exceptionThrown":
            report.problems.append(f"exception: {params['exceptionDetails']}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            report.problems.append(f"log: {params['entry']['text']}")
        elif method == "Network.requestWillBeSent" and params["request"]["url"] != url:
            report.problems.append(f"request: {params['request']['url']}")
    report.problems += _pixel_problems(png_rows(base64.b64decode(shot["data"])), report.plots)
    for plot in report.plots:
        if not plot["box"] or plot["box"][2] < 1 or plot["box"][3] < 1:
            report.problems.append(f"{plot['heading']}: no drawn svg")
        for s in plot["series"]:
            if min(s["size"]) <= 0:
                report.problems.append(f"{plot['heading']}: {s['rev']} has no size")
    return report


def evaluate(browser: Browser, session: str, expression: str) -> Any:
    params = {"expression": expression, "returnByValue": True}
    got = browser.call("Runtime.evaluate", params, session=session)
    assert "exceptionDetails" not in got, got["exceptionDetails"]
    return got["result"]["value"]


def _pixel_problems(image: tuple[int, int, list[bytes]], plots: list[dict[str, Any]]) -> list[str]:
    bpp, width, rows = image

    def pixels(x0: int, y0: int, x1: int, y1: int) -> list[tuple[int, ...]]:
        cut = [row[x0 * bpp : min(x1, width) * bpp] for row in rows[y0:y1]]
        return [p for r in cut for p in zip(r[0::bpp], r[1::bpp], r[2::bpp], strict=True)]

    problems = []
    everything = set(pixels(0, 0, width, len(rows)))
    if len(everything) < 20:
        problems.append(f"screenshot is blank: {len(everything)} colours")
    for plot in plots:
        if not plot["box"]:
            continue
        x, y, w, h = (round(v) for v in plot["box"])
        inside = pixels(x, y, x + w, y + h)
        inked = len(inside) - inside.count((255, 255, 255))
        if inked < 0.02 * len(inside):
            problems.append(f"{plot['heading']}: {inked} of {len(inside)} pixels drawn")
        shown = set(inside)
        for s in plot["series"]:
            if tuple(bytes.fromhex(s["color"][1:])) not in shown:
                problems.append(f"{plot['heading']}: colour {s['color']} of {s['rev']} not shown")
    return problems


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One browser for the module, always killed at the end."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        started = Browser(CHROMIUM, Path(profile))
        try:
            yield started
        finally:
            started.close()


@pytest.fixture
def browser(chromium: Browser) -> Browser:
    """The browser, with every wait of the test ending within 50 seconds."""
    chromium.deadline = time.monotonic() + 50
    return chromium


@needs_chromium
def test_every_plot_draws_in_a_headless_browser(
    browser: Browser, repo: Path, tmp_path: Path
) -> None:
    """issue 11 item 16: each plot drawn with its marks; no console error, no request."""
    make_project(repo)
    data = rendered(repo, tmp_path / "out", "show", "main~1", "exp", "workspace")
    report = check_page(browser, tmp_path / "out/index.html")
    assert report.problems == []
    drawn = {p["heading"]: p for p in report.plots}
    assert list(drawn) == [p["path"] for p in data["plots"]]
    for plot in data["plots"]:
        series = drawn[plot["path"]]["series"]
        if plot["template"] == "confusion":  # classes 0, 1, 2: a cell and a count per pair
            expected = [(9, 9) for _ in plot["points"]]
        else:
            expected = [(n, 0) for n in plot["points"].values()]
        assert [(s["marks"], s["texts"]) for s in series] == expected, plot["path"]
        assert [s["rev"].split(":")[0] for s in series] == list(plot["points"])
        tag = {"linear": "path", "scatter": "g", "bar": "g", "confusion": "g"}[plot["template"]]
        assert {s["tag"] for s in series} == {tag}
    assert len(drawn["plots/roc.json"]["series"]) == 3  # one line per revision


@needs_chromium
def test_the_browser_check_catches_a_broken_page(browser: Browser, tmp_path: Path) -> None:
    """issue 11 item 16: the checker itself fails on script errors, requests and blank plots."""
    chart = plotting.Chart("t", "bar", "x", "y", (plotting.Series("r", "#4e79a7", ("a",), (1.0,)),))
    good = plotpage.page("p", [("r", "#4e79a7")], [plotpage.Section("h", (), plotting.svg(chart))])
    breakage = {
        "<script>nope()</script>": "exception",
        "<script>console.error('bad')</script>": "console error",
        '<img src="http://127.0.0.1:9/x.png"/>': "request: http://127.0.0.1:9/x.png",
        "<style>svg{visibility:hidden}</style>": "h: 0 of ",
        "<style>svg{display:none}</style>": "h: no drawn svg",
    }
    (tmp_path / "good.html").write_text(good)
    assert check_page(browser, tmp_path / "good.html").problems == []
    for i, (inject, expected) in enumerate(breakage.items()):
        page = tmp_path / f"bad{i}.html"
        page.write_text(good.replace("</body>", inject + "</body>"))
        problems = check_page(browser, page).problems
        assert any(p.startswith(expected) for p in problems), (inject, problems)


def test_the_png_reader_undoes_every_filter() -> None:
    """issue 11 item 16: the screenshot reader is right for each of PNG's five row filters."""
    rng = random.Random(7)
    width, bpp = 5, 3
    rows = [bytes(rng.randrange(256) for _ in range(width * bpp)) for _ in range(5)]
    raw, prev = b"", bytes(width * bpp)
    for kind, row in enumerate(rows):  # row k uses filter k
        out = bytearray([kind])
        for i, value in enumerate(row):
            a, b, c = (row[i - bpp] if i >= bpp else 0), prev[i], (prev[i - bpp] if i >= bpp else 0)
            paeth = min((abs(b - c), 0, a), (abs(a - c), 1, b), (abs(a + b - 2 * c), 2, c))[2]
            guess = (0, a, b, (a + b) // 2, paeth)[kind]
            out.append((value - guess) % 256)
        raw, prev = raw + bytes(out), row
    png = b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I4s", len(body), kind) + body + b"\0\0\0\0"
        for kind, body in ((b"IHDR", struct.pack(">IIBBBBB", width, 5, 8, 2, 0, 0, 0)),
                           (b"IDAT", zlib.compress(raw)), (b"IEND", b""))
    )  # fmt: skip
    assert png_rows(png) == (bpp, width, rows)
