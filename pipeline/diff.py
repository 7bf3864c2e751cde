"""What changed between two reports (e.g. one place, consecutive years).

Paragraphs are paired one to one by similarity (rapidfuzz's normalized
Indel similarity for every pair, then the assignment with the highest total,
pairs below ``min_similarity`` left unpaired), so a paragraph that moved is
still found. Each paragraph is ``kept`` (same text), ``rewritten`` (paired,
with a character diff), ``new`` or ``dropped``; a paired paragraph out of the
old order is marked ``moved``. Beside them: lexicon terms new and dropped,
label shares and activity indicators side by side.

>>> rows = align_paragraphs(["甲乙丙丁戊己。", "旧的一段。"], ["甲乙丙丁戊庚。", "全新的内容在这里。"])
>>> [(r.status, r.old, r.new) for r in rows]
[('rewritten', 0, 0), ('new', None, 1), ('dropped', 1, None)]
>>> char_diff("召开会议12次", "召开会议15次")
[('equal', '召开会议1'), ('delete', '2'), ('insert', '5'), ('equal', '次')]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .corpus import DocInfo, OffsetMap, Para, doc_info, is_tagged
from .errors import ConfigError, InputError

PARAGRAPH_COLUMNS = ["status", "moved", "similarity", "old_index", "new_index", "old_start", "old_end", "new_start",
                     "new_end", "chars_deleted", "chars_inserted", "old_text", "new_text", "changes"]
TERM_COLUMNS = ["term", "category", "status", "old_count", "new_count"]
LABEL_COLUMNS = ["label", "old_paragraphs", "new_paragraphs", "old_share", "new_share", "change"]
INDICATOR_COLUMNS = ["indicator", "label", "period", "unit", "old_value", "new_value", "change", "old_evidence",
                     "new_evidence"]


# --------------------------------------------------------------------------- paragraphs


@dataclass
class Row:
    status: str  # kept / rewritten / new / dropped
    old: int | None
    new: int | None
    similarity: float | None = None
    moved: bool = False


def align_paragraphs(old: list[str], new: list[str], min_similarity: float = 0.5) -> list[Row]:
    """Rows in reading order of the new report; dropped paragraphs where they stood in the old one."""
    from rapidfuzz.distance import Indel
    from rapidfuzz.process import cdist
    from scipy.optimize import linear_sum_assignment

    pairs: dict[int, tuple[int, float]] = {}
    if old and new:
        sim = cdist(old, new, scorer=Indel.normalized_similarity, dtype=np.float32)
        sim[sim < min_similarity] = 0.0
        rows, cols = linear_sum_assignment(-sim)
        pairs = {int(j): (int(i), float(sim[i, j])) for i, j in zip(rows, cols, strict=True) if sim[i, j] > 0}
    in_order = _increasing([pairs[j][0] for j in sorted(pairs)])
    out: list[Row] = []
    emitted: set[int] = set()
    matched_old = {i for i, _ in pairs.values()}
    for j in range(len(new)):
        if j not in pairs:
            out.append(Row("new", None, j))
            continue
        i, s = pairs[j]
        for k in range(i):  # old paragraphs before this one that found no partner
            if k not in matched_old and k not in emitted:
                out.append(Row("dropped", k, None))
                emitted.add(k)
        same = old[i] == new[j]
        out.append(Row("kept" if same else "rewritten", i, j, round(s, 4), moved=i not in in_order))
    for k in range(len(old)):
        if k not in matched_old and k not in emitted:
            out.append(Row("dropped", k, None))
    return out


def _increasing(seq: list[int]) -> set[int]:
    """Values of a longest increasing subsequence: the paragraphs that kept their order."""
    import bisect

    tails: list[int] = []
    tails_at: list[int] = []
    parent = [-1] * len(seq)
    for n, x in enumerate(seq):
        k = bisect.bisect_left(tails, x)
        if k == len(tails):
            tails.append(x)
            tails_at.append(n)
        else:
            tails[k], tails_at[k] = x, n
        parent[n] = tails_at[k - 1] if k else -1
    out, n = set(), tails_at[-1] if tails_at else -1
    while n >= 0:
        out.add(seq[n])
        n = parent[n]
    return out


def char_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(equal|delete|insert, text) pieces turning ``old`` into ``new``."""
    from rapidfuzz.distance import Indel

    out: list[tuple[str, str]] = []
    deleted, inserted = [], []  # a change reads best as all that went, then all that came
    for tag, i1, i2, j1, j2 in (tuple(op) for op in Indel.opcodes(old, new)):
        if tag == "equal":
            out.extend(_change(deleted, inserted))
            out.append(("equal", old[i1:i2]))
        else:
            deleted.append(old[i1:i2])
            inserted.append(new[j1:j2])
    out.extend(_change(deleted, inserted))
    return out


