"""The records that flow between stages.

``MappedText`` is text that remembers, for every character, where it came from
in the original document. Every stage that rewrites text (normalization,
joining broken lines, dropping bullets) does so through ``MappedText`` so that
the offsets the program reports always index the original text.

``Document`` is what ``read`` produces; ``Paragraph`` is what ``segment``
produces and what later stages annotate (``terms``, ``labels``, ``scores``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Offsets into one document's text: int32 halves the memory of a long document (a document is refused
# long before 2**31 characters).
_INDEX = np.int32


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@dataclass(frozen=True, slots=True)
class MappedText:
    """A string plus, for each character, its index in the original text.

    >>> m = MappedText.identity("ab\\ncd").drop("\\n")
    >>> m.text, m.span(0, 4)
    ('abcd', (0, 5))
    """

    text: str
    offsets: np.ndarray  # integers (int32), len(text); offsets[i] = original index of text[i]

    @classmethod
    def identity(cls, text: str, base: int = 0) -> MappedText:
        return cls(text, np.arange(base, base + len(text), dtype=_INDEX))

    def __post_init__(self) -> None:
        if len(self.offsets) != len(self.text):
            raise ValueError(f"offsets ({len(self.offsets)}) and text ({len(self.text)}) differ in length")

    def __len__(self) -> int:
        return len(self.text)

    @classmethod
    def _trusted(cls, text: str, offsets: np.ndarray) -> MappedText:
        """A MappedText whose lengths agree by construction (slices of one, or pieces of both cut alike):
        the length check and frozen ``__init__`` are skipped, a third of building one per paragraph."""
        self = _new(cls)
        _set_text(self, text)
        _set_offsets(self, offsets)
        return self

    def __getitem__(self, key: slice) -> MappedText:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("MappedText supports contiguous slices only")
        return MappedText._trusted(self.text[key], self.offsets[key])

    def span(self, start: int = 0, end: int | None = None) -> tuple[int, int]:
        """Original (start, end) of ``self.text[start:end]``; end is exclusive."""
        end = len(self.text) if end is None else end
        if end <= start:
            pos = self.offsets.item(start) if start < len(self.offsets) else self.end_offset()
            return pos, pos
        # .item gives a Python int at once (int(offsets[i]) makes a numpy scalar first): every record asks
        return self.offsets.item(start), self.offsets.item(end - 1) + 1

    def end_offset(self) -> int:
        return self.offsets.item(-1) + 1 if len(self.offsets) else 0

    def keep(self, mask: np.ndarray) -> MappedText:
        """Keep the characters where ``mask`` is true (one array operation, not a loop per character)."""
        mask = np.asarray(mask, dtype=bool)
        kept = _codepoints(self.text)[mask]
        return MappedText._trusted(kept.tobytes().decode("utf-32-le", "surrogatepass"), self.offsets[mask])

    def drop(self, chars: str) -> MappedText:
        """Remove every occurrence of the given characters."""
        return self.keep(~np.isin(_codepoints(self.text), _codepoints(chars)))

    def strip(self) -> MappedText:
        stripped = self.text.lstrip()
        lead = len(self.text) - len(stripped)
        return self[lead : lead + len(stripped.rstrip())]

    @staticmethod
    def join(parts: Iterable[MappedText]) -> MappedText:
        parts = list(parts)
        if not parts:
            return MappedText("", np.zeros(0, dtype=_INDEX))
        return MappedText._trusted("".join(p.text for p in parts), np.concatenate([p.offsets for p in parts]))


# ``MappedText._trusted``'s parts: the slots' own setters (frozen: ``setattr`` refuses)
_new = object.__new__
_set_text = MappedText.text.__set__  # type: ignore[attr-defined]
_set_offsets = MappedText.offsets.__set__  # type: ignore[attr-defined]


@dataclass
class Document:
    """One input document after ``read``.

    ``raw`` is the decoded original text (what every offset indexes);
    ``norm`` is the normalized text mapped back into ``raw``. For scanned pages
    and images ``raw`` is the OCR text, and ``ocr`` lists the stretches of ``raw``
    that OCR produced as ``(start, end, confidence)``.
    """

    path: str
    doc_id: str
    raw: str
    norm: MappedText
    meta: dict[str, Any] = field(default_factory=dict)
    source_format: str = "txt"
    ocr: list[tuple[int, int, float]] = field(default_factory=list)


@dataclass(slots=True)
class Term:
    term: str  # surface as it stands in the paragraph text (normalized); raw[start:end] is the original
    canonical: str
    category: str
    quoted: bool
    start: int
    end: int
    dictionary: str = ""  # name of the lexicon (dictionary) the match comes from

    def to_dict(self) -> dict[str, Any]:
        out = {
            "term": self.term,
            "canonical": self.canonical,
            "category": self.category,
            "quoted": self.quoted,
            "start": self.start,
            "end": self.end,
        }
        if self.dictionary:
            out["dictionary"] = self.dictionary
        return out


def term_dicts(terms: Iterable[Term]) -> list[dict[str, Any]]:
    """``[t.to_dict() for t in terms]`` with the dicts built inline: a record's terms are most of its
    fields, and a function call per term costs a quarter of building its dict."""
    return [{"term": t.term, "canonical": t.canonical, "category": t.category, "quoted": t.quoted,
             "start": t.start, "end": t.end, "dictionary": t.dictionary} if t.dictionary else
            {"term": t.term, "canonical": t.canonical, "category": t.category, "quoted": t.quoted,
             "start": t.start, "end": t.end} for t in terms]


@dataclass(slots=True)
class Paragraph:
    """One paragraph as a careful reader sees it; later stages fill the rest."""

    doc_id: str
    path: str
    index: int
    body: MappedText  # normalized paragraph text, mapped into the document's raw text
    section: list[str] = field(default_factory=list)
    is_heading: bool = False
    is_glossary: bool = False
    period: str | None = None  # "review", "plan" or None
    meta: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # fields kept from pre-cut input
    tokens: list[str] | None = None
    terms: list[Term] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.text

    @property
    def start(self) -> int:
        return self.body.span()[0]

    @property
    def end(self) -> int:
        return self.body.span()[1]

    def to_dict(self, annotations: bool = True) -> dict[str, Any]:
        # policytag.write.encode_paragraphs writes the same record without this dict: keep the two alike
        start, end = self.body.span()
        out: dict[str, Any] = dict(self.extra)
        out.update(
            doc_id=self.doc_id,
            path=self.path,
            index=self.index,
            text=self.text,
            start=start,
            end=end,
            section=list(self.section),
            is_heading=self.is_heading,
            is_glossary=self.is_glossary,
            period=self.period,
            meta=dict(self.meta),
        )
        if annotations:
            out["labels"] = list(self.labels)
            out["scores"] = {k: round(float(v), 4) for k, v in self.scores.items()}
            out["terms"] = term_dicts(self.terms)
        if self.tokens is not None:  # only when tokenizing was asked for (tag --tokens)
            out["tokens"] = list(self.tokens)
        return out
