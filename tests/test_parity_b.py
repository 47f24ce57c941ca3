"""issue 12: dvc.yaml parity of templating (vars, ${...}, foreach, matrix, top-level sections).

Every pipeline here also runs through real DVC 3.67.1 (tests/dvc_oracle.py): `repro` checks
that DVC's dvc.lock names the same stages, commands, deps, outs and params as gitml.lock, and
`refused` that DVC refuses the pipeline too. The expected values written below (first
confirmed by hand with DVC) stay as a second check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli, snapshot, write
from tests.dvc_oracle import Oracle, check_schema_agrees, comparable, make_oracle


@pytest.fixture(scope="session")
def dvc_oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    return make_oracle(tmp_path_factory)


def repro(
    dvc: Oracle, root: Path, pipeline: str, wdirs: dict[str, str] | None = None, **files: str
) -> dict[str, Any]:
    """Write gitml.yaml (and `files`, '__' for '/'), run `gitml repro` and `dvc repro` on a
    copy; both locks must agree. Returns gitml.lock's stages."""
    write(root / "gitml.yaml", pipeline)
    for name, text in files.items():
        write(root / name.replace("__", "/"), text)
    theirs = dvc.repro(root, wdirs=wdirs)
    assert theirs.code == 0, f"DVC refused it: {theirs.err}"
    check_schema_agrees(root / "gitml.yaml", theirs)
    result = run_cli("repro")
    assert result.code == 0, result.err
    lock = yaml.safe_load((root / "gitml.lock").read_text(encoding="utf-8"))
    stages: dict[str, Any] = lock["stages"]
    assert comparable(stages) == theirs.stages
    return stages


def cmds(stages: dict[str, Any]) -> dict[str, str]:
    return {name: stage["cmd"] for name, stage in stages.items()}


def refused(dvc: Oracle, root: Path, pipeline: str, **files: str) -> str:
    """`gitml repro` on a pipeline DVC refuses (checked: `dvc repro` fails on a copy): exit 2,
    one line, nothing run or written."""
    write(root / "gitml.yaml", pipeline)
    for name, text in files.items():
        write(root / name.replace("__", "/"), text)
    theirs = dvc.repro(root)
    assert theirs.code != 0 and "Running stage" not in theirs.out, ("DVC ran it", theirs.out)
    check_schema_agrees(root / "gitml.yaml", theirs)
    before = snapshot(root)
    result = run_cli("repro")
    assert result.code == 2, result.err
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert snapshot(root) == before
    assert not (root / "gitml.lock").exists()
    return lines[0]


# --- item 2: bracket access ---------------------------------------------------------------


