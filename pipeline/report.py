"""One self-contained HTML page for reading tagged paragraphs.

The page works offline: CSS and JavaScript are inlined from ``templates/``,
charts are inline SVG (text drawn as outlines). It shows a summary per
document, the charts, and every paragraph with its labels and highlighted
terms (hover: canonical form, category, definition from the lexicon). Label
buttons filter the paragraphs; ``report.html#label=监督`` opens with that
filter on. Every piece of text is escaped with ``html.escape``.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .stats import NONE_LABEL, group_columns, label_order, label_table, term_year_table
from .write import atomic_path

OPEN_ALL_BELOW = 400  # with more paragraphs than this, documents start collapsed


def esc(value: Any) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value),
                       quote=True)


def _template(name: str) -> str:
    return resources.files("policytag").joinpath("templates", name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- lexicon definitions


def load_definitions(path: str | Path | None) -> dict[str, dict[str, Any]]:
    """canonical term -> {category, definition, since} from a lexicon; {} when ``path`` is None.

    The lexicon is loaded by ``policytag.lexicon.load_lexicon``, like everywhere
    else: a missing, broken or oversized lexicon is a ConfigError, never ignored.
    Variants map to their entry too, so a surface form finds its definition.
    """
    if path is None:
        return {}
    from .lexicon import load_lexicon

    out: dict[str, dict[str, Any]] = {}
    for entry in load_lexicon(path):
        info = {"category": entry.category, "definition": entry.definition, "since": entry.since}
        out[entry.term] = info
        for variant in entry.variants:
            out.setdefault(variant, info)
    return out


def default_lexicon_path(config: dict[str, Any] | None) -> Path | None:
    from .resources import resolve

    name = (config or {}).get("match", {}).get("lexicon", "policy_terms.yaml")
    try:
        return resolve(str(name), "lexicons")
    except FileNotFoundError:
        return None


# --------------------------------------------------------------------------- paragraph text


def _locate(text: str, terms: list[dict[str, Any]], para_start: Any) -> list[tuple[int, int, dict[str, Any]]]:
    """Each term's span inside the paragraph text, without overlaps.

    Offsets index the original document; when the paragraph text is the
    original slice they are used directly, otherwise (normalized text, CSV input
    without offsets) the surface form is searched from the previous match on.
    """
    spans: list[tuple[int, int, dict[str, Any]]] = []
    cursor = 0
    for term in sorted(terms, key=lambda t: (t.get("start") is None, t.get("start") or 0)):
        surface = str(term.get("term") or term.get("canonical") or "")
        if not surface:
            continue
        at = -1
        start = term.get("start")
        if start is not None and para_start is not None and not pd.isna(para_start):
            rel = int(start) - int(para_start)
            if rel >= 0 and text[rel : rel + len(surface)] == surface:
                at = rel
        if at < 0:
            at = text.find(surface, cursor)
        if at < 0 or at < cursor:
            continue  # not found, or overlapping the previous term
        spans.append((at, at + len(surface), term))
        cursor = at + len(surface)
    return spans


def highlight(text: str, terms: list[dict[str, Any]], para_start: Any, definitions: dict[str, dict[str, Any]]) -> str:
    """Escaped paragraph text with ``<mark class="term">`` around each term (title = hover text)."""
    out, pos = [], 0
    for start, end, term in _locate(text, terms, para_start):
        canonical = term.get("canonical") or term.get("term")
        info = definitions.get(str(canonical)) or definitions.get(str(term.get("term"))) or {}
        category = term.get("category") or info.get("category")
        tip = [str(canonical)]
        if category:
            tip.append(f"类别：{category}")
        if info.get("definition"):
            tip.append(f"释义：{info['definition']}")
        if info.get("since"):
            tip.append(f"始见：{info['since']}")
        out.append(esc(text[pos:start]))
        out.append(f'<mark class="term" data-canonical="{esc(canonical)}" data-category="{esc(category)}" '
                   f'title="{esc(chr(10).join(tip))}">{esc(text[start:end])}</mark>')
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


# --------------------------------------------------------------------------- page parts


def _doc_frames(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    order = frame.assign(_i=range(len(frame))).sort_values(["year", "place", "doc_id", "index", "_i"],
                                                           na_position="last", kind="stable")
    return [(str(doc), part) for doc, part in order.groupby("doc_id", sort=False, dropna=False)]


def _first(part: pd.DataFrame, col: str) -> Any:
    values = part[col].dropna() if col in part else []
    return values.iloc[0] if len(values) else None


def _summary_table(docs: list[tuple[str, pd.DataFrame]], labels: list[str]) -> str:
    head = "".join(f"<th>{esc(label)}</th>" for label in labels)
    rows = []
    for n, (doc_id, part) in enumerate(docs):
        counts = Counter(label for ls in part["labels"] for label in ls)
        terms = Counter(t["canonical"] for ts in part["terms"] for t in ts).most_common(5)
        cells = "".join(f'<td class="num">{counts.get(label, 0)}</td>' for label in labels)
        top = "、".join(f"{esc(t)}（{c}）" for t, c in terms)
        rows.append(f'<tr><td><a href="#doc-{n}">{esc(doc_id)}</a></td><td>{esc(_first(part, "place"))}</td>'
                    f'<td>{esc(_first(part, "year"))}</td><td class="num">{len(part)}</td>{cells}'
                    f"<td>{top}</td></tr>")
    return (f'<table class="summary"><thead><tr><th>文档</th><th>地方</th><th>年份</th><th>段落</th>{head}'
            f'<th>高频词语</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _paragraph(row: pd.Series, definitions: dict[str, dict[str, Any]]) -> str:
    labels = list(row["labels"]) or [NONE_LABEL]
    kind = "heading" if row["is_heading"] else ("glossary" if row["is_glossary"] else "body")
    badges = "".join(f'<span class="badge" data-label="{esc(label)}">{esc(label)}</span>' for label in labels)
    section = " › ".join(row["section"])
    period = {"review": "回顾", "plan": "部署"}.get(row["period"] or "", "")
    side = f'<span class="where">{esc(period)}{" · " if period and section else ""}{esc(section)}</span>'
    body = highlight(row["text"], list(row["terms"]), row.get("start"), definitions)
    return (f'<div class="para {kind}" data-labels="{esc("|".join(labels))}">'
            f'<div class="tags">{badges}{side}</div><p>{body}</p></div>')


def _documents(docs: list[tuple[str, pd.DataFrame]], definitions: dict[str, dict[str, Any]], total: int) -> str:
    out = []
    for n, (doc_id, part) in enumerate(docs):
        title = " ".join(esc(v) for v in (_first(part, "place"), _first(part, "year"), _first(part, "title")) if v)
        opened = " open" if total <= OPEN_ALL_BELOW or n == 0 else ""
        paragraphs = "".join(_paragraph(row, definitions) for _, row in part.iterrows())
        out.append(f'<details class="doc" id="doc-{n}"{opened}><summary><span class="doc-id">{esc(doc_id)}</span> '
                   f'{title} <span class="count" data-total="{len(part)}">{len(part)} 段</span></summary>'
                   f"{paragraphs}</details>")
    return "".join(out)


def _filters(labels: list[str], counts: Counter) -> str:
    buttons = "".join(
        f'<label class="filter"><input type="checkbox" value="{esc(label)}" checked> {esc(label)} '
        f'<span class="n">{counts.get(label, 0)}</span></label>' for label in labels)
    return (f'<div id="filters">{buttons}<button type="button" id="all">全选</button>'
            f'<button type="button" id="none">全不选</button><span id="shown"></span></div>')


def _chart_group(frame: pd.DataFrame, max_docs: int = 30) -> str:
    """Bars per document while they fit; per year (else place) for large inputs."""
    if frame["doc_id"].nunique() <= max_docs:
        return "doc"
    return "year" if frame["year"].notna().any() else "place"


def charts_svg(frame: pd.DataFrame, labels: Sequence[str], font_setting: str = "") -> tuple[list[str], str]:
    """Inline SVG charts (label shares by document, term trends) and a note if they could not be drawn."""
    try:
        from . import plot

        font = plot.cjk_font(font_setting)
        key = _chart_group(frame)
        shares = label_table(frame, [key], labels)
        svgs = [plot.figure_svg(plot.label_shares_figure(shares, group_columns([key]), font))]
        trends = term_year_table(frame)
        if len(trends):
            svgs.append(plot.figure_svg(plot.term_trends_figure(trends, font)))
        return svgs, ""
    except Exception as exc:  # charts are an extra: the page is still useful without them
        return [], f"charts not drawn: {exc}"


def build_report(frame: pd.DataFrame, labels: Sequence[str] = (), definitions: dict[str, dict[str, Any]] | None = None,
                 title: str = "人大常委会工作报告 · 段落功能标注", charts: bool = True, font_setting: str = "") -> str:
    """The whole page as a string."""
    definitions = definitions or {}
    order = label_order(frame, labels) + [NONE_LABEL]
    counts = Counter(label for ls in frame["labels"] for label in (ls or [NONE_LABEL]))
    docs = _doc_frames(frame)
    svgs, note = charts_svg(frame, labels, font_setting) if charts else ([], "")
    chart_html = "".join(f'<figure class="chart">{svg}</figure>' for svg in svgs)
    if note:
        chart_html += f'<p class="note">{esc(note)}</p>'
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    page = _template("report.html")
    parts = {
        "title": esc(title),
        "css": _template("report.css"),
        "js": _template("report.js"),
        "stats": esc(f"{len(docs)} 份文档 · {len(frame)} 段 · 生成于 {generated}"
                     f"{' · 词语释义 ' + str(len(definitions)) + ' 条' if definitions else ''}"),
        "summary": _summary_table(docs, order[:-1]),
        "charts": chart_html or '<p class="note">无图表</p>',
        "filters": _filters(order, counts),
        "documents": _documents(docs, definitions, len(frame)),
    }
    # one pass over the template only, so text inside the values is never taken for a placeholder
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], page)


def write_report(frame: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
    """Build the page and write it atomically."""
    page = build_report(frame, **kwargs)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(path)
