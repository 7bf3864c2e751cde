"""Normalization of decoded text, keeping every character's offset into the raw text.

Steps, in order (each one keeps the offset map):

1. ``\\r\\n`` and ``\\r`` -> ``\\n``; form feed, vertical tab, U+0085, U+2028/2029 -> ``\\n``
   (PDF text puts page breaks there; dropping them would glue two lines together);
   zero-width and bidi marks, BOM, soft hyphen and other control characters are removed;
   NBSP, U+3000 and the other typographic spaces -> a plain space; full-width ASCII
   letters and digits -> half-width (Chinese punctuation such as ，。（） is kept);
   Kangxi radicals (U+2F00–2FDF), the CJK Radicals Supplement entries that have a
   decomposition, and CJK compatibility ideographs (U+F900–FAFF, U+2F800–2FA1F) ->
   the unified ideograph Unicode decomposes them to (``⼗四五`` -> ``十四五``; PDF text
   extraction produces them). The mapping is built from ``unicodedata``, not by hand.
   All of this is one table lookup over a numpy array of code points.
2. Pinyin glosses that auto-annotated pages put after characters are removed:
   ``報(bào)告`` -> ``報告``, ``人大（rén dà）`` -> ``人大``. See ``is_pinyin_gloss``.
3. Traditional -> simplified with OpenCC, in large chunks. OpenCC's t2s keeps the
   length in practice; where a chunk's length changes anyway, the chunk is
   re-converted in smaller pieces (lines, then runs, then characters) so that every
   output character still points at the raw character it came from.

>>> m = normalize("報(bào)告\\r\\n第１２條")
>>> m.text, m.offsets.tolist()
('报告\\n第12条', [0, 6, 8, 9, 10, 11, 12])
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError
from .record import _INDEX, MappedText

DEFAULTS: dict[str, Any] = {"opencc": "t2s", "halfwidth": True, "strip_pinyin": True}

_DELETE = np.uint32(0xFFFFFFFF)
_CHUNK = 1 << 18  # characters per OpenCC call: large enough to be fast, small enough to re-align cheaply

# Characters removed outright: invisible formatting that only gets in the way of matching.
_ZERO_WIDTH = [0x00AD, 0x034F, 0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
               *range(0x2060, 0x2070), 0xFEFF, *range(0xFE00, 0xFE10)]
_CONTROLS = [c for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)] if c not in (0x09, 0x0A, 0x0D)]
_LINE_BREAKS = [0x0B, 0x0C, 0x85, 0x2028, 0x2029]
_SPACES = [0x00A0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000]
_FULLWIDTH_ALNUM = [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
# Blocks whose characters stand for a unified ideograph: CJK Radicals Supplement, Kangxi
# Radicals, CJK Compatibility Ideographs (and their supplement, outside the BMP).
_IDEOGRAPH_VARIANT_BLOCKS = [range(0x2E80, 0x2F00), range(0x2F00, 0x2FE0), range(0xF900, 0xFB00)]
_COMPAT_SUPPLEMENT = range(0x2F800, 0x2FA20)


def _unified(cp: int) -> int | None:
    """The one code point Unicode decomposes ``cp`` to (canonical or <compat>), if any.

    Kangxi radicals have <compat> decompositions (U+2F17 -> U+5341), compatibility
    ideographs canonical ones (U+F900 -> U+8C48); twelve compatibility "ideographs"
    (U+FA0E ...) are really unified and have none, and stay as they are.
    """
    parts = unicodedata.decomposition(chr(cp)).split()
    if parts and parts[0] == "<compat>":
        parts = parts[1:]
    if len(parts) != 1 or parts[0].startswith("<"):
        return None
    return int(parts[0], 16)


@functools.lru_cache(maxsize=1)
def _supplement_table() -> np.ndarray:
    """Replacement code points for U+2F800–2FA1F (CJK Compatibility Ideographs Supplement)."""
    return np.array([_unified(cp) or cp for cp in _COMPAT_SUPPLEMENT], dtype=np.uint32)


@functools.lru_cache(maxsize=2)
def _table(halfwidth: bool) -> np.ndarray:
    """Code point -> replacement code point (or _DELETE) for the Basic Multilingual Plane."""
    table = np.arange(0x10000, dtype=np.uint32)
    table[_ZERO_WIDTH + _CONTROLS] = _DELETE
    table[_LINE_BREAKS] = 0x0A
    table[0x0D] = 0x0A  # a lone \r is a line break; the \r of \r\n is deleted separately
    table[_SPACES] = 0x20
    if halfwidth:
        table[_FULLWIDTH_ALNUM] -= 0xFEE0
    for block in _IDEOGRAPH_VARIANT_BLOCKS:
        for cp in block:
            target = _unified(cp)
            if target is not None:
                table[cp] = target
    return table


@functools.lru_cache(maxsize=2)
def _mapped_chars(halfwidth: bool) -> re.Pattern[str]:
    """A pattern of every character that ``_table`` and the supplement table change."""
    table = _table(halfwidth)
    changed = np.flatnonzero(table != np.arange(0x10000, dtype=np.uint32))
    # as ranges of consecutive code points (radicals, compatibility ideographs): compiles in a fraction
    cuts = np.flatnonzero(np.diff(changed) != 1)
    firsts, lasts = changed[np.r_[0, cuts + 1]], changed[np.r_[cuts, len(changed) - 1]]
    ranges = [*zip(firsts.tolist(), lasts.tolist(), strict=True)]
    ranges.append((_COMPAT_SUPPLEMENT.start, _COMPAT_SUPPLEMENT.stop - 1))
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]")


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _from_codepoints(cps: np.ndarray) -> str:
    # decoded from the array's own buffer: no bytes copy of a long text
    return codecs.utf_32_le_decode(np.ascontiguousarray(cps, dtype=np.uint32), "surrogatepass", True)[0]


_MAP_CHUNK = 1 << 20  # characters mapped at once: a long document never needs many copies of itself


def map_characters(raw: str, halfwidth: bool = True) -> MappedText:
    """Step 1: line breaks, invisible characters, spaces, full-width letters/digits, radicals."""
    if not raw:
        return MappedText.identity("")
    if not _mapped_chars(halfwidth).search(raw):  # most reports: nothing to map, no array work
        return MappedText.identity(raw)
    table = _table(halfwidth)
    n = len(raw)
    offsets = np.empty(n, dtype=_INDEX)
    texts: list[str | None] = []  # None: the block is the raw text unchanged
    used = 0
    for start in range(0, n, _MAP_CHUNK):
        end = min(start + _MAP_CHUNK, n)
        # one character more, so a \r that ends the block sees the \n after it
        text, kept = _map_block(raw[start : end + 1], table, end - start)
        texts.append(None if len(kept) == end - start and text == raw[start:end] else text)
        offsets[used : used + len(kept)] = kept + start
        used += len(kept)
    if all(t is None for t in texts):  # nothing to map (the usual case): share the raw text, no second copy
        return MappedText(raw, offsets)
    return MappedText("".join(raw[i * _MAP_CHUNK:(i + 1) * _MAP_CHUNK] if t is None else t
                              for i, t in enumerate(texts)), offsets[:used] if used < n else offsets)


def _map_block(piece: str, table: np.ndarray, size: int) -> tuple[str, np.ndarray]:
    """The first ``size`` characters of ``piece`` mapped, and the indexes (in ``piece``) of those kept."""
    cps = _codepoints(piece)
    mapped = table[cps & np.uint32(0xFFFF)]
    outside = cps >= 0x10000  # outside the BMP: kept as they are, but for the compatibility supplement
    if outside.any():
        mapped[outside] = cps[outside]
        supplement = outside & (cps >= _COMPAT_SUPPLEMENT.start) & (cps < _COMPAT_SUPPLEMENT.stop)
        if supplement.any():
            mapped[supplement] = _supplement_table()[cps[supplement] - _COMPAT_SUPPLEMENT.start]
    keep = mapped != _DELETE
    keep[:-1] &= ~((cps[:-1] == 0x0D) & (cps[1:] == 0x0A))  # the \r of \r\n
    mapped, keep = mapped[:size], keep[:size]
    if keep.all():
        return _from_codepoints(mapped), np.arange(size, dtype=_INDEX)
    return _from_codepoints(mapped[keep]), np.flatnonzero(keep).astype(_INDEX)


# ---------------------------------------------------------------------------- pinyin glosses
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜĀÁǍÀĒÉĚÈĪÍǏÌŌÓǑÒŪÚǓÙǕǗǙǛ"


@functools.cache
def _han_pattern(template: str) -> re.Pattern[str]:
    """``template`` with the Han class in every ``{}``, compiled on first use: a class with the
    supplementary planes takes 1.5 ms to compile, and most runs never need these patterns."""
    return re.compile(template.replace("{}", _HAN))


# A candidate: parentheses (half- or full-width) holding only latin letters, tone-marked
# vowels, ü, spaces and apostrophes; it must follow a Han character (optionally one space).
# The patterns start at the parenthesis so the scan is fast; the Han check is done per match.
# One possessive run (*+) up to the closing parenthesis, stripped afterwards: a "(" followed by a long
# run of letters or spaces and no ")" is scanned once (three competing quantifiers here were cubic).
_CONTENT = rf"([A-Za-züÜ{_TONED}'’ \t-]*+)[)）]"
# One pattern per opening parenthesis: re scans for a literal first character several times faster
# than for a class, and the scan is most of this step's cost. A candidate holds no parenthesis, so the
# two scans find the same candidates as one scan for either parenthesis would.
_CANDIDATES = (re.compile(r"\(" + _CONTENT), re.compile("（" + _CONTENT))
_SYLLABLE = (r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
             r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|uai|uan|van|ian|iao|ai|ei|ao|ou|an|en|in|un|vn"
             r"|ia|ie|iu|ua|uo|ue|ve|ui|er|a|o|e|i|u|v)")
_ONE_SYLLABLE = re.compile(_SYLLABLE)
_SYLLABLES = re.compile(f"(?:{_SYLLABLE})+")


def _strip_tones(token: str) -> str:
    decomposed = unicodedata.normalize("NFD", token.replace("ü", "v").replace("Ü", "V"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ü", "v")


def is_pinyin_gloss(content: str) -> bool:
    """Whether the text inside parentheses is a pinyin reading, not real latin text.

    Rule: every space-separated token must be pinyin. With a tone mark anywhere,
    a token may run several syllables together (``rénmín``) and start with a capital
    (``Běijīng``). Without tone marks it takes at least two lowercase tokens of exactly
    one syllable each (``ren da``), so ``(GDP)``, ``(PM2.5)``, ``(app)``, ``(open data)``
    and ``(Wang Yi)`` stay.

    >>> [is_pinyin_gloss(s) for s in ["bào", "rén dà", "ren da", "GDP", "app", "open data"]]
    [True, True, True, False, False, False]
    """
    tokens = [t for t in re.split(r"[\s'’-]+", content) if t]
    if not tokens:
        return False
    toned = any(c in _TONED for c in content)
    if toned:
        plain = [_strip_tones(t) for t in tokens]
        plain = [t[0].lower() + t[1:] if t[:1].isupper() and t[1:].islower() else t for t in plain]
        return all(_SYLLABLES.fullmatch(t) for t in plain)
    return len(tokens) >= 2 and all(_ONE_SYLLABLE.fullmatch(_strip_tones(t)) for t in tokens)


def pinyin_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every pinyin gloss in ``text``, parentheses included (and one space before)."""
    spans = []
    for m in sorted((m for p in _CANDIDATES for m in p.finditer(text)), key=lambda m: m.start()):
        content = m.group(1).strip(" \t")
        if not content:
            continue
        start = m.start()
        if start > 1 and text[start - 1] in " \t":
            start -= 1
        if start > 0 and _han_pattern("[{}]").match(text, start - 1) and is_pinyin_gloss(content):
            spans.append((start, m.end()))
    return spans


