"""The classify stage: paragraph function labels (监督, 立法, …) from a linear model.

Prediction is numpy only, so ``policytag tag`` never pays for scikit-learn or
scipy: characters become hashed 1–3-gram features in a few vectorized numpy
steps, and a label's score is a gather-sum of its weights. A model is a
folder of data (``model.json`` + ``weights.npz`` + ``MODEL_CARD.md``), never
code: loading checks every field, shape, dtype and a checksum of the arrays.

Learning lives above this module, in ``policytag.train`` (the only place scikit-learn
is imported), which fits the parameters a ``FunctionClassifier`` predicts with:

>>> from policytag.train import fit_classifier                            # doctest: +SKIP
>>> clf = fit_classifier(FunctionClassifier(seed=0), ["听取审议专项工作报告", "审议通过条例草案"],
...                      [["监督"], ["立法"]])                              # doctest: +SKIP
>>> clf.predict(["开展执法检查并听取报告"])                               # doctest: +SKIP
[['监督']]
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import itertools
import json
import math
import operator
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .errors import ConfigError
from .record import Paragraph

FORMAT_VERSION = 1
# Bump when the feature function changes: a model trained with another scheme is refused.
HASH_SCHEME = "cjk-char-ngram-hash"
HASH_SCHEME_VERSION = 2
MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
_MAX_JSON_BYTES = 2_000_000
_MAX_BITS = 24

DEFAULT_FEATURES: dict[str, Any] = {
    "scheme": HASH_SCHEME,
    "scheme_version": HASH_SCHEME_VERSION,
    "ngram_min": 1,
    "ngram_max": 3,
    "bits": 18,
    "tf": "count",  # each occurrence counts, scaled by 1/sqrt(n-grams in the paragraph)
    "section_weight": 0.0,  # scale of the hashed section-heading features (0 = off)
    "lexicon_weight": 0.0,  # scale of the hashed lexicon-category features (0 = off)
    # labels also scored sentence by sentence in long paragraphs, keeping the higher score
    # (one sentence of 听取审议 or 督办代表建议 earns the label however long the paragraph is)
    "sentence_labels": [],
    "sentence_min_chars": 120,  # paragraphs at least this long are split into sentences
}

Texts = Sequence[str] | Sequence[Paragraph]


# --------------------------------------------------------------------------- characters
def _char_table() -> np.ndarray:
    """Code point -> folded code point for the BMP.

    Folding makes features robust to what differs between copies of one report:
    full-width vs half-width punctuation and letters, digit values (任免36人次 and
    任免95人次 look the same), and quote styles.
    """
    table = np.arange(0x10000, dtype=np.uint32)
    table[0xFF01:0xFF5F] -= 0xFEE0  # full-width ASCII -> ASCII
    table[ord("A") : ord("Z") + 1] += 32
    table[0xFF21:0xFF3B] = np.arange(ord("a"), ord("z") + 1)
    table[ord("0") : ord("9") + 1] = ord("0")
    table[0xFF10:0xFF1A] = ord("0")
    classes = {
        ",": ",，、;；:：",
        ".": ".。!！?？…",
        "(": "()（）[]【】〔〕{}",
        "《": "《》〈〉<>",
        '"': "\"'“”‘’「」『』",
        " ": " \t\r\n\u3000\xa0",
    }
    for target, chars in classes.items():
        for ch in chars:
            table[ord(ch)] = ord(target)
    for ch in "零〇一二三四五六七八九十百千万":
        table[ord(ch)] = ord("一")  # counts and item numbers (三、/十二) carry no function
    return table


_TABLE: np.ndarray | None = None
_SPACE = ord(" ")


def _codepoints(texts: Sequence[str], pad: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Folded code points of all texts, each followed by a 0, plus ``pad`` more 0s;
    the start and length of every text in that array."""
    global _TABLE
    if _TABLE is None:
        _TABLE = _char_table()
    joined = "\x00".join(t.replace("\x00", " ") for t in texts) + "\x00" * (pad + 1)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    # np.take(mode="clip") clips instead of checking bounds: far cheaper than indexing
    folded = np.take(_TABLE, cps, mode="clip")
    if cps.max() > 0xFFFF:  # characters beyond the BMP are kept as they are
        folded = np.where(cps > 0xFFFF, cps, folded)
    cps = folded
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    return cps, starts, lengths


_K = (np.uint32(0x9E3779B1), np.uint32(0x85EBCA77), np.uint32(0xC2B2AE3D))
_MIX = (np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35))


def _mix(h: np.ndarray, bits: int, scratch: np.ndarray) -> np.ndarray:
    """Spread a 32-bit value and keep its top ``bits`` bits (murmur3 finalizer), in place in ``h``;
    ``scratch`` is a buffer as long, so no temporary array is made."""
    for shift, factor in ((16, _MIX[0]), (13, _MIX[1]), (16, None)):
        np.right_shift(h, np.uint32(shift), out=scratch)
        h ^= scratch
        if factor is not None:
            h *= factor
    h >>= np.uint32(32 - bits)
    return h.astype(np.intp)


def _ngram_buckets(cps: np.ndarray, nmin: int, nmax: int, bits: int) -> Iterator[tuple[int, np.ndarray]]:
    """For each n, the bucket of the n-gram starting at every position.

    N-grams that cross a text boundary (or a lone space) get bucket ``2**bits``,
    one past the real ones, whose weight is always 0: no compaction is needed,
    so position ``i`` stays position ``i`` and texts stay contiguous.
    """
    sep = cps == 0
    null = np.intp(1 << bits)
    h = np.zeros(len(cps), dtype=np.uint32)
    bad = np.zeros(len(cps), dtype=bool)
    mixed, scratch = np.empty_like(h), np.empty_like(h)
    with np.errstate(over="ignore"):
        for n in range(1, nmax + 1):
            m = len(cps) - n + 1
            # extend the (n-1)-gram starting at i by the character at i+n-1 (in place: h[i] needs only h[i])
            h, bad = h[:m], bad[:m]
            h ^= cps[n - 1 : n - 1 + m]
            h *= _K[n % 3]
            bad |= sep[n - 1 : n - 1 + m]
            if n < nmin:
                continue
            np.bitwise_xor(h, np.uint32(n), out=mixed[:m])
            buckets = _mix(mixed[:m], bits, scratch[:m])
            buckets[bad | (cps[:m] == _SPACE) if n == 1 else bad] = null
            yield n, buckets


