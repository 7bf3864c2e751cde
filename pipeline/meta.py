"""Report metadata: place, level, year, date, meeting, speaker and title.

``extract_meta`` reads them from the report's own title block (the first ~40
non-blank lines); ``load_sidecar`` / ``apply_sidecar`` fill in or override them
from a CSV or JSON file supplied by the user. ``segment`` copies the result onto
every paragraph (``Paragraph.meta``); sidecar values always win.

>>> from policytag.record import Document, MappedText
>>> raw = ("某某县人民代表大会常务委员会工作报告\\n"
...        "——2023年1月5日在某某县第九届人民代表大会第二次会议上\\n县人大常委会主任 李明\\n")
>>> m = extract_meta(Document("a.txt", "a", raw, MappedText.identity(raw)))
>>> m["place"], m["level"], m["date"], m["meeting"], m["speaker"]
('某某县', '县区', '2023-01-05', '第九届人民代表大会第二次会议', '李明')
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .record import Document

HEAD_LINES = 40
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}

_PROVINCE_NAMES = (
    "河北省 山西省 辽宁省 吉林省 黑龙江省 江苏省 浙江省 安徽省 福建省 江西省 山东省 河南省 湖北省 湖南省 广东省 "
    "海南省 四川省 贵州省 云南省 陕西省 甘肃省 青海省 台湾省 内蒙古自治区 广西壮族自治区 西藏自治区 "
    "宁夏回族自治区 新疆维吾尔自治区 北京市 天津市 上海市 重庆市"
)
PROVINCES = frozenset(_PROVINCE_NAMES.split())
_COMPOUND_SURNAMES = "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 呼延 申屠 万俟"
# Common surnames (single and compound): a bare 2-4 character line in the title block
# is taken as the speaker's name only when it starts with one of these.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊"
    "葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉"
    "骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏"
    "宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
) | frozenset(_COMPOUND_SURNAMES.split())
_NOT_NAME = re.compile(r"报告|工作|代表|会议|人大|委员|主任|常委|政府|解释|任务|目录|附件|前言|结语|说明")
_HAN = r"\u4e00-\u9fff"
_TITLE_WORD = r"(?:常务委员会|常委会)?(?:副?主任|副?委员长|秘书长|党组书记)"
_SPEAKER = re.compile(rf"{_TITLE_WORD}[ \t\u3000:：]*((?:[{_HAN}][ \t\u3000]*){{1,3}}[{_HAN}])$")
_CAPTION_SPEAKER = re.compile(rf"^([{_HAN}]{{2,4}}?)(?:同志)?(?:作|做)[{_HAN}]{{0,16}}报告")
_DATE = re.compile(
    r"(\d{4}|[〇零一二三四五六七八九]{4})\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
    r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)
_NUM = r"[一二三四五六七八九十百零〇\d]{1,4}"
_MEETING = re.compile(rf"第{_NUM}届(?:人民代表大会|人大)(?:常务委员会)?第{_NUM}次(?:全体)?会议")
_ADMIN = r"(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|州|盟|地区|县|区|旗|林区|特区|乡|镇|街道)"
_COMMITTEE = re.compile(rf"^(?:中华人民共和国)?([{_HAN}]{{1,20}}?)(?:第{_NUM}届)?(?:人民代表大会常务委员会|人大常委会)")
_PLACE_IN_MEETING = re.compile(rf"在([{_HAN}]{{2,20}}?{_ADMIN})第{_NUM}届(?:人民代表大会|人大)")
_PLACE_IN_GREETING = re.compile(
    rf"受([{_HAN}]{{2,20}}?{_ADMIN})(?:第{_NUM}届)?(?:人民代表大会常务委员会|人大常委会)委托"
)
_HAN_RUN = re.compile(rf"[{_HAN}]+")
_TITLE_END = re.compile(r"报告(?:[（(][^）)]{1,8}[）)])?$")
_TITLE_STOP = re.compile(r"[，,。；;]")
_UNIT = re.compile(rf"[{_HAN}]+{_ADMIN}")
# A heading is one line: spaces only within it ([^\S\n]), and possessive (*+) so that a long run of
# blank lines or spaces is scanned once, not once per position (\s* here was cubic in such runs).
_SP = r"[^\S\n]*+"
# A heading line starts after a "\n" (the text is searched with one put in front): a literal first
# character lets ``re`` skip to the line starts, where ``^`` made it try the pattern at every position.
_HEAD_START = rf"\n{_SP}(?:#+{_SP})?(?:[一二三四五六七八九十]、)?{_SP}(\d{{4}}){_SP}年的?{_SP}"
_REVIEW_YEAR = re.compile(_HEAD_START + rf"(?:主要)?{_SP}工作(?:回顾)?{_SP}$", re.M)
_PLAN_YEAR = re.compile(_HEAD_START + rf"(?:主要|工作)?{_SP}(?:任务|安排|建议|打算){_SP}$", re.M)
# A line with text after its leading markdown, bullets and spaces (``**`` anywhere is markup too): the
# text starts with a character that is none of these, so it is never empty once ``**`` is dropped and
# stripped. Spaces are [^\S\n] so that the lead never runs on into the next line; possessive, so a long
# run of markup is scanned once.
_HEAD_LINE = re.compile(r"^(?:[#●■◆•\-*]|[^\S\n])*+([^\n]+)", re.M)
# Prefecture-level city reports talk about the counties under them; county-level ones do not.
_PREFECTURE_HINTS = re.compile(r"县市区|县（市、区）|县\(市、区\)|县（市区）|县市两级|区县|各县|市县乡|市辖")
_COUNTY_CITY_HINTS = re.compile(r"县级市|全省县级|全国县级|县域.{0,4}百强|百强县")


def _cn_int(s: str) -> int:
    """Digits or Chinese numerals (二〇二四, 十二, 二十三) -> int."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in s))


