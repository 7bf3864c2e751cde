"""layout: boxes on a page -> lines in reading order (columns left to right, each top to bottom)."""

from __future__ import annotations

import random

import pytest

from policytag.layout import Box, lines, reading_order


def row(y: float, x0: float, text: str, h: float = 10, char: float = 10) -> Box:
    return Box(x0, y, x0 + char * len(text), y + h, text)


def texts(boxes: list[Box]) -> list[str]:
    return [ln.text for ln in lines(boxes)]


LEFT = ["左栏第一行文字内容较长", "左栏第二行文字内容较长", "左栏第三行结束。"]
RIGHT = ["右栏第一行文字内容较长", "右栏第二行文字内容较长", "右栏第三行结束。"]


def two_columns(top: float = 0) -> list[Box]:
    """Rows drawn across both columns, the order an e-paper PDF often lists its text in."""
    out = []
    for i, (left, right) in enumerate(zip(LEFT, RIGHT, strict=True)):
        out += [row(top + 14 * i, 0, left), row(top + 14 * i, 140, right)]
    return out


def test_two_columns_read_column_by_column() -> None:
    assert texts(two_columns()) == LEFT + RIGHT


def test_order_of_the_input_does_not_matter() -> None:
    boxes = two_columns()
    random.Random(7).shuffle(boxes)
    assert texts(boxes) == LEFT + RIGHT


def test_headline_across_columns_and_a_second_block_of_columns() -> None:
    title = row(-30, 20, "标题横跨两栏的一行文字标题横跨两栏")
    middle = row(60, 0, "通栏的一段文字把上下两组分栏隔开，宽度超过两栏之间的空白")
    boxes = [title, *two_columns(), middle, *two_columns(top=90)]
    assert texts(boxes) == [title.text, *LEFT, *RIGHT, middle.text, *LEFT, *RIGHT]


def test_right_column_starting_lower_still_follows_the_left_one() -> None:
    boxes = [row(14 * i, 0, t) for i, t in enumerate(LEFT + ["左栏第四行继续文字内容"])]
    boxes += [row(30 + 14 * i, 140, t) for i, t in enumerate(RIGHT)]
    assert texts(boxes) == LEFT + ["左栏第四行继续文字内容"] + RIGHT


def test_a_table_with_short_cells_is_read_row_by_row() -> None:
    cells = [("项目", "数量", "备注"), ("专项报告", "12", "听取"), ("执法检查", "4", "开展")]
    boxes = [row(14 * i, 150 * j, cell) for i, r in enumerate(cells) for j, cell in enumerate(r)]
    assert texts(boxes) == ["项目 数量 备注", "专项报告 12 听取", "执法检查 4 开展"]


def test_runs_on_one_line_join_without_a_space_when_close() -> None:
    boxes = [row(0, 0, "常委会"), row(0, 31, "依法履职")]
    assert texts(boxes) == ["常委会依法履职"]


def test_indented_first_line_is_marked() -> None:
    body = [row(0, 20, "第一段首行缩进两个字的文字"), row(14, 0, "第一段第二行顶格书写的文字"),
            row(28, 20, "第二段首行缩进两个字的文字"), row(42, 0, "第二段第二行顶格书写结束。")]
    out = texts(body)
    assert [t.startswith("\u3000\u3000") for t in out] == [True, False, True, False]


def test_ocr_boxes_that_touch_stay_separate_lines() -> None:
    # OCR line boxes overlap their neighbours by a few pixels
    boxes = [Box(0, 0, 300, 34, "第一行", 0.9), Box(0, 30, 300, 64, "第二行", 0.8), Box(0, 60, 300, 94, "第三行", 1.0)]
    out = lines(boxes)
    assert [ln.text for ln in out] == ["第一行", "第二行", "第三行"]
    assert [ln.score for ln in out] == pytest.approx([0.9, 0.8, 1.0])


def test_nothing_is_lost_or_duplicated() -> None:
    rng = random.Random(3)
    boxes = [row(rng.randrange(0, 800), rng.randrange(0, 500), f"字{i}") for i in range(200)]
    ordered = reading_order(boxes)
    assert sorted(id(b) for ln in ordered for b in ln) == sorted(id(b) for b in boxes)


def test_empty() -> None:
    assert lines([]) == [] and reading_order([Box(0, 0, 1, 1, "")]) == []
