"""Charts with Chinese text: label shares by group, term trends over years.

matplotlib is imported only here, with the Agg backend (no display needed).
Chinese needs a CJK font; ``cjk_font`` finds one in this order:

1. ``[stats] font`` in the config (a font file path, or a family name);
2. the Noto Sans CJK collection shipped by the ``noto-cjk-sans-otc`` PyPI package
   (SIL OFL 1.1; a project dependency, so plots work after ``pip install``);
3. a CJK font installed on the system (Noto Sans CJK, Source Han Sans,
   WenQuanYi, Droid Sans Fallback, SimHei, Microsoft YaHei, PingFang ...).

Without one, plotting stops with a ConfigError rather than drawing empty boxes.
SVGs store text as paths (``svg.fonttype = "path"``), so they show the same
everywhere, fonts installed or not.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError
from .write import atomic_path

# Family names tried on the system, best first (Simplified Chinese faces first).
SYSTEM_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans CJK JP",
    "Source Han Sans", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback", "Microsoft YaHei",
    "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "AR PL UMing CN", "Noto Serif CJK SC",
)
# Kelly's colours of maximum contrast (white and black left out): one per lexicon category, told apart
# with 10 and more categories; past 20 the colours repeat with a hatch (charts) or a dashed underline (HTML).
CATEGORY_COLORS = (
    "#F3C300", "#875692", "#F38400", "#A1CAF1", "#BE0032", "#C2B280", "#848482", "#008856", "#E68FAC", "#0067A5",
    "#F99379", "#604E97", "#F6A600", "#B3446C", "#DCD300", "#882D17", "#8DB600", "#654522", "#E25822", "#2B3D26",
)
PACKAGED_FAMILY = "Noto Sans CJK SC"  # the face we use from the noto-cjk-sans-otc collection
FORMATS = ("png", "svg")


@dataclass(frozen=True)
class CJKFont:
    family: str  # name matplotlib knows it by
    path: str  # font file (a .ttc collection holds several faces)
    source: str  # "config", "package" or "system"


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
        "axes.unicode_minus": False,
        "svg.fonttype": "path",  # text as outlines: the SVG needs no font where it is shown
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _group_label(row: pd.Series, cols: Sequence[str]) -> str:
    parts = [str(row[c]) if pd.notna(row[c]) else "—" for c in cols]
    return " ".join(parts) if parts else "全部"


def label_shares_figure(labels: pd.DataFrame, group_cols: Sequence[str], font: CJKFont,
                        max_groups: int = 60) -> Any:
    """Stacked bars: per group, the weighted share of paragraphs of each label (sums to 1)."""
    _matplotlib()
    import matplotlib.pyplot as plt

    table = labels.copy()
    table["_group"] = table.apply(_group_label, axis=1, cols=list(group_cols))
    order = list(dict.fromkeys(table["_group"]))[:max_groups]
    wide = table.pivot_table(index="_group", columns="label", values="share_weighted", aggfunc="sum", sort=False)
    wide = wide.reindex(index=order, columns=list(dict.fromkeys(table["label"]))).fillna(0.0)
    with plt.rc_context(_style(font)):
        width = min(max(4.0, 0.55 * len(order) + 2.5), 24.0)
        fig, ax = plt.subplots(figsize=(width, 4.2), layout="constrained")
        bottom = pd.Series(0.0, index=wide.index)
        colors = plt.get_cmap("tab10")
        for i, label in enumerate(wide.columns):
            color = "#bbbbbb" if label == "(none)" else colors(i % 10)
            ax.bar(range(len(order)), wide[label].to_numpy(), bottom=bottom.to_numpy(), label=label, color=color)
            bottom += wide[label]
        ax.set_xticks(range(len(order)), order, rotation=45 if len(order) > 4 else 0,
                      ha="right" if len(order) > 4 else "center")
        ax.set_ylim(0, 1)
        ax.set_ylabel("段落占比（多标签段落均分）")
        ax.set_title("各组段落功能构成")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def term_trends_figure(trends: pd.DataFrame, font: CJKFont) -> Any:
    """Lines: each term's mentions per 10,000 characters, year by year."""
    _matplotlib()
    import matplotlib.pyplot as plt

    with plt.rc_context(_style(font)):
        fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
        for term, part in trends.groupby("term", sort=False):
            part = part.sort_values("year")
            ax.plot(part["year"].astype(int), part["per_10k_chars"], marker="o", label=term)
        years = sorted(trends["year"].astype(int).unique()) if len(trends) else []
        if years:
            ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlabel("年份")
        ax.set_ylabel("每万字出现次数")
        ax.set_title("政策词语年度变化")
        if len(trends):
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def category_colors(categories: Sequence[str]) -> dict[str, tuple[str, bool]]:
    """category -> (colour, repeated): the same category gets the same colour in every chart and page."""
    return {c: (CATEGORY_COLORS[i % len(CATEGORY_COLORS)], i >= len(CATEGORY_COLORS))
            for i, c in enumerate(categories)}