def _compact(text: str) -> str:
    """``text`` without spaces, tabs and ideographic spaces (``str.replace`` is cheaper than a regex here)."""
    return text.replace(" ", "").replace("\t", "").replace("\u3000", "")


def looks_like_name(text: str) -> bool:
    """A bare person's name line: 2-4 Han characters (spaces allowed) starting with a surname."""
    t = _compact(text)
    if not 2 <= len(t) <= 4 or not _HAN_RUN.fullmatch(t) or _NOT_NAME.search(t):
        return False
    return t[0] in _SURNAMES or t[:2] in _SURNAMES


def speaker_in_line(text: str) -> str | None:
    """The name in a byline such as "县人大常委会主任  汪新华"."""
    t = text.strip()
    if len(t) > 40 or not ("主任" in t or "委员长" in t or "秘书长" in t or "党组书记" in t):
        return None  # (the title words are looked for before the regex)
    m = _SPEAKER.search(t)
    if m:
        name = _compact(m.group(1))
        if 2 <= len(name) <= 4 and not _NOT_NAME.search(name):
            return name
    return None


def _head_lines(doc: Document) -> list[str]:
    """The first ``HEAD_LINES`` lines with text, leading markup and ``**`` dropped.

    One regex scan finds them: blank lines and lines of nothing but markup are skipped inside ``re``
    (a report's head often has a blank line between every two), not by a Python step per line.
    """
    text = doc.norm.text if doc.norm is not None else doc.raw
    out: list[str] = []
    for m in _HEAD_LINE.finditer(text[:20000]):
        out.append(m.group(1).replace("**", "").strip())
        if len(out) >= HEAD_LINES:
            break
    return out


def _title(lines: list[str]) -> str | None:
    for i, line in enumerate(lines[:8]):
        compact = _compact(line)
        if _TITLE_END.search(compact) and len(compact) <= 40 \
                and not _TITLE_STOP.search(compact) and not compact.startswith(("—", "-")):
            if i and len(compact) <= 6:  # "工作报告" under "…常务委员会"
                prev = _compact(lines[i - 1])
                if prev.endswith(("常务委员会", "常委会")):
                    return prev + compact
            return compact
    return None


def _place(lines: list[str], title: str | None) -> tuple[str | None, str | None]:
    """(place, province prefix) from the title, the meeting line or the greeting."""
    candidates: list[str] = []
    for line in ([title] if title else []) + lines[:6]:
        m = _COMMITTEE.match(_compact(line))
        if m:
            candidates.append(m.group(1))
    head = "".join(lines)
    for rx in (_PLACE_IN_MEETING, _PLACE_IN_GREETING):
        m = rx.search(head)
        if m:
            candidates.append(m.group(1))
    for cand in candidates:
        if cand == "全国":
            return "全国", None
        units = split_units(cand)
        if units:
            province = units[0] if len(units) > 1 and units[0] in PROVINCES else None
            return units[-1], province
    return None, None


