"""Stage 2, segment: a ``Document`` -> the paragraphs a careful reader would see.

Works on ``doc.norm`` line by line, then on whole paragraphs:

1. Lines are classified once: blank, page furniture (``- 3 -``, ``（下转第四版）``),
   leading markers (``#``, ``●``, ``- ``), bold markers (``**``) and inline page
   notes are cut out of the line as *pieces* of the normalized text, so nothing is
   copied per character and every kept character keeps its offset.
2. Neighbouring lines are joined or kept apart from layout evidence: line-final
   punctuation, the line's width against its neighbours (hard-wrapped PDF text),
   blank lines, indentation, and whether the next line starts a bullet, a number
   or a heading. A document is treated as *wrapped* when many lines stop
   mid-sentence and lines are short; otherwise one line is one paragraph unless
   it visibly stops mid-sentence (page breaks in e-paper copies).
3. Run-on paragraphs are split where a numbered item (（一） 一、 1. （1）) or a
   closing passage (各位代表！…, 回顾…工作，…) starts a new sentence.
   A paragraph longer than ``max_paragraph_chars`` (a document without line
   breaks, a page of text run together) is cut after the last sentence end that
   fits, with one note per document naming the file and the paragraphs.
4. Headings get a nesting level from their numbering style, a ``section`` path
   and a ``period`` (review of last year / plan for the coming year); a
   名词解释 section marks its entries ``is_glossary``.

Everything is linear in the input; per-character work is done by ``str`` and
``re`` methods, never by Python loops.
"""

from __future__ import annotations

import bisect
import re
import warnings
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import PolicytagNote, printable
from .meta import looks_like_name, merged_meta, speaker_in_line
from .record import Document, MappedText, Paragraph

DEFAULTS: dict[str, Any] = {
    "min_chars": 2,
    "wrap_ratio": 0.3,  # share of lines that stop mid-sentence for a document to count as hard-wrapped
    "wrap_max_width": 80,  # median line width (CJK chars) above which a document is never hard-wrapped
    "full_line": 0.8,  # a line this wide relative to its neighbours runs on into the next one
    "heading_max": 60,  # headings are at most this wide (CJK chars; ASCII counts half)
    "split_items": True,  # split run-on numbered items and closing passages
    "max_paragraph_chars": 5000,  # longer paragraphs are cut at sentence ends (0 = no limit)
}

# ---------------------------------------------------------------- characters
_CN_NUM = "一二三四五六七八九十"
_SENT_END = "。！？!?"
_TERMINAL = frozenset("。！？!?…；;：:")  # a line ending in one of these ends a sentence
_CLOSERS = "”’」』）)》】\"'"  # skipped when looking at a line's last mark
_CONTINUES = frozenset("，、,（(《“‘【—-·/")  # a line ending in one of these goes on
_SPACE = " \t\u3000\xa0"
_WS = _SPACE + "\r\f\v"
_CLOSERS_SPACE = _CLOSERS + _SPACE  # stripped from both ends of a line
_CLOSER_SET = frozenset(_CLOSERS_SPACE)
_LEAD_FIRST = frozenset("#●■◆◇•▪▫○◎□★☆►▶➢➤✦✧❖◼◾⚫·・-*+")  # first characters of a ``_LEAD`` match

