"""Read a table (CSV, TSV, JSON lines, Parquet) into pyarrow, as pandas would type it.

pyarrow's CSV reader is multi-threaded C++; it is told pandas' missing-value words and
boolean words so the columns come out as `pandas.read_csv` types them (what a drift tool that
works on DataFrames sees).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from gitml.errors import BadInputError, GitmlError

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
TABLE_SUFFIXES = tuple(FORMATS)
_MISSING = re.compile(r"[Cc]olumn '([^']*)' in include_columns does not exist")
# pandas.read_csv's default missing-value words (pandas/_libs/parsers.pyx STR_NA_VALUES)
NA_WORDS = [
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
]


def table_format(name: str) -> str:
    """csv, tsv, jsonl or parquet, from the file name's suffix."""
    suffix = os.path.splitext(name.lower())[1]
    fmt = FORMATS.get(suffix)
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise BadInputError(f"{name}: not a table gitml can compare (suffixes: {known})")
    return fmt


def read_table(source: str | bytes, fmt: str, shown: str, columns: Sequence[str] | None) -> Any:
    """A pyarrow Table from a file path or bytes; `columns` limits what is parsed."""
    import pyarrow as pa

    src: Any = pa.BufferReader(source) if isinstance(source, bytes) else source
    try:
        table = _read(src, fmt, columns)
    except KeyError as e:  # parquet/json: a column not in the file
        raise BadInputError(f"{shown}: has no column {e}") from None
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        found = _MISSING.search(first)
        if found:
            raise BadInputError(f"{shown}: has no column {found[1]!r}") from None
        raise BadInputError(f"{shown}: cannot read it as {fmt}: {first}") from None
    except OSError as e:
        raise GitmlError(f"{shown}: cannot read it: {e}") from None
    missing = [c for c in columns or () if c not in table.column_names]
    if missing:
        raise BadInputError(f"{shown}: has no column {missing[0]!r}")
    return table


def _read(src: Any, fmt: str, columns: Sequence[str] | None) -> Any:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(src, columns=list(columns) if columns else None)
    if fmt == "jsonl":
        import pyarrow.json as pj

        table = pj.read_json(src)
        return table.select(list(columns)) if columns else table
    from pyarrow import csv

    convert = csv.ConvertOptions(
        null_values=NA_WORDS,
        strings_can_be_null=True,
        true_values=["True", "TRUE", "true"],
        false_values=["False", "FALSE", "false"],
        include_columns=list(columns) if columns else None,
    )
    parse = csv.ParseOptions(delimiter="\t" if fmt == "tsv" else ",")
    return csv.read_csv(src, parse_options=parse, convert_options=convert)
