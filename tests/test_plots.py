"""`gitml plots show/diff`: every template, revisions from Git and the cache, one static page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import Result, git, run_cli, snapshot, write

from gitml import plotdata, plotting
from gitml.errors import BadInputError

SVG = "{http://www.w3.org/2000/svg}"

PIPELINE = """\
stages:
  evaluate:
    cmd: cp roc_src.json plots/roc.json
    deps: [roc_src.json]
    plots:
    - plots/roc.json: {x: fpr, y: tpr, title: ROC curve}
plots:
- plots/loss.csv
- plots/acc.tsv: {template: bar, x: class, y: acc, y_label: accuracy}
- plots/confusion.json: {template: confusion}
- plots/points.csv: {template: scatter, x: a, y: b}
"""


def roc(n: int) -> str:
    return json.dumps({"roc": [{"fpr": i / n, "tpr": (i / n) ** 0.5, "th": 1 - i / n}
                               for i in range(n + 1)]})  # fmt: skip


def loss(n: int, scale: float = 1.0) -> str:
    return "epoch,loss\n" + "".join(f"{i},{scale / (i + 1):.4f}\n" for i in range(n))


def confusion(pairs: list[tuple[str, str]]) -> str:
    return json.dumps([{"actual": a, "predicted": p} for a, p in pairs])


@pytest.fixture
def project(repo: Path) -> dict[str, str]:
    return make_project(repo)


def make_project(repo: Path) -> dict[str, str]:
    """main: A (roc 3 pts, no points.csv) -> B; exp: B -> C. Returns the revisions by name."""
    write(repo / "gitml.yaml", PIPELINE)
    write(repo / "roc_src.json", roc(3))
    write(repo / "plots/loss.csv", loss(3))
    write(repo / "plots/acc.tsv", "class\tacc\ncat\t0.5\ndog\t0.75\n")
    write(repo / "plots/confusion.json", confusion([("0", "0"), ("1", "0"), ("1", "1")]))
    commit(repo, "A")
    write(repo / "roc_src.json", roc(5))
    write(repo / "plots/loss.csv", loss(5))
    write(repo / "plots/points.csv", "a,b\n1,2\n2,4\n3,5\n")
    commit(repo, "B")
    git(repo, "checkout", "-qb", "exp")
    write(repo / "plots/loss.csv", loss(4, 2.0))
    write(repo / "plots/acc.tsv", "class\tacc\ncat\t0.6\ndog\t0.7\nfox\t0.9\n")
    write(repo / "plots/confusion.json", confusion([("0", "1"), ("1", "1"), ("2", "2")]))
    git(repo, "commit", "-qam", "C")
    git(repo, "checkout", "-q", "main")
    revs = {name: git(repo, "rev-parse", ref).strip() for name, ref in
            (("A", "main~1"), ("B", "main"), ("C", "exp"))}  # fmt: skip
    return revs


def commit(repo: Path, message: str) -> None:
    result = run_cli("repro")
    assert result.code == 0, result.err
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def state(repo: Path) -> tuple[str, str, dict[str, bytes]]:
    return (
        git(repo, "status", "--porcelain"),
        git(repo, "ls-files", "--stage"),
        snapshot(repo),
    )


def plots(repo: Path, *args: str) -> Result:
    """Run a plots command; assert that the working tree and the index did not change."""
    before = state(repo)
    result = run_cli("plots", *args)
    assert state(repo) == before
    return result


def rendered(repo: Path, out: Path, *args: str) -> dict[str, Any]:
    result = plots(repo, *args, "-o", str(out), "--json")
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    assert data["output"] == str(out / "index.html")
    return data


def charts(out: Path) -> dict[str, ET.Element]:
    """The page parsed as XML: each plot's heading -> its <svg>."""
    root = ET.fromstring((out / "index.html").read_text())
    found = {}
    for section in root.iter("section"):
        heading = section.find("h2")
        assert heading is not None and heading.text
        svg = section.find(f"{SVG}svg")
        if svg is not None:
            found[heading.text] = svg
    return found


def series(svg: ET.Element, tag: str = "path") -> list[ET.Element]:
    return [e for e in svg.iter(f"{SVG}{tag}") if e.get("class") == "series"]


def by_path(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["path"]: p for p in data["plots"]}