# ------------------------------------------------------------------- patterns
# Markers at the start of a line: markdown heading, bullet, markdown list dash/star.
_LEAD = re.compile(r"(?P<md>#{1,6})[ \t]*|(?P<bullet>[●■◆◇•▪▫○◎□★☆►▶➢➤✦✧❖◼◾⚫·・][ \t\u3000]*|[-*+][ \t]+)")
# A page-jump note: （下转第四版）, (上接第1版) ...
_JUMP_NOTE = r"[（(]\s*(?:下转|上接|紧接|转第|接第|续第|转下|接上|下接|转自|转\d|接\d)[^（）()\n]{0,12}[）)]"
# Whole lines that are page furniture: page numbers and page-jump notes.
_PAGE_LINE = re.compile(
    r"[-—–－~\s]*\d{1,3}[-—–－~\s]*"
    r"|[-—–－\s]*第\s*\d{1,4}\s*页(?:\s*[/／,，]?\s*共\s*\d{1,4}\s*页)?[-—–－\s]*"
    r"|\d{1,4}\s*[/／]\s*\d{1,4}"
    rf"|{_JUMP_NOTE}"
)
# Page-jump notes inside a line.
_PAGE_NOTE = re.compile(_JUMP_NOTE)
_BOLD = re.compile(r"\*\*|__")
# A line (or paragraph) that starts with a numbered item marker.
_NUMBERED = re.compile(
    rf"(?P<cnp>[（(][{_CN_NUM}]{{1,3}}[）)])"
    rf"|(?P<cn>[{_CN_NUM}]{{1,3}}[、．.](?![{_CN_NUM}]{{1,2}}[、．.]))"
    r"|(?P<nump>[（(]\d{1,2}[）)])"
    r"|(?P<num>\d{1,2}(?:[、．]|\.(?![\d%])|\s(?=[\u4e00-\u9fff])))"
    rf"|(?P<chap>第[{_CN_NUM}\d]{{1,3}}(?:部分|章|篇|节))"
)
# Where a run-on paragraph is split: after a sentence end, before a new item or closing passage.
_RUNON = re.compile(
    rf"[{_SENT_END}][”’」』]?[ \t]*(?="
    rf"[（(][{_CN_NUM}]{{1,3}}[）)]"
    rf"|[{_CN_NUM}]{{1,3}}、(?![{_CN_NUM}]{{1,2}}、)"
    r"|[（(]\d{1,2}[）)]"
    r"|\d{1,2}(?:、|\.(?![\d%]))"
    r"|[●■◆▪•]"
    r"|(?:各位代表|同志们)[！!，,：:]"
    r"|回顾(?:过去|一年|五年|这|本届)[^。！？!?，,]{0,12}[，,]"
    r"|(?:同时[，,])?我们(?:也)?(?:要)?清醒地?(?:看到|认识到)"
    r"|在肯定成绩的同时"
    r")"
)
_INNER_STOP = re.compile(r"[。！？!?；;]")
_SPACED_TITLE = re.compile(r"(?:[\u4e00-\u9fff][ \t\u3000]+){2,}[\u4e00-\u9fff]")
_GREETING = re.compile(r"(?:各位代表|同志们|各位委员)[！!，,：:]")
_DATE_LINE = re.compile(r"^[—\-－–]*\s*(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年.{0,40}(?:会议|大会)上?\s*$")
_CAPTION = re.compile(r"(?:摄|摄影|供图|图片来源.*|记者\s*\S{2,4}(?:\s+\S{2,4})?)$")
_GLOSSARY = re.compile(r"(?:附(?:件|录)?\s*\d*\s*[:：、]?\s*)?(?:名词|术语|词语|有关名词)?(?:解释|注释|释义|说明)")
_TITLE_WORDS = re.compile(r"报告|人民代表大会|人大常委会|常务委员会")

# Part headings that open the review of past work or the plan for the coming year.
_YEAR = r"(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年度?"
_REVIEW = re.compile(
    r"(?:(?:过去|刚刚过去的?|回顾)(?:的)?(?:一|五|这一|这五)年|一年来|五年来|本届以来|过去五年|" + _YEAR + r")?"
    r"的?(?:主要)?(?:工作)?(?:回顾|总结|情况|成绩|主要工作|工作|履职情况)(?:和体会|和经验|及体会)?"
)
_PLAN_WORDS = r"(?:任务|安排|建议|打算|计划|部署|思路|要点|目标|重点)"
_PLAN = re.compile(
    r"(?:今年|明年|新的一年|今后一年|今后五年|今后|下一步|未来一年|未来五年)的?.{0,10}?(?:工作|" + _PLAN_WORDS + ")"
    r"|" + _YEAR + r"的?.{0,10}?" + _PLAN_WORDS
    + r"|(?:主要|工作)任务|工作安排|工作建议"
)
_AMBIG_YEAR = re.compile("(" + _YEAR + r")的?(?:主要)?工作")
# Every match of _PLAN, _AMBIG_YEAR and _REVIEW holds one of these words: one search tells most headings apart.
_PERIOD_WORD = re.compile("工作|" + _PLAN_WORDS + "|回顾|总结|情况|成绩")
_UNMARK = re.compile(r"[\s*#]")  # dropped before a heading's words are read
_NUMBER_PREFIX = re.compile(rf"^(?:[（(]?[{_CN_NUM}\d]{{1,3}}[）)、．.]|第[{_CN_NUM}\d]{{1,3}}(?:部分|章|篇))\s*")


@dataclass(slots=True)
class _Line:
    # Built with positional arguments (one per line of every document: keywords cost twice as much).
    pieces: list[tuple[int, int]]  # kept spans of norm, markers and page notes cut out
    text: str  # the kept text (pieces joined)
    width: float  # visual width of the whole line content, markers included
    indent: bool  # starts with whitespace
    gap: int  # blank lines (or dropped page furniture) before this line
    numbered: str | None  # numbering style the line starts with
    bold_whole: bool  # the whole line is **bold**
    # Read once per line here rather than at every look at it while joining and sectioning:
    terminal: bool  # the text ends a sentence (``_ends_sentence``)
    opens: bool  # the text ends with a mark that goes on (``_ends_open``)
    head: bool | None  # the text alone reads as a heading (``_heading_like``); None: not yet asked
    md: int = 0  # markdown heading level
    bullet: bool = False
    front: bool | None = None  # the text is title-block matter (``_is_front_matter``), once asked
    period: str | None = "?"  # ``_period_kind`` of the text, once asked ("?": not yet)


