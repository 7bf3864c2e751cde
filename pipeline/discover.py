"""Lexicon discovery: phrases the reports use that the lexicon lacks, ranked for a curator.

A tool above the stages: it reads the lexicon (data), matches and tokenizes with the
stages built from it, and writes candidates in the lexicon's own YAML format
(``policytag lexicon discover``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .lexicon import CATEGORIES, PENDING, Lexicon, match_key

STOP_EDGE = set("的和与及了在对为等是把将以并中上下向从于被也其之所而或").union(
    {"进一步", "加强", "推进", "开展", "坚持", "深化", "完善", "推动", "落实", "健全", "做好", "认真", "积极", "全面",
     "组织", "召开", "建立", "持续", "不断", "切实", "深入", "扎实", "着力", "围绕", "聚焦", "共", "年", "月", "日"})
# Last words that mark an institution, mechanism or campaign rather than an ordinary phrase.
HEADS = {"制", "制度", "机制", "监督", "检查", "询问", "测评", "审查", "评议", "平台", "之家", "联络站", "工作站",
         "工作室", "考试", "宣誓", "议题", "行动", "改革", "战略", "体系", "清单", "小组", "规划", "试点",
         "工程", "攻坚战", "保卫战", "联系点", "责任制", "模式", "格局", "理念", "思想", "精神", "战役", "专项行动",
         "示范区", "主题教育"}
NUMERALS = "一二两三四五六七八九十百"
_QUOTED = re.compile(r"[“「『‘\"]([^“”「」『』‘’\"\n]{2,20})[”」』’\"]")
# 一府一委两院, 五位一体
_LIST_FORMULA = re.compile(rf"(?<![{NUMERALS}第])(?:[{NUMERALS}][\u4e00-\u9fff]){{2,4}}(?![{NUMERALS}])")
_COUNT_FORMULA = re.compile(
    rf"(?<![{NUMERALS}第])[{NUMERALS}]{{1,2}}[个大项场条张型种支类级][\u4e00-\u9fff]{{2,4}}?"
    r"(?=[”’」、，。；：,;:\s的和与及]|$)")  # 四个意识, 三大攻坚战
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_BAD_IN_QUOTE = re.compile(r"[，。；：！？,;:!?《》]")
KIND_WEIGHT = {"quoted": 3.0, "formula": 2.0, "ngram": 1.0}


@dataclass
class Candidate:
    term: str
    freq: int = 0
    docs: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    examples: list[tuple[str, str]] = field(default_factory=list)  # (document, context)
    near: Counter = field(default_factory=Counter)  # lexicon categories in the paragraphs it occurs in

    @property
    def score(self) -> float:
        weight = max(KIND_WEIGHT[k] for k in self.kinds)
        return weight * len(self.docs) * math.log2(1 + self.freq)


def document_year(doc: Any) -> int | None:
    """The report's year: doc.meta["year"] from the read stage, else the first 4-digit 年 in the header."""
    year = (doc.meta or {}).get("year")
    if year:
        try:
            return int(year)
        except (TypeError, ValueError):
            pass
    found = re.search(r"((?:19|20)\d\d)\s*年", doc.raw[:600])
    return int(found.group(1)) if found else None


def candidate_spans(text: str, words: list[str]) -> Iterator[tuple[str, str, int]]:
    """(phrase, kind, position) of every candidate in one paragraph; ``words`` are its tokens."""
    for m in _QUOTED.finditer(text):
        phrase = m.group(1).strip()
        if _HAN.search(phrase) and not _BAD_IN_QUOTE.search(phrase):
            yield phrase, "quoted", m.start(1)
    for pattern in (_LIST_FORMULA, _COUNT_FORMULA):
        for m in pattern.finditer(text):
            yield m.group(0), "formula", m.start()
    pos = 0
    starts = []
    for w in words:
        starts.append(pos)
        pos += len(w)
    for n in (2, 3, 4):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if gram[-1] not in HEADS or gram[0] in STOP_EDGE or gram[-1] in STOP_EDGE:
                continue
            phrase = "".join(gram)
            if 4 <= len(phrase) <= 12 and _HAN.fullmatch(phrase) and not any(w in STOP_EDGE for w in gram[1:-1]):
                yield phrase, "ngram", starts[i]


