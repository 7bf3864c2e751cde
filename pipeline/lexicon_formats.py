"""Dictionaries in the formats researchers already have: read any of them, write some of them.

Read (``read_dictionary``, detected by extension, then by content):

==============  ===========================================================================
policytag       the own YAML: a list of entries, or ``categories:`` + ``terms:``
quanteda        YAML mapping ``category: [values]``; nested mappings become paths 经济/营商环境
liwc            LIWC / Wordstat ``.dic``: ``%`` header of numbered categories, ``term<TAB>ids``
lexicoder       Lexicoder ``.lc3``/``.lcd`` in the plain layout (``+category`` lines, then terms)
wordstat        WordStat ``.cat``: indented categories, ``TERM (1)`` lines
csv/tsv/xlsx    columns ``term,category[,variants][,definition][,since][,exclude]``
==============  ===========================================================================

Text files may be UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030. A glob
(``优化营商*``) or a regex (``re:...``) may stand wherever a term does. Every format goes
through the same checks (``policytag.lexicon.validate``), with file and line numbers.

Write (``write_dictionary``): policytag YAML, quanteda YAML, LIWC .dic, CSV, TSV, XLSX.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .lexicon import (
    Entry,
    Issue,
    Lexicon,
    is_own_mapping,
    is_pattern,
    is_regex,
    make_lexicon,
    parse_lexicon,
    read_text,
    validate,
    yaml_root,
)
from .write import restore_cell, spreadsheet_cell

READ_FORMATS = ("policytag", "quanteda", "liwc", "lexicoder", "wordstat", "csv", "tsv", "xlsx")
WRITE_FORMATS = ("policytag", "quanteda", "liwc", "csv", "tsv", "xlsx")
EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".dic": "liwc", ".lc3": "lexicoder", ".lcd": "lexicoder",
              ".cat": "wordstat", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
# Column names of table dictionaries (lower case; Chinese headers too).
COLUMNS = {
    "term": "term", "word": "term", "pattern": "term", "词条": "term", "词语": "term", "术语": "term", "词": "term",
    "category": "category", "key": "category", "class": "category", "类别": "category", "类目": "category",
    "分类": "category", "variants": "variants", "variant": "variants", "变体": "variants", "异形": "variants",
    "definition": "definition", "释义": "definition", "定义": "definition", "since": "since", "始见": "since",
    "exclude": "exclude", "排除": "exclude",
}
LIST_SPLIT = re.compile(r"\s*[|;；]\s*")
EMPTY = '""'


Parsed = tuple[list[Entry], dict[str, str] | None, dict[str, int], list[Issue]]


# --------------------------------------------------------------------------- reading


def detect_format(path: Path, text: str | None = None) -> str:
    """One of READ_FORMATS, from the extension and, when that says little, the content."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ConfigError(f"{path}: old Excel .xls is not read; save it as .xlsx or .csv")
    kind = EXTENSIONS.get(suffix)
    if kind == "xlsx":
        return "xlsx"
    if text is None:
        text = read_text(path)
    if kind == "yaml":
        return _yaml_kind(text, str(path))
    if kind is not None:
        return kind
    return _sniff(text, path)


def _yaml_kind(text: str, source: str, parsed: tuple[Any, list[Issue]] | None = None) -> str:
    import yaml

    root, issues = parsed if parsed is not None else yaml_root(text, source)
    if issues or root is None or isinstance(root, yaml.SequenceNode) or is_own_mapping(root):
        return "policytag"  # the own parser reports what is wrong
    return "quanteda" if isinstance(root, yaml.MappingNode) else "policytag"


def _sniff(text: str, path: Path) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ConfigError(f"{path}: empty dictionary file")
    first = lines[0]
    if first == "%":
        return "liwc"
    if first.startswith("+"):
        return "lexicoder"
    if first.startswith("- ") or first.startswith("terms:") or re.match(r"^[^\s,\t]+:\s*(\[|$)", first):
        return _yaml_kind(text, str(path))
    head = [c.strip().lower() for c in re.split(r"[,\t]", first)]
    if "term" in head or "词条" in head:
        return "tsv" if "\t" in first else "csv"
    raise ConfigError(f"{path}: unknown dictionary format (use .yaml/.yml, .dic, .lc3/.lcd, .cat, .csv, .tsv or "
                      ".xlsx, or see `policytag lexicon convert --help`)")


