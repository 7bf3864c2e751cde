"""The policy-phrase lexicon: entries, categories, loading any dictionary format, validation, discovery.

A lexicon is a list of entries, one per phrase::

    - term: 双联
      category: 代表工作
      variants: [常委会组成人员联系代表、代表联系群众]
      definition: 常委会组成人员联系代表、代表联系群众两项制度   # optional (check warns when missing)
      since: 2012                                               # optional
      exclude: [总书记视察]                                     # optional: contexts where it is not this term

Categories are the user's: any names, nested paths such as ``经济/营商环境``. A lexicon may
declare them (the mapping form, ``categories:`` + ``terms:``); otherwise they are taken from its
entries. Forms are literals, globs (``优化营商*``) or regular expressions (``re:听取\\d+项``).

Every literal form is compared through ``match_key``: quotes and whitespace are dropped and
full-width ASCII is folded, so “一府一委两院” and 一府一委两院 are the same form, and a curator
never lists quoted variants. Other formats (quanteda YAML, LIWC .dic, Lexicoder, CSV/TSV/XLSX)
are read by ``policytag.lexicon_formats``; ``load_lexicon`` takes any of them, or several.

>>> lex = load_lexicon()                 # the shipped lexicon
>>> lex.lookup("“双联”").category
'代表工作'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

CATEGORIES = ("监督", "立法", "代表工作", "自身建设", "决定任免", "政治", "政策")  # the shipped lexicon's
PENDING = "?"  # what `discover` writes where a curator must decide
FIELDS = ("term", "category", "variants", "definition", "since", "exclude")
DEFAULT_LEXICON = "policy_terms.yaml"
SHIPPED_PREFIX = "+"  # --lexicon +mine.yaml: the shipped lexicon plus mine
REGEX_PREFIX = "re:"
GLOB = "*"
MAX_YAML_DEPTH = 12  # nesting of quanteda category paths (and of any YAML node)

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


# --------------------------------------------------------------------------- patterns


def is_regex(form: str) -> bool:
    return form.startswith(REGEX_PREFIX)


def is_glob(form: str) -> bool:
    return not is_regex(form) and form.endswith(GLOB)


def is_pattern(form: str) -> bool:
    return is_regex(form) or is_glob(form)


def compile_regex(form: str) -> Any:
    """The compiled ``re:`` pattern (the ``regex`` module: ``\\p{Han}`` works and matching has a timeout)."""
    import regex

    return regex.compile(form[len(REGEX_PREFIX):], regex.V0)


PROBE_TEXT = ("常委会听取和审议专项工作报告12项，开展执法检查5次、专题询问2次，审查批准地方性法规8件，"
              "任免国家机关工作人员96人次。坚持人民当家作主，推进依法治国，优化营商环境。")
PROBE_CHARS = 3000  # a long paragraph
PROBE_SECONDS = 0.25


def pattern_problem(form: str) -> str | None:
    """Why a glob or regex form cannot be used (None when it can): empty, invalid, too slow."""
    if is_glob(form):
        prefix = form[: -len(GLOB)]
        if GLOB in prefix:
            return f"glob {form!r}: '*' is allowed only at the end of a term"
        if not match_key(prefix):
            return f"glob {form!r} has nothing before '*'"
        if len(match_key(prefix)) < 2:
            return f"glob {form!r} is too short to match safely (2+ characters before '*')"
        return None
    if not is_regex(form):
        return None
    body = form[len(REGEX_PREFIX):]
    if not body:
        return f"regex {form!r} is empty"
    import regex

    try:
        compiled = compile_regex(form)
    except (regex.error, ValueError, OverflowError) as exc:
        return f"invalid regex {form!r}: {exc}"
    if compiled.search("") is not None or _min_width(body) == 0:
        return f"regex {form!r} can match the empty string"
    for probe in _probes(body):
        try:
            for m in compiled.finditer(probe, timeout=PROBE_SECONDS):
                if m.end() == m.start():
                    return f"regex {form!r} can match the empty string"
        except TimeoutError:
            return (f"regex {form!r} takes too long on a {PROBE_CHARS:,}-character paragraph "
                    "(nested repetition such as (a+)+ ?)")
    return None


def _min_width(body: str) -> int | None:
    """Shortest match of a pattern Python's own parser understands (None: regex-only syntax)."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        return int(_parser.parse(body).getwidth()[0])
    except Exception:  # \p{Han} and other regex-module syntax: the probes decide
        return None