def strip_pinyin(mapped: MappedText) -> MappedText:
    """Step 2: drop pinyin glosses."""
    spans = pinyin_spans(mapped.text)
    if not spans:
        return mapped
    text = mapped.text
    keep = np.ones(len(text), dtype=bool)
    pieces, last = [], 0
    for start, end in spans:
        keep[start:end] = False
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return MappedText("".join(pieces), mapped.offsets[keep])


# ---------------------------------------------------------------------------- traditional -> simplified
@functools.lru_cache(maxsize=4)
def get_converter(name: str) -> Callable[[str], str]:
    """OpenCC converter by config name (``t2s``, ``tw2s``, ``hk2s`` ...)."""
    try:
        from opencc import OpenCC
    except ImportError:
        raise ConfigError("read.opencc needs OpenCC: pip install opencc") from None
    try:
        return OpenCC(name.removesuffix(".json")).convert
    except Exception as exc:  # OpenCC raises a bare RuntimeError/ValueError for unknown configs
        raise ConfigError(f"read.opencc: unknown OpenCC config {name!r} ({exc})") from None


def opencc_fingerprint(config: Path) -> str | None:
    """sha1 of an OpenCC config file and of the dictionaries it names (None if one cannot be read)."""
    digest = hashlib.sha1()
    try:
        data = config.read_bytes()
        digest.update(data)
        for name in re.findall(rb'"file"\s*:\s*"([^"]+)"', data):
            digest.update((config.parent / name.decode()).read_bytes())
    except (OSError, UnicodeDecodeError):
        return None
    return digest.hexdigest()


