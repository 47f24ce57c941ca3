"""Issue 12 (dvc.yaml parity), items 1, 6, 7, 8, 16: gitml resolves what DVC resolves.

The pipelines here also run through real DVC 3.67.1 (tests/dvc_oracle.py): dvc.lock must name
the same stages, commands, deps, outs and params as gitml.lock, and what gitml refuses DVC
must refuse too. The expected values written below (first confirmed by hand with DVC;
ruamel.yaml 0.19.1) stay as a second check.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from gitml import yamlio
from gitml.pipeline.params import same_value
from tests.conftest import run_cli, snapshot, write
from tests.dvc_oracle import Oracle, check_schema_agrees, gitml_lock, make_oracle


@pytest.fixture(scope="session")
def dvc_oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    return make_oracle(tmp_path_factory)


# params.yaml literals whose YAML 1.2 reading (DVC's) differs from YAML 1.1's
PARAMS = """\
lr: 1e-3
big: 3e4
flag: yes
sw: on
oct: 010
time: 1:30
t: true
n: null
hexa: 0x1F
"""
KEYS = ["lr", "big", "flag", "sw", "oct", "time", "t", "n", "hexa"]
CMD = " ".join(f"{k}=${{{k}}}" for k in KEYS)
# dvc.lock after `dvc repro`: cmd and params.yaml values
DVC_CMD = "echo lr=0.001 big=30000.0 flag=yes sw=on oct=10 time=1:30 t=true n=None hexa=31"
DVC_PARAMS = {
    "lr": 0.001,
    "big": 30000.0,
    "flag": "yes",
    "sw": "on",
    "oct": 10,
    "time": "1:30",
    "t": True,
    "n": None,
    "hexa": 31,
}


def lock_stages(root: Path) -> dict[str, dict[str, object]]:
    data = yaml.safe_load((root / "gitml.lock").read_text())
    return data["stages"]  # type: ignore[no-any-return]


def repro_ok(*args: str) -> None:
    res = run_cli("repro", *args)
    assert res.code == 0, (res.out, res.err)


def repro_as_dvc(dvc: Oracle, root: Path) -> None:
    """`gitml repro` here and `dvc repro` on a copy: the two locks agree."""
    theirs = dvc.repro(root)
    assert theirs.code == 0, f"DVC refused it: {theirs.err}"
    check_schema_agrees(root / "gitml.yaml", theirs)
    repro_ok()
    assert gitml_lock(root) == theirs.stages


def refused_by_dvc(dvc: Oracle, root: Path) -> None:
    theirs = dvc.repro(root)
    assert theirs.code != 0 and "Running stage" not in theirs.out, ("DVC ran it", theirs.out)
    check_schema_agrees(root / "gitml.yaml", theirs)


def status() -> dict[str, list[dict[str, str]]]:
    res = run_cli("status", "--json")
    assert res.code == 0, (res.out, res.err)
    return json.loads(res.out)  # type: ignore[no-any-return]


def test_params_are_read_as_yaml_1_2_in_cmd_and_lock(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 1: `1e-3` is 0.001, `yes`/`on`/`1:30` stay strings, `010` is 10 (DVC)."""
    write(repo / "params.yaml", PARAMS)
    params = "".join(f"      - {k}\n" for k in KEYS)
    write(repo / "gitml.yaml", f"stages:\n  train:\n    cmd: echo {CMD}\n    params:\n{params}")
    repro_as_dvc(dvc_oracle, repo)
    stage = lock_stages(repo)["train"]
    assert stage["cmd"] == DVC_CMD
    got = stage["params"]["params.yaml"]  # type: ignore[index]
    assert got == DVC_PARAMS
    assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in DVC_PARAMS.items()}
    assert status() == {}


