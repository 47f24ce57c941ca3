"""gitml.yaml through the real CLI: refusals, templating, params, a dvc.yaml, stage add, dag."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import pytest
import yaml

from gitml.errors import BadInputError
from tests.conftest import Result, run_cli, snapshot, write

# A valid first stage: if validation were lazy (stage by stage), it would run and leave ran.txt.
FIRST = """\
  first:
    cmd: echo ran > ran.txt
    outs: [ran.txt]
"""


def pipeline(text: str, root: Path) -> None:
    write(root / "gitml.yaml", text)


def repro_json(*args: str) -> dict[str, str]:
    """stage -> action of a `gitml repro --json` that must succeed."""
    res = run_cli("repro", "--json", *args)
    assert res.code == 0, (res.out, res.err)
    return {run["stage"]: run["action"] for run in json.loads(res.out)}


def ran(actions: dict[str, str]) -> set[str]:
    return {name for name, action in actions.items() if action == "ran"}


def status_json() -> dict[str, list[dict[str, str]]]:
    res = run_cli("status", "--json")
    assert res.code == 0, (res.out, res.err)
    data: dict[str, list[dict[str, str]]] = json.loads(res.out)
    return data


def assert_refused(
    root: Path, *patterns: str, commands: tuple[str, ...] = ("repro", "status", "dag")
) -> None:
    """Each command exits 2, its stderr matches every pattern, and no file changes."""
    before = snapshot(root)
    for command in commands:
        res: Result = run_cli(command)
        assert res.code == 2, (command, res)
        lines = [ln for ln in res.err.splitlines() if ln.strip()]
        assert lines, (command, res)
        assert "Traceback" not in res.err
        for pattern in patterns:
            assert re.search(pattern, res.err), (command, pattern, res.err)
        assert snapshot(root) == before, command
    assert not (root / "ran.txt").exists()
    assert not (root / "gitml.lock").exists()


# ---------------------------------------------------------------- 1. refusals before running


def test_cycle_is_refused_and_printed(repo: Path) -> None:
    pipeline(
        "stages:\n"
        + FIRST
        + """\
  a:
    cmd: cp b.txt a.txt
    deps: [b.txt]
    outs: [a.txt]
  b:
    cmd: cp a.txt b.txt
    deps: [a.txt]
    outs: [b.txt]
""",
        repo,
    )
    assert_refused(repo, r"pipeline has a cycle: (a -> b -> a|b -> a -> b)")


def test_longer_cycle_names_every_stage(repo: Path) -> None:
    pipeline(
        "stages:\n"
        + FIRST
        + """\
  x:
    cmd: cat z.txt > x.txt
    deps: [z.txt]
    outs: [x.txt]
  y:
    cmd: cat x.txt > y.txt
    deps: [x.txt]
    outs: [y.txt]
  z:
    cmd: cat y.txt > z.txt
    deps: [y.txt]
    outs: [z.txt]
""",
        repo,
    )
    before = snapshot(repo)
    res = run_cli("repro")
    assert res.code == 2
    match = re.search(r"pipeline has a cycle: (.*)", res.err)
    assert match, res.err
    names = [n.strip() for n in match.group(1).split("->")]
    assert len(names) == 4 and names[0] == names[-1]
    assert set(names) == {"x", "y", "z"}
    assert snapshot(repo) == before


def test_two_stages_with_the_same_out_are_refused(repo: Path) -> None:
    pipeline(
        "stages:\n"
        + FIRST
        + """\
  one:
    cmd: echo 1 > same.txt
    outs: [same.txt]
  two:
    cmd: echo 2 > same.txt
    outs: [same.txt]
""",
        repo,
    )
    assert_refused(repo, r"same\.txt", r"'one'", r"'two'")


def test_out_inside_another_stages_out_is_refused(repo: Path) -> None:
    pipeline(
        "stages:\n"
        + FIRST
        + """\
  outer:
    cmd: mkdir -p data && echo 1 > data/a.txt
    outs: [data]
  inner:
    cmd: mkdir -p data/sub && echo 2 > data/sub/b.txt
    outs: [data/sub]
""",
        repo,
    )
    assert_refused(repo, r"data/sub", r"inside", r"\bdata\b")


def test_out_inside_its_own_other_out_is_refused(repo: Path) -> None:
    pipeline(
        "stages:\n"
        + FIRST
        + """\
  both:
    cmd: mkdir -p model && echo 1 > model/w.bin
    outs: [model, model/w.bin]
