"""The static HTML page around the SVG charts: no script, font or stylesheet from anywhere
else (a real browser checks it: tests/test_plots_browser.py)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from gitml.record import dataclass


@dataclass(frozen=True)
class Section:
    heading: str
    notes: tuple[str, ...]
    svg: str  # "" when nothing could be drawn


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


_CSS = """\
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:15px;margin:28px 0 6px}
.revisions span.rev{margin-right:14px;white-space:nowrap}
.swatch{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px}
.note{color:#8a5a00;margin:2px 0}svg{max-width:100%;height:auto;display:block}"""


def page(title: str, revisions: Sequence[tuple[str, str]], sections: Sequence[Section]) -> str:
    """A standalone HTML page (also well-formed XML): revisions as (name, color), then charts."""
    revs = "".join(
        f'<span class="rev"><span class="swatch" style="background:{c}"></span>{_esc(r)}</span>'
        for r, c in revisions
    )
    body = [f"<h1>{_esc(title)}</h1>", f'<p class="revisions">Revisions: {revs}</p>']
    for i, section in enumerate(sections):
        body.append(f'<section class="plot" id="plot-{i}">')
        body.append(f"<h2>{_esc(section.heading)}</h2>")
        body += [f'<p class="note">{_esc(note)}</p>' for note in section.notes]
        body += [section.svg, "</section>"] if section.svg else ["</section>"]
    if not sections:
        body.append('<p class="note">No plots.</p>')
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        f"<title>{_esc(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>"
    )
    return "\n".join([head, *body, "</body>\n</html>\n"])
