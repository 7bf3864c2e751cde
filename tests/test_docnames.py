"""Documents named by place, year and title, in natural order; names stay unique."""

from __future__ import annotations

import pandas as pd

from policytag.docnames import doc_table, natural_key, short_names


def _frame(docs: list[tuple[str, str, str | None, int | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame([{"doc_id": d, "path": p, "place": place, "year": year, "title": title}
                         for d, p, place, year, title in docs])


def test_natural_order_puts_2_before_10() -> None:
    assert sorted(["报告_10", "报告_2", "报告_1"], key=natural_key) == ["报告_1", "报告_2", "报告_10"]


def test_names_short_names_and_fallbacks() -> None:
    frame = _frame([("b#1", "in/报告_10.txt", None, None, None), ("a#1", "in/报告_2.txt", None, None, None),
                    ("c#1", "in/x.txt", "甲市", 2020, "甲市人大常委会工作报告"),
                    ("d#1", "in/y.txt", None, None, "某县人大常委会工作报告")])
    table = doc_table(frame)
    assert list(table["doc_id"]) == ["c#1", "a#1", "b#1", "d#1"]  # place and year first, then the name shown
    assert list(table["name"]) == ["甲市 2020 · 甲市人大常委会工作报告", "报告_2", "报告_10", "某县人大常委会工作报告"]
    assert short_names(frame)["c#1"] == "甲市 2020"


def test_a_clash_of_names_is_told_apart() -> None:
    frame = _frame([(f"r{i}#1", f"in/r{i}.txt", "甲市", 2020, "工作报告") for i in (2, 1)])
    table = doc_table(frame)
    assert list(table["name"]) == ["甲市 2020 · 工作报告（r1）", "甲市 2020 · 工作报告（r2）"]
    assert list(table["short"]) == ["甲市 2020（1）", "甲市 2020（2）"]