def _probes(body: str) -> list[str]:
    """Text to time a pattern on: a real-looking paragraph, and runs of the pattern's own characters."""
    chars = [c for c in dict.fromkeys(body) if c.isalnum()] or ["a"]
    probes = [(PROBE_TEXT * (PROBE_CHARS // len(PROBE_TEXT) + 1))[:PROBE_CHARS]]
    probes += [c * PROBE_CHARS for c in chars[:8]]
    probes.append(("".join(chars) * PROBE_CHARS)[:PROBE_CHARS] + "!")
    return probes


# --------------------------------------------------------------------------- entries and lexicons


@dataclass(frozen=True)
class Entry:
    term: str
    category: str
    variants: tuple[str, ...] = ()
    definition: str = ""
    since: int | None = None
    line: int = 0  # line of the entry in its file (1-based; 0 when built in code)
    exclude: tuple[str, ...] = ()  # contexts (literal or re:) in which a match is not this term
    dictionary: str = ""  # name of the dictionary the entry comes from
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)  # field -> line

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, *self.variants)

    @property
    def literal_forms(self) -> tuple[str, ...]:
        return tuple(f for f in self.forms if not is_pattern(f))

    @property
    def pattern_forms(self) -> tuple[str, ...]:
        return tuple(f for f in self.forms if is_pattern(f))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"term": self.term, "category": self.category, "variants": list(self.variants),
                               "definition": self.definition}
        if self.since is not None:
            out["since"] = self.since
        if self.exclude:
            out["exclude"] = list(self.exclude)
        return out


def category_path(category: str) -> tuple[str, ...]:
    """``经济/营商环境`` -> ("经济", "营商环境")."""
    return tuple(part.strip() for part in category.split("/"))


@dataclass
class Lexicon:
    """Entries plus an index from every form's ``match_key`` to its entries.

    ``categories`` maps each category to its definition ("" when none), in the order the
    lexicon declares them (or meets them in its entries). A lexicon made of several
    dictionaries (``Lexicon.combine``) keeps each entry's ``dictionary``.
    """

    entries: list[Entry]
    source: str = "<memory>"
    name: str = ""
    categories: dict[str, str] = field(default_factory=dict)
    _index: dict[str, list[Entry]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            for form in entry.forms:
                found = self._index.setdefault(match_key(form), [])
                if entry not in found:
                    found.append(entry)
            self.categories.setdefault(entry.category, "")

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def lookup(self, phrase: str) -> Entry | None:
        """The (first) entry whose term or variant is ``phrase`` (quotes and spaces ignored)."""
        found = self._index.get(match_key(phrase))
        return found[0] if found else None

    def lookup_all(self, phrase: str) -> list[Entry]:
        """Every entry with this form: a term may count for several categories or dictionaries."""
        return list(self._index.get(match_key(phrase), ()))

    def keys(self) -> set[str]:
        return {k for k in self._index if not is_pattern(k)}

    @property
    def dictionaries(self) -> list[str]:
        return list(dict.fromkeys(e.dictionary for e in self.entries)) or [self.name]

    def in_category(self, category: str) -> list[Entry]:
        """Entries of a category and of its sub-categories (``经济`` takes in ``经济/营商环境``)."""
        return [e for e in self.entries if e.category == category or e.category.startswith(category + "/")]

    def counts(self) -> dict[str, int]:
        """Entries per category: declared (or first-met) order, the shipped categories first."""
        counter = Counter(e.category for e in self.entries)
        order = [c for c in CATEGORIES if counter[c]] + [c for c in self.categories if c not in CATEGORIES]
        order += [c for c in counter if c not in order]
        return {c: counter[c] for c in order if counter[c]}

    def n_forms(self) -> int:
        return len(self._index)

    def has_patterns(self) -> bool:
        return any(e.pattern_forms for e in self.entries)

    @staticmethod
    def combine(lexicons: Sequence[Lexicon]) -> Lexicon:
        """Several dictionaries as one lexicon; each entry keeps its dictionary's name."""
        if len(lexicons) == 1:
            return lexicons[0]
        entries: list[Entry] = []
        categories: dict[str, str] = {}
        for lex in lexicons:
            entries.extend(e if e.dictionary else replace(e, dictionary=lex.name) for e in lex.entries)
            for cat, definition in lex.categories.items():
                if definition or cat not in categories:
                    categories[cat] = definition
        return Lexicon(entries, " + ".join(lex.source for lex in lexicons), " + ".join(lex.name for lex in lexicons),
                       categories)


# --------------------------------------------------------------------------- loading and checking


@dataclass(frozen=True)
class Issue:
    """One problem in a lexicon file; ``pending`` marks entries waiting for a curator.

    ``severity`` is "error" (the lexicon cannot be used), "warning" (it can, but look) or
    "note" (allowed, said so that the curator knows, e.g. a term in two categories).
    """

    source: str
    line: int
    message: str
    pending: bool = False
    severity: str = "error"
    kind: str = ""  # warnings and notes of one kind ("definition", "shared") are summarized past 10

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.source}:{self.line}: {tag}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def errors_of(issues: Iterable[Issue]) -> list[Issue]:
    return [i for i in issues if i.is_error]


