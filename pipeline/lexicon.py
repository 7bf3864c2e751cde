"""The policy-phrase lexicon: loading, validation with line numbers, discovery of new phrases.

The lexicon is a YAML list of mappings, one per phrase::

    - term: 双联
      category: 代表工作
      variants: [常委会组成人员联系代表、代表联系群众]
      definition: 常委会组成人员联系代表、代表联系群众两项制度
      since: 2012            # optional

Every form (term and variants) is compared through ``match_key``: quotes and
whitespace are dropped and full-width ASCII is folded, so “一府一委两院” and
一府一委两院 are the same form, and a curator never lists quoted variants.

>>> lex = load_lexicon()                 # the shipped lexicon
>>> lex.lookup("“双联”").category
'代表工作'
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

CATEGORIES = ("监督", "立法", "代表工作", "自身建设", "决定任免", "政治", "政策")
PENDING = "?"  # what `discover` writes where a curator must decide
FIELDS = ("term", "category", "variants", "definition", "since")
DEFAULT_LEXICON = "policy_terms.yaml"

# Quote characters the matcher sees through; opening and closing sets decide `quoted`.
OPEN_QUOTES = "“‘「『〝\"'＂＇"
CLOSE_QUOTES = "”’」』〞\"'＂＇"
QUOTES = "“”‘’「」『』〝〞\"'＂＇"
SPACES = " \t\r\n\f\v\u3000\xa0\u2002\u2003\u2009\u200b\ufeff"


def _key_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): None for c in QUOTES + SPACES}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII -> half-width (，->, （->( ...)
        if code not in table:
            table[code] = chr(code - 0xFEE0).lower()
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code).lower()
    for dot in "・‧•∙⋅･":
        table[ord(dot)] = "·"
    for dash in "—–－":
        table[ord(dash)] = "-"
    return table


# One character in -> at most one character out, so key positions map back to text positions.
KEY_TABLE = _key_table()
DROPPED = frozenset(c for c, v in KEY_TABLE.items() if v is None)


def match_key(text: str) -> str:
    """The form used for comparing phrases: no quotes or spaces, half-width ASCII, lower case."""
    return text.translate(KEY_TABLE)


@dataclass(frozen=True)
class Entry:
    term: str
    category: str
    variants: tuple[str, ...] = ()
    definition: str = ""
    since: int | None = None
    line: int = 0  # line of the entry in its file (1-based; 0 when built in code)

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, *self.variants)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"term": self.term, "category": self.category, "variants": list(self.variants),
                               "definition": self.definition}
        if self.since is not None:
            out["since"] = self.since
        return out


@dataclass
class Lexicon:
    """Entries plus an index from every form's ``match_key`` to its entry."""

    entries: list[Entry]
    source: str = "<memory>"
    _index: dict[str, Entry] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            for form in entry.forms:
                self._index.setdefault(match_key(form), entry)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def lookup(self, phrase: str) -> Entry | None:
        """The entry whose term or variant is ``phrase`` (quotes and spaces ignored)."""
        return self._index.get(match_key(phrase))

    def keys(self) -> set[str]:
        return set(self._index)

    def counts(self) -> dict[str, int]:
        """Entries per category, in the order of CATEGORIES."""
        counter = Counter(e.category for e in self.entries)
        return {c: counter[c] for c in CATEGORIES if counter[c]} | {
            c: n for c, n in counter.items() if c not in CATEGORIES}

    def n_forms(self) -> int:
        return len(self._index)


# --------------------------------------------------------------------------- loading and checking


@dataclass(frozen=True)
class Issue:
    """One problem in a lexicon file; ``pending`` marks entries waiting for a curator."""

    source: str
    line: int
    message: str
    pending: bool = False

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


MAX_LEXICON_BYTES = 64 * 2**20  # a lexicon of 100,000 entries is a few MB


def lexicon_path(name_or_path: str | Path | None = None) -> Path:
    """A lexicon file from a path or the name of a shipped lexicon."""
    from .resources import resolve

    return resolve(str(name_or_path or DEFAULT_LEXICON), "lexicons")


def load_lexicon(name_or_path: str | Path | None = None) -> Lexicon:
    """Load and validate a lexicon; any problem is a ConfigError naming file and line.

    The one way the program loads a lexicon (tag, match, train, kwic, discover,
    report's definitions, the spaCy components): one set of limits (size, no
    YAML anchors or aliases) and one set of errors, whoever asks.
    """
    path = lexicon_path(name_or_path)
    lexicon, issues = parse_lexicon(_read(path), str(path))
    if issues:
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        raise ConfigError(f"{issues[0]}{more}; run: policytag lexicon check {path}")
    return lexicon


