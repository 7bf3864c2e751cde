"""Charts for a paper: 300 dpi PNG + SVG + PDF, Chinese names, no overlapping labels, pages, fixed colours."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from click.testing import CliRunner
from test_stats import make_records, write_jsonl

from policytag import palette, stats
from policytag.cli import cli

plot = pytest.importorskip("policytag.plot")


@pytest.fixture(scope="module")
def font() -> plot.CJKFont:
    return plot.cjk_font()


def _label_table(groups: int, labels: tuple[str, ...] = ("监督", "立法")) -> pd.DataFrame:
    rows = []
    for g in range(groups):
        for i, label in enumerate((*labels, palette.NONE_LABEL)):
            rows.append({"place": f"某某自治州某某县第{g}号很长很长的地方名称", "label": label,
                         "share_weighted": (i + 1) / 10})
    return pd.DataFrame(rows)


def test_charts_are_300_dpi_png_svg_and_pdf(tmp_path: Path) -> None:
    from PIL import Image

    tagged = write_jsonl(tmp_path / "t.jsonl", make_records())
    result = CliRunner().invoke(cli, ["stats", str(tagged), "--by", "place", "--plot", str(tmp_path / "c"),
                                      "--first-mention", "票决制"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "c").iterdir())
    stems = ("label_shares", "category_rates", "term_trends")
    assert names == sorted(f"{stem}.{fmt}" for stem in stems for fmt in ("png", "svg", "pdf"))
    for stem in stems:
        image = Image.open(tmp_path / "c" / f"{stem}.png")
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.5)
        assert image.width >= 1800  # about 7 in at 300 dpi (a page width), trimmed to the drawing
        pdf = (tmp_path / "c" / f"{stem}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and b"/Type3" not in pdf  # the font embedded, not as Type 3 glyphs
        assert re.search(rb"/FontFile[23]?", pdf)


def test_chart_text_is_chinese_and_documents_are_named(tmp_path: Path) -> None:
    tagged = write_jsonl(tmp_path / "t.jsonl", make_records())
    result = CliRunner().invoke(cli, ["stats", str(tagged), "--by", "doc", "--plot", str(tmp_path / "c")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "c" / "label_shares.svg").read_text(encoding="utf-8")
    texts = re.findall(r"<!-- (.*?) -->", svg)  # matplotlib notes each drawn string beside its outlines
    assert "无标签" in texts and "(none)" not in svg
    assert "甲市 2019" in texts and "丙县 2022" in texts  # place + year, not the doc id
    assert not any("jia-2019" in t for t in texts)


def _tick_boxes(fig: object) -> list:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    return [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]


def test_group_names_never_overlap(font: plot.CJKFont) -> None:
    wide = plot.share_matrix(_label_table(plot.MAX_GROUPS), ["place"])
    fig = plot.label_shares_figure(wide, font)
    boxes = _tick_boxes(fig)
    assert len(boxes) == plot.MAX_GROUPS
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert not a.overlaps(b), "two group names overlap"
    assert all("\n" in t.get_text() for t in fig.axes[0].get_yticklabels())  # the long names were wrapped


def test_many_groups_are_paged_with_a_notice(tmp_path: Path, font: plot.CJKFont) -> None:
    from PIL import Image

    table = _label_table(2 * plot.MAX_GROUPS + 5)  # long names: two lines each, so fewer bars fit a page
    written, notes = plot.write_charts(table, ["place"], pd.DataFrame(), tmp_path, font)
    pngs = sorted(p for p in written if p.suffix == ".png")
    assert len(pngs) >= 3 and pngs[0].name == "label_shares_p01.png"
    assert notes and f"85 groups on {len(pngs)} pages" in notes[0]
    for png in pngs:
        assert Image.open(png).height <= 9 * 300  # a page fits a journal page (9 in at 300 dpi)
    bars = sum(len(part) for part in plot.pages(plot.share_matrix(table, ["place"])))
    assert bars == 85  # every group drawn, none dropped


def test_colours_are_fixed_per_label_across_charts(font: plot.CJKFont) -> None:
    def bar_colours(labels: tuple[str, ...]) -> dict[str, tuple]:
        fig = plot.label_shares_figure(plot.share_matrix(_label_table(3, labels), ["place"]), font)
        return {c.get_label(): c.patches[0].get_facecolor() for c in fig.axes[0].containers}

    import matplotlib.colors as mcolors

    one, other = bar_colours(("监督", "立法")), bar_colours(("代表工作", "监督", "某新标签"))
    assert one["监督"] == other["监督"] == mcolors.to_rgba(palette.color("监督"))
    assert one[palette.NONE_LABEL] == mcolors.to_rgba("#BBBBBB")
    functions = ("监督", "立法", "代表工作", "自身建设", "决定任免", "政治", "政策")
    assert len({palette.color(lab) for lab in functions}) == len(functions)


def test_label_shares_stay_in_order_and_sum_to_one(tmp_path: Path) -> None:
    frame = stats.load_tagged([write_jsonl(tmp_path / "t.jsonl", make_records())])
    wide = plot.share_matrix(stats.label_table(frame, ["place"]), ["place"])
    assert list(wide.columns)[-1] == palette.NONE_LABEL
    assert wide.sum(axis=1).round(9).eq(1.0).all()


def test_wrap_counts_chinese_as_two_columns() -> None:
    assert plot.display_width("甲乙ab") == 6
    lines = plot.wrap("一二三四五六七八九十一二三四五", 10).split("\n")
    assert lines == ["一二三四五", "六七八九十", "一二三四五"]
    assert plot.wrap("甲市 2019", 24) == "甲市 2019"


def test_many_user_categories_are_told_apart_then_hatched() -> None:
    from policytag import plot
    from policytag.palette import EXTRA, styles

    cats = [f"类别{i:02d}" for i in range(len(EXTRA) + 3)]
    wide = pd.DataFrame([[1.0] * len(cats)], index=["全部"], columns=cats)
    fig = plot.category_rates_figure(wide, plot.cjk_font())
    bars = fig.axes[0].patches
    colours = [matplotlib.colors.to_hex(b.get_facecolor()).upper() for b in bars]
    hatched = [bool(b.get_hatch()) for b in bars]
    assert len(set(colours[: len(EXTRA)])) == len(EXTRA) and not any(hatched[: len(EXTRA)])
    assert all(hatched[len(EXTRA):])  # past the palette: colours repeat, hatched
    assert colours == [styles(cats)[c][0].upper() for c in cats]  # the same styles as the HTML report
