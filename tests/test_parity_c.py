"""issue 12 items 16 and 17: the published pipeline schema flags unknown stage keys; a plot
whose y names several files is one chart with a series per file and column."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cdp import Browser

from tests.conftest import git, run_cli, snapshot, write
from tests.dvc_oracle import PUBLISHED, Oracle, make_oracle, schema_errors
from tests.test_plots_browser import CHROMIUM, check_page, needs_chromium


@pytest.fixture(scope="session")
def dvc_oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    return make_oracle(tmp_path_factory)


ROOT = Path(__file__).resolve().parents[1]

# --- item 17: schemas/pipeline.json refuses an unknown stage key --------------------------


@pytest.mark.parametrize(
    ("pipeline", "path"),
    [
        ("stages:\n  a:\n    cmd: echo\n    dep: [x]\n", "stages.a"),
        (
            "stages:\n  a:\n    foreach: [1]\n    do:\n      cmd: echo\n      dep: [x]\n",
            "stages.a.do",
        ),
        ("stages:\n  a:\n    foreach: [1]\n    cmd: echo\n    do:\n      cmd: echo\n", "stages.a"),
        (
            "stages:\n  a:\n    cmd: echo\n    outs:\n      - o:\n          cahce: false\n",
            "stages.a.outs.0",
        ),
        ("stages:\n  a:\n    deps: [x]\n", "stages.a"),
    ],
)
def test_published_schema_refuses_unknown_stage_keys(
    tmp_path: Path, pipeline: str, path: str
) -> None:
    """issue 12 item 17: an editor using schemas/pipeline.json flags `dep:` (a typo of
    `deps:`), an unknown key beside foreach or in `do`, an unknown out flag, a missing cmd."""
    write(tmp_path / "gitml.yaml", pipeline)
    errors = schema_errors(tmp_path / "gitml.yaml")
    assert errors and all(e.startswith(f"{path}:") for e in errors), errors


def test_published_schema_accepts_templated_values(tmp_path: Path) -> None:
    """issue 12 item 17: ${...} where DVC takes a string (cmd, wdir, deps, params, desc, an
    out's path, foreach, a matrix axis) and every stage key DVC knows."""
    pipeline = """\
vars: [{d: data, k: lr, l: [1, 2]}]
stages:
  a:
    cmd:
      - echo ${d}
      - echo 2
    wdir: ${d}
    deps:
      - ${d}/x
    params:
      - ${k}
      - p.yaml: [a]
    outs:
      - ${d}/o
      - m.pkl: {cache: false, persist: true, push: false, remote: r, desc: x}
    metrics: [{m.json: {cache: false, type: t, labels: [a], meta: {k: 1}}}]
    plots: [{p.csv: {x: a, y: [b], template: linear, title: t, x_label: a, y_label: b}}]
    frozen: false
    always_changed: true
    desc: ${d}
    meta: ${d}
    vars: [{z: 1}]
  b:
    foreach: ${l}
    do:
      cmd: echo ${item}
      vars: [{z: 1}]
  c:
    matrix:
      x: ${l}
      y: [1, 2]
    cmd: echo ${item.x}
plots:
  - p.csv
  - loss: {y: {h.json: loss, o.json: [loss, acc]}, x: {h.json: step, o.json: step}}
metrics: [m.json]
params: [p.yaml]
"""
    write(tmp_path / "gitml.yaml", pipeline)
    assert schema_errors(tmp_path / "gitml.yaml") == []


def test_schema_stage_keys_match_stage_schema() -> None:
    """issue 12 item 17: the raw stage keys are stage.json's (after templating) plus vars and
    matrix, so the editor and gitml never disagree on what a key is."""
    raw = json.loads((PUBLISHED / "pipeline.json").read_text())["$defs"]["stage"]
    expanded = json.loads((PUBLISHED / "stage.json").read_text())
    assert set(raw["properties"]) == set(expanded["properties"]) | {"vars", "matrix"}
    assert raw["additionalProperties"] is False


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        (
            "stages:\n  a:\n    cmd: echo hi\n    dep: [x]\n",
            "error: gitml.yaml:4: stage 'a': unknown key 'dep'",
        ),
        (
            "stages:\n  a:\n    foreach: [1]\n    do:\n      cmd: echo\n      dep: [x]\n",
            "error: gitml.yaml:6: stage 'a': unknown key 'do.dep'",
        ),
        (
            "stages:\n  a:\n    foreach: [1]\n    cmd: echo\n    do:\n      cmd: echo\n",
            "error: gitml.yaml:4: stage 'a': a 'foreach' stage has only 'foreach' and 'do';"
            " move 'cmd' into 'do'",
        ),
        (
            "stages:\n  a:\n    cmd: c\n    outs:\n      - o:\n          cahce: false\n",
            "error: gitml.yaml:6: stage 'a': unknown key 'outs.0.o.cahce'",
        ),
        (
            "stages:\n  a:\n    deps: [x]\n",
            "error: gitml.yaml:2: stage 'a': 'cmd' is a required property",
        ),
    ],
)
def test_cli_names_the_stage_in_one_line(repo: Path, pipeline: str, message: str) -> None:
    """issue 12 item 17: with the stricter schema gitml still says it its own way, once:
    its own check of stage keys runs before jsonschema."""
    write(repo / "gitml.yaml", pipeline)
    before = snapshot(repo)
    for args in (["repro"], ["status"]):
        res = run_cli(*args)
        assert res.code == 2
        assert res.err.splitlines() == [message], res.err
    assert snapshot(repo) == before