def _change(deleted: list[str], inserted: list[str]) -> list[tuple[str, str]]:
    out = [(tag, "".join(parts)) for tag, parts in (("delete", deleted), ("insert", inserted)) if "".join(parts)]
    deleted.clear()
    inserted.clear()
    return out


def diff_markup(pieces: list[tuple[str, str]]) -> str:
    """The diff as plain text for a CSV cell: [-deleted-]{+inserted+}."""
    return "".join(t if tag == "equal" else (f"[-{t}-]" if tag == "delete" else f"{{+{t}+}}") for tag, t in pieces)


# --------------------------------------------------------------------------- one side


@dataclass
class Side:
    path: str
    info: DocInfo
    paras: list[Para]
    frame: pd.DataFrame  # stats.normalize'd records (label shares)
    hits: list[Any] | None = None  # indicator hits, None when the original could not be read
    notes: list[str] = field(default_factory=list)


def load_side(path: str, config: dict[str, Any]) -> Side:
    """A report (read and tagged here) or a tagged file holding one document."""
    from . import stats

    if not Path(path).exists():
        raise InputError(path, "file not found")
    if is_tagged(path):
        from .corpus import load_tagged_docs

        docs = load_tagged_docs(path, config=config)
        if len(docs) != 1:
            raise ConfigError(f"{path}: holds {len(docs)} documents; diff compares one with one (give a file per "
                              "report, or the reports themselves)")
        frame = stats.load_tagged([path])
        doc = docs[0]
        side = Side(path, doc.info, doc.paras, frame)
        side.hits = _hits_from_original(doc.info.path, config, side)
        return side
    from .tagger import Tagger

    tagger = Tagger(config)
    document = tagger.read(path)
    paragraphs = tagger.tag_document(document)
    records = [stats._flat_meta(p.to_dict()) for p in paragraphs]
    frame = stats.normalize(pd.DataFrame(records)) if records else stats.load_tagged([])
    info = doc_info(document.doc_id, document.path, dict(document.meta))
    paras = [Para(p.index, p.text, OffsetMap.from_offsets(p.body.offsets), p.period, p.is_heading, list(p.labels),
                  [t.to_dict() for t in p.terms]) for p in paragraphs]
    side = Side(path, info, paras, frame)
    side.hits = _indicator_hits(document, config)
    return side


def _indicator_hits(document: Any, config: dict[str, Any]) -> list[Any]:
    from .indicators import extract

    return extract(document, config, first=True)


def _hits_from_original(path: str, config: dict[str, Any], side: Side) -> list[Any] | None:
    from .read import read_path

    if not path or not Path(path).is_file() or is_tagged(path):
        side.notes.append(f"indicators of {side.path} not compared: its original report ({path}) was not found")
        return None
    try:
        return _indicator_hits(read_path(path, config), config)
    except InputError as exc:
        side.notes.append(f"indicators of {side.path} not compared: {exc}")
        return None


# --------------------------------------------------------------------------- the comparison


@dataclass
class DiffResult:
    old: Side
    new: Side
    rows: list[Row]
    paragraphs: pd.DataFrame
    terms: pd.DataFrame
    labels: pd.DataFrame
    indicators: pd.DataFrame | None

    def counts(self) -> dict[str, int]:
        c = Counter(r.status for r in self.rows)
        return {k: c.get(k, 0) for k in ("kept", "rewritten", "new", "dropped")} | {
            "moved": sum(r.moved for r in self.rows)}


def compare(old: Side, new: Side, labels: list[str], min_similarity: float = 0.5) -> DiffResult:
    rows = align_paragraphs([p.text for p in old.paras], [p.text for p in new.paras], min_similarity)
    return DiffResult(old, new, rows, _paragraph_table(old, new, rows), _term_table(old, new),
                      _label_table(old, new, labels), _indicator_table(old, new))


def _paragraph_table(old: Side, new: Side, rows: list[Row]) -> pd.DataFrame:
    out = []
    for r in rows:
        po = old.paras[r.old] if r.old is not None else None
        pn = new.paras[r.new] if r.new is not None else None
        pieces = char_diff(po.text, pn.text) if r.status == "rewritten" else []
        out.append({
            "status": r.status, "moved": r.moved, "similarity": r.similarity,
            "old_index": po.index if po else None, "new_index": pn.index if pn else None,
            "old_start": po.omap.raw(0) if po else None, "old_end": po.omap.raw_end(len(po.text)) if po else None,
            "new_start": pn.omap.raw(0) if pn else None, "new_end": pn.omap.raw_end(len(pn.text)) if pn else None,
            "chars_deleted": sum(len(t) for tag, t in pieces if tag == "delete"),
            "chars_inserted": sum(len(t) for tag, t in pieces if tag == "insert"),
            "old_text": po.text if po else None, "new_text": pn.text if pn else None,
            "changes": diff_markup(pieces) if pieces else None,
        })
    table = pd.DataFrame(out, columns=PARAGRAPH_COLUMNS)
    for col in ("old_index", "new_index", "old_start", "old_end", "new_start", "new_end"):
        table[col] = table[col].astype("Int64")
    return table


