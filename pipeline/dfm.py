"""Document × feature matrices from tagged files, for stm, seededlda, keyATM or scikit-learn.

``build_dfm`` counts lexicon matches per document (or paragraph) and feature (a term, or a
category); the counts are the ones ``policytag stats`` reports (a term is keyed by canonical
form, category and dictionary, exactly as ``stats.term_table``). ``write_dfm`` writes

- ``OUT.mtx``: Matrix Market, integer, rows = documents, columns = features;
- ``OUT_docs.csv``: one row per matrix row, ``doc_id`` (and ``index`` by paragraph) and every
  metadata column, in row order;
- ``OUT_features.csv``: one row per matrix column: ``feature`` (unique name), ``term``,
  ``category``, ``dictionary``, ``count``.

In R: ``m <- Matrix::readMM("OUT.mtx"); docs <- read.csv("OUT_docs.csv", fileEncoding = "UTF-8-BOM");
feats <- read.csv("OUT_features.csv", fileEncoding = "UTF-8-BOM"); dimnames(m) <- list(docs$doc_id,
feats$feature); d <- quanteda::as.dfm(m)``. In Python: ``scipy.io.mmread("OUT.mtx").tocsr()``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError
from .stats import _category, _term_key

FEATURES = ("term", "category")
BY = ("doc", "paragraph")
_SKIP = {"text", "terms", "scores", "labels", "section", "source", "section_top", "tokens", "start", "end",
         "is_heading", "is_glossary", "chars"}


@dataclass
class DFM:
    matrix: Any  # scipy.sparse.csr_matrix, int64
    docs: pd.DataFrame
    features: pd.DataFrame


def build_dfm(frame: pd.DataFrame, features: str = "term", by: str = "doc", depth: int | None = None) -> DFM:
    """The matrix of a normalized tagged frame (``stats.load_tagged``)."""
    from scipy import sparse

    if features not in FEATURES:
        raise ConfigError(f"--features {features!r}: use one of {', '.join(FEATURES)}")
    if by not in BY:
        raise ConfigError(f"--by {by!r}: use one of {', '.join(BY)}")
    frame = frame.reset_index(drop=True)
    if by == "doc":
        row_keys = list(dict.fromkeys(frame["doc_id"].astype(str)))
        row_of = {k: i for i, k in enumerate(row_keys)}
        rows_index = [row_of[str(d)] for d in frame["doc_id"]]
    else:
        rows_index = list(range(len(frame)))
        row_keys = [str(d) for d in frame["doc_id"]]
    counts: Counter = Counter()
    for r, terms in zip(rows_index, frame["terms"], strict=True):
        for t in terms:
            key = _term_key(t) if features == "term" else _category(t, depth)
            if key:
                counts[(r, key)] += 1
    totals: Counter = Counter()
    for (_, key), n in counts.items():
        totals[key] += n
    order = sorted(totals, key=lambda k: (-totals[k], str(k)))
    col_of = {k: j for j, k in enumerate(order)}
    data = [n for n in counts.values()]
    ii = [r for r, _ in counts]
    jj = [col_of[k] for _, k in counts]
    matrix = sparse.coo_matrix((data, (ii, jj)), shape=(len(row_keys), len(order)), dtype="int64").tocsr()
    return DFM(matrix, _docs_table(frame, by, row_keys), _features_table(order, totals, features))


def _docs_table(frame: pd.DataFrame, by: str, row_keys: list[str]) -> pd.DataFrame:
    meta = [c for c in frame.columns if c not in _SKIP and c not in ("doc_id", "index") and frame[c].notna().any()
            and not c.startswith("score") and not (by == "doc" and c == "period")]  # period is per paragraph
    if by == "paragraph":
        out = pd.DataFrame({"doc_id": frame["doc_id"].astype(str), "index": frame["index"]})
        out["labels"] = ["|".join(v) for v in frame["labels"]]
        for col in meta:
            out[col] = frame[col]
        out["chars"] = frame["chars"]
        return out
    first = frame.assign(_doc=frame["doc_id"].astype(str)).groupby("_doc", sort=False)
    out = pd.DataFrame({"doc_id": row_keys})
    for col in meta:
        out[col] = first[col].first().reindex(row_keys).to_numpy()
    out["paragraphs"] = first.size().reindex(row_keys).to_numpy()
    out["chars"] = first["chars"].sum().reindex(row_keys).to_numpy()
    return out


def _features_table(order: list[Any], totals: Counter, features: str) -> pd.DataFrame:
    if features == "category":
        return pd.DataFrame({"feature": [str(k) for k in order], "category": order,
                             "count": [totals[k] for k in order]})
    names = Counter(k[0] for k in order)
    feature = [k[0] if names[k[0]] == 1 else f"{k[0]} [{k[1] or '-'}{'|' + k[2] if k[2] else ''}]" for k in order]
    return pd.DataFrame({"feature": feature, "term": [k[0] for k in order], "category": [k[1] for k in order],
                         "dictionary": [k[2] for k in order], "count": [totals[k] for k in order]})


def side_paths(output: str | Path) -> tuple[Path, Path]:
    """``OUT.mtx`` -> ``OUT_docs.csv``, ``OUT_features.csv``."""
    path = Path(output)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"{stem}_docs.csv"), path.with_name(f"{stem}_features.csv")


def write_dfm(dfm: DFM, output: str | Path, raw_cells: bool = False) -> list[Path]:
    """The three files, each written atomically; CSVs are UTF-8 with BOM, cells never formulas."""
    import scipy.io

    from .write import atomic_path, write_csv_frame

    out = Path(output)
    docs_path, feats_path = side_paths(out)
    with atomic_path(out) as tmp, open(tmp, "wb") as fh:
        scipy.io.mmwrite(fh, dfm.matrix, comment="policytag dfm: rows = OUT_docs.csv, columns = OUT_features.csv",
                         field="integer")
    for table, path in ((dfm.docs, docs_path), (dfm.features, feats_path)):
        write_csv_frame(table, path, raw_cells)
    return [out, docs_path, feats_path]