def test_schemas_folder_is_the_documented_home() -> None:
    """issue 12 item 17: `schemas/` at the top of the repository is the package's schemas
    (a link), and formats.md points editors at it."""
    assert (ROOT / "schemas").resolve() == (ROOT / "gitml" / "schemas").resolve()
    assert sorted(os.listdir(ROOT / "schemas")) == sorted(os.listdir(ROOT / "gitml" / "schemas"))
    docs = (ROOT / "docs" / "formats.md").read_text()
    assert "schemas/pipeline.json" in docs and "not yet by the editor" not in docs


# --- item 16: a plot of several files is one chart, a series per file and column ----------

SEVERAL = """\
stages:
  s:
    cmd: echo hi
plots:
  - loss:
      y:
        logs/hist.json: [loss, acc]
        logs/other.json: loss
  - both:
      x: {logs/hist.json: step, logs/other.json: epoch}
      y: {logs/hist.json: loss, logs/other.json: loss}
  - same:
      x: step
      y: {logs/hist.json: loss, logs/other.json: loss}
  - logs/hist.json:
      y: [loss, acc]
"""
HIST = '[{"step": 0, "loss": 1, "acc": 0.5}, {"step": 1, "loss": 0.5, "acc": 0.7}]'
OTHER = '[{"step": 0, "epoch": 5, "loss": 2}, {"step": 1, "epoch": 6, "loss": 1}, {"epoch": 7}]'


def several_files(root: Path) -> None:
    write(root / "gitml.yaml", SEVERAL)
    write(root / "logs/hist.json", HIST)
    write(root / "logs/other.json", OTHER.replace(', {"epoch": 7}', ""))


def gitml_plots(root: Path, *args: str) -> dict[str, dict[str, Any]]:
    res = run_cli("plots", *args, "-o", str(root / "out"), "--json")
    assert res.code == 0, res.err
    return {p["path"]: p for p in json.loads(res.out)["plots"]}


