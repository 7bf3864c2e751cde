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

import functools
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from .lexicon import (
    CLOSE_QUOTES,
    GLOB,
    OPEN_QUOTES,
    QUOTES,
    REGEX_PREFIX,
    SPACES,
    Entry,
    Lexicon,
    compile_regex,
    is_glob,
    is_regex,
    match_key,
    simplify_forms,
)
from .record import _INDEX, MappedText, Paragraph, Term

# The text side only drops quotes and spaces (one fast regex pass); width variants of punctuation
# are handled on the lexicon side by adding both spellings of each form to the automaton.
_DROP_RE = re.compile("[" + re.escape(QUOTES + SPACES) + "]")
_TO_FULL = {ord(c): chr(ord(c) + 0xFEE0) for c in ",;:()+!?~"}


def automaton_keys(form: str) -> set[str]:
    """Spellings of one form the text may contain once quotes and spaces are gone."""
    bare = _DROP_RE.sub("", form)
    half = match_key(bare)
    return {k for k in (bare, half, half.translate(_TO_FULL), half.upper()) if k}


class Matcher:
    """Finds lexicon terms: longest, non-overlapping matches (``overlaps=True``: every match).

    Assigns ``Paragraph.terms``. Build once, call on many paragraphs.

    Beside the literal automaton: two terms that cross (人大代表 / 代表建议 in 人大代表建议)
    both count; globs (``优化营商*``) count every occurrence of their prefix; ``re:`` regexes
    run on the normalized text; an entry's ``exclude`` contexts drop its matches inside them;
    each dictionary of a combined lexicon is matched on its own, and a form several entries
    share (one term in two categories) gives one Term per entry.
    """

    def __init__(self, lexicon: Lexicon, overlaps: bool = False, crossing: bool = True) -> None:
        self.lexicon = lexicon
        self.overlaps = overlaps
        self._parts: list[Matcher] = []
        names = list(dict.fromkeys(e.dictionary for e in lexicon))
        if len(names) > 1:  # several dictionaries: each keeps its own longest matches
            self._parts = [Matcher(Lexicon([e for e in lexicon if e.dictionary == n], lexicon.source, n), overlaps,
                                   crossing) for n in names]
            return
        self._entries: list[Entry] = list(lexicon)
        self._groups: list[tuple[int, ...]] = []  # automaton value -> the entries of that key
        self._automaton, keys = self._build([(i, f) for i, e in enumerate(self._entries) for f in e.literal_forms])
        self._crossing = crossing and not overlaps
        globs = [(i, f[: -len(GLOB)]) for i, e in enumerate(self._entries) for f in e.pattern_forms if is_glob(f)]
        self._globs, glob_keys = self._build(globs) if globs else (None, {})
        self._ascii_tail = {gid for k, gid in glob_keys.items() if k[-1:].isascii() and k[-1:].isalnum()}
        self._regexes = [(compile_regex(f), i, f, required_prefix(f[len(REGEX_PREFIX):]))
                         for i, e in enumerate(self._entries) for f in e.pattern_forms if is_regex(f)]
        self._excludes = {i: [_exclude_pattern(c) for c in e.exclude] for i, e in enumerate(self._entries)
                          if e.exclude}

    def _build(self, forms: list[tuple[int, str]]) -> tuple[object, dict[str, int]]:
        """An automaton of the forms' keys; its values are ``group << _SHIFT | key length`` (group: into
        ``_groups``), plain ints, so a batch's hits become one numpy array without a tuple per hit."""
        import ahocorasick

        automaton = ahocorasick.Automaton()
        key_group: dict[str, int] = {}
        for (i, _), form in zip(forms, simplify_forms([f for _, f in forms]), strict=True):
            for key in automaton_keys(form):
                gid = key_group.get(key)
                if gid is None:
                    key_group[key] = len(self._groups)
                    self._groups.append((i,))
                    automaton.add_word(key, key_group[key] << _SHIFT | len(key))
                elif i not in self._groups[gid]:
                    self._groups[gid] += (i,)
        if key_group:
            automaton.make_automaton()
        return (automaton if key_group else None), key_group

    def __call__(self, paragraph: Paragraph, raw: str | None = None) -> Paragraph:
        paragraph.terms = self.match_text(paragraph.body, raw)
        return paragraph

    def pipe(self, paragraphs: Iterable[Paragraph], raw: str | None = None) -> Iterator[Paragraph]:
        for paragraph in paragraphs:
            yield self(paragraph, raw)

    def match_batch(self, paragraphs: Sequence[Paragraph]) -> None:
        """Set ``terms`` of many paragraphs (of any documents) at once: the same terms as ``__call__`` on each.

        The paragraph texts are joined with a separator no lexicon key holds, and the automaton runs
        once over the whole batch; hits are assigned to paragraphs by their offset. Only regexes and
        exclude contexts, which could see past a paragraph's ends, run on each paragraph's own text.
        """
        bodies = [p.body for p in paragraphs]
        if any(_SEP in b.text for b in bodies):  # cannot be joined safely: one paragraph at a time
            for p in paragraphs:
                self(p)
            return
        for p, terms in zip(paragraphs, self.match_bodies(bodies), strict=True):
            p.terms = terms

    def match_bodies(self, bodies: Sequence[MappedText]) -> list[list[Term]]:
        """The terms of each mapped text (none may hold ``_SEP``), as ``match_text`` finds them one by one."""
        if not bodies:
            return []
        batch = _Batch(bodies)
        if self._parts:  # one pass per dictionary over the same prepared text
            out: list[list[Term]] = [[] for _ in bodies]
            for part in self._parts:
                for terms, found in zip(out, part._match_batch(batch), strict=True):
                    terms.extend(found)
            for terms in out:
                terms.sort(key=lambda t: (t.start, -t.end))
            return out
        return self._match_batch(batch)

    def _match_batch(self, b: _Batch) -> list[list[Term]]:
        """``_match`` over the joined texts of a batch: the same hits, kept apart by paragraph."""
        key = b.key
        parts: list[np.ndarray] = []  # rows (key start, key end, group, phase): 0 chosen, 1 crossing, 2 glob
        if self._automaton is not None:
            found = _hit_array(self._automaton, key)
            if not self.overlaps:
                chosen, crossing = _leftmost_longest_rows(found, self._groups if self._crossing else None)
                found = np.concatenate([found[chosen], found[crossing]])
                found[len(chosen):, 3] = 1
            parts.append(found)
        if self._globs is not None:
            globs = _hit_array(self._globs, key)
            globs[:, 3] = 2
            tails = [i for i, gid in enumerate(globs[:, 2].tolist()) if gid in self._ascii_tail]
            if tails:
                breaks = {d - i for i, d in enumerate(b.dropped)}
                globs[tails, 1] = [_ascii_end(key, e, breaks) for e in globs[tails, 1].tolist()]
            parts.append(globs)
        n_par = len(b.texts)
        out: list[list[Term]] = [[] for _ in range(n_par)]
        extra = [False] * n_par  # the paragraph had crossing or glob hits (or, later, regex ones): sort it
        hits = np.concatenate(parts) if parts else np.zeros((0, 4), dtype=np.int64)
        if len(hits):
            self._literal_terms(b, hits, out, extra)
        if self._regexes:
            self._regex_terms(b, out, extra)
        for i, terms in enumerate(out):
            if self.overlaps:
                out[i] = _drop_nested_same_entry(terms)
            elif extra[i] and len(terms) > 1:
                terms.sort(key=lambda t: (t.start, -t.end))
        return out

    def _literal_terms(self, b: _Batch, hits: np.ndarray, out: list[list[Term]], extra: list[bool]) -> None:
        """Terms of the automaton (and glob) hits, positions mapped and checked for all hits in a few numpy steps."""
        kstart, kend, gids, phase = hits[:, 0], hits[:, 1], hits[:, 2], hits[:, 3]
        if b.shifts is None:
            start, end = kstart, kend
        else:
            shifts = b.shifts_array
            start = kstart + np.searchsorted(shifts, kstart, "right")
            end = kend + np.searchsorted(shifts, kend - 1, "right")
        par = np.searchsorted(b.starts, start, "right") - 1
        order = np.lexsort((phase, par))  # stable: each paragraph's hits in the order _match makes them
        start, end, gids, par, kstart, kend = (a[order] for a in (start, end, gids, par, kstart, kend))
        np.logical_or.at(b.extra_flags, par[phase[order] > 0], True)
        inside = np.flatnonzero(end - start != kend - kstart)  # quotes or spaces inside the match
        if len(inside):
            start, end = start.copy(), end.copy()
            fixed = [_balance_quotes(b.joined, s, e) for s, e in zip(start[inside].tolist(), end[inside].tolist(),
                                                                      strict=True)]
            start[inside] = [s for s, _ in fixed]
            end[inside] = [e for _, e in fixed]
        cps = b.codepoints
        quoted = _OPEN[cps[start - 1]] & _CLOSE[cps[end]] & (start > 0)
        if len(inside):
            quoted[inside] = [_is_quoted(b.joined, s, e) for s, e in zip(start[inside].tolist(),
                                                                        end[inside].tolist(), strict=True)]
        ostart = b.offsets[start].tolist()
        oend = (b.offsets[end - 1] + 1).tolist()
        for i in np.flatnonzero(b.extra_flags).tolist():
            extra[i] = True
        dedupe_all = self.overlaps
        joined, starts, excludes = b.joined, b.starts_list, self._excludes
        group_terms, excluded_groups = self._group_terms()
        seen: set[tuple[int, int, int]] = set()
        for p, s, e, gid, q, os_, oe in zip(par.tolist(), start.tolist(), end.tolist(), gids.tolist(),
                                            quoted.tolist(), ostart, oend, strict=True):
            surface = joined[s:e]
            target = out[p]
            if not (dedupe_all or extra[p] or gid in excluded_groups):  # usual: every entry of the key is a term
                for _, canonical, category, dictionary in group_terms[gid]:
                    target.append(Term(surface, canonical, category, q, os_, oe, dictionary))
                continue
            dedupe = dedupe_all or extra[p]
            for idx, canonical, category, dictionary in group_terms[gid]:
                if excludes and idx in excludes:
                    base = starts[p]
                    if self._excluded(idx, s - base, e - base, b.texts[p]):
                        continue
                if dedupe:
                    if (s, e, idx) in seen:
                        continue
                    seen.add((s, e, idx))
                target.append(Term(surface, canonical, category, q, os_, oe, dictionary))

    def _group_terms(self) -> tuple[list[tuple[tuple[int, str, str, str], ...]], set[int]]:
        """Per key group, its entries' (index, canonical, category, dictionary), and the groups holding an
        entry with exclude contexts: no entry lookup per hit, no per-entry checks for most hits."""
        cached = self.__dict__.get("_group_terms_cache")
        if cached is None or len(cached[0]) != len(self._groups):
            entries = self._entries
            terms = [tuple((i, entries[i].term, entries[i].category, entries[i].dictionary) for i in group)
                     for group in self._groups]
            excluded = {gid for gid, group in enumerate(self._groups) if any(i in self._excludes for i in group)}
            cached = (terms, excluded)
            self._group_terms_cache = cached
        return cached

    def _regex_terms(self, b: _Batch, out: list[list[Term]], extra: list[bool]) -> None:
        """Regexes run on each paragraph's own text, as ``_match`` runs them."""
        active = [r for r in self._regexes if not r[3] or r[3] in b.joined]
        if not active:
            return
        for par, text in enumerate(b.texts):
            if not b.has_key(par):
                continue
            if self._add_regex_terms(active, text, out[par], b.bodies[par].offsets, None):
                extra[par] = True

    def _add_regex_terms(self, regexes: list, text: str, terms: list[Term], offsets: object,
                         raw: str | None) -> bool:
        """Append the regex forms' matches in ``text`` not already in ``terms``; True if any was added."""
        added = False
        done: set[tuple[int, int, str, str]] | None = None  # terms so far, built only when a regex matches
        for compiled, idx, form, prefix in regexes:
            if prefix and prefix not in text:  # a literal every match starts with: most paragraphs skip the regex
                continue
            for start, end in _regex_spans(compiled, form, text):
                if self._excludes and self._excluded(idx, start, end, text):
                    continue
                term = self._term(idx, start, end, _is_quoted(text, start, end), offsets, text, raw)
                if done is None:
                    done = {(t.start, t.end, t.canonical, t.category) for t in terms}
                if (term.start, term.end, term.canonical, term.category) not in done:
                    done.add((term.start, term.end, term.canonical, term.category))
                    terms.append(term)
                    added = True
        return added

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
        if self._parts:  # one pass per dictionary over the same prepared text
            terms = [t for part in self._parts for t in part._match(mapped, raw, text, dropped, key)]
            terms.sort(key=lambda t: (t.start, -t.end))
            return terms
        return self._match(mapped, raw, text, dropped, key)

    def _match(self, mapped: MappedText, raw: str | None, text: str, dropped: list[int], key: str) -> list[Term]:
        """Terms of this dictionary; ``key`` is ``text`` without the ``dropped`` quote and space positions."""
        found: list[tuple[int, int, int]] = []
        crossing: list[tuple[int, int, int]] = []
        if self._automaton is not None:
            found = [(end - (v & _MASK) + 1, end + 1, v >> _SHIFT) for end, v in self._automaton.iter(key)]
            if not self.overlaps:
                found, crossing = _leftmost_longest(found, self._groups if self._crossing else None)
                found += crossing
        extra = bool(crossing)
        if self._globs is not None:
            globs = [(end - (v & _MASK) + 1, end + 1, v >> _SHIFT) for end, v in self._globs.iter(key)]
            breaks = {d - i for i, d in enumerate(dropped)}  # key positions where a space or quote was
            found += [(s, _ascii_end(key, e, breaks) if gid in self._ascii_tail else e, gid) for s, e, gid in globs]
            extra = extra or bool(globs)
        if not found and not self._regexes:
            return []
        # key index k sits at text index k + (number of dropped characters before it)
        shifts = [d - i for i, d in enumerate(dropped)]
        positions = None if not dropped else shifts
        offsets = mapped.offsets
        n = len(text)
        terms: list[Term] = []
        seen: set[tuple[int, int, int]] = set()
        dedupe = self.overlaps or extra
        for kstart, kend, gid in found:
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
            for idx in self._groups[gid]:
                if self._excludes and self._excluded(idx, start, end, text):
                    continue
                if dedupe:
                    if (start, end, idx) in seen:
                        continue
                    seen.add((start, end, idx))
                terms.append(self._term(idx, start, end, quoted, offsets, text, raw))
        if self._add_regex_terms(self._regexes, text, terms, offsets, raw):
            extra = True
        if self.overlaps:
            terms = _drop_nested_same_entry(terms)
        elif extra:
            terms.sort(key=lambda t: (t.start, -t.end))
        return terms

    def _term(self, idx: int, start: int, end: int, quoted: bool, offsets: object, text: str,
              raw: str | None) -> Term:
        entry = self._entries[idx]
        ostart, oend = int(offsets[start]), int(offsets[end - 1]) + 1
        surface = raw[ostart:oend] if raw is not None else text[start:end]
        return Term(surface, entry.term, entry.category, quoted, ostart, oend, entry.dictionary)

    def _excluded(self, idx: int, start: int, end: int, text: str) -> bool:
        """Whether the match text[start:end] of entry ``idx`` lies inside one of its exclude contexts."""
        patterns = self._excludes.get(idx)
        if not patterns:
            return False
        for pattern in patterns:
            lo = max(0, start - 200)
            for m in pattern.finditer(text, lo, min(len(text), end + 200)):
                if m.start() <= start and end <= m.end():
                    return True
        return False