def category_rates_figure(table: pd.DataFrame, group_cols: Sequence[str], font: CJKFont,
                          max_groups: int = 60) -> Any:
    """Stacked horizontal bars: per group, lexicon matches per 10,000 characters, one colour per category."""
    _matplotlib()
    import matplotlib.pyplot as plt

    table = table.copy()
    table["_group"] = table.apply(_group_label, axis=1, cols=list(group_cols)) if len(table) else []
    order = list(dict.fromkeys(table["_group"]))[:max_groups]
    cats = list(table.groupby("category", sort=False)["count"].sum().sort_values(ascending=False).index)
    wide = table.pivot_table(index="_group", columns="category", values="per_10k_chars", aggfunc="sum", sort=False)
    wide = wide.reindex(index=order, columns=cats).fillna(0.0)
    colors = category_colors(cats)
    with plt.rc_context(_style(font)):
        height = min(max(2.6, 0.38 * len(order) + 1.8), 24.0)
        fig, ax = plt.subplots(figsize=(8.5, height), layout="constrained")
        left = pd.Series(0.0, index=wide.index)
        for cat in cats:
            color, repeated = colors[cat]
            ax.barh(range(len(order)), wide[cat].to_numpy(), left=left.to_numpy(), label=cat, color=color,
                    hatch="//" if repeated else None, edgecolor="white", linewidth=0.4)
            left += wide[cat]
        ax.set_yticks(range(len(order)), order)
        ax.invert_yaxis()
        ax.set_xlabel("每万字词语数")
        ax.set_title("各组词典类别密度")
        ncol = 1 if len(cats) <= 12 else 2
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, ncol=ncol, fontsize="small")
    return fig


def save_figure(fig: Any, stem: Path) -> list[Path]:
    """``stem``.png and ``stem``.svg, each written atomically."""
    import matplotlib.pyplot as plt

    written = []
    for fmt in FORMATS:
        target = stem.with_suffix(f".{fmt}")
        with atomic_path(target) as tmp, plt.rc_context({"svg.fonttype": "path"}):
            fig.savefig(tmp, format=fmt, bbox_inches="tight")
        written.append(target)
    plt.close(fig)
    return written


def figure_svg(fig: Any) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog), for HTML pages."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with plt.rc_context({"svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def write_charts(labels: pd.DataFrame, group_cols: Sequence[str], trends: pd.DataFrame, out_dir: str | Path,
                 font: CJKFont, categories: pd.DataFrame | None = None) -> list[Path]:
    """All charts of ``policytag stats --plot DIR``; the trend chart only when years are known,
    the category chart when the terms carry categories."""
    out = Path(out_dir)
    written = save_figure(label_shares_figure(labels, group_cols, font), out / "label_shares")
    if len(trends):
        written += save_figure(term_trends_figure(trends, font), out / "term_trends")
    if categories is not None and len(categories) and categories["count"].sum() > 0:
        written += save_figure(category_rates_figure(categories, group_cols, font), out / "category_rates")
    return written
