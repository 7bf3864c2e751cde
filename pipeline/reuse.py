"""Text reuse between reports: paragraph pairs from different documents that share text.

Never all pairs. The stages:

1. **Units.** Each paragraph is cut at sentence ends into units of about
   ``unit_min``–``unit_max`` characters, so a sentence copied into a longer
   paragraph is still found.
2. **Signatures.** A MinHash signature per unit over its character
   ``shingle``-grams, computed with numpy for thousands of units at once, and
   cut into ``bands`` LSH keys of ``rows`` values each (32-bit).
3. **Candidates.** Units whose key agrees in some band are candidates (one
   sort per band). A bucket whose units come from at least
   ``boilerplate_docs(n)`` documents is boilerplate — greetings, loyalty
   formulas: those units are set aside (``boilerplate`` table) and give no
   pairs. Stages 1–2 run per batch of documents, in worker processes or on a
   Dask cluster when asked; stage 3 is a few sorts of 32-bit keys.
4. **Alignment.** Each candidate paragraph pair is aligned by rapidfuzz (LCS
   opcodes); the best-scoring stretches of it (matches +1, every character
   inserted or deleted −``gap``) are the shared spans. A span is kept when its
   shorter side has ``min_chars`` characters and its similarity
   (2 × matched / both lengths) is at least ``min_similarity``.

>>> a = "坚持问题导向，围绕优化营商环境开展专题询问，推动解决审批难题一百二十项，切实优化政务服务流程。"
>>> b = "我们围绕优化营商环境开展专题询问，推动解决审批难题九十项，切实优化政务服务流程，成效明显。"
>>> [(round(s.similarity, 2), b[s.b_start:s.b_end]) for s in align(a, b)]
[(0.95, '围绕优化营商环境开展专题询问，推动解决审批难题九十项，切实优化政务服务流程')]
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .corpus import DocInfo, LoadedDoc, OffsetMap

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class ReuseParams:
    shingle: int = 5  # characters per shingle
    bands: int = 20
    rows: int = 3  # MinHash values per band: bands × rows permutations
    unit_min: int = 40  # shorter sentences are joined to the next one
    unit_max: int = 120  # longer ones are cut at a comma
    min_chars: int = 30  # an aligned span is at least this long on both sides
    min_similarity: float = 0.8
    gap: float = 1.0  # alignment: cost of one inserted or deleted character
    min_docs: int = 5  # boilerplate: found in at least this many documents ...
    max_doc_share: float = 0.05  # ... and in more than this share of all documents
    seed: int = 20240101

    def boilerplate_docs(self, n_docs: int) -> int:
        """Documents a passage must be found in to count as boilerplate."""
        return max(self.min_docs, math.floor(self.max_doc_share * n_docs) + 1)


# --------------------------------------------------------------------------- units


_SENT_END = re.compile(r"[。！？!?；;][”’」』）)]*")
_COMMA = re.compile(r"[，,、：:]")


def unit_spans(text: str, params: ReuseParams) -> list[tuple[int, int]]:
    """(start, end) of the units of one paragraph; none for paragraphs under ``min_chars``.

    >>> unit_spans("甲" * 30 + "。" + "乙" * 50 + "。", ReuseParams())
    [(0, 82)]
    """
    n = len(text)
    if n < max(params.min_chars, params.shingle):
        return []
    cuts = [m.end() for m in _SENT_END.finditer(text)]
    pieces, start = [], 0
    for end in [*cuts, n]:
        if end <= start:
            continue
        pieces.extend(_cut_long(text, start, end, params.unit_max))
        start = end
    units: list[list[int]] = []
    for s, e in pieces:
        if units and units[-1][1] - units[-1][0] < params.unit_min:
            units[-1][1] = e  # join a short unit to what follows
        else:
            units.append([s, e])
    if len(units) > 1 and units[-1][1] - units[-1][0] < params.unit_min:
        last = units.pop()
        units[-1][1] = last[1]
    return [(s, e) for s, e in units if e - s >= params.shingle]


def _cut_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    out = []
    while end - start > limit:
        commas = [m.end() for m in _COMMA.finditer(text, start + limit // 2, start + limit)]
        cut = commas[-1] if commas else start + limit
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


# --------------------------------------------------------------------------- signatures


def _hash_params(params: ReuseParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(params.seed)
    n = params.bands * params.rows
    a = rng.integers(1, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=n, dtype=np.uint64)
    mix = rng.integers(1, 2**63, size=params.rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    return a, b, mix


def _shingle_hashes(joined: str, k: int) -> np.ndarray:
    """A 64-bit hash of every k-character window of ``joined`` (polynomial, then mixed)."""
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cps) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * prime + cps[j : j + n]
        h ^= h >> np.uint64(31)
        h *= np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(29)
    return h


def band_keys(texts: Sequence[str], params: ReuseParams, block: int = 400_000) -> np.ndarray:
    """LSH keys of unit texts: an array (len(texts), bands) of uint32.

    All texts are hashed together (one pass of numpy per shingle position and
    permutation, not per text); every text must have at least ``shingle`` characters.
    """
    out = np.zeros((len(texts), params.bands), dtype=np.uint32)
    start = 0
    while start < len(texts):  # blocks of about ``block`` shingles bound the memory
        stop, size = start, 0
        while stop < len(texts) and (size < block or stop == start):
            size += len(texts[stop])
            stop += 1
        out[start:stop] = _band_keys_block(texts[start:stop], params)
        start = stop
    return out


def _band_keys_block(texts: Sequence[str], params: ReuseParams) -> np.ndarray:
    k = params.shingle
    lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    if (lens < k).any():
        raise ValueError(f"every unit needs at least {k} characters")
    h = _shingle_hashes("".join(texts), k)
    counts = lens - k + 1
    text_starts = np.cumsum(lens) - lens
    seg = np.cumsum(counts) - counts
    pos = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(seg - text_starts, counts)
    hv = h[pos]
    a, b, mix = _hash_params(params)
    sig = np.empty((len(a), len(texts)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for lo in range(0, len(a), 8):
            vals = (a[lo : lo + 8, None] * hv[None, :] + b[lo : lo + 8, None]) >> np.uint64(32)
            sig[lo : lo + 8] = np.minimum.reduceat(vals, seg, axis=1)
        sig = sig.reshape(params.bands, params.rows, len(texts))
        keys = (sig * mix[None, :, None]).sum(axis=1)  # wraps mod 2**64
        keys ^= keys >> np.uint64(29)
        keys *= np.uint64(0xBF58476D1CE4E5B9)
    return (keys >> np.uint64(32)).astype(np.uint32).T.copy()


def sign_paragraphs(texts: Sequence[str], params: ReuseParams) -> tuple[np.ndarray, np.ndarray]:
    """(paragraph number of each unit, band keys of the units) for paragraphs' texts."""
    owner: list[int] = []
    units: list[str] = []
    for i, text in enumerate(texts):
        for s, e in unit_spans(text, params):
            owner.append(i)
            units.append(text[s:e])
    keys = band_keys(units, params) if units else np.zeros((0, params.bands), dtype=np.uint32)
    return np.asarray(owner, dtype=np.int32), keys