_SEP = "\x00"  # joins the paragraphs of a batch; not a quote or space, and in no lexicon key
_PAD = np.zeros(1, dtype=_INDEX)


def _char_flags(chars: str) -> np.ndarray:
    """A lookup table over code points: True for ``chars``."""
    table = np.zeros(0x110000, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return table


_OPEN = _char_flags(OPEN_QUOTES)
_CLOSE = _char_flags(CLOSE_QUOTES)


class _Batch:
    """The texts of a batch joined by ``_SEP``, keyed as ``match_text`` keys one text, and their offsets."""

    def __init__(self, bodies: Sequence[MappedText]) -> None:
        self.bodies = bodies
        self.texts = [body.text for body in bodies]
        self.joined = _SEP.join(self.texts)
        lengths = [len(t) for t in self.texts]
        self.starts_list = [0] * len(lengths)
        for i in range(1, len(lengths)):
            self.starts_list[i] = self.starts_list[i - 1] + lengths[i - 1] + 1
        arrays: list[np.ndarray] = []
        for body in bodies:
            arrays += (body.offsets, _PAD)
        self.offsets = np.concatenate(arrays)
        self.dropped = [m.start() for m in _DROP_RE.finditer(self.joined)]
        self.key = _DROP_RE.sub("", self.joined) if self.dropped else self.joined
        # key index k sits at text index k + (number of dropped characters before it)
        self.shifts = [d - i for i, d in enumerate(self.dropped)] if self.dropped else None
        self._lengths = lengths
        self.extra_flags = np.zeros(len(lengths), dtype=bool)

    @functools.cached_property
    def starts(self) -> np.ndarray:
        return np.array(self.starts_list, dtype=np.int64)

    @functools.cached_property
    def shifts_array(self) -> np.ndarray:
        return np.array(self.shifts, dtype=np.int64)

    @functools.cached_property
    def codepoints(self) -> np.ndarray:
        """Code points of the joined text and one more 0, so ``end`` (one past a match) can always be looked up."""
        return np.frombuffer((self.joined + _SEP).encode("utf-32-le"), dtype=np.uint32).astype(np.intp)

    def has_key(self, par: int) -> bool:
        """Whether the paragraph keeps any character once quotes and spaces are dropped (``match_text``'s test)."""
        if not self.dropped:
            return self._lengths[par] > 0
        start = self.starts_list[par]
        end = start + self._lengths[par]
        return bisect_right(self.dropped, end - 1) - bisect_right(self.dropped, start - 1) < self._lengths[par]


def _exclude_pattern(context: str):  # noqa: ANN202 - a compiled pattern (re or regex)
    """An exclude context as a pattern over the normalized text; literal ones see through quotes and spaces."""
    if is_regex(context):
        return compile_regex(context)
    gap = "[" + re.escape(QUOTES + SPACES) + "]*"
    return re.compile(gap.join(re.escape(c) for c in match_key(context)), re.IGNORECASE)


REGEX_SECONDS = 2.0  # one regex on one paragraph; lexicon check refuses far slower ones already


def _regex_spans(compiled: object, form: str, text: str) -> list[tuple[int, int]]:
    try:
        return [m.span() for m in compiled.finditer(text, timeout=REGEX_SECONDS) if m.end() > m.start()]
    except TimeoutError:
        raise TimeoutError(f"lexicon regex {form!r} took more than {REGEX_SECONDS:g} s on one paragraph") from None


def _ascii_end(key: str, end: int, breaks: set[int]) -> int:
    """A Latin-script glob takes in the rest of its word (abandon* -> abandoned), up to a space."""
    while end < len(key) and end not in breaks and key[end].isascii() and key[end].isalnum():
        end += 1
    return end


_SHIFT = 16  # automaton value = group << _SHIFT | key length
_MASK = (1 << _SHIFT) - 1


def _hit_array(automaton: object, key: str) -> np.ndarray:
    """Every match of the automaton in ``key`` as rows (start, end, group, 0), made in C but for the list."""
    found = np.array(list(automaton.iter(key)), dtype=np.int64).reshape(-1, 2)
    rows = np.zeros((len(found), 4), dtype=np.int64)
    rows[:, 1] = found[:, 0] + 1
    rows[:, 0] = rows[:, 1] - (found[:, 1] & _MASK)
    rows[:, 2] = found[:, 1] >> _SHIFT
    return rows


def _leftmost_longest_rows(rows: np.ndarray, groups: list[tuple[int, ...]] | None) -> tuple[list[int], list[int]]:
    """``_leftmost_longest`` on hit rows: the indexes of the chosen hits and of the crossing ones, in order."""
    order = np.lexsort((-rows[:, 1], rows[:, 0])).tolist()
    starts, ends, gids = rows[:, 0].tolist(), rows[:, 1].tolist(), rows[:, 2].tolist()
    chosen: list[int] = []
    crossing: list[int] = []
    pos, last, taken = 0, -1, -1
    for i in order:
        s = starts[i]
        if s >= pos:
            chosen.append(i)
            pos, last = ends[i], i
        elif (groups is not None and ends[i] > pos and pos - s >= MIN_CROSSING and s != taken
              and s > starts[last] and not set(groups[gids[i]]) & set(groups[gids[last]])):
            crossing.append(i)
            taken = s
    return chosen, crossing


def _leftmost_longest(hits: list[tuple[int, int, int]], groups: list[tuple[int, ...]] | None = None
                      ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """Non-overlapping matches, leftmost first and the longest at each start; and the matches that cross them.

    Chosen here from every match rather than by pyahocorasick's ``iter_long``, which loses a
    match that is a suffix of a longer path that failed: in 审查批准设区的市、 it follows
    审查批准设区的市法规 and never reports 设区的市. With ``groups`` (entry ids per key group),
    a match that starts inside a chosen one and runs past its end, sharing at least
    MIN_CROSSING characters and not of the same entry, is returned too (人大代表 / 代表建议 in
    人大代表建议: both real terms, both count); the longest one at each start.
    """
    hits.sort(key=lambda h: (h[0], -h[1]))
    out: list[tuple[int, int, int]] = []
    crossing: list[tuple[int, int, int]] = []
    pos = 0
    last = None
    taken = -1
    for hit in hits:
        if hit[0] >= pos:
            out.append(hit)
            pos = hit[1]
            last = hit
        elif (groups is not None and hit[1] > pos and pos - hit[0] >= MIN_CROSSING and hit[0] != taken
              and hit[0] > last[0] and not set(groups[hit[2]]) & set(groups[last[2]])):
            crossing.append(hit)
            taken = hit[0]
    return out, crossing


MIN_CROSSING = 2  # characters two crossing terms must share (one shared character is mostly chance)


def required_prefix(body: str) -> str:
    """Literal text every match of a regex starts with ("" when there is none or it cannot be told).

    听取(?:和|并)?审议… -> 听取; 讨论、?决定 -> 讨论; a top-level | or leading flags -> "".
    """
    if body.startswith("(?") or _top_level_bar(body):
        return ""
    meta = set(".^$*+?{}[]\\|()")
    i = 0
    while i < len(body) and body[i] not in meta:
        i += 1
    prefix = body[:i]
    if i < len(body) and body[i] in "*?{":  # the last literal character is optional or repeated
        prefix = prefix[:-1]
    return prefix


def _top_level_bar(body: str) -> bool:
    depth, in_class, escaped = 0, False, False
    for ch in body:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
    return False


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
