"""Charts for a paper: label shares by group, term trends over years.

Every chart is written as PNG (300 dpi, 7 in = a full page width), SVG and
PDF, with Chinese everywhere (titles, axes, legend, 无标签 for unlabeled
paragraphs) and one colour per label/category taken from ``palette`` (the same
in every chart and in the HTML report). Group names run along the side of
horizontal bars, wrapped when long, so they never overlap; more groups than
fit on a page (``MAX_GROUPS``, and no taller than ``PAGE_ROWS_IN``) are drawn on
numbered pages and ``write_charts`` says so.

matplotlib is imported only here, with the Agg backend (no display needed).
Chinese needs a CJK font; ``cjk_font`` finds one in this order:

1. ``[stats] font`` in the config (a font file path, or a family name);
2. the Noto Sans CJK collection shipped by the ``noto-cjk-sans-otc`` PyPI package
   (SIL OFL 1.1; a project dependency, so plots work after ``pip install``);
3. a CJK font installed on the system (Noto Sans CJK, Source Han Sans,
   WenQuanYi, Droid Sans Fallback, SimHei, Microsoft YaHei, PingFang ...).

Without one, plotting stops with a ConfigError rather than drawing empty boxes.
SVGs store text as paths (``svg.fonttype = "path"``) and PDFs embed the font
(``pdf.fonttype = 42``), so both show the same everywhere, fonts installed or not.
"""

from __future__ import annotations

import io
import itertools
import math
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError
from .palette import NONE_LABEL, color, styles
from .write import atomic_path

# Family names tried on the system, best first (Simplified Chinese faces first).
SYSTEM_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans CJK JP",
    "Source Han Sans", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback", "Microsoft YaHei",
    "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "AR PL UMing CN", "Noto Serif CJK SC",
)
PACKAGED_FAMILY = "Noto Sans CJK SC"  # the face we use from the noto-cjk-sans-otc collection
FORMATS = ("png", "svg", "pdf")
DPI = 300  # PNG resolution: what journals ask for line art with text
WIDTH_IN = 7.0  # full text width of a journal page
MAX_GROUPS = 40  # bars per page of the label-share chart; more groups go on further pages
PAGE_ROWS_IN = 7.6  # inches of bars on one page (with title, axis and legend: a 9 in page at most)
ROW_IN, LINE_IN = 0.19, 0.15  # a bar's height, and what each further line of its wrapped name adds
WRAP_COLUMNS = 34  # group names wrap at this display width (a Chinese character is 2 columns)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":")


@dataclass(frozen=True)
class CJKFont:
    family: str  # name matplotlib knows it by
    path: str  # font file (a .ttc collection holds several faces)
    source: str  # "config", "package" or "system"


@dataclass
class Chart:
    """One chart to save: the figure and the file stem (``label_shares``, ``label_shares_p02`` ...)."""

    name: str
    figure: Any


def _matplotlib() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    return matplotlib


def _packaged_font_file() -> Path | None:
    try:
        import noto_cjk_sans_otc  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return path if path.is_file() else None


def _register(path: Path) -> list[str]:
    """Add a font file (every face of a collection) to matplotlib; return the family names."""
    from matplotlib import font_manager

    before = {f.name for f in font_manager.fontManager.ttflist}
    font_manager.fontManager.addfont(str(path))
    found = {f.name for f in font_manager.fontManager.ttflist if Path(f.fname) == path}
    return sorted(found or ({f.name for f in font_manager.fontManager.ttflist} - before))


@lru_cache(maxsize=8)
def cjk_font(configured: str = "") -> CJKFont:
    """The CJK font plots use (see the module docstring for the search order)."""
    _matplotlib()
    from matplotlib import font_manager

    if configured:
        path = Path(configured).expanduser()
        if path.is_file():
            families = _register(path)
            family = next((f for f in SYSTEM_FAMILIES if f in families), families[0] if families else None)
            if family:
                return CJKFont(family, str(path), "config")
            raise ConfigError(f"[stats] font: {path} holds no font matplotlib can read")
        for entry in font_manager.fontManager.ttflist:
            if entry.name == configured:
                return CJKFont(entry.name, entry.fname, "config")
        raise ConfigError(f"[stats] font: {configured!r} is neither a font file nor an installed font family")
    packaged = _packaged_font_file()
    if packaged is not None:
        families = _register(packaged)
        family = PACKAGED_FAMILY if PACKAGED_FAMILY in families else (families[0] if families else None)
        if family:
            return CJKFont(family, str(packaged), "package")
    installed = {entry.name: entry.fname for entry in font_manager.fontManager.ttflist}
    for family in SYSTEM_FAMILIES:
        if family in installed:
            return CJKFont(family, installed[family], "system")
    raise ConfigError("no Chinese (CJK) font found for charts: `pip install noto-cjk-sans-otc`, or install "
                      "fonts-noto-cjk (Debian/Ubuntu), or set [stats] font to a font file")


