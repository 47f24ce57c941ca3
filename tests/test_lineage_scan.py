"""Lineage (issue 16, session 5, speed): `--used-by` reads the locks gitml writes with a
scanner (gitml/lineage/lockscan.py) instead of PyYAML; whenever it answers, it answers what
PyYAML's data says, and any other text goes to PyYAML."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import yaml

from gitml.lineage import lockscan
from gitml.yamlio import dumps
from tests.conftest import git, run_cli, write


def _pyyaml(text: str) -> lockscan.Stages | None:
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    return lockscan.from_data(data)


def _same(text: str) -> lockscan.Stages | None:
    """The scanner's answer, after checking it is None or PyYAML's."""
    found = lockscan.Scanner().scan(text)
    if found is not None:
        assert found == _pyyaml(text), text
    return found


def _entry(path: Any, digest: Any, **more: Any) -> dict[str, Any]:
    return {"path": path, "hash": "xxh3-128", "digest": digest, "size": 10, **more}


def _lock(stages: dict[str, Any]) -> str:
    return dumps({"schema": "1.0", "stages": stages})


WRITTEN = {
    "prepare": {
        "cmd": "python3 prepare.py --split 0.2 # not a comment: quoted by the dumper",
        "deps": [_entry("data/raw.csv", "0" * 31 + "1"), _entry("prepare.py", "ab" * 16)],
        "params": {
            "params.yaml": {
                "prepare.split": 0.2,
                "prepare.name": "yes",
                "prepare.layers": [1, 2, {"a": None, "b": ["x", "y: z"]}],
                "prepare.text": "a 'quote' and a \"double\" one, long enough to be folded "
                * 3,
                "prepare.empty": {},
                "prepare.none": [],
            }
        },
        "outs": [
            _entry("data/clean", "cd" * 16 + ".dir", nfiles=3),
            _entry("logs.txt", "ef" * 16, cache=False),
        ],
    },
    "train@1": {
        "cmd": ["python3 a.py", "python3 b.py --a-long-list-of-options-that-folds " * 3],
        "deps": [_entry("a.py", "12" * 16)],
    },
    "folded": {
        "cmd": " ".join(["python3 train.py --epochs 10 --lr 0.001"] * 3),
        "outs": [_entry("m", "f" * 32)],
        "params": {"p.yaml": {"t": " ".join(["a long text, on and on"] * 5)}},
    },
    "sub/x": {"cmd": "true"},
}


def test_the_written_form_is_scanned_as_pyyaml_reads_it() -> None:
    """issue 16 speed (session 5): a lock as gitml's dumper writes it (params of every shape,
    a list cmd, folder and uncached outs, an all-digit digest, a stage without deps) is read
    by the scanner, to the same deps and outs as PyYAML's data."""
    text = _lock(WRITTEN)
    found = _same(text)
    assert found is not None
    assert found["prepare"][0] == (("data/raw.csv", "0" * 31 + "1"), ("prepare.py", "ab" * 16))
    assert found["prepare"][1] == ("data/clean", "logs.txt")
    assert found["sub/x"] == ((), ())
    assert found["folded"] == ((), ("m",))
    assert "\n      0.001 python3" in text  # a long cmd folded over lines by the dumper


def test_other_forms_go_to_pyyaml() -> None:
    """issue 16 speed (session 5): text in another form, or YAML that PyYAML reads otherwise
    (a digest that is a number, `yes`, a duplicate key, a comment, a tab, flow style, an
    anchor, a quoted scalar over two lines, a key after `stages:`, bad indentation, params
    nested 3,000 deep, invalid YAML): the scanner does not answer."""
    good = _lock({"s": {"cmd": "c", "deps": [_entry("a", "ab" * 16)]}})
    assert _same(good) is not None
    digits = "1" * 32
    variants = [
        good.replace("ab" * 16, digits),  # an int to PyYAML: str() of it is not the text
        good.replace("ab" * 16, "0x" + "1" * 30),
        good.replace("path: a", "path: yes"),
        good.replace("path: a", "path: 1.5"),
        good.replace("path: a", "path: ~"),
        good.replace("path: a", "path: 2024-01-02"),
        good.replace("path: a", "path: a # comment"),
        good.replace("path: a", "path: &x a"),
        good.replace("path: a", "path: 'a\n      b'"),
        good.replace("path: a", "path: a\n        b"),  # a folded path: not a word
        good.replace("    cmd: c", "    cmd: c\n      d: e"),
        good.replace("    cmd: c", "    cmd: 'c'\n      d"),
        good.replace("    cmd: c", "    cmd: |\n      c"),
        good.replace("path: a", "path: [a]"),
        good.replace("    cmd: c\n", "    cmd: c\n    cmd: d\n"),
        good.replace("  s:\n", "  s:\n\t"),
        good + "  s:\n    cmd: again\n",
        good + "other: 1\n",
        good.replace("    deps:", "     deps:"),
        good.replace("      hash:", "       hash:"),
        good.replace("stages:\n", "stages: {s: {cmd: c}}\nx:\n"),
        good.replace("    cmd: c", "    cmd: c: d"),
        good.replace("    cmd: c", "    cmd: \"c\\n\""),
        good + "    params:\n      p.yaml:\n          x: 1\n        y: 2\n",
        good.replace("schema: '1.0'\n", "%YAML 1.1\n---\n"),
        json.dumps(yaml.safe_load(good)),
        good + "    params:\n" + "".join(f"{'  ' * (i + 3)}k:\n" for i in range(3000)),
        "",
        "stages:\n",
    ]
    for text in variants:
        assert _same(text) is None, text
    assert _pyyaml(variants[0]) == {"s": ((("a", digits),), ())}  # what PyYAML makes of it