def read_dictionary(path: Path, fmt: str | None = None) -> tuple[Lexicon, list[Issue]]:
    """Read and validate a dictionary file in any supported format."""
    source, name = str(path), path.stem
    text = None if (fmt or EXTENSIONS.get(path.suffix.lower())) == "xlsx" else read_text(path)
    parsed = None
    if fmt in (None, "policytag", "quanteda") and EXTENSIONS.get(path.suffix.lower()) == "yaml":
        parsed = yaml_root(text, source)  # composed once, for telling the two YAML kinds apart and parsing
        fmt = fmt or _yaml_kind(text, source, parsed)
    fmt = fmt or detect_format(path, text)
    if fmt == "policytag":
        return parse_lexicon(text, source, name, parsed)
    if fmt == "quanteda":
        entries, declared, lines, issues = _quanteda(text, source, name, parsed)
        issues.extend(validate(entries, source, declared, lines, definitions=False))
        issues.sort(key=lambda i: i.line)
        return make_lexicon(entries, source, name, declared), issues
    if fmt == "xlsx":
        entries, declared, lines, issues = _from_rows(_xlsx_rows(path), source, name)
    elif fmt in ("csv", "tsv"):
        entries, declared, lines, issues = _from_rows(_text_rows(text, source, fmt), source, name)
    else:
        reader = {"liwc": _liwc, "lexicoder": _lexicoder, "wordstat": _wordstat}[fmt]
        entries, declared, lines, issues = reader(text, source, name)
    issues.extend(validate(entries, source, declared, lines, definitions=fmt in ("csv", "tsv", "xlsx")))
    issues.sort(key=lambda i: i.line)
    return make_lexicon(entries, source, name, declared), issues


def _entry(term: str, category: str, line: int, name: str, variants: tuple[str, ...] = (), definition: str = "",
           since: int | None = None, exclude: tuple[str, ...] = ()) -> Entry:
    return Entry(term, category, variants, definition, since, line, exclude, name,
                 {"term": line, "category": line, "definition": line, "variants": line, "exclude": line})


