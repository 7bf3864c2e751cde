"""Documents named the way a reader knows them (place, year, title) and sorted naturally.

A doc id (``004_7e7b….txt#16175684e64c``) is unique but says nothing; charts
and the HTML report name a document by its place and year (``株洲市 2020``), the
report adds the title, and a document without them falls back to its file name.
Sorting is natural: ``_2`` before ``_10``, years as numbers.

>>> natural_key("报告_10") > natural_key("报告_9")
True
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

import pandas as pd

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: Any) -> tuple:
    """Sort key that orders the digit runs of ``text`` as numbers (``a2`` < ``a10``)."""
    parts = _DIGITS.split("" if text is None else str(text))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p)


def _present(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and pd.isna(value)) \
        and str(value).strip() != ""


def doc_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per document, in natural order: doc_id, place, year, title, file (name without suffix), short, name.

    ``short`` (charts) is place and year, else the title, else the file name;
    ``name`` (report) adds the title. Both are unique: a clash of names gets the file
    name, a clash of short names a number (charts have no room for file names).
    """
    columns = ["doc_id", "place", "year", "title", "file", "short", "name"]
    if not len(frame):
        return pd.DataFrame(columns=columns)
    cols = [c for c in ("place", "year", "title", "path") if c in frame]
    values = frame[cols].astype(object).where(frame[cols].map(_present), None)
    first = values.groupby(frame["doc_id"], sort=False, dropna=False).first()  # first value present per document
    rows = []
    for doc_id, found in zip(first.index, first.to_dict("records"), strict=True):
        found = {k: (v if _present(v) else None) for k, v in found.items()}  # groupby turns None into NaN
        place, title = found.get("place"), found.get("title")
        year = int(found["year"]) if found.get("year") is not None else None
        path = found.get("path") or str(doc_id).split("#", 1)[0]
        file = PurePath(str(path)).stem
        when = " ".join(str(v) for v in (place, year) if v is not None)
        short = when or (str(title) if title is not None else file)
        name = " · ".join(v for v in (when, str(title) if title is not None else "") if v) or file
        rows.append({"doc_id": doc_id, "place": place, "year": year, "title": title, "file": file, "short": short,
                     "name": name})
    # by place and year, then by the name shown (title or file), naturally
    rows.sort(key=lambda r: (r["place"] is None, natural_key(r["place"]), r["year"] if r["year"] is not None else 10**9,
                             natural_key(r["name"]), natural_key(r["file"])))
    table = pd.DataFrame(rows, columns=columns, dtype=object)  # None stays None (not NaN) in every column
    clash = table["name"].duplicated(keep=False) & (table["name"] != table["file"])
    table.loc[clash, "name"] = table.loc[clash, "name"] + "（" + table.loc[clash, "file"] + "）"
    clash = table["short"].duplicated(keep=False) & (table["short"] != table["file"])
    number = table[clash].groupby("short").cumcount() + 1  # charts: 株洲市 2020（1）, （2）… in document order
    table.loc[clash, "short"] = table.loc[clash, "short"] + "（" + number.astype(str) + "）"
    return table


def short_names(frame: pd.DataFrame) -> dict[str, str]:
    """doc_id -> short name (place and year), in natural document order."""
    table = doc_table(frame)
    return dict(zip(table["doc_id"], table["short"], strict=True))
