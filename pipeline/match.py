"""Stage: match. Finds lexicon phrases in a paragraph's normalized text, independent of any tokenizer.

One Aho-Corasick automaton (pyahocorasick) holds the ``match_key`` of every form, built
once per lexicon. A paragraph's text is keyed the same way (quotes and spaces dropped,
full-width ASCII folded), so “一府一委两院”, 一府一委两院 and a phrase broken by a
joined line all match; positions in the key map back to the paragraph text and from
there, through ``MappedText``, to the original document.

>>> from policytag.lexicon import load_lexicon
>>> matcher = Matcher(load_lexicon())
>>> [(t.canonical, t.quoted) for t in matcher.find("做到“两个维护”，推进双联工作")]
[('两个维护', True), ('双联', False)]

``Term.term`` is the surface as it stands in the text matched: pass ``raw`` (the
document's ``Document.raw``) to get exactly ``raw[start:end]``; without it the surface
comes from the normalized body (which differs from the original only where
normalization changed it, e.g. traditional characters or a removed line break).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator

from .lexicon import CLOSE_QUOTES, OPEN_QUOTES, QUOTES, SPACES, Entry, Lexicon, match_key
from .record import MappedText, Paragraph, Term

# The text side only drops quotes and spaces (one fast regex pass); width variants of punctuation
# are handled on the lexicon side by adding both spellings of each form to the automaton.
_DROP_RE = re.compile("[" + re.escape(QUOTES + SPACES) + "]")
_TO_FULL = {ord(c): chr(ord(c) + 0xFEE0) for c in ",;:()+!?~"}


def automaton_keys(form: str) -> set[str]:
    """Spellings of one form the text may contain once quotes and spaces are gone."""
    bare = _DROP_RE.sub("", form)
    half = match_key(bare)
    return {k for k in (bare, half, half.translate(_TO_FULL), half.upper()) if k}


def simplify_forms(forms: list[str]) -> list[str]:
    """Traditional -> simplified for lexicon forms (text is converted by the read stage, so keys must be too)."""
    try:
        from opencc import OpenCC
    except ImportError:  # pragma: no cover - opencc is a core dependency
        return forms
    converter = OpenCC("t2s")
    return [converter.convert(f) for f in forms]


class Matcher:
    """Finds lexicon terms: longest, non-overlapping matches (``overlaps=True``: every match).

    Assigns ``Paragraph.terms``. Build once, call on many paragraphs.
    """

    def __init__(self, lexicon: Lexicon, overlaps: bool = False) -> None:
        import ahocorasick

        self.lexicon = lexicon
        self.overlaps = overlaps
        self._entries: list[Entry] = list(lexicon)
        self._automaton = ahocorasick.Automaton()
        forms = [(i, f) for i, e in enumerate(self._entries) for f in e.forms]
        for (i, _), form in zip(forms, simplify_forms([f for _, f in forms]), strict=True):
            for key in automaton_keys(form):
                if key not in self._automaton:
                    self._automaton.add_word(key, (len(key), i))
        self._automaton.make_automaton()

    def __call__(self, paragraph: Paragraph, raw: str | None = None) -> Paragraph:
        paragraph.terms = self.match_text(paragraph.body, raw)
        return paragraph

    def pipe(self, paragraphs: Iterable[Paragraph], raw: str | None = None) -> Iterator[Paragraph]:
        for paragraph in paragraphs:
            yield self(paragraph, raw)

    def find(self, text: str) -> list[Term]:
        """Match a plain string (offsets index that string)."""
        return self.match_text(MappedText.identity(text), text)

    def match_text(self, mapped: MappedText, raw: str | None = None) -> list[Term]:
        """Terms in ``mapped.text``; start/end index the original text (``raw`` if given)."""
        text = mapped.text
        dropped = [m.start() for m in _DROP_RE.finditer(text)]
        key = _DROP_RE.sub("", text) if dropped else text
        if not key:
            return []
        hits = self._automaton.iter(key) if self.overlaps else self._automaton.iter_long(key)
        found = [(end - length + 1, end + 1, idx) for end, (length, idx) in hits]
        if not found:
            return []
        # key index k sits at text index k + (number of dropped characters before it)
        shifts = [d - i for i, d in enumerate(dropped)]
        positions = None if not dropped else shifts
        offsets = mapped.offsets
        n = len(text)
        terms: list[Term] = []
        seen: set[tuple[int, int, int]] = set()
        for kstart, kend, idx in found:
            if positions is None:  # nothing dropped: key positions are text positions, and no quotes anywhere
                start, end, quoted = kstart, kend, False
            else:
                start = kstart + bisect_right(positions, kstart)
                end = kend - 1 + bisect_right(positions, kend - 1) + 1
                if end - start != kend - kstart:  # quotes or spaces inside the match
                    start, end = _balance_quotes(text, start, end)
                    quoted = _is_quoted(text, start, end)
                else:
                    quoted = start > 0 and end < n and text[start - 1] in OPEN_QUOTES and text[end] in CLOSE_QUOTES
            if self.overlaps:
                if (start, end, idx) in seen:
                    continue
                seen.add((start, end, idx))
            entry = self._entries[idx]
            ostart, oend = int(offsets[start]), int(offsets[end - 1]) + 1
            surface = raw[ostart:oend] if raw is not None else text[start:end]
            terms.append(Term(surface, entry.term, entry.category, quoted, ostart, oend))
        if self.overlaps:
            terms = _drop_nested_same_entry(terms)
        return terms


def _is_quoted(text: str, start: int, end: int) -> bool:
    """Wrapped in quotes (“双联”), or the writer quoted a part inside the match (做到“两个维护”)."""
    if start > 0 and end < len(text) and text[start - 1] in OPEN_QUOTES and text[end] in CLOSE_QUOTES:
        return True
    span = text[start:end]
    return any(q in span for q in "“「『") and any(q in span for q in "”」』")


def _drop_nested_same_entry(terms: list[Term]) -> list[Term]:
    """In overlap mode keep every entry's outermost matches: 票决制 inside 民生实事项目人大代表票决制 is one hit."""
    terms.sort(key=lambda t: (t.start, -t.end))
    kept: list[Term] = []
    for t in terms:
        if not any(k.canonical == t.canonical and k.start <= t.start and t.end <= k.end for k in kept):
            kept.append(t)
    return kept


