"""Activity indicators: the counts a report gives for the committee's own work.

Patterns come from ``configs/indicators.yaml`` (or any file of the same format):
each indicator has an id, a Chinese label, units and regexes with one ``NUM``
(a count followed by a unit) or ``RATE`` (a percentage) placeholder. Matching
runs over the document with line breaks inside a paragraph removed (reports
broken into newspaper columns split numbers: ``1\\n38人次``); every hit keeps
its span in the original text.

>>> hits = extract_text("一年来，召开常委会会议十三次，听取和审议专项工作报告二十余项。")
>>> [(h.indicator, h.value, h.approx) for h in hits]
[('sessions', 13, False), ('reports_heard', 20, True)]
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError
from .record import Document, MappedText

CN_DIGITS = "零〇一二三四五六七八九十百千万两"
_NUMERAL = rf"(?:\d+(?:\.\d+)?万?|[{CN_DIGITS}]+)"
_GUARD = rf"(?<![\d.{CN_DIGITS}第])"  # never start inside a number or an ordinal (第十次)
_PREFIX = r"(?P<pre>将近|近|约|大约|超过|逾|多达|上(?=[百千万]))?"
_RANGE = r"(?:至|到|-|－|~|～|—|–)"
_RATE = (rf"(?P<rpre>近|约|超过)?(?:百分之(?P<rate_cn>[{CN_DIGITS}点]+)|{_GUARD}(?P<rate_ar>\d+(?:\.\d+)?)\s?[%％])"
         r"(?P<rpost>以上|左右)?")
_SENTENCE_END = "。；;！？!?\n"
_GAP_CHARS = "\n"  # paragraph breaks: no pattern gap may cross one ([^。；] gaps exclude it below)

# Section headings that tell review from plan when segment is not available.
_PLAN_HEAD = re.compile(r"(主要任务|工作安排|工作任务|工作打算|工作建议|今年|明年|新的一年|下一步|今后)")
_REVIEW_HEAD = re.compile(r"(主要工作|工作回顾|过去|一年来|回顾)")
_OTHER_HEAD = re.compile(r"(名词解释|附件|注释)")


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    units: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]
    exclude: tuple[re.Pattern, ...] = ()
    line: int | None = None


@dataclass
class Hit:
    """One stated count, with its evidence in the original text."""

    indicator: str
    label: str
    value: int | float | None
    unit: str
    approx: bool
    evidence: str  # the matched phrase, line breaks removed
    start: int  # span of the phrase in Document.raw
    end: int
    period: str | None = None
    value_max: int | float | None = None  # upper end of a range (3至5次)
    occurrence: int = 1  # 1 = first statement of this indicator in this period of the document
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "indicator": self.indicator, "label": self.label, "value": self.value, "value_max": self.value_max,
            "unit": self.unit, "approx": self.approx, "period": self.period, "occurrence": self.occurrence,
            "evidence": self.evidence, "start": self.start, "end": self.end,
        }
        out.update(self.extra)
        return out


# ---------------------------------------------------------------- numbers

def parse_number(text: str) -> int | float | None:
    """Arabic or Chinese numerals: '13', '1.5万', '十三', '一百一十二', '两', '百', '九十八点五'."""
    text = text.strip().replace("〇", "零").replace("两", "二")
    if not text:
        return None
    scale = 1
    if text.endswith("万") and len(text) > 1 and text[-2].isdigit():
        text, scale = text[:-1], 10000
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        value = float(text) * scale
        return int(value) if value.is_integer() else value
    if text[0] in "十百千万":  # cn2an rejects a bare 百 / 千; 十三 it reads, 百二 it does not
        text = "一" + text
    try:
        import cn2an

        value = cn2an.cn2an(text, "normal")
    except Exception:  # cn2an raises plain ValueError/KeyError on forms it cannot read
        return None
    return int(value) if float(value).is_integer() else float(value)


def _cn_pair(text: str) -> tuple[int, int] | None:
    """两三 / 三四 / 七八: two adjacent digits meaning 'two or three'."""
    digits = "一二两三四五六七八九"
    if len(text) == 2 and text[0] in digits and text[1] in digits:
        lo, hi = parse_number(text[0]), parse_number(text[1])
        if lo is not None and hi == lo + 1:
            return lo, hi
    return None


def _value(m: re.Match) -> tuple[int | float | None, int | float | None, bool]:
    """(value, value_max, approx) of a NUM or RATE match."""
    groups = m.groupdict()
    if groups.get("rate_cn") or groups.get("rate_ar"):
        raw = groups.get("rate_cn") or groups["rate_ar"]
        approx = bool(groups.get("rpre") or groups.get("rpost"))
        return parse_number(raw), None, approx
    num = groups["num"]
    pair = _cn_pair(num)
    if pair:
        return pair[0], pair[1], True
    value = parse_number(num)
    hi = parse_number(groups["hi"]) if groups.get("hi") else None
    approx = bool(groups.get("pre") or groups.get("suf") or hi is not None)
    return value, hi, approx


# ---------------------------------------------------------------- pattern file

def _num_regex(units: tuple[str, ...]) -> str:
    ahead = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    return (rf"{_PREFIX}{_GUARD}(?P<num>{_NUMERAL})(?:{_RANGE}(?P<hi>{_NUMERAL}))?(?P<suf>余|多|来)?"
            rf"(?=(?P<unit>{ahead}))")


def compile_pattern(pattern: str, units: tuple[str, ...]) -> re.Pattern:
    """A pattern with its NUM/RATE placeholder expanded; raises ValueError with the reason."""
    found = len(re.findall(r"NUM|RATE", pattern))
    if found != 1:
        raise ValueError(f"needs exactly one NUM or RATE placeholder, found {found}")
    expanded = pattern.replace("NUM", _num_regex(units)) if "NUM" in pattern else pattern.replace("RATE", _RATE)
    # A gap must not run across a paragraph break: [^。；] also excludes the break.
    expanded = expanded.replace("[^", "[^" + _GAP_CHARS)
    try:
        return re.compile(expanded)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc.msg}") from None


def _node_value(node: Any) -> Any:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return {k.value: v for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return node.value


def _strings(node: Any, where: str, source: str, field_name: str) -> list[tuple[str, int]]:
    """A YAML string or list of strings, each with its line number."""
    import yaml

    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    out = []
    for item in items:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise ConfigError(f"{source}:{item.start_mark.line + 1}: {where}: {field_name} must be a non-empty string")
        out.append((str(item.value), item.start_mark.line + 1))
    return out


def _compile_excludes(items: list[tuple[str, int]], source: str) -> tuple[re.Pattern, ...]:
    out = []
    for text, line in items:
        try:
            out.append(re.compile(text))
        except re.error as exc:
            raise ConfigError(f"{source}:{line}: exclude {text!r} is not a valid regular expression: {exc.msg}") \
                from None
    return tuple(out)


def parse_patterns(text: str, source: str = "<patterns>") -> list[Indicator]:
    """Validate and compile a pattern file; every error names the file and line."""
    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{source}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{source}:1: expected a mapping with an 'indicators' list")
    top = _node_value(root)
    unknown = set(top) - {"indicators", "exclude"}
    if unknown:
        raise ConfigError(f"{source}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    common = _compile_excludes(_strings(top["exclude"], "exclude", source, "exclude"), source) \
        if "exclude" in top else ()
    items = top.get("indicators")
    if not isinstance(items, yaml.SequenceNode) or not items.value:
        raise ConfigError(f"{source}:{root.start_mark.line + 1}: 'indicators' must be a non-empty list")
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for node in items.value:
        ind = _parse_indicator(node, source, common)
        if ind.id in seen:
            raise ConfigError(f"{source}:{ind.line}: duplicate indicator id {ind.id!r}")
        seen.add(ind.id)
        indicators.append(ind)
    return indicators


def _parse_indicator(node: Any, source: str, common: tuple[re.Pattern, ...]) -> Indicator:
    import yaml

    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{source}:{line}: each indicator must be a mapping (id, label, units, patterns)")
    fields = _node_value(node)
    unknown = set(fields) - {"id", "label", "units", "unit", "patterns", "exclude", "description"}
    if unknown:
        raise ConfigError(f"{source}:{line}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("id", "label", "patterns"):
        if key not in fields:
            raise ConfigError(f"{source}:{line}: indicator is missing {key!r}")
    ind_id = str(fields["id"].value)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", ind_id):
        raise ConfigError(f"{source}:{fields['id'].start_mark.line + 1}: id {ind_id!r}: use a-z, 0-9 and _")
    unit_node = fields.get("units") or fields.get("unit")
    if unit_node is None:
        raise ConfigError(f"{source}:{line}: indicator {ind_id!r} is missing 'units'")
    units = tuple(u for u, _ in _strings(unit_node, ind_id, source, "units"))
    patterns = []
    for text, pline in _strings(fields["patterns"], ind_id, source, "pattern"):
        try:
            patterns.append(compile_pattern(text, units))
        except ValueError as exc:
            raise ConfigError(f"{source}:{pline}: indicator {ind_id!r}: pattern {text!r} {exc}") from None
    own = _compile_excludes(_strings(fields["exclude"], ind_id, source, "exclude"), source) \
        if "exclude" in fields else ()
    return Indicator(ind_id, str(fields["label"].value), units, tuple(patterns), common + own, line)


def default_patterns_path() -> Path:
    from .resources import data_dir

    return data_dir("configs") / "indicators.yaml"


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> tuple[Indicator, ...]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"pattern file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read pattern file: {exc}") from None
    return tuple(parse_patterns(text, path))


def load_patterns(path: str | Path | None = None) -> list[Indicator]:
    """The indicators of a pattern file (default: the shipped configs/indicators.yaml)."""
    path = Path(path) if path else default_patterns_path()
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return list(_load_cached(str(path), mtime))


# ---------------------------------------------------------------- matching

def flatten(norm: MappedText) -> MappedText:
    """Paragraphs (split at blank lines) with their inner whitespace removed, joined by one line break."""
    text = norm.text
    keep = np.ones(len(text), dtype=bool)
    for m in re.finditer(r"\s+", text):
        # A blank line (or more) ends a paragraph: keep one break there; drop other whitespace.
        if m.group().count("\n") >= 2 or (m.start() == 0 or m.end() == len(text)):
            keep[m.start() : m.end()] = False
            if m.group().count("\n") >= 2:
                keep[m.start() + m.group().index("\n")] = True
        else:
            keep[m.start() : m.end()] = False
    return norm.keep(keep)


def _sentence_start(text: str, pos: int) -> int:
    return max(text.rfind(ch, 0, pos) for ch in _SENTENCE_END) + 1


def _excluded(ind: Indicator, text: str, m: re.Match) -> bool:
    window = text[_sentence_start(text, m.start()) : _key(m)]
    return any(p.search(window) for p in ind.exclude)


def _unit(ind: Indicator, m: re.Match) -> str:
    if "unit" in m.re.groupindex and m.group("unit"):
        return m.group("unit")
    return ind.units[0]


def _candidates(text: str, indicators: list[Indicator]) -> list[tuple[int, int, Indicator, re.Match]]:
    found = []
    for ind in indicators:
        for pattern in ind.patterns:
            for m in pattern.finditer(text):
                if _excluded(ind, text, m):
                    continue
                m = _tighten(pattern, text, m)
                found.append((_key(m), m.start(), ind, m))
    return found


def _key(m: re.Match) -> int:
    """Where the number starts: two indicators never claim the same number."""
    for name in ("num", "rate_cn", "rate_ar"):
        if name in m.re.groupindex and m.group(name) is not None:
            return m.start(name)
    return m.start()


def _tighten(pattern: re.Pattern, text: str, m: re.Match) -> re.Match:
    """Drop a lead-in that crosses a comma: 备案审查平台建设，全年备案审查规范性文件14件 -> from 全年's 备案审查.

    The lazy gap keeps the match from crossing a sentence end but not a comma;
    when a later match for the same number starts after the last comma, it is
    the tighter evidence.
    """
    key = _key(m)
    cut = max(text.rfind(ch, m.start(), key) for ch in "，,") + 1
    if cut <= 0:
        return m
    later = pattern.search(text, m.start() + 1)
    while later is not None and _key(later) == key:
        if later.start() >= cut:
            return later
        later = pattern.search(text, later.start() + 1)
    return m


def extract_text(text: str | MappedText, indicators: list[Indicator] | None = None,
                 period: str | None = None) -> list[Hit]:
    """Indicators stated in one text (offsets index the text given, or its MappedText origin)."""
    mapped = text if isinstance(text, MappedText) else MappedText.identity(text)
    return _extract(flatten(mapped), indicators if indicators is not None else load_patterns(), lambda _pos: period)


def _extract(flat: MappedText, indicators: list[Indicator], period_at) -> list[Hit]:  # noqa: ANN001
    text = flat.text
    # One number belongs to one indicator: the one whose phrase starts nearest to it
    # (执法检查、视察、调研12次 -> inspections_surveys, not enforcement_inspections).
    best: dict[int, tuple[int, Indicator, re.Match]] = {}
    for key, start, ind, m in _candidates(text, indicators):
        if key not in best or start > best[key][0]:
            best[key] = (start, ind, m)
    hits = []
    for key in sorted(best):
        _, ind, m = best[key]
        value, value_max, approx = _value(m)
        if value is None:
            continue
        end = m.end()
        if text.startswith(("以上", "左右"), end):
            approx, end = True, end + 2
        begin = m.start("ev") if "ev" in m.re.groupindex and m.group("ev") is not None else m.start()
        start, stop = flat.span(begin, end)
        hits.append(Hit(ind.id, ind.label, value, _unit(ind, m), approx, text[begin:end], start, stop,
                        period_at(start), value_max))
    return _number_occurrences(hits)


def _number_occurrences(hits: list[Hit]) -> list[Hit]:
    counts: dict[tuple[str, str | None], int] = {}
    for hit in hits:
        key = (hit.indicator, hit.period)
        counts[key] = counts.get(key, 0) + 1
        hit.occurrence = counts[key]
    return hits


def first_only(hits: list[Hit]) -> list[Hit]:
    """Keep the first statement of each indicator per period (the summary usually comes first)."""
    return [h for h in hits if h.occurrence == 1]


# ---------------------------------------------------------------- periods

def _periods_from_segments(doc: Document, config: dict[str, Any] | None) -> list[tuple[int, str | None]] | None:
    try:
        from .segment import segment
    except ImportError:
        return None
    if config is None:
        from .config import load_config

        config = load_config()
    try:
        paragraphs = [p for p in segment(doc, config) if len(p.body)]
    except ImportError:  # a stage segment relies on is not built into this version
        return None
    if not any(p.period for p in paragraphs):
        return None  # segment found no review/plan parts: the heading fallback may
    return [(p.start, p.period) for p in paragraphs]


def _periods_from_headings(norm: MappedText) -> list[tuple[int, str | None]]:
    """Fallback: short heading-like lines that open the review or the plan part."""
    marks: list[tuple[int, str | None]] = [(0, None)]
    pos = 0
    for line in norm.text.split("\n"):
        head = line.strip("#*　 \t\r")
        if 2 <= len(head) <= 20 and not re.search(r"[，。；,;]", head):
            kind = "other" if _OTHER_HEAD.search(head) else (
                "plan" if _PLAN_HEAD.search(head) else "review" if _REVIEW_HEAD.search(head) else "")
            if kind:
                marks.append((norm.span(pos, pos + len(line))[0], None if kind == "other" else kind))
        pos += len(line) + 1
    return marks


def _period_lookup(marks: list[tuple[int, str | None]]):  # noqa: ANN202
    starts = [s for s, _ in marks]

    def period_at(pos: int) -> str | None:
        i = bisect.bisect_right(starts, pos) - 1
        return marks[i][1] if i >= 0 else None

    return period_at


def extract(doc: Document, config: dict[str, Any] | None = None, indicators: list[Indicator] | None = None,
            first: bool = False) -> list[Hit]:
    """Every indicator stated in a document, each with its evidence and period.

    The period (review/plan) comes from ``policytag.segment`` when that stage is
    available, else from the report's section headings.
    """
    indicators = indicators if indicators is not None else load_patterns()
    flat = flatten(doc.norm)
    marks = _periods_from_segments(doc, config)
    if not marks:
        marks = _periods_from_headings(doc.norm)
    hits = _extract(flat, indicators, _period_lookup(sorted(marks, key=lambda x: x[0])))
    return first_only(hits) if first else hits