def _term_counts(side: Side) -> tuple[Counter, dict[str, Any]]:
    counts: Counter = Counter()
    category: dict[str, Any] = {}
    for p in side.paras:
        for t in p.terms:
            canonical = t.get("canonical") or t.get("term")
            if canonical:
                counts[canonical] += 1
                category.setdefault(canonical, t.get("category"))
    return counts, category


def _term_table(old: Side, new: Side) -> pd.DataFrame:
    co, cat_o = _term_counts(old)
    cn, cat_n = _term_counts(new)
    rows = []
    for term in set(co) | set(cn):
        status = "new" if not co[term] else ("dropped" if not cn[term] else "kept")
        rows.append({"term": term, "category": cat_n.get(term) or cat_o.get(term), "status": status,
                     "old_count": co[term], "new_count": cn[term]})
    order = {"new": 0, "dropped": 1, "kept": 2}
    rows.sort(key=lambda r: (order[r["status"]], -(r["new_count"] + r["old_count"]), r["term"]))
    return pd.DataFrame(rows, columns=TERM_COLUMNS)


def _label_table(old: Side, new: Side, labels: list[str]) -> pd.DataFrame:
    from .stats import label_table

    lo = label_table(old.frame, labels=labels).set_index("label") if len(old.frame) else None
    ln = label_table(new.frame, labels=labels).set_index("label") if len(new.frame) else None
    names = list(dict.fromkeys([*(lo.index if lo is not None else []), *(ln.index if ln is not None else [])]))
    rows = []
    for label in names:
        op = int(lo.loc[label, "paragraphs"]) if lo is not None and label in lo.index else 0
        np_ = int(ln.loc[label, "paragraphs"]) if ln is not None and label in ln.index else 0
        os_ = float(lo.loc[label, "share_weighted"]) if lo is not None and label in lo.index else 0.0
        ns = float(ln.loc[label, "share_weighted"]) if ln is not None and label in ln.index else 0.0
        rows.append({"label": label, "old_paragraphs": op, "new_paragraphs": np_, "old_share": round(os_, 4),
                     "new_share": round(ns, 4), "change": round(ns - os_, 4)})
    return pd.DataFrame(rows, columns=LABEL_COLUMNS)


def _indicator_table(old: Side, new: Side) -> pd.DataFrame | None:
    if old.hits is None or new.hits is None:
        return None

    def first(hits: list[Any]) -> dict[tuple[str, Any], Any]:
        out: dict[tuple[str, Any], Any] = {}
        for h in hits:
            out.setdefault((h.indicator, h.period), h)
        return out

    ho, hn = first(old.hits), first(new.hits)
    rows = []
    for key in sorted(set(ho) | set(hn), key=lambda k: (str(k[1]), k[0])):
        a, b = ho.get(key), hn.get(key)
        ref = b or a
        change = (b.value - a.value) if a is not None and b is not None and a.value is not None \
            and b.value is not None else None
        rows.append({"indicator": key[0], "label": ref.label, "period": key[1], "unit": ref.unit,
                     "old_value": a.value if a else None, "new_value": b.value if b else None, "change": change,
                     "old_evidence": a.evidence if a else None, "new_evidence": b.evidence if b else None})
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


# --------------------------------------------------------------------------- HTML


def render_html(result: DiffResult, title: str | None = None) -> str:
    """One self-contained page (Jinja2, every value autoescaped)."""
    from importlib import resources

    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(resources.files("policytag").joinpath("templates", "diff.html")
                               .read_text(encoding="utf-8"))
    old, new = result.old, result.new
    rows = []
    for r in result.rows:
        po = old.paras[r.old] if r.old is not None else None
        pn = new.paras[r.new] if r.new is not None else None
        rows.append({"status": r.status, "moved": r.moved, "similarity": r.similarity,
                     "old": po.text if po else None, "new": pn.text if pn else None,
                     "heading": bool((po and po.is_heading) or (pn and pn.is_heading)),
                     "pieces": char_diff(po.text, pn.text) if r.status == "rewritten" else None})
    return template.render(
        title=title or f"{_name(old.info)} → {_name(new.info)}",
        old=_side_view(old), new=_side_view(new), counts=result.counts(), rows=rows,
        terms=result.terms.to_dict("records"), labels=result.labels.to_dict("records"),
        indicators=None if result.indicators is None else result.indicators.to_dict("records"),
        notes=old.notes + new.notes,
    )


def _name(info: DocInfo) -> str:
    parts = [str(x) for x in (info.place, info.year) if x]
    return " ".join(parts) or info.doc_id


def _side_view(side: Side) -> dict[str, Any]:
    return {"name": _name(side.info), "doc_id": side.info.doc_id, "path": side.path, "place": side.info.place,
            "year": side.info.year, "paragraphs": len(side.paras), "chars": sum(len(p.text) for p in side.paras)}
