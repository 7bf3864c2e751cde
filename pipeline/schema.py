"""The schema of the tables that open right in R, Stata, Excel and pandas: one column list, a codebook.

The tables of ``tag``, ``stats`` and ``indicators`` are each
described once, as a list of ``Column`` (name, kind, description), and written
from that list to CSV, XLSX, Parquet and Stata ``.dta`` alike, so the four
files of one table have the same columns in the same order:

- names are snake_case, ASCII or Chinese letters, digits and ``_``, never
  starting with a digit, at most 32 characters and no Stata reserved word
  (``place``, ``year``, ``char_end``, ``score_监督``; Stata 14+ takes Chinese names);
- ``code`` columns (``region_code``) stay text in every format: 421024, never 421024.0;
- ``flag`` columns are 0/1 in CSV, XLSX and .dta (R, Stata and Excel read them as
  numbers without options) and booleans in Parquet (``logical`` in R);
- ``integer`` columns are whole numbers (missing = an empty cell, NA, or ``.`` in Stata).

Each output comes with its codebook (column, type, description): a ``codebook``
sheet in XLSX, ``OUT_codebook.csv`` beside CSV, Parquet and .dta files; .dta
files also carry the descriptions as variable labels, Parquet files as field
metadata.

>>> safe_name("score.监督"), safe_name("end"), safe_name("2019"), safe_name("Meta Place")
('score_监督', 'end_', 'y2019', 'meta_place')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .write import _plain, atomic_path, write_csv_table, write_xlsx

KINDS = {
    "text": "text",
    "code": "text (a code of digits: keep it text)",
    "integer": "integer",
    "number": "number",
    "flag": "0/1 (1 = yes)",
}
TABLE_FORMATS = ("csv", "xlsx", "parquet", "dta")
# Stata's reserved names (Stata manual, [U] 11.3) and what pandas.to_stata refuses.
STATA_RESERVED = frozenset({
    "aggregate", "array", "boolean", "break", "byte", "case", "catch", "class", "colvector", "complex", "const",
    "continue", "default", "delegate", "delete", "do", "double", "else", "eltypedef", "end", "enum", "explicit",
    "export", "external", "float", "for", "friend", "function", "global", "goto", "if", "inline", "int", "local",
    "long", "NULL", "pragma", "protected", "quad", "rowvector", "short", "typedef", "typename", "virtual", "_all",
    "_N", "_skip", "_b", "_pi", "str", "in", "_pred", "strL", "_coef", "_cons", "_se", "_rc", "_n",
})
_RESERVED_LOWER = frozenset(w.lower() for w in STATA_RESERVED)  # names are lowercased first
MAX_NAME = 32  # characters in a Stata variable name
MAX_LABEL = 80  # characters in a Stata variable label


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # one of KINDS
    description: str


def safe_name(name: str) -> str:
    """A column name every tool takes as it is: snake_case, letters/digits/_, no leading digit, ≤ 32."""
    text = re.sub(r"[^\w]+", "_", str(name).strip(), flags=re.UNICODE).strip("_").lower() or "column"
    text = re.sub(r"_+", "_", text)
    if text[0].isdigit():
        text = ("y" if re.fullmatch(r"(19|20)\d\d", text) else "c") + text
    if text in _RESERVED_LOWER:
        text += "_"
    return text[:MAX_NAME]


# --------------------------------------------------------------------------- tagged paragraphs
TAGGED_SHEET = "paragraphs"
BASE = [
    Column("doc_id", "text", "document id: file name, '#', first 12 hex digits of the file's SHA-1"),
    Column("path", "text", "input file"),
    Column("index", "integer", "paragraph number in the document, from 0"),
    Column("text", "text", "paragraph text, normalized (simplified characters, half-width digits)"),
    Column("char_start", "integer", "offset of the paragraph's first character in the original text"),
    Column("char_end", "integer", "offset just past its last character (original text)"),
    Column("section", "text", "headings above the paragraph, outermost first, joined by |"),
    Column("is_heading", "flag", "the paragraph is a heading"),
    Column("is_glossary", "flag", "the paragraph is a glossary entry (名词解释)"),
    Column("period", "text", "review (looking back on the year) or plan (the year ahead); empty if neither"),
]
META = [
    Column("place", "text", "place whose people's congress standing committee gave the report"),
    Column("level", "text", "administrative level of the place (省, 市, 县区 ...)"),
    Column("province", "text", "province of the place"),
    Column("region_code", "code", "GB/T 2260 six-digit code of the place"),
    Column("year", "integer", "year of the report"),
    Column("date", "text", "date the report was given (YYYY-MM-DD)"),
    Column("meeting", "text", "the meeting it was given at"),
    Column("speaker", "text", "who gave it"),
    Column("title", "text", "title of the report"),
    Column("bytes", "integer", "size of the input file in bytes"),
    Column("encoding", "text", "text encoding the input was read in"),
]
ANNOTATION = [
    Column("labels", "text", "the paragraph's functions (监督, 立法, 代表工作, 自身建设, 决定任免), joined by |"),
    Column("terms", "text", "policy terms found, canonical forms in text order, joined by |"),
    Column("term_surfaces", "text", "the same terms as written in the text, joined by |"),
    Column("term_categories", "text", "the lexicon category of each term, joined by |"),
]
TOKENS = Column("tokens", "text", "tokens of the paragraph, separated by spaces (tag --tokens)")
_RECORD_KEYS = {"doc_id", "path", "index", "text", "start", "end", "section", "is_heading", "is_glossary", "period",
                "meta", "labels", "scores", "terms", "tokens"}


_FIXED = frozenset(c.name for c in BASE + META + ANNOTATION + [TOKENS])
_META_KEYS = frozenset(c.name for c in META)


def score_column(label: str) -> str:
    return safe_name(f"score_{label}")


def _own_name(key: str, prefix: str) -> str:
    """A column name for a field of the input or of the metadata; never one of the fixed columns."""
    name = safe_name(key)
    return safe_name(f"{prefix}_{name}") if name in _FIXED or name.startswith("score_") else name


def tagged_columns(labels: Sequence[str], first: dict[str, Any] | None = None) -> list[Column]:
    """The columns of a tagged-paragraph table; ``first`` (the first record) adds its own fields.

    Fields of pre-cut input (``id`` …) come first, meta fields beyond the known
    ones after the known; both named by ``safe_name`` (``input_``/``meta_`` in
    front when that would take a fixed name). Then one ``score_<label>`` per label.
    """
    first = first or {}
    # Their values may be anything (1 in one row, "b" in the next, a list): they are kept as text.
    extra = [Column(_own_name(k, "input"), "text", "field of the input (pre-cut paragraphs)")
             for k in first if k not in _RECORD_KEYS]
    meta = [Column(_own_name(k, "meta"), "text", "field of the report's metadata")
            for k in (first.get("meta") or {}) if k not in _META_KEYS]
    cols = extra + BASE + META + meta + ANNOTATION
    if "tokens" in first:
        cols.append(TOKENS)
    cols += [Column(score_column(label), "number", f"model's probability that the paragraph is {label} (0-1)")
             for label in labels]
    return list({c.name: c for c in reversed(cols)}.values())[::-1]  # a name once, at its first place


def _joined(values: Any, sep: str = "|") -> str:
    return sep.join("" if v is None else str(v) for v in values or ())


def tagged_row(record: dict[str, Any], labels: Sequence[str]) -> dict[str, Any]:
    """A tagged record as one flat row keyed by the names of ``tagged_columns``.

    Lists are joined with ``|`` (tokens with spaces), meta fields become plain
    columns, scores one ``score_<label>`` column per label.
    """
    row: dict[str, Any] = {}
    for key, value in record.items():
        if key not in _RECORD_KEYS:
            row[_own_name(key, "input")] = value
    row.update(doc_id=record.get("doc_id"), path=record.get("path"), index=record.get("index"),
               text=record.get("text"), char_start=record.get("start"), char_end=record.get("end"),
               section=_joined(record.get("section")), is_heading=record.get("is_heading"),
               is_glossary=record.get("is_glossary"), period=record.get("period"))
    for key, value in (record.get("meta") or {}).items():
        row[key if key in _META_KEYS else _own_name(key, "meta")] = value
    terms = record.get("terms") or []
    row.update(labels=_joined(record.get("labels")), terms=_joined(t.get("canonical") for t in terms),
               term_surfaces=_joined(t.get("term") for t in terms),
               term_categories=_joined(t.get("category") or "" for t in terms))
    if record.get("tokens") is not None:
        row["tokens"] = " ".join(record["tokens"])
    scores = record.get("scores") or {}
    for label in labels:
        row[score_column(label)] = scores.get(label)
    return row


# --------------------------------------------------------------------------- stats and indicators
STATS_COLUMNS = {
    "doc_id": ("text", "document id"),
    "place": ("text", "place"),
    "level": ("text", "administrative level"),
    "province": ("text", "province"),
    "year": ("integer", "year of the report"),
    "period": ("text", "review or plan"),
    "section_top": ("text", "top-level heading (the chapter) the paragraphs stand under"),
    "label": ("text", "function label (无标签 = paragraphs without one)"),
    "paragraphs": ("integer", "paragraphs counted"),
    "chars": ("integer", "characters of those paragraphs"),
    "share_paragraphs": ("number", "paragraphs / the group's paragraphs (multi-label paragraphs count for each)"),
    "share_chars": ("number", "characters / the group's characters"),
    "share_weighted": ("number", "share with a multi-label paragraph split equally between its labels (sums to 1)"),
    "group_paragraphs": ("integer", "paragraphs in the group"),
    "group_chars": ("integer", "characters in the group"),
    "term": ("text", "canonical policy term"),
    "category": ("text", "the term's lexicon category"),
    "count": ("integer", "occurrences"),
    "per_10k_chars": ("number", "occurrences per 10,000 characters of the group"),
    "matched_by": ("text", "lexicon (a matched term) or text (plain occurrences)"),
    "first_year": ("integer", "first year the term appears for the place"),
    "first_doc": ("text", "report it first appears in"),
    "total": ("integer", "mentions over all years"),
    "share_raw": ("number", "share of paragraphs the classifier gave the label"),
    "raw_low": ("number", "95% interval of share_raw, lower end (bootstrap)"),
    "raw_high": ("number", "95% interval of share_raw, upper end"),
    "share_adjusted": ("number", "share corrected for the classifier's errors: (raw - FPR) / (TPR - FPR)"),
    "adjusted_low": ("number", "95% interval of share_adjusted, lower end (bootstrap)"),
    "adjusted_high": ("number", "95% interval of share_adjusted, upper end"),
    "tpr": ("number", "true positive rate used for the correction"),
    "fpr": ("number", "false positive rate used for the correction"),
    "clipped": ("flag", "the correction fell outside [0, 1] and was clipped"),
    "rates_from": ("text", "where TPR and FPR come from"),
}


def stats_columns(table_name: str, frame: Any) -> list[Column]:
    """Columns of a ``policytag stats`` table (a DataFrame), described by name, else by type."""
    import pandas as pd

    out = []
    for name in (str(c) for c in frame.columns):
        if name in STATS_COLUMNS:
            kind, text = STATS_COLUMNS[name]
            if table_name == "term_function" and name == "paragraphs":
                text = "paragraphs containing the term"
        elif re.fullmatch(r"y\d{4}", name):
            kind, text = "integer", f"mentions in {name[1:]} (empty: no report of the place that year)"
        elif table_name == "term_function":
            kind, text = "integer", f"paragraphs labeled {name} that contain the term"
        else:
            dtype = frame[name].dtype
            kind = ("flag" if pd.api.types.is_bool_dtype(dtype) else "integer" if pd.api.types.is_integer_dtype(dtype)
                    else "number" if pd.api.types.is_float_dtype(dtype) else "text")
            text = name
        out.append(Column(name, kind, text))
    return out


INDICATORS_SHEET = "indicators"
INDICATORS = [
    Column("doc_id", "text", "document id"),
    Column("path", "text", "input file"),
    Column("place", "text", "place"),
    Column("year", "integer", "year of the report"),
    Column("province", "text", "province"),
    Column("region_code", "code", "GB/T 2260 six-digit code of the place"),
    Column("level", "text", "administrative level"),
    Column("indicator", "text", "indicator id (sessions, reports_heard ...; see configs/indicators.yaml)"),
    Column("label", "text", "the indicator in Chinese"),
    Column("value", "number", "the count stated (the lower end of a range)"),
    Column("value_max", "number", "upper end of a range (3至5次), else empty"),
    Column("unit", "text", "unit as written (次, 项, 件, 人次 ...)"),
    Column("approx", "flag", "the count is approximate (近, 余, 多, a range)"),
    Column("period", "text", "review (the past year) or plan (the year ahead)"),
    Column("occurrence", "integer", "1 = the first statement of this indicator in this period of the report"),
    Column("evidence", "text", "the phrase the count was read from"),
    Column("char_start", "integer", "offset of the phrase in the original text"),
    Column("char_end", "integer", "offset just past the phrase (original text)"),
]


def indicator_row(row: dict[str, Any]) -> dict[str, Any]:
    """An indicator row with the table's names (``start``/``end`` -> ``char_start``/``char_end``)."""
    out = {c.name: row.get(c.name) for c in INDICATORS}
    out["char_start"], out["char_end"] = row.get("start"), row.get("end")
    return out


