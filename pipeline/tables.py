"""Writing the research tables (reuse, diff, keyness, panel): csv, xlsx, parquet or json.

One main table and companions: ``pairs.csv`` holds the main table and
``pairs_documents.csv``, ``pairs_boilerplate.csv`` the others (xlsx: one sheet
each; json: one object). Every file is written atomically; text cells that a
spreadsheet would run as a formula get a leading ``'`` in csv and xlsx
(``write.spreadsheet_cell``); an output that is also an input is refused before
anything is read.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError
from .write import atomic_path

FORMATS = ("csv", "xlsx", "parquet", "json")


def output_format(path: str | Path, explicit: str | None = None) -> str:
    fmt = (explicit or Path(path).suffix.lstrip(".")).lower()
    fmt = {"pq": "parquet", "xls": "xlsx"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ConfigError(f"unknown output format {fmt!r} for {path}; use one of {', '.join(FORMATS)} "
                          "(by extension or --format)")
    return fmt


def companion_paths(path: str | Path, fmt: str, names: Iterable[str]) -> dict[str, Path]:
    """Where each table goes; the first name is the main table, at ``path`` itself.

    >>> [str(p) for p in companion_paths("out/pairs.csv", "csv", ["pairs", "documents"]).values()]
    ['out/pairs.csv', 'out/pairs_documents.csv']
    """
    path = Path(path)
    names = list(names)
    if fmt in ("xlsx", "json"):
        return {name: path for name in names}
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return {name: path if i == 0 else path.with_name(f"{stem}_{name}.{fmt}") for i, name in enumerate(names)}


def refuse_inputs(outputs: Iterable[str | Path], inputs: Iterable[str | Path]) -> None:
    """ConfigError when an output would overwrite an input (``write.refuse_input_as_output``)."""
    from .write import refuse_input_as_output

    refuse_input_as_output(list(outputs), list(inputs))


def tagged_inputs(paths: Iterable[str]) -> list[str]:
    """The files that tagged-file arguments name (missing ones are left for the reader to report)."""
    from .errors import InputError
    from .stats import expand_paths

    out: list[str] = []
    for raw in paths:
        try:
            out.extend(str(p) for p in expand_paths([raw]))
        except InputError:
            continue
    return out


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def write_tables(tables: dict[str, pd.DataFrame], path: str | Path, fmt: str, inputs: Iterable[str | Path] = (),
                 raw_cells: bool = False) -> list[Path]:
    """Write the tables (the first is the main one) atomically; returns the files written.

    csv and xlsx cells go through ``write.spreadsheet_cell`` (``raw_cells``: as they are);
    what ``write_xlsx`` had to do to fit Excel's limits is printed as notes.
    """
    from .write import write_csv_frame, write_xlsx_frames

    targets = companion_paths(path, fmt, tables)
    refuse_inputs(set(targets.values()), inputs)
    if fmt == "xlsx":
        notes = write_xlsx_frames(tables, path, raw_cells)
        for line in notes.lines(path):
            print(f"policytag: note: {line}", file=sys.stderr)
        return [Path(path)]
    if fmt == "json":
        doc = {name: [{k: _json_value(v) for k, v in row.items()} for row in table.to_dict("records")]
               for name, table in tables.items()}
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return [Path(path)]
    for name, table in tables.items():
        if fmt == "csv":
            write_csv_frame(table, targets[name], raw_cells)
        else:
            with atomic_path(targets[name]) as tmp:
                table.to_parquet(tmp, index=False)
    return list(targets.values())
