"""One self-contained HTML page for reading tagged paragraphs, fast at any size.

The page works offline: CSS, JavaScript, the data and the charts (inline SVG,
text drawn as outlines) are all inside it. Jinja2 renders the frame with
autoescaping on: a document overview (named by place, year and title, in
natural order), the charts, the legend and one collapsed entry per document.
The paragraphs travel as one JSON block and the script draws a document's
paragraphs only when it is opened, and search hits only as they are shown, so
opening the page costs about the same for 5 reports or 500 (see ``bench/``).
The script writes text with ``textContent`` only: report text never becomes
markup.

The page has a search box (full text, or a policy term with its variants),
label filters, each paragraph's labels with the model's scores, terms coloured
by lexicon category (hover: canonical form, category, definition, first year)
and a legend. ``report.html#label=监督``, ``#q=专题询问``, ``#term=票决制`` and
``#doc=3`` open with that filter, search or document.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
from markupsafe import Markup

from .docnames import doc_table
from .palette import NONE_LABEL, color, styles, text_color, text_on
from .stats import group_columns, label_order, label_table, term_year_table
from .write import atomic_path

OPEN_ALL_BELOW = 400  # with more paragraphs than this, documents start collapsed
OVERVIEW_ROWS = 100  # overview rows shown before "显示全部"
CHART_DOCS = 30  # label-share chart per document up to this many documents, else per year (or place)
FONT_FAMILY = "policytag CJK"  # the embedded font's name in the page's CSS
KIND = {"body": 0, "heading": 1, "glossary": 2}
PERIOD = {None: 0, "review": 1, "plan": 2}

Progress = Callable[[str, int, int], None]  # (stage, done, total)


# --------------------------------------------------------------------------- templates


def _template(name: str) -> str:
    return resources.files("policytag").joinpath("templates", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FunctionLoader(_template), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["json_script"] = json_script
    return env


def json_script(value: Any) -> Markup:
    """``value`` as JSON safe inside ``<script type="application/json">`` (``<``, ``>``, ``&`` escaped).

    Real UTF-8, not ``\\uXXXX``: Chinese text takes 3 bytes a character instead of 6.
    """
    text = orjson.dumps(value).decode("utf-8")
    for ch, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                     ("\u2029", "\\u2029")):
        text = text.replace(ch, code)
    return Markup(text)


# --------------------------------------------------------------------------- lexicon definitions


def load_definitions(path: str | Path | list[str] | None) -> dict[str, dict[str, Any]]:
    """canonical term -> {category, definition, since}, through the one lexicon loader.

    Any dictionary format, loaded by ``policytag.lexicon.load_lexicon`` like everywhere else: a
    missing, broken or oversized lexicon is a ConfigError, never ignored ({} only when ``path``
    is None). Variants map to their entry too, so a surface form finds its definition.
    """
    lexicon = _lexicon(path)
    return definitions_of(lexicon) if lexicon is not None else {}


def _lexicon(path: str | Path | list[str] | None) -> Any:
    from .lexicon import load_lexicon

    return None if path is None else load_lexicon(path)


def definitions_of(lexicon: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in lexicon:
        info = {"category": entry.category, "definition": entry.definition, "since": entry.since}
        out.setdefault(entry.term, info)
        for variant in entry.variants:
            out.setdefault(variant, info)
    return out


def category_definitions(path: str | Path | list[str] | None) -> dict[str, str]:
    """The lexicon's categories and their definitions ("" where none), for the page's legend."""
    lexicon = _lexicon(path)
    return dict(lexicon.categories) if lexicon is not None else {}


def default_lexicon_path(config: dict[str, Any] | None) -> Path | None:
    from .resources import resolve

    name = (config or {}).get("match", {}).get("lexicon", "policy_terms.yaml")
    if isinstance(name, list):
        name = name[-1] if name else "policy_terms.yaml"
    name = str(name).removeprefix("+")
    try:
        return resolve(str(name), "lexicons")
    except FileNotFoundError:
        return None


# --------------------------------------------------------------------------- paragraph data


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


class _Interned:
    """Strings stored once in the page and referred to by number."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.items: list[Any] = []

    def __call__(self, key: Any, item: Any = None) -> int:
        if key not in self.index:
            self.index[key] = len(self.items)
            self.items.append(key if item is None else item)
        return self.index[key]


def _doc_rows(frame: pd.DataFrame, docs: pd.DataFrame) -> list[tuple[str, list[int]]]:
    """Row positions of each document (in ``docs`` order), paragraphs in reading order."""
    positions = frame.groupby("doc_id", sort=False, dropna=False).indices
    index = frame["index"].tolist() if "index" in frame else [None] * len(frame)
    out = []
    for doc_id in docs["doc_id"]:
        rows = sorted(positions[doc_id].tolist(), key=lambda i: (index[i] is None or pd.isna(index[i]),
                                                                 0 if index[i] is None or pd.isna(index[i])
                                                                 else index[i], i))
        out.append((doc_id, rows))
    return out