def test_bracket_access_with_unicode_keys(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 2: ${item[thresh]}, ${a[b][0]}, unicode keys (DVC: 'echo 5 x1 x2 7 7')."""
    pipeline = """\
vars:
  - a: {b: [x1, x2]}
    item2: {thresh: 5}
    ü: {ключ: 7}
stages:
  s:
    cmd: echo ${item2[thresh]} ${a[b][0]} ${a.b[1]} ${ü[ключ]} ${ü.ключ} ${a[ b ][0]}
  t:
    foreach:
      - thresh: 0.5
    do:
      cmd: echo ${item[thresh]}
"""
    assert cmds(repro(dvc_oracle, repo, pipeline)) == {
        "s": "echo 5 x1 x2 7 7 x1",
        "t@0": "echo 0.5",
    }


def test_bracket_path_with_a_space_is_a_key(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 2: DVC reads `${a b}` as the key 'a b' (not found), `${a..b}` as bad."""
    err = refused(dvc_oracle, repo, "vars:\n  - a: 1\nstages:\n  s:\n    cmd: echo ${a b}\n")
    assert "stage 's'" in err and "undefined variable 'a b'" in err
    err = refused(dvc_oracle, repo, "vars:\n  - a: 1\nstages:\n  s:\n    cmd: echo ${a..b}\n")
    assert "stage 's'" in err and "bad variable reference '${a..b}'" in err


# --- item 3: a mapping inside cmd text ----------------------------------------------------


def test_mapping_in_cmd_text_becomes_options(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 3: DVC's to_str for a dict, with the default parsing config."""
    pipeline = """\
vars:
  - dict: {foo: foo, bar: 2}
    opts:
      t: true
      f: false
      l: [1, a b, 3]
      n: {x: 1, y: {z: q}}
      s: with space
      fl: 1.5
      none: null
      e: {}
      el: []
      lb: [true, 1.0]
    k: {a b: 1}
stages:
  plain:
    cmd: echo ${dict}
  rules:
    cmd: echo ${opts}
  listed:
    cmd:
      - echo ${dict}
      - echo x ${k}
"""
    stages = repro(dvc_oracle, repo, pipeline)
    assert stages["plain"]["cmd"] == "echo --foo foo --bar 2"
    assert stages["rules"]["cmd"] == (
        "echo --t --l 1 'a b' 3 --n.x 1 --n.y.z q --s 'with space' --fl 1.5 --none None"
        " --lb True 1.0"
    )
    assert "echo --foo foo --bar 2" in str(stages["listed"]["cmd"])
    assert "echo x --a b 1" in str(stages["listed"]["cmd"])


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ("cmd: echo ${l}", "'cmd': cannot interpolate a list in 'echo ${l}'"),
        ("cmd: echo ${nested}", "cannot interpolate nested list in 'l'"),
        ("cmd: echo\n    desc: a ${dict}", "'desc': cannot interpolate a mapping in 'a ${dict}'"),
        ("cmd: echo\n    deps:\n      - ${dict}", "'deps': cannot interpolate a mapping"),
        ("cmd: ${l}", "'cmd': cannot interpolate a list in '${l}'"),
        ("cmd: echo\n    meta: ${dict}", "'meta': cannot interpolate a mapping in '${dict}'"),
    ],
)
def test_list_or_mapping_outside_cmd_text_is_refused(
    dvc_oracle: Oracle, repo: Path, stage: str, message: str
) -> None:
    """issue 12 item 3: DVC "Cannot interpolate data of type 'list'/'dict'" and "nested
    iterable": only a mapping inside the text of cmd is formatted."""
    pipeline = (
        "vars:\n  - l: [1, 2]\n    dict: {foo: foo}\n    nested: {l: [[1], 2]}\n"
        f"stages:\n  s:\n    {stage}\n"
    )
    err = refused(dvc_oracle, repo, pipeline)
    assert err.startswith("error: gitml.yaml") and "stage 's'" in err and message in err


# --- item 4: matrix -----------------------------------------------------------------------