# --------------------------------------------------------------------------- the corpus in columns


@dataclass
class Corpus:
    """Every document's paragraphs in columns (compact for millions of paragraphs)."""

    docs: list[DocInfo] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    maps: list[OffsetMap] = field(default_factory=list)
    para_index: array = field(default_factory=lambda: array("q"))  # compact: millions of paragraphs
    periods: list[str | None] = field(default_factory=list)
    para_doc: array = field(default_factory=lambda: array("q"))
    unit_para: list[np.ndarray] = field(default_factory=list)
    unit_keys: list[np.ndarray] = field(default_factory=list)

    def add(self, doc: LoadedDoc, owner: np.ndarray | None = None, keys: np.ndarray | None = None) -> None:
        """Add a document; ``owner``/``keys`` are its units (computed here when not given)."""
        d = len(self.docs)
        base = len(self.texts)
        self.docs.append(doc.info)
        for p in doc.paras:
            self.texts.append(p.text)
            self.maps.append(p.omap)
            self.para_index.append(p.index)
            self.periods.append(p.period)
            self.para_doc.append(d)
        if owner is None:
            raise ValueError("units missing: sign the paragraphs first (sign_paragraphs)")
        self.unit_para.append(owner.astype(np.int64) + base)
        self.unit_keys.append(keys)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(unit -> paragraph, unit keys, paragraph -> document); the per-document parts are joined once."""
        bands = self.unit_keys[0].shape[1] if self.unit_keys else 0
        unit_para = np.concatenate(self.unit_para) if self.unit_para else np.zeros(0, dtype=np.int64)
        keys = np.concatenate(self.unit_keys) if self.unit_keys else np.zeros((0, bands), dtype=np.uint32)
        self.unit_para, self.unit_keys = [unit_para], [keys]  # keep one copy, not two
        return unit_para, keys, np.frombuffer(self.para_doc, dtype=np.int64) if len(self.para_doc) else \
            np.zeros(0, dtype=np.int64)


# --------------------------------------------------------------------------- candidates


def _runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of every run of two or more equal values."""
    if not len(sorted_keys):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(np.diff(sorted_keys)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(sorted_keys)]])
    many = ends - starts >= 2
    return starts[many], ends[many]


