"""Stage: match. Finds lexicon phrases in a paragraph's normalized text, independent of any tokenizer.

One Aho-Corasick automaton (ahocorasick_rs) holds the ``match_key`` of every form, built
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

import itertools
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property

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
        self._joinable = {f for _, _, f, _ in self._regexes if _context_free(f)}  # run over a batch's joined text

    def _build(self, forms: list[tuple[int, str]]) -> tuple[_Automaton | None, dict[str, int]]:
        """An automaton of the forms' keys; each key's group (into ``_groups``) holds the entries of that key."""
        key_group: dict[str, int] = {}
        for (i, _), form in zip(forms, simplify_forms([f for _, f in forms]), strict=True):
            for key in automaton_keys(form):
                gid = key_group.get(key)
                if gid is None:
                    key_group[key] = len(self._groups)
                    self._groups.append((i,))
                elif i not in self._groups[gid]:
                    self._groups[gid] += (i,)
        return (_Automaton(key_group) if key_group else None), key_group

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
        if not paragraphs:
            return
        batch = _Batch([p.body for p in paragraphs])
        if batch.joined.count(_SEP) >= len(paragraphs):  # a text holds the separator: one paragraph at a time
            for p in paragraphs:
                self(p)
            return
        for p, terms in zip(paragraphs, self._batch_terms(batch), strict=True):
            p.terms = terms

    def match_bodies(self, bodies: Sequence[MappedText]) -> list[list[Term]]:
        """The terms of each mapped text (none may hold ``_SEP``), as ``match_text`` finds them one by one."""
        return self._batch_terms(_Batch(bodies)) if bodies else []

    def _batch_terms(self, batch: _Batch) -> list[list[Term]]:
        if self._parts:  # one pass per dictionary over the same prepared text
            out: list[list[Term]] = [[] for _ in batch.texts]
            for part in self._parts:
                for terms, found in zip(out, part._match_batch(batch), strict=True):
                    terms.extend(found)
            for terms in out:
                terms.sort(key=lambda t: (t.start, -t.end))
            return out
        return self._match_batch(batch)

    def _match_batch(self, b: _Batch) -> list[list[Term]]:
        """``_match`` over the joined texts of a batch: the same hits, kept apart by paragraph."""
        parts: list[np.ndarray] = []  # rows (key start, key end, group, phase): 0 chosen, 1 crossing, 2 glob
        if self._automaton is not None:
            found = self._automaton.hit_rows(b.key_codepoints)
            if not self.overlaps:
                chosen, crossing = _leftmost_longest_rows(found, self._groups if self._crossing else None)
                found = np.concatenate([found[chosen], found[crossing]])
                found[len(chosen):, 3] = 1
            parts.append(found)
        if self._globs is not None:
            globs = self._globs.hit_rows(b.key_codepoints)
            globs[:, 3] = 2
            tails = [i for i, gid in enumerate(globs[:, 2].tolist()) if gid in self._ascii_tail]
            if tails:
                breaks = set(b.shifts.tolist()) if b.shifts is not None else set()
                globs[tails, 1] = [_ascii_end(b.key, e, breaks) for e in globs[tails, 1].tolist()]
            parts.append(globs)
        n_par = len(b.texts)
        out: list[list[Term]] = [[] for _ in range(n_par)]
        hits = np.concatenate(parts) if parts else np.zeros((0, 4), dtype=np.int64)
        if len(hits):
            self._literal_terms(b, hits, out, np.zeros(n_par, dtype=bool))
        resort = np.zeros(n_par, dtype=bool)  # the paragraph got regex terms after the others: sort it
        if self._regexes:
            self._regex_terms(b, out, resort)
        if self.overlaps:
            return [_drop_nested_same_entry(terms) for terms in out]
        for i in np.flatnonzero(resort).tolist():
            out[i].sort(key=lambda t: (t.start, -t.end))
        return out

    def _literal_terms(self, b: _Batch, hits: np.ndarray, out: list[list[Term]], extra: np.ndarray) -> None:
        """Terms of the automaton (and glob) hits, positions mapped and checked for all hits in a few numpy steps.
        ``extra`` (one flag per paragraph) is set for the paragraphs with crossing or glob hits.

        The Terms are made column-wise (one ``map(Term, ...)`` over lists, then cut per paragraph): a
        Python loop body per hit runs only for the rare rows, entries with exclude contexts and
        paragraphs whose hits must be deduplicated (overlaps, crossing or glob hits).
        """
        kstart, kend, gids, phase = hits[:, 0], hits[:, 1], hits[:, 2], hits[:, 3]
        if b.shifts is None:
            start, end = kstart, kend
        else:
            shifts = b.shifts
            start = kstart + np.searchsorted(shifts, kstart, "right")
            end = kend + np.searchsorted(shifts, kend - 1, "right")
        par = np.searchsorted(b.starts, start, "right") - 1
        order = np.lexsort((phase, par))  # stable: each paragraph's hits in the order _match makes them
        start, end, gids, par, kstart, kend = (a[order] for a in (start, end, gids, par, kstart, kend))
        extra[par[phase[order] > 0]] = True
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
        # the surface of a literal hit with nothing dropped inside is its key: taken from a table, not sliced
        keyed = np.where(phase[order] < 2, gids, -1)
        keyed[inside] = -1
        # one row per (hit, entry of its key group), in the order the per-hit loop made them
        table = self._entry_table()
        counts = table.group_len[gids]
        if len(counts) and counts.max() > 1:
            hit = np.repeat(np.arange(len(gids)), counts)
            first = np.cumsum(counts) - counts
            entry = table.group_entries[np.repeat(table.group_first[gids] - first, counts) + np.arange(len(hit))]
            start, end, par, quoted, keyed = start[hit], end[hit], par[hit], quoted[hit], keyed[hit]
        else:
            entry = table.group_entries[table.group_first[gids]]
        keep = self._keep_rows(b, start, end, par, entry, extra)
        if keep is not None:
            start, end, par, quoted, entry, keyed = (a[keep] for a in (start, end, par, quoted, entry, keyed))
        ostart, oend = b.offsets[start - par], b.offsets[end - 1 - par] + 1
        if not self.overlaps and extra.any():
            # paragraphs with crossing or glob hits: their Terms in (start, -end) order, as sorting the Terms
            # (stable) would leave them; the others keep the order they have
            sort = extra[par]
            order = np.lexsort((np.where(sort, -oend, 0), np.where(sort, ostart, 0), par))
            start, end, par, quoted, entry, ostart, oend, keyed = (a[order] for a in (start, end, par, quoted, entry,
                                                                                         ostart, oend, keyed))
        surfaces = table.key_text[keyed].tolist()
        for i in np.flatnonzero(keyed < 0).tolist():
            surfaces[i] = b.joined[start[i]:end[i]]
        terms = list(map(Term, surfaces, table.canonical[entry].tolist(), table.category[entry].tolist(),
                         quoted.tolist(), ostart.tolist(), oend.tolist(), table.dictionary[entry].tolist()))
        bounds = np.searchsorted(par, np.arange(len(out) + 1))  # par is sorted
        # the paragraphs with terms (np.unique would also do, but its first call imports numpy.ma: 7 ms a process)
        cuts = bounds.tolist()
        for p in np.flatnonzero(np.diff(bounds)).tolist():
            out[p] = terms[cuts[p]:cuts[p + 1]]

    def _keep_rows(self, b: _Batch, start: np.ndarray, end: np.ndarray, par: np.ndarray, entry: np.ndarray,
                   extra: np.ndarray) -> np.ndarray | None:
        """Which rows make a Term (None: all): not inside an exclude context (checked per row, only for
        entries that have some), and each (start, end, entry) once in a paragraph that needs deduplicating."""
        check = self._entry_table().has_exclude[entry]
        dedupe = np.ones(len(par), dtype=bool) if self.overlaps else extra[par]
        if not (check.any() or dedupe.any()):
            return None
        keep = np.ones(len(par), dtype=bool)
        starts, texts = b.starts_list, b.texts
        for r in np.flatnonzero(check).tolist():
            base = starts[par[r]]
            keep[r] = not self._excluded(int(entry[r]), int(start[r]) - base, int(end[r]) - base, texts[par[r]])
        rows = np.flatnonzero(dedupe & keep)
        if len(rows) > 1:  # a stable sort puts the repeats of a (start, end, entry) right after its first
            order = rows[np.lexsort((entry[rows], end[rows], start[rows]))]
            same = ((start[order[1:]] == start[order[:-1]]) & (end[order[1:]] == end[order[:-1]])
                    & (entry[order[1:]] == entry[order[:-1]]))
            keep[order[1:][same]] = False
        return keep

    def _entry_table(self) -> _EntryTable:
        """The entries and key groups as columns (built once): rows of hits become Terms by array indexing."""
        table = self.__dict__.get("_entry_table_cache")
        if table is None:
            keys = {gid: key for automaton in (self._automaton, self._globs) if automaton is not None
                    for key, gid in automaton.key_group.items()}
            table = self._entry_table_cache = _EntryTable(self._entries, self._groups, self._excludes, keys)
        return table

    def _regex_terms(self, b: _Batch, out: list[list[Term]], extra: np.ndarray) -> None:
        """Regexes run on each paragraph's own text, as ``_match`` runs them, but only on the paragraphs where one
        may match (a call per paragraph costs far more than one over the joined text)."""
        active = [r for r in self._regexes if not r[3] or r[3] in b.joined]
        near: set[int] = set()
        for compiled, _, form, prefix in active:
            found = _paragraphs_touched(compiled, b) if form in self._joinable else None
            if found is None:  # not context-free, or too slow over a whole batch: the paragraphs with its prefix
                self._joinable.discard(form)
                if not prefix:
                    near = set(range(len(b.texts)))
                    break
                found = np.searchsorted(b.starts, list(_find_all(b.joined, prefix)), "right") - 1
            near.update(found.tolist())
        for par in sorted(near):
            if b.keyed[par] and self._add_regex_terms(active, b.texts[par], out[par], b.bodies[par].offsets, None):
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
            found = self._automaton.hits(key)
            if not self.overlaps:
                found, crossing = _leftmost_longest(found, self._groups if self._crossing else None)
                found += crossing
        extra = bool(crossing)
        if self._globs is not None:
            globs = self._globs.hits(key)
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


def _char_flags(chars: str) -> np.ndarray:
    """A lookup table over code points: True for ``chars``."""
    table = np.zeros(0x110000, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return table


_OPEN = _char_flags(OPEN_QUOTES)
_CLOSE = _char_flags(CLOSE_QUOTES)


_DROP = _char_flags(QUOTES + SPACES)


class _Batch:
    """The texts of a batch joined by ``_SEP``, keyed as ``match_text`` keys one text, and their offsets.

    Keyed on the code points in numpy rather than by ``_DROP_RE``: one table lookup over the batch
    instead of a regex match object per quote or space.
    """

    def __init__(self, bodies: Sequence[MappedText]) -> None:
        self.bodies = bodies
        self.texts = [body.text for body in bodies]
        self.joined = _SEP.join(self.texts)
        lengths = np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts))
        self.starts = np.cumsum(lengths + 1) - lengths - 1
        self.starts_list = self.starts.tolist()
        # offsets of all texts, without the separators: joined index j of paragraph p is offsets[j - p]
        self.offsets = np.concatenate([body.offsets for body in bodies])
        # code points of the joined text and one more 0, so ``end`` (one past a match) can always be looked up
        self.codepoints = _codepoints(self.joined + _SEP)
        drop = _DROP[self.codepoints[:-1]]
        self.dropped = np.flatnonzero(drop)
        if len(self.dropped):
            self.key_codepoints = self.codepoints[:-1][~drop]  # what the automaton scans
            # key index k sits at text index k + (number of dropped characters before it)
            self.shifts: np.ndarray | None = self.dropped - np.arange(len(self.dropped))
        else:
            self.key_codepoints, self.shifts = self.codepoints[:-1], None
        # a paragraph keeps some character once quotes and spaces are dropped (``match_text``'s test)
        dropped_in = np.searchsorted(self.dropped, self.starts + lengths) - np.searchsorted(self.dropped, self.starts)
        self.keyed = lengths > dropped_in

    @cached_property
    def key(self) -> str:
        """The joined texts without quotes and spaces, as a string (only globs need it)."""
        if self.shifts is None:
            return self.joined
        return _text(self.key_codepoints)


class _EntryTable:
    """A matcher's entries as columns, and its key groups flattened: ``group_entries[group_first[g]:][:group_len[g]]``
    are the entries of key group ``g``."""

    def __init__(self, entries: list[Entry], groups: list[tuple[int, ...]], excludes: dict[int, list],
                 keys: dict[int, str]) -> None:
        self.canonical = np.array([e.term for e in entries] + [""], dtype=object)
        self.category = np.array([e.category for e in entries] + [""], dtype=object)
        self.dictionary = np.array([e.dictionary for e in entries] + [""], dtype=object)
        self.has_exclude = np.array([i in excludes for i in range(len(entries))] + [False], dtype=bool)
        self.group_len = np.array([len(g) for g in groups] + [0], dtype=np.int64)
        self.group_first = np.cumsum(self.group_len) - self.group_len
        self.group_entries = np.array([i for g in groups for i in g] + [0], dtype=np.int64)
        self.key_text = np.array([keys.get(g) for g in range(len(groups))] + [None], dtype=object)  # group -> key


def _exclude_pattern(context: str):  # noqa: ANN202 - a compiled pattern (re or regex)
    """An exclude context as a pattern over the normalized text; literal ones see through quotes and spaces."""
    if is_regex(context):
        return compile_regex(context)
    gap = "[" + re.escape(QUOTES + SPACES) + "]*"
    return re.compile(gap.join(re.escape(c) for c in match_key(context)), re.IGNORECASE)


REGEX_SECONDS = 2.0  # one regex on one paragraph; lexicon check refuses far slower ones already


def _find_all(text: str, sub: str) -> Iterator[int]:
    """Start of every occurrence of ``sub`` in ``text``."""
    i = text.find(sub)
    while i >= 0:
        yield i
        i = text.find(sub, i + 1)


def _regex_spans(compiled: object, form: str, text: str) -> list[tuple[int, int]]:
    try:
        return [m.span() for m in compiled.finditer(text, timeout=REGEX_SECONDS) if m.end() > m.start()]
    except TimeoutError:
        raise TimeoutError(f"lexicon regex {form!r} took more than {REGEX_SECONDS:g} s on one paragraph") from None


def _context_free(form: str) -> bool:
    """Whether a regex sees nothing around its match: no anchors, lookarounds, \\K or inline flags. Such a regex,
    run over paragraphs joined by ``_SEP``, matches at least where it matches in a paragraph alone."""
    body = form[len(REGEX_PREFIX):]
    return not re.search(r"[$^]|\\[AZzGK]|\(\?[^:]", body)


def _paragraphs_touched(compiled: object, b: _Batch) -> np.ndarray | None:
    """The paragraphs of the batch that a match of a context-free regex over the joined text touches (None: it
    took too long). A match inside a paragraph alone lies under one of these: where the scan over the joined
    text is not already inside an earlier match, it finds one starting there at the latest."""
    try:
        spans = [m.span() for m in compiled.finditer(b.joined, timeout=REGEX_SECONDS)]
    except TimeoutError:
        return None
    if not spans:
        return np.zeros(0, dtype=np.int64)
    starts, ends = np.array(spans, dtype=np.int64).T
    first = np.searchsorted(b.starts, starts, "right") - 1
    last = np.searchsorted(b.starts, np.maximum(starts, ends - 1), "right") - 1
    return np.unique(np.concatenate([np.arange(f, t + 1) for f, t in zip(first.tolist(), last.tolist(), strict=True)]))


def _ascii_end(key: str, end: int, breaks: set[int]) -> int:
    """A Latin-script glob takes in the rest of its word (abandon* -> abandoned), up to a space."""
    while end < len(key) and end not in breaks and key[end].isascii() and key[end].isalnum():
        end += 1
    return end


class _Automaton:
    """Every occurrence of any key in a text, overlapping ones included, found by ahocorasick_rs.

    ahocorasick_rs (Rust) scans a batch ≈2.4x faster than pyahocorasick did and hands back all hits as
    one list of (key, start, end), so the hits become a numpy array at once. Keys and text go in as
    UTF-16 bytes: for a string it would encode the text to UTF-8 and map every hit's byte offsets back
    to characters; in UTF-16 a character is one unit (but beyond the BMP), so a position is bytes / 2
    and the batch's code points become the text in one numpy cast (≈1.5x cheaper scan).
    """

    def __init__(self, key_group: dict[str, int]) -> None:
        import ahocorasick_rs

        self.key_group = key_group
        self._automaton = ahocorasick_rs.BytesAhoCorasick([_utf16(k) for k in key_group])
        self._groups = list(key_group.values())  # key index -> group
        self._group_array = np.array(self._groups, dtype=np.int64)

    def __reduce__(self) -> tuple:
        """Pickled as its keys (the Rust automaton is not picklable), so a Matcher still goes to a worker."""
        return _Automaton, (self.key_group,)

    def hits(self, key: str) -> list[tuple[int, int, int]]:
        """(start, end, group) of every match in ``key``."""
        text = _utf16(key)
        if len(text) != 2 * len(key):  # characters beyond the BMP take two units: positions by code points
            return [(s, e, gid) for s, e, gid, _ in self.hit_rows(_codepoints(key)).tolist()]
        groups = self._groups
        found = self._automaton.find_matches_as_indexes(text, overlapping=True)
        return [(s >> 1, e >> 1, groups[k]) for k, s, e in found if not s & 1]  # odd offset: halves of two characters

    def hit_rows(self, codepoints: np.ndarray) -> np.ndarray:
        """Every match in the text of ``codepoints`` (as ``_codepoints`` gives them) as rows (start, end, group, 0)."""
        wide = codepoints.dtype != np.uint16  # some character beyond the BMP
        text = _utf16(_text(codepoints)) if wide else np.ascontiguousarray(codepoints).view(np.uint8)
        found = self._automaton.find_matches_as_indexes(text, overlapping=True)
        found = np.fromiter(itertools.chain.from_iterable(found), dtype=np.int64, count=3 * len(found)).reshape(-1, 3)
        found = found[found[:, 1] & 1 == 0]  # at an odd byte offset: halves of two characters, not a match
        start, end = found[:, 1] >> 1, found[:, 2] >> 1
        if wide:  # unit positions to character positions; a hit must start and end between characters
            units = 1 + (codepoints > 0xFFFF)
            first = np.append(np.cumsum(units) - units, len(text) // 2)  # first unit of each character, and the end
            start_char, end_char = np.searchsorted(first, start), np.searchsorted(first, end)
            ok = (first[start_char] == start) & (first[end_char] == end)
            found, start, end = found[ok], start_char[ok], end_char[ok]
        rows = np.zeros((len(found), 4), dtype=np.int64)
        rows[:, 0], rows[:, 1] = start, end
        rows[:, 2] = self._group_array[found[:, 0]]
        return rows


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def _codepoints(text: str) -> np.ndarray:
    """The code points of ``text``: its UTF-16 units (uint16) when that is one per character, else uint32.
    Half the bytes of UTF-32 for the usual text, and the automaton scans those units as they are."""
    units = _utf16(text)
    if len(units) == 2 * len(text):
        return np.frombuffer(units, dtype=np.uint16)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _text(codepoints: np.ndarray) -> str:
    """``_codepoints`` back to the string."""
    return codepoints.tobytes().decode("utf-16-le" if codepoints.dtype == np.uint16 else "utf-32-le", "surrogatepass")


def _leftmost_longest_rows(rows: np.ndarray, groups: list[tuple[int, ...]] | None) -> tuple[np.ndarray, list[int]]:
    """``_leftmost_longest`` on hit rows: the indexes of the chosen hits and of the crossing ones, in order.

    In numpy but for one step per chosen hit: only the longest hit at a start can be chosen, and from
    a chosen hit the next is the first such hit at or after its end.
    """
    if not len(rows):
        return np.zeros(0, dtype=np.int64), []
    # by start, the longest first: one integer key (no two hits share start and end: they would be one key)
    width = int((rows[:, 1] - rows[:, 0]).max()) + 1
    order = np.argsort(rows[:, 0] * width - rows[:, 1])
    starts, ends = rows[order, 0], rows[order, 1]
    first = np.flatnonzero(np.r_[True, starts[1:] != starts[:-1]])  # the longest hit at each start
    following = np.searchsorted(starts[first], ends[first], "left").tolist()
    picked: list[int] = []
    j = 0
    while j < len(first):
        picked.append(j)
        j = following[j]
    chosen = first[picked]  # positions in ``order``
    if groups is None or len(chosen) == len(order):
        return order[chosen], []
    # the chosen hit each hit meets (the last one starting at or before it) and where that one ends
    last = chosen[np.searchsorted(starts[chosen], starts, "right") - 1]
    pos = ends[last]
    maybe = np.flatnonzero((ends > pos) & (pos - starts >= MIN_CROSSING) & (starts > starts[last]))
    crossing: list[int] = []
    taken = -1
    gids, last_gids = rows[order[maybe], 2].tolist(), rows[order[last[maybe]], 2].tolist()
    for i, s, gid, last_gid in zip(order[maybe].tolist(), starts[maybe].tolist(), gids, last_gids, strict=True):
        if s != taken and not set(groups[gid]) & set(groups[last_gid]):
            crossing.append(i)
            taken = s
    return order[chosen], crossing


def _leftmost_longest(hits: list[tuple[int, int, int]], groups: list[tuple[int, ...]] | None = None
                      ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """Non-overlapping matches, leftmost first and the longest at each start; and the matches that cross them.

    Chosen here from every match rather than by a leftmost-longest scan (pyahocorasick's ``iter_long``), which loses a
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


_OPENING = re.compile("[“「『]")
_CLOSING = re.compile("[”」』]")


def _is_quoted(text: str, start: int, end: int) -> bool:
    """Wrapped in quotes (“双联”), or the writer quoted a part inside the match (做到“两个维护”)."""
    if start > 0 and end < len(text) and text[start - 1] in OPEN_QUOTES and text[end] in CLOSE_QUOTES:
        return True
    return _OPENING.search(text, start, end) is not None and _CLOSING.search(text, start, end) is not None


def _drop_nested_same_entry(terms: list[Term]) -> list[Term]:
    """In overlap mode keep every entry's outermost matches: 票决制 inside 民生实事项目人大代表票决制 is one hit."""
    terms.sort(key=lambda t: (t.start, -t.end))
    kept: list[Term] = []
    for t in terms:
        if not any(k.canonical == t.canonical and k.start <= t.start and t.end <= k.end for k in kept):
            kept.append(t)
    return kept


_OPENS = re.compile("[“‘「『〝]")
_CLOSES = re.compile("[”’」』〞]")


def _balance_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    """Take in a quote opened or closed inside the match: 坚持“两个毫不动摇” -> whole, not 坚持“两个毫不动摇."""
    opens = len(_OPENS.findall(text, start, end))
    closes = len(_CLOSES.findall(text, start, end))
    if opens > closes and end < len(text) and text[end] in CLOSE_QUOTES:
        end += 1
    elif closes > opens and start > 0 and text[start - 1] in OPEN_QUOTES:
        start -= 1
    return start, end
