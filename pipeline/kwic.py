"""Keyword in context, as quanteda's ``kwic``: patterns or whole categories, in raw reports or tagged files.

A pattern is a lexicon phrase (every form of its entries is searched), a literal, a glob
(``优化营商*``) or a regex (``re:听取\\d+项``); ``categories`` adds every entry of a lexicon
category. Each pattern keeps its own longest matches, so two patterns that overlap both show.

Raw reports are read and normalized as ``policytag tag`` does, and ``start``/``end`` index
the original text. In tagged files the paragraph ``text`` is searched; ``start``/``end`` are
original offsets where the paragraph text is the original slice (its length equals
``end - start``), and empty where normalization changed its length (``offset`` always gives
the position inside the paragraph text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .lexicon import QUOTES, Entry, Lexicon, is_pattern, match_key, pattern_problem
from .record import MappedText

TAGGED_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".xlsx", ".parquet", ".pq")
COLUMNS = ["doc_id", "path", "index", "start", "end", "offset", "left", "match", "right", "pattern", "canonical",
           "category", "dictionary", "quoted"]
TABLE_FORMATS = ("csv", "tsv", "xlsx", "jsonl")
TECHNICAL_META = {"bytes", "encoding", "pages", "source_format"}  # how a file was read, not what it is


def kwic(term: str, mapped: MappedText, raw: str, lexicon: Lexicon | None = None,
         width: int = 20) -> list[dict[str, object]]:
    """Keyword in context: every occurrence of ``term`` (a lexicon phrase: any of its forms; a glob; a regex).

    Contexts come from ``raw`` with whitespace shown as one space; start/end index ``raw``.
    The functions below make the whole tool (several patterns, categories, tagged files).
    """
    from .match import Matcher

    matcher = Matcher(kwic_lexicon([term], lexicon))
    keys = ("start", "end", "left", "match", "right", "canonical", "quoted")
    return [{k: row[k] for k in keys} for row in kwic_rows(matcher, mapped, raw, width, 0)]


def kwic_lexicon(patterns: Sequence[str], lexicon: Lexicon | None = None, categories: Sequence[str] = ()) -> Lexicon:
    """One dictionary per pattern (and per category), so every pattern keeps its own matches."""
    entries: list[Entry] = []
    for pattern in patterns:
        problem = pattern_problem(pattern)
        if problem:
            raise ConfigError(problem)
        found = [] if is_pattern(pattern) or lexicon is None else lexicon.lookup_all(pattern)
        if found:
            entries += [replace(e, dictionary=pattern) for e in found]
            continue
        term = pattern if is_pattern(pattern) else pattern.strip(QUOTES)
        if len(match_key(term)) < 1:
            raise ConfigError(f"empty kwic pattern {pattern!r}")
        entries.append(Entry(term, "", (), dictionary=pattern))
    for category in categories:
        members = lexicon.in_category(category) if lexicon is not None else []
        if not members:
            known = " ".join(lexicon.categories) if lexicon is not None else "none"
            raise ConfigError(f"--category {category!r}: no lexicon entries in that category (categories: {known})")
        entries += [replace(e, dictionary=f"category:{category}") for e in members]
    if not entries:
        raise ConfigError("kwic needs a PATTERN or --category")
    return Lexicon(entries, "<kwic>", "kwic")


def _flat(s: str) -> str:
    return " ".join(s.split())


def kwic_rows(matcher: Any, mapped: MappedText, raw: str, window: int = 20, base: int | None = 0,
              lexicon: Lexicon | None = None) -> list[dict[str, Any]]:
    """Rows for one text: offsets, context from ``raw``, the pattern that found each hit.

    ``base`` is added to positions in ``raw`` to give original offsets (None: unknown).
    A hit two patterns share is listed once, under the first pattern.
    """
    rows = []
    seen: set[tuple[int, int, str]] = set()
    for t in matcher.match_text(mapped, raw):
        if (t.start, t.end, t.canonical) in seen:
            continue
        seen.add((t.start, t.end, t.canonical))
        original = lexicon.lookup(t.canonical) if lexicon is not None else None
        rows.append({
            "start": None if base is None else base + t.start, "end": None if base is None else base + t.end,
            "offset": t.start, "left": _flat(raw[max(0, t.start - window): t.start]), "match": t.term,
            "right": _flat(raw[t.end: t.end + window]), "pattern": t.dictionary.removeprefix("category:")
            if t.dictionary.startswith("category:") else t.dictionary, "canonical": t.canonical,
            "category": t.category or None, "dictionary": original.dictionary if original is not None else None,
            "quoted": t.quoted,
        })
    return rows


def is_tagged(path: str) -> bool:
    return Path(path).suffix.lower() in TAGGED_SUFFIXES


def tagged_rows(path: str, matcher: Any, window: int, lexicon: Lexicon | None,
                errors: list[Any]) -> list[dict[str, Any]]:
    """kwic rows of one tagged file: each paragraph's ``text`` searched, metadata columns kept."""
    import pandas as pd

    from .stats import load_tagged

    frame = load_tagged([path], errors)
    meta_cols = [c for c in _meta_columns(frame) if c in frame]
    out = []
    for rec in frame.to_dict("records"):
        text = str(rec.get("text") or "")
        if not text:
            continue
        start, end = rec.get("start"), rec.get("end")
        exact = start is not None and not pd.isna(start) and not pd.isna(end) and int(end) - int(start) == len(text)
        for row in kwic_rows(matcher, MappedText.identity(text), text, window, int(start) if exact else None,
                             lexicon):
            row.update(doc_id=rec.get("doc_id"), path=rec.get("path"), index=_int(rec.get("index")))
            row.update({c: _plain(rec.get(c)) for c in meta_cols})
            out.append(row)
    return out