def split_units(name: str) -> list[str] | None:
    """A place name as its chain of administrative units, or None when it is not one.

    Unit characters also occur inside names (荆州市, 贵州省, 安乡县, 通州区), so the chain is chosen
    among every way to cut the name into units: the one with the most GB/T 2260 names wins, then the
    one with the most units (a chain of unknown towns is still cut at each unit).

    >>> split_units("湖北省荆州市"), split_units("广州市天河区"), split_units("人民")
    (['湖北省', '荆州市'], ['广州市', '天河区'], None)
    """
    from .regions import known_name

    n = len(name)
    # best[i]: (known names, units, chain) of the best cut of name[:i]
    best: list[tuple[int, int, list[str]] | None] = [None] * (n + 1)
    best[0] = (0, 0, [])
    for i in range(n):
        if best[i] is None:
            continue
        known, count, chain = best[i]
        for j in range(i + 2, n + 1):
            unit = name[i:j]
            if _UNIT.fullmatch(unit):
                cand = (known + known_name(unit), count + 1, [*chain, unit])
                if best[j] is None or cand[:2] > best[j][:2]:
                    best[j] = cand
    return best[n][2] if best[n] else None


def level_of(place: str | None, text: str = "") -> str | None:
    """全国 / 省 / 市 / 县区 / 乡镇 from the place name (and, for 市, the report text)."""
    if not place:
        return None
    if place == "全国":
        return "全国"
    if place in PROVINCES or place.endswith(("省", "自治区", "特别行政区")):
        return "省"
    if place.endswith(("自治州", "州", "盟", "地区")):
        return "市"
    if place.endswith("市"):
        if _COUNTY_CITY_HINTS.search(text) and not _PREFECTURE_HINTS.search(text):
            return "县区"
        return "市"
    if place.endswith(("县", "区", "旗", "林区", "特区")):
        return "县区"
    if place.endswith(("乡", "镇", "街道")):
        return "乡镇"
    return None


def extract_meta(doc: Document) -> dict[str, Any]:
    """Metadata read from the report itself; fields that cannot be found are absent."""
    lines = _head_lines(doc)
    head = "\n".join(lines)
    meta: dict[str, Any] = {}
    title = _title(lines)
    if title:
        meta["title"] = title
    place, province = _place(lines, title)
    if place:
        meta["place"] = place
        text = doc.norm.text if doc.norm is not None else doc.raw
        level = level_of(place, text[:200000])
        if level:
            meta["level"] = level
        if province or level == "省":
            meta["province"] = province or place
    # the cheap word test first: most head lines hold no date, and the regex would scan each of them
    date_line = next((ln for ln in lines if ("会议" in ln or ln.startswith("—")) and _DATE.search(ln)), None)
    m = _DATE.search(date_line) if date_line else None
    if m:
        year, month, day = (_cn_int(g) for g in m.groups())
        if 1949 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
            meta["year"] = year
            meta["date"] = f"{year:04d}-{month:02d}-{day:02d}"
    if "year" not in meta:
        year = _year_from_headings(doc)
        if year:
            meta["year"] = year
    m = _MEETING.search(head)
    if m:
        meta["meeting"] = m.group(0)
    speaker = _speaker(lines)
    if speaker:
        meta["speaker"] = speaker
    return meta


def _year_from_headings(doc: Document) -> int | None:
    text = "\n" + (doc.norm.text if doc.norm is not None else doc.raw)
    m = _REVIEW_YEAR.search(text)
    if m:
        return int(m.group(1)) + 1
    m = _PLAN_YEAR.search(text)
    return int(m.group(1)) if m else None


def _speaker(lines: list[str]) -> str | None:
    head: list[str] = []
    for line in lines[:15]:
        if line.startswith(("各位代表", "同志们")):
            break
        head.append(line)
    for line in head:
        name = speaker_in_line(line)
        if name:
            return name
    for line in head:
        if looks_like_name(line):
            return _compact(line)
    for line in head:
        m = _CAPTION_SPEAKER.match(line)
        if m and looks_like_name(m.group(1)):
            return m.group(1)
    return None