""",
        repo,
    )
    assert_refused(repo, r"model/w\.bin", r"inside")


@pytest.mark.parametrize(
    ("entry", "shown"),
    [
        ("deps: [../outside.txt]", r"\.\./outside\.txt"),
        ("deps: [/etc/hostname]", r"/etc/hostname"),
        ("outs: [../escape.txt]", r"\.\./escape\.txt"),
        ("outs: [/tmp/gitml-abs-out.txt]", r"/tmp/gitml-abs-out\.txt"),
        ("outs: [sub/../../escape.txt]", r"escape\.txt"),
    ],
)
def test_paths_outside_the_repo_are_refused(repo: Path, entry: str, shown: str) -> None:
    pipeline(
        "stages:\n"
        + FIRST
        + f"""\
  leak:
    cmd: echo x > local.txt
    {entry}
""",
        repo,
    )
    assert_refused(repo, shown, r"outside")
    assert not (repo.parent / "escape.txt").exists()
    assert not Path("/tmp/gitml-abs-out.txt").exists()


def test_unknown_key_in_a_stage_is_named(repo: Path) -> None:
    pipeline(
        "stages:\n"
        + FIRST
        + """\
  x:
    cmd: echo x > x.txt
    comand: echo typo
    outs: [x.txt]
""",
        repo,
    )
    assert_refused(
        repo, r"gitml\.yaml(:\d+)?: stage 'x': unknown key .*comand|gitml\.yaml:\d+: .*comand"
    )


def test_typo_of_cmd_names_the_unknown_key(repo: Path) -> None:
    """A stage with `comand:` instead of `cmd:`: the report names the typo, not only 'cmd'."""
    pipeline(
        "stages:\n"
        + FIRST
        + """\
  x:
    comand: echo x > x.txt
    outs: [x.txt]
""",
        repo,
    )
    assert_refused(repo, r"gitml\.yaml.*'x'|gitml\.yaml:\d+", r"comand")


def test_unknown_top_level_key_is_refused_with_its_line(repo: Path) -> None:
    pipeline("stages:\n" + FIRST + "stagez:\n  y:\n    cmd: echo y\n", repo)
    assert_refused(repo, r"gitml\.yaml:5: .*unknown key 'stagez'")


def test_unknown_top_level_scalar_key_is_refused_with_its_line(repo: Path) -> None:
    pipeline("stages:\n" + FIRST + "colour: blue\n", repo)
    assert_refused(repo, r"gitml\.yaml:5: .*unknown key 'colour'")


def test_invalid_yaml_reports_file_and_line(repo: Path) -> None:
    pipeline("stages:\n" + FIRST + "  bad:\n    cmd: [echo, x\n    outs: [x.txt]\n", repo)
    before = snapshot(repo)
    for command in ("repro", "status", "dag"):
        res = run_cli(command)
        assert res.code == 2, (command, res)
        match = re.search(r"gitml\.yaml:(\d+):", res.err)
        assert match, res.err
        assert 6 <= int(match.group(1)) <= 8, res.err
        assert "Traceback" not in res.err
    assert snapshot(repo) == before


def test_undefined_template_variable_is_named(repo: Path) -> None:
    pipeline(
        "vars:\n  - known: 1\nstages:\n"
        + FIRST
        + """\
  t:
    cmd: echo ${known} ${nope} > t.txt
    outs: [t.txt]
""",
        repo,
    )
    assert_refused(repo, r"stage 't'", r"undefined variable 'nope'")


def test_stage_out_overlapping_a_tracked_path_is_refused(repo: Path) -> None:
    write(repo / "data" / "raw.csv", "a,b\n1,2\n")
    res = run_cli("add", "data")
    assert res.code == 0, res
    pipeline(
        "stages:\n"
        + FIRST
        + """\
  clash:
    cmd: echo x > data/extra.csv
    outs: [data/extra.csv]
""",
        repo,
    )
    assert_refused(repo, r"data/extra\.csv", r"data\.gitml")
    assert (repo / "data" / "raw.csv").read_text() == "a,b\n1,2\n"


def test_stage_out_equal_to_a_tracked_file_is_refused(repo: Path) -> None:
    write(repo / "model.bin", "weights")
    assert run_cli("add", "model.bin").code == 0
    pipeline(
        "stages:\n"
        + FIRST
        + """\
  clash:
    cmd: echo new > model.bin
    outs: [model.bin]