def missing_glyphs(text: str, font: CJKFont) -> list[str]:
    """Characters of ``text`` the font cannot draw (they would come out as empty boxes)."""
    cmap = _cmap(font.path, font.family)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


@lru_cache(maxsize=4)
def _cmap(path: str, family: str) -> frozenset[int]:
    from fontTools.ttLib import TTCollection, TTFont

    if path.lower().endswith((".ttc", ".otc")):
        fonts = TTCollection(path, lazy=True).fonts
        chosen = next((f for f in fonts if f["name"].getBestFamilyName() == family), fonts[0])
        return frozenset(chosen.getBestCmap())
    return frozenset(TTFont(path, lazy=True).getBestCmap())


def _style(font: CJKFont) -> dict[str, Any]:
    return {
        "font.family": [font.family, "DejaVu Sans"],
        "font.size": 9,
        "axes.titlesize": 11,
        "axes.unicode_minus": False,
        "svg.fonttype": "path",  # text as outlines: the SVG needs no font where it is shown
        "pdf.fonttype": 42,  # the font embedded as TrueType/CFF, not Type 3 (journals reject Type 3)
        "figure.dpi": 100,
        "savefig.dpi": DPI,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


# --------------------------------------------------------------------------- group names


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospace view: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, columns: int = WRAP_COLUMNS) -> str:
    """Break ``text`` into lines of at most ``columns`` display columns (at spaces when there are any)."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if display_width(candidate) <= columns:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:  # a word wider than a line (Chinese has no spaces): cut by characters
            if display_width(line + ch) > columns:
                lines.append(line)
                line = ""
            line += ch
    lines.append(line)
    return "\n".join(lines)


def _group_name(values: Sequence[Any], cols: Sequence[str], names: dict[str, str]) -> str:
    parts = []
    for col, value in zip(cols, values, strict=True):
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            parts.append("（空）")
        elif col == "doc_id":
            parts.append(names.get(str(value), str(value)))
        else:
            parts.append(str(value))
    return " ".join(parts) if parts else "全部"


def _group_order(table: pd.DataFrame, cols: Sequence[str], names: dict[str, str]) -> list[tuple]:
    """Groups in the table's order, documents in ``names`` order (natural) when grouped by document."""
    keys = list(dict.fromkeys(tuple(row) for row in table[list(cols)].itertuples(index=False, name=None)))
    if "doc_id" in cols and names:
        rank = {doc: i for i, doc in enumerate(names)}
        at = list(cols).index("doc_id")
        keys.sort(key=lambda k: rank.get(str(k[at]), len(rank)))
    return keys


# --------------------------------------------------------------------------- label shares


def share_matrix(labels: pd.DataFrame, group_cols: Sequence[str], names: dict[str, str] | None = None) -> pd.DataFrame:
    """Rows = groups (named), columns = labels (无标签 last), values = ``share_weighted``."""
    names = names or {}
    cols = list(group_cols)
    order = list(dict.fromkeys(lab for lab in labels["label"] if lab != NONE_LABEL))
    if NONE_LABEL in set(labels["label"]):
        order.append(NONE_LABEL)
    if not cols:
        wide = labels.groupby("label", sort=False)["share_weighted"].sum().reindex(order).fillna(0.0)
        return pd.DataFrame([wide.to_numpy()], index=["全部"], columns=order)
    keys = _group_order(labels, cols, names)
    key = pd.Series(list(labels[cols].itertuples(index=False, name=None)), index=labels.index)
    wide = labels.assign(_key=key).pivot_table(index="_key", columns="label", values="share_weighted",
                                               aggfunc="sum", sort=False)
    wide = wide.reindex(index=keys, columns=order).fillna(0.0)
    wide.index = [_group_name(k, cols, names) for k in keys]
    return wide


def label_shares_figure(wide: pd.DataFrame, font: CJKFont, page: int = 1, pages: int = 1) -> Any:
    """Horizontal stacked bars: per group (one row each), the weighted share of each label (sums to 1)."""
    _matplotlib()
    import matplotlib.pyplot as plt

    rows = [wrap(str(name)) for name in wide.index]
    with plt.rc_context(_style(font)):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, max(2.0, 1.3 + sum(_row_height(r) for r in rows))),
                               layout="constrained")
        y = list(range(len(rows)))
        left = [0.0] * len(rows)
        for label in wide.columns:
            values = wide[label].to_numpy()
            ax.barh(y, values, left=left, height=0.72, label=str(label), color=color(str(label)),
                    edgecolor="white", linewidth=0.4)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_yticks(y, rows)
        ax.invert_yaxis()  # first group on top, as read
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
        ax.set_xlabel("段落占比（多标签段落在各标签间均分）")
        title = "各组段落功能构成" + (f"（第 {page}/{pages} 页）" if pages > 1 else "")
        ax.set_title(title, loc="left")
        fig.legend(loc="outside lower center", ncols=min(len(wide.columns), 6), frameon=False, handlelength=1.2)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
    return fig