@dataclass(slots=True)
class _Para:
    pieces: list[tuple[int, int]]
    lines: list[_Line]
    md: int
    bullet: bool
    bold_whole: bool
    chars: int  # total length of the lines' text, kept as lines are added
    spaced: bool = False  # two of its lines may meet in Latin letters or digits: ``_mapped`` looks for a space


def _settings(config: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(DEFAULTS)
    if config:
        section = config.get("segment") if "segment" in config else config
        out.update({k: v for k, v in (section or {}).items() if k in DEFAULTS})
    return out


def _width(s: str) -> float:
    """Visual width: CJK and other wide characters 1, ASCII 0.5."""
    n_wide = (len(s.encode("utf-8")) - len(s)) // 2  # BMP CJK take 3 bytes
    return n_wide + 0.5 * (len(s) - n_wide)


def _last_mark(s: str) -> str:
    s = s.rstrip(_CLOSERS_SPACE)
    return s[-1] if s else ""


def _ends_sentence(s: str) -> bool:
    return _last_mark(s) in _TERMINAL


def _ends_open(s: str) -> bool:
    return s.rstrip(_SPACE)[-1:] in _CONTINUES


# ---------------------------------------------------------------- 1. lines
def _split_lines(text: str) -> Iterator[str]:
    """``text.split("\\n")`` one line at a time: a long document's lines never all exist as strings."""
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _parse_lines(text: str, heading_max: float, lazy: bool = False) -> Iterator[_Line]:
    gap = 0
    pos = 0
    for raw_line in _split_lines(text) if lazy else text.split("\n"):
        line_start, pos = pos, pos + len(raw_line) + 1
        content = raw_line.strip(_WS)
        if not content or (len(content) <= 20 and _PAGE_LINE.fullmatch(content)):
            gap += 1
            continue
        lead = len(raw_line) - len(raw_line.lstrip(_WS)) if raw_line[0] in _WS else 0
        start = line_start + lead
        n_wide = (len(content.encode("utf-8")) - len(content)) // 2  # _width(content), without a call per line
        width = n_wide + 0.5 * (len(content) - n_wide)
        md, bullet = 0, False
        m = _LEAD.match(content) if content[0] in _LEAD_FIRST else None
        if m:
            if m.group("md") and (len(content) == m.end() or m.end() > len(m.group("md"))):
                md = len(m.group("md"))
            else:
                bullet = bool(m.group("bullet")) and not content.startswith("**")
            if md or bullet:
                content = content[m.end() :]
                start += m.end()
        if not content:
            gap += 1
            continue
        line = _make_line(content, start, width, lead > 0, gap, heading_max)
        if not line.pieces:  # nothing but markers (a lone ``**``): no text to keep
            gap += 1
            continue
        line.md, line.bullet = md, bullet
        yield line
        gap = 0


def _make_line(content: str, start: int, width: float, indent: bool, gap: int,
               heading_max: float) -> _Line:
    if ("*" in content or "__" in content or (("转" in content or "接" in content) and _PAGE_NOTE.search(content))
            or (content[1:2] in " \t\u3000" and _SPACED_TITLE.fullmatch(content))):
        pieces, kept, bold_whole = _cut_markers(content, start)
    else:  # most lines: nothing to cut out, the line is one piece
        pieces, kept, bold_whole = [(start, start + len(content))], content, False
    stripped = kept.strip(_SPACE)
    if stripped != kept and pieces:
        lead = len(kept) - len(kept.lstrip(_SPACE))
        trail = len(kept) - len(kept.rstrip(_SPACE))
        pieces = _trim_pieces(pieces, lead, trail)
    num = _NUMBERED.match(stripped)
    last = stripped[-1:]
    if last not in _CLOSER_SET:  # most lines: the last character is the last mark
        terminal, opens = last in _TERMINAL, last in _CONTINUES
    else:
        terminal, opens = _ends_sentence(stripped), _ends_open(stripped)
    # whether it fits a heading is asked later, only of a paragraph's first line (``_para_heading_like``)
    head = None if stripped and not terminal and not opens else False
    return _Line(pieces, stripped, width, indent, gap, num.lastgroup if num else None, bold_whole, terminal, opens,
                 head)


def _cut_markers(content: str, start: int) -> tuple[list[tuple[int, int]], str, bool]:
    """(pieces, kept text, whole line bold) of a line once bold markers, page notes and the
    spaces of a spaced-out title (工 作 报 告) are cut out."""
    cuts: list[tuple[int, int]] = []
    bold_whole = False
    if "*" in content or "__" in content:
        marks = [(m.start(), m.end()) for m in _BOLD.finditer(content)]
        if len(marks) >= 2 or (marks and (marks[0][0] == 0 or marks[-1][1] == len(content))):
            cuts.extend(marks)
            bold_whole = len(marks) == 2 and marks[0][0] == 0 and marks[1][1] == len(content)
    if "转" in content or "接" in content:
        cuts.extend((m.start(), m.end()) for m in _PAGE_NOTE.finditer(content))
    if _SPACED_TITLE.fullmatch(content):  # 工 作 报 告 -> 工作报告
        cuts.extend((m.start(), m.end()) for m in re.finditer(r"[ \t\u3000]+", content))
    if not cuts:
        return [(start, start + len(content))], content, bold_whole
    pieces: list[tuple[int, int]] = []
    cuts.sort()
    at = 0
    for a, b in cuts:
        if a > at:
            pieces.append((start + at, start + a))
        at = max(at, b)
    if at < len(content):
        pieces.append((start + at, start + len(content)))
    return pieces, "".join(content[a - start : b - start] for a, b in pieces), bold_whole


def _trim_pieces(pieces: list[tuple[int, int]], lead: int, trail: int) -> list[tuple[int, int]]:
    first = 0  # pieces emptied from the front are skipped, not popped (pop(0) per piece is quadratic)
    out = list(pieces)
    while lead and first < len(out):
        a, b = out[first]
        take = min(lead, b - a)
        lead -= take
        out[first] = (a + take, b)
        if out[first][0] >= out[first][1]:
            first += 1
    out = out[first:]
    while trail and out:
        a, b = out[-1]
        take = min(trail, b - a)
        trail -= take
        out[-1] = (a, b - take)
        if out[-1][0] >= out[-1][1]:
            out.pop()
    return out


# ---------------------------------------------------------------- 2. join lines
@dataclass(slots=True)
class _Layout:
    wrapped: bool
    indent_informative: bool
    blank_separates: bool  # paragraphs are separated by blank lines
    full_line: float
    heading_max: float
    line_width: float  # typical width of a full line (upper quartile)
    count: int = 0  # lines in the document


def _layout(lines: Iterable[_Line], s: dict[str, Any]) -> _Layout:
    """The document's layout from one pass over its lines (which need not all exist at once)."""
    open_lines = term_lines = term_gap = indented = 0
    widths: list[float] = []
    it = iter(lines)
    ln = next(it, None)
    while ln is not None:
        indented += ln.indent
        widths.append(ln.width)
        nxt = next(it, None)
        if ln.terminal:
            term_lines += 1
            term_gap += bool(nxt is None or nxt.gap)
        elif nxt is not None and nxt.gap == 0 and not (nxt.bullet or nxt.md or nxt.numbered):
            open_lines += 1
        ln = nxt
    n = len(widths)
    if n == 0:
        return _Layout(False, False, False, s["full_line"], s["heading_max"], 0.0)
    widths.sort()
    wrapped = open_lines >= s["wrap_ratio"] * n and widths[n // 2] <= s["wrap_max_width"] and n >= 4
    return _Layout(
        wrapped=wrapped,
        # indentation marks paragraph starts only when some lines are indented and others not
        indent_informative=0.02 * n < indented < 0.9 * n,
        blank_separates=term_lines > 0 and term_gap >= 0.6 * term_lines,
        full_line=s["full_line"],
        heading_max=s["heading_max"],
        line_width=widths[(3 * n) // 4],
        count=n,
    )


def _local_width(lines: list[_Line], i: int) -> float:
    """The widest neighbour of line ``i`` within its block (no blank line between)."""
    widths = []
    j = i
    while j > 0 and i - j < 3 and lines[j].gap == 0:
        j -= 1
        widths.append(lines[j].width)
    j = i + 1
    while j < len(lines) and j - i <= 3 and lines[j].gap == 0:
        widths.append(lines[j].width)
        j += 1
    return max(widths, default=lines[i].width)


def _short_text(p: _Para, heading_max: float) -> str | None:
    """The paragraph's text so far, or None when it is too long to be a heading.

    Width is at least half the length, so a paragraph longer than twice
    ``heading_max`` can never read as a heading: its text is not built, which
    keeps joining N lines into one paragraph linear instead of quadratic.
    """
    if 0.5 * p.chars > heading_max:
        return None
    return p.lines[0].text if len(p.lines) == 1 else "".join([ln.text for ln in p.lines])


def _heading_like(text: str, heading_max: float) -> bool:
    """Short, no sentence punctuation inside or at the end: reads as a heading."""
    return bool(text) and not _ends_sentence(text) and not _ends_open(text) and _fits_heading(text, heading_max)


def _fits_heading(text: str, heading_max: float) -> bool:
    """Short enough for a heading, with no sentence punctuation inside."""
    # a width lies between 0.5 and 1.25 times the length (astral characters count 1.25): most lines are
    # told by their length, without encoding them
    n = len(text)
    if n > 2 * heading_max or (n * 1.25 > heading_max and _width(text) > heading_max):
        return False
    return not _INNER_STOP.search(text)


def _line_front(ln: _Line) -> bool:
    """``_is_front_matter`` of a line's text, asked at most once per line (joining asks twice)."""
    if ln.front is None:
        ln.front = _is_front_matter(ln.text)
    return ln.front


def _para_period(p: _Para, text: str) -> str | None:
    """``_period_kind(text)`` of paragraph ``p`` whose text is ``text``; a one-line paragraph's is asked
    twice (joining, then sectioning) and kept on the line."""
    if len(p.lines) > 1:
        return _period_kind(text)
    ln = p.lines[0]
    if ln.period == "?":
        ln.period = _period_kind(text)
    return ln.period


def _para_heading_like(p: _Para, text: str, heading_max: float) -> bool:
    """``_heading_like(text)`` of paragraph ``p`` whose text is ``text``: read off the line when it has one."""
    if len(p.lines) > 1:
        return _heading_like(text, heading_max)
    ln = p.lines[0]
    if ln.head is None:
        ln.head = _fits_heading(ln.text, heading_max)
    return ln.head


def _marked_heading(p: _Para, text: str, layout: _Layout, lines: Sequence[_Line], i: int) -> bool:
    """The paragraph so far (``text``, heading-like) is a heading by its form, so the next line cannot
    continue it."""
    if _para_period(p, text):
        return True
    if p.lines[0].numbered and p.lines[0].numbered != "num":
        # a numbered first line that fills the column is a wrapped item, not a heading
        return not layout.wrapped or lines[i].width < layout.full_line * _local_width(lines, i)
    return False


def _joins(p: _Para, lines: Sequence[_Line], i: int, layout: _Layout) -> bool:
    """Does line ``i`` continue paragraph ``p`` (whose last line is ``i - 1``)?"""
    a, b = lines[i - 1], lines[i]
    if a.terminal and not layout.wrapped:
        return False  # the common case first: every test below says so too (``opens`` is not ``terminal``)
    if p.md or p.bold_whole or b.md or b.bullet or b.bold_whole or (b.text[0] in "各同" and _GREETING.match(b.text)):
        return False
    if b.text.startswith("——") or (i < 12 and (_line_front(a) or _line_front(b))):
        return False  # title block: title, date line, byline are separate lines
    if b.numbered and not a.opens:
        return False
    if layout.indent_informative and b.indent:
        return False
    if a.opens:
        return True
    if a.terminal:
        # in wrapped text a sentence can end exactly at the margin mid-paragraph
        return (layout.wrapped and layout.blank_separates and b.gap == 0
                and a.width >= layout.full_line * _local_width(lines, i - 1))
    text = _short_text(p, layout.heading_max)  # None: too long to be a heading
    heading_like = text is not None and _para_heading_like(p, text, layout.heading_max)
    if heading_like and _marked_heading(p, text, layout, lines, i - 1):
        return False
    if not layout.wrapped:
        # one line per paragraph: only a line that visibly stops mid-sentence goes on
        return not heading_like
    if b.gap == 0:
        # a short unpunctuated line over a full one reads as a heading (bullet items excepted)
        return not (len(p.lines) == 1 and not p.bullet and heading_like
                    and a.width < 0.6 * b.width and b.width >= layout.full_line * _local_width(lines, i))
    # a column or page break: go on unless the paragraph so far reads as a heading
    if not heading_like:
        return True
    has_comma = "，" in text or "," in text
    return has_comma and (len(p.lines) >= 2 or a.width >= layout.full_line * layout.line_width)


def _join_lines(lines: Sequence[_Line], layout: _Layout) -> Iterator[_Para]:
    """Paragraphs, each handed on when the next one starts; ``lines`` may be a ``_LineWindow``."""
    cur: _Para | None = None
    wrapped = layout.wrapped
    for i in range(len(lines)):
        ln = lines[i]
        # ``_joins``' first test, said here too: a sentence finished in unwrapped text is not continued,
        # and most lines need no call
        if cur is not None and (wrapped or not cur.lines[-1].terminal) and _joins(cur, lines, i, layout):
            if ln.text[0].isascii() and cur.lines[-1].text[-1].isascii():
                cur.spaced = True
            if len(cur.lines) == 1:  # the first line's own list was taken: copied once the paragraph grows
                cur.pieces = cur.pieces + ln.pieces
            else:
                cur.pieces.extend(ln.pieces)
            cur.lines.append(ln)
            cur.chars += len(ln.text)
            continue
        if cur is not None:
            yield cur
        cur = _Para(ln.pieces, [ln], ln.md, ln.bullet, ln.bold_whole, len(ln.text))
    if cur is not None:
        yield cur


class _LineWindow:
    """A long document's lines parsed again, one at a time, keeping only those around the latest one asked
    for: joining looks at most ``_REACH`` lines back or ahead (``_joins``, ``_local_width``)."""

    def __init__(self, text: str, count: int, heading_max: float) -> None:
        self._lines = _parse_lines(text, heading_max, lazy=True)
        self._count = count
        self._kept: deque[_Line] = deque()
        self._first = 0  # index of self._kept[0]

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: int) -> _Line:
        while i >= self._first + len(self._kept):
            self._kept.append(next(self._lines))
            if len(self._kept) > 4 * _REACH:
                self._kept.popleft()
                self._first += 1
        if i < self._first:
            raise IndexError(f"line {i} is no longer kept (window starts at {self._first})")
        return self._kept[i - self._first]


_REACH = 4  # lines around line i that joining reads: i-1 .. i+1, and 3 more each way for widths
STREAM_CHARS = 1 << 20  # documents longer than this are cut with their lines parsed twice, never all kept


def _mapped(norm: MappedText, pieces: list[tuple[int, int]], spaced: bool) -> MappedText:
    """Pieces of the normalized text as one MappedText into the raw text; an
    ASCII space is put back where two lines of Latin text were joined (``spaced``: there may be such)."""
    text, offs = norm.text, norm.offsets
    if len(pieces) == 1:
        a, b = pieces[0]
        return MappedText._trusted(text[a:b], offs[a:b])
    if spaced:  # rare
        return _mapped_spaced(text, offs, pieces)
    return MappedText._trusted("".join([text[a:b] for a, b in pieces]), np.concatenate([offs[a:b] for a, b in pieces]))


def _mapped_spaced(text: str, offs: np.ndarray, pieces: list[tuple[int, int]]) -> MappedText:
    """``_mapped`` of pieces where a space goes between two lines ending and starting with ASCII letters or digits."""
    parts: list[str] = []
    arrays: list[np.ndarray] = []
    prev_end = -1
    for a, b in pieces:
        if parts and prev_end < a and parts[-1][-1:].isascii() and parts[-1][-1:].isalnum() and text[a].isascii() \
                and text[a].isalnum() and "\n" in text[prev_end:a]:
            parts.append(" ")
            arrays.append(offs[prev_end : prev_end + 1])
        parts.append(text[a:b])
        arrays.append(offs[a:b])
        prev_end = b
    return MappedText("".join(parts), np.concatenate(arrays))


# ---------------------------------------------------------------- 3. run-on items
def _split_runon(body: MappedText) -> list[MappedText]:
    """``body`` cut where a numbered item or closing passage starts a new sentence (``_RUNON``)."""
    text = body.text
    spans: list[tuple[int, int]] = []
    at = 0
    for m in _RUNON.finditer(text):
        cut = m.end()
        if cut - at >= 2:
            spans.append((at, cut))
            at = cut
    spans.append((at, len(text)))
    # parts are trimmed as spans of ``text``, so that each becomes one MappedText slice
    cleaned: list[MappedText] = []
    for a, b in spans:
        a, b = _strip_span(text, a, b)
        lead = _LEAD.match(text, a, b)
        if lead and lead.group("bullet") and not text.startswith(("-", "*", "+"), a, b):
            a, b = _strip_span(text, lead.end(), b)
        if a < b:
            cleaned.append(body[a:b])
    return cleaned


def _strip_span(text: str, a: int, b: int) -> tuple[int, int]:
    """The span of ``text[a:b].strip()`` (as ``MappedText.strip`` cuts it)."""
    part = text[a:b]
    stripped = part.lstrip()
    a += len(part) - len(stripped)
    return a, a + len(stripped.rstrip())


# ---------------------------------------------------------------- 3b. over-long paragraphs
_CUT_SENTENCE = re.compile(rf"[{_SENT_END}]+[”’」』）)\"']*")
_CUT_CLAUSE = re.compile(r"[；，、：]|[;,:](?!\d)")  # not inside 1,000 or 10:30


@dataclass(slots=True)
class _Cut:
    """One paragraph over the limit: where it was in ``raw``, its length, and what it became."""

    start: int
    end: int
    chars: int
    first: int = 0  # index of its first piece among the document's paragraphs
    pieces: int = 0
    hard: int = 0  # cuts made mid-sentence (no sentence end within the limit)


def _last_before(ends: list[int], low: int, high: int) -> int | None:
    """The largest position in sorted ``ends`` with low < position <= high."""
    k = bisect.bisect_right(ends, high)
    return ends[k - 1] if k and ends[k - 1] > low else None


def _cut_long(body: MappedText, limit: int) -> tuple[list[MappedText], int]:
    """``body`` cut into parts of at most ``limit`` characters, after the last sentence end
    that fits (else the last clause mark, else exactly at the limit); returns (parts, hard cuts).

    Linear: the marks are found once, and each cut is a binary search.
    """
    text = body.text
    sentence_ends = [m.end() for m in _CUT_SENTENCE.finditer(text)]
    clause_ends = [m.end() for m in _CUT_CLAUSE.finditer(text)]
    parts: list[MappedText] = []
    hard = 0
    at = 0
    while len(text) - at > limit:
        cut = _last_before(sentence_ends, at, at + limit) or _last_before(clause_ends, at, at + limit)
        if cut is None:
            cut, hard = at + limit, hard + 1
        part = body[at:cut].strip()
        if part.text:
            parts.append(part)
        at = cut
    part = body[at:].strip()
    if part.text:
        parts.append(part)
    return parts, hard


def _note_cuts(doc: Document, cuts: list[_Cut], limit: int) -> None:
    """One note per document naming the file and the paragraphs that were cut."""
    if not cuts:
        return

    def one(c: _Cut) -> str:
        hard = f", {c.hard} of the cuts mid-sentence" if c.hard else ""
        last = c.first + c.pieces - 1
        return f"{c.chars:,} characters (offsets {c.start}–{c.end}) -> paragraphs {c.first}–{last}{hard}"

    shown = "; ".join(one(c) for c in cuts[:3]) + (f"; and {len(cuts) - 3} more" if len(cuts) > 3 else "")
    what = "a paragraph" if len(cuts) == 1 else f"{len(cuts)} paragraphs"
    warnings.warn(printable(f"{doc.path}: {what} longer than segment.max_paragraph_chars = {limit:,} cut after "
                            f"sentence ends (mid-sentence where none falls within the limit): {shown}"),
                  PolicytagNote, stacklevel=3)


# ---------------------------------------------------------------- 4. headings
def _period_kind(text: str) -> str | None:
    """'review', 'plan' or 'year' (a bare "2020年的主要工作") for a part heading."""
    prefix = _NUMBER_PREFIX.match(text)
    t = _UNMARK.sub("", text[prefix.end() :] if prefix else text)
    if not t or len(t) > 24 or not _PERIOD_WORD.search(t):
        return None
    if _PLAN.fullmatch(t):
        return "plan"
    m = _AMBIG_YEAR.fullmatch(t)
    if m:
        return "year"
    if _REVIEW.fullmatch(t) and len(t) >= 4 and t not in {"工作", "主要工作", "情况", "成绩"}:
        return "review"
    return None


def _year_of(text: str) -> int | None:
    m = re.search(r"(\d{4})\s*年", text)
    return int(m.group(1)) if m else None


def _heading_style(text: str, first: _Line, md: int, bold: bool) -> str:
    if first.numbered == "chap":
        return "chap"
    if first.numbered:
        return first.numbered
    if text.startswith(("——", "--", "—")):
        return "dash"
    if md:
        return f"md{md}"
    if bold:
        return "bold"
    return "plain"


def _is_front_matter(text: str) -> bool:
    t = text.strip()
    return bool(_DATE_LINE.match(t) or speaker_in_line(t) or looks_like_name(t) or _caption(t))


def _caption(t: str) -> bool:
    """A photo caption's credit at the end of the line; the words are looked for before the regex."""
    return ((t.endswith(("摄", "摄影", "供图")) or "图片来源" in t or "记者" in t)
            and _CAPTION.search(t) is not None)


# ---------------------------------------------------------------- public API
def segment(doc: Document, config: dict[str, Any] | None = None) -> list[Paragraph]:
    """Cut ``doc`` into paragraphs; every ``Paragraph.body`` offset indexes ``doc.raw``."""
    return list(iter_segment(doc, config))


def iter_segment(doc: Document, config: dict[str, Any] | None = None) -> Iterator[Paragraph]:
    """``segment`` one paragraph at a time, so a long document's paragraphs need not all exist at once."""
    s = _settings(config)
    meta = merged_meta(doc)
    norm = doc.norm if doc.norm is not None else MappedText.identity(doc.raw)
    if len(norm.text) > STREAM_CHARS:  # a long document: the lines are parsed twice rather than all kept
        layout = _layout(_parse_lines(norm.text, s["heading_max"], lazy=True), s)
        lines: Sequence[_Line] = _LineWindow(norm.text, layout.count, s["heading_max"])
    else:
        lines = list(_parse_lines(norm.text, s["heading_max"]))
        layout = _layout(lines, s)
    paras = _join_lines(lines, layout)

    count = 0
    stack: list[tuple[str, str]] = []  # (numbering style, text) of the headings above
    section: list[str] = []  # their texts
    period: str | None = None
    seen_review = False
    glossary = False
    delivered = meta.get("year") if isinstance(meta.get("year"), int) else None
    body_started = False
    limit = int(s["max_paragraph_chars"]) or None
    split_items, min_runon = s["split_items"], max(s["min_chars"], 20)
    cuts: list[_Cut] = []
    for p in paras:
        body = _mapped(norm, p.pieces, p.spaced)
        text = body.text
        too_long = limit is not None and len(text) > limit  # a "heading" that long is not one
        heading = not too_long and (bool(p.md or p.bold_whole)
                                    or (not p.bullet and _para_heading_like(p, text, layout.heading_max)))
        if heading and ((_line_front(p.lines[0]) if len(p.lines) == 1 else _is_front_matter(text))
                        or (p.md and _ends_sentence(text))):
            heading = False
        if not heading:
            # most paragraphs hold no run-on item: told by one regex search, without a call
            if split_items and not glossary and len(text) >= min_runon and _RUNON.search(text):
                bodies = _split_runon(body)
            else:
                bodies = [body]
            for part in bodies:
                if limit is not None and len(part.text) > limit:
                    pieces, hard = _cut_long(part, limit)
                    start, end = part.span()
                    cuts.append(_Cut(start, end, len(part), count, len(pieces), hard))
                    for piece in pieces:
                        yield _paragraph(doc, meta, count, piece, section, False, glossary, period)
                        count += 1
                else:
                    yield _paragraph(doc, meta, count, part, section, False, glossary, period)
                    count += 1
            body_started = body_started or _ends_sentence(text)
            continue
        kind = _para_period(p, text)
        if kind == "year":
            year = _year_of(text)
            if delivered is not None and year is not None:
                kind = "plan" if year >= delivered else "review"
            else:
                kind = "plan" if seen_review else "review"
        parents = stack
        if _GLOSSARY.fullmatch(_UNMARK.sub("", text)):
            glossary = True
            parents = []
            stack = [("part", text)]
        elif kind:
            period, glossary = kind, False
            seen_review = seen_review or kind == "review"
            parents = []
            stack = [("part", text)]
        elif not body_started and not stack and _TITLE_WORDS.search(text):
            pass  # the report's title: a heading, but not a section of its own
        else:
            stack = _push(stack, _heading_style(text, p.lines[0], p.md, p.bold_whole), text)
            parents = stack[:-1]
        section = [t for _, t in stack]  # of the body paragraphs under this heading
        yield _paragraph(doc, meta, count, body, [t for _, t in parents], True, glossary, period)
        count += 1
    _note_cuts(doc, cuts, limit or 0)


def _push(stack: list[tuple[str, str]], style: str, text: str) -> list[tuple[str, str]]:
    styles = [st for st, _ in stack]
    if style in styles:
        stack = stack[: styles.index(style)]
    return [*stack, (style, text)]


def _paragraph(doc: Document, meta: dict[str, Any], index: int, body: MappedText, section: list[str],
               heading: bool, glossary: bool, period: str | None) -> Paragraph:
    # every field positional (doc_id, path, index, body, section, is_heading, is_glossary, period, meta,
    # extra, tokens, terms, labels, scores): one call per paragraph, and keywords or default factories
    # cost more; every paragraph gets its own section list
    paragraph = Paragraph(doc.doc_id, doc.path, index, body, list(section), heading, glossary,
                          None if glossary else period, meta, {}, None, [], [], {})
    if doc.ocr:  # scanned pages and images: say so, with the engine's confidence, per paragraph
        from .ocr import mark_paragraphs

        mark_paragraphs([paragraph], doc.ocr)
    return paragraph


_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”’」』）)]*|$)")


def split_sentences(paragraphs: Iterable[Paragraph]) -> list[Paragraph]:
    """Sentences (cut after 。！？； and their half-width forms) as Paragraph records.

    Offsets are kept; ``index`` counts sentences within the document and
    ``extra["paragraph"]`` is the index of the paragraph the sentence came from.
    """
    return list(iter_sentences(paragraphs))


def iter_sentences(paragraphs: Iterable[Paragraph]) -> Iterator[Paragraph]:
    """``split_sentences`` one sentence at a time."""
    counters: dict[str, int] = {}
    for p in paragraphs:
        for m in _SENTENCE.finditer(p.body.text):
            if m.end() == m.start():
                continue
            part = p.body[m.start() : m.end()].strip()
            if not part.text:
                continue
            n = counters.get(p.doc_id, 0)
            counters[p.doc_id] = n + 1
            yield Paragraph(
                doc_id=p.doc_id, path=p.path, index=n, body=part, section=list(p.section),
                is_heading=p.is_heading, is_glossary=p.is_glossary, period=p.period, meta=p.meta,
                extra={**p.extra, "paragraph": p.index},
            )