""",
        repo,
    )
    assert_refused(repo, r"model\.bin\.gitml")
    assert (repo / "model.bin").read_text() == "weights"


# ---------------------------------------------------------------- 2. templating through repro


TEMPLATED = """\
vars:
  - greeting: hello
    prefix: out
  - extra.yaml
stages:
  hello:
    cmd: cat ${src} > ${prefix}-hello.txt && echo ${greeting} ${train.epochs} >> ${prefix}-hello.txt
    deps:
      - ${src}
    outs:
      - ${prefix}-hello.txt
  letters:
    foreach: [a, b, c]
    do:
      cmd: echo letter ${item} > letter-${item}.txt
      outs: ["letter-${item}.txt"]
  model:
    foreach:
      small: {size: 1}
      large: {size: 3}
    do:
      cmd: echo ${key} ${item.size} > model-${key}.txt
      outs: ["model-${key}.txt"]
  sweep:
    matrix:
      lr: [0.1, 0.01]
      opt: [a, b]
    cmd: echo ${item.lr} ${item.opt} > sweep-${item.lr}-${item.opt}.txt
    outs: ["sweep-${item.lr}-${item.opt}.txt"]
"""


def test_templated_stages_run(repo: Path) -> None:
    write(repo / "params.yaml", "train:\n  epochs: 5\n")
    write(repo / "extra.yaml", "src: input.txt\n")
    write(repo / "input.txt", "from input\n")
    pipeline(TEMPLATED, repo)

    text = run_cli("dag")
    assert text.code == 0, text
    sweep = {f"sweep@{lr}-{opt}" for lr in ("0.1", "0.01") for opt in ("a", "b")}
    generated = {"letters@a", "letters@b", "letters@c", "model@small", "model@large"} | sweep
    assert set(re.findall(r"[\w@.-]+", text.out)) >= generated | {"hello"}

    # the base name of a matrix runs every generated stage, and nothing else
    assert ran(repro_json("sweep")) == sweep
    for lr in ("0.1", "0.01"):
        for opt in ("a", "b"):
            assert (repo / f"sweep-{lr}-{opt}.txt").read_text().split() == [lr, opt]
    assert not (repo / "out-hello.txt").exists()
    assert not (repo / "letter-a.txt").exists()

    assert ran(repro_json()) == generated - sweep | {"hello"}
    assert (repo / "out-hello.txt").read_text() == "from input\nhello 5\n"
    for letter in "abc":
        assert (repo / f"letter-{letter}.txt").read_text() == f"letter {letter}\n"
    assert (repo / "model-small.txt").read_text() == "small 1\n"
    assert (repo / "model-large.txt").read_text() == "large 3\n"

    lock = yaml.safe_load((repo / "gitml.lock").read_text())
    assert set(lock["stages"]) == generated | {"hello"}
    assert lock["stages"]["model@large"]["cmd"] == "echo large 3 > model-large.txt"
    assert [d["path"] for d in lock["stages"]["hello"]["deps"]] == ["input.txt"]
    assert status_json() == {}

    # the templated dep is a real dep: changing it reruns only that stage
    write(repo / "input.txt", "changed\n")
    assert ran(repro_json()) == {"hello"}
    assert (repo / "out-hello.txt").read_text() == "changed\nhello 5\n"


def test_foreach_base_name_runs_its_generated_stages(repo: Path) -> None:
    write(repo / "params.yaml", "train:\n  epochs: 5\n")
    write(repo / "extra.yaml", "src: input.txt\n")
    write(repo / "input.txt", "x\n")
    pipeline(TEMPLATED, repo)
    assert ran(repro_json("model")) == {"model@small", "model@large"}
    assert ran(repro_json("letters@b")) == {"letters@b"}
    assert (repo / "letter-b.txt").exists()
    assert not (repo / "letter-a.txt").exists()


def test_changing_a_var_changes_the_cmd_and_reruns(repo: Path) -> None:
    write(repo / "params.yaml", "train:\n  epochs: 5\n")
    write(repo / "extra.yaml", "src: input.txt\n")
    write(repo / "input.txt", "x\n")
    pipeline(TEMPLATED, repo)
    repro_json()
    write(repo / "params.yaml", "train:\n  epochs: 6\n")
    assert ran(repro_json()) == {"hello"}
    assert (repo / "out-hello.txt").read_text() == "x\nhello 6\n"


# ---------------------------------------------------------------- 3. params in every format


PARAMS_PIPELINE = """\
stages:
  use_yaml:
    cmd: echo yaml > o-yaml.txt
    params: [lr]
    outs: [o-yaml.txt]
  use_json:
    cmd: echo json > o-json.txt
    params:
      - cfg.json: [model.depth]
    outs: [o-json.txt]
  use_toml:
    cmd: echo toml > o-toml.txt
    params:
      - cfg.toml: [opt.beta]
    outs: [o-toml.txt]
  use_section:
    cmd: echo section > o-section.txt
    params: [train]
    outs: [o-section.txt]