def _quanteda(text: str, source: str, name: str, parsed: tuple[Any, list[Issue]] | None = None) -> Parsed:
    """``category: [values]``; a mapping inside a category is a sub-category (path a/b)."""
    import yaml

    root, issues = parsed if parsed is not None else yaml_root(text, source)
    issues = list(issues)
    if issues:
        return [], None, {}, issues
    entries: list[Entry] = []
    declared: dict[str, str] = {}
    lines: dict[str, int] = {}

    def keys(node: Any, path: tuple[str, ...]) -> None:
        for key_node, value in node.value:
            key = _scalar(key_node)
            line = key_node.start_mark.line + 1
            if not key:
                issues.append(Issue(source, line, "a category needs a name (a text key)"))
                continue
            cat = "/".join((*path, key))
            declared.setdefault(cat, "")
            lines.setdefault(cat, line)
            values(value, (*path, key))

    def values(node: Any, path: tuple[str, ...]) -> None:
        cat = "/".join(path)
        if isinstance(node, yaml.ScalarNode):
            add(node, cat)
        elif isinstance(node, yaml.MappingNode):
            keys(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                if isinstance(item, yaml.ScalarNode):
                    add(item, cat)
                elif isinstance(item, yaml.MappingNode):
                    keys(item, path)
                else:
                    issues.append(Issue(source, item.start_mark.line + 1, f"values of {cat!r} must be text"))

    def add(node: Any, cat: str) -> None:
        value = _scalar(node)
        if value:
            entries.append(_entry(value, cat, node.start_mark.line + 1, name))

    if not isinstance(root, yaml.MappingNode):
        return [], None, {}, [Issue(source, 1, "a quanteda dictionary is a mapping: category: [values]")]
    keys(root, ())
    return entries, declared, lines, issues


def _scalar(node: Any) -> str | None:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return "" if node.tag.endswith(":null") else str(node.value).strip()
    return None


def _liwc(text: str, source: str, name: str) -> Parsed:
    """LIWC/Wordstat .dic: ``%``, ``id<TAB>name`` lines, ``%``, then ``term<TAB>id id ...``."""
    issues: list[Issue] = []
    rows = [(i, ln.strip()) for i, ln in enumerate(text.splitlines(), 1)]
    rows = [(i, ln) for i, ln in rows if ln]
    if not rows or rows[0][1] != "%":
        line = rows[0][0] if rows else 1
        return [], None, {}, [Issue(source, line, "not a LIWC .dic: the file must start with a '%' line")]
    ids: dict[str, str] = {}
    declared: dict[str, str] = {}
    lines: dict[str, int] = {}
    pos = 1
    while pos < len(rows) and rows[pos][1] != "%":
        line, content = rows[pos]
        parts = content.split(None, 1)
        if len(parts) != 2:
            issues.append(Issue(source, line, "header line must be: number, tab, category name"))
        else:
            ids[parts[0]] = parts[1].strip()
            declared.setdefault(parts[1].strip(), "")
            lines.setdefault(parts[1].strip(), line)
        pos += 1
    if pos >= len(rows):
        return [], declared, lines, issues + [Issue(source, rows[-1][0], "the '%' header is never closed")]
    entries: list[Entry] = []
    for line, content in rows[pos + 1:]:
        term, refs = _liwc_line(content)
        if any("(" in r or "/" in r for r in refs):
            issues.append(Issue(source, line, f"conditional entry {term!r} is not supported; skipped",
                                severity="warning"))
            continue
        if not refs:
            issues.append(Issue(source, line, f"{term!r} has no category numbers"))
            continue
        for ref in refs:
            category = ids.get(ref) or (ref if ref in declared else None)
            if category is None:
                issues.append(Issue(source, line, f"category {ref} of {term!r} is not declared in the '%' header"))
                continue
            entries.append(_entry(term, category, line, name))
    return entries, declared, lines, issues


def _liwc_line(content: str) -> tuple[str, list[str]]:
    """``term<TAB>1 2`` or ``multi word term 1 2``: trailing category references after the term."""
    if "\t" in content:
        term, _, rest = content.partition("\t")
        return term.strip(), rest.split()
    parts = content.split()
    n = len(parts)
    while n > 1 and re.fullmatch(r"[\d()/]+", parts[n - 1]):
        n -= 1
    return " ".join(parts[:n]), parts[n:]


def _lexicoder(text: str, source: str, name: str) -> Parsed:
    """The plain Lexicoder layout: ``+category`` then one term per line."""
    if "\x00" in text or text.lstrip().startswith("<") or not re.search(r"^\s*\+\S", text, re.M):
        raise ConfigError(f"{source}: this Lexicoder file is not supported: only the plain layout (+category lines "
                          "followed by one term per line) is read; export it as CSV (term,category) instead")
    issues: list[Issue] = []
    entries: list[Entry] = []
    declared: dict[str, str] = {}
    lines: dict[str, int] = {}
    category = None
    for line, raw in enumerate(text.splitlines(), 1):
        content = raw.strip()
        if not content:
            continue
        if content.startswith("+"):
            category = content[1:].strip()
            if not category:
                issues.append(Issue(source, line, "a '+' line needs a category name"))
                category = None
                continue
            declared.setdefault(category, "")
            lines.setdefault(category, line)
        elif category is None:
            issues.append(Issue(source, line, f"term {content!r} comes before any '+category' line"))
        else:
            entries.append(_entry(content, category, line, name))
    return entries, declared, lines, issues


def _wordstat(text: str, source: str, name: str) -> Parsed:
    """WordStat .cat: category names, and terms ``TERM (1)`` indented under them; ``_`` joins words."""
    issues: list[Issue] = []
    entries: list[Entry] = []
    declared: dict[str, str] = {}
    lines: dict[str, int] = {}
    stack: list[tuple[int, str]] = []  # (indent, name)
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        indent = len(raw.expandtabs(4)) - len(raw.expandtabs(4).lstrip())
        content = raw.strip()
        term = re.fullmatch(r"(.+?)\s*\(\d+\)", content)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if term:
            if not stack:
                issues.append(Issue(source, line, f"term {content!r} comes before any category"))
                continue
            entries.append(_entry(term.group(1).replace("_", " ").strip(), stack[-1][1], line, name))
        else:
            path = f"{stack[-1][1]}/{content}" if stack else content
            stack.append((indent, path))
            declared.setdefault(path, "")
            lines.setdefault(path, line)
    return entries, declared, lines, issues


def _text_rows(text: str, source: str, fmt: str) -> Iterator[tuple[int, list[str]] | Issue]:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if fmt == "tsv" else (
        "\t" if "\t" in first and "," not in first else ";" if ";" in first and "," not in first else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for row in reader:
            if any("\n" in cell or "\r" in cell for cell in row):
                yield Issue(source, line, "a quoted cell runs over several lines (an unclosed quote?)")
            yield line, row
            line = reader.line_num + 1
    except csv.Error as exc:
        yield Issue(source, line, f"not valid {fmt.upper()}: {exc}")


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]] | Issue]:
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException for damaged files
        raise ConfigError(f"{path}: cannot read as .xlsx: {type(exc).__name__}: {exc}") from None
    try:
        sheet = book.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), 1):
            yield line, [_cell_text(v) for v in values]
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _from_rows(rows: Iterator[tuple[int, list[str]] | Issue], source: str, name: str) -> Parsed:
    """Table dictionaries: a header naming the columns, or term,category,variants,definition by position."""
    issues: list[Issue] = []
    entries: list[Entry] = []
    columns: list[str | None] | None = None
    for item in rows:
        if isinstance(item, Issue):
            issues.append(item)
            continue
        line, cells = item
        cells = [restore_cell(c.strip()) for c in cells]  # our own exports put ' before = + - @
        if not any(cells):
            continue
        if columns is None:
            columns = _header(cells, source, line, issues)
            if columns is not None:
                continue
            columns = ["term", "category", "variants", "definition", "since", "exclude"]
        values = {col: cell for col, cell in zip(columns, cells, strict=False) if col and cell}
        term, category = values.get("term", ""), values.get("category", "")
        if not term or not category:
            issues.append(Issue(source, line, f"row needs a term and a category (got {', '.join(cells[:2])!r})"))
            continue
        since = None
        if values.get("since"):
            if re.fullmatch(r"(19|20)\d\d", values["since"]):
                since = int(values["since"])
            else:
                issues.append(Issue(source, line, f"since must be a year such as 2017, not {values['since']!r}"))
        entries.append(_entry(term, category, line, name, _split_list(values.get("variants", "")),
                              values.get("definition", ""), since, _split_list(values.get("exclude", ""))))
    if columns is None:
        issues.append(Issue(source, 1, "empty dictionary: no rows"))
    return entries, None, {}, issues