@functools.lru_cache(maxsize=4)
def _suspects(convert: Callable[[str], str]) -> np.ndarray | None:
    """Code point (BMP) -> whether ``convert`` can change it; None: no list, convert everything.

    Shipped for ``t2s`` (``data/opencc_t2s.json``, see ``data/make_opencc_t2s.py``) and used only
    when the installed OpenCC dictionaries are the ones it was built from. Every character outside
    the BMP is a suspect, and so is a lone surrogate: OpenCC refuses it, and so it still does.
    A table, not a regex: a class of 4,000 characters takes milliseconds to compile at every start.
    """
    config = Path(getattr(getattr(convert, "__self__", None), "config", ""))
    shipped = Path(__file__).resolve().parent / "data" / f"opencc_{config.stem}.json"
    if not config.name or not shipped.is_file():
        return None
    listed = json.loads(shipped.read_text(encoding="utf-8"))
    if listed.get("config") != config.name or listed.get("sha1") != opencc_fingerprint(config):
        return None
    table = np.zeros(0x10000, dtype=bool)
    table[[ord(c) for c in listed["chars"] if ord(c) < 0x10000]] = True
    table[0xD800:0xE000] = True
    return table


def _suspect_positions(text: str, table: np.ndarray) -> np.ndarray:
    cps = _codepoints(text)
    return np.flatnonzero((cps > 0xFFFF) | table[cps & np.uint32(0xFFFF)])