"""


def test_params_from_each_format_invalidate_only_their_stage(repo: Path) -> None:
    write(repo / "params.yaml", "lr: 0.1\ntrain:\n  lr: 0.5\n  opt:\n    name: sgd\n")
    write(repo / "cfg.json", json.dumps({"model": {"depth": 3, "width": 8}}))
    write(repo / "cfg.toml", "[opt]\nbeta = 0.9\ngamma = 1\n")
    pipeline(PARAMS_PIPELINE, repo)
    assert ran(repro_json()) == {"use_yaml", "use_json", "use_toml", "use_section"}
    assert status_json() == {}
    assert ran(repro_json()) == set()

    # an unrelated key of the same file changes nothing
    write(repo / "cfg.json", json.dumps({"model": {"depth": 3, "width": 16}}))
    assert status_json() == {}

    write(repo / "params.yaml", "lr: 0.2\ntrain:\n  lr: 0.5\n  opt:\n    name: sgd\n")
    assert status_json() == {"use_yaml": [{"reason": "params lr changed 0.1 -> 0.2"}]}
    assert ran(repro_json()) == {"use_yaml"}
    assert status_json() == {}

    write(repo / "cfg.json", json.dumps({"model": {"depth": 4, "width": 16}}))
    assert status_json() == {"use_json": [{"reason": "params cfg.json:model.depth changed 3 -> 4"}]}
    assert ran(repro_json()) == {"use_json"}

    write(repo / "cfg.toml", "[opt]\nbeta = 0.95\ngamma = 2\n")
    assert status_json() == {
        "use_toml": [{"reason": "params cfg.toml:opt.beta changed 0.9 -> 0.95"}]
    }
    assert ran(repro_json()) == {"use_toml"}

    # a whole section: the reason names the nested leaf that changed
    write(repo / "params.yaml", "lr: 0.2\ntrain:\n  lr: 0.5\n  opt:\n    name: adam\n")
    assert status_json() == {
        "use_section": [{"reason": "params train.opt.name changed sgd -> adam"}]
    }
    assert ran(repro_json()) == {"use_section"}
    write(repo / "params.yaml", "lr: 0.2\ntrain:\n  lr: 0.25\n  opt:\n    name: adam\n")
    assert status_json() == {"use_section": [{"reason": "params train.lr changed 0.5 -> 0.25"}]}
    assert ran(repro_json()) == {"use_section"}
    assert status_json() == {}


def test_missing_param_is_reported(repo: Path) -> None:
    write(repo / "params.yaml", "lr: 0.1\ntrain: {lr: 1}\n")
    write(repo / "cfg.json", json.dumps({"model": {"depth": 3}}))
    write(repo / "cfg.toml", "[opt]\nbeta = 0.9\n")
    pipeline(PARAMS_PIPELINE, repo)
    repro_json()
    write(repo / "cfg.toml", "[opt]\ngamma = 0.9\n")
    got = status_json()
    assert list(got) == ["use_toml"]
    # issue 11 item 8: said once, as missing (not also as "changed 0.9 -> null")
    assert got["use_toml"] == [{"reason": "params cfg.toml:opt.beta missing"}]
    dry = run_cli("repro", "--dry").out
    assert dry.count("opt.beta") == 1, dry
    res = run_cli("repro")
    assert res.code != 0
    assert "opt.beta" in res.err


# ---------------------------------------------------------------- 4. a dvc.yaml, renamed


DVC_YAML = """\
stages:
  prepare:
    desc: Split the raw data into train and test
    cmd: python3 src/prepare.py data/raw.csv data/prepared
    deps:
      - src/prepare.py
      - data/raw.csv
    params:
      - prepare.split
    outs:
      - data/prepared
  train:
    cmd: python3 src/train.py
    deps:
      - src/train.py
      - data/prepared
    params:
      - train
      - cfg.json:
          - model.depth
    outs:
      - model.pkl
      - logs:
          cache: false
          persist: true
    metrics:
      - metrics.json:
          cache: false
    plots:
      - plots/roc.json:
          x: fpr
          y: tpr
          template: linear
          cache: false
  evaluate:
    wdir: eval
    cmd: python3 run.py ../model.pkl report.txt
    deps:
      - run.py
      - ../model.pkl
    outs:
      - report.txt
    always_changed: true
  legacy:
    cmd: echo legacy > legacy.txt
    outs:
      - legacy.txt
    frozen: true