def _header(cells: list[str], source: str, line: int, issues: list[Issue]) -> list[str | None] | None:
    names = [COLUMNS.get(c.lower()) for c in cells]
    if "term" not in names:
        return None
    if "category" not in names:
        issues.append(Issue(source, line, "header has no 'category' column"))
    seen: set[str] = set()
    for cell, col in zip(cells, names, strict=True):
        if col is None and cell:
            issues.append(Issue(source, line, f"column {cell!r} is not used (columns: term, category, variants, "
                                              "definition, since, exclude)", severity="warning"))
        elif col in seen:
            issues.append(Issue(source, line, f"column {col!r} given twice"))
        if col:
            seen.add(col)
    return names


def _split_list(cell: str) -> tuple[str, ...]:
    return tuple(p for p in LIST_SPLIT.split(cell) if p) if cell else ()


# --------------------------------------------------------------------------- writing


def output_format(path: Path, explicit: str | None = None) -> str:
    if explicit:
        return explicit
    suffix = path.suffix.lower()
    kind = {".yaml": "policytag", ".yml": "policytag", ".dic": "liwc", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv",
            ".xlsx": "xlsx"}.get(suffix)
    if kind is None:
        raise ConfigError(f"{path}: cannot tell the output format from {suffix or 'no extension'!r}; use --to "
                          f"({', '.join(WRITE_FORMATS)})")
    return kind