MAX_LEXICON_BYTES = 64 * 2**20  # a lexicon of 100,000 entries is a few MB


def lexicon_path(name_or_path: str | Path | None = None) -> Path:
    """A lexicon file from a path or the name of a shipped lexicon."""
    from .resources import resolve

    return resolve(str(name_or_path or DEFAULT_LEXICON), "lexicons")


def lexicon_specs(spec: str | Path | Sequence[str | Path] | None) -> list[str]:
    """``--lexicon`` values -> the files to load: ``+mine.yaml`` means the shipped lexicon and mine."""
    if spec is None or spec == "" or (not isinstance(spec, str | Path) and not list(spec)):
        return [DEFAULT_LEXICON]
    items = [str(spec)] if isinstance(spec, str | Path) else [str(s) for s in spec]
    out: list[str] = []
    for item in items:
        if item.startswith(SHIPPED_PREFIX) and len(item) > 1:
            if DEFAULT_LEXICON not in out:
                out.insert(0, DEFAULT_LEXICON)
            item = item[len(SHIPPED_PREFIX):]
        if item not in out:
            out.append(item)
    return out


def load_lexicon(spec: str | Path | Sequence[str | Path] | None = None, cache: bool = True) -> Lexicon:
    """Load and validate one lexicon or several (``["a.yaml", "b.dic"]``, ``"+mine.yaml"``).

    Any format ``policytag.lexicon_formats`` reads. Any error is a ConfigError naming file and
    line; nothing is loaded then. Warnings and notes do not stop loading. This is the one way
    the program loads a lexicon (tag, match, train, kwic, discover, report's definitions, the
    spaCy components): one set of limits (size, no YAML anchors or aliases, bounded nesting)
    and one set of errors, whoever asks. With ``cache`` a file parsed before is read from the
    compiled-lexicon cache (``policytag.lexicon_cache``: keyed by the file's content hash).
    """
    lexicons = []
    for item in lexicon_specs(spec):
        path = lexicon_path(item)
        if cache:
            from .lexicon_cache import read_cached

            lexicon, issues = read_cached(path, read_lexicon)
        else:
            lexicon, issues = read_lexicon(path)
        errors = errors_of(issues)
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise ConfigError(f"{errors[0]}{more}; run: policytag lexicon check {path}")
        lexicons.append(lexicon)
    _unique_names(lexicons)
    return Lexicon.combine(lexicons)


def check_lexicon(name_or_path: str | Path | None = None) -> tuple[Lexicon, list[Issue]]:
    """Validate a lexicon file; returns what could be loaded and every issue found."""
    return read_lexicon(lexicon_path(name_or_path))


def read_lexicon(path: Path) -> tuple[Lexicon, list[Issue]]:
    """Read a dictionary in any supported format (by extension and content) and validate it."""
    from .lexicon_formats import read_dictionary

    return read_dictionary(path)


