"""The pure model: hashing, manifests, pointers, path rules."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gitml.errors import BadInputError, CorruptObjectError, UnsafePathError
from gitml.hashing import hash_bytes, hash_stream, is_digest
from gitml.paths import check_relpath
from gitml.pointer import Pointer
from gitml.tree import Tree, TreeEntry


def test_xxh3_128_known_values() -> None:
    # Reference values of XXH3-128 (xxHash spec test vectors)
    assert hash_bytes(b"") == "99aa06d3014798d86001c324468d497f"
    assert hash_bytes(b"abc") == "06b05ab6733a618578af5f94892f3950"


def test_stream_matches_bytes_across_chunks() -> None:
    data = bytes(range(256)) * 40000  # > one 4 MiB chunk
    assert hash_stream(io.BytesIO(data)) == (hash_bytes(data), len(data))


def test_is_digest() -> None:
    assert is_digest("0" * 32)
    assert is_digest("a" * 32 + ".dir")
    assert not is_digest("A" * 32)
    assert not is_digest("0" * 31)


def test_manifest_is_canonical_and_sorted() -> None:
    tree = Tree.build([TreeEntry("b/x", "1" * 32, 3), TreeEntry("a", "2" * 32, 5)])
    assert [e.path for e in tree] == ["a", "b/x"]
    assert tree.to_json() == (
        b'[{"digest":"' + b"2" * 32 + b'","path":"a","size":5},'
        b'{"digest":"' + b"1" * 32 + b'","path":"b/x","size":3}]'
    )
    info = tree.hash_info()
    assert info.digest == hash_bytes(tree.to_json()) + ".dir"
    assert (info.size, info.nfiles) == (8, 2)
    assert Tree.from_json(tree.to_json(), where="m") == tree


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../b", "a\\b", ""])
def test_manifest_refuses_unsafe_paths(bad: str) -> None:
    data = json.dumps([{"digest": "1" * 32, "path": bad, "size": 1}]).encode()
    with pytest.raises((UnsafePathError, CorruptObjectError)):
        Tree.from_json(data, where="m")


def test_manifest_refuses_garbage() -> None:
    with pytest.raises(CorruptObjectError, match="not valid JSON"):
        Tree.from_json(b"{nope", where="m")
    with pytest.raises(CorruptObjectError, match="malformed"):
        Tree.from_json(b'[{"path":"a"}]', where="m")


@pytest.mark.parametrize("bad", ["..", "../a", "/abs", "a/../../b", "C:/x"])
def test_relpath_refusals(bad: str) -> None:
    with pytest.raises(UnsafePathError):
        check_relpath(bad, where="here")


def test_relpath_normalises() -> None:
    assert check_relpath("a/./b", where="w") == "a/b"


def test_pointer_round_trip() -> None:
    data = {
        "outs": [
            {"path": "d", "hash": "xxh3-128", "digest": "a" * 32 + ".dir", "size": 9, "nfiles": 2}
        ]
    }
    pointer = Pointer.from_dict("sub/d.gitml", data)
    assert pointer.to_dict() == data
    assert pointer.out_rel(pointer.outs[0]) == "sub/d"


def test_pointer_nfiles_only_for_dirs() -> None:
    data = {"outs": [{"path": "f", "hash": "xxh3-128", "digest": "a" * 32, "size": 1, "nfiles": 1}]}
    with pytest.raises(BadInputError, match="nfiles"):
        Pointer.from_dict("f.gitml", data)


def test_a_real_manifest_matches_the_published_schema(tmp_path: Path) -> None:
    """issue 12 item 17: manifests have a JSON Schema in schemas/ that real ones satisfy, and
    that refuses what gitml refuses (a digest with a newline, a negative size)."""
    import jsonschema

    project = Path(__file__).resolve().parent.parent
    schema = json.loads((project / "schemas" / "manifest.json").read_text())
    tree = Tree.build([TreeEntry("b/c.bin", "0" * 32, 3), TreeEntry("a.txt", "f" * 32, 0)])
    jsonschema.validate(json.loads(tree.to_json()), schema)
    for bad in ({"digest": "0" * 32 + "\n", "path": "a", "size": 1},
                {"digest": "0" * 32, "path": "a", "size": -1}):  # fmt: skip
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate([bad], schema)
