"""Counting tagged paragraphs: label shares, term frequencies, term × function, first mentions.

Everything starts from ``load_tagged``, which reads what ``policytag tag`` writes
(JSONL, CSV, XLSX or parquet) into one flat DataFrame with one row per
paragraph. Meta fields become plain columns (``place``, ``year`` ...), ``labels``
and ``section`` are lists, ``terms`` is a list of dicts with at least
``canonical`` and ``term``.

>>> import pandas as pd
>>> df = pd.DataFrame({"doc_id": ["a"], "text": ["开展专题询问"], "labels": [["监督"]],
...                    "terms": [[{"canonical": "专题询问", "term": "专题询问"}]]})
>>> row = label_table(normalize(df)).iloc[0]
>>> row["label"], int(row["paragraphs"]), int(row["chars"]), float(row["share_paragraphs"])
('监督', 1, 6, 1.0)
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from .errors import ConfigError, InputError
from .palette import NONE_LABEL  # 无标签: a paragraph that carries no label
from .write import META_COLUMNS, _frame_rows, atomic_path, read_spreadsheet

# --by name -> column of the normalized frame
GROUP_COLUMNS = {
    "doc": "doc_id",
    "place": "place",
    "level": "level",
    "province": "province",
    "year": "year",
    "period": "period",
    "section": "section_top",
}
TABLE_FORMATS = ("csv", "xlsx", "parquet", "dta", "json")
TAGGED_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".xlsx", ".parquet", ".pq", ".dta")
_BOOL_COLUMNS = ("is_heading", "is_glossary")
# Per-paragraph fields that are not a grouping of documents (text, lists, offsets).
_UNGROUPABLE = frozenset({"text", "terms", "labels", "scores", "tokens", "section", "start", "end", "chars",
                          "char_start", "char_end", "index", "path"})


# --------------------------------------------------------------------------- loading


def expand_paths(paths: Iterable[str]) -> list[Path]:
    """Files, folders (tagged files inside, recursively) and globs -> file list.

    Folders are listed like ``tag`` lists them (``read.scan_paths``): hidden files (our own
    checkpoints) are left out, and a symbolic link is followed only to a file inside the folder;
    the links left out are named in a warning (a ``policytag: note:`` line on the command line).
    """
    from .errors import printable
    from .read import scan_paths

    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() or (not path.exists() and any(ch in raw for ch in "*?[")):
            scan = scan_paths([raw], set(TAGGED_SUFFIXES))
            for link, why in scan.links:
                why = why.replace(" (--follow-links follows it)", "")  # tag's option; tables are read in place
                warnings.warn(f"skipped {printable(link)}: {why}", stacklevel=2)
            out.extend(Path(p) for p in scan.files)
        elif path.exists():
            out.append(path)
        else:
            raise InputError(raw, "file not found")
    return out


def load_tagged(paths: Iterable[str | Path], errors: list[InputError] | None = None,
                section_level: int = 0, progress: Callable[[str, int, int], None] | None = None) -> pd.DataFrame:
    """Read tagged files (jsonl/csv/xlsx/parquet) into one normalized DataFrame.

    With ``errors`` given, a bad file or line is appended there and the rest is
    read; without it the first problem raises ``InputError``. ``section_level``
    picks the heading level that ``section_top`` (``--by section``) holds.
    ``progress("read", done, total)`` is called after each file.
    """
    files: list[Path] = []
    for raw in paths:
        try:
            files.extend(expand_paths([str(raw)]))
        except InputError as exc:
            if errors is None:
                raise
            errors.append(exc)
    frames = []
    for done, path in enumerate(files, 1):
        try:
            frames.append(_read_one(path, errors))
        except InputError as exc:
            if errors is None:
                raise
            errors.append(exc)
        if progress is not None:
            progress("read", done, len(files))
    if not frames:
        return normalize(pd.DataFrame({"doc_id": [], "text": [], "labels": [], "terms": []}), section_level)
    return normalize(pd.concat(frames, ignore_index=True), section_level)


def _read_one(path: Path, errors: list[InputError] | None) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson", ".json"):
            frame = pd.DataFrame(_read_jsonl(path, errors))
        elif suffix in (".csv", ".xlsx"):  # neutralized cells restored, continued cells joined
            frame = _unflatten(read_spreadsheet(path, dtype=str, keep_default_na=False))
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
            if "labels" in frame and pd.api.types.is_string_dtype(frame["labels"]):  # flat, as tables.py writes
                frame = _unflatten(frame)
        elif suffix == ".dta":
            frame = _unflatten(pd.read_stata(path, convert_categoricals=False))
        else:
            raise InputError(str(path), f"unknown tagged file type {suffix!r} (use .jsonl, .csv, .xlsx, .parquet "
                                        "or .dta)")
    except InputError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    except Exception as exc:  # pyarrow/openpyxl raise their own types for corrupt files
        raise InputError(str(path), f"cannot read: {type(exc).__name__}: {exc}") from None
    if len(frame) and "labels" not in frame.columns:
        raise InputError(str(path), "not a tagged file (no 'labels' field); run `policytag tag` on it first")
    if "path" not in frame.columns:
        frame["path"] = str(path)
    frame["source"] = str(path)
    return frame


def _read_jsonl(path: Path, errors: list[InputError] | None) -> list[dict[str, Any]]:
    records = []
    with open(path, encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not a JSON object")
                orjson.dumps(record)  # refuses what no output can hold: lone surrogates, ints over 64 bits
            except (ValueError, RecursionError, TypeError) as exc:  # RecursionError: nested too deeply
                err = InputError(str(path), f"bad JSON line: {exc}", line=number)
                if errors is None:
                    raise err from None
                errors.append(err)
                continue
            records.append(_flat_meta(record))
    return records


def _flat_meta(record: dict[str, Any]) -> dict[str, Any]:
    """Meta fields as top-level keys (``meta.title`` is kept prefixed if ``title`` is taken)."""
    meta = record.pop("meta", None) or {}
    for key, value in meta.items():
        record[key if key not in record else f"meta.{key}"] = value
    return record


def _split(value: Any, sep: str = "|") -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return []
    return [part for part in str(value).split(sep) if part]


def _unflatten(frame: pd.DataFrame) -> pd.DataFrame:
    """A flat table written by ``policytag tag`` (CSV, XLSX, Parquet, .dta) back into record-like columns.

    Reads the columns of ``policytag.schema`` (``char_start``, ``score_监督``,
    ``term_categories``) and those of older versions (``start``, ``meta.place``, ``score.监督``).
    """
    frame = frame.rename(columns={c: c[5:] for c in frame.columns if c.startswith("meta.") and c[5:] not in frame})
    frame = frame.rename(columns={k: v for k, v in (("char_start", "start"), ("char_end", "end")) if v not in frame})
    for col in ("labels", "section"):
        if col in frame:
            frame[col] = frame[col].map(_split)
    canon = frame["terms"].map(_split) if "terms" in frame else pd.Series([[]] * len(frame), index=frame.index)
    surf = frame["term_surfaces"].map(_split) if "term_surfaces" in frame else canon
    cats = frame["term_categories"] if "term_categories" in frame else pd.Series([None] * len(frame), index=frame.index)
    terms = []
    for cs, ss, cat in zip(canon, surf, cats, strict=True):
        ss = ss if len(ss) == len(cs) else cs  # surfaces only when they line up with the canonical forms
        cat = str(cat).split("|") if isinstance(cat, str) and cat else []
        cat = cat if len(cat) == len(cs) else [None] * len(cs)
        terms.append([{"canonical": c, "term": s, "category": k or None} for c, s, k in zip(cs, ss, cat, strict=True)])
    frame["terms"] = terms
    score_cols = [c for c in frame.columns if isinstance(c, str) and c.startswith(("score.", "score_"))]
    if score_cols:
        values = frame[score_cols].apply(pd.to_numeric, errors="coerce")
        frame["scores"] = [{c[6:]: float(v) for c, v in zip(score_cols, row, strict=True) if pd.notna(v)}
                           for row in values.itertuples(index=False, name=None)]
    frame = frame.drop(columns=score_cols + ["term_surfaces", "term_categories"], errors="ignore")
    return frame.replace("", None)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return _split(value)
    try:
        return list(value)  # numpy arrays from parquet
    except TypeError:
        return []


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def _as_term(value: Any) -> dict[str, Any]:
    term = dict(value) if not isinstance(value, str) else {"canonical": value, "term": value}
    term.setdefault("term", term.get("canonical"))
    term.setdefault("canonical", term.get("term"))
    return term


def _years(frame: pd.DataFrame) -> pd.Series:
    """meta.year as an integer, else the first four digits of meta.date."""
    year = pd.to_numeric(frame["year"], errors="coerce")
    date = frame["date"].astype("string").str.slice(0, 4)
    from_date = pd.to_numeric(date.where(date.str.isdigit()), errors="coerce").astype("float64")
    year = year.astype("float64").fillna(from_date)
    return year.round().astype("Int64")


def normalize(frame: pd.DataFrame, section_level: int = 0) -> pd.DataFrame:
    """Uniform types whatever the source: lists, bools, int years, meta columns present."""
    frame = frame.copy()
    if "meta" in frame.columns:  # parquet keeps meta as a struct column
        meta = pd.DataFrame([dict(m) if m is not None else {} for m in frame.pop("meta")], index=frame.index)
        for col in meta.columns:
            frame[col if col not in frame else f"meta.{col}"] = meta[col]
    n = len(frame)
    for col, default in (("doc_id", None), ("text", ""), ("index", None), ("period", None)):
        if col not in frame:
            frame[col] = [default] * n
    frame["text"] = frame["text"].fillna("").astype(str)
    if frame["doc_id"].isna().any() and "path" in frame:
        frame["doc_id"] = frame["doc_id"].fillna(frame["path"])
    for col in ("labels", "section", "terms"):
        frame[col] = [_as_list(v) for v in frame[col]] if col in frame else [[] for _ in range(n)]
    frame["labels"] = [[str(x) for x in v] for v in frame["labels"]]
    frame["section"] = [[str(x) for x in v] for v in frame["section"]]
    frame["terms"] = [[_as_term(t) for t in v] for v in frame["terms"]]
    for col in _BOOL_COLUMNS:
        frame[col] = [_as_bool(v) for v in frame[col]] if col in frame else [False] * n
    for col in META_COLUMNS:
        if col not in frame:
            frame[col] = [None] * n
    frame["year"] = _years(frame)
    for col in ("index", "start", "end"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    frame["period"] = frame["period"].where(frame["period"].notna(), None)
    frame["section_top"] = [s[section_level] if len(s) > section_level else None for s in frame["section"]]
    frame["chars"] = frame["text"].str.len().astype("int64")
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------- tables


def group_columns(by: Sequence[str], frame: pd.DataFrame | None = None) -> list[str]:
    """Columns to group by: the names of ``GROUP_COLUMNS`` or any metadata field of the tagged files.

    A metadata field (``source``, ``party``, a sidecar's own column …) is checked against ``frame``
    when it is given: a field no tagged file has is a ConfigError naming the fields there are.
    """
    cols = []
    for key in by:
        col = GROUP_COLUMNS.get(key, key)
        if key not in GROUP_COLUMNS and (key in _UNGROUPABLE or not key.isidentifier()):
            raise ConfigError(f"cannot group by {key!r}; use one of {', '.join(GROUP_COLUMNS)} or a metadata field")
        if frame is not None and col not in frame.columns:
            fields = sorted(c for c in frame.columns if c not in _UNGROUPABLE and not c.startswith("_"))
            raise ConfigError(f"--by {key}: no tagged file has that field; fields there: {', '.join(fields)}")
        if col not in cols:
            cols.append(col)
    return cols


def label_order(frame: pd.DataFrame, preferred: Sequence[str] = ()) -> list[str]:
    """Configured labels first (in config order), then any others seen in the data."""
    seen = Counter(label for labels in frame["labels"] for label in labels)
    return list(preferred) + sorted(label for label in seen if label not in preferred)


def _groups(frame: pd.DataFrame, cols: list[str]) -> Iterable[tuple[tuple, pd.DataFrame]]:
    if not cols:
        yield (), frame
        return
    for key, part in frame.groupby(cols, dropna=False, sort=True):
        yield (key if isinstance(key, tuple) else (key,)), part


def _key_dict(cols: list[str], key: tuple) -> dict[str, Any]:
    return {col: (None if pd.isna(value) else value) for col, value in zip(cols, key, strict=True)}


def eligible(frame: pd.DataFrame, include_headings: bool = False) -> pd.DataFrame:
    """Paragraphs that count for function shares: headings and glossary entries out by default."""
    if include_headings:
        return frame
    return frame[~(frame["is_heading"] | frame["is_glossary"])]


def label_table(frame: pd.DataFrame, by: Sequence[str] = (), labels: Sequence[str] = (),
                include_headings: bool = False) -> pd.DataFrame:
    """One row per group × label: paragraphs, characters and their shares.

    ``share_paragraphs``/``share_chars`` divide by the group's totals (a paragraph
    with two labels counts for both, so shares can add up past 1);
    ``share_weighted`` splits a multi-label paragraph equally between its labels
    and adds the unlabeled ones as ``无标签``, so it sums to 1 per group.
    """
    cols = group_columns(by, frame)
    frame = eligible(frame, include_headings)
    order = label_order(frame, labels) + [NONE_LABEL]
    rows = []
    for key, part in _groups(frame, cols):
        n_par, n_chr = len(part), int(part["chars"].sum())
        par, chars, weighted = Counter(), Counter(), Counter()
        for labels_, length in zip(part["labels"], part["chars"], strict=True):
            names = labels_ or [NONE_LABEL]
            for label in set(names):
                par[label] += 1
                chars[label] += int(length)
                weighted[label] += 1 / len(set(names))
        for label in order:
            rows.append({**_key_dict(cols, key), "label": label, "paragraphs": par[label], "chars": chars[label],
                         "share_paragraphs": par[label] / n_par if n_par else 0.0,
                         "share_chars": chars[label] / n_chr if n_chr else 0.0,
                         "share_weighted": weighted[label] / n_par if n_par else 0.0,
                         "group_paragraphs": n_par, "group_chars": n_chr})
    return _typed(pd.DataFrame(rows, columns=[*cols, "label", "paragraphs", "chars", "share_paragraphs",
                                              "share_chars", "share_weighted", "group_paragraphs", "group_chars"]))


def _term_key(term: dict[str, Any]) -> tuple[str, Any, Any]:
    """A term is counted per (canonical, category, dictionary): one phrase may count for two categories."""
    return term["canonical"], term.get("category") or None, term.get("dictionary") or None


def term_table(frame: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """One row per group × term (canonical form, category, dictionary): occurrences, paragraphs, per 10,000 characters.

    Every paragraph counts here (a term in a heading is still a mention); the
    denominator is all characters of the group's paragraphs.
    """
    cols = group_columns(by, frame)
    rows = []
    for key, part in _groups(frame, cols):
        n_chr = int(part["chars"].sum())
        count, paragraphs = Counter(), Counter()
        for terms in part["terms"]:
            keys = [_term_key(t) for t in terms]
            count.update(keys)
            paragraphs.update(set(keys))
        for (canonical, category, dictionary), n in sorted(count.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            rows.append({**_key_dict(cols, key), "term": canonical, "category": category, "dictionary": dictionary,
                         "count": n, "paragraphs": paragraphs[(canonical, category, dictionary)],
                         "per_10k_chars": n / n_chr * 10_000 if n_chr else 0.0, "group_chars": n_chr})
    return _typed(pd.DataFrame(rows, columns=[*cols, "term", "category", "dictionary", "count", "paragraphs",
                                              "per_10k_chars", "group_chars"]))


def _category(term: dict[str, Any], depth: int | None = None) -> str | None:
    category = term.get("category") or None
    if category and depth:
        category = "/".join(category.split("/")[:depth])
    return category


def category_table(frame: pd.DataFrame, by: Sequence[str] = (), depth: int | None = None) -> pd.DataFrame:
    """One row per group × lexicon category: term occurrences, paragraphs with one, distinct terms, per 10k chars.

    Categories are whatever the lexicon (the user's) calls them; ``depth`` cuts nested paths
    (``经济/营商环境`` -> ``经济`` with depth 1). Every category seen anywhere gets a row in
    every group (0 where absent), so groups compare.
    """
    cols = group_columns(by, frame)
    seen = sorted({c for ts in frame["terms"] for t in ts if (c := _category(t, depth))})
    rows = []
    for key, part in _groups(frame, cols):
        n_chr = int(part["chars"].sum())
        count, paragraphs, distinct = Counter(), Counter(), {}
        for terms in part["terms"]:
            cats = [_category(t, depth) for t in terms]
            count.update(c for c in cats if c)
            paragraphs.update({c for c in cats if c})
            for t, c in zip(terms, cats, strict=True):
                if c:
                    distinct.setdefault(c, set()).add(t["canonical"])
        for category in seen:
            n = count[category]
            rows.append({**_key_dict(cols, key), "category": category, "count": n, "paragraphs": paragraphs[category],
                         "terms": len(distinct.get(category, ())),
                         "per_10k_chars": n / n_chr * 10_000 if n_chr else 0.0, "group_chars": n_chr})
    return _typed(pd.DataFrame(rows, columns=[*cols, "category", "count", "paragraphs", "terms", "per_10k_chars",
                                              "group_chars"]))


def category_function_table(frame: pd.DataFrame, by: Sequence[str] = (), labels: Sequence[str] = (),
                            include_headings: bool = False, depth: int | None = None) -> pd.DataFrame:
    """Lexicon category × label: in how many paragraphs of each label a term of the category appears."""
    cols = group_columns(by, frame)
    frame = eligible(frame, include_headings)
    order = label_order(frame, labels) + [NONE_LABEL]
    rows = []
    for key, part in _groups(frame, cols):
        cells: dict[str, Counter] = {}
        for labels_, terms in zip(part["labels"], part["terms"], strict=True):
            for category in {c for t in terms if (c := _category(t, depth))}:
                cell = cells.setdefault(category, Counter())
                cell["paragraphs"] += 1
                for label in set(labels_) or {NONE_LABEL}:
                    cell[label] += 1
        for category, cell in sorted(cells.items(), key=lambda kv: (-kv[1]["paragraphs"], kv[0])):
            rows.append({**_key_dict(cols, key), "category": category, "paragraphs": cell["paragraphs"],
                         **{label: cell[label] for label in order}})
    return _typed(pd.DataFrame(rows, columns=[*cols, "category", "paragraphs", *order]))


def term_function_table(frame: pd.DataFrame, by: Sequence[str] = (), labels: Sequence[str] = (),
                        include_headings: bool = False) -> pd.DataFrame:
    """Canonical term × label: in how many paragraphs of each label the term appears."""
    cols = group_columns(by, frame)
    frame = eligible(frame, include_headings)
    order = label_order(frame, labels) + [NONE_LABEL]
    rows = []
    for key, part in _groups(frame, cols):
        cells: dict[tuple, Counter] = {}
        for labels_, terms in zip(part["labels"], part["terms"], strict=True):
            for term_key in {_term_key(t) for t in terms}:
                cell = cells.setdefault(term_key, Counter())
                cell["paragraphs"] += 1
                for label in set(labels_) or {NONE_LABEL}:
                    cell[label] += 1
        for (canonical, category, _), cell in sorted(cells.items(), key=lambda kv: (-kv[1]["paragraphs"],
                                                                                     str(kv[0]))):
            rows.append({**_key_dict(cols, key), "term": canonical, "category": category,
                         "paragraphs": cell["paragraphs"], **{label: cell[label] for label in order}})
    return _typed(pd.DataFrame(rows, columns=[*cols, "term", "category", "paragraphs", *order]))


def _matches(term: dict[str, Any], wanted: str) -> bool:
    """A term counts for ``wanted`` when it is its canonical or surface form, or its category (or a parent of it)."""
    if term.get("canonical") == wanted or term.get("term") == wanted:
        return True
    category = term.get("category") or ""
    return category == wanted or category.startswith(wanted + "/")


def first_mention_table(frame: pd.DataFrame, wanted: Sequence[str]) -> pd.DataFrame:
    """For each place × TERM: first year it appears, total mentions, and a count per year.

    Year columns (``y2019``, ``y2020`` …) hold the mentions that year; they are empty (NA) where the place
    has no report that year, so 0 means "a report, but no mention". A TERM that
    no lexicon match carries (not a canonical form, not a surface form, not a
    category anywhere) is counted as plain text occurrences instead; ``matched_by``
    says which. A category name counts every term of that category (and its sub-categories).
    """
    frame = frame[frame["year"].notna()]
    years = sorted(int(y) for y in frame["year"].unique())
    extra = [c for c in ("province", "level") if frame[c].notna().any()]
    rows = []
    for word in wanted:
        by_lexicon = any(_matches(t, word) for terms in frame["terms"] for t in terms)
        if by_lexicon:
            counts = frame["terms"].map(lambda terms, w=word: sum(_matches(t, w) for t in terms))
        else:
            counts = frame["text"].str.count(_escape_regex(word))
        part = frame.assign(_n=counts.to_numpy())
        for place, rows_ in part.groupby("place", dropna=False, sort=True):
            per_year = rows_.groupby("year")["_n"].sum()
            hits = per_year[per_year > 0]
            first_year = int(hits.index.min()) if len(hits) else None
            first_doc = None
            if first_year is not None:
                docs = rows_[(rows_["year"] == first_year) & (rows_["_n"] > 0)]["doc_id"]
                first_doc = str(sorted(docs.astype(str))[0])
            row = {"place": None if pd.isna(place) else place}
            for col in extra:
                values = rows_[col].dropna()
                row[col] = values.iloc[0] if len(values) else None
            row.update(term=word, matched_by="lexicon" if by_lexicon else "text", first_year=first_year,
                       first_doc=first_doc, total=int(rows_["_n"].sum()))
            for year in years:
                row[f"y{year}"] = int(per_year[year]) if year in per_year.index else None
            rows.append(row)
    year_cols = [f"y{year}" for year in years]  # y2019: a name R, Stata and SQL take as it is
    columns = ["place", *extra, "term", "matched_by", "first_year", "first_doc", "total", *year_cols]
    table = pd.DataFrame(rows, columns=columns)
    for col in ["first_year", "total", *year_cols]:
        table[col] = table[col].astype("Int64")
    return table


def _escape_regex(word: str) -> str:
    import re

    return re.escape(word)


def term_year_table(frame: pd.DataFrame, terms: Sequence[str] = (), top: int = 8) -> pd.DataFrame:
    """Per year × term: count and per 10,000 characters (for the trend chart).

    ``terms`` picks the terms (canonical or surface forms); otherwise the ``top``
    most frequent canonical terms overall.
    """
    frame = frame[frame["year"].notna()]
    if not len(frame):
        return pd.DataFrame(columns=["year", "term", "count", "per_10k_chars"])
    if not terms:
        totals = Counter(t["canonical"] for ts in frame["terms"] for t in ts)
        terms = [t for t, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    chars = frame.groupby("year")["chars"].sum()
    wanted = set(terms)
    per_year: dict[tuple[str, int], int] = Counter()
    for year, found in zip(frame["year"], frame["terms"], strict=True):  # one pass over the paragraphs
        for term in found:
            for word in {term.get("canonical"), term.get("term")} & wanted:
                per_year[word, int(year)] += 1
    years = sorted(int(y) for y in chars.index)
    rows = []
    for word in terms:
        for year in years:
            total = int(chars[year])
            n = per_year[word, year]
            rows.append({"year": year, "term": word, "count": n, "per_10k_chars": n / total * 10_000 if total else 0.0})
    return pd.DataFrame(rows)


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes so every output format round-trips the same values."""
    if "year" in table:
        table["year"] = table["year"].astype("Int64")
    for col in table.columns:
        if table[col].dtype == object and col != "year":
            table[col] = table[col].where(table[col].notna(), None)
    return table


def compute_stats(frame: pd.DataFrame, by: Sequence[str] = (), labels: Sequence[str] = (),
                  include_headings: bool = False, first_mention: Sequence[str] = ()) -> dict[str, pd.DataFrame]:
    """All tables of ``policytag stats``, keyed by the name used in output files and sheets."""
    tables = {
        "labels": label_table(frame, by, labels, include_headings),
        "terms": term_table(frame, by),
        "categories": category_table(frame, by),
        "term_function": term_function_table(frame, by, labels, include_headings),
        "category_function": category_function_table(frame, by, labels, include_headings),
    }
    if first_mention:
        tables["first_mention"] = first_mention_table(frame, first_mention)
    return tables


# --------------------------------------------------------------------------- writing


def table_format(path: str | Path, explicit: str | None = None) -> str:
    fmt = (explicit or Path(path).suffix.lstrip(".")).lower()
    fmt = {"pq": "parquet", "xls": "xlsx"}.get(fmt, fmt)
    if fmt not in TABLE_FORMATS:
        raise ConfigError(f"unknown stats output format {fmt!r} for {path}; use one of {', '.join(TABLE_FORMATS)}"
                          " (by extension or --format)")
    return fmt


def table_paths(path: str | Path, fmt: str, names: Iterable[str]) -> dict[str, Path]:
    """Where each table goes: ``stats.csv`` -> ``stats_labels.csv``, ``stats_terms.csv`` ...

    xlsx and json keep every table in the one file ``path``.
    """
    path = Path(path)
    if fmt in ("xlsx", "json"):
        return {name: path for name in names}
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return {name: path.with_name(f"{stem}_{name}.{fmt}") for name in names}


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_tables(tables: dict[str, pd.DataFrame], path: str | Path, fmt: str, raw_cells: bool = False) -> list[Path]:
    """Write every table atomically with its codebook; returns the files written.

    csv/parquet/dta: one file per table and ``OUT_codebook.csv``; xlsx: one sheet per
    table and a ``codebook`` sheet (see ``policytag.schema``). CSV and XLSX cells are
    neutralized against formula injection unless ``raw_cells``
    (see ``policytag.write.spreadsheet_cell``).
    """
    from . import schema as tb

    targets = table_paths(path, fmt, tables)
    if fmt == "json":
        doc = {name: [{k: _json_value(v) for k, v in row.items()} for row in table.to_dict("records")]
               for name, table in tables.items()}
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return [Path(path)]
    described = {name: (tb.stats_columns(name, table), list(_frame_rows(table)))
                 for name, table in tables.items()}
    codebook = tb.codebook_path(path)
    tb.write_tables(described, targets, fmt, codebook, raw_cells)  # xlsx: a codebook sheet instead
    written = list(dict.fromkeys(targets.values()))
    return written if fmt == "xlsx" else [*written, codebook]