_CUT_AT = "\n。！？；，"


def _chunks(text: str, size: int) -> list[tuple[int, int]]:
    """Split into pieces of about ``size`` characters, cutting after a line break or punctuation."""
    out, i, n = [], 0, len(text)
    while i < n:
        j = min(i + size, n)
        if j < n:
            cut = max(text.rfind(ch, i, j) for ch in _CUT_AT)
            j = cut + 1 if cut >= i else j
        out.append((i, j))
        i = j
    return out


def _convert_aligned(piece: str, convert: Callable[[str], str], level: int = 0) -> tuple[str, np.ndarray | None]:
    """Convert ``piece``; return the output and, if its length changed, each output char's index in ``piece``.

    The index array is None when the output has the same length (position i -> i).
    A piece whose length changes is re-converted in smaller parts (lines, then Han runs,
    then characters one by one, keeping a character whose conversion is not one character).
    """
    out = convert(piece)
    if len(out) == len(piece):
        return out, None
    if level == 0:
        parts = [m.span() for m in re.finditer(r"[^\n]*\n|[^\n]+", piece)]
    elif level == 1:
        parts = [m.span() for m in _han_pattern("[{}]+|[^{}]+").finditer(piece)]
    else:
        chars = [convert(c) for c in piece]
        return "".join(c if len(c) == 1 else o for c, o in zip(chars, piece, strict=True)), None
    texts, index = [], []
    for start, end in parts:
        sub, sub_index = _convert_aligned(piece[start:end], convert, level + 1)
        texts.append(sub)
        index.append(np.arange(start, end) if sub_index is None else sub_index + start)
    return "".join(texts), np.concatenate(index).astype(_INDEX)