def test_show_defaults_to_the_workspace(
    project: dict[str, str], repo: Path, tmp_path: Path
) -> None:
    data = rendered(repo, tmp_path / "out", "show")
    assert data["revisions"] == ["workspace"]
    got = by_path(data)
    assert list(got) == [
        "plots/roc.json", "plots/loss.csv", "plots/acc.tsv", "plots/confusion.json",
        "plots/points.csv",
    ]  # fmt: skip
    assert got["plots/roc.json"]["points"] == {"workspace": 6}
    assert got["plots/loss.csv"] | {"notes": None} == {
        "path": "plots/loss.csv", "template": "linear", "title": "plots/loss.csv",
        "x": "step", "y": "loss", "points": {"workspace": 5}, "missing": [], "notes": None,
    }  # fmt: skip
    page = (tmp_path / "out/index.html").read_text()
    assert "<script" not in page and "https:" not in page and "@import" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_show_revisions_one_line_per_revision(
    project: dict[str, str], repo: Path, tmp_path: Path
) -> None:
    a, c = project["A"], project["C"]
    assert "plots/roc.json" not in git(repo, "ls-tree", "-r", "--name-only", a)  # cache only
    out = tmp_path / "out"
    data = rendered(repo, out, "show", a, "main", "exp", "workspace")
    assert data["revisions"] == [a, "main", "exp", "workspace"]
    got = by_path(data)
    assert got["plots/roc.json"]["points"] == {a: 4, "main": 6, "exp": 6, "workspace": 6}
    assert got["plots/loss.csv"]["points"] == {a: 3, "main": 5, "exp": 4, "workspace": 5}
    svgs = charts(out)
    for path in ("plots/roc.json", "plots/loss.csv"):
        lines = series(svgs[path])
        assert len(lines) == 4
        assert [line.findtext(f"{SVG}title") for line in lines] == [a, "main", "exp", "workspace"]
        assert len({line.get("stroke") for line in lines}) == 4
    roc = svgs["plots/roc.json"]
    texts = [t.text for t in roc.iter(f"{SVG}text")]
    assert "ROC curve" in texts and "fpr" in texts and "tpr" in texts
    assert len(series(roc)[0].get("d", "").split("L")) == 4  # A's cached 4 points
    legend = next(e for e in roc.iter(f"{SVG}g") if e.get("class") == "legend")
    assert [t.findtext(f"{SVG}title") for t in legend.iter(f"{SVG}text")] == [
        a, "main", "exp", "workspace"
    ]  # fmt: skip
    assert c not in (out / "index.html").read_text()


def test_a_file_missing_at_a_revision_is_left_out_with_a_note(
    project: dict[str, str], repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    data = rendered(repo, out, "show", "main~1", "main")
    scatter = by_path(data)["plots/points.csv"]
    assert scatter["points"] == {"main": 3}
    assert scatter["missing"] == ["main~1"]
    assert scatter["notes"] == ["not found at main~1"]
    assert len(series(charts(out)["plots/points.csv"], "g")) == 1
    assert "not found at main~1" in (out / "index.html").read_text()


def test_diff_defaults_to_head_and_workspace(
    project: dict[str, str], repo: Path, tmp_path: Path
) -> None:
    write(repo / "plots/loss.csv", loss(7))  # an uncommitted change
    data = rendered(repo, tmp_path / "o1", "diff")
    assert data["revisions"] == ["HEAD", "workspace"]
    assert by_path(data)["plots/loss.csv"]["points"] == {"HEAD": 5, "workspace": 7}
    data = rendered(repo, tmp_path / "o2", "diff", "exp")
    assert data["revisions"] == ["exp", "workspace"]
    data = rendered(repo, tmp_path / "o3", "diff", "main~1", "exp")
    assert by_path(data)["plots/roc.json"]["points"] == {"main~1": 4, "exp": 6}
    assert len(series(charts(tmp_path / "o3")["plots/loss.csv"])) == 2


def test_scatter_draws_points(project: dict[str, str], repo: Path, tmp_path: Path) -> None:
    rendered(repo, tmp_path / "out", "diff", "main", "exp")
    groups = series(charts(tmp_path / "out")["plots/points.csv"], "g")
    assert len(groups) == 2
    assert all(len(g.findall(f"{SVG}circle")) == 3 for g in groups)


def test_bar_draws_bars_side_by_side(project: dict[str, str], repo: Path, tmp_path: Path) -> None:
    data = rendered(repo, tmp_path / "out", "diff", "main", "exp")
    assert by_path(data)["plots/acc.tsv"]["points"] == {"main": 2, "exp": 3}
    svg = charts(tmp_path / "out")["plots/acc.tsv"]
    main, exp = series(svg, "g")
    assert len(main.findall(f"{SVG}rect")) == 2 and len(exp.findall(f"{SVG}rect")) == 3
    cat_main, cat_exp = main.findall(f"{SVG}rect")[0], exp.findall(f"{SVG}rect")[0]
    assert float(cat_exp.get("x", "")) > float(cat_main.get("x", ""))  # side by side
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"cat", "dog", "fox", "accuracy", "class"} <= set(texts)


