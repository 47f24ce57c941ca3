"""gitml.yaml templating: vars, ${...}, foreach/do and matrix, as in dvc.yaml."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gitml.errors import BadInputError
from gitml.pipeline.template import expand_stages, resolve_top_level

WHERE = "gitml.yaml"


class Files:
    """A dict-backed `load_vars` that records what it was asked for."""

    def __init__(self, files: dict[str, Any] | None = None) -> None:
        self.files = files or {}
        self.asked: list[str] = []

    def __call__(self, path: str) -> dict[str, Any]:
        self.asked.append(path)
        value: dict[str, Any] = self.files[path]  # a KeyError stands for a broken loader
        return value


def expand(
    doc: dict[str, Any],
    files: dict[str, Any] | None = None,
    default: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    return expand_stages(doc, where=WHERE, load_vars=Files(files), default_vars=default)


def one(stage: dict[str, Any], vars_: list[Any] | None = None, **kw: Any) -> dict[str, Any]:
    """Expand a single plain stage called 'train' and return its definition."""
    doc: dict[str, Any] = {"stages": {"train": stage}}
    if vars_ is not None:
        doc["vars"] = vars_
    return expand(doc, **kw)["train"]


def error(doc: dict[str, Any], files: dict[str, Any] | None = None) -> str:
    with pytest.raises(BadInputError) as info:
        expand(doc, files)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- plain stages and typed / formatted replacement -----------------------------------


def test_plain_stages_pass_through_in_file_order() -> None:
    stages = {
        "b": {"cmd": "run b", "deps": ["x"], "frozen": True},
        "a": {"cmd": ["one", "two"], "outs": [{"m.pkl": {"cache": False}}]},
    }
    doc = {"stages": copy.deepcopy(stages)}
    result = expand(doc)
    assert result == stages
    assert list(result) == ["b", "a"]
    assert doc == {"stages": stages}  # the input is not changed


def test_no_stages_gives_nothing() -> None:
    assert expand({}) == {}
    assert expand({"stages": None, "vars": None}) == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), (0.5, 0.5), (True, True), (False, False), (None, None), ("s", "s")],
)
def test_whole_string_reference_keeps_the_type(value: Any, expected: Any) -> None:
    result = one({"cmd": "c", "desc": "${v}"}, [{"v": value}])["desc"]
    assert result == expected
    assert type(result) is type(expected)


def test_whole_string_reference_to_list_or_dict_is_refused_in_a_stage() -> None:
    """DVC 3: "Cannot interpolate data of type 'list'" (only foreach/matrix take them)."""
    vars_ = [{"files": ["a", "b"], "opts": {"x": 1}}]
    doc = {"vars": vars_, "stages": {"s": {"cmd": "c", "deps": ["${files}"]}}}
    assert error(doc) == "gitml.yaml: stage 's': 'deps': cannot interpolate a list in '${files}'"
    doc = {"vars": vars_, "stages": {"s": {"cmd": "c", "meta": "${opts}"}}}
    assert error(doc) == "gitml.yaml: stage 's': 'meta': cannot interpolate a mapping in '${opts}'"


def test_typed_replacement_is_a_copy() -> None:
    doc = {"vars": [{"files": ["a"]}], "stages": {"s": {"foreach": "${files}", "do": {"cmd": "c"}}}}
    top = resolve_top_level(
        {**doc, "plots": ["${files}", "${files}"]}, where=WHERE, load_vars=Files()
    )
    top["plots"][0].append("b")
    assert doc["vars"] == [{"files": ["a"]}]
    assert top["plots"][1] == ["a"]


def test_reference_inside_text_is_formatted() -> None:
    vars_ = [{"n": 3, "lr": 0.01, "on": True, "off": False, "none": None, "s": "x"}]
    cmd = "p ${n} ${lr} ${on} ${off} ${none} ${s}-${s}"
    assert one({"cmd": cmd}, vars_)["cmd"] == "p 3 0.01 true false None x-x"  # as DVC


def test_spaces_inside_braces_are_ignored() -> None:
    assert one({"cmd": "p ${ n }"}, [{"n": 3}])["cmd"] == "p 3"


def test_nested_keys_and_list_indices() -> None:
    rows = [{"name": "r0"}, {"name": "r1"}]
    vars_: list[Any] = [
        {"train": {"opt": {"lr": 0.1}}, "files": ["a", "b"], "grid": [[1, 2], [3, 4]], "rows": rows}
    ]
    cmd = "${train.opt.lr} ${files.1} ${files[0]} ${grid[1][0]} ${grid.0.1} ${rows[1].name}"
    assert one({"cmd": cmd}, vars_)["cmd"] == "0.1 b a 3 2 r1"
    assert one({"cmd": "c", "desc": "${rows.0.name}"}, vars_)["desc"] == "r0"


def test_integer_mapping_keys_are_reachable() -> None:
    assert one({"cmd": "${m.1}"}, [{"m": {1: "one"}}])["cmd"] == "one"


def test_escaped_reference_is_kept_literally() -> None:
    stage = one({"cmd": r"echo \${HOME} ${n}", "desc": r"\${undefined}"}, [{"n": 1}])
    assert stage["cmd"] == "echo ${HOME} 1"
    assert stage["desc"] == "${undefined}"


def test_interpolation_reaches_every_field_and_out_keys() -> None:
    vars_ = [{"d": "data", "m": "metrics", "x": "fpr", "p": "params.yaml", "k": "lr", "i": 3}]
    stage = {
        "cmd": ["python ${d}/a.py", "echo ${i}"],
        "wdir": "${d}",
        "desc": "uses ${d}",
        "deps": ["${d}/raw.csv"],
        "params": ["${k}", {"${p}": ["train.${k}"]}],
        "outs": ["${d}/out", {"${d}/model.pkl": {"cache": False, "desc": "${k}"}}],
        "metrics": [{"${m}.json": {"cache": False}}],
        "plots": [{"roc.json": {"x": "${x}", "y": ["${x}", "tpr"]}}, {"${i}": None}],
        "meta": {"deep": [{"v": "${i}"}]},
    }
    assert one(stage, vars_) == {
        "cmd": ["python data/a.py", "echo 3"],
        "wdir": "data",
        "desc": "uses data",
        "deps": ["data/raw.csv"],
        "params": ["lr", {"params.yaml": ["train.lr"]}],
        "outs": ["data/out", {"data/model.pkl": {"cache": False, "desc": "lr"}}],
        "metrics": [{"metrics.json": {"cache": False}}],
        "plots": [{"roc.json": {"x": "fpr", "y": ["fpr", "tpr"]}}, {"3": None}],
        "meta": {"deep": [{"v": 3}]},
    }


def test_references_inside_vars_are_refused() -> None:
    """DVC 3: "interpolating is not allowed" in `vars` (values are never interpolated twice)."""
    doc = {"vars": [{"a": "${b}", "b": 1}], "stages": {"s": {"cmd": "${a}"}}}
    assert error(doc) == "gitml.yaml: vars: interpolating is not allowed ('${b}')"


def test_non_string_values_are_untouched() -> None:
    stage = {"cmd": "c", "frozen": False, "always_changed": True, "meta": {1: 2.5}}
    assert one(stage) == stage


# --- vars -------------------------------------------------------------------------------


def test_vars_mappings_merge_deeply() -> None:
    default = {"a": "default", "t": {"epochs": 5}}
    vars_ = [{"b": "first"}, {"c": "second", "t": {"lr": 2}}]
    cmd = "${a} ${b} ${c} ${t.lr} ${t.epochs}"
    assert one({"cmd": cmd}, vars_, default=default)["cmd"] == "default first second 2 5"


def test_later_vars_cannot_redefine_a_value() -> None:
    """DVC 3: vars never overwrite (a list, a scalar, or a scalar with a mapping)."""
    for second in ({"l": [9]}, {"t": 0}, {"t": {"x": 2}}):
        doc = {"vars": [{"l": [1, 2, 3], "t": {"x": 1}}, second], "stages": {}}
        where = ".".join([*second, *(second.get("t") or {})])
        assert error(doc) == (
            f"gitml.yaml: vars: cannot redefine '{where}' from 'vars[1]' "
            "as it already exists in 'vars[0]'"
        )


def test_default_vars_are_used_implicitly_and_not_changed() -> None:
    default = {"train": {"lr": 0.1}}
    kept = copy.deepcopy(default)
    stage = one({"cmd": "lr=${train.lr}"}, None, default=default)
    assert stage["cmd"] == "lr=0.1"
    one({"cmd": "c"}, [{"train": {"new": 1}}], default=default)
    assert default == kept


def test_vars_file_is_loaded_through_load_vars() -> None:
    files = Files({"conf/x.json": {"lr": 0.3}, "p.toml": {"seed": 4}})
    doc = {"vars": ["conf/x.json", "p.toml"], "stages": {"s": {"cmd": "${lr} ${seed}"}}}
    result = expand_stages(doc, where=WHERE, load_vars=files)
    assert result["s"]["cmd"] == "0.3 4"
    assert files.asked == ["conf/x.json", "p.toml"]


def test_vars_file_key_selection_takes_only_those_keys() -> None:
    files = {"params.yaml": {"a": 1, "b": 2, "c": 3}}
    assert one({"cmd": "${a} ${c}"}, ["params.yaml:a,c"], files=files)["cmd"] == "1 3"
    assert one({"cmd": "${a}"}, ["params.yaml:a, "], files=files)["cmd"] == 1
    message = error({"vars": ["params.yaml:a"], "stages": {"s": {"cmd": "${b}"}}}, files)
    assert message == "gitml.yaml: stage 's': undefined variable 'b' in '${b}'"


def test_vars_file_and_mapping_cannot_both_define_a_key() -> None:
    files = {"f.yaml": {"x": "file"}}
    doc: dict[str, Any] = {"vars": [{"x": "map"}, "f.yaml"], "stages": {}}
    assert error(doc, files) == (
        "gitml.yaml: vars: cannot redefine 'x' from 'f.yaml' as it already exists in 'vars[0]'"
    )
    doc = {"vars": ["f.yaml", {"x": "map"}], "stages": {}}
    assert error(doc, files) == (
        "gitml.yaml: vars: cannot redefine 'x' from 'vars[1]' as it already exists in 'f.yaml'"
    )


def test_stage_vars_extend_only_their_stage() -> None:
    doc: dict[str, Any] = {
        "vars": [{"x": "global", "y": "global"}],
        "stages": {
            "a": {"cmd": "${x} ${y} ${z}", "vars": [{"w": "local"}, "s.yaml"]},
            "b": {"cmd": "${x} ${y}"},
        },
    }
    result = expand(doc, {"s.yaml": {"z": "file"}})
    assert result == {"a": {"cmd": "global global file"}, "b": {"cmd": "global global"}}
    assert error({**doc, "stages": {"b": doc["stages"]["b"] | {"desc": "${z}"}}}) == (
        "gitml.yaml: stage 'b': undefined variable 'z' in '${z}'"
    )


def test_stage_wdir_must_be_a_path_to_find_vars_files() -> None:
    doc = {"vars": [{"d": [1]}], "stages": {"s": {"cmd": "c", "wdir": "${d}", "vars": ["p"]}}}
    assert error(doc, {"p": {}}) == "gitml.yaml: stage 's': 'wdir' must be a path, got list"


def test_stage_vars_files_are_relative_to_wdir() -> None:
    files = Files({"sub/p.yaml": {"v": 1}, "p.yaml": {"u": 2}})
    stage = {"cmd": "v=${v} u=${u}", "wdir": "${dir}", "vars": ["p.yaml", "../p.yaml:u"]}
    doc = {"vars": [{"dir": "sub"}], "stages": {"s": stage}}
    result = expand_stages(doc, where=WHERE, load_vars=files)["s"]
    assert result == {"cmd": "v=1 u=2", "wdir": "sub"}
    assert files.asked == ["sub/p.yaml", "p.yaml"]


# --- foreach ------------------------------------------------------------------------------


def test_foreach_over_scalars_names_by_item() -> None:
    doc = {
        "stages": {
            "first": {"cmd": "c"},
            "t": {
                "foreach": ["us", 3, 0.5, True],
                "do": {"cmd": "run ${item}", "outs": ["${item}"]},
            },
            "last": {"cmd": "c"},
        }
    }
    result = expand(doc)
    assert list(result) == ["first", "t@us", "t@3", "t@0.5", "t@true", "last"]
    assert result["t@us"] == {"cmd": "run us", "outs": ["us"]}
    assert result["t@3"]["outs"] == [3]
    assert result["t@true"]["cmd"] == "run true"


def test_foreach_over_mapping_names_by_key() -> None:
    do = {"cmd": "run ${key} ${item.n}", "desc": "${key}"}
    doc = {"stages": {"t": {"foreach": {"us": {"n": 1}, "uk": {"n": 2}}, "do": do}}}
    result = expand(doc)
    assert result == {
        "t@us": {"cmd": "run us 1", "desc": "us"},
        "t@uk": {"cmd": "run uk 2", "desc": "uk"},
    }


def test_foreach_over_list_of_mappings_names_by_index() -> None:
    doc = {"stages": {"t": {"foreach": [{"f": "a"}, {"f": "b"}], "do": {"cmd": "${item.f}"}}}}
    assert expand(doc) == {"t@0": {"cmd": "a"}, "t@1": {"cmd": "b"}}


def test_foreach_mixed_list_names_by_index() -> None:
    doc = {"stages": {"t": {"foreach": ["a", ["b"]], "do": {"cmd": "c ${item[0]}"}}}}
    assert error(doc) == "gitml.yaml: stage 't@0': undefined variable 'item[0]' in 'c ${item[0]}'"
    doc = {"stages": {"t": {"foreach": ["a", ["b"]], "do": {"cmd": "c"}}}}
    assert expand(doc) == {"t@0": {"cmd": "c"}, "t@1": {"cmd": "c"}}


def test_foreach_over_a_variable() -> None:
    files = {"params.yaml": {"regions": {"eu": {"n": 1}}, "names": ["x", "y"]}}
    doc = {
        "vars": ["params.yaml"],
        "stages": {
            "a": {"foreach": "${regions}", "do": {"cmd": "${key}=${item.n}"}},
            "b": {"foreach": "${names}", "do": {"cmd": "${item}"}},
            "c": {"foreach": ["${names[1]}", "z"], "do": {"cmd": "${item}"}},
        },
    }
    assert expand(doc, files) == {
        "a@eu": {"cmd": "eu=1"},
        "b@x": {"cmd": "x"},
        "b@y": {"cmd": "y"},
        "c@y": {"cmd": "y"},
        "c@z": {"cmd": "z"},
    }


def test_foreach_item_shadows_a_global_item_and_do_vars_apply() -> None:
    do = {"cmd": "${item} ${extra}", "vars": [{"extra": "x"}]}
    doc = {"vars": [{"item": "global"}], "stages": {"t": {"foreach": ["a"], "do": do}}}
    assert expand(doc) == {"t@a": {"cmd": "a x"}}


def test_do_vars_cannot_redefine_item_or_key() -> None:
    doc = {"stages": {"t": {"foreach": {"a": 1}, "do": {"cmd": "c", "vars": [{"key": 2}]}}}}
    assert error(doc) == (
        "gitml.yaml: stage 't@a': vars: cannot redefine 'key' (set by foreach/matrix)"
    )


def test_undefined_variable_in_generated_stage_names_it() -> None:
    doc = {"stages": {"t": {"foreach": ["a"], "do": {"cmd": "${item.x}"}}}}
    assert error(doc) == "gitml.yaml: stage 't@a': undefined variable 'item.x' in '${item.x}'"


# --- matrix -------------------------------------------------------------------------------


def test_matrix_is_the_product_in_key_order() -> None:
    doc = {
        "stages": {
            "sweep": {
                "matrix": {"lr": [0.1, 0.01], "model": ["a", "b"]},
                "cmd": "train --lr ${item.lr} --model ${item.model}",
                "outs": ["m-${item.model}-${item.lr}.pkl"],
                "desc": "${item.lr}",
            }
        }
    }
    result = expand(doc)
    assert list(result) == ["sweep@0.1-a", "sweep@0.1-b", "sweep@0.01-a", "sweep@0.01-b"]
    assert result["sweep@0.01-b"] == {
        "cmd": "train --lr 0.01 --model b",
        "outs": ["m-b-0.01.pkl"],
        "desc": 0.01,
    }


def test_matrix_values_from_variables_and_non_scalars_by_index() -> None:
    vars_: list[Any] = [{"lrs": [1, 2], "sets": [{"f": "x"}, {"f": "y"}]}]
    doc: dict[str, Any] = {
        "vars": vars_,
        "stages": {
            "m": {
                "matrix": {"lr": "${lrs}", "set": "${sets}", "on": [True]},
                "cmd": "${item.lr} ${item.set.f} ${item.on}",
                "vars": [{"extra": 1}],
            }
        },
    }
    result = expand(doc)
    names = ["m@1-set0-true", "m@1-set1-true", "m@2-set0-true", "m@2-set1-true"]
    assert list(result) == names  # DVC 3: a list or mapping value is named axis + index
    assert result["m@2-set1-true"] == {"cmd": "2 y true"}


def test_matrix_vars_cannot_redefine_item() -> None:
    doc = {"stages": {"m": {"matrix": {"a": [1]}, "cmd": "c", "vars": [{"item": 0}]}}}
    assert error(doc) == (
        "gitml.yaml: stage 'm@1': vars: cannot redefine 'item' (set by foreach/matrix)"
    )


# --- errors -------------------------------------------------------------------------------


def test_undefined_variable() -> None:
    doc = {"vars": [{"train": {"lr": 1}}], "stages": {"train": {"cmd": "${train.lrr}"}}}
    assert (
        error(doc) == "gitml.yaml: stage 'train': undefined variable 'train.lrr' in '${train.lrr}'"
    )


@pytest.mark.parametrize(
    ("ref", "missing"),
    [("l.2", "l.2"), ("l[5]", "l[5]"), ("n.x", "n.x"), ("l.x", "l.x"), ("nope", "nope")],
)
def test_undefined_paths(ref: str, missing: str) -> None:
    doc = {"vars": [{"l": [1, 2], "n": 3}], "stages": {"s": {"cmd": f"run ${{{ref}}} now"}}}
    assert error(doc) == (
        f"gitml.yaml: stage 's': undefined variable '{missing}' in 'run ${{{ref}}} now'"
    )


@pytest.mark.parametrize("ref", ["", "a..b", ".a", "a[b", "a]"])
def test_malformed_reference(ref: str) -> None:
    doc = {"vars": [{"a": {"b": 1}}], "stages": {"s": {"cmd": f"x ${{{ref}}}"}}}
    assert (
        error(doc)
        == f"gitml.yaml: stage 's': bad variable reference '${{{ref}}}' in 'x ${{{ref}}}'"
    )


@pytest.mark.parametrize(("value", "kind"), [([1], "list"), ({"a": 1}, "mapping")])
def test_list_or_mapping_inside_text_is_refused(value: Any, kind: str) -> None:
    doc = {"vars": [{"v": value}], "stages": {"s": {"cmd": "c", "desc": "run ${v}"}}}
    assert error(doc) == (
        f"gitml.yaml: stage 's': 'desc': cannot interpolate a {kind} in 'run ${{v}}'"
    )


def test_list_as_out_key_is_refused() -> None:
    doc = {"vars": [{"v": [1]}], "stages": {"s": {"cmd": "c", "outs": [{"${v}": None}]}}}
    assert "'outs': cannot interpolate a list in '${v}'" in error(doc)


def test_duplicate_key_after_interpolation() -> None:
    doc = {"vars": [{"a": "x"}], "stages": {"s": {"cmd": "c", "meta": {"${a}": 1, "x": 2}}}}
    assert error(doc) == "gitml.yaml: stage 's': key 'x' appears twice after interpolation"


def test_foreach_and_matrix_together() -> None:
    doc = {"stages": {"s": {"foreach": [1], "matrix": {"a": [1]}, "do": {"cmd": "c"}}}}
    assert error(doc) == "gitml.yaml: stage 's': a stage cannot have both 'foreach' and 'matrix'"


def test_foreach_without_do() -> None:
    doc = {"stages": {"s": {"foreach": [1], "cmd": "c"}}}
    assert error(doc) == "gitml.yaml: stage 's': 'foreach' needs 'do' with the stage to generate"


def test_do_without_foreach() -> None:
    doc = {"stages": {"s": {"do": {"cmd": "c"}}}}
    assert error(doc) == "gitml.yaml: stage 's': 'do' is only allowed with 'foreach'"


def test_keys_beside_foreach_are_refused() -> None:
    doc = {"stages": {"s": {"foreach": [1], "do": {"cmd": "c"}, "vars": [], "cmd": "x"}}}
    assert error(doc) == (
        "gitml.yaml: stage 's': a 'foreach' stage has only 'foreach' and 'do'; "
        "move 'cmd', 'vars' into 'do'"
    )


def test_do_must_be_a_mapping() -> None:
    doc = {"stages": {"s": {"foreach": [1], "do": "c"}}}
    assert error(doc) == "gitml.yaml: stage 's': 'do' must be a mapping, got string"


@pytest.mark.parametrize("data", [[], {}, "${empty}"])
def test_empty_foreach(data: Any) -> None:
    doc = {"vars": [{"empty": []}], "stages": {"s": {"foreach": data, "do": {"cmd": "c"}}}}
    assert expand(doc) == {}  # DVC 3: no stage


@pytest.mark.parametrize(("data", "kind"), [("${n}", "int"), ("abc", "string"), (None, "null")])
def test_foreach_needs_list_or_mapping(data: Any, kind: str) -> None:
    doc = {"vars": [{"n": 1}], "stages": {"s": {"foreach": data, "do": {"cmd": "c"}}}}
    assert error(doc) == f"gitml.yaml: stage 's': 'foreach' must be a list or a mapping, got {kind}"


def test_foreach_data_with_undefined_variable() -> None:
    doc = {"stages": {"s": {"foreach": "${nope}", "do": {"cmd": "c"}}}}
    assert error(doc) == "gitml.yaml: stage 's': undefined variable 'nope' in '${nope}'"


def test_empty_matrix() -> None:
    doc = {"stages": {"s": {"matrix": {}, "cmd": "c"}}}
    assert error(doc) == "gitml.yaml: stage 's': 'matrix' is empty"
    doc = {"stages": {"s": {"matrix": {"a": [1], "b": []}, "cmd": "c"}}}
    assert expand(doc) == {}  # DVC 3: an empty axis gives no stage


def test_matrix_shapes() -> None:
    doc: dict[str, Any] = {"stages": {"s": {"matrix": [1, 2], "cmd": "c"}}}
    assert (
        error(doc)
        == "gitml.yaml: stage 's': 'matrix' must be a mapping of names to lists, got list"
    )
    doc = {"vars": [{"n": 1}], "stages": {"s": {"matrix": {"a": "${n}"}, "cmd": "c"}}}
    assert error(doc) == "gitml.yaml: stage 's': matrix 'a' must be a list, got int 1"


@pytest.mark.parametrize(
    ("foreach", "name"),
    [(["a", "a"], "s@a"), ([1, "1"], "s@1"), ([True, "true"], "s@true")],
)
def test_items_with_the_same_name_make_one_stage(foreach: list[Any], name: str) -> None:
    """DVC 3: the first item's place, the last item's value."""
    doc = {"stages": {"s": {"foreach": foreach, "do": {"cmd": "c", "desc": "${item}"}}}}
    assert expand(doc) == {name: {"cmd": "c", "desc": foreach[-1]}}


def test_matrix_combinations_with_the_same_name_make_one_stage() -> None:
    doc = {"stages": {"s": {"matrix": {"a": [1, "1"]}, "cmd": "c", "desc": "${item.a}"}}}
    assert expand(doc) == {"s@1": {"cmd": "c", "desc": "1"}}  # DVC 3: the last one's value


@pytest.mark.parametrize("name", ["a@b", ""])
def test_invalid_stage_names(name: str) -> None:
    assert error({"stages": {name: {"cmd": "c"}}}) == (
        f"gitml.yaml: stage '{name}': invalid stage name: "
        "a stage name is a non-empty string without '@' or control characters"
    )


# DVC runs all of these from a dvc.yaml (issue 12 item 6)
@pytest.mark.parametrize("name", ["a", "_a", "A-b_9", "train-2", "1abc", "-a", "a b", "a.b", "é"])
def test_valid_stage_names(name: str) -> None:
    assert list(expand({"stages": {name: {"cmd": "c"}}})) == [name]


def test_generated_suffix_may_have_dots_dashes_digits_only() -> None:
    ok = {"stages": {"s": {"foreach": [-1.5, "a_b", "1e-05"], "do": {"cmd": "c"}}}}
    assert list(expand(ok)) == ["s@-1.5", "s@a_b", "s@1e-05"]
    bad = {"stages": {"s": {"foreach": ["data/raw.csv"], "do": {"cmd": "c"}}}}
    assert error(bad) == (
        "gitml.yaml: stage 's': generated stage name 's@data/raw.csv' is not valid: after '@' "
        "use letters, digits, '_', '.' and '-' (iterate over a mapping to choose the names)"
    )


def test_stage_must_be_a_mapping() -> None:
    assert (
        error({"stages": {"s": "cmd"}})
        == "gitml.yaml: stage 's': a stage must be a mapping, got string"
    )


def test_document_shapes() -> None:
    with pytest.raises(BadInputError, match=r"^gitml.yaml: must be a mapping with 'stages'$"):
        expand_stages([], where=WHERE, load_vars=Files())  # type: ignore[arg-type]
    assert (
        error({"stages": ["s"]})
        == "gitml.yaml: 'stages' must be a mapping of stage names to stages"
    )


def test_vars_must_be_a_list_of_mappings_and_paths() -> None:
    assert error({"vars": {"a": 1}}) == (
        "gitml.yaml: vars: 'vars' must be a list of mappings and file paths, got mapping"
    )
    assert error({"vars": [3]}) == (
        "gitml.yaml: vars: a 'vars' entry must be a mapping or a file path, got int"
    )
    assert error({"vars": [":a"]}) == "gitml.yaml: vars: 'vars' entry ':a' has no file path"
    doc = {"stages": {"s": {"cmd": "c", "vars": [["x"]]}}}
    assert (
        error(doc)
        == "gitml.yaml: stage 's': vars: a 'vars' entry must be a mapping or a file path, got list"
    )


def test_vars_key_selection_of_a_missing_key() -> None:
    files = {"p.yaml": {"a": 1}}
    assert error({"vars": ["p.yaml:a,b"]}, files) == (
        "gitml.yaml: vars: 'p.yaml:a,b': 'p.yaml' has no top-level key 'b'"
    )


def test_vars_file_error_from_the_loader_is_passed_on() -> None:
    def load(path: str) -> dict[str, Any]:
        raise BadInputError(f"{path}: no such file")

    with pytest.raises(BadInputError) as info:
        expand_stages({"vars": ["gone.yaml"]}, where=WHERE, load_vars=load)
    assert str(info.value) == "gone.yaml: no such file"


def test_unexpected_loader_errors_are_wrapped() -> None:
    assert (
        error({"vars": ["gone.yaml"]})
        == "gitml.yaml: vars: cannot load vars file 'gone.yaml': 'gone.yaml'"
    )

    def load(path: str) -> dict[str, Any]:
        raise TypeError("bad type")

    doc = {"stages": {"s": {"cmd": "c", "vars": ["x.toml"]}}}
    with pytest.raises(BadInputError) as info:
        expand_stages(doc, where=WHERE, load_vars=load)
    assert str(info.value) == (
        "gitml.yaml: stage 's': vars: cannot load vars file 'x.toml': bad type"
    )


def test_vars_file_must_hold_a_mapping() -> None:
    assert error({"vars": ["l.yaml"]}, {"l.yaml": [1, 2]}) == (
        "gitml.yaml: vars: vars file 'l.yaml' must hold a mapping, got list"
    )


def test_where_names_the_file() -> None:
    doc = {"stages": {"s": {"cmd": "${x}"}}}
    with pytest.raises(BadInputError, match=r"^sub/gitml\.yaml: stage 's': undefined variable 'x'"):
        expand_stages(doc, where="sub/gitml.yaml", load_vars=Files())