def write_dictionary(lexicon: Lexicon, path: Path, fmt: str, raw_cells: bool = False) -> list[str]:
    """Write ``lexicon`` as ``fmt`` (atomically); returns notes on what that format cannot hold.

    CSV/TSV/XLSX cells go through ``write.spreadsheet_cell`` (no formula runs in Excel) unless ``raw_cells``.
    """
    from .write import atomic_path

    notes: list[str] = []
    if fmt in ("quanteda", "liwc"):
        lost = [f for e in lexicon for f in e.forms if is_regex(f)]
        if lost:
            notes.append(f"{len(lost)} regex form(s) left out: {fmt} dictionaries hold literals and globs only")
        if any(e.exclude for e in lexicon):
            notes.append(f"exclude contexts left out: {fmt} dictionaries have no place for them")
        if any(e.definition for e in lexicon):
            notes.append(f"definitions left out ({fmt}); the CSV or policytag YAML export keeps them")
    if fmt == "xlsx":
        from .write import write_xlsx

        header, *rows = _rows(lexicon)
        write_xlsx(path, {"lexicon": (header, [dict(zip(header, r, strict=True)) for r in rows])}, raw_cells)
        return notes
    if fmt in ("csv", "tsv"):
        text = _delimited(lexicon, "," if fmt == "csv" else "\t", raw_cells)
    else:
        text = {"policytag": to_policytag_yaml, "quanteda": to_quanteda_yaml, "liwc": to_liwc}[fmt](lexicon)
    encoding = "utf-8-sig" if fmt in ("csv", "tsv") else "utf-8"  # Excel reads a BOM-less CSV as ANSI
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding=encoding, newline="")
    return notes


def _q(value: str) -> str:
    """A YAML scalar: plain where safe, else double-quoted (JSON strings are valid YAML)."""
    import json

    plain = re.fullmatch(r"[\u4e00-\u9fff\w·、+（）()/《》—\-]+", value) and not value[0].isdigit() \
        and not value.startswith(("-", "+"))
    return value if plain and value.lower() not in ("yes", "no", "true", "false", "null", "on", "off") \
        else json.dumps(value, ensure_ascii=False)