def _row_height(name: str) -> float:
    return ROW_IN + LINE_IN * name.count("\n")


def pages(wide: pd.DataFrame, per_page: int = MAX_GROUPS) -> list[pd.DataFrame]:
    """The groups cut into pages: at most ``per_page`` bars and ``PAGE_ROWS_IN`` inches of them each."""
    out, start, height = [], 0, 0.0
    for i, name in enumerate(wide.index):
        row = _row_height(wrap(str(name)))
        if i > start and (i - start >= per_page or height + row > PAGE_ROWS_IN):
            out.append(wide.iloc[start:i])
            start, height = i, 0.0
        height += row
    out.append(wide.iloc[start:])
    return out


def label_share_charts(wide: pd.DataFrame, font: CJKFont, per_page: int = MAX_GROUPS) -> Iterator[Chart]:
    """The label-share chart (from ``share_matrix``), one page at a time, drawn as they are asked for."""
    parts = pages(wide, per_page)
    for page, part in enumerate(parts, 1):
        name = "label_shares" if len(parts) == 1 else f"label_shares_p{page:02d}"
        yield Chart(name, label_shares_figure(part, font, page, len(parts)))


def pages_note(wide: pd.DataFrame, per_page: int = MAX_GROUPS, chart: str = "label_shares") -> str:
    """The notice that the groups did not fit on one page ("" when they did)."""
    n = len(pages(wide, per_page))
    if n == 1:
        return ""
    return (f"{chart}: {len(wide)} groups on {n} pages of up to {per_page} "
            f"({chart}_p01 … {chart}_p{n:02d}); --by year or --by place gives fewer groups")


# --------------------------------------------------------------------------- term trends


def term_trends_figure(trends: pd.DataFrame, font: CJKFont, categories: dict[str, str] | None = None) -> Any:
    """Lines: each term's mentions per 10,000 characters, year by year.

    A line takes its term's category colour (``categories``: term -> category);
    terms of one category differ by marker and dash.
    """
    _matplotlib()
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    categories = categories or {}
    seen: dict[str, int] = {}
    with plt.rc_context(_style(font)):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.6), layout="constrained")
        for term, part in trends.groupby("term", sort=False):
            part = part.sort_values("year")
            category = categories.get(str(term)) or str(term)
            n = seen[category] = seen.get(category, -1) + 1
            legend = f"{term}（{categories[str(term)]}）" if str(term) in categories else str(term)
            ax.plot(part["year"].astype(int), part["per_10k_chars"], label=wrap(legend, 20), color=color(category),
                    marker=MARKERS[n % len(MARKERS)], linestyle=LINESTYLES[n % len(LINESTYLES)],
                    markersize=4, linewidth=1.4)
        years = sorted(trends["year"].astype(int).unique()) if len(trends) else []
        if years and len(years) <= 12:
            ax.set_xticks(years, [str(y) for y in years])
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("年份")
        ax.set_ylabel("每万字出现次数")
        ax.set_title("政策词语年度变化", loc="left")
        if len(trends):
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


# --------------------------------------------------------------------------- category rates


def rate_matrix(categories: pd.DataFrame, group_cols: Sequence[str], names: dict[str, str] | None = None
                ) -> pd.DataFrame:
    """Rows = groups (named), columns = lexicon categories (most matches first), values = per 10k chars."""
    names = names or {}
    cols = list(group_cols)
    order = list(categories.groupby("category", sort=False)["count"].sum().sort_values(ascending=False).index)
    if not cols:
        wide = categories.groupby("category", sort=False)["per_10k_chars"].sum().reindex(order).fillna(0.0)
        return pd.DataFrame([wide.to_numpy()], index=["全部"], columns=order)
    keys = _group_order(categories, cols, names)
    key = pd.Series(list(categories[cols].itertuples(index=False, name=None)), index=categories.index)
    wide = categories.assign(_key=key).pivot_table(index="_key", columns="category", values="per_10k_chars",
                                                   aggfunc="sum", sort=False)
    wide = wide.reindex(index=keys, columns=order).fillna(0.0)
    wide.index = [_group_name(k, cols, names) for k in keys]
    return wide