plots:
  - plots/roc.json:
      x: fpr
      y: tpr
  - ROC:
      template: simple
      x: fpr
      y:
        plots/roc.json: tpr
"""

PREPARE_PY = """\
import os, sys, yaml
split = yaml.safe_load(open("params.yaml"))["prepare"]["split"]
rows = open(sys.argv[1]).read().splitlines()[1:]
n = int(len(rows) * split)
os.makedirs(sys.argv[2], exist_ok=True)
open(os.path.join(sys.argv[2], "train.csv"), "w").write("\\n".join(rows[:n]) + "\\n")
open(os.path.join(sys.argv[2], "test.csv"), "w").write("\\n".join(rows[n:]) + "\\n")
"""

TRAIN_PY = """\
import json, os
rows = open("data/prepared/train.csv").read().split()
open("model.pkl", "w").write("model of %d rows\\n" % len(rows))
os.makedirs("logs", exist_ok=True)
open("logs/log.txt", "a").write("trained\\n")
json.dump({"acc": 0.9, "rows": len(rows)}, open("metrics.json", "w"))
os.makedirs("plots", exist_ok=True)
json.dump([{"fpr": 0, "tpr": 0}, {"fpr": 1, "tpr": 1}], open("plots/roc.json", "w"))
"""

EVAL_RUN_PY = """\
import sys
open(sys.argv[2], "w").write("report: " + open(sys.argv[1]).read())
"""


def test_renamed_dvc_yaml_loads_and_runs(repo: Path) -> None:
    write(repo / "src" / "prepare.py", PREPARE_PY)
    write(repo / "src" / "train.py", TRAIN_PY)
    write(repo / "eval" / "run.py", EVAL_RUN_PY)
    write(repo / "data" / "raw.csv", "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(10)))
    write(repo / "params.yaml", "prepare:\n  split: 0.8\ntrain:\n  epochs: 2\n")
    write(repo / "cfg.json", '{"model": {"depth": 3}}')
    write(repo / "dvc.yaml", DVC_YAML)
    os.rename(repo / "dvc.yaml", repo / "gitml.yaml")

    dag = run_cli("dag")
    assert dag.code == 0, dag
    assert {"prepare", "train", "evaluate", "legacy"} <= set(re.findall(r"[\w@-]+", dag.out))

    actions = repro_json()
    assert actions["legacy"] != "ran"
    assert ran(actions) == {"prepare", "train", "evaluate"}
    assert not (repo / "legacy.txt").exists()
    assert (repo / "data" / "prepared" / "train.csv").read_text().split() == [
        f"{i},{i % 2}" for i in range(8)
    ]
    assert (repo / "model.pkl").read_text() == "model of 8 rows\n"
    assert json.loads((repo / "metrics.json").read_text()) == {"acc": 0.9, "rows": 8}
    assert (repo / "eval" / "report.txt").read_text() == "report: model of 8 rows\n"
    assert (repo / "logs" / "log.txt").read_text() == "trained\n"

    lock = yaml.safe_load((repo / "gitml.lock").read_text())["stages"]
    assert set(lock) == {"prepare", "train", "evaluate"}
    assert lock["prepare"]["cmd"] == "python3 src/prepare.py data/raw.csv data/prepared"
    train = lock["train"]
    assert sorted(d["path"] for d in train["deps"]) == ["data/prepared", "src/train.py"]
    assert sorted(o["path"] for o in train["outs"]) == [
        "logs",
        "metrics.json",
        "model.pkl",
        "plots/roc.json",
    ]
    assert train["params"] == {
        "cfg.json": {"model.depth": 3},
        "params.yaml": {"train": {"epochs": 2}},
    }
    assert "report.txt" in json.dumps(lock["evaluate"])

    # second run: only the always_changed stage runs
    actions = repro_json()
    assert ran(actions) == {"evaluate"}
    assert actions["train"] == "unchanged"
    assert set(status_json()) == {"evaluate"}

    # a param of train changes: train runs again; persist keeps the log, the others are rebuilt
    write(repo / "params.yaml", "prepare:\n  split: 0.8\ntrain:\n  epochs: 3\n")
    actions = repro_json()
    assert ran(actions) == {"train", "evaluate"}
    assert actions["prepare"] == "unchanged"
    assert (repo / "logs" / "log.txt").read_text() == "trained\ntrained\n"

    # a changed split reruns prepare and, as the data changed, train
    write(repo / "params.yaml", "prepare:\n  split: 0.5\ntrain:\n  epochs: 3\n")
    assert ran(repro_json()) == {"prepare", "train", "evaluate"}
    assert (repo / "model.pkl").read_text() == "model of 5 rows\n"
    assert (repo / "eval" / "report.txt").read_text() == "report: model of 5 rows\n"


# ---------------------------------------------------------------- 5. gitml stage add


USER_PIPELINE = """\
# My pipeline: hand-written, keep these comments
stages:
  # prepare turns raw.txt into prepared.txt
  prepare:
    cmd: cat raw.txt > prepared.txt  # inline comment on cmd
    deps:
      - raw.txt
    # a comment between keys
    outs:
      - prepared.txt