ALPHABET = "abz019._-/@+ :#'\"\\[]{},&*!|>%`?~=\n\tü"


def _word(rnd: random.Random) -> Any:
    pick = rnd.random()
    if pick < 0.1:
        return rnd.choice([None, True, 1, 1.5, -3, "yes", "0x1f", "1e3", "2024-01-02", "", "~"])
    if pick < 0.5:
        return "".join(rnd.choice("abcdef0123456789") for _ in range(32))
    return "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(1, 12)))


def _path(rnd: random.Random) -> Any:
    if rnd.random() < 0.8:
        rest = "".join(rnd.choice("az09./_-") for _ in range(rnd.randint(0, 8)))
        return rnd.choice("az_./") + rest
    return _word(rnd)


def _digest(rnd: random.Random) -> Any:
    if rnd.random() < 0.95:
        return "".join(rnd.choice("abcdef0123456789") for _ in range(32))
    return _word(rnd)


def _value(rnd: random.Random, depth: int = 0) -> Any:
    pick = rnd.random()
    if depth < 3 and pick < 0.2:
        return [_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    if depth < 3 and pick < 0.4:
        return {str(_word(rnd)): _value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))}
    return _word(rnd)


def test_random_locks_scan_as_pyyaml_reads_them() -> None:
    """issue 16 speed (session 5): 1,000 random locks in the written form (random paths,
    digests, cmds and params, odd characters included): the scanner answers PyYAML's
    reading each time it answers (a few percent: most of these hold an odd word somewhere)."""
    rnd = random.Random(16)
    answered = 0
    for _ in range(1000):
        stages = {}
        for s in range(rnd.randint(1, 4)):
            item: dict[str, Any] = {"cmd": _word(rnd)}
            for key in ("deps", "params", "outs"):
                if rnd.random() < 0.7 and key != "params":
                    item[key] = [_entry(_word(rnd), _word(rnd)) for _ in range(rnd.randint(1, 3))]
                elif key == "params" and rnd.random() < 0.5:
                    item[key] = {"params.yaml": {str(_word(rnd)): _value(rnd)}}
            stages[f"s{s}" if rnd.random() < 0.9 else str(_word(rnd))] = item
        answered += _same(_lock(stages)) is not None
    assert answered >= 20


def test_used_by_reads_a_lock_in_another_form(repo: Path) -> None:
    """issue 16 speed (session 5): a lock committed in another form (flow style, as JSON)
    is read by PyYAML: --used-by finds its stage as in the written form."""
    write(repo / "gitml.yaml", "stages:\n  s:\n    cmd: python3 s.py\n    deps: [d.csv, s.py]\n"
          "    outs: [o.txt]\n")
    write(repo / "s.py", "open('o.txt', 'w').write(open('d.csv').read())\n")
    write(repo / "d.csv", "a\n")
    assert run_cli("add", "d.csv").code == 0
    assert run_cli("repro").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "written form")
    lock = yaml.safe_load((repo / "gitml.lock").read_text())
    write(repo / "gitml.lock", json.dumps(lock))
    git(repo, "commit", "-qam", "flow form")
    result = run_cli("lineage", "--used-by", "d.csv", "--json")
    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert len(found["commits"]) == 2
    assert {s["stage"] for c in found["commits"] for s in c["stages"]} == {"s"}