def discover(paragraphs: Iterable[tuple[str, int | None, str]], lexicon: Lexicon, n: int = 100,
             min_freq: int = 2, tokenize: Any = None, near: Sequence[str] = ()) -> list[Candidate]:
    """Rank phrases not in the lexicon; ``paragraphs`` are (document, year, normalized text).

    score = kind weight (quoted 3, numbered formula 2, n-gram 1) × documents × log2(1 + frequency):
    phrases that many reports use, often, and that writers mark themselves, come first.
    Quoted phrases and formulas are kept from one occurrence; n-grams need ``min_freq``.
    Each candidate counts the lexicon categories of the terms in the paragraphs it occurs in
    (``Candidate.near``); ``near`` keeps only candidates that occur beside those categories
    (or their sub-categories), so a user grows their own categories, not ours.
    """
    if tokenize is None:
        from .tokenizer import get_tokenizer

        tokenize = get_tokenizer("jieba", lexicon=lexicon).tokenize
    from .match import Matcher

    matcher = Matcher(lexicon)
    known = lexicon.keys()
    found: dict[str, Candidate] = {}
    for doc, year, text in paragraphs:
        words = tokenize(text) if text.strip() else []
        counted: set[tuple[str, int]] = set()  # one occurrence found by two kinds counts once
        cats: Counter | None = None
        for phrase, kind, pos in candidate_spans(text, words):
            key = match_key(phrase)
            if len(key) < 2 or key in known:
                continue
            cand = found.setdefault(key, Candidate(phrase))
            cand.kinds.add(kind)
            if (key, pos) in counted:
                continue
            counted.add((key, pos))
            if cats is None:
                cats = Counter(t.category for t in matcher.find(text))
            cand.near.update(cats)
            cand.freq += 1
            cand.docs.add(doc)
            if year:
                cand.years.add(year)
            if len(cand.examples) < 2 and all(d != doc for d, _ in cand.examples):
                cand.examples.append((doc, _context(text, pos, len(phrase))))
    kept = [c for c in found.values() if c.kinds != {"ngram"} or c.freq >= min_freq]
    if near:
        kept = [c for c in kept if any(cat == w or cat.startswith(w + "/") for cat in c.near for w in near)]
    kept.sort(key=lambda c: (-c.score, -c.freq, c.term))
    out: list[Candidate] = []
    for cand in kept:
        if len(out) >= n:
            break
        if "quoted" not in cand.kinds and _is_fragment(match_key(cand.term), cand.freq, kept, known):
            continue
        out.append(cand)
    return out


def _is_fragment(key: str, freq: int, cands: list[Candidate], known: set[str]) -> bool:
    """A phrase that only occurs inside a longer candidate, or that is part of a lexicon form."""
    if any(key in form for form in known):
        return True
    return any(c.freq >= freq and key != (other := match_key(c.term)) and key in other for c in cands)


def _context(text: str, pos: int, length: int, width: int = 18) -> str:
    left = text[max(0, pos - width) : pos]
    right = text[pos + length : pos + length + width]
    return re.sub(r"\s+", " ", f"…{left}【{text[pos : pos + length]}】{right}…")


def _yaml_str(value: str) -> str:
    import json

    return value if re.fullmatch(r"[\u4e00-\u9fff\w·、+]+", value) and not value[0].isdigit() else json.dumps(
        value, ensure_ascii=False)


def candidates_yaml(cands: list[Candidate], n_docs: int, categories: Sequence[str] = CATEGORIES) -> str:
    """Candidates in the lexicon's own format, with the curator's fields marked '?'.

    ``categories`` are the lexicon's (the user's); each candidate's comment names the
    categories met beside it, most frequent first.
    """
    names = " ".join(categories)
    lines = [
        f"# policytag lexicon discover: {len(cands)} candidate phrases from {n_docs} documents, not in the lexicon.",
        "# Ranked by score = kind weight (quoted 3, numbered formula 2, n-gram 1) x documents x log2(1 + frequency).",
        f"# For each entry you keep: set category ({names})",
        "# and write a definition; 'policytag lexicon check' rejects the '?' left here. Then paste into the lexicon.",
    ]
    for c in cands:
        since = min(c.years) if c.years else None
        near = ", ".join(f"{cat} {k}" for cat, k in c.near.most_common(3))
        lines += [
            f"- term: {_yaml_str(c.term)}",
            f'  category: "{PENDING}"  # curator: ' + (f"near {near}" if near else names),
            "  variants: []",
            f'  definition: "{PENDING}"  # curator: a short definition in your own words',
        ]
        if since:
            lines.append(f"  since: {since}  # first year seen in these documents; check it")
        lines.append(f"  # score {c.score:.1f} | freq {c.freq} | docs {len(c.docs)} | {', '.join(sorted(c.kinds))}")
        lines += [f"  # {Path(doc).name}: {ctx}" for doc, ctx in c.examples]
    return "\n".join(lines) + "\n"