def convert_script(mapped: MappedText, convert: Callable[[str], str], chunk: int = _CHUNK) -> MappedText:
    """Step 3: convert with ``convert`` (OpenCC) chunk by chunk, keeping the offset map."""
    text = mapped.text
    if not text or text.isascii():
        return mapped
    suspects = _suspects(convert)
    texts: list[str | None] = []  # None: the chunk is unchanged
    fixes = []
    for start, end in _chunks(text, chunk):
        piece = text[start:end]
        sparse = None if suspects is None else _convert_suspect_runs(piece, convert, suspects)
        out, index = (sparse, None) if sparse is not None else _convert_aligned(piece, convert)
        texts.append(None if index is None and out == piece else out)
        fixes.append((start, end, index))
    if all(t is None for t in texts):  # already simplified (the usual case): no second copy of the text
        return mapped
    texts = [text[s:e] if t is None else t for t, (s, e, _) in zip(texts, fixes, strict=True)]
    if all(index is None for _, _, index in fixes):
        return MappedText("".join(texts), mapped.offsets)
    offsets = [mapped.offsets[s:e] if index is None else mapped.offsets[s:e][index] for s, e, index in fixes]
    return MappedText("".join(texts), np.concatenate(offsets))


def _convert_suspect_runs(piece: str, convert: Callable[[str], str], suspects: np.ndarray) -> str | None:
    """``convert(piece)``, calling OpenCC only on the runs of Han characters that hold one it can change.

    Exact: every key of the dictionaries is made of Han characters (``data/make_opencc_t2s.py``
    checks it), so no match spans a non-Han character and each Han run converts on its own; a
    run without a suspect converts to itself. Most reports are simplified already, with a few
    suspects (覆 of 覆盖, 俱 of 与时俱进): a few calls on a few characters instead of one over the
    whole text. None when there are many or a run changes length (``_convert_aligned`` then).
    """
    hits = _suspect_positions(piece, suspects)
    # A hit costs a call (≈4 µs with its Python), the whole chunk ≈25 ns a character: beyond a hit
    # per 200 characters (a traditional text) one call over the chunk is cheaper.
    if len(hits) > 8 + len(piece) // 200:
        return None
    pieces: list[str] = []
    last = pos = 0
    for hit in hits.tolist():
        if hit < pos:  # inside the run just converted
            continue
        start = _run_start(piece, pos, hit)
        end = _han_pattern("[{}]*").match(piece, hit + 1).end()
        run = piece[start:end]
        out = convert(run)
        if len(out) != len(run):
            return None
        if out != run:
            pieces += (piece[last:start], out)
            last = end
        pos = end
    if not pieces:
        return piece
    pieces.append(piece[last:])
    return "".join(pieces)


def _run_start(text: str, pos: int, end: int) -> int:
    """Start of the run of Han characters that ends at ``end`` (not before ``pos``).

    ``re`` cannot search backwards: the Han run at the start of a reversed window, widened until it ends.
    """
    size = 32
    while True:
        lo = max(pos, end - size)
        back = _han_pattern("[{}]*").match(text[lo:end][::-1]).end()
        if back < end - lo or lo == pos:
            return end - back
        size *= 4


# ---------------------------------------------------------------------------- entry point
def normalize(raw: str, settings: dict[str, Any] | None = None) -> MappedText:
    """Normalized text whose offsets index ``raw``.

    ``settings`` is the ``[read]`` config section (keys ``opencc``, ``halfwidth``,
    ``strip_pinyin``); None means the defaults. ``opencc = ""`` turns conversion off.
    """
    cfg = {**DEFAULTS, **(settings or {})}
    mapped = map_characters(raw, halfwidth=bool(cfg["halfwidth"]))
    if cfg["strip_pinyin"]:
        mapped = strip_pinyin(mapped)
    if cfg["opencc"]:
        mapped = convert_script(mapped, get_converter(str(cfg["opencc"])))
    return mapped
