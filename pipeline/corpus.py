"""Documents for the comparison commands (reuse, diff): paragraphs, offset maps, metadata.

Inputs are whole reports (read and segmented here) or tagged files (what
``policytag tag`` wrote). Either way a document becomes a ``DocInfo`` (place,
level, province, region code, year) and its paragraphs, each with the
normalized text that is compared and an ``OffsetMap`` that turns a position in
that text into an offset in the original document (``Document.raw``).

>>> m = OffsetMap.from_offsets(__import__("numpy").array([10, 11, 13, 14]))
>>> m.raw(0), m.raw(2), m.raw_end(4)
(10, 13, 15)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError

TAGGED_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".xlsx", ".parquet", ".pq")
META_FIELDS = ("place", "level", "province", "region_code", "year")


@dataclass(frozen=True, slots=True)
class OffsetMap:
    """Position in a paragraph's normalized text -> offset in the original document.

    Stored as breakpoints: ``raw(i) = start + i + shift`` where ``shift`` is the
    value at the last breakpoint at or before ``i`` (a dropped line break adds 1).
    Most paragraphs have none (``at`` is None), so a map costs a few dozen bytes
    where an offset per character would cost eight per character. ``exact`` is
    False when only the paragraph's start and end were known and positions in
    between are interpolated.
    """

    start: int
    at: np.ndarray | None = None
    shift: np.ndarray | None = None
    exact: bool = True
    scale: float = 1.0  # interpolation factor when not exact

    @classmethod
    def from_offsets(cls, offsets: np.ndarray) -> OffsetMap:
        offsets = np.asarray(offsets, dtype=np.int64)
        if not len(offsets):
            return cls(0)
        d = offsets - offsets[0] - np.arange(len(offsets))
        at = np.flatnonzero(np.diff(d)) + 1
        if not len(at):
            return cls(int(offsets[0]))
        return cls(int(offsets[0]), at.astype(np.int32), d[at].astype(np.int32))

    @classmethod
    def approximate(cls, start: int, end: int, length: int) -> OffsetMap:
        return cls(int(start), exact=False, scale=(end - start) / length if length else 1.0)

    def raw(self, i: int) -> int:
        if not self.exact:
            return self.start + int(round(i * self.scale))
        if self.at is None:
            return self.start + i
        k = int(np.searchsorted(self.at, i, side="right")) - 1
        return self.start + i + (int(self.shift[k]) if k >= 0 else 0)

    def raw_end(self, i: int) -> int:
        """Original end offset (exclusive) of text[:i]."""
        if not self.exact:
            return self.start + int(round(i * self.scale))
        return self.raw(i - 1) + 1 if i > 0 else self.start


@dataclass
class DocInfo:
    doc_id: str
    path: str
    place: str | None = None
    level: str | None = None
    province: str | None = None
    region_code: str | None = None
    year: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "place": self.place, "level": self.level, "province": self.province,
                "region_code": self.region_code, "year": self.year}


@dataclass
class Para:
    """One paragraph as the comparison commands need it."""

    index: int
    text: str
    omap: OffsetMap
    period: str | None = None
    is_heading: bool = False
    labels: list[str] = field(default_factory=list)
    terms: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class LoadedDoc:
    info: DocInfo
    paras: list[Para]
    document: Any = None  # the read Document (reports only), for indicators


def is_tagged(path: str | Path) -> bool:
    return Path(path).suffix.lower() in TAGGED_SUFFIXES


def list_inputs(specs: Iterable[str]) -> list[str]:
    """Files named, found in folders (reports and tagged files) or matched by globs."""
    from .read import SUPPORTED, iter_paths

    return iter_paths(list(specs), extensions=set(SUPPORTED) | set(TAGGED_SUFFIXES))


def _clean(value: Any) -> Any:
    if value is None:
        return None
    try:
        if value != value:  # NaN
            return None
    except (TypeError, ValueError):  # pandas.NA refuses to compare
        return None
    return value


def doc_info(doc_id: str, path: str, meta: dict[str, Any]) -> DocInfo:
    """DocInfo from report meta; the region code is looked up when the meta has none."""
    meta = {k: _clean(v) for k, v in meta.items()}
    if meta.get("place") and not meta.get("region_code"):
        from .regions import enrich_meta

        meta = enrich_meta(meta)
    year = meta.get("year")
    if year is None and isinstance(meta.get("date"), str) and meta["date"][:4].isdigit():
        year = int(meta["date"][:4])
    try:
        year = int(year) if year is not None else None
    except (TypeError, ValueError):
        year = None
    code = meta.get("region_code")
    return DocInfo(doc_id=str(doc_id), path=str(path), place=meta.get("place"), level=meta.get("level"),
                   province=meta.get("province"), region_code=str(code) if code else None, year=year, meta=meta)


# --------------------------------------------------------------------------- reports


def load_report(path: str, config: dict[str, Any], keep_document: bool = False) -> LoadedDoc:
    """Read and segment one report (raises ``InputError`` for a bad file)."""
    from .read import read_path
    from .segment import segment

    doc = read_path(path, config)
    paragraphs = segment(doc, config)
    info = doc_info(doc.doc_id, doc.path, dict(doc.meta))
    paras = [Para(p.index, p.text, OffsetMap.from_offsets(p.body.offsets), p.period, p.is_heading)
             for p in paragraphs if p.text]
    return LoadedDoc(info, paras, doc if keep_document else None)


# --------------------------------------------------------------------------- tagged files


def load_tagged_docs(path: str, errors: list[InputError] | None = None, reread: bool = True,
                     config: dict[str, Any] | None = None) -> list[LoadedDoc]:
    """The documents of one tagged file, paragraphs in their order.

    Offsets: when a paragraph's text is as long as its original span the map is
    exact. Otherwise (a line break or pinyin gloss was dropped) the original
    report is read again, when ``path`` names one that exists, to map every
    character; failing that, positions inside the paragraph are interpolated and
    the map says ``exact=False``.
    """
    from .stats import load_tagged

    frame = load_tagged([path], errors)
    out: list[LoadedDoc] = []
    if not len(frame):
        return out
    frame = frame.assign(_order=range(len(frame)))
    for doc_id, part in frame.groupby("doc_id", sort=False, dropna=False):
        part = part.sort_values(["index", "_order"], na_position="last", kind="stable")
        first = part.iloc[0]
        meta = {k: first.get(k) for k in (*META_FIELDS, "date", "title") if k in part.columns}
        src_path = str(first.get("path") or path)
        info = doc_info(str(doc_id), src_path, meta)
        norm = _Reread(src_path, config) if reread else None
        paras = []
        for n, row in enumerate(part.itertuples(index=False)):
            text = str(row.text or "")
            if not text:
                continue
            start = _clean(getattr(row, "start", None))
            end = _clean(getattr(row, "end", None))
            index = _clean(getattr(row, "index", None))
            omap = _tagged_map(text, start, end, norm)
            paras.append(Para(int(index) if index is not None else n, text, omap, _clean(row.period),
                              bool(row.is_heading), list(row.labels), list(row.terms)))
        out.append(LoadedDoc(info, paras))
    return out


class _Reread:
    """The original report of a tagged file, read again only if a paragraph needs it."""

    def __init__(self, path: str, config: dict[str, Any] | None) -> None:
        self.path, self.config = path, config
        self._norm: Any = None
        self._tried = False

    def norm(self) -> Any:
        if not self._tried:
            self._tried = True
            try:
                if Path(self.path).is_file() and not is_tagged(self.path):
                    from .read import read_path

                    self._norm = read_path(self.path, self.config).norm
            except Exception:  # the original is a help, never a requirement
                self._norm = None
        return self._norm


def _tagged_map(text: str, start: Any, end: Any, source: _Reread | None) -> OffsetMap:
    if start is None:
        return OffsetMap.approximate(0, len(text), len(text))
    start = int(start)
    end = int(end) if end is not None else start + len(text)
    if end - start == len(text):
        return OffsetMap(start)
    norm = source.norm() if source is not None else None
    if norm is not None:
        mapped = _subsequence_offsets(text, norm, start, end)
        if mapped is not None:
            return OffsetMap.from_offsets(mapped)
    return OffsetMap.approximate(start, end, len(text))


def _subsequence_offsets(text: str, norm: Any, start: int, end: int) -> np.ndarray | None:
    """Offsets of ``text``'s characters inside the normalized document between ``start`` and ``end``."""
    lo = int(np.searchsorted(norm.offsets, start, side="left"))
    hi = int(np.searchsorted(norm.offsets, end, side="left"))
    window = norm.text[lo:hi]
    out = np.empty(len(text), dtype=np.int64)
    pos = 0
    for i, ch in enumerate(text):
        pos = window.find(ch, pos)
        if pos < 0:
            return None
        out[i] = norm.offsets[lo + pos]
        pos += 1
    return out


# --------------------------------------------------------------------------- any input


def load_any(path: str, config: dict[str, Any], keep_document: bool = False) -> list[LoadedDoc]:
    """One input file: a report gives one document, a tagged file as many as it holds."""
    if is_tagged(path):
        errors: list[InputError] = []
        docs = load_tagged_docs(path, errors, config=config)
        if errors and not docs:
            raise errors[0]
        return docs
    return [load_report(path, config, keep_document)]


def iter_documents(sources: Iterable[str], config: dict[str, Any],
                   keep_document: bool = False) -> Iterator[tuple[str, list[LoadedDoc] | InputError]]:
    """``(source, documents)`` per input in order; a bad input yields its ``InputError``."""
    for source in sources:
        try:
            yield source, load_any(source, config, keep_document)
        except InputError as exc:
            yield source, exc
        except Exception as exc:  # a file that breaks a stage must not stop the run
            yield source, InputError(source, f"could not be processed ({type(exc).__name__}: {exc})")