"""

COMMENT_LINES = [
    "# My pipeline: hand-written, keep these comments",
    "  # prepare turns raw.txt into prepared.txt",
    "    cmd: cat raw.txt > prepared.txt  # inline comment on cmd",
    "    # a comment between keys",
]

TRAIN_CMD = (
    "cat prepared.txt > model.txt && echo notes > notes.txt && echo '{\"acc\": 1}' > metrics.json"
)


def test_stage_add_keeps_comments_and_order_and_runs(repo: Path) -> None:
    write(repo / "raw.txt", "raw data\n")
    write(repo / "params.yaml", "lr: 0.1\nepochs: 3\n")
    pipeline(USER_PIPELINE, repo)
    res = run_cli(
        "stage", "add", "-n", "train",
        "-d", "prepared.txt", "-o", "model.txt", "-O", "notes.txt",
        "-p", "lr,epochs", "-M", "metrics.json",
        TRAIN_CMD,
    )  # fmt: skip
    assert res.code == 0, res
    text = (repo / "gitml.yaml").read_text()
    lines = text.splitlines()
    for comment in COMMENT_LINES:
        assert comment in lines, (comment, text)
    doc = yaml.safe_load(text)
    assert list(doc) == ["stages"]
    assert list(doc["stages"]) == ["prepare", "train"]
    assert doc["stages"]["prepare"] == {
        "cmd": "cat raw.txt > prepared.txt",
        "deps": ["raw.txt"],
        "outs": ["prepared.txt"],
    }
    train = doc["stages"]["train"]
    assert train["cmd"] == TRAIN_CMD
    assert train["deps"] == ["prepared.txt"]
    assert train["params"] == ["epochs", "lr"]  # sorted, as `dvc stage add -p lr,epochs` writes
    assert train["outs"] == ["model.txt", {"notes.txt": {"cache": False}}]
    assert train["metrics"] == [{"metrics.json": {"cache": False}}]
    assert not (repo / "model.txt").exists()  # only added, not run

    assert ran(repro_json()) == {"prepare", "train"}
    assert (repo / "model.txt").read_text() == "raw data\n"
    assert (repo / "notes.txt").read_text() == "notes\n"
    assert json.loads((repo / "metrics.json").read_text()) == {"acc": 1}
    write(repo / "params.yaml", "lr: 0.1\nepochs: 4\n")
    assert status_json() == {"train": [{"reason": "params epochs changed 3 -> 4"}]}


def test_stage_add_into_a_new_file_and_joined_command(repo: Path) -> None:
    write(repo / "in.txt", "hi\n")
    res = run_cli(
        "stage", "add", "-n", "copy", "-d", "in.txt", "-o", "out.txt", "cp", "in.txt", "out.txt"
    )
    assert res.code == 0, res
    doc = yaml.safe_load((repo / "gitml.yaml").read_text())
    assert doc == {
        "stages": {"copy": {"cmd": "cp in.txt out.txt", "deps": ["in.txt"], "outs": ["out.txt"]}}
    }
    assert ran(repro_json()) == {"copy"}
    assert (repo / "out.txt").read_text() == "hi\n"


def test_stage_add_refuses_an_existing_name_unless_forced(repo: Path) -> None:
    write(repo / "raw.txt", "raw\n")
    pipeline(USER_PIPELINE, repo)
    before = snapshot(repo)
    res = run_cli("stage", "add", "-n", "prepare", "-o", "other.txt", "echo x > other.txt")
    assert res.code == 2, res
    assert "prepare" in res.err and "already exists" in res.err
    assert snapshot(repo) == before

    res = run_cli("stage", "add", "-f", "-n", "prepare", "-d", "raw.txt", "-o", "other.txt",
                  "cat raw.txt > other.txt")  # fmt: skip
    assert res.code == 0, res
    text = (repo / "gitml.yaml").read_text()
    doc = yaml.safe_load(text)
    assert doc["stages"] == {
        "prepare": {"cmd": "cat raw.txt > other.txt", "deps": ["raw.txt"], "outs": ["other.txt"]}
    }
    assert "# My pipeline: hand-written, keep these comments" in text.splitlines()
    assert ran(repro_json()) == {"prepare"}
    assert (repo / "other.txt").read_text() == "raw\n"
    assert not (repo / "prepared.txt").exists()


def test_stage_add_refuses_a_cycle(repo: Path) -> None:
    write(repo / "raw.txt", "raw\n")
    pipeline(USER_PIPELINE, repo)
    before = snapshot(repo)
    res = run_cli("stage", "add", "-n", "loop", "-d", "prepared.txt", "-o", "raw.txt",
                  "cat prepared.txt > raw.txt")  # fmt: skip
    assert res.code == 2, res
    assert re.search(r"cycle: (prepare -> loop -> prepare|loop -> prepare -> loop)", res.err), (
        res.err
    )
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("out", "shown"),
    [
        ("prepared.txt", r"'prepare' and 'dup' both have out prepared\.txt"),
        ("prepared.txt/inner", r"prepared\.txt/inner .*inside out prepared\.txt"),
        (".", r"stage 'dup'.*'\.'"),
    ],
)
def test_stage_add_refuses_an_overlapping_out(repo: Path, out: str, shown: str) -> None:
    write(repo / "raw.txt", "raw\n")
    pipeline(USER_PIPELINE, repo)
    before = snapshot(repo)
    res = run_cli("stage", "add", "-n", "dup", "-o", out, "echo x")
    assert res.code == 2, res
    assert re.search(shown, res.err), res.err
    assert snapshot(repo) == before


def test_stage_add_refuses_a_path_outside_the_repo(repo: Path) -> None:
    pipeline(USER_PIPELINE, repo)
    before = snapshot(repo)
    res = run_cli("stage", "add", "-n", "out", "-d", "../secret", "-o", "o.txt", "echo x > o.txt")
    assert res.code == 2, res
    assert "../secret" in res.err
    assert snapshot(repo) == before


# ---------------------------------------------------------------- 6. gitml dag


DAG_PIPELINE = """\
stages:
  a:
    cmd: echo a > a.txt
    outs: [a.txt]
  d:
    cmd: cat b.txt c.txt > d.txt
    deps: [b.txt, c.txt]
    outs: [d.txt]
  b:
    cmd: cat a.txt > b.txt
    deps: [a.txt]
    outs: [b.txt]
  c:
    cmd: cat a.txt > c.txt
    deps: [a.txt]
    outs: [c.txt]
  lone:
    cmd: echo lone > lone.txt
    outs: [lone.txt]