def test_matrix_key_names_and_mapping_axis(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 4: ${key} in matrix stages; list/dict values named axis + index; an axis
    given a mapping iterates its keys (DVC: build@a-l0-p ... build@b-l1-n1)."""
    pipeline = """\
vars:
  - win: {a: 1, b: 2}
    lst: [[1, 2], [3]]
    x: hi
stages:
  build:
    matrix:
      win: ${win}
      l: ${lst}
      n: [p, {q: 1}]
    cmd: echo ${x} ${item.win} ${key}
"""
    names = [f"build@{w}-l{i}-{n}" for w in ("a", "b") for i in (0, 1) for n in ("p", "n1")]
    stages = repro(dvc_oracle, repo, pipeline)
    assert list(stages) == names
    assert stages["build@b-l1-n1"]["cmd"] == "echo hi b b-l1-n1"


def test_matrix_list_value_named_by_axis(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 4: `build@win-list0`, not `build@win-0`; an empty axis makes no stage."""
    pipeline = """\
stages:
  build:
    matrix:
      os: [win]
      list: [[a, b]]
    cmd: echo ${item.os} ${item.list[1]}
  none:
    matrix:
      a: [1]
      b: []
    cmd: echo never
"""
    assert cmds(repro(dvc_oracle, repo, pipeline)) == {"build@win-list0": "echo win b"}


def test_matrix_given_a_mapping_literal_is_refused(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 4: DVC's schema takes a string or a list per axis, before templating."""
    err = refused(dvc_oracle, repo, "stages:\n  s:\n    matrix:\n      a: {x: 1}\n    cmd: echo\n")
    assert err.startswith("error: gitml.yaml:4:") and "'stages.s.matrix.a'" in err


# --- item 5: foreach ----------------------------------------------------------------------


def test_empty_foreach_makes_no_stage(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 5: `foreach: []` and `foreach: {}` make no stages (DVC: only 'u')."""
    pipeline = """\
vars:
  - none: []
stages:
  s:
    foreach: []
    do:
      cmd: echo s
  t:
    foreach: {}
    do:
      cmd: echo t
  v:
    foreach: ${none}
    do:
      cmd: echo v
  u:
    cmd: echo u
"""
    assert cmds(repro(dvc_oracle, repo, pipeline)) == {"u": "echo u"}


def test_duplicate_foreach_items_collapse(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 5: DVC keys generated stages by name: first place, last value."""
    pipeline = """\
stages:
  s:
    foreach: [a, b, a, 1, "1", true, "true", 1.0]
    do:
      cmd: echo ${item}
"""
    assert cmds(repro(dvc_oracle, repo, pipeline)) == {
        "s@a": "echo a",
        "s@b": "echo b",
        "s@1": "echo 1",
        "s@true": "echo true",
        "s@1.0": "echo 1.0",
    }


def test_foreach_mapping_key_is_text(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 5: `key` of a mapping is its name as text (DVC: params ['1'])."""
    pipeline = """\
stages:
  s:
    foreach:
      1: a
    do:
      cmd: echo ${key} ${item}
"""
    assert cmds(repro(dvc_oracle, repo, pipeline)) == {"s@1": "echo 1 a"}


# --- item 9: top-level sections -----------------------------------------------------------


def test_top_level_metrics_are_interpolated(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 9: top-level metrics/params/plots see the global vars and params.yaml."""
    pipeline = """\
vars:
  - m: scores
metrics:
  - ${m}/${name}.json
stages:
  s:
    cmd: echo
"""
    write(repo / "params.yaml", "name: final\n")
    write(repo / "scores/final.json", '{"acc": 0.75}\n')
    repro(dvc_oracle, repo, pipeline)
    result = run_cli("metrics", "show")
    assert result.code == 0, result.err
    assert "scores/final.json" in result.out and "0.75" in result.out


def test_top_level_does_not_see_stage_vars(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 9: DVC "failed to parse 'metrics.0' ... Could not find 'z'"."""
    pipeline = "metrics:\n  - ${z}\nstages:\n  s:\n    vars:\n      - z: 1\n    cmd: echo\n"
    assert refused(dvc_oracle, repo, pipeline) == (
        "error: gitml.yaml: metrics: undefined variable 'z' in '${z}'"
    )


# --- item 12: vars never redefine ---------------------------------------------------------


P = "models: {bar: 1, foo: 0}\nsub1: {a: 1}\nsub2: {b: 2}\n"


@pytest.mark.parametrize(
    ("pipeline", "files", "message"),
    [
        (
            "vars:\n  - models: {bar: 2}\nstages:\n  s:\n    cmd: echo\n",
            {"params.yaml": P},
            "gitml.yaml: vars: cannot redefine 'models.bar' from 'vars[0]' "
            "as it already exists in 'params.yaml'",
        ),
        (
            "vars:\n  - models: {bar: 2}\n  - models: {bar: 3}\nstages:\n  s:\n    cmd: echo\n",
            {},
            "gitml.yaml: vars: cannot redefine 'models.bar' from 'vars[1]' "
            "as it already exists in 'vars[0]'",
        ),
        (
            "stages:\n  s:\n    vars:\n      - models: {bar: 2}\n    cmd: echo\n",
            {"params.yaml": P},
            "gitml.yaml:2: stage 's': vars: cannot redefine 'models.bar' from 's.vars[0]' "
            "as it already exists in 'params.yaml'",
        ),
        (
            "vars:\n  - x: 1\nstages:\n  s:\n    vars:\n      - x: 2\n    cmd: echo\n",
            {},
            "gitml.yaml:4: stage 's': vars: cannot redefine 'x' from 's.vars[0]' "
            "as it already exists in 'vars[0]'",
        ),
        (
            "vars:\n  - models: 3\nstages:\n  s:\n    cmd: echo\n",
            {"params.yaml": P},
            "gitml.yaml: vars: cannot redefine 'models' from 'vars[0]' "
            "as it already exists in 'params.yaml'",
        ),
        (
            "vars:\n  - p.yaml\n  - q.yaml\nstages:\n  s:\n    cmd: echo\n",
            {"p.yaml": P, "q.yaml": "models: {bar: 5}\n"},
            "gitml.yaml: vars: cannot redefine 'models.bar' from 'q.yaml' "
            "as it already exists in 'p.yaml'",
        ),
    ],
)
def test_conflicting_vars_are_refused(
    dvc_oracle: Oracle, repo: Path, pipeline: str, files: dict[str, str], message: str
) -> None:
    """issue 12 item 12: DVC 3 "cannot redefine 'models.bar' from ... as it already exists in
    ..." (params.yaml against vars, vars[0] against vars[1], stage vars against both)."""
    assert refused(dvc_oracle, repo, pipeline, **files) == f"error: {message}"


def test_vars_merge_new_keys_into_a_mapping(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 12: distinct keys of one mapping merge (DVC: 'echo 1 2')."""
    pipeline = (
        "vars:\n  - models: {baz: 2}\nstages:\n  s:\n    cmd: echo ${models.bar} ${models.baz}\n"
    )
    assert cmds(repro(dvc_oracle, repo, pipeline, **{"params.yaml": P})) == {"s": "echo 1 2"}


# --- item 13: a vars file loaded whole and in part ----------------------------------------


@pytest.mark.parametrize(
    ("vars_", "message"),
    [
        (["p.yaml", "p.yaml:sub1"], "cannot partially load 'p.yaml:sub1' as it's already loaded"),
        (["p.yaml:sub1", "p.yaml"], "cannot load 'p.yaml' as it's partially loaded already"),
        (
            ["p.yaml:sub1", "p.yaml:sub1,sub2"],
            "cannot load 'p.yaml:sub1,sub2' as it's partially loaded already",
        ),
        (["params.yaml:sub1"], "cannot partially load 'params.yaml:sub1' as it's already loaded"),
    ],
)
def test_vars_file_whole_and_in_part_is_refused(
    dvc_oracle: Oracle, repo: Path, vars_: list[str], message: str
) -> None:
    """issue 12 item 13: DVC's VarsAlreadyLoaded (params.yaml is loaded whole implicitly)."""
    listed = "".join(f"  - {v}\n" for v in vars_)
    pipeline = f"vars:\n{listed}stages:\n  s:\n    cmd: echo\n"
    err = refused(dvc_oracle, repo, pipeline, **{"p.yaml": P, "params.yaml": "other: 1\n"})
    assert err == f"error: gitml.yaml: vars: {message}"


def test_stage_vars_part_of_a_file_loaded_globally_is_refused(
    dvc_oracle: Oracle, repo: Path
) -> None:
    """issue 12 item 13: DVC "failed to parse 'stages.s.vars' ... cannot partially load"."""
    pipeline = "vars:\n  - p.yaml\nstages:\n  s:\n    vars:\n      - p.yaml:sub1\n    cmd: echo\n"
    err = refused(dvc_oracle, repo, pipeline, **{"p.yaml": P})
    assert "stage 's': vars: cannot partially load 'p.yaml:sub1' as it's already loaded" in err


def test_vars_file_again_whole_or_other_keys_is_fine(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 13: the same file whole twice, or different keys of it, load (DVC)."""
    pipeline = """\
vars:
  - p.yaml
  - p.yaml
  - q.yaml:qa
  - q.yaml:qb
  - params.yaml
stages:
  s:
    vars:
      - p.yaml
    cmd: echo ${sub1.a} ${qa.v} ${qb.v} ${top}
  t:
    vars:
      - r.yaml:x
    cmd: echo ${x}
  u:
    vars:
      - r.yaml
    cmd: echo ${x}
"""
    files = {
        "p.yaml": P,
        "q.yaml": "qa: {v: 1}\nqb: {v: 2}\n",
        "r.yaml": "x: 9\n",
        "params.yaml": "top: 3\n",
    }
    assert cmds(repro(dvc_oracle, repo, pipeline, **files)) == {
        "s": "echo 1 1 2 3",
        "t": "echo 9",
        "u": "echo 9",
    }


# --- item 14: no ${} inside vars ----------------------------------------------------------


@pytest.mark.parametrize(
    ("pipeline", "where"),
    [
        ("vars:\n  - a: ${b}\n    b: 1\nstages:\n  s:\n    cmd: echo\n", "gitml.yaml: vars:"),
        ("vars:\n  - ${b}.yaml\nstages:\n  s:\n    cmd: echo\n", "gitml.yaml: vars:"),
        ("vars:\n  - x: {'${b}': 1}\nstages:\n  s:\n    cmd: echo\n", "gitml.yaml: vars:"),
        ("stages:\n  s:\n    vars:\n      - a: ${b}\n    cmd: echo\n", "stage 's': vars:"),
        (
            "stages:\n  s:\n    foreach: [1]\n    do:\n      vars:\n        - a: ${item}\n"
            "      cmd: echo\n",
            "stage 's@1': vars:",
        ),
    ],
)
def test_references_inside_vars_are_refused(
    dvc_oracle: Oracle, repo: Path, pipeline: str, where: str
) -> None:
    """issue 12 item 14: DVC "failed to parse 'vars' ...: interpolating is not allowed"."""
    err = refused(dvc_oracle, repo, pipeline)
    assert where in err and "interpolating is not allowed" in err


# --- item 15: typed keys are checked before templating ------------------------------------


@pytest.mark.parametrize(
    ("line", "path", "message"),
    [
        ("frozen: ${freeze}", "stages.s.frozen", "is not of type 'boolean'"),
        ("always_changed: ${freeze}", "stages.s.always_changed", "is not of type 'boolean'"),
        ("deps: ${files}", "stages.s.deps", "is not of type 'array'"),
        ("outs: ${files}", "stages.s.outs", "is not of type 'array'"),
        ("metrics: ${files}", "stages.s.metrics", "is not of type 'array'"),
        ("params: ${files}", "stages.s.params", "is not of type 'array'"),
        ("vars: ${files}", "stages.s.vars", "is not of type 'array'"),
        ("matrix: ${o}", "stages.s.matrix", "is not of type 'object'"),
        ("outs:\n      - m.pkl:\n          cache: ${c}", "stages.s.outs.0.m.pkl.cache", "boolean"),
    ],
)
def test_typed_keys_refuse_a_reference(
    dvc_oracle: Oracle, repo: Path, line: str, path: str, message: str
) -> None:
    """issue 12 item 15: DVC validates dvc.yaml before templating: `frozen: ${freeze}`,
    `deps: ${files}` ... are "expected bool" / "expected a list"."""
    pipeline = (
        "vars:\n  - freeze: true\n    files: [a]\n    o: {a: [1]}\n    c: false\n"
        f"stages:\n  s:\n    cmd: echo\n    {line}\n"
    )
    err = refused(dvc_oracle, repo, pipeline)
    assert err.startswith("error: gitml.yaml:") and f"'{path}'" in err and message in err


def test_typed_keys_refuse_a_reference_in_foreach_do(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 15: DVC "expected bool ... @ data['stages']['s']['do']['frozen']"."""
    pipeline = "stages:\n  s:\n    foreach: [1]\n    do:\n      cmd: echo\n      frozen: ${f}\n"
    assert "'stages.s.do.frozen'" in refused(dvc_oracle, repo, pipeline)


@pytest.mark.parametrize("section", ["metrics", "params", "plots"])
def test_top_level_sections_refuse_a_reference_for_the_list(
    dvc_oracle: Oracle, repo: Path, section: str
) -> None:
    """issue 12 item 15: DVC "expected a list for dictionary value @ data['metrics']"."""
    pipeline = f"vars:\n  - files: [a]\n{section}: ${{files}}\nstages:\n  s:\n    cmd: echo\n"
    assert f"'{section}': '${{files}}' is not of type 'array'" in refused(
        dvc_oracle, repo, pipeline
    )


def test_string_keys_take_a_reference(dvc_oracle: Oracle, repo: Path) -> None:
    """issue 12 item 15: desc, wdir and params items are strings in DVC's schema."""
    pipeline = """\
vars:
  - s: sub
    k: lr
stages:
  s:
    cmd: echo hi
    desc: ${s}
    wdir: ${s}
    params:
      - ${k}
"""
    write(repo / "sub/params.yaml", "lr: 0.1\n")
    stages = repro(dvc_oracle, repo, pipeline, wdirs={"s": "sub"})
    assert stages["s"]["cmd"] == "echo hi"
    assert stages["s"]["params"] == {"sub/params.yaml": {"lr": 0.1}}
