"""Term recall of a lexicon against an expert's list of the terms in some paragraphs.

The expert list maps a paragraph id to the phrases a curator counts as policy terms there,
as they stand in the text; ``A…B`` is one term with words between its parts (听取和审议…专项
工作报告). Every occurrence of a phrase is one expected term; it is found when a matched term
covers at least ``MIN_COVER`` of its characters.

>>> from policytag.lexicon import Entry, Lexicon
>>> from policytag.match import Matcher
>>> m = Matcher(Lexicon([Entry("执法检查", "监督")]))
>>> r = term_recall({"p1": "开展执法检查，专题询问"}, {"p1": ["执法检查", "专题询问"]}, m)
>>> r.found, r.total, r.misses
(1, 2, [('p1', '专题询问')])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

GAP = "…"
MAX_GAP = 12  # characters allowed between the parts of a gapped term
MIN_COVER = 2 / 3


def phrase_spans(text: str, phrase: str) -> list[tuple[int, int]]:
    """Every occurrence of ``phrase`` in ``text`` (a gapped ``A…B``: A, then B within MAX_GAP characters)."""
    parts = [p for p in phrase.split(GAP) if p]
    spans = []
    at = text.find(parts[0])
    while at >= 0:
        end, ok = at + len(parts[0]), True
        for part in parts[1:]:
            nxt = text.find(part, end, end + MAX_GAP + len(part))
            if nxt < 0:
                ok = False
                break
            end = nxt + len(part)
        if ok:
            spans.append((at, end))
        at = text.find(parts[0], at + 1)
    return spans


def covered(span: tuple[int, int], terms: Sequence[tuple[int, int]]) -> bool:
    start, end = span
    need = MIN_COVER * (end - start)
    return any(min(end, e) - max(start, s) >= need for s, e in terms)


@dataclass
class Recall:
    found: int = 0
    total: int = 0
    misses: list[tuple[str, str]] = field(default_factory=list)  # (paragraph id, phrase)
    absent: list[tuple[str, str]] = field(default_factory=list)  # listed phrases not in the text (list errors)

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 1.0


def term_recall(texts: Mapping[str, str], expected: Mapping[str, Sequence[str]], matcher: Any) -> Recall:
    """Share of the expected term occurrences that the matcher's terms cover."""
    out = Recall()
    for pid, phrases in expected.items():
        text = texts[pid]
        spans = [(t.start, t.end) for t in matcher.find(text)]
        for phrase in dict.fromkeys(phrases):
            occurrences = phrase_spans(text, phrase)
            if not occurrences:
                out.absent.append((pid, phrase))
            for span in occurrences:
                out.total += 1
                if covered(span, spans):
                    out.found += 1
                else:
                    out.misses.append((pid, phrase))
    return out
