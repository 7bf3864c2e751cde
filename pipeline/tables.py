"""Writing the research tables (reuse, diff, keyness, panel): csv, xlsx, parquet or json.

One main table and companions: ``pairs.csv`` holds the main table and
``pairs_documents.csv``, ``pairs_boilerplate.csv`` the others (xlsx: one sheet
each; json: one object). Every file is written atomically; text cells that a
spreadsheet would run as a formula are neutralized in csv and xlsx; an output
that is also an input is refused before anything is read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError
from .write import atomic_path

FORMATS = ("csv", "xlsx", "parquet", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet would take for a formula gets a leading apostrophe.

    >>> safe_cell("=HYPERLINK(1)"), safe_cell("-3"), safe_cell("监督"), safe_cell(-3)
    ("'=HYPERLINK(1)", "'-3", '监督', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralized(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell (and column name) passed through ``safe_cell``."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def output_format(path: str | Path, explicit: str | None = None) -> str:
    fmt = (explicit or Path(path).suffix.lstrip(".")).lower()
    fmt = {"pq": "parquet", "xls": "xlsx"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ConfigError(f"unknown output format {fmt!r} for {path}; use one of {', '.join(FORMATS)} "
                          "(by extension or --format)")
    return fmt


def companion_paths(path: str | Path, fmt: str, names: Iterable[str]) -> dict[str, Path]:
    """Where each table goes; the first name is the main table, at ``path`` itself."""
    path = Path(path)
    names = list(names)
    if fmt in ("xlsx", "json"):
        return {name: path for name in names}
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return {name: path if i == 0 else path.with_name(f"{stem}_{name}.{fmt}") for i, name in enumerate(names)}


def refuse_inputs(outputs: Iterable[str | Path], inputs: Iterable[str | Path]) -> None:
    """ConfigError when an output would overwrite an input."""
    given = {_real(p): str(p) for p in inputs if str(p) != "-"}
    for out in outputs:
        if _real(out) in given:
            raise ConfigError(f"output {out} is also an input ({given[_real(out)]}); choose another -o")


def _real(path: str | Path) -> str:
    try:
        return str(Path(path).resolve())
    except OSError:
        return str(path)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def write_tables(tables: dict[str, pd.DataFrame], path: str | Path, fmt: str,
                 inputs: Iterable[str | Path] = ()) -> list[Path]:
    """Write the tables (the first is the main one) atomically; returns the files written."""
    targets = companion_paths(path, fmt, tables)
    refuse_inputs(set(targets.values()), inputs)
    if fmt == "xlsx":
        with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, table in tables.items():
                neutralized(table).to_excel(writer, sheet_name=name[:31], index=False)
        return [Path(path)]
    if fmt == "json":
        doc = {name: [{k: _json_value(v) for k, v in row.items()} for row in table.to_dict("records")]
               for name, table in tables.items()}
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return [Path(path)]
    for name, table in tables.items():
        with atomic_path(targets[name]) as tmp:
            if fmt == "csv":
                neutralized(table).to_csv(tmp, index=False, encoding="utf-8-sig")
            else:
                table.to_parquet(tmp, index=False)
    return list(targets.values())