def _unique_names(lexicons: list[Lexicon]) -> None:
    """Two dictionaries called alike (a/terms.yaml, b/terms.yaml) get told apart by their file names."""
    seen: Counter[str] = Counter(lex.name for lex in lexicons)
    for i, lex in enumerate(lexicons):
        if seen[lex.name] > 1:
            lex.name = f"{lex.name}#{i + 1}"
            lex.entries[:] = [replace(e, dictionary=lex.name) for e in lex.entries]


def read_text(path: Path) -> str:
    """A dictionary file's text: UTF-8 (BOM or not), UTF-16 with BOM, else GBK/GB18030."""
    try:
        size = path.stat().st_size
        if size > MAX_LEXICON_BYTES:
            raise ConfigError(f"{path}: lexicon of {size / 2**20:,.0f} MB is larger than the "
                              f"{MAX_LEXICON_BYTES // 2**20} MB a lexicon may have")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"lexicon not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a lexicon file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read lexicon: {exc.strerror or exc}") from None
    return decode(data, str(path))


def decode(data: bytes, source: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: cannot read lexicon: neither UTF-8 nor GBK text") from None


# --------------------------------------------------------------------------- the own YAML format


def yaml_root(text: str, source: str) -> tuple[Any, list[Issue]]:
    """The YAML node tree of ``text`` with the limits every lexicon gets: no anchors or aliases, bounded depth."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        refused = _aliases(text, loader)
        if refused:
            return None, [Issue(source, *refused)]
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [Issue(source, line, f"not valid YAML: {problem}")]
    except RecursionError:
        return None, [Issue(source, 1, "not valid YAML: nested too deeply")]
    if root is None:
        return None, []
    stack = [(root, 1)]  # no aliases (refused above), so this is a tree: bound its depth
    while stack:
        node, depth = stack.pop()
        if depth > MAX_YAML_DEPTH:
            return None, [Issue(source, node.start_mark.line + 1, f"nested deeper than {MAX_YAML_DEPTH} levels")]
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend(((key, depth + 1), (value, depth + 1)))
    return root, []


def is_own_mapping(root: Any) -> bool:
    """The mapping form of the own format: ``terms:`` (a list of entries) with ``categories:``/``name:``."""
    import yaml

    if not isinstance(root, yaml.MappingNode):
        return False
    keys = {_scalar(k): v for k, v in root.value}
    terms = keys.get("terms", keys.get("entries"))
    if not isinstance(terms, yaml.SequenceNode) or not set(keys) <= {"terms", "entries", "categories", "name",
                                                                      "description"}:
        return False
    return all(isinstance(item, yaml.MappingNode) for item in terms.value)


def parse_lexicon(text: str, source: str = "<string>", name: str = "",
                  parsed: tuple[Any, list[Issue]] | None = None) -> tuple[Lexicon, list[Issue]]:
    """Parse the own YAML format (a list of entries, or ``categories:`` + ``terms:``) with line numbers.

    ``parsed`` is ``yaml_root(text, source)`` when the caller has it already.
    """
    import yaml

    name = name or Path(source).stem
    root, issues = parsed if parsed is not None else yaml_root(text, source)
    issues = list(issues)
    if issues:
        return Lexicon([], source, name), issues
    if root is None:
        return Lexicon([], source, name), [Issue(source, 1, "empty lexicon: expected a list of entries")]
    declared: dict[str, str] | None = None
    declared_lines: dict[str, int] = {}
    if is_own_mapping(root):
        fields = {_scalar(k): (k, v) for k, v in root.value}
        if "name" in fields:
            name = _scalar(fields["name"][1]) or name
        if "categories" in fields:
            declared = _declared_categories(fields["categories"][1], source, issues, declared_lines)
        root = fields.get("terms", fields.get("entries"))[1]
    if not isinstance(root, yaml.SequenceNode):
        line = root.start_mark.line + 1
        return Lexicon([], source, name), [Issue(source, line, "expected a list of entries (- term: ...)")]
    entries: list[Entry] = []
    for node in root.value:
        entry = _parse_entry(node, source, issues, name)
        if entry is not None:
            entries.append(entry)
    issues.extend(validate(entries, source, declared, declared_lines))
    issues.sort(key=lambda i: i.line)
    return make_lexicon(entries, source, name, declared), issues


def make_lexicon(entries: list[Entry], source: str, name: str, declared: dict[str, str] | None) -> Lexicon:
    categories = dict(declared or {})
    return Lexicon(entries, source, name, categories)


def _declared_categories(node: Any, source: str, issues: list[Issue], lines: dict[str, int]) -> dict[str, str]:
    """``categories:`` as a mapping (name: definition) or a list of names."""
    import yaml

    out: dict[str, str] = {}
    if isinstance(node, yaml.MappingNode):
        pairs = [(k, v) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        pairs = [(item, None) for item in node.value]
    else:
        issues.append(Issue(source, node.start_mark.line + 1,
                            "categories must be a mapping (name: definition) or a list"))
        return out
    for key, value in pairs:
        cat = _scalar(key)
        line = key.start_mark.line + 1
        if not cat:
            issues.append(Issue(source, line, "a category needs a name"))
            continue
        definition = _scalar(value) if value is not None else ""
        if definition is None:
            issues.append(Issue(source, line, f"definition of category {cat!r} must be a single text value"))
            definition = ""
        if cat in out:
            issues.append(Issue(source, line, f"category {cat!r} declared twice"))
        out[cat] = definition
        lines[cat] = line
    return out


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


def _parse_entry(node: Any, source: str, issues: list[Issue], dictionary: str) -> Entry | None:
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

    def text_field(name: str, required: bool = True) -> str:
        value = _scalar(values[name]) if name in values else ""
        if value is None:
            issues.append(Issue(source, lines[name], f"{name} must be a single text value"))
            return ""
        if not value and required:
            issues.append(Issue(source, lines.get(name, line), f"empty field: {name}"))
        return value

    term = text_field("term")
    category = text_field("category")
    definition = text_field("definition", required=False)
    variants = _text_list(values.get("variants"), lines.get("variants", line), "variants", term, source, issues)
    exclude = _text_list(values.get("exclude"), lines.get("exclude", line), "exclude", term, source, issues)
    since = _since(values.get("since"), lines.get("since", line), source, issues)
    lines.setdefault("term", line)
    if "variants" in values and hasattr(values["variants"], "value") and isinstance(values["variants"].value, list):
        for item, value in zip(values["variants"].value, variants, strict=False):
            lines.setdefault(f"variant:{value}", item.start_mark.line + 1)
    return Entry(term, category, variants, definition, since, line, exclude, dictionary, lines) if term else None


def _text_list(node: Any, line: int, what: str, term: str, source: str, issues: list[Issue]) -> tuple[str, ...]:
    import yaml

    if node is None or _scalar(node) == "":
        return ()
    if not isinstance(node, yaml.SequenceNode):
        issues.append(Issue(source, line, f"{what} of {term!r} must be a list, e.g. [A, B]"))
        return ()
    out: list[str] = []
    for item in node.value:
        value = _scalar(item)
        if not value:
            issues.append(Issue(source, item.start_mark.line + 1, f"empty {what[:-1] if what == 'variants' else what} "
                                                                 f"in {term!r}"))
            continue
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


def simplify_forms(forms: list[str]) -> list[str]:
    """Traditional -> simplified for lexicon forms (text is converted by the read stage, so keys must be too)."""
    try:
        from opencc import OpenCC
    except ImportError:  # pragma: no cover - opencc is a core dependency
        return forms
    converter = OpenCC("t2s")
    return [converter.convert(f) for f in forms]


# --------------------------------------------------------------------------- validation (every format)


def validate(entries: list[Entry], source: str, declared: dict[str, str] | None = None,
             declared_lines: dict[str, int] | None = None, definitions: bool = True) -> list[Issue]:
    """Checks every format gets: categories, forms (length, patterns), excludes, duplicates, definitions.

    ``definitions=False`` for formats that have no place for them (quanteda, LIWC ...): no warning then.
    """
    issues: list[Issue] = []
    for entry in entries:
        issues.extend(_check_entry(entry, source, declared, definitions))
    issues.extend(_cross_check(entries, source))
    if declared is not None:
        used = {e.category for e in entries}
        for cat, line in (declared_lines or {}).items():
            if cat not in used and not any(u.startswith(cat + "/") for u in used):
                issues.append(Issue(source, line, f"category {cat!r} has no terms", severity="warning"))
    return issues


def _check_entry(entry: Entry, source: str, declared: dict[str, str] | None,
                 definitions: bool = True) -> Iterator[Issue]:
    lines = entry.lines
    where = f" of {entry.term!r}" if entry.term else ""
    cline = lines.get("category", entry.line)
    category = entry.category
    if category == PENDING:
        yield Issue(source, cline, f"needs a curator: category{where} is '?'", pending=True)
    elif category:
        parts = category_path(category)
        if any(not p for p in parts):
            yield Issue(source, cline, f"category {category!r}{where} has an empty part (write 经济/营商环境)")
        elif declared is not None and category not in declared:
            listed = " ".join(declared) or "none"
            yield Issue(source, cline, f"category {category!r}{where} is not declared (declared: {listed})")
    if entry.definition == PENDING:
        yield Issue(source, lines.get("definition", entry.line), f"needs a curator: definition{where} is '?'",
                    pending=True)
    elif not entry.definition and definitions:
        yield Issue(source, lines.get("definition", entry.line), f"no definition{where}", severity="warning",
                    kind="definition")
    seen: set[str] = set()
    for i, form in enumerate(entry.forms):
        fline = lines.get("term", entry.line) if i == 0 else lines.get(f"variant:{form}", lines.get("variants",
                                                                                                   entry.line))
        what = "term" if i == 0 else "variant"
        if is_pattern(form) or GLOB in form:
            problem = pattern_problem(form) if is_pattern(form) else f"{form!r}: '*' is allowed only at the end " \
                                                                    "of a term (a glob)"
            if problem:
                yield Issue(source, fline, problem)
            continue
        key = match_key(form)
        if len(key) < 2:
            yield Issue(source, fline, f"{what} {form!r}{'' if i == 0 else where} is too short to match safely "
                                       "(2+ characters)")
        elif key in seen:
            yield Issue(source, fline, f"variant {form!r} repeats the term or another variant{where}")
        seen.add(key)
    yield from _check_excludes(entry, source)


def _check_excludes(entry: Entry, source: str) -> Iterator[Issue]:
    """An exclude context must contain one of the entry's literal forms, or it can never apply."""
    line = entry.lines.get("exclude", entry.line)
    keys = [match_key(f) for f in entry.literal_forms]
    for context in entry.exclude:
        if is_regex(context):
            problem = pattern_problem(context)
            if problem:
                yield Issue(source, line, f"exclude of {entry.term!r}: {problem}")
            continue
        ckey = match_key(context)
        if not any(k and k in ckey for k in keys):
            yield Issue(source, line, f"exclude context {context!r} of {entry.term!r} does not contain the term or "
                                      "a variant, so it can never apply")
        elif ckey in keys:
            yield Issue(source, line, f"exclude context {context!r} of {entry.term!r} is the term itself: "
                                      "it would drop every match")


def _cross_check(entries: list[Entry], source: str) -> list[Issue]:
    """A form claimed by two entries: an error within one category, a note across categories."""
    issues: list[Issue] = []
    owner: dict[str, list[Entry]] = {}
    for entry in entries:
        for i, form in enumerate(entry.forms):
            key = match_key(form)
            claimed = owner.setdefault(key, [])
            for first in claimed:
                if first is entry:
                    continue
                same_term = i == 0 and match_key(first.term) == key
                if first.category != entry.category:
                    issues.append(Issue(source, entry.line, f"{form!r} counts for both {first.category!r} (line "
                                                            f"{first.line}) and {entry.category!r}", severity="note",
                                        kind="shared"))
                elif same_term:
                    issues.append(Issue(source, entry.line, f"duplicate term {form!r} (first at line {first.line})"))
                else:
                    what = "term" if i == 0 else "variant"
                    issues.append(Issue(source, entry.line, f"{what} {form!r} is also claimed by {first.term!r} "
                                                            f"(line {first.line})"))
                break
            if entry not in claimed:
                claimed.append(entry)
    return issues