"""

EDGES = {("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")}


def _dag(*args: str) -> str:
    res = run_cli("dag", *args)
    assert res.code == 0, res
    return res.out


def _mermaid_edges(text: str) -> set[tuple[str, str]]:
    ids = dict(re.findall(r'^\s*(\w+)\["([^"]+)"\]', text, re.M))
    pairs = re.findall(r"^\s*(\w+)\s*-->\s*(\w+)", text, re.M)
    return {(ids.get(a, a), ids.get(b, b)) for a, b in pairs}


def test_dag_text_lists_stages_in_order(repo: Path) -> None:
    pipeline(DAG_PIPELINE, repo)
    before = snapshot(repo)
    out = _dag()
    names = [ln.split()[0] for ln in out.splitlines() if ln.strip()]
    assert sorted(names) == ["a", "b", "c", "d", "lone"]
    pos = {n: i for i, n in enumerate(names)}
    for up, down in EDGES:
        assert pos[up] < pos[down], out
    assert snapshot(repo) == before


def test_dag_dot(repo: Path) -> None:
    pipeline(DAG_PIPELINE, repo)
    out = _dag("--dot")
    assert out.lstrip().startswith("strict digraph")
    assert out.rstrip().endswith("}")
    edges = set(re.findall(r'"?([\w@.-]+)"?\s*->\s*"?([\w@.-]+)"?', out))
    assert edges == EDGES
    assert re.search(r'"?lone"?\s*;', out)


def test_dag_mermaid_and_md(repo: Path) -> None:
    pipeline(DAG_PIPELINE, repo)
    out = _dag("--mermaid")
    assert out.splitlines()[0].strip() == "flowchart TD"
    assert out.count("-->") == len(EDGES)
    assert _mermaid_edges(out) == EDGES
    assert "lone" in out

    md = _dag("--md")
    lines = md.strip().splitlines()
    assert lines[0] == "```mermaid"
    assert lines[-1] == "```"
    inner = "\n".join(lines[1:-1])
    assert inner.splitlines()[0].strip() == "flowchart TD"
    assert _mermaid_edges(inner) == EDGES


def test_dag_target_shows_only_its_upstream(repo: Path) -> None:
    pipeline(DAG_PIPELINE, repo)
    out = _dag("b")
    assert {ln.split()[0] for ln in out.splitlines() if ln.strip()} == {"a", "b"}
    dot = _dag("--dot", "b")
    assert set(re.findall(r'"?([\w@.-]+)"?\s*->\s*"?([\w@.-]+)"?', dot)) == {("a", "b")}
    assert "lone" not in dot and '"c"' not in dot and '"d"' not in dot
    mermaid = _dag("--mermaid", "d")
    assert _mermaid_edges(mermaid) == EDGES
    assert "lone" not in mermaid

    res = run_cli("dag", "nosuch")
    assert res.code == 2
    assert "nosuch" in res.err


def test_dag_of_templated_stages_uses_generated_names(repo: Path) -> None:
    pipeline(
        """\