def check_lexicon(name_or_path: str | Path | None = None) -> tuple[Lexicon, list[Issue]]:
    """Validate a lexicon file; returns what could be loaded and every issue found."""
    path = lexicon_path(name_or_path)
    return parse_lexicon(_read(path), str(path))


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_LEXICON_BYTES:
            raise ConfigError(f"{path}: lexicon of {size / 2**20:,.0f} MB is larger than the "
                              f"{MAX_LEXICON_BYTES // 2**20} MB a lexicon may have")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"lexicon not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read lexicon: {exc}") from None


def parse_lexicon(text: str, source: str = "<string>") -> tuple[Lexicon, list[Issue]]:
    """Parse YAML text into a Lexicon, collecting issues with line numbers (yaml nodes keep them)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        refused = _aliases(text, loader)
        if refused:
            return Lexicon([], source), [Issue(source, *refused)]
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Lexicon([], source), [Issue(source, line, f"not valid YAML: {problem}")]
    except RecursionError:
        return Lexicon([], source), [Issue(source, 1, "not valid YAML: nested too deeply")]
    if root is None:
        return Lexicon([], source), [Issue(source, 1, "empty lexicon: expected a list of entries")]
    if not isinstance(root, yaml.SequenceNode):
        line = root.start_mark.line + 1
        return Lexicon([], source), [Issue(source, line, "expected a list of entries (- term: ...)")]

    issues: list[Issue] = []
    entries: list[Entry] = []
    for node in root.value:
        entry = _parse_entry(node, source, issues)
        if entry is not None:
            entries.append(entry)
    issues.extend(_cross_check(entries, source))
    issues.sort(key=lambda i: i.line)
    return Lexicon(entries, source), issues


def _aliases(text: str, loader: Any) -> tuple[int, str] | None:
    """(line, message) of the first YAML anchor or alias: a lexicon never needs them, and aliases of
    aliases expand exponentially (a 390-byte "billion laughs" file took 78 s and 3.2 GB)."""
    import yaml

    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return (event.start_mark.line + 1, "YAML anchors and aliases (&name, *name) are not allowed in a "
                                               "lexicon; write each entry out")
    return None


def _scalar(node: Any) -> str | None:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return "" if node.tag.endswith(":null") else str(node.value).strip()
    return None


def _parse_entry(node: Any, source: str, issues: list[Issue]) -> Entry | None:
    import yaml

    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        issues.append(Issue(source, line, "entry is not a mapping (term:, category:, variants:, definition:)"))
        return None
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node)
        kline = key_node.start_mark.line + 1
        if key not in FIELDS:
            issues.append(Issue(source, kline, f"unknown field {key!r} (fields: {', '.join(FIELDS)})"))
            continue
        if key in values:
            issues.append(Issue(source, kline, f"field {key!r} given twice in one entry"))
        values[key], lines[key] = value_node, kline

    def text_field(name: str) -> str:
        value = _scalar(values[name]) if name in values else ""
        if value is None:
            issues.append(Issue(source, lines[name], f"{name} must be a single text value"))
            return ""
        if not value:
            issues.append(Issue(source, lines.get(name, line), f"empty field: {name}"))
        return value

    term = text_field("term")
    where = f" of {term!r}" if term else ""
    category = text_field("category")
    if category == PENDING:
        issues.append(Issue(source, lines["category"], f"needs a curator: category{where} is '?'", pending=True))
    elif category and category not in CATEGORIES:
        issues.append(Issue(source, lines["category"],
                            f"unknown category {category!r}{where} (use one of {' '.join(CATEGORIES)})"))
    definition = text_field("definition")
    if definition == PENDING:
        issues.append(Issue(source, lines["definition"], f"needs a curator: definition{where} is '?'", pending=True))
    variants = _variants(values.get("variants"), lines.get("variants", line), term, source, issues)
    since = _since(values.get("since"), lines.get("since", line), source, issues)
    if term and len(match_key(term)) < 2:
        issues.append(Issue(source, lines["term"], f"term {term!r} is too short to match safely (2+ characters)"))
    return Entry(term, category, variants, definition, since, line) if term else None


def _variants(node: Any, line: int, term: str, source: str, issues: list[Issue]) -> tuple[str, ...]:
    import yaml

    if node is None or _scalar(node) == "":
        return ()
    if not isinstance(node, yaml.SequenceNode):
        issues.append(Issue(source, line, f"variants of {term!r} must be a list, e.g. [A, B]"))
        return ()
    out: list[str] = []
    seen = {match_key(term)}
    for item in node.value:
        value = _scalar(item)
        vline = item.start_mark.line + 1
        if not value:
            issues.append(Issue(source, vline, f"empty variant in {term!r}"))
            continue
        key = match_key(value)
        if len(key) < 2:
            issues.append(Issue(source, vline, f"variant {value!r} of {term!r} is too short to match safely"))
        elif key in seen:
            issues.append(Issue(source, vline, f"variant {value!r} repeats the term or another variant of {term!r}"))
        else:
            seen.add(key)
            out.append(value)
    return tuple(out)


def _since(node: Any, line: int, source: str, issues: list[Issue]) -> int | None:
    value = _scalar(node) if node is not None else ""
    if not value:
        return None
    if not re.fullmatch(r"(19|20)\d\d", value):
        issues.append(Issue(source, line, f"since must be a year such as 2017, not {value!r}"))
        return None
    return int(value)


def _cross_check(entries: list[Entry], source: str) -> list[Issue]:
    """Duplicate terms and variants claimed by two entries (compared through match_key)."""
    issues: list[Issue] = []
    owner: dict[str, Entry] = {}
    for entry in entries:
        for i, form in enumerate(entry.forms):
            key = match_key(form)
            first = owner.get(key)
            if first is None:
                owner[key] = entry
            elif first is not entry:
                what = "duplicate term" if i == 0 and match_key(first.term) == key else (
                    "term" if i == 0 else "variant")
                if what == "duplicate term":
                    msg = f"duplicate term {form!r} (first at line {first.line})"
                else:
                    msg = f"{what} {form!r} is also claimed by {first.term!r} (line {first.line})"
                issues.append(Issue(source, entry.line, msg))
    return issues


# --------------------------------------------------------------------------- discovery

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
             min_freq: int = 2, tokenize: Any = None) -> list[Candidate]:
    """Rank phrases not in the lexicon; ``paragraphs`` are (document, year, normalized text).

    score = kind weight (quoted 3, numbered formula 2, n-gram 1) × documents × log2(1 + frequency):
    phrases that many reports use, often, and that writers mark themselves, come first.
    Quoted phrases and formulas are kept from one occurrence; n-grams need ``min_freq``.
    """
    if tokenize is None:
        from .tokenizer import get_tokenizer

        tokenize = get_tokenizer("jieba", lexicon=lexicon).tokenize
    known = lexicon.keys()
    found: dict[str, Candidate] = {}
    for doc, year, text in paragraphs:
        words = tokenize(text) if text.strip() else []
        counted: set[tuple[str, int]] = set()  # one occurrence found by two kinds counts once
        for phrase, kind, pos in candidate_spans(text, words):
            key = match_key(phrase)
            if len(key) < 2 or key in known:
                continue
            cand = found.setdefault(key, Candidate(phrase))
            cand.kinds.add(kind)
            if (key, pos) in counted:
                continue
            counted.add((key, pos))
            cand.freq += 1
            cand.docs.add(doc)
            if year:
                cand.years.add(year)
            if len(cand.examples) < 2 and all(d != doc for d, _ in cand.examples):
                cand.examples.append((doc, _context(text, pos, len(phrase))))
    kept = [c for c in found.values() if c.kinds != {"ngram"} or c.freq >= min_freq]
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


def candidates_yaml(cands: list[Candidate], n_docs: int) -> str:
    """Candidates in the lexicon's own format, with the curator's fields marked '?'."""
    lines = [
        f"# policytag lexicon discover: {len(cands)} candidate phrases from {n_docs} documents, not in the lexicon.",
        "# Ranked by score = kind weight (quoted 3, numbered formula 2, n-gram 1) x documents x log2(1 + frequency).",
        "# For each entry you keep: set category (监督 立法 代表工作 自身建设 决定任免 政治 政策)",
        "# and write a definition; 'policytag lexicon check' rejects the '?' left here. Then paste into the lexicon.",
    ]
    for c in cands:
        since = min(c.years) if c.years else None
        lines += [
            f"- term: {_yaml_str(c.term)}",
            f'  category: "{PENDING}"  # curator: {" ".join(CATEGORIES)}',
            "  variants: []",
            f'  definition: "{PENDING}"  # curator: a short definition in your own words',
        ]
        if since:
            lines.append(f"  since: {since}  # first year seen in these documents; check it")
        lines.append(f"  # score {c.score:.1f} | freq {c.freq} | docs {len(c.docs)} | {', '.join(sorted(c.kinds))}")
        lines += [f"  # {Path(doc).name}: {ctx}" for doc, ctx in c.examples]
    return "\n".join(lines) + "\n"