def _ngram_counts(cps: np.ndarray, starts: np.ndarray, lengths: np.ndarray, nmin: int, nmax: int) -> np.ndarray:
    """Number of real n-grams in each text (what the features are scaled by)."""
    sizes = sum(np.maximum(lengths - n + 1, 0) for n in range(nmin, nmax + 1)).astype(np.float64)
    if nmin == 1:
        sizes -= _spaces_in(cps, starts, starts + lengths)
    return sizes


def _spaces_in(cps: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Number of spaces in ``cps[begin:end]`` for every pair: found by the spaces' positions
    (few in these texts), not by a cumulative sum over every character."""
    at = np.flatnonzero(cps == _SPACE)
    return np.searchsorted(at, end) - np.searchsorted(at, begin)


@functools.lru_cache(maxsize=65536)
def _token_hash(token: str, bits: int) -> int:
    """A stable bucket for a named feature (section heading, lexicon category); cached, as the same few
    lexicon categories come back in every paragraph."""
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> (64 - bits)


def _section_tokens(section: Sequence[str]) -> list[str]:
    """Character bigrams of the heading path, so 三、发挥代表作用 and 四、支持代表履职 share 代表."""
    tokens = []
    for heading in section:
        folded = "".join(ch for ch in heading if ch.isalpha() and ch not in "一二三四五六七八九十")
        tokens.extend(f"sec:{folded[i:i + 2]}" for i in range(max(len(folded) - 1, 0)))
    return sorted(set(tokens))


class Features:
    """Sparse rows as parallel arrays (row, col, value); a (row, col) may repeat (values add up)."""

    __slots__ = ("n_rows", "rows", "cols", "vals")

    def __init__(self, n_rows: int, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
        self.n_rows, self.rows, self.cols, self.vals = n_rows, rows, cols, vals

    def to_csr(self, dim: int):  # noqa: ANN201 - scipy only at training time
        from scipy.sparse import csr_matrix

        return csr_matrix((self.vals, (self.rows, self.cols)), shape=(self.n_rows, dim), dtype=np.float64)


def featurize(texts: Sequence[str], settings: dict[str, Any], sections: Sequence[Sequence[str]] | None = None,
              categories: Sequence[Iterable[str]] | None = None) -> Features:
    """Hashed character n-gram features (plus optional section / lexicon features).

    Every n-gram occurrence counts 1/sqrt(number of n-grams in the paragraph)
    (repeats add up), so a paragraph's vector has about unit length.
    """
    bits, n = int(settings["bits"]), len(texts)
    nmin, nmax = int(settings["ngram_min"]), int(settings["ngram_max"])
    if n == 0:
        empty = np.zeros(0, np.intp)
        return Features(0, empty, empty, np.zeros(0, np.float32))
    cps, starts, lengths = _codepoints(texts, nmax)
    scale = 1.0 / np.sqrt(np.maximum(_ngram_counts(cps, starts, lengths, nmin, nmax), 1))
    row_of = np.repeat(np.arange(n), np.diff(np.append(starts, len(cps))))
    all_rows, all_cols = [], []
    for _n, buckets in _ngram_buckets(cps, nmin, nmax, bits):
        keep = buckets < (1 << bits)
        all_rows.append(row_of[: len(buckets)][keep])
        all_cols.append(buckets[keep])
    rows, cols = np.concatenate(all_rows), np.concatenate(all_cols)
    vals = scale[rows].astype(np.float32)
    extra = _extra_features(n, settings, sections, categories)
    if extra is not None:
        rows = np.concatenate([rows, extra[0]])
        cols = np.concatenate([cols, extra[1]])
        vals = np.concatenate([vals, extra[2]])
    return Features(n, rows, cols, vals)


def weight_lookup(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``weights`` (``2**bits + 1`` rows, the last all zero) as (row of every bucket, table): the table
    holds one column per bucket with a nonzero weight, plus an all-zero one, one row per label.

    About a fifth of the buckets carry a weight, so the label rows stay small enough for the cache
    and one ``np.take`` gathers every label at once, with the same values as ``weights``.
    """
    used = np.flatnonzero(np.any((weights != 0) | np.signbit(weights), axis=1))  # -0.0 kept: sums stay bit-equal
    return _compact_lookup(used, weights[used], len(weights))


def _compact_lookup(used: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``weight_lookup`` of ``size`` buckets of which only ``used`` (increasing) have weights ``values``."""
    row = np.full(size, len(used), dtype=np.intp)  # the rest: the zero column
    row[used] = np.arange(len(used))
    table = np.zeros((values.shape[1], len(used) + 1), dtype=np.float32)
    table[:, :-1] = values.T
    return row, table


def ngram_scores(texts: Sequence[str], settings: dict[str, Any], weights: np.ndarray,
                 spans: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                 span_columns: Sequence[int] = (), lookup: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """``featurize(texts) @ weights`` for the n-gram part, without building the features.

    ``weights`` has ``2**bits + 1`` rows (the last all zero); ``lookup`` is its ``weight_lookup``,
    if the caller keeps one. Texts lie contiguous in the code point array, so each text's sum is one
    ``np.add.reduceat`` segment.
    With ``spans`` = (text index, start, end) arrays, also returns the scores of those
    substrings in the ``span_columns`` of ``weights``, the same as ``ngram_scores`` of the substrings
    themselves but from one pass: n-grams that lie wholly inside a span, summed with a
    cumulative sum, no rehashing.
    """
    bits, n = int(settings["bits"]), len(texts)
    nmin, nmax = int(settings["ngram_min"]), int(settings["ngram_max"])
    out = np.zeros((weights.shape[1], n), dtype=np.float64)  # a row per label; transposed at the end
    k = 0 if spans is None else len(spans[0])
    span_columns = list(span_columns)
    span_out = np.zeros((k, len(span_columns)), dtype=np.float64)
    if n == 0:
        return out.T if spans is None else (out.T, span_out)
    row, table = weight_lookup(weights) if lookup is None else lookup
    cps, starts, lengths = _codepoints(texts, nmax)
    if k:
        owner, a, b = spans  # sorted, disjoint
        first, size = starts[owner] + a, b - a
    for n_, buckets in _ngram_buckets(cps, nmin, nmax, bits):
        gathered = np.take(table, np.take(row, buckets, mode="clip"), axis=1, mode="clip")
        # along each label's row: the same float32 sums, in the same order, as one label at a time
        out += np.add.reduceat(gathered, starts, axis=1)
        if k:
            # n-grams starting at first .. first + inside - 1 lie inside a span; reduceat over
            # [first, first + inside) and the gaps after them, keeping the span segments
            inside = size - n_ + 1
            cuts = np.empty(2 * k, dtype=np.intp)
            cuts[0::2], cuts[1::2] = first, first + np.maximum(inside, 0)
            for i, j in enumerate(span_columns):
                sums = np.add.reduceat(gathered[j], cuts)[0::2]
                sums[inside <= 0] = 0.0  # an empty segment gives its first element, not 0
                span_out[:, i] += sums
    out = out.T
    out[lengths == 0] = 0.0  # reduceat gives an empty segment's first element, not 0
    scale = 1.0 / np.sqrt(np.maximum(_ngram_counts(cps, starts, lengths, nmin, nmax), 1))
    if spans is None:
        return out * scale[:, None]
    counts = sum(np.maximum(size - m + 1, 0) for m in range(nmin, nmax + 1)).astype(np.float64)
    if nmin == 1:
        counts -= _spaces_in(cps, first, first + size)
    return out * scale[:, None], span_out / np.sqrt(np.maximum(counts, 1))[:, None]


class Categories(NamedTuple):
    """The lexicon categories of a batch's rows, flat: each row's number of them, then all of them
    as codes into ``names`` (the distinct categories, in the order met)."""

    counts: np.ndarray
    codes: np.ndarray
    names: list[str]

    @classmethod
    def of_rows(cls, categories: Sequence[Iterable[str]]) -> Categories:
        rows = [list(cats or ()) for cats in categories]
        counts = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        return cls.of_flat(counts, [c for cats in rows for c in cats])

    @classmethod
    def of_flat(cls, counts: np.ndarray, flat: list[str]) -> Categories:
        return cls(counts, *_codes(flat))


def _codes(flat: list[str]) -> tuple[np.ndarray, list[str]]:
    """The index of each string among the distinct ones (numbered in the order met), and those."""
    index = {c: i for i, c in enumerate(dict.fromkeys(flat))}
    return np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat)), list(index)


def _extra_features(n: int, settings: dict[str, Any], sections: Sequence[Sequence[str]] | None,
                    categories: Sequence[Iterable[str]] | Categories | None) -> tuple[np.ndarray, ...] | None:
    """(rows, cols, values) of the section and lexicon-category features; None when there are none."""
    bits = int(settings["bits"])
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    weight = float(settings.get("section_weight", 0))
    if weight > 0 and sections is not None:
        triples: list[tuple[int, int, float]] = []
        for r, section in enumerate(sections):
            tokens = _section_tokens(section or [])
            if tokens:
                value = weight / math.sqrt(len(tokens))
                triples.extend((r, _token_hash(t, bits), value) for t in tokens)
        if triples:
            rows, cols, vals = zip(*triples, strict=True)
            parts.append((np.array(rows, np.int64), np.array(cols, np.int64), np.array(vals, np.float32)))
    weight = float(settings.get("lexicon_weight", 0))
    if weight > 0 and categories is not None:
        flat = categories if isinstance(categories, Categories) else Categories.of_rows(categories)
        found = _category_features(flat, weight, bits)
        if len(found[0]):
            parts.append(found)
    if not parts:
        return None
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True)) if len(parts) > 1 else parts[0]


def _category_features(categories: Categories, weight: float, bits: int
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's distinct categories as tokens ``cat:<category>`` worth ``weight / sqrt(their number)``,
    in token order within a row: the (row, category) pairs made unique by numpy, not a set per row."""
    if not categories.names:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    order = sorted(range(len(categories.names)), key=lambda i: f"cat:{categories.names[i]}")  # token order
    names = [categories.names[i] for i in order]
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    row_of = np.repeat(np.arange(len(categories.counts), dtype=np.int64), categories.counts)
    pairs = _distinct(row_of * len(names) + rank[categories.codes])
    rows, cat = np.divmod(pairs, len(names))
    hashes = np.array([_token_hash(f"cat:{c}", bits) for c in names], dtype=np.int64)
    count = np.bincount(rows)
    return rows, hashes[cat], (weight / np.sqrt(count[rows].astype(np.float64))).astype(np.float32)


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of integers, from one sort (np.unique's hashing costs more on these small arrays)."""
    values = np.sort(values)
    keep = np.empty(len(values), dtype=bool)
    keep[:1], keep[1:] = True, values[1:] != values[:-1]
    return values[keep]


_MIN_SENTENCE = 8  # a sentence shorter than this is left out of the pooling


_END_MARKS = "。！？；!?;"
_SENTENCE_CLASS: np.ndarray | None = None


def _sentence_classes() -> np.ndarray:
    """Class of every BMP code point for sentence cutting: 0 text, 1 space (``str.isspace``), 2 end mark
    (U+FFFF, where characters beyond the BMP are clipped to, is text)."""
    table = np.zeros(0x10000, dtype=np.uint8)
    table[[i for i in range(0x3001) if chr(i).isspace()]] = 1  # no space lies above U+3000 (ideographic)
    table[[ord(ch) for ch in _END_MARKS]] = 2
    return table


def batch_sentence_spans(texts: Sequence[str], min_chars: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sentences of every text at least ``min_chars`` long, as (text index, start, end) arrays, in one
    numpy pass over the long texts joined (a regex match object per sentence cost more).

    Sentences end at 。！？； (either width) and are stripped of spaces; sentences under 8 characters
    are left out, and a text with fewer than two is its own sentence (no spans).
    """
    which = np.array([i for i, t in enumerate(texts) if len(t) >= min_chars], dtype=np.intp)
    long = [texts[i] for i in which.tolist()]
    lengths = np.fromiter(map(len, long), dtype=np.intp, count=len(long))
    ends = np.cumsum(lengths)
    first, end = _sentences(_sentence_kinds("".join(long)), ends)
    text = np.searchsorted(ends, first, side="right")  # the long text each sentence lies in
    keep = end - first >= _MIN_SENTENCE
    text, first, end = text[keep], first[keep], end[keep]
    keep = np.bincount(text, minlength=len(long))[text] >= 2  # a text with one sentence is not split
    text, first, end = text[keep], first[keep], end[keep]
    base = (ends - lengths)[text]
    return which[text], first - base, end - base


def _sentence_kinds(text: str) -> np.ndarray:
    """0 (text), 1 (space) or 2 (end mark) for every character."""
    global _SENTENCE_CLASS
    if _SENTENCE_CLASS is None:
        _SENTENCE_CLASS = _sentence_classes()
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return np.take(_SENTENCE_CLASS, cps, mode="clip")  # beyond the BMP: clipped to U+FFFF, text


def _sentences(kind: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of the sentences of texts joined end to end (``ends``: where each text ends).

    The text is cut into pieces after every end mark and at every text's end; a piece that holds
    a text character is a sentence, from its first text character to its end mark, or, without
    one, to its last text character.
    """
    if not len(kind):
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    cut = kind == 2
    cut[ends - 1] = True
    last = np.flatnonzero(cut)  # the last position of every piece
    piece = np.zeros(len(kind), dtype=np.intp)  # piece number of every position
    piece[last[:-1] + 1] = 1
    np.cumsum(piece, out=piece)
    word = np.flatnonzero(kind == 0)
    of = piece[word]
    opens = np.empty(len(word), dtype=bool)  # a piece's first text character
    opens[:1], opens[1:] = True, of[1:] != of[:-1]
    closes = np.empty_like(opens)  # its last one
    closes[:-1], closes[-1:] = opens[1:], True
    stop = last[of[opens]]
    return word[opens], np.where(kind[stop] == 2, stop, word[closes]) + 1


def inputs_of(items: Texts) -> tuple[list[str], list[list[str]] | None, list[list[str]] | None]:
    """Texts, section paths and lexicon categories of strings or Paragraphs."""
    items = list(items)
    if all(isinstance(x, str) for x in items):
        return list(items), None, None
    texts, sections, cats = [], [], []
    for x in items:
        if isinstance(x, str):
            texts.append(x)
            sections.append([])
            cats.append([])
        elif isinstance(x, Paragraph):
            texts.append(x.text)
            sections.append(list(x.section))
            cats.append([t.category for t in x.terms])
        else:
            raise TypeError(f"expected str or Paragraph, got {type(x).__name__}")
    return texts, sections, cats


_START = operator.attrgetter("start")
_CATEGORY = operator.attrgetter("category")
_TERMS = operator.attrgetter("terms")
_TEXT = operator.attrgetter("body.text")
_OFFSETS = operator.attrgetter("body.offsets")
_SECTION = operator.attrgetter("section")


class ParagraphBatch(NamedTuple):
    """``inputs_of`` a batch of Paragraphs (the pipeline's case), with their terms walked once:
    the categories flat, and the document offset where each term starts."""

    texts: list[str]
    sections: list[list[str]]
    categories: Categories
    starts: np.ndarray

    @classmethod
    def of(cls, items: list) -> ParagraphBatch | None:
        """None unless every item is a Paragraph."""
        if not all(isinstance(x, Paragraph) for x in items):
            return None
        per_item = list(map(_TERMS, items))
        terms = list(itertools.chain.from_iterable(per_item))
        counts = np.fromiter(map(len, per_item), dtype=np.int64, count=len(items))
        return cls(list(map(_TEXT, items)), list(map(_SECTION, items)),
                   Categories.of_flat(counts, list(map(_CATEGORY, terms))),
                   np.fromiter(map(_START, terms), dtype=np.int64, count=len(terms)))


def _batch_term_positions(items: list[Paragraph], batch: ParagraphBatch, which: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``FunctionClassifier._term_positions`` of the paragraphs ``which`` (sorted) of a batch, in numpy,
    with category codes (into ``batch.categories.names``) in place of the categories.

    A term's position is its start less the paragraph's first offset when the paragraph's text is
    one contiguous stretch of the document, else where its start lies in the paragraph's offsets:
    one ``searchsorted`` for all paragraphs, their offsets put apart by 2**33 (offsets are int32).
    """
    counts = batch.categories.counts
    row_of = np.repeat(np.arange(len(items)), counts)
    chosen = np.zeros(len(items), dtype=bool)
    chosen[which] = True
    picked = np.flatnonzero(chosen[row_of])
    rows, starts = row_of[picked], batch.starts[picked]
    offsets = list(map(_OFFSETS, map(items.__getitem__, which.tolist())))
    sizes = np.fromiter(map(len, offsets), dtype=np.int64, count=len(offsets))
    flat = np.concatenate(offsets).astype(np.int64) if offsets else np.zeros(0, np.int64)
    head = np.cumsum(sizes) - sizes  # where each paragraph's offsets begin in flat
    k = np.searchsorted(which, rows)  # the paragraph of every term among ``which``
    first, last = flat[head[k]], flat[head[k] + sizes[k] - 1]
    apart = np.arange(len(which), dtype=np.int64) << 33
    looked_up = np.searchsorted(flat + np.repeat(apart, sizes), np.clip(starts, -(1 << 31), 1 << 31) + apart[k])
    pos = np.where(last - first == sizes[k] - 1, starts - first, looked_up - head[k])
    return rows, pos, batch.categories.codes[picked]


# --------------------------------------------------------------------------- the model
class FunctionClassifier:
    """Multi-label linear classifier over hashed character n-grams.

    ``__init__`` stores parameters; ``fit`` learns ``labels_``, ``coef_``
    (dim × labels), ``intercept_`` and ``thresholds_``.
    """

    def __init__(self, ngram_min: int = 1, ngram_max: int = 3, bits: int = 18, tf: str = "count",
                 C: float = 10.0, class_weight: str | None = "balanced", section_weight: float = 0.0,
                 lexicon_weight: float = 0.0, tune_thresholds: bool = True, folds: int = 5, seed: int = 0,
                 sentence_labels: Sequence[str] = (), sentence_min_chars: int = 120) -> None:
        self.ngram_min = ngram_min
        self.ngram_max = ngram_max
        self.bits = bits
        self.tf = tf
        self.C = C
        self.class_weight = class_weight
        self.section_weight = section_weight
        self.lexicon_weight = lexicon_weight
        self.tune_thresholds = tune_thresholds
        self.folds = folds
        self.seed = seed
        self.sentence_labels = list(sentence_labels)
        self.sentence_min_chars = sentence_min_chars

    # -- parameters --------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("ngram_min", "ngram_max", "bits", "tf", "C", "class_weight",
                                              "section_weight", "lexicon_weight", "tune_thresholds", "folds", "seed",
                                              "sentence_labels", "sentence_min_chars")}

    def feature_settings(self) -> dict[str, Any]:
        settings = dict(DEFAULT_FEATURES)
        settings.update(ngram_min=int(self.ngram_min), ngram_max=int(self.ngram_max), bits=int(self.bits),
                        tf=self.tf, section_weight=float(self.section_weight),
                        lexicon_weight=float(self.lexicon_weight), sentence_labels=list(self.sentence_labels),
                        sentence_min_chars=int(self.sentence_min_chars))
        _check_settings(settings, "parameters")
        return settings

    # -- prediction (numpy only) ----------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise ConfigError("this FunctionClassifier is not fitted yet: call fit() or load a model")

    def _weights(self) -> np.ndarray:
        """``coef_`` plus one all-zero row for the "no n-gram" bucket (cached)."""
        cached = self.__dict__.get("_ext")
        if cached is None or cached[0] is not self.coef_:
            ext = np.zeros((self.coef_.shape[0] + 1, self.coef_.shape[1]), dtype=np.float32)
            ext[:-1] = self.coef_
            cached = (self.coef_, ext)
            self.__dict__["_ext"] = cached
        return cached[1]

    def _lookup(self) -> tuple[np.ndarray, np.ndarray]:
        """``weight_lookup(self._weights())`` (cached)."""
        weights = self._weights()
        cached = self.__dict__.get("_lookup_cache")
        if cached is None or cached[0] is not weights:
            cached = (weights, weight_lookup(weights))
            self.__dict__["_lookup_cache"] = cached
        return cached[1]

    def _matcher(self):  # noqa: ANN202
        """The shipped lexicon's matcher, for plain strings given to a model with lexicon features."""
        if "_match" not in self.__dict__:
            from .lexicon import load_lexicon
            from .match import Matcher

            self.__dict__["_match"] = Matcher(load_lexicon(None))
        return self.__dict__["_match"]

    def features(self, X: Texts) -> Features:
        texts, sections, cats = inputs_of(X)
        if cats is None and self.features_.get("lexicon_weight", 0) > 0:
            cats = [[t.category for t in self._matcher().find(text)] for text in texts]
        return featurize(texts, self.features_, sections, cats)

    def decision_function(self, X: Texts | Features) -> np.ndarray:
        """Linear score of each label: a gather-sum of weights, numpy only.

        Labels in ``sentence_labels`` take the higher of the paragraph's score and its
        best sentence's (paragraphs of ``sentence_min_chars`` or more; not for Features).
        """
        self._check_fitted()
        if isinstance(X, Features):
            return self._sparse_scores(X) + self.intercept_
        items = list(X)
        batch = ParagraphBatch.of(items)
        texts, sections, cats = inputs_of(items) if batch is None else batch[:3]
        found = None  # terms of plain strings, matched once
        if cats is None and self.features_.get("lexicon_weight", 0) > 0:
            found = [self._matcher().find(text) for text in texts]
            cats = [[t.category for t in terms] for terms in found]
        pooled = [j for j, lab in enumerate(self.labels_) if lab in set(self.features_.get("sentence_labels", ()))]
        spans = self._spans(texts) if pooled else None
        if spans is None or not len(spans[0]):
            return self._scores(texts, sections, cats)
        owner, a, b = spans
        scores, sentence = ngram_scores(texts, self.features_, self._weights(), (owner, a, b), pooled,
                                        lookup=self._lookup())
        scores += self._extra_scores(texts, sections, cats)
        if sections is not None and self.features_.get("section_weight", 0) > 0:
            sentence += self._extra_scores([""] * len(owner), [sections[i] for i in owner], None, pooled)
        if self.features_.get("lexicon_weight", 0) > 0:
            sentence += self._sentence_categories(items, found, (owner, a, b), pooled, batch)
        best = np.full((len(texts), len(pooled)), -np.inf)
        np.maximum.at(best, owner, sentence)
        scores[:, pooled] = np.maximum(scores[:, pooled], best)
        return scores + self.intercept_

    def _sentence_categories(self, items: list, found: list | None, spans: tuple[np.ndarray, ...],
                             columns: list[int], batch: ParagraphBatch | None = None) -> np.ndarray:
        """The lexicon-category part of the sentences' scores: each sentence gets the terms that start in it.

        The same values as ``_extra_features`` gives the sentence texts, computed from
        the paragraphs' terms (positions found by offset) without matching again.
        """
        owner, a, b = spans
        which = owner[np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])]  # spans are sorted by owner
        if batch is None:
            rows, pos, cats = self._term_positions(items, found, which.tolist())
            codes, names = _codes(cats)
        else:
            rows, pos, codes = _batch_term_positions(items, batch, which)
            names = batch.categories.names
        out = np.zeros((len(owner), len(columns)))
        if not len(codes):
            return out
        # categories numbered in the order met among these terms: it orders the sums below
        seen, first = np.unique(codes, return_index=True)
        met = seen[np.argsort(first)]
        number = np.zeros(len(names), dtype=np.int64)
        number[met] = np.arange(len(met))
        cat_ids, ids = number[codes], [names[c] for c in met.tolist()]
        width = max(int(b.max()), int(pos.max())) + 1
        term_key = rows * width + pos
        k = np.searchsorted(owner.astype(np.int64) * width + a, term_key, side="right") - 1
        inside = (k >= 0) & (term_key < owner[np.maximum(k, 0)].astype(np.int64) * width + b[np.maximum(k, 0)])
        pairs = _distinct(k[inside] * len(ids) + cat_ids[inside])  # distinct per sentence
        if not pairs.size:
            return out
        sent, cat = np.divmod(pairs, len(ids))
        bits = int(self.features_["bits"])
        buckets = np.array([_token_hash(f"cat:{c}", bits) for c in ids], dtype=np.intp)[cat]
        count = np.bincount(sent, minlength=len(owner))
        value = (float(self.features_["lexicon_weight"]) / np.sqrt(count[sent])).astype(np.float32)
        for n, j in enumerate(columns):
            out[:, n] = np.bincount(sent, weights=self.coef_[buckets, j] * value, minlength=len(owner))
        return out

    def _spans(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(text index, start, end) arrays of the sentences of every long text."""
        return batch_sentence_spans(texts, int(self.features_.get("sentence_min_chars", 120)))

    def _extra_scores(self, texts: list[str], sections: list[list[str]] | None,
                      cats: list[list[str]] | Categories | None,
                      columns: list[int] | None = None) -> np.ndarray | float:
        extra = _extra_features(len(texts), self.features_, sections, cats)
        return 0.0 if extra is None else self._sparse_scores(Features(len(texts), *extra), columns)

    def _scores(self, texts: list[str], sections: list[list[str]] | None,
                cats: list[list[str]] | Categories | None) -> np.ndarray:
        return ngram_scores(texts, self.features_, self._weights(), lookup=self._lookup()) \
            + self._extra_scores(texts, sections, cats) \
            + self.intercept_

    def _term_positions(self, items: list, found: list | None, which: list[int]
                        ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Item index, position in the item's text and category of every term of the items ``which``.

        Paragraphs' terms in one pass over all their terms (no list of tuples per paragraph): positions
        are term starts less the paragraph's first offset, but where a paragraph's text is not one
        contiguous stretch of the document.
        """
        if found is not None or not all(isinstance(items[i], Paragraph) for i in which):
            located = [(i, self._located_categories(items[i], found[i] if found is not None else None))
                       for i in which]
            return (np.array([i for i, pairs in located for _ in pairs], dtype=np.int64),
                    np.array([p for _, pairs in located for p, _ in pairs], dtype=np.int64),
                    [c for _, pairs in located for _, c in pairs])
        paragraphs = [items[i] for i in which]
        terms = [t for p in paragraphs for t in p.terms]
        counts = np.fromiter(map(len, (p.terms for p in paragraphs)), dtype=np.int64, count=len(paragraphs))
        starts = np.fromiter(map(_START, terms), dtype=np.int64, count=len(terms))
        bases = [int(p.body.offsets[0]) if p.terms else 0 for p in paragraphs]
        pos = starts - np.repeat(np.array(bases, dtype=np.int64), counts)
        ends = np.cumsum(counts).tolist()
        for p, base, end in zip(paragraphs, bases, ends, strict=True):
            offsets = p.body.offsets
            if p.terms and int(offsets[-1]) - base != len(offsets) - 1:  # not contiguous: look the starts up
                begin = end - len(p.terms)
                pos[begin:end] = np.searchsorted(offsets, starts[begin:end])
        return np.repeat(np.array(which, dtype=np.int64), counts), pos, list(map(_CATEGORY, terms))

    def _located_categories(self, item: str | Paragraph, terms: list | None) -> list[tuple[int, str]]:
        """(position in the paragraph text, category) of each lexicon term."""
        if isinstance(item, Paragraph):
            offsets = item.body.offsets
            if not len(item.terms) or not len(offsets):
                return []
            base = int(offsets[0])
            if int(offsets[-1]) - base == len(offsets) - 1:  # the usual case: a contiguous stretch of the document
                return [(t.start - base, t.category) for t in item.terms]
            pos = np.searchsorted(offsets, [t.start for t in item.terms])
            return [(int(p), t.category) for p, t in zip(pos.tolist(), item.terms, strict=True)]
        return [(t.start, t.category) for t in (terms if terms is not None else self._matcher().find(item))]

    def _sparse_scores(self, feats: Features, columns: list[int] | None = None) -> np.ndarray:
        columns = list(range(len(self.labels_))) if columns is None else columns
        scores = np.empty((feats.n_rows, len(columns)), dtype=np.float64)
        for k, j in enumerate(columns):
            contrib = self.coef_[feats.cols, j] * feats.vals
            scores[:, k] = np.bincount(feats.rows, weights=contrib, minlength=feats.n_rows)
        return scores

    def predict_proba(self, X: Texts | Features) -> np.ndarray:
        """Probability of each label (columns in ``labels_`` order)."""
        z = np.clip(self.decision_function(X), -40, 40)
        return 1.0 / (1.0 + np.exp(-z))

    def predict_matrix(self, X: Texts | Features) -> np.ndarray:
        return self.predict_proba(X) >= self.thresholds_

    def predict(self, X: Texts | Features) -> list[list[str]]:
        """Label lists, in ``labels_`` order."""
        return [[lab for lab, on in zip(self.labels_, row, strict=True) if on] for row in self.predict_matrix(X)]

    @property
    def labels(self) -> list[str]:
        self._check_fitted()
        return list(self.labels_)

    # -- persistence ------------------------------------------------------------------------
    def save(self, directory: str | Path, info: dict[str, Any] | None = None, card: str | None = None) -> Path:
        return save_bundle(self, directory, info or {}, card)

    @classmethod
    def load(cls, directory: str | Path) -> FunctionClassifier:
        return load_bundle(cls, directory)


def _check_settings(settings: dict[str, Any], where: str) -> None:
    """Refuse feature settings this code cannot reproduce exactly."""
    if settings.get("scheme") != HASH_SCHEME or settings.get("scheme_version") != HASH_SCHEME_VERSION:
        raise ConfigError(f"{where}: feature scheme {settings.get('scheme')!r} version "
                          f"{settings.get('scheme_version')!r} is not {HASH_SCHEME!r} version "
                          f"{HASH_SCHEME_VERSION}; retrain the model with this policytag (policytag train)")
    for key in ("ngram_min", "ngram_max", "bits"):
        if not isinstance(settings.get(key), int) or isinstance(settings.get(key), bool):
            raise ConfigError(f"{where}: feature setting {key} must be an integer, got {settings.get(key)!r}")
    if not 1 <= settings["ngram_min"] <= settings["ngram_max"] <= 6:
        raise ConfigError(f"{where}: n-gram range {settings['ngram_min']}..{settings['ngram_max']} must lie in 1..6")
    if not 8 <= settings["bits"] <= _MAX_BITS:
        raise ConfigError(f"{where}: hash bits {settings['bits']} must lie in 8..{_MAX_BITS}")
    if settings.get("tf") != "count":
        raise ConfigError(f"{where}: tf must be 'count', got {settings.get('tf')!r}")
    labels = settings.get("sentence_labels", [])
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ConfigError(f"{where}: sentence_labels must be a list of label names, got {labels!r}")
    minimum = settings.get("sentence_min_chars", 120)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or not 1 <= minimum <= 100_000:
        raise ConfigError(f"{where}: sentence_min_chars must be an integer in 1..100000, got {minimum!r}")
    for key in ("section_weight", "lexicon_weight"):
        value = settings.get(key, 0.0)
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 100:
            raise ConfigError(f"{where}: {key} must be a number in 0..100, got {value!r}")


# --------------------------------------------------------------------------- the pipeline component
class Classifier:
    """The pipeline component: sets ``paragraph.labels`` and ``paragraph.scores``.

    Assigns: ``Paragraph.labels`` (labels over their threshold, in model order)
    and ``Paragraph.scores`` ({label: probability}).
    """

    def __init__(self, model: FunctionClassifier, skip_headings: bool = False) -> None:
        self.model = model
        self.skip_headings = skip_headings

    @property
    def labels(self) -> list[str]:
        return self.model.labels

    def __call__(self, paragraph: Paragraph) -> Paragraph:
        return next(iter(self.pipe([paragraph])))

    def pipe(self, paragraphs: Iterable[Paragraph], batch_size: int = 1024) -> Iterator[Paragraph]:
        it = iter(paragraphs)
        while batch := list(itertools.islice(it, batch_size)):  # vectorized per batch, memory stays flat
            yield from self.annotate_batch(batch)

    def annotate_batch(self, batch: list[Paragraph]) -> list[Paragraph]:
        """Score a whole batch (paragraphs of any documents) in one call."""
        probs = self.model.predict_proba(batch)
        on = probs >= self.model.thresholds_
        labels = self.model.labels_
        # rows of len(labels) values by construction: plain zip, and compress (C) picks the labels
        for p, row, flags in zip(batch, probs.tolist(), on.tolist(), strict=True):
            p.scores = dict(zip(labels, row, strict=False))
            p.labels = list(itertools.compress(labels, flags))
        return batch


_CACHE: dict[str, Classifier] = {}


def resolve_model_path(name_or_path: str | Path) -> Path:
    """A model folder: an existing path, else a model shipped in ``models/``."""
    path = Path(name_or_path).expanduser()
    if path.exists():
        return path
    try:
        from .resources import data_dir

        shipped = data_dir("models") / str(name_or_path)
    except FileNotFoundError:
        shipped = path
    if shipped.exists():
        return shipped
    raise ConfigError(f"model not found: {name_or_path} (neither a folder nor a model shipped in models/)")


def load_model(name_or_path: str | Path = "default") -> Classifier:
    """The classifier component for a model name ("default") or bundle folder (cached)."""
    path = resolve_model_path(name_or_path).resolve()
    key = str(path)
    if key not in _CACHE:
        _CACHE[key] = Classifier(FunctionClassifier.load(path))
    return _CACHE[key]


# --------------------------------------------------------------------------- npz writing
def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An .npz with fixed timestamps so that the same weights give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


def array_digest(arrays: dict[str, np.ndarray]) -> str:
    """sha256 over names, dtypes, shapes and bytes of the arrays."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def read_json(path: Path) -> Any:
    if path.stat().st_size > _MAX_JSON_BYTES:
        raise ConfigError(f"{path}: too large for a model description ({path.stat().st_size} bytes)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); the model bundle is corrupt") from None


# --------------------------------------------------------------------------- the bundle
def _bundle_arrays(model: FunctionClassifier) -> dict[str, np.ndarray]:
    """Only buckets with a nonzero weight are stored: the file stays small."""
    coef = np.asarray(model.coef_, dtype=np.float32)
    used = np.flatnonzero(np.any(coef != 0, axis=1)).astype(np.int32)
    return {"rows": used, "values": coef[used], "intercept": np.asarray(model.intercept_, dtype=np.float32)}


def save_bundle(model: FunctionClassifier, directory: str | Path, info: dict[str, Any], card: str | None) -> Path:
    """Write model.json + weights.npz (+ MODEL_CARD.md) to a temp folder, then rename it into place."""
    import datetime
    import os
    import shutil
    import tempfile

    model._check_fitted()
    target = Path(directory)
    arrays = _bundle_arrays(model)
    meta: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "kind": "policytag.FunctionClassifier",
        "labels": list(model.labels_),
        "thresholds": {lab: float(t) for lab, t in zip(model.labels_, model.thresholds_, strict=True)},
        "features": dict(model.features_),
        "params": model.get_params(),
        "arrays": {name: {"dtype": a.dtype.str, "shape": list(a.shape)} for name, a in arrays.items()},
        "arrays_sha256": array_digest(arrays),
        "created": datetime.date.today().isoformat(),
        "versions": _versions(),
    }
    meta.update(info)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp.chmod(0o755)
    try:
        write_npz(tmp / WEIGHTS_FILE, arrays)
        (tmp / MODEL_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if card is not None:
            (tmp / "MODEL_CARD.md").write_text(card, encoding="utf-8")
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _versions() -> dict[str, str]:
    import platform
    from importlib import metadata

    out = {"python": platform.python_version(), "numpy": np.__version__}
    for dist in ("policytag", "scikit-learn", "scipy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[dist] = metadata.version(dist)
    return out


def _fail(path: Path, message: str) -> ConfigError:
    return ConfigError(f"{path}: {message}")


def load_bundle(cls: type[FunctionClassifier], directory: str | Path) -> FunctionClassifier:
    """Load and check a bundle; anything unexpected is a ConfigError naming the path."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ConfigError(f"model folder not found: {folder}")
    meta_path, weights_path = folder / MODEL_FILE, folder / WEIGHTS_FILE
    for needed in (meta_path, weights_path):
        if not needed.is_file():
            raise ConfigError(f"{folder}: not a model bundle ({needed.name} is missing)")
    meta = read_json(meta_path)
    labels, thresholds, settings = _check_meta(meta, meta_path)
    arrays = _read_arrays(weights_path, meta)
    rows, values, intercept = arrays["rows"], arrays["values"], arrays["intercept"]
    dim, n_labels = 1 << settings["bits"], len(labels)
    if values.shape != (len(rows), n_labels) or intercept.shape != (n_labels,):
        raise _fail(weights_path, f"array shapes {values.shape}/{intercept.shape} do not fit {n_labels} labels")
    if len(rows) and (rows.min() < 0 or rows.max() >= dim or np.any(np.diff(rows) <= 0)):
        raise _fail(weights_path, f"weight rows must be increasing and inside 0..{dim - 1}")
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(intercept))):
        raise _fail(weights_path, "weights contain NaN or infinity")
    model = cls(**{k: v for k, v in meta.get("params", {}).items() if k in cls().get_params()})
    ext = np.zeros((dim + 1, n_labels), dtype=np.float32)
    ext[rows] = values
    model.labels_ = labels
    model.coef_ = ext[:dim]
    model.__dict__["_ext"] = (model.coef_, ext)
    model.__dict__["_lookup_cache"] = (ext, _compact_lookup(rows, values, dim + 1))  # the bundle keeps only used rows
    model.intercept_ = intercept.astype(np.float64)
    model.thresholds_ = np.array([thresholds[lab] for lab in labels], dtype=np.float64)
    model.features_ = settings
    model.info_ = meta
    return model


def _check_meta(meta: Any, path: Path) -> tuple[list[str], dict[str, float], dict[str, Any]]:
    if not isinstance(meta, dict):
        raise _fail(path, "must hold a JSON object")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise _fail(path, f"model format_version {version!r} is not supported (this policytag reads "
                          f"{FORMAT_VERSION}); retrain with `policytag train`")
    labels = meta.get("labels")
    if (not isinstance(labels, list) or not labels or len(labels) > 1000
            or not all(isinstance(x, str) and x.strip() for x in labels) or len(set(labels)) != len(labels)):
        raise _fail(path, "labels must be a non-empty list of distinct non-empty strings")
    thresholds = meta.get("thresholds")
    if not isinstance(thresholds, dict) or set(thresholds) != set(labels):
        raise _fail(path, "thresholds must give one number per label")
    for lab, t in thresholds.items():
        if not isinstance(t, int | float) or isinstance(t, bool) or not 0.0 < t < 1.0:
            raise _fail(path, f"threshold of {lab!r} must be a number between 0 and 1, got {t!r}")
    settings = meta.get("features")
    if not isinstance(settings, dict):
        raise _fail(path, "features must be a JSON object")
    _check_settings(settings, str(path))
    if not isinstance(meta.get("arrays_sha256"), str):
        raise _fail(path, "arrays_sha256 is missing")
    if not isinstance(meta.get("params", {}), dict):
        raise _fail(path, "params must be a JSON object")
    return labels, thresholds, settings


_ARRAY_KINDS = {"rows": np.dtype(np.int32), "values": np.dtype(np.float32), "intercept": np.dtype(np.float32)}


_NPY_HEADER = 4096  # an .npy member is its header (a few hundred bytes) and the raw array


def _member_sizes(path: Path, meta: dict[str, Any]) -> dict[str, int]:
    """The most each array member of weights.npz may inflate to, from the shapes model.json gives."""
    declared = meta.get("arrays")
    sizes = {}
    for name, dtype in _ARRAY_KINDS.items():
        spec = declared.get(name) if isinstance(declared, dict) else None
        shape = spec.get("shape") if isinstance(spec, dict) else None
        if not (isinstance(shape, list) and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                                for d in shape)):
            raise _fail(path.with_name(MODEL_FILE), f"arrays.{name}.shape must be a list of sizes, got {shape!r}")
        sizes[f"{name}.npy"] = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize + _NPY_HEADER
    return sizes


def _read_arrays(path: Path, meta: dict[str, Any]) -> dict[str, np.ndarray]:
    from .safezip import zip_problem

    sizes = _member_sizes(path, meta)
    # checked before np.load inflates anything: a small file must not be allowed to inflate to gigabytes
    problem = zip_problem(path, expected=sizes, max_unpacked=sum(sizes.values()), max_members=len(sizes))
    if problem:
        raise _fail(path, problem)
    try:
        with np.load(path, allow_pickle=False) as npz:
            if set(npz.files) != set(_ARRAY_KINDS):
                raise _fail(path, f"holds arrays {sorted(npz.files)}, expected {sorted(_ARRAY_KINDS)}")
            arrays = {name: npz[name] for name in _ARRAY_KINDS}
    except ConfigError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        # np.load refuses object (pickled) arrays with ValueError: nothing is ever unpickled
        raise _fail(path, f"cannot be read as plain numeric arrays ({exc}); the model bundle is corrupt") from None
    declared = meta.get("arrays")
    for name, a in arrays.items():
        if a.dtype != _ARRAY_KINDS[name]:
            raise _fail(path, f"array {name!r} has dtype {a.dtype}, expected {_ARRAY_KINDS[name]}")
        spec = declared.get(name) if isinstance(declared, dict) else None
        if not isinstance(spec, dict) or list(a.shape) != spec.get("shape"):
            raise _fail(path, f"array {name!r} has shape {list(a.shape)}, model.json says "
                              f"{spec.get('shape') if isinstance(spec, dict) else None}")
    if array_digest(arrays) != meta["arrays_sha256"]:
        raise _fail(path, "checksum of the weights does not match model.json; the bundle is corrupt or was edited")
    return arrays