def test_gitml_yaml_itself_is_yaml_1_2(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 1: DVC reads dvc.yaml by YAML 1.2 too: inline vars, foreach values and
    stage names (`on:` is a name, not True); DVC ran on@yes, on@0.001, on@10, on@None, on@true."""
    write(
        repo / "gitml.yaml",
        "vars:\n  - inline: 1e-3\nstages:\n  s:\n    cmd: echo ${inline}\n"
        "  on:\n    foreach: [yes, 1e-3, 010, null, true]\n    do:\n      cmd: echo ${item}\n",
    )
    repro_as_dvc(dvc_oracle, repo)
    stages = lock_stages(repo)
    assert stages["s"]["cmd"] == "echo 0.001"
    assert {n: s["cmd"] for n, s in stages.items() if n.startswith("on@")} == {
        "on@yes": "echo yes",
        "on@0.001": "echo 0.001",
        "on@10": "echo 10",
        "on@None": "echo None",
        "on@true": "echo true",
    }


def test_yaml_1_1_booleans_are_refused_where_dvc_wants_a_boolean(
    dvc_oracle: Oracle, repo: Path
) -> None:
    """issue 12 item 1: `frozen: yes` is the string "yes" in DVC's YAML 1.2, which its schema
    refuses (frozen must be a boolean); gitml refuses it too, and writes nothing."""
    write(repo / "gitml.yaml", "stages:\n  s:\n    cmd: echo hi > o\n    frozen: yes\n")
    refused_by_dvc(dvc_oracle, repo)
    before = snapshot(repo)
    res = run_cli("repro")
    assert res.code == 2
    assert "gitml.yaml:" in res.err and "frozen" in res.err
    assert snapshot(repo) == before


# plain scalar -> (type, value) as ruamel.yaml (DVC) reads it
RUAMEL = {
    "1e-3": 0.001,
    "-1e-3": -0.001,
    "1E5": 100000.0,
    "1.5e3": 1500.0,
    "12e03": 12000.0,
    ".5": 0.5,
    "5.": 5.0,
    "1_000": 1000,
    "1_0.5": 10.5,
    "0b101": 5,
    "0o17": 15,
    "0x1F": 31,
    "-0x1F": -31,
    "0X1F": "0X1F",
    "010": 10,
    "-010": -10,
    "09": 9,
    "1:30": "1:30",
    "1:30:00": "1:30:00",
    "190:20:30.15": "190:20:30.15",
    "yes": "yes",
    "No": "No",
    "ON": "ON",
    "off": "off",
    "y": "y",
    "True": True,
    "FALSE": False,
    "tRUE": "tRUE",
    "Null": None,
    "~": None,
    "nan": "nan",
    "inf": "inf",
    ".Inf": math.inf,
    "-.inf": -math.inf,
    "1e": "1e",
    "0o8": "0o8",
    "1,000": "1,000",
}


@pytest.mark.parametrize(("literal", "expected"), sorted(RUAMEL.items()))
def test_yaml12_scalars_match_ruamel(literal: str, expected: object) -> None:
    """issue 12 item 1: yamlio's YAML 1.2 resolver reads plain scalars as ruamel.yaml does."""
    got = yamlio.loads(f"k: {literal}\n".encode(), where="p.yaml", yaml12=True)["k"]
    assert type(got) is type(expected) and got == expected
    assert yamlio.scalar(literal, yaml12=True) == expected


def test_yaml12_keeps_the_alias_limits() -> None:
    """issue 12 item 1: the 1.2 loader still refuses an alias bomb before expanding it."""
    pairs = zip("abcdefg", "bcdefgh", strict=True)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in pairs
    )
    with pytest.raises(Exception, match="aliases expand"):
        yamlio.loads(bomb.encode(), where="params.yaml", yaml12=True)


@pytest.mark.parametrize(
    ("recorded", "current", "same"),
    [
        ("1e-3", 0.001, True),  # an old lock: `lr: 1e-3` was the string "1e-3"
        (True, "yes", True),
        (True, "on", True),
        (90, "1:30", True),
        ("0o17", 15, True),
        ([True, "1e-3"], ["yes", 0.001], True),
        ({"a": "3e4"}, {"a": 30000.0}, True),
        (8, 10, False),  # `010` then and now, or an edit of 8 to 10: cannot tell, so changed
        ("", None, False),  # `k: ''` then, `k:` now
        ("1e-3", 0.002, False),
        (True, "no", False),
        (0.001, 0.001, True),
        (math.nan, math.nan, True),
    ],
)
def test_old_lock_values_of_the_same_literal_are_no_change(
    recorded: object, current: object, same: bool
) -> None:
    """issue 12 item 1: a value a lock recorded by YAML 1.1 equals its 1.2 reading."""
    assert same_value(recorded, current) is same


def test_lock_written_by_yaml_1_1_rules_keeps_the_stage_up_to_date(repo: Path) -> None:
    """issue 12 item 1: after the switch to YAML 1.2 an old gitml.lock (which holds "1e-3",
    true, 90) does not make the stage look changed; a real edit still does."""
    write(repo / "params.yaml", "lr: 1e-3\nflag: yes\ntime: 1:30\nepochs: 8\n")
    write(
        repo / "gitml.yaml",
        "stages:\n  train:\n    cmd: echo hi > out.txt\n    params: [lr, flag, time, epochs]\n"
        "    outs: [out.txt]\n",
    )
    repro_ok()
    lock = (repo / "gitml.lock").read_text()
    old = lock.replace("lr: 0.001", "lr: 1e-3").replace("flag: 'yes'", "flag: true")
    old = old.replace("time: '1:30'", "time: 90")
    assert old.count("1e-3") == 1 and "flag: true" in old and "time: 90" in old
    write(repo / "gitml.lock", old)
    assert status() == {}
    write(repo / "params.yaml", "lr: 1e-3\nflag: yes\ntime: 1:30\nepochs: 10\n")
    assert status() == {"train": [{"reason": "params epochs changed 8 -> 10"}]}