# --------------------------------------------------------------------------- writing
def codebook_rows(tables: dict[str, list[Column]]) -> list[dict[str, Any]]:
    return [{"table": table, "column": c.name, "type": KINDS[c.kind], "description": c.description}
            for table, columns in tables.items() for c in columns]


CODEBOOK_COLUMNS = ["table", "column", "type", "description"]


def codebook_path(path: str | Path) -> Path:
    """``tagged.csv`` -> ``tagged_codebook.csv``."""
    path = Path(path)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"{stem}_codebook.csv")


def _cell(value: Any, kind: str) -> Any:
    """A value as the flat formats (CSV, XLSX) hold it: flags 0/1, codes as text."""
    value = _plain(value)
    if value is None or value == "" and kind != "text":
        return None
    if kind == "flag":
        return int(_truthy(value))
    if kind == "integer":
        if isinstance(value, float) and value.is_integer() or isinstance(value, str) and value.strip().isdigit():
            return int(value)
        return value
    if kind == "code":
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return value


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def flat_rows(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    kinds = [(c.name, c.kind) for c in columns]
    for row in rows:
        yield {name: _cell(row.get(name), kind) for name, kind in kinds}


def write_table(path: str | Path, fmt: str, columns: Sequence[Column], rows: Sequence[dict[str, Any]],
                sheet: str, raw_cells: bool = False, codebook: bool = True) -> list[str]:
    """One table (and its codebook) in ``fmt``; returns notes (XLSX limits) for the user."""
    return write_tables({sheet: (columns, rows)}, {sheet: Path(path)}, fmt, codebook_path(path) if codebook else None,
                        raw_cells)


def write_tables(tables: dict[str, tuple[Sequence[Column], Sequence[dict[str, Any]]]], targets: dict[str, Path],
                 fmt: str, codebook: Path | None, raw_cells: bool = False) -> list[str]:
    """Several tables: XLSX as sheets of one workbook (``targets`` all the same file), else one file each.

    The codebook goes to a ``codebook`` sheet (XLSX) or to ``codebook`` (the other formats).
    """
    described = {name: list(columns) for name, (columns, _rows) in tables.items()}
    notes: list[str] = []
    if fmt == "xlsx":
        sheets = {name: ([c.name for c in columns], list(flat_rows(columns, rows)))
                  for name, (columns, rows) in tables.items()}
        if codebook is not None:
            sheets["codebook"] = (CODEBOOK_COLUMNS, codebook_rows(described))
        path = next(iter(targets.values()))
        return write_xlsx(path, sheets, raw_cells).lines(path)
    for name, (columns, rows) in tables.items():
        if fmt == "csv":
            write_csv_table(targets[name], [c.name for c in columns], flat_rows(columns, rows), raw_cells)
        elif fmt == "parquet":
            write_parquet_table(targets[name], columns, rows)
        elif fmt == "dta":
            write_dta(targets[name], columns, rows, name)
        else:
            raise ValueError(f"unknown table format {fmt!r}")
    if codebook is not None:
        write_csv_table(codebook, CODEBOOK_COLUMNS, codebook_rows(described), raw_cells)
    return notes


def write_parquet_table(path: str | Path, columns: Sequence[Column], rows: Sequence[dict[str, Any]]) -> None:
    """A flat Parquet table with a fixed type per kind and each column's description as field metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = {"text": pa.string(), "code": pa.string(), "integer": pa.int64(), "number": pa.float64(),
             "flag": pa.bool_()}
    fields, arrays = [], []
    for c in columns:
        values = [_parquet_value(row.get(c.name), c.kind) for row in rows]
        fields.append(pa.field(c.name, arrow[c.kind], metadata={"description": c.description}))
        arrays.append(pa.array(values, arrow[c.kind]))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def _parquet_value(value: Any, kind: str) -> Any:
    value = _cell(value, kind)
    if value is None:
        return None
    if kind == "flag":
        return bool(value)
    if kind == "integer" and not isinstance(value, int):
        return None  # not a whole number after all: missing rather than a wrong type
    if kind == "number":
        return float(value)
    if kind in ("text", "code") and not isinstance(value, str):
        return str(value)
    return value


def write_dta(path: str | Path, columns: Sequence[Column], rows: Sequence[dict[str, Any]], name: str) -> None:
    """A Stata 14+ ``.dta`` (format 118: Unicode names and text), described by variable labels.

    Flags are 0/1 bytes; missing text is an empty string (Stata has no missing text);
    text longer than 2,045 bytes is stored as strL by pandas.
    """
    import pandas as pd

    data: dict[str, Any] = {}
    for c in columns:
        values = [_cell(row.get(c.name), c.kind) for row in rows]
        if c.kind == "flag":
            data[c.name] = pd.array(values, dtype="Int8")
        elif c.kind == "integer":
            data[c.name] = pd.array([v if isinstance(v, int) else None for v in values], dtype="Int64")
        elif c.kind == "number":
            data[c.name] = pd.array([None if v is None else float(v) for v in values], dtype="Float64")
        else:
            data[c.name] = pd.Series(["" if v is None else str(v) for v in values], dtype=object)
    frame = pd.DataFrame(data, columns=[c.name for c in columns])
    labels = {c.name: c.description[:MAX_LABEL] for c in columns}
    with atomic_path(path) as tmp:
        frame.to_stata(tmp, write_index=False, version=118, variable_labels=labels,
                       data_label=f"policytag {name}"[:MAX_LABEL])