def _balance_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    """Take in a quote opened or closed inside the match: 坚持“两个毫不动摇” -> whole, not 坚持“两个毫不动摇."""
    span = text[start:end]
    opens = sum(span.count(q) for q in "“‘「『〝")
    closes = sum(span.count(q) for q in "”’」』〞")
    if opens > closes and end < len(text) and text[end] in CLOSE_QUOTES:
        end += 1
    elif closes > opens and start > 0 and text[start - 1] in OPEN_QUOTES:
        start -= 1
    return start, end


def kwic(term: str, mapped: MappedText, raw: str, lexicon: Lexicon | None = None,
         width: int = 20) -> list[dict[str, object]]:
    """Keyword in context: every occurrence of ``term`` (or of any form of its lexicon entry).

    Contexts come from ``raw`` with whitespace shown as one space; start/end index ``raw``.
    """
    entry = lexicon.lookup(term) if lexicon is not None else None
    if entry is None:
        entry = Entry(term.strip(QUOTES), "", ())
    matcher = Matcher(Lexicon([entry]))
    rows: list[dict[str, object]] = []
    for t in matcher.match_text(mapped, raw):
        rows.append({"start": t.start, "end": t.end, "left": _tail(raw, t.start, width), "match": t.term,
                     "right": _head(raw, t.end, width), "canonical": t.canonical, "quoted": t.quoted})
    return rows


def _flat(s: str) -> str:
    return " ".join(s.split())


def _tail(raw: str, pos: int, width: int) -> str:
    return _flat(raw[max(0, pos - width) : pos])


def _head(raw: str, pos: int, width: int) -> str:
    return _flat(raw[pos : pos + width])