stages:
  gen:
    foreach: [x, y]
    do:
      cmd: echo ${item} > gen-${item}.txt
      outs: ["gen-${item}.txt"]
  join:
    cmd: cat gen-x.txt gen-y.txt > all.txt
    deps: [gen-x.txt, gen-y.txt]
    outs: [all.txt]
""",
        repo,
    )
    out = _dag("--mermaid")
    assert _mermaid_edges(out) == {("gen@x", "join"), ("gen@y", "join")}


def test_dag_links_by_path_index_as_by_every_pair() -> None:
    """issue 19: the DAG finds overlapping outs through a path index, not every pair of
    stages; random pipelines get the same edges, and the same error (or none), as the
    pairwise reference."""
    from gitml.pipeline import dag as dagmod
    from gitml.pipeline.stage import Out, Stage

    rng = random.Random(19)
    names = ["a", "b", "a/b", "a/b/c", "ab", "a/bc", "b/a", "c", "a.b", "a/b/c/d"]
    for _ in range(3000):
        stages = [
            Stage(
                name=f"s{i}",
                cmd="true",
                deps=tuple(rng.sample(names, rng.randint(0, 3))),
                outs=tuple(Out(p) for p in rng.sample(names, rng.randint(0, 2))),
            )
            for i in range(rng.randint(1, 5))
        ]
        tracked = rng.sample(names, rng.randint(0, 1))
        try:
            dagmod._check_outs(stages, tracked)
            expected: object = {
                s.name: frozenset(
                    o.name
                    for o in stages
                    for out in o.outs
                    for dep in s.deps
                    if dagmod.overlaps(dep, out.path)
                )
                for s in stages
            }
        except BadInputError as e:
            expected = str(e)
        try:
            got: object = dagmod.build(stages, tracked).upstream
        except dagmod.CyclicPipelineError:
            continue  # a cycle: found after the edges, by graphlib either way
        except BadInputError as e:
            got = str(e)
        assert got == expected, (stages, tracked)