def _flow(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def to_policytag_yaml(lexicon: Lexicon) -> str:
    """The own format; the mapping form (with ``categories:``) when categories carry definitions."""
    lines = [f"# policytag lexicon, converted from {Path(lexicon.source).name}. Check: policytag lexicon check FILE"]
    defined = any(lexicon.categories.values())
    indent = ""
    if defined:
        lines += [f"name: {_q(lexicon.name)}", "categories:"]
        lines += [f"  {_q(c)}: {_q(d) if d else EMPTY}" for c, d in lexicon.categories.items()]
        lines.append("terms:")
        indent = "  "
    for e in lexicon:
        lines.append(f"{indent}- term: {_q(e.term)}")
        lines.append(f"{indent}  category: {_q(e.category)}")
        if e.variants:
            lines.append(f"{indent}  variants: {_flow(e.variants)}")
        if e.definition:
            lines.append(f"{indent}  definition: {_q(e.definition)}")
        if e.since:
            lines.append(f"{indent}  since: {e.since}")
        if e.exclude:
            lines.append(f"{indent}  exclude: {_flow(e.exclude)}")
    return "\n".join(lines) + "\n"


def _tree(lexicon: Lexicon) -> dict[str, Any]:
    """Category paths as nested dicts; terms of a node under the key None."""
    root: dict[Any, Any] = {}
    for cat in list(lexicon.categories) + [e.category for e in lexicon]:
        node = root
        for part in cat.split("/"):
            node = node.setdefault(part, {})
    for e in lexicon:
        node = root
        for part in e.category.split("/"):
            node = node[part]
        forms = node.setdefault(None, [])
        forms.extend(f for f in e.forms if not is_regex(f) and f not in forms)
    return root


def to_quanteda_yaml(lexicon: Lexicon) -> str:
    """quanteda's dictionary YAML (``quanteda::dictionary(file = ...)`` reads it); paths nest."""
    lines = [f"# quanteda dictionary converted by policytag from {Path(lexicon.source).name}",
             "# R: dict <- quanteda::dictionary(file = \"THIS.yml\")"]

    def emit(node: dict[Any, Any], depth: int, path: str) -> None:
        for key, child in node.items():
            if key is None:
                continue
            full = f"{path}/{key}" if path else key
            if lexicon.categories.get(full):
                lines.append(f"{'  ' * depth}# {lexicon.categories[full]}")
            lines.append(f"{'  ' * depth}{_q(key)}:")
            body(child, depth + 1, full)

    def body(child: dict[Any, Any], depth: int, full: str) -> None:
        pad = "  " * depth
        lines.extend(f"{pad}- {_q(f)}" for f in child.get(None, []))
        subs = {k: v for k, v in child.items() if k is not None}
        if not child.get(None):
            emit(subs, depth, full)
            return
        for sub, grand in subs.items():  # terms and sub-categories: a list that ends with the sub-categories
            lines.append(f"{pad}- {_q(sub)}:")
            body(grand, depth + 2, f"{full}/{sub}")

    emit(_tree(lexicon), 0, "")
    return "\n".join(lines) + "\n"


def to_liwc(lexicon: Lexicon) -> str:
    """LIWC .dic: numbered categories, one line per form with every category it counts for."""
    cats = list(dict.fromkeys([*lexicon.categories, *(e.category for e in lexicon)]))
    number = {c: i for i, c in enumerate(cats, 1)}
    forms: dict[str, list[int]] = {}
    for e in lexicon:
        for f in e.forms:
            if not is_regex(f):
                refs = forms.setdefault(f, [])
                if number[e.category] not in refs:
                    refs.append(number[e.category])
    lines = ["%", *(f"{i}\t{c}" for c, i in number.items()), "%"]
    lines += [f"{f}\t" + "\t".join(str(i) for i in refs) for f, refs in forms.items()]
    return "\n".join(lines) + "\n"


def _rows(lexicon: Lexicon) -> list[list[str]]:
    rows = [["term", "category", "variants", "definition", "since", "exclude"]]
    for e in lexicon:
        rows.append([e.term, e.category, "|".join(e.variants), e.definition, str(e.since or ""), "|".join(e.exclude)])
    return rows


def _delimited(lexicon: Lexicon, delimiter: str, raw_cells: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for row in _rows(lexicon):
        writer.writerow([spreadsheet_cell(c, raw_cells) for c in row])
    return out.getvalue()


def to_csv(lexicon: Lexicon) -> str:
    return _delimited(lexicon, ",")


def to_tsv(lexicon: Lexicon) -> str:
    return _delimited(lexicon, "\t")


def describe(fmt: str) -> str:
    """What a format holds, for `lexicon convert` notes and the README."""
    return {
        "policytag": "everything: categories with definitions, variants, definitions, since, exclude, patterns",
        "quanteda": "categories (nested) and terms/globs; no definitions, regexes or excludes",
        "liwc": "flat numbered categories and terms/globs; no definitions, regexes or excludes",
        "csv": "term, category, variants, definition, since, exclude (one row per entry)",
        "tsv": "as csv, tab-separated",
        "xlsx": "as csv, one sheet",
    }.get(fmt, "")


__all__ = ["READ_FORMATS", "WRITE_FORMATS", "detect_format", "read_dictionary", "write_dictionary", "output_format",
           "is_pattern", "describe"]