def merged_meta(doc: Document) -> dict[str, Any]:
    """Extracted metadata overlaid with what ``doc.meta`` already holds (sidecar wins).

    The result is stored back on ``doc.meta``, so calling this twice is harmless.
    """
    from .regions import enrich_meta

    given = {k: v for k, v in doc.meta.items() if v is not None and v != ""}
    meta = {k: v for k, v in extract_meta(doc).items() if v is not None}
    meta.update(given)
    # Region code, province and level from the place name; a sidecar's own values still win.
    meta = enrich_meta(meta)
    meta.update({k: v for k, v in given.items() if k in ("level", "province", "region_code")})
    doc.meta = meta
    return meta


# ---------------------------------------------------------------- sidecar
_KEY_COLUMNS = ("path", "file", "filename", "file_name", "name", "doc_id", "doc", "id")


def _coerce(key: str, value: Any) -> Any:
    if key == "year" and isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if key == "year" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _norm_key(key: str) -> str:
    return os.path.normpath(str(key).strip())


def load_sidecar(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a CSV or JSON sidecar: {path | file name | doc_id: {field: value}}.

    CSV: a header row; the key column is the first of path, file, filename, name,
    doc_id, doc, id (else the first column); every other column is a meta field
    (empty cells are skipped). JSON: an object {key: {...}} or a list of objects
    carrying one of those key fields.
    """
    path = Path(path)
    try:
        data = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read metadata sidecar: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: metadata sidecar is not UTF-8") from None
    if path.suffix.lower() == ".json" or data.lstrip()[:1] in ("{", "["):
        rows = _json_rows(path, data)
    else:
        rows = _csv_rows(path, data)
    out: dict[str, dict[str, Any]] = {}
    for key, fields in rows:
        out[_norm_key(key)] = {k: _coerce(k, v) for k, v in fields.items() if v is not None and v != ""}
    return out


def _json_rows(path: Path, data: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        obj = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: metadata sidecar is not valid JSON: {exc.msg}") from None
    if isinstance(obj, dict) and all(isinstance(v, dict) for v in obj.values()):
        return [(str(k), dict(v)) for k, v in obj.items()]
    if isinstance(obj, list) and all(isinstance(v, dict) for v in obj):
        rows = []
        for i, item in enumerate(obj):
            key_col = next((k for k in _KEY_COLUMNS if item.get(k)), None)
            if key_col is None:
                raise ConfigError(f"{path}: entry {i + 1} has no key field ({', '.join(_KEY_COLUMNS)})")
            rows.append((str(item[key_col]), {k: v for k, v in item.items() if k != key_col}))
        return rows
    raise ConfigError(f"{path}: metadata sidecar must be an object of objects or a list of objects")


def _csv_rows(path: Path, data: str) -> list[tuple[str, dict[str, Any]]]:
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    reader = csv.DictReader(data.splitlines(), dialect=dialect)
    if not reader.fieldnames:
        raise ConfigError(f"{path}: metadata sidecar has no header row")
    names = [n.strip() for n in reader.fieldnames]
    reader.fieldnames = names
    key_col = next((k for k in _KEY_COLUMNS if k in names), names[0])
    rows = []
    for line_no, row in enumerate(reader, start=2):
        key = (row.get(key_col) or "").strip()
        if not key:
            raise ConfigError(f"{path}:{line_no}: empty {key_col} in metadata sidecar")
        rows.append((key, {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()
                           if k and k != key_col}))
    return rows


def apply_sidecar(doc: Document, sidecar: dict[str, dict[str, Any]]) -> Document:
    """Fill in / override ``doc.meta`` from the sidecar entry for this document, if any.

    Looked up by the path as given, the resolved path, the file name, the name
    without extension and the doc_id.
    """
    p = Path(doc.path)
    candidates = [doc.path, str(p.resolve()) if doc.path != "-" else "-", p.name, p.stem, doc.doc_id]
    for key in candidates:
        entry = sidecar.get(_norm_key(key))
        if entry is not None:
            doc.meta = {**doc.meta, **entry}
            break
    return doc