def boilerplate_units(keys: np.ndarray, unit_doc: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
    """Units in a bucket that spans ``threshold`` documents or more (any band).

    Returns (mask over units, edges joining units of one such bucket, for grouping).
    """
    mask = np.zeros(len(unit_doc), dtype=bool)
    edges: list[np.ndarray] = []
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        starts, ends = _runs(keys[order, band])
        big = ends - starts >= threshold
        for s, e in zip(starts[big], ends[big], strict=True):
            units = order[s:e]
            if len(np.unique(unit_doc[units])) >= threshold:
                mask[units] = True
                edges.append(np.stack([units[:-1], units[1:]], axis=1))
    return mask, (np.concatenate(edges) if edges else np.zeros((0, 2), dtype=np.int64))


def candidate_pairs(keys: np.ndarray, unit_para: np.ndarray, para_doc: np.ndarray,
                    skip: np.ndarray | None = None) -> np.ndarray:
    """Paragraph pairs (a < b, different documents) that share a band key: array (n, 2).

    Per band one sort; the pairs inside each bucket are made for all buckets of
    one size at once (a bucket of s units gives s(s-1)/2 pairs).
    """
    keep = np.flatnonzero(~skip) if skip is not None else np.arange(len(unit_para))
    found: list[np.ndarray] = []
    n_paras = max(int(para_doc.shape[0]), 1)
    for band in range(keys.shape[1]):
        order = keep[np.argsort(keys[keep, band], kind="stable")]
        starts, ends = _runs(keys[order, band])
        sizes = ends - starts
        for size in np.unique(sizes):
            firsts = starts[sizes == size]
            ia, ib = np.triu_indices(int(size), k=1)
            units = order[firsts[:, None] + np.arange(size)[None, :]]  # (buckets, size)
            paras = unit_para[units]
            found.append(_encode(paras[:, ia].ravel(), paras[:, ib].ravel(), para_doc, n_paras))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(found))
    return np.stack([codes // n_paras, codes % n_paras], axis=1)


def _encode(pa: np.ndarray, pb: np.ndarray, para_doc: np.ndarray, n_paras: int) -> np.ndarray:
    lo, hi = np.minimum(pa, pb), np.maximum(pa, pb)
    other = para_doc[lo] != para_doc[hi]
    return lo[other] * n_paras + hi[other]


# --------------------------------------------------------------------------- alignment


@dataclass(frozen=True)
class Span:
    """One aligned stretch: positions in the two paragraphs' texts, characters matched."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched: int

    @property
    def similarity(self) -> float:
        return 2 * self.matched / ((self.a_end - self.a_start) + (self.b_end - self.b_start))


def align(a: str, b: str, min_chars: int = 30, min_similarity: float = 0.8, gap: float = 1.0) -> list[Span]:
    """The shared stretches of two texts, longest first, each passing both thresholds."""
    from rapidfuzz.distance import Indel

    ops = [tuple(op) for op in Indel.opcodes(a, b)]
    spans: list[Span] = []
    stack = [(0, len(ops))]
    while stack:
        lo, hi = stack.pop()
        best = _best_run(ops, lo, hi, gap)
        if best is None:
            continue
        first, last = _trim(ops, *best)
        span = _span(ops, first, last)
        if min(span.a_end - span.a_start, span.b_end - span.b_start) < min_chars:
            continue  # the best stretch here is too short: so is every other one
        if span.similarity >= min_similarity:
            spans.append(span)
        stack.extend([(lo, first), (last + 1, hi)])
    return sorted(spans, key=lambda s: (-(s.a_end - s.a_start), s.a_start))


def _best_run(ops: list[tuple], lo: int, hi: int, gap: float) -> tuple[int, int] | None:
    """Kadane over the opcodes: the stretch with the highest (matched − gap × unmatched)."""
    best, best_range = 0.0, None
    score, start = 0.0, lo
    for i in range(lo, hi):
        tag, i1, i2, j1, j2 = ops[i]
        if tag == "equal":
            if score <= 0:
                score, start = 0.0, i
            score += i2 - i1
            if score > best:
                best, best_range = score, (start, i)
        else:
            score -= gap * ((i2 - i1) + (j2 - j1))
    return best_range


def _trim(ops: list[tuple], first: int, last: int, edge: int = 6) -> tuple[int, int]:
    """Drop short matches cut off by a gap at either end (人大常委会 after 市/省 is chance, not reuse)."""
    def short(i: int) -> bool:
        return ops[i][0] == "equal" and ops[i][2] - ops[i][1] < edge

    while last > first and short(last) and ops[last - 1][0] != "equal":
        last -= 1
        while last > first and ops[last][0] != "equal":
            last -= 1
    while first < last and short(first) and ops[first + 1][0] != "equal":
        first += 1
        while first < last and ops[first][0] != "equal":
            first += 1
    return first, last


def _span(ops: list[tuple], first: int, last: int) -> Span:
    matched = sum(op[2] - op[1] for op in ops[first : last + 1] if op[0] == "equal")
    return Span(ops[first][1], ops[last][2], ops[first][3], ops[last][4], matched)


# --------------------------------------------------------------------------- relation, direction


def _level_rank(code: str) -> int:
    from .regions import level_of

    return {"省": 0, "市": 1}.get(level_of(code), 2)


def contains(upper: str, lower: str) -> bool:
    """Whether region ``upper`` contains region ``lower`` (province ⊃ city ⊃ county), by GB/T 2260 code."""
    if upper == lower or len(upper) != 6 or len(lower) != 6:
        return False
    rank_u, rank_l = _level_rank(upper), _level_rank(lower)
    if rank_u >= rank_l:
        return False
    return lower.startswith(upper[:2] if rank_u == 0 else upper[:4])


def relation(a: DocInfo, b: DocInfo) -> tuple[str, str | None]:
    """(relation, which side is the higher level for vertical ones).

    ``same-place`` (same region code, or same place name when codes are unknown),
    ``vertical`` (one contains the other), ``horizontal`` (same level, different
    places), ``other`` (different levels, neither contains the other) or
    ``unknown`` (a region code is missing).
    """
    if a.region_code and b.region_code:
        if a.region_code == b.region_code:
            return "same-place", None
        if contains(a.region_code, b.region_code):
            return "vertical", "a"
        if contains(b.region_code, a.region_code):
            return "vertical", "b"
        if _level_rank(a.region_code) == _level_rank(b.region_code):
            return "horizontal", None
        return "other", None
    if a.place and b.place and a.place == b.place:
        return "same-place", None
    return "unknown", None


def direction(a: DocInfo, b: DocInfo) -> str:
    """``a->b`` when A's report is from an earlier year than B's, else ``unknown``."""
    if a.year is not None and b.year is not None and a.year < b.year:
        return "a->b"
    return "unknown"


# --------------------------------------------------------------------------- the whole search


PAIR_COLUMNS = [
    "a_doc_id", "a_place", "a_level", "a_province", "a_region_code", "a_year", "a_period", "a_paragraph",
    "a_start", "a_end", "b_doc_id", "b_place", "b_level", "b_province", "b_region_code", "b_year", "b_period",
    "b_paragraph", "b_start", "b_end", "direction", "relation", "higher", "similarity", "a_chars", "b_chars",
    "matched_chars", "offsets_exact", "a_text", "b_text",
]
DOC_COLUMNS = [
    "a_doc_id", "a_place", "a_level", "a_region_code", "a_year", "b_doc_id", "b_place", "b_level", "b_region_code",
    "b_year", "direction", "relation", "pairs", "a_chars", "a_shared_chars", "share_a_in_b", "b_chars",
    "b_shared_chars", "share_b_in_a",
]
BOILERPLATE_COLUMNS = ["passage", "documents", "share_documents", "units", "example_docs"]


@dataclass
class ReuseResult:
    pairs: Any  # pandas DataFrame, PAIR_COLUMNS
    documents: Any  # DOC_COLUMNS
    boilerplate: Any  # BOILERPLATE_COLUMNS
    stats: dict[str, Any]


def find_reuse(corpus: Corpus, params: ReuseParams,
               progress: Callable[[Iterable], Iterable] | None = None) -> ReuseResult:
    """Candidates, alignment and the three tables for a signed corpus."""
    unit_para, keys, para_doc = corpus.arrays()
    n_docs = len(corpus.docs)
    threshold = params.boilerplate_docs(n_docs)
    unit_doc = para_doc[unit_para] if len(unit_para) else np.zeros(0, dtype=np.int64)
    boiler, edges = boilerplate_units(keys, unit_doc, threshold)
    cands = candidate_pairs(keys, unit_para, para_doc, boiler)
    rows = _verify(corpus, cands, params, progress)
    pairs = _pair_table(corpus, rows)
    documents = _doc_table(corpus, rows)
    boilerplate = _boilerplate_table(corpus, unit_para, unit_doc, boiler, edges, params, n_docs)
    stats = {"documents": n_docs, "paragraphs": len(corpus.texts), "units": int(len(unit_para)),
             "boilerplate_threshold": threshold, "boilerplate_units": int(boiler.sum()),
             "candidates": int(len(cands)), "pairs": len(pairs)}
    return ReuseResult(pairs, documents, boilerplate, stats)


@dataclass
class _Row:
    pa: int
    pb: int
    span: Span


def _verify(corpus: Corpus, cands: np.ndarray, params: ReuseParams,
            progress: Callable[[Iterable], Iterable] | None) -> list[_Row]:
    rows: list[_Row] = []
    items: Iterable = cands.tolist()
    if progress is not None:
        items = progress(items)
    texts = corpus.texts
    for pa, pb in items:
        for span in align(texts[pa], texts[pb], params.min_chars, params.min_similarity, params.gap):
            rows.append(_Row(pa, pb, span))
    return rows


def _oriented(corpus: Corpus, row: _Row) -> tuple[int, int, int, int, int, int]:
    """(pa, pb, a_start, a_end, b_start, b_end) with A the earlier report when years differ."""
    s = row.span
    da, db = corpus.docs[corpus.para_doc[row.pa]], corpus.docs[corpus.para_doc[row.pb]]
    if da.year is not None and db.year is not None and db.year < da.year:
        return row.pb, row.pa, s.b_start, s.b_end, s.a_start, s.a_end
    return row.pa, row.pb, s.a_start, s.a_end, s.b_start, s.b_end


def _pair_table(corpus: Corpus, rows: list[_Row]) -> Any:
    import pandas as pd

    out = []
    for row in rows:
        pa, pb, a0, a1, b0, b1 = _oriented(corpus, row)
        da, db = corpus.docs[corpus.para_doc[pa]], corpus.docs[corpus.para_doc[pb]]
        ma, mb = corpus.maps[pa], corpus.maps[pb]
        rel, higher = relation(da, db)
        rec: dict[str, Any] = {}
        for side, d, p, m, s, e in (("a", da, pa, ma, a0, a1), ("b", db, pb, mb, b0, b1)):
            rec.update({f"{side}_doc_id": d.doc_id, f"{side}_place": d.place, f"{side}_level": d.level,
                        f"{side}_province": d.province, f"{side}_region_code": d.region_code,
                        f"{side}_year": d.year, f"{side}_period": corpus.periods[p],
                        f"{side}_paragraph": corpus.para_index[p], f"{side}_start": m.raw(s),
                        f"{side}_end": m.raw_end(e), f"{side}_chars": e - s,
                        f"{side}_text": corpus.texts[p][s:e]})
        rec.update(direction=direction(da, db), relation=rel, higher=higher,
                   similarity=round(row.span.similarity, 4), matched_chars=row.span.matched,
                   offsets_exact=bool(ma.exact and mb.exact))
        out.append(rec)
    frame = pd.DataFrame(out, columns=PAIR_COLUMNS)
    for col in ("a_year", "b_year"):
        frame[col] = frame[col].astype("Int64")
    return frame.sort_values(["a_doc_id", "b_doc_id", "a_paragraph", "a_start"], kind="stable").reset_index(drop=True)


def _covered(intervals: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for s, e in sorted(intervals):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


def _doc_table(corpus: Corpus, rows: list[_Row]) -> Any:
    import pandas as pd

    doc_chars = np.bincount(np.asarray(corpus.para_doc, dtype=np.int64),
                            weights=[len(t) for t in corpus.texts], minlength=len(corpus.docs))
    shared: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        pa, pb, a0, a1, b0, b1 = _oriented(corpus, row)
        key = (corpus.para_doc[pa], corpus.para_doc[pb])
        cell = shared.setdefault(key, {"pairs": 0, "a": [], "b": []})
        cell["pairs"] += 1
        # intervals on a document-wide axis: paragraph number first, then position
        cell["a"].append((pa * 1_000_000 + a0, pa * 1_000_000 + a1))
        cell["b"].append((pb * 1_000_000 + b0, pb * 1_000_000 + b1))
    out = []
    for (ia, ib), cell in shared.items():
        da, db = corpus.docs[ia], corpus.docs[ib]
        a_shared, b_shared = _covered(cell["a"]), _covered(cell["b"])
        out.append({"a_doc_id": da.doc_id, "a_place": da.place, "a_level": da.level, "a_region_code": da.region_code,
                    "a_year": da.year, "b_doc_id": db.doc_id, "b_place": db.place, "b_level": db.level,
                    "b_region_code": db.region_code, "b_year": db.year, "direction": direction(da, db),
                    "relation": relation(da, db)[0], "pairs": cell["pairs"], "a_chars": int(doc_chars[ia]),
                    "a_shared_chars": a_shared, "share_a_in_b": round(a_shared / doc_chars[ia], 4) if doc_chars[ia]
                    else 0.0, "b_chars": int(doc_chars[ib]), "b_shared_chars": b_shared,
                    "share_b_in_a": round(b_shared / doc_chars[ib], 4) if doc_chars[ib] else 0.0})
    frame = pd.DataFrame(out, columns=DOC_COLUMNS)
    for col in ("a_year", "b_year"):
        frame[col] = frame[col].astype("Int64")
    return frame.sort_values(["share_a_in_b", "a_doc_id", "b_doc_id"], ascending=[False, True, True],
                             kind="stable").reset_index(drop=True)


def _boilerplate_table(corpus: Corpus, unit_para: np.ndarray, unit_doc: np.ndarray, boiler: np.ndarray,
                       edges: np.ndarray, params: ReuseParams, n_docs: int) -> Any:
    """One row per boilerplate passage: units joined by a shared bucket form one passage."""
    import pandas as pd
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    units = np.flatnonzero(boiler)
    if not len(units):
        return pd.DataFrame(columns=BOILERPLATE_COLUMNS)
    local = {int(u): i for i, u in enumerate(units)}
    ea = np.array([local[int(u)] for u in edges[:, 0]], dtype=np.int64)
    eb = np.array([local[int(u)] for u in edges[:, 1]], dtype=np.int64)
    graph = coo_matrix((np.ones(len(ea)), (ea, eb)), shape=(len(units), len(units)))
    _, labels = connected_components(graph, directed=False)
    out = []
    for label in np.unique(labels):
        members = units[labels == label]
        docs = np.unique(unit_doc[members])
        texts = [_unit_text(corpus, int(unit_para[u]), u, unit_para, params) for u in members]
        passage = max(set(texts), key=lambda t: (texts.count(t), -len(t), t))
        out.append({"passage": passage, "documents": len(docs), "share_documents": round(len(docs) / n_docs, 4),
                    "units": len(members),
                    "example_docs": "|".join(corpus.docs[d].doc_id for d in docs[:3])})
    frame = pd.DataFrame(out, columns=BOILERPLATE_COLUMNS)
    return frame.sort_values(["documents", "passage"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _unit_text(corpus: Corpus, para: int, unit: int, unit_para: np.ndarray, params: ReuseParams) -> str:
    """The text of one unit (its rank among its paragraph's units picks the span)."""
    first = int(np.searchsorted(unit_para, para, side="left"))
    spans = unit_spans(corpus.texts[para], params)
    s, e = spans[min(unit - first, len(spans) - 1)]
    return corpus.texts[para][s:e]


# --------------------------------------------------------------------------- reading and signing, here or on workers


Signed = tuple[LoadedDoc, np.ndarray, np.ndarray]  # a document, its units' paragraph numbers, their keys


# The line under the title: "——2024年1月4日在某县第七届人民代表大会第三次会议上" (front matter, not content).
_MEETING_LINE = re.compile(r"^[—－\-]{1,3}.{0,60}(?:会议|大会)上?$")


def compared(text: str, is_heading: bool) -> bool:
    """Whether a paragraph takes part: headings and the meeting line under the title do not."""
    return not is_heading and not _MEETING_LINE.match(text)


def sign_doc(doc: LoadedDoc, params: ReuseParams) -> Signed:
    texts = [p.text if compared(p.text, p.is_heading) else "" for p in doc.paras]
    owner, keys = sign_paragraphs(texts, params)
    return doc, owner, keys


def sign_reports(sources: list[str], config: dict[str, Any],
                 params: ReuseParams) -> list[tuple[str, list[Signed] | Exception]]:
    """Worker task: read, segment and sign reports (a bad one comes back as its error)."""
    from .corpus import iter_documents

    out: list[tuple[str, list[Signed] | Exception]] = []
    for source, result in iter_documents(sources, config):
        out.append((source, result if isinstance(result, Exception) else [sign_doc(d, params) for d in result]))
    return out


def sign_docs(docs: list[LoadedDoc], params: ReuseParams) -> list[tuple[np.ndarray, np.ndarray]]:
    """Worker task: sign documents already read (from tagged files)."""
    return [sign_doc(d, params)[1:] for d in docs]


def build_corpus(sources: Sequence[str], config: dict[str, Any], params: ReuseParams, jobs: int = 1,
                 backend: str = "loky", batch: int = 16,
                 on_done: Callable[[int], None] | None = None) -> tuple[Corpus, list[Exception]]:
    """Read, segment and sign every input; stages 1–2 go to workers when ``jobs`` > 1 or on Dask.

    Reports are read by the workers themselves (one task per ``batch`` reports);
    tagged files are read here and their paragraphs sent out to be signed.
    ``on_done(n)`` is called as n more inputs are finished (for a progress bar).
    """
    from .corpus import is_tagged, load_tagged_docs

    corpus, errors = Corpus(), []
    reports = [s for s in sources if not is_tagged(s)]
    tagged = [s for s in sources if is_tagged(s)]
    parallel = jobs > 1 or backend == "dask"
    report_tasks = [reports[i : i + batch] for i in range(0, len(reports), batch)]
    for task, results in zip(report_tasks, _run(sign_reports, [(t, config, params) for t in report_tasks],
                                                 jobs, backend, parallel), strict=True):
        for _source, result in results:
            if isinstance(result, Exception):
                errors.append(result)
            else:
                for doc, owner, keys in result:
                    corpus.add(doc, owner, keys)
        if on_done:
            on_done(len(task))
    for source in tagged:
        tag_errors: list[Exception] = []
        docs = load_tagged_docs(source, tag_errors, config=config)  # bad lines reported, the rest kept
        errors.extend(tag_errors)
        chunks = [docs[i : i + batch] for i in range(0, len(docs), batch)]
        for chunk, signed in zip(chunks, _run(sign_docs, [(c, params) for c in chunks], jobs, backend, parallel),
                                 strict=True):
            for doc, (owner, keys) in zip(chunk, signed, strict=True):
                corpus.add(doc, owner, keys)
        if on_done:
            on_done(1)
    return corpus, errors


def _run(func: Callable, args: list[tuple], jobs: int, backend: str, parallel: bool) -> Iterable:
    """``func(*a)`` for each ``a``, in order: here, in a local pool, or on the Dask cluster joblib points at."""
    if not parallel or len(args) <= 1 and backend != "dask":
        return (func(*a) for a in args)
    from joblib import delayed

    from .cpus import local_pool  # local workers exit when this process is gone

    pool = local_pool(jobs, backend)
    return pool(delayed(func)(*a) for a in args)