def _percent(score: Any) -> int | None:
    return None if score is None or pd.isna(score) else round(float(score) * 100)


def _kind(heading: Any, glossary: Any) -> int:
    return KIND["heading"] if heading else (KIND["glossary"] if glossary else KIND["body"])


def _payload(frame: pd.DataFrame, docs: pd.DataFrame, doc_rows: list[tuple[str, list[int]]], labels: list[str],
             definitions: dict[str, dict[str, Any]], progress: Progress | None = None) -> dict[str, Any]:
    """Everything the page's script draws, in compact arrays (see ``templates/report.js``).

    A paragraph is ``[text, kind, period, section, labels, scores, terms]``:
    ``kind`` 0 body / 1 heading / 2 glossary, ``period`` 0 – / 1 回顾 / 2 部署,
    ``section`` an index into ``sections``, ``labels`` indexes into ``labels``,
    ``scores`` per label in percent (null = no score), ``terms`` flat
    ``[start, end, term]`` triples with ``term`` an index into ``terms``
    (``[canonical, category, definition, since]``).
    """
    label_index = {label: i for i, label in enumerate(labels)}
    sections, terms = _Interned(), _Interned()
    n_rows = len(frame)
    column = {c: (frame[c].tolist() if c in frame else [None] * n_rows)
              for c in ("text", "is_heading", "is_glossary", "period", "section", "labels", "scores", "terms", "start")}
    out_docs = []
    for n, (_doc_id, rows) in enumerate(doc_rows):
        paragraphs = []
        for i in rows:
            text, start, scores = column["text"][i], column["start"][i], column["scores"][i]
            spans = []
            for a, b, term in _locate(text, list(column["terms"][i]), start):
                canonical = str(term.get("canonical") or term.get("term"))
                info = definitions.get(canonical) or definitions.get(str(term.get("term"))) or {}
                category = term.get("category") or info.get("category")
                spans += [a, b, terms((canonical, category), [canonical, category, info.get("definition"),
                                                              info.get("since")])]
            scores = scores if isinstance(scores, dict) else {}
            paragraphs.append([
                text, _kind(column["is_heading"][i], column["is_glossary"][i]), PERIOD.get(column["period"][i], 0),
                sections(" › ".join(column["section"][i])),
                [label_index.setdefault(lab, len(label_index)) for lab in column["labels"][i]],
                [_percent(scores.get(lab)) for lab in labels[:-1]],
                spans,
            ])
        doc = docs.iloc[n]
        out_docs.append({"name": doc["name"], "file": doc["file"], "paras": paragraphs})
        if progress is not None and (n % 20 == 19 or n == len(docs) - 1):
            progress("page", n + 1, len(docs))
    all_labels = list(label_index)
    # labels keep their fixed colours; the categories met get colours told apart from each other
    colours = {name: [color(name), text_color(name), False] for name in all_labels}
    found = sorted({t[1] for t in terms.items if t[1]})
    colours.update({name: [c, text_on(c), repeated] for name, (c, repeated) in styles(found).items()})
    return {"labels": all_labels, "colors": colours,
            "terms": terms.items, "sections": sections.items, "docs": out_docs,
            "openAll": len(frame) <= OPEN_ALL_BELOW}


# --------------------------------------------------------------------------- page parts


def _overview(frame: pd.DataFrame, docs: pd.DataFrame, doc_rows: list[tuple[str, list[int]]],
              labels: list[str]) -> list[dict[str, Any]]:
    """One row per document for the overview table: counts per label and the top terms."""
    column = {c: frame[c].tolist() for c in ("labels", "terms")}
    rows = []
    for (_doc_id, positions), doc in zip(doc_rows, docs.to_dict("records"), strict=True):
        counts = Counter(label for i in positions for label in (column["labels"][i] or [NONE_LABEL]))
        top = Counter(str(t.get("canonical") or t.get("term")) for i in positions
                      for t in column["terms"][i]).most_common(5)
        size = len(positions)
        rows.append({"n": len(rows), "name": doc["name"], "place": doc["place"] or "", "year": doc["year"] or "",
                     "paragraphs": size, "counts": [counts.get(label, 0) for label in labels],
                     "shares": [counts.get(label, 0) / size if size else 0.0 for label in labels], "top": top})
    return rows


def _chart_group(frame: pd.DataFrame, max_docs: int = CHART_DOCS) -> str:
    """Bars per document while they fit; per year (else place) for large inputs."""
    if frame["doc_id"].nunique() <= max_docs:
        return "doc"
    return "year" if frame["year"].notna().any() else "place"


def charts_svg(frame: pd.DataFrame, labels: Sequence[str], font_setting: str = "",
               names: dict[str, str] | None = None) -> tuple[list[str], str]:
    """Inline SVG charts (label shares, term trends) and a note (pages, or why they could not be drawn)."""
    try:
        from . import plot

        font = plot.cjk_font(font_setting)
        key = _chart_group(frame)
        wide = plot.share_matrix(label_table(frame, [key], labels), group_columns([key]), names)
        svgs = [plot.figure_svg(chart.figure) for chart in plot.label_share_charts(wide, font)]
        trends = term_year_table(frame)
        if len(trends):
            svgs.append(plot.figure_svg(plot.term_trends_figure(trends, font, plot.term_categories(frame))))
        return svgs, plot.pages_note(wide)
    except Exception as exc:  # charts are an extra: the page is still useful without them
        return [], f"charts not drawn: {exc}"