def test_null_reads_none_in_text(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 7: `echo v=${v}` with `v: null` is `echo v=None` in DVC."""
    write(repo / "params.yaml", "v: null\nw: ~\n")
    write(repo / "gitml.yaml", "stages:\n  s:\n    cmd: echo v=${v} w=${w}\n")
    repro_as_dvc(dvc_oracle, repo)
    assert lock_stages(repo)["s"]["cmd"] == "echo v=None w=None"


def test_stage_names_dvc_runs_are_accepted(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 6: DVC runs stages named `1-prepare`, `prepare.v2`, `a:b`, `a b` from a
    dvc.yaml (any non-empty string but 'a@b', which it then cannot find)."""
    names = ["1-prepare", "prepare.v2", "a:b", "a b"]
    write(
        repo / "gitml.yaml",
        "stages:\n" + "".join(f"  '{n}':\n    cmd: echo {i} > o{i}\n" for i, n in enumerate(names)),
    )
    repro_as_dvc(dvc_oracle, repo)
    assert list(lock_stages(repo)) == names
    repro_ok("prepare.v2")


@pytest.mark.parametrize(
    ("name", "shown"), [("'a@b'", "'a@b'"), ("''", "''"), ('"a\\eb\\nc"', "'a\\x1bb\\nc'")]
)
def test_stage_names_dvc_refuses_are_refused(
    dvc_oracle: Oracle, repo: Path, name: str, shown: str
) -> None:
    """issue 12 item 6: DVC says 'Stage name not provided' for '' and finds no stage 'a@b';
    control characters are refused too (names are printed), and shown escaped."""
    write(repo / "gitml.yaml", f"stages:\n  {name}:\n    cmd: echo hi > o\n")
    if "\\e" not in name:  # gitml's own rule: DVC runs a stage named so
        refused_by_dvc(dvc_oracle, repo)
    before = snapshot(repo)
    res = run_cli("repro")
    assert res.code == 2
    assert res.err.startswith("error: gitml.yaml")
    assert f"stage {shown}: invalid stage name" in res.err
    assert res.err.count("\n") == 1 and "\x1b" not in res.err
    assert snapshot(repo) == before


def test_stage_add_takes_dvc_stage_add_names(repo: Path) -> None:
    """issue 12 item 6: `dvc stage add -n 1-prepare` works, `-n prepare.v2` says 'Stage name
    cannot contain punctuation characters'; gitml stage add does the same."""
    assert run_cli("stage", "add", "-n", "1-prepare", "echo hi").code == 0
    before = snapshot(repo)
    res = run_cli("stage", "add", "-n", "prepare.v2", "echo hi")
    assert res.code == 2 and "invalid stage name 'prepare.v2'" in res.err
    assert snapshot(repo) == before


ANNOTATED = """\
stages:
  s:
    cmd: sh gen.sh
    outs:
      - o.txt:
          desc: the out
          type: model
          labels: [a, b]
          meta: {k: [1, 2]}
    metrics:
      - m.json:
          desc: d
          labels: [x]
          meta: 3
    plots:
      - p.json:
          desc: p
          type: t
          labels: [y]
          meta: {a: 1}
          y: loss
"""


def test_annotations_on_outs_metrics_and_plots(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 8: desc/type/labels/meta on outs, metrics and plots are accepted (DVC
    ran this pipeline) and changing them does not invalidate (DVC: 'up to date')."""
    write(
        repo / "gen.sh",
        "echo '{\"loss\": 1}' > m.json\necho x > o.txt\necho '[{\"loss\": 1}]' > p.json\n",
    )
    write(repo / "gitml.yaml", ANNOTATED)
    repro_as_dvc(dvc_oracle, repo)
    outs = lock_stages(repo)["s"]["outs"]
    assert [o["path"] for o in outs] == ["m.json", "o.txt", "p.json"]  # type: ignore[attr-defined]
    changed = ANNOTATED.replace("the out", "changed").replace("[a, b]", "[c]")
    write(repo / "gitml.yaml", changed.replace("meta: 3", "meta: 4"))
    assert status() == {}
    assert run_cli("metrics", "show").code == 0
    res = run_cli("plots", "show", "-o", "plots.html")
    assert res.code == 0, res.err


MULTI_PLOTS = """\
stages:
  s:
    cmd: echo hi
plots:
  - loss:
      y:
        hist.json: loss
        other.json: loss
  - hist.json:
      y: acc
metrics:
  - m.json
"""


def test_plot_with_y_from_several_files(repo: Path) -> None:
    """issue 12 item 16: `y: {hist.json: loss, other.json: loss}` (DVC draws both files in
    one chart, plot id 'loss') no longer crashes metrics show / params diff / plots show, and
    a second plot of hist.json is drawn too."""
    write(repo / "gitml.yaml", MULTI_PLOTS)
    write(repo / "hist.json", '[{"loss": 1, "acc": 0.5}, {"loss": 0.5, "acc": 0.7}]')
    write(repo / "other.json", '[{"loss": 2}, {"loss": 1}]')
    write(repo / "m.json", '{"a": 1}')
    write(repo / "params.yaml", "lr: 1\n")
    for args in (["metrics", "show"], ["params", "diff"]):
        res = run_cli(*args)
        assert res.code == 0, (args, res.err)
    res = run_cli("plots", "show", "-o", str(repo / "pl"), "--json")
    assert res.code == 0, res.err
    drawn = [(p["path"], p["title"], p["y"]) for p in json.loads(res.out)["plots"]]
    assert drawn == [("loss", "loss", "loss"), ("hist.json", "hist.json", "acc")]