def category_rates_figure(wide: pd.DataFrame, font: CJKFont, page: int = 1, pages: int = 1) -> Any:
    """Horizontal stacked bars: per group, lexicon matches per 10,000 characters, one colour per category.

    Categories are told apart by ``palette.styles`` (a user's lexicon may have ten or twenty); past the
    palette, repeated colours are hatched.
    """
    _matplotlib()
    import matplotlib.pyplot as plt

    rows = [wrap(str(name)) for name in wide.index]
    looks = styles([str(c) for c in wide.columns])
    with plt.rc_context(_style(font)):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, max(2.0, 1.3 + sum(_row_height(r) for r in rows))),
                               layout="constrained")
        y = list(range(len(rows)))
        left = [0.0] * len(rows)
        for cat in wide.columns:
            values = wide[cat].to_numpy()
            colour, repeated = looks[str(cat)]
            ax.barh(y, values, left=left, height=0.72, label=str(cat), color=colour,
                    hatch="//" if repeated else None, edgecolor="white", linewidth=0.4)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_yticks(y, rows)
        ax.invert_yaxis()
        ax.set_xlabel("每万字词语数（按词表类别）")
        ax.set_title("各组词表类别密度" + (f"（第 {page}/{pages} 页）" if pages > 1 else ""), loc="left")
        fig.legend(loc="outside lower center", ncols=min(len(wide.columns), 5), frameon=False, handlelength=1.2)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
    return fig


def category_rate_charts(wide: pd.DataFrame, font: CJKFont, per_page: int = MAX_GROUPS) -> Iterator[Chart]:
    parts = pages(wide, per_page)
    for page, part in enumerate(parts, 1):
        name = "category_rates" if len(parts) == 1 else f"category_rates_p{page:02d}"
        yield Chart(name, category_rates_figure(part, font, page, len(parts)))


def term_categories(frame: pd.DataFrame) -> dict[str, str]:
    """canonical term -> its lexicon category, from the tagged paragraphs."""
    out: dict[str, str] = {}
    for terms in frame["terms"]:
        for term in terms:
            if term.get("category") and term.get("canonical") not in out:
                out[str(term["canonical"])] = str(term["category"])
    return out


# --------------------------------------------------------------------------- files


def save_figure(fig: Any, stem: Path) -> list[Path]:
    """``stem``.png (300 dpi), .svg and .pdf, each written atomically."""
    import matplotlib.pyplot as plt

    written = []
    for fmt in FORMATS:
        target = stem.with_suffix(f".{fmt}")
        with atomic_path(target) as tmp, plt.rc_context({"svg.fonttype": "path", "pdf.fonttype": 42}):
            # constrained layout keeps titles, names and legends inside the figure: no "tight" pass,
            # which would draw every chart twice
            fig.savefig(tmp, format=fmt, dpi=DPI, metadata={"Software": None} if fmt == "png" else None)
        written.append(target)
    plt.close(fig)
    return written


def figure_svg(fig: Any) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog), for HTML pages."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with plt.rc_context({"svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def write_charts(labels: pd.DataFrame, group_cols: Sequence[str], trends: pd.DataFrame, out_dir: str | Path,
                 font: CJKFont, names: dict[str, str] | None = None, categories: dict[str, str] | None = None,
                 category_rates: pd.DataFrame | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> tuple[list[Path], list[str]]:
    """Every chart of ``policytag stats --plot DIR``; returns the files and the notices (pages).

    The trend chart is drawn only when years are known, the category chart when terms carry
    categories (``category_rates``: the ``stats`` categories table). ``progress("charts", done,
    total)`` is called after each chart is saved.
    """
    out = Path(out_dir)
    wide = share_matrix(labels, group_cols, names)
    rates = None
    if category_rates is not None and len(category_rates) and category_rates["count"].sum() > 0:
        rates = rate_matrix(category_rates, group_cols, names)
    charts = [label_share_charts(wide, font)] + ([category_rate_charts(rates, font)] if rates is not None else [])
    total = len(pages(wide)) + (len(pages(rates)) if rates is not None else 0) + bool(len(trends))
    written: list[Path] = []
    for done, chart in enumerate(itertools.chain(*charts), 1):
        written += save_figure(chart.figure, out / chart.name)
        if progress is not None:
            progress("charts", done, total)
    if len(trends):
        written += save_figure(term_trends_figure(trends, font, categories), out / "term_trends")
        if progress is not None:
            progress("charts", total, total)
    notes = [pages_note(wide)] + ([pages_note(rates, chart="category_rates")] if rates is not None else [])
    return written, [note for note in notes if note]


def chart_names(paths: Sequence[Path]) -> str:
    """``label_shares_p01 … p13 (13 pages), term_trends`` for a summary line."""
    stems = list(dict.fromkeys(p.stem for p in paths))
    groups = [(k, list(g)) for k, g in itertools.groupby(stems, key=lambda s: s.split("_p")[0])]
    return ", ".join(k if len(g) == 1 else f"{k} ({len(g)} pages)" for k, g in groups)