def test_confusion_draws_a_grid_per_revision(
    project: dict[str, str], repo: Path, tmp_path: Path
) -> None:
    data = rendered(repo, tmp_path / "out", "diff", "main", "exp")
    plot = by_path(data)["plots/confusion.json"]
    assert (plot["template"], plot["x"], plot["y"]) == ("confusion", "actual", "predicted")
    panels = series(charts(tmp_path / "out")["plots/confusion.json"], "g")
    assert len(panels) == 2
    for panel in panels:
        assert len(panel.findall(f"{SVG}rect")) == 9  # classes 0, 1, 2 in both panels
    counts = [t.text for t in panels[0].findall(f"{SVG}text")]
    assert counts == ["1", "1", "0", "0", "1", "0", "0", "0", "0"]  # rows: predicted 0, 1, 2


def test_output_is_deterministic(project: dict[str, str], repo: Path, tmp_path: Path) -> None:
    args = ("show", "main~1", "exp", "workspace")
    rendered(repo, tmp_path / "one", *args)
    rendered(repo, tmp_path / "two", *args)
    one, two = (
        (tmp_path / "one/index.html").read_bytes(),
        (tmp_path / "two/index.html").read_bytes(),
    )
    assert one == two


def test_a_corrupt_csv_is_one_error_line(
    project: dict[str, str], repo: Path, tmp_path: Path
) -> None:
    write(repo / "plots/loss.csv", "epoch,loss\n0,1.0\n1,0.5,oops\n")
    result = plots(repo, "diff", "-o", str(tmp_path / "out"))
    assert result.code == 2
    assert result.err == "error: plots/loss.csv at workspace: line 3: expected 2 fields, got 3\n"
    assert not (tmp_path / "out").exists()


def test_bad_revision_and_no_plots(repo: Path, tmp_path: Path) -> None:
    result = plots(repo, "show", "-o", str(tmp_path / "out"))
    assert result.code == 2 and "no plots are declared" in result.err
    write(repo / "gitml.yaml", "plots:\n- p.csv\n")
    result = plots(repo, "show", "nope", "-o", str(tmp_path / "out"))
    assert result.code == 2 and "unknown revision 'nope'" in result.err
    result = plots(repo, "show")
    assert result.code == 2 and "-o" in result.err


def test_text_output(project: dict[str, str], repo: Path, tmp_path: Path) -> None:
    result = plots(repo, "show", "main~1", "main", "-o", str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert "plots/points.csv: scatter, main (3)\n\tnot found at main~1\n" in result.out
    assert result.out.endswith(f"Wrote {tmp_path / 'out' / 'index.html'}\n")


# ---- the pure model ------------------------------------------------------------------------


def test_parse_formats() -> None:
    table = plotdata.parse_table(b'{"m": [{"a": 1, "b": "x"}, {"a": 2.5}]}', "p.json", where="w")
    assert table.columns == ("a", "b") and table.rows == ({"a": 1.0, "b": "x"}, {"a": 2.5})
    table = plotdata.parse_table(b"\xef\xbb\xbfk\tv\nq\t3\n", "d/p.TSV", where="w")
    assert table == plotdata.Table(("k", "v"), ({"k": "q", "v": 3.0},))
    table = plotdata.parse_table(b'n,"note, quoted"\r\n1,"a\nb"\r\n', "p.csv", where="w")
    assert table.rows == ({"n": 1.0, "note, quoted": "a\nb"},)


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (b"[1, 2]", "p.json", "w: expected a list of objects, or an object holding one"),
        (b'{"a": [', "p.json", "w: line 1: invalid JSON: Expecting value"),
        (b"", "p.csv", "w: empty file, expected a header row"),
        (b'a,b\n"1,2\n', "p.csv", "w: line 2: unexpected end of data"),
        (b"\xff\xfe", "p.csv", "w: not UTF-8 text (byte 0)"),
        (b"a: 1", "p.yaml", "w: unsupported plot format '.yaml' (json, csv, tsv)"),
    ],
)
def test_parse_errors(data: bytes, path: str, message: str) -> None:
    with pytest.raises(BadInputError) as e:
        plotdata.parse_table(data, path, where="w")
    assert str(e.value) == message


def test_default_axes_and_ticks() -> None:
    table = plotdata.Table(("n", "name", "v", "w"), ({"n": 1.0, "name": "a", "v": 2.0, "w": "x"},))
    assert plotdata.choose_axes([table], "linear", None, None) == plotdata.Axes(None, "v")
    assert plotdata.choose_axes([table], "linear", "v", None) == plotdata.Axes("v", "n")
    assert plotdata.choose_axes([table], "confusion", None, None) == plotdata.Axes("n", "w")
    assert plotdata.extract(table, plotdata.Axes(None, "z"), "linear") == "no column 'z'"
    assert plotting.nice_ticks(0.03, 0.97) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    flat = plotting.nice_ticks(5, 5)
    assert flat[0] < 5 < flat[-1] and len(flat) > 2
    ticks = plotting.nice_ticks(-0.3, 0.3)
    assert [plotting.tick_label(t, ticks) for t in ticks] == ["-0.4", "-0.2", "0", "0.2", "0.4"]
    with pytest.raises(BadInputError, match="unknown template 'pie'"):
        plotdata.template_of("pie", where="w")