def _meta_columns(frame: Any) -> list[str]:
    from .write import META_COLUMNS

    skip = {"doc_id", "path", "index", "text", "start", "end", "section", "is_heading", "is_glossary", "period",
            "labels", "scores", "terms", "source", "section_top", "chars", "tokens"}
    cols = [c for c in META_COLUMNS if c in frame and frame[c].notna().any()]
    return cols + [c for c in frame.columns if c not in skip and c not in cols and not c.startswith("score")
                   and frame[c].notna().any()]


def _int(value: Any) -> int | None:
    try:
        return None if value is None or value != value else int(value)
    except (TypeError, ValueError):
        return None


def _plain(value: Any) -> Any:
    if value is None:
        return None
    try:
        if value != value:  # NaN / NA
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value


def report_rows(doc: Any, matcher: Any, window: int, lexicon: Lexicon | None) -> list[dict[str, Any]]:
    """kwic rows of one raw report: the whole normalized text, offsets into ``doc.raw``."""
    rows = kwic_rows(matcher, doc.norm, doc.raw, window, 0, lexicon)
    meta = {k: _plain(v) for k, v in (doc.meta or {}).items()
            if not isinstance(v, dict | list) and k not in TECHNICAL_META}
    for row in rows:  # start/end and the context come from raw (matching maps back through doc.norm)
        row.update(doc_id=doc.doc_id, path=doc.path, index=None, offset=None, **meta)
    return rows


def sort_rows(rows: list[dict[str, Any]], order: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """By document (in input order: the order documents first appear), then paragraph, then position."""
    first: dict[tuple[str, str], int] = {}
    for row in rows:
        first.setdefault((str(row.get("path")), str(row.get("doc_id"))), len(first))
    return sorted(rows, key=lambda r: (first[(str(r.get("path")), str(r.get("doc_id")))],
                                       r.get("index") if r.get("index") is not None else -1,
                                       r["start"] if r.get("start") is not None else (r.get("offset") or 0)))


def columns_for(rows: Iterable[dict[str, Any]]) -> list[str]:
    extra: list[str] = []
    for row in rows:
        extra += [k for k in row if k not in COLUMNS and k not in extra]
    cols = COLUMNS[:2] + extra + COLUMNS[2:]
    return cols


def write_rows(rows: list[dict[str, Any]], columns: list[str], output: str | None, fmt: str,
               raw_cells: bool = False) -> None:
    """csv (UTF-8 with BOM), tsv, xlsx (text cells) or jsonl; spreadsheet cells never become formulas
    (``write.spreadsheet_cell``) unless ``raw_cells``."""
    import csv

    from .write import dumps, open_output, spreadsheet_cell, write_csv_table, write_xlsx

    if fmt == "jsonl":
        with open_output(output) as fh:
            for row in rows:
                fh.write(dumps({c: row.get(c) for c in columns}) + "\n")
        return
    if fmt == "xlsx":
        if not output or output == "-":
            raise ConfigError("xlsx output needs -o FILE.xlsx")
        write_xlsx(output, {"kwic": (columns, rows)}, raw_cells)
        return
    if fmt == "csv":
        write_csv_table(output, columns, rows, raw_cells)
        return
    to_file = output is not None and output != "-"
    with open_output(output, encoding="utf-8-sig" if to_file else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            cells = ("" if row.get(c) is None else str(row.get(c)) for c in columns)
            flat = (c.replace("\t", " ").replace("\r", " ").replace("\n", " ") for c in cells)
            writer.writerow([spreadsheet_cell(c, raw_cells) for c in flat])


def table_format(output: str | None, explicit: str | None) -> str:
    if explicit:
        return explicit
    if not output or output == "-":
        return "tsv"
    suffix = Path(output).suffix.lower().lstrip(".")
    fmt = {"json": "jsonl", "ndjson": "jsonl", "xls": "xlsx", "txt": "tsv"}.get(suffix, suffix)
    if fmt not in TABLE_FORMATS:
        raise ConfigError(f"unknown kwic output format {suffix!r} for {output}; use .csv, .tsv, .xlsx or .jsonl "
                          "(or --format)")
    return fmt
