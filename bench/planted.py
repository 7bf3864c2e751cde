"""A test corpus for ``policytag reuse`` with known answers, built at run time from the seed reports.

Synthetic host reports (characters drawn from a first-order Markov chain fitted
on the seeds: the look of report text without its phrases) receive copies of
real seed paragraphs, lightly edited: exact, insertions, deletions, changed
numbers, traditional script, all three at once, or only a sentence or two
inside a paragraph of their own. Every copy of one seed paragraph (and the seed
itself) forms a planted pair with every other copy. A few formula sentences go
into most hosts: boilerplate, which must not come out as pairs. Nothing of the
seeds is stored in the repository: the corpus is written to a scratch folder.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EDITS = ("exact", "insert", "delete", "numbers", "traditional", "mixed", "partial")
# (place, year) of the hosts: a province, cities in it, counties in them, and places elsewhere, so
# every relation occurs. Names only, no report text.
PLACES = [
    ("湖南省", "省"), ("衡阳市", "市"), ("株洲市", "市"), ("衡阳县", "县"), ("衡东县", "县"), ("攸县", "县"),
    ("醴陵市", "县"), ("湖北省", "省"), ("荆州市", "市"), ("江陵县", "县"), ("公安县", "县"), ("宜昌市", "市"),
]
# Formula sentences written for this test (not taken from any report): planted into most hosts.
FORMULAS = [
    "全体代表务必坚定信心、凝心聚力、担当作为，以奋发有为的精神状态完成本年度确定的各项目标任务。",
    "让我们更加紧密地团结在一起，锐意进取、开拓创新，为谱写新时代高质量发展新篇章而努力奋斗！",
]
_DIGITS = "0123456789"
_CN_NUM = "一二三四五六七八九十百千万"
_SENT = re.compile(r"[^。！？；]*[。！？；]")


@dataclass
class Copy:
    """One place a seed paragraph stands: a file and the span of the (edited) copy in it."""

    path: str
    start: int
    end: int
    edit: str


@dataclass
class Source:
    """A seed paragraph and every copy of it (the seed itself first)."""

    text: str
    copies: list[Copy]


# --------------------------------------------------------------------------- seed paragraphs


def seed_paragraphs(seeds: Path, min_chars: int = 80) -> list[tuple[str, str, int, int]]:
    """(seed path, paragraph text, start, end) of body paragraphs of the seeds (read and segmented)."""
    from policytag.config import load_config
    from policytag.read import read_path
    from policytag.segment import segment

    config = load_config()
    out = []
    for path in sorted(Path(seeds).glob("*.txt")):
        doc = read_path(path, config)
        for p in segment(doc, config):
            if not p.is_heading and not p.is_glossary and len(p.text) >= min_chars and len(_SENT.findall(p.text)) >= 2:
                out.append((str(path), p.text, p.start, p.end))
    return out


# --------------------------------------------------------------------------- synthetic text


class Markov:
    """First-order character chain fitted on some texts; samples many documents at once."""

    def __init__(self, texts: list[str]) -> None:
        text = "".join(t.replace("\n", "") for t in texts)
        chars = sorted(set(text))
        self.chars = np.array(chars)
        index = {c: i for i, c in enumerate(chars)}
        codes = np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))
        n = len(chars)
        pairs = np.bincount(codes[:-1] * n + codes[1:], minlength=n * n).reshape(n, n)
        pairs[pairs.sum(axis=1) == 0, codes[0]] = 1  # a character only seen last goes back to the start
        rows, self.cols = np.nonzero(pairs)  # row-major: each state's successors side by side
        self.cum = np.cumsum(pairs[rows, self.cols]).astype(np.float64)
        totals = pairs.sum(axis=1).astype(np.float64)
        self.base = np.cumsum(totals) - totals
        self.totals = totals
        self.start_p = np.bincount(codes, minlength=n) / len(codes)

    def sample(self, n_docs: int, length: int, rng: np.random.Generator) -> list[str]:
        state = rng.choice(len(self.chars), size=n_docs, p=self.start_p)
        out = np.empty((n_docs, length), dtype=np.int64)
        for i in range(length):
            out[:, i] = state
            r = self.base[state] + rng.random(n_docs) * self.totals[state]
            state = self.cols[np.searchsorted(self.cum, r, side="right")]
        return ["".join(self.chars[row]) for row in out]


def paragraphs_of(text: str, rng: random.Random) -> list[str]:
    """Synthetic text cut into sentences (a mark every 15–40 characters) and paragraphs of 3–7 of them."""
    text = re.sub(r"[。！？；\s]", "", text)
    sentences, pos = [], 0
    while pos < len(text) - 15:
        n = rng.randint(15, 40)
        sentences.append(text[pos : pos + n] + "。")
        pos += n
    paras, i = [], 0
    while i < len(sentences):
        n = rng.randint(3, 7)
        paras.append("".join(sentences[i : i + n]))
        i += n
    return paras


# --------------------------------------------------------------------------- edits


@functools.lru_cache(maxsize=1)
def _t2s_inverse():  # noqa: ANN202 - building the converter loads its dictionaries: once
    import opencc

    return opencc.OpenCC("s2t")


def edit_text(text: str, kind: str, rng: random.Random, filler: str) -> str:
    """A lightly edited copy of ``text`` (about 2–8 % of its characters touched)."""
    if kind == "exact":
        return text
    if kind == "insert":
        return _insert(text, rng, filler)
    if kind == "delete":
        return _delete(text, rng)
    if kind == "numbers":
        return _numbers(text, rng)
    if kind == "traditional":
        return _t2s_inverse().convert(text)
    if kind == "mixed":
        return _t2s_inverse().convert(_numbers(_insert(_delete(text, rng), rng, filler), rng))
    raise ValueError(kind)


def _insert(text: str, rng: random.Random, filler: str) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(1, len(text) - 1)
        n = rng.randint(2, 6)
        s = rng.randrange(0, len(filler) - n)
        text = text[:at] + filler[s : s + n] + text[at:]
    return text


def _delete(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        n = rng.randint(2, 6)
        at = rng.randrange(1, len(text) - n - 1)
        text = text[:at] + text[at + n :]
    return text


def _numbers(text: str, rng: random.Random) -> str:
    chars = list(text)
    spots = [i for i, c in enumerate(chars) if c in _DIGITS or c in _CN_NUM]
    if not spots:  # no number in it: add one
        at = rng.randrange(1, len(text) - 1)
        return text[:at] + f"{rng.randint(2, 99)}项" + text[at:]
    for i in rng.sample(spots, min(len(spots), rng.randint(1, 4))):
        pool = _DIGITS if chars[i] in _DIGITS else _CN_NUM
        chars[i] = rng.choice([c for c in pool if c != chars[i]])
    return "".join(chars)


def _partial(text: str, rng: random.Random, min_chars: int = 40) -> str:
    """One or two consecutive sentences of ``text``, at least ``min_chars`` long when possible."""
    sentences = _SENT.findall(text)
    best = ""
    for i in range(len(sentences)):
        for n in (1, 2):
            piece = "".join(sentences[i : i + n])
            if len(piece) >= min_chars and (not best or rng.random() < 0.3):
                best = piece
    return best or text


# --------------------------------------------------------------------------- the corpus


def _header(place: str, year: int) -> str:
    return (f"{place}人民代表大会常务委员会工作报告\n\n——{year}年1月10日在{place}第九届人民代表大会第三次会议上\n\n"
            "各位代表：\n\n")


def build(seeds: Path, dest: Path, hosts: int = 40, sources: int = 30, seed: int = 7,
          chars_per_host: int = 3000) -> tuple[list[Source], list[str]]:
    """Write the host reports into ``dest``; returns the planted sources and the seed files.

    Each of ``sources`` seed paragraphs is copied into 1–3 hosts with one edit
    each (the kinds in turn); each host also gets its own synthetic paragraphs
    and, in 3 of 5 hosts, the formula sentences.
    """
    rng = random.Random(seed)
    paras = seed_paragraphs(seeds)
    if len(paras) < sources:
        raise ValueError(f"only {len(paras)} seed paragraphs long enough; need {sources}")
    model = Markov([p[1] for p in paras])
    texts = model.sample(hosts, chars_per_host, np.random.default_rng(seed))
    bodies = [paragraphs_of(t, rng) for t in texts]
    filler = "".join(texts)
    chosen = rng.sample(paras, sources)
    plan: list[list[tuple[int, str, str]]] = [[] for _ in range(hosts)]  # host -> (source no, edit, text)
    kinds = itertools.cycle(EDITS)
    for n, (_path, text, _s, _e) in enumerate(chosen):
        for host in rng.sample(range(hosts), rng.randint(1, 3)):
            kind = next(kinds)
            copy = _partial(text, rng) if kind == "partial" else edit_text(text, kind, rng, filler)
            plan[host].append((n, kind, copy))
    found = [Source(text, [Copy(path, s, e, "seed")]) for path, text, s, e in chosen]
    dest.mkdir(parents=True, exist_ok=True)
    years = list(range(2018, 2025))
    for host in range(hosts):
        place, _level = PLACES[host % len(PLACES)]
        year = years[(host // len(PLACES) + host) % len(years)]
        path = dest / f"host_{host:03d}.txt"
        blocks = list(bodies[host])
        if host % 5 < 3:
            blocks.insert(rng.randrange(len(blocks) + 1), "".join(FORMULAS))
        planted = []
        for n, kind, copy in plan[host]:
            if kind == "partial":  # inside a paragraph of the host's own
                at = rng.randrange(len(blocks))
                blocks[at] = blocks[at][: len(blocks[at]) // 2] + copy + blocks[at][len(blocks[at]) // 2 :]
                planted.append((n, kind, copy))
            else:
                blocks.insert(rng.randrange(len(blocks) + 1), copy)
                planted.append((n, kind, copy))
        text = _header(place, year) + "\n\n".join(blocks) + "\n"
        path.write_text(text, encoding="utf-8")
        for n, kind, copy in planted:
            at = text.index(copy)
            found[n].copies.append(Copy(str(path), at, at + len(copy), kind))
    return found, sorted(str(p) for p in Path(seeds).glob("*.txt"))


# --------------------------------------------------------------------------- scoring


@dataclass
class Score:
    planted_pairs: int
    found: int
    reported: int  # rows of the pairs table that involve a host
    correct: int
    recall_by_edit: dict[str, tuple[int, int]]
    seed_pairs: int  # rows between two real seeds: real reuse, not scored

    @property
    def recall(self) -> float:
        return self.found / self.planted_pairs if self.planted_pairs else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.reported if self.reported else 0.0


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(pairs, sources: list[Source], seed_files: list[str]) -> Score:  # noqa: ANN001 - a DataFrame
    """Recall of planted pairs and precision of reported rows (rows between two seeds are left out)."""
    names = {Path(c.path).name for s in sources for c in s.copies}
    seed_names = {Path(p).name for p in seed_files}
    rows = []
    for r in pairs.itertuples(index=False):
        a, b = str(r.a_doc_id).split("#")[0], str(r.b_doc_id).split("#")[0]
        rows.append((a, (int(r.a_start), int(r.a_end)), b, (int(r.b_start), int(r.b_end))))
    truth = []
    for s in sources:
        for x, y in itertools.combinations(s.copies, 2):
            edit = y.edit if x.edit == "seed" else f"{x.edit}+{y.edit}"
            truth.append((Path(x.path).name, (x.start, x.end), Path(y.path).name, (y.start, y.end), edit))

    def hits(row: tuple, t: tuple) -> bool:
        a, sa, b, sb = row
        ta, tsa, tb, tsb, _ = t
        return (a, b) == (ta, tb) and _overlaps(sa, tsa) and _overlaps(sb, tsb) or \
            (a, b) == (tb, ta) and _overlaps(sa, tsb) and _overlaps(sb, tsa)

    by_edit: dict[str, list[int]] = {}
    found = 0
    for t in truth:
        ok = any(hits(r, t) for r in rows)
        found += ok
        key = t[4] if "+" not in t[4] else "host+host"
        cell = by_edit.setdefault(key, [0, 0])
        cell[0] += ok
        cell[1] += 1
    scored = [r for r in rows if not (r[0] in seed_names and r[2] in seed_names)]
    correct = sum(any(hits(r, t) for t in truth) for r in scored)
    return Score(len(truth), found, len(scored), correct, {k: (v[0], v[1]) for k, v in sorted(by_edit.items())},
                 len(rows) - len(scored)) if names else Score(0, 0, 0, 0, {}, 0)
