"""issue 15: `gitml drift` (SPEC section 11): data drift between versions of a tracked table."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import BIN, git, run_cli, snapshot, write
from evidently_oracle import EVIDENTLY_NAME, evidently_drift
from evidently_oracle import python as evidently_python

Columns = dict[str, list[Any]]


def write_table(path: Path, cols: Columns) -> Path:
    """Write columns (None = missing) as CSV, TSV, JSON lines or Parquet, by suffix."""
    names = list(cols)
    rows = list(zip(*cols.values(), strict=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix in (".csv", ".tsv"):
        with open(path, "w", newline="") as f:
            w = csv.writer(f, delimiter="\t" if path.suffix == ".tsv" else ",")
            w.writerow(names)
            w.writerows(["" if v is None else v for v in r] for r in rows)
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(dict(zip(names, r, strict=True))) + "\n" for r in rows))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table(cols), path)
    return path


def _num(rng: np.random.Generator, n: int, loc: float = 0.0, missing: float = 0.0) -> list[Any]:
    values = [round(float(v), 6) for v in rng.normal(loc, 1.0, n)]
    return [None if rng.random() < missing else v for v in values]


def _pick(rng: np.random.Generator, n: int, choices: list[Any], missing: float = 0.0,
          p: list[float] | None = None) -> list[Any]:  # fmt: skip
    picked = [choices[i] for i in rng.choice(len(choices), n, p=p)]
    return [None if rng.random() < missing else v for v in picked]


def dataset(kind: str, seed: int, n: int, current: bool) -> Columns:
    """Seeded tables: the reference (current=False) and a current version of each kind."""
    rng = np.random.default_rng(seed * 2 + int(current))
    shift = 0.6 if current and kind in ("shifted", "large_shifted") else 0.0
    cats = ["red", "green", "blue"] + (
        ["violet"] if current and kind in ("new_category", "large_new") else []
    )
    cols: Columns = {
        "amount": _num(rng, n, shift),
        "colour": _pick(rng, n, cats),
        "flag": _pick(rng, n, [0, 1], p=[0.3, 0.7] if shift else None),
        "level": _pick(rng, n, [1, 2, 3, 4]),
        "answer": _pick(rng, n, ["yes", "no"]),
        "ratio": [round(float(v), 4) for v in rng.gamma(2.0 + shift, 1.0, n)],
    }
    if kind == "one_value":
        cols["constant"] = [7] * n
        cols["same"] = ["k"] * n
    if kind == "missing":
        cols["amount"] = _num(rng, n, 0.0, missing=0.1)
        cols["colour"] = _pick(rng, n, cats, missing=0.15)
        cols["level"] = _pick(rng, n, [1, 2, 3, 4], missing=0.05)
    return cols


# (name, kind, reference rows, current rows, suffix, method)
CASES = [
    ("no_drift", "no_drift", 400, 500, ".csv", None),
    ("shifted", "shifted", 600, 300, ".csv", None),
    ("new_category", "new_category", 500, 500, ".csv", None),
    ("one_value", "one_value", 300, 350, ".csv", None),
    ("missing", "missing", 700, 650, ".csv", None),
    ("large_no_drift", "no_drift", 3000, 2500, ".csv", None),
    ("large_shifted", "large_shifted", 2500, 1500, ".csv", None),
    ("large_new", "large_new", 1500, 1200, ".csv", None),
    ("large_one_value", "one_value", 1200, 1100, ".csv", None),
    ("large_missing", "missing", 2000, 2000, ".csv", None),
    ("tsv", "shifted", 300, 300, ".tsv", None),
    ("jsonl", "missing", 500, 400, ".jsonl", None),
    ("parquet", "large_shifted", 1500, 1400, ".parquet", None),
    ("psi_small", "new_category", 400, 300, ".csv", "psi"),
    ("psi_large", "large_shifted", 2500, 2000, ".csv", "psi"),
    ("js_small", "shifted", 300, 400, ".csv", "jensenshannon"),
    ("js_large", "large_new", 2000, 2000, ".csv", "jensenshannon"),
]
NUMERIC_CASES = [("ks_large", 3000, 2000, "ks"), ("wasserstein_small", 300, 500, "wasserstein")]


@pytest.fixture(scope="session")
def evidently() -> str:
    return evidently_python()


def _numeric_only(seed: int, n: int, current: bool) -> Columns:
    rng = np.random.default_rng(seed + int(current))
    return {"x": _num(rng, n, 0.3 if current else 0.0),
            "y": [round(float(v), 3) for v in rng.exponential(1.0, n)]}  # fmt: skip


def test_statistics_match_evidently(repo: Path, evidently: str) -> None:
    """issue 15 item 1 (correctness): every statistic and verdict equals Evidently's
    DataDriftPreset's on seeded datasets (no drift, shifted mean, new category, one value,
    missing values, below and above 1,000 rows, CSV/TSV/JSON lines/Parquet, forced methods)."""
    jobs: list[dict[str, Any]] = []
    ours: list[dict[str, Any]] = []
    outside = repo.parent / "batches"
    tables = []
    for i, (name, kind, n_ref, n_cur, suffix, method) in enumerate(CASES):
        ref = write_table(repo / f"{name}{suffix}", dataset(kind, i, n_ref, False))
        cur = write_table(outside / f"{name}{suffix}", dataset(kind, i, n_cur, True))
        tables.append((ref, cur, method))
    for j, (name, n_ref, n_cur, method) in enumerate(NUMERIC_CASES):
        ref = write_table(repo / f"{name}.csv", _numeric_only(100 + j, n_ref, False))
        cur = write_table(outside / f"{name}.csv", _numeric_only(100 + j, n_cur, True))
        tables.append((ref, cur, method))
    assert run_cli("add", *(t[0].name for t in tables)).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "reference tables")
    for ref, cur, method in tables:
        args = ["drift", ref.name, "--against", str(cur), "--json"]
        res = run_cli(*args, *(["--method", method] if method else []))
        assert res.code == 0, res.err
        ours.append(json.loads(res.out))
        jobs.append({"ref": str(ref), "cur": str(cur),
                     "method": EVIDENTLY_NAME[method] if method else None})  # fmt: skip
    theirs = evidently_drift(evidently, jobs)
    checked = 0
    methods_seen = set()
    for (ref, _, _), mine, expected in zip(tables, ours, theirs, strict=True):
        by_name = {c["column"]: c for c in mine["columns"]}
        assert sorted(by_name) == sorted(expected["columns"]), ref.name
        for col, exp in expected["columns"].items():
            got = by_name[col]
            where = f"{ref.name}:{col}"
            assert got["method"] == exp["method"], where
            score = got["p_value"] if got["p_value"] is not None else got["statistic"]
            assert math.isclose(score, exp["score"], rel_tol=0, abs_tol=1e-6), (where, score, exp)
            assert got["threshold"] == exp["threshold"], where
            assert got["drifted"] == exp["drifted"], where
            assert got["kind"] == exp["type"], where
            methods_seen.add(got["method"])
            checked += 1
        assert mine["dataset"]["drifted"] == expected["dataset_drift"], ref.name
        assert math.isclose(mine["dataset"]["share"], expected["share"], abs_tol=1e-12)
    assert methods_seen == {"ks", "chi2", "z", "wasserstein", "jensenshannon", "psi"}
    assert checked > 100
    # the datasets meant to drift do, and the ones meant not to do not
    verdicts = {t[0].stem: o["dataset"]["drifted"] for t, o in zip(tables, ours, strict=True)}
    assert verdicts["shifted"] and verdicts["large_shifted"]
    assert not verdicts["no_drift"] and not verdicts["large_no_drift"]


# ---- revisions, workspace, --check, output formats --------------------------------------------


def _versions(repo: Path, name: str = "data.csv") -> list[str]:
    """Three committed versions of a tracked table: v1, v2 (same distribution), v3 (shifted)."""
    shas = []
    for version, (kind, seed) in enumerate([("no_drift", 1), ("no_drift", 1), ("shifted", 2)]):
        write_table(repo / name, dataset(kind, seed, 400, version > 0))
        assert run_cli("add", name).code == 0
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"v{version + 1}")
        shas.append(git(repo, "rev-parse", "HEAD").strip())
    return shas


def test_revisions_are_read_from_the_cache_and_nothing_is_checked_out(repo: Path) -> None:
    """issue 15 item 1: A and B are revisions, read through their pointers from the cache; the
    workspace is left alone; default A = HEAD, B = the workspace; --check exits 1 on drift."""
    v1, v2, v3 = _versions(repo)
    (repo / "data.csv").unlink()  # not needed: revisions are read from the cache
    before = snapshot(repo)
    same = run_cli("drift", "data.csv", v1, v2, "--json", "--check")
    assert same.code == 0, same.err
    data = json.loads(same.out)
    assert (data["a"]["rev"], data["b"]["rev"]) == (v1, v2)
    assert data["dataset"]["drifted"] is False
    moved = run_cli("drift", "data.csv", v1, v3, "--check")
    assert moved.code == 1, moved.err
    assert "Dataset: DRIFT" in moved.out and "amount" in moved.out
    assert snapshot(repo) == before
    git(repo, "checkout", "--", "data.csv.gitml")
    assert run_cli("checkout", "data.csv").code == 0
    assert run_cli("drift", "data.csv", "--check").code == 0  # HEAD (v3) vs the same workspace
    write_table(repo / "data.csv", dataset("no_drift", 1, 400, False))
    md = run_cli("drift", "data.csv", "--md", "--check")  # HEAD (v3) vs v1's data
    assert md.code == 1
    assert md.out.startswith("## data.csv: HEAD -> workspace") and "| amount | num | ks |" in md.out


def test_a_table_committed_to_git_is_compared_too(repo: Path) -> None:
    """issue 15 item 1: a small table kept in Git itself (no pointer) is read from Git."""
    write_table(repo / "small.tsv", dataset("no_drift", 3, 200, False))
    git(repo, "add", "small.tsv")
    git(repo, "commit", "-qm", "small")
    write_table(repo / "small.tsv", dataset("shifted", 3, 200, True))
    res = run_cli("drift", "small.tsv", "--json")
    assert res.code == 0, res.err
    assert [c["column"] for c in json.loads(res.out)["columns"]] == list(
        dataset("no_drift", 3, 10, False)
    )


def test_drift_share_threshold_columns_and_method(repo: Path) -> None:
    """issue 15 item 1: --columns, --method, --threshold and --drift-share change what is
    compared and the verdict."""
    v1, _, v3 = _versions(repo)
    res = run_cli("drift", "data.csv", v1, v3, "--json", "--columns", "amount,colour",
                  "--method", "psi", "--threshold", "0.5", "--drift-share", "1")  # fmt: skip
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert [(c["column"], c["method"], c["threshold"]) for c in data["columns"]] == [
        ("amount", "psi", 0.5), ("colour", "psi", 0.5)]  # fmt: skip
    assert data["dataset"]["drift_share"] == 1


def test_summaries_are_cached_by_digest_so_more_comparisons_read_no_data(repo: Path) -> None:
    """issue 15 item 2: each version's column summary is cached by its content digest, so once
    every version was seen, any pair compares with no data file left to read."""
    v1, v2, v3 = _versions(repo)
    first = {}
    for a, b in ((v1, v2), (v2, v3)):
        res = run_cli("drift", "data.csv", a, b, "--json")
        assert res.code == 0, res.err
        first[(a, b)] = json.loads(res.out)
    summaries = list((repo / ".gitml" / "tmp" / "drift").glob("*.npz"))
    assert len(summaries) == 3
    for obj in (repo / ".gitml" / "cache").rglob("*"):  # the data is gone...
        if obj.is_file():
            obj.chmod(0o600)
            obj.unlink()
    (repo / "data.csv").unlink()
    res = run_cli("drift", "data.csv", v1, v3, "--json")  # ...a new pair still compares
    assert res.code == 0, res.err
    again = run_cli("drift", "data.csv", v1, v2, "--json")
    assert json.loads(again.out) == first[(v1, v2)]
    # with no summary, the missing data is an error (exit 3), not a wrong answer
    for path in summaries:
        path.unlink()
    for pair in (repo / ".gitml" / "tmp" / "drift" / "pairs").glob("*"):
        pair.unlink()
    gone = run_cli("drift", "data.csv", v1, v3)
    assert gone.code == 3 and "not in the cache" in gone.err


# ---- bad input --------------------------------------------------------------------------------


def _bad_repo(repo: Path) -> None:
    _versions(repo)
    write_table(repo / "late.csv", {"a": [1, 2, 3]})
    assert run_cli("add", "late.csv").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "late")
    write(repo / "untracked.csv", "a\n1\n")
    write(repo / "ragged.csv", "a,b\n1,2\n3\n")
    write(repo / "other.csv", "amount,colour\n1.0,red\n")
    write(repo / "notes.txt", "hello\n")


BAD = [
    (["drift", "untracked.csv"], "not tracked at HEAD"),
    (["drift", "late.csv", "HEAD~1"], "not tracked at HEAD~1"),
    (["drift", "data.csv", "no-such-rev"], "no-such-rev"),
    (["drift", "data.csv", "--against", "ragged.csv"], "ragged.csv: cannot read it as csv"),
    (["drift", "data.csv", "--against", "missing.csv"], "missing.csv: no such file"),
    (["drift", "data.csv", "--against", "other.csv"], "is in data.csv at HEAD but not in"),
    (["drift", "data.csv", "--columns", "nope"], "has no column 'nope'"),
    (["drift", "data.csv", "--method", "ks", "--columns", "colour"], "is not numeric"),
    (["drift", "data.csv", "--method", "wasserstein"], "is not numeric"),
    (["drift", "notes.txt"], "not a table"),
    (["drift", "data.csv", "--drift-share", "0"], "--drift-share"),
    (["drift", "data.csv", "--threshold", "-1"], "--threshold"),
    (["drift", "data.csv", "HEAD", "HEAD~1", "--against", "other.csv"], "not both"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(b[0][1:]) for b in BAD])
def test_bad_input_is_one_line_and_exit_2(repo: Path, args: list[str], message: str) -> None:
    """issue 15 bad input: an untracked path, a revision without it, an unreadable or ragged
    file, a column missing on one side, a text column forced to a numeric method: one line on
    stderr, exit 2, nothing written."""
    _bad_repo(repo)
    before = snapshot(repo)
    res = run_cli(*args)
    assert res.code == 2, (res.code, res.out, res.err)
    assert message in res.err
    assert len(res.err.strip().splitlines()) == 1, res.err
    assert res.out == ""
    assert snapshot(repo) == before


def test_a_column_missing_in_the_revision_is_bad_input(repo: Path) -> None:
    """issue 15 bad input: the workspace version lacks a column the revision has."""
    _versions(repo)
    write(repo / "data.csv", "amount,colour\n1.0,red\n2.0,blue\n")
    res = run_cli("drift", "data.csv")
    assert res.code == 2 and "column 'flag' is in data.csv at HEAD but not in" in res.err


# ---- layers -----------------------------------------------------------------------------------


def test_drift_libraries_live_in_gitml_monitor_only() -> None:
    """issue 15 item 5: pyarrow, scipy and numpy are imported by gitml/monitor/ only, and not
    by the CLI's start-up."""
    import subprocess
    import sys

    from test_layers import imports_of, modules

    for name, path in modules().items():
        heavy = imports_of(path) & {"pyarrow", "scipy", "numpy"}
        assert not heavy or name.startswith("monitor."), (name, heavy)
    code = (
        "import sys, gitml.cli, gitml.commands.drift, gitml.monitor.run; "
        "print(sorted(m for m in ('numpy', 'scipy', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert Path(BIN, "gitml").exists()


# ---- gitml report, --html -----------------------------------------------------------------------


def test_report_has_a_drift_section_for_changed_tables(repo: Path) -> None:
    """issue 15 item 3: `gitml report` compares each tracked table changed since BASE."""
    _versions(repo)
    write(repo / "notes.csv.txt", "not a table\n")
    write_table(repo / "data.csv", dataset("no_drift", 1, 400, False))  # v1's data: v3 drifts
    md = run_cli("report", "HEAD")
    assert md.code == 0, md.err
    section = md.out.split("### Data drift", 1)[1]
    assert "#### `data.csv`" in section and "| amount | num | ks |" in section
    assert "Dataset: DRIFT" in section
    data = json.loads(run_cli("report", "HEAD", "--json").out)
    (table,) = data["drift"]["tables"]
    assert table["path"] == "data.csv" and table["dataset"]["drifted"] is True
    git(repo, "checkout", "--", "data.csv.gitml")
    assert run_cli("checkout", "--force", "data.csv").code == 0
    quiet = run_cli("report", "HEAD")
    assert "_No tracked table changed._" in quiet.out


def test_report_without_the_drift_extra_says_so_in_one_line(repo: Path) -> None:
    """issue 15 item 3: without pyarrow/scipy, the report carries a one-line note instead."""
    import subprocess
    import sys

    _versions(repo)
    write_table(repo / "data.csv", dataset("no_drift", 1, 400, False))
    code = (
        "import sys; sys.modules['scipy'] = None\n"
        "import importlib.util as u; real = u.find_spec\n"
        "u.find_spec = lambda n, *a: None if n == 'scipy' else real(n, *a)\n"
        "from gitml.cli import main; sys.exit(main(['report', 'HEAD']))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    section = out.stdout.split("### Data drift", 1)[1].strip().split("\n\n")[0]
    assert section == (
        "_Data drift not computed: scipy is missing "
        "(install the drift extra: pip install 'gitml[drift]')._"
    )


@pytest.fixture(scope="module")
def chromium_browser() -> Any:
    """One headless Chromium for this module (the plots page check's browser)."""
    import tempfile

    from cdp import Browser
    from test_plots_browser import CHROMIUM

    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        started = Browser(CHROMIUM, Path(profile))
        try:
            yield started
        finally:
            started.close()


def test_html_page_draws_every_column_in_a_headless_browser(
    repo: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """issue 15 item 3: --html writes one self-contained page: the verdicts, and per column a
    histogram of both versions as inline SVG; a real Chromium draws it, fetching nothing."""
    import time

    from test_plots_browser import CHROMIUM, check_page

    v1, _, v3 = _versions(repo)
    out = tmp_path / "drift.html"
    res = run_cli("drift", "data.csv", v1, v3, "--html", str(out), "-q")
    assert res.code == 0, res.err
    page = out.read_text()
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "<script" not in page and page.count("<svg") == 6
    assert "Dataset: DRIFT" in page and "<td>amount</td>" in page
    if CHROMIUM is None:
        pytest.skip("chromium is not on PATH")
    browser = request.getfixturevalue("chromium_browser")
    browser.deadline = time.monotonic() + 50
    report = check_page(browser, out)
    assert report.problems == []
    headings = [p["heading"] for p in report.plots]
    kinds = {"amount": "num", "colour": "cat", "flag": "num", "level": "num", "answer": "cat"}
    assert headings == [f"{c} ({k})" for c, k in {**kinds, "ratio": "num"}.items()]
    for plot in report.plots:
        assert [s["rev"].split(":")[0] for s in plot["series"]] == [v1, v3]
        assert all(s["marks"] > 0 for s in plot["series"])