def _page_text(payload: dict[str, Any], parts: list[str]) -> str:
    """Every character the page can show, for the embedded font subset."""
    chars = set("".join(parts))
    chars.update("".join(str(x) for x in payload["labels"]))
    for term in payload["terms"]:
        chars.update("".join(str(x) for x in term if x is not None))
    chars.update("".join(payload["sections"]))
    for doc in payload["docs"]:
        chars.update(doc["name"])
        for para in doc["paras"]:
            chars.update(para[0])
    return "".join(sorted(chars))


def embedded_font_css(text: str, font_setting: str = "") -> str:
    """``@font-face`` with a WOFF subset of the chart font holding just the glyphs of ``text``.

    fontTools cuts the subset (a few hundred kB for a few thousand characters
    instead of the 15 MB collection); the page then shows Chinese on machines
    without a CJK font.
    """
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    from .plot import cjk_font

    font = cjk_font(font_setting)
    if font.path.lower().endswith((".ttc", ".otc")):
        faces = TTCollection(font.path, lazy=True).fonts
        number = next((i for i, f in enumerate(faces) if f["name"].getBestFamilyName() == font.family), 0)
        face = TTFont(font.path, fontNumber=number, lazy=False)
    else:
        face = TTFont(font.path, lazy=False)
    options = subset.Options()
    options.flavor = "woff"  # zlib-compressed; every browser of the last ten years reads it
    options.layout_features = ["*"]
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(face)
    buf = io.BytesIO()
    face.flavor = "woff"
    face.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{FONT_FAMILY}"; font-display: block; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}')


def build_report(frame: pd.DataFrame, labels: Sequence[str] = (), definitions: dict[str, dict[str, Any]] | None = None,
                 title: str = "人大常委会工作报告 · 段落功能标注", charts: bool = True, font_setting: str = "",
                 embed_font: bool = False, progress: Progress | None = None,
                 categories: dict[str, str] | None = None) -> str:
    """The whole page as a string; ``categories`` (name -> definition, in the lexicon's order) orders
    and explains the legend of term colours.

    ``progress(stage, done, total)`` is told how far the page, charts and font are.
    """
    definitions = definitions or {}
    cat_counts = Counter(str(t.get("category")) for ts in frame["terms"] for t in ts if t.get("category"))
    order = label_order(frame, labels) + [NONE_LABEL]
    docs = doc_table(frame)
    doc_rows = _doc_rows(frame, docs)
    payload = _payload(frame, docs, doc_rows, order, definitions, progress)
    if charts and progress is not None:
        progress("charts", 0, 1)
    svgs, note = charts_svg(frame, labels, font_setting, dict(zip(docs["doc_id"], docs["short"], strict=True))) \
        if charts else ([], "")
    counts = Counter(label for ls in frame["labels"] for label in (ls or [NONE_LABEL]))
    met = sorted({t[1] for t in payload["terms"] if t[1]}, key=lambda c: (c not in order, c))
    # the lexicon's own order of categories first (a user's dictionary declares it), then the others
    met = [c for c in (categories or {}) if c in met] + [c for c in met if c not in (categories or {})]
    context = {
        "title": title,
        "generated": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "n_docs": len(docs),
        "n_paragraphs": len(frame),
        "n_definitions": len(definitions),
        "labels": [{"name": lab, "color": color(lab), "fg": text_color(lab), "count": counts.get(lab, 0)}
                   for lab in order],
        "categories": [{"name": c, "color": payload["colors"][c][0], "repeated": payload["colors"][c][2],
                        "count": cat_counts.get(c, 0), "definition": (categories or {}).get(c, "")} for c in met],
        "overview": _overview(frame, docs, doc_rows, order),
        "overview_rows": OVERVIEW_ROWS,
        "charts": [Markup(svg) for svg in svgs],  # matplotlib's SVG: its text is escaped or drawn as paths
        "chart_note": note,
        "canonical_terms": sorted({t[0] for t in payload["terms"]}),
        "data": payload,
        "css": Markup(_template("report.css")),
        "js": Markup(_template("report.js")),
        "font_css": "",
        "font_family": FONT_FAMILY,
    }
    if embed_font:
        if progress is not None:
            progress("font", 0, 1)
        visible = [title, *[r["name"] for r in context["overview"]], _template("report.html"), _template("report.js")]
        context["font_css"] = Markup(embedded_font_css(_page_text(payload, visible), font_setting))
    return _environment().get_template("report.html").render(context)


def write_report(frame: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
    """Build the page and write it atomically."""
    page = build_report(frame, **kwargs)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(path)