def dvc_plots(dvc: Oracle, root: Path) -> dict[str, dict[str, Any]]:
    """`dvc plots show --json` of a copy: per plot id, points per (rev, legend name), axes."""
    proc = dvc.run(dvc.project(root), "plots", "show", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert not doc.get("errors"), doc["errors"]
    out = {}
    for plot_id, (plot,) in doc["data"].items():
        content = plot["content"]
        values = content["data"]["values"]
        key = next(k for k in ("filename::field", "filename", "field") if k in values[0])
        out[plot_id] = {
            "series": Counter((v["rev"], v[key]) for v in values),
            "x": content["encoding"]["x"]["title"],
            "y": content["layer"][0]["encoding"]["y"]["title"],
        }
    return out


def test_plot_of_several_files_is_one_chart_as_dvc_draws_it(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 16: `y: {file: column(s)}` is one chart with a series per file and
    column; x a column or `{file: column}`; legend names and axis titles as `dvc plots show`
    (run on the same files) gives them."""
    several_files(repo)
    ours = gitml_plots(repo, "show")
    theirs = dvc_plots(dvc_oracle, repo)
    assert list(ours) == list(theirs) == ["loss", "both", "same", "logs/hist.json"]
    for plot_id, plot in ours.items():
        series = Counter({(s["rev"], s["name"]): s["points"] for s in plot["series"]})
        assert series == theirs[plot_id]["series"], plot_id
        assert (plot["x"], plot["y"]) == (theirs[plot_id]["x"], theirs[plot_id]["y"]), plot_id
        assert plot["notes"] == []
    assert [s["name"] for s in ours["loss"]["series"]] == [
        "hist.json::loss", "hist.json::acc", "other.json::loss",
    ]  # fmt: skip
    html = (repo / "out/index.html").read_text()
    section = html.split('id="plot-0"')[1].split("</section>")[0]
    assert section.count('class="series"') == 3 and section.count("<svg") == 1
    assert "<title>other.json::loss</title>" in section


def test_plots_diff_draws_each_revision_of_each_file(repo: Path) -> None:
    """issue 12 item 16: `plots diff` of a chart of several files: a series per revision and
    file (as DVC's colour per revision and dash per file), named by both."""
    several_files(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "plots")
    write(repo / "logs/other.json", OTHER)  # a third row, with no loss: not drawn
    write(repo / "logs/hist.json", HIST.replace("]", ', {"step": 2, "loss": 0.2, "acc": 0.9}]'))
    plot = gitml_plots(repo, "diff")["same"]
    assert [(s["rev"], s["name"], s["points"]) for s in plot["series"]] == [
        ("HEAD", "hist.json", 2),
        ("HEAD", "other.json", 2),
        ("workspace", "hist.json", 3),
        ("workspace", "other.json", 2),
    ]
    assert plot["points"] == {"HEAD": 4, "workspace": 5}
    html = (repo / "out/index.html").read_text()
    section = html.split('id="plot-2"')[1].split("</section>")[0]
    for title in ("HEAD hist.json", "HEAD other.json", "workspace hist.json"):
        assert f"<title>{title}</title>" in section
    assert section.count('stroke-dasharray="8 8"') == 2  # the second file, at both revisions


def test_x_and_y_sources_must_pair_up(repo: Path) -> None:
    """issue 12 item 16: two x sources for three y sources is DVC's "Cannot have different
    number of x and y data sources": a note on that plot, the others still drawn."""
    several_files(repo)
    write(
        repo / "gitml.yaml",
        SEVERAL.replace(
            "y: {logs/hist.json: loss, logs/other.json: loss}\n  - same",
            "y: {logs/hist.json: [loss, acc], logs/other.json: loss}\n  - same",
        ),
    )
    plots = gitml_plots(repo, "show")
    assert plots["both"]["notes"] == [
        "cannot have different number of x and y data sources (2 x and 3 y, as DVC)"
    ]
    assert plots["both"]["points"] == {} and plots["loss"]["points"] == {"workspace": 6}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        started = Browser(CHROMIUM, Path(profile))
        try:
            yield started
        finally:
            started.close()


@needs_chromium
def test_several_files_chart_shows_every_series_in_a_browser(chromium: Browser, repo: Path) -> None:
    """issue 12 item 16: in headless Chromium the chart of two files shows both lines, each
    with its own colour on screen, and the legend names both files."""
    several_files(repo)
    gitml_plots(repo, "show")
    report = check_page(chromium, repo / "out/index.html")
    assert report.problems == []
    drawn = {p["heading"]: p for p in report.plots}
    same = drawn["same"]["series"]
    assert [(s["rev"], s["marks"]) for s in same] == [("hist.json", 2), ("other.json", 2)]
    assert len({s["color"] for s in same}) == 2
