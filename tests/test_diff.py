"""``policytag diff OLD NEW``: paragraph alignment, character diff, terms/labels/indicators, the page in Chromium."""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from test_report import browser as _browser
from test_robustness import run_cli

from policytag import diff as df

# Two reports of one county, written for these tests.
HEAD = ("衡阳县人民代表大会常务委员会工作报告\n\n——{year}年1月6日在衡阳县第十八届人民代表大会第{n}次会议上\n\n"
        "各位代表：\n\n")
P_WORK_OLD = "一年来，县人大常委会共召开常委会会议12次，听取和审议专项工作报告20项，开展执法检查4次。"
P_WORK_NEW = "一年来，县人大常委会共召开常委会会议10次，听取和审议专项工作报告22项，开展执法检查3次。"
P_INQUIRY = "围绕优化营商环境开展专题询问，推动解决企业反映强烈的审批难题一百二十项，督促整改到位。"
P_LINK = "组织代表深入开展“双联”活动，代表联系群众四百余人次，收集意见建议一百多条。"
P_GONE = "常委会机关开展了作风建设年活动，修订完善了考勤、财务、公文等各项管理制度十五项。"
P_PLAN = "全面推行民生实事项目代表票决制，把人民群众的急难愁盼作为监督工作的重点。"
P_FRESH = "首次开展国有资产管理情况综合审议，对全县行政事业性国有资产形成审议意见八条。"
HOSTILE = "<script>alert(1)</script>新增的一段文字，含有网页标记和=HYPERLINK(\"x\")。"


def old_report() -> str:
    body = "\n\n".join([P_WORK_OLD, P_INQUIRY, P_LINK, P_GONE])
    return HEAD.format(year=2022, n="一") + f"一、过去一年的主要工作\n\n{body}\n\n二、今年的主要任务\n\n{P_PLAN}\n"


def new_report() -> str:
    body = "\n\n".join([P_WORK_NEW, P_LINK, P_INQUIRY, P_FRESH, HOSTILE])
    return HEAD.format(year=2023, n="二") + f"一、过去一年的主要工作\n\n{body}\n\n二、今年的主要任务\n\n{P_PLAN}\n"


@pytest.fixture()
def pair(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text(old_report(), encoding="utf-8")
    new.write_text(new_report(), encoding="utf-8")
    return old, new


@pytest.fixture()
def tables(pair: tuple[Path, Path], tmp_path: Path) -> dict[str, pd.DataFrame]:
    out = tmp_path / "out" / "diff.csv"
    code, _, err = run_cli("diff", str(pair[0]), str(pair[1]), "-o", str(out))
    assert code == 0, err
    names = {"paragraphs": out, **{n: out.with_name(f"diff_{n}.csv") for n in ("terms", "labels", "indicators")}}
    return {n: pd.read_csv(p, encoding="utf-8-sig") for n, p in names.items()}


@pytest.fixture()
def page(pair: tuple[Path, Path], tmp_path: Path) -> Path:
    out = tmp_path / "diff.html"
    code, _, err = run_cli("diff", str(pair[0]), str(pair[1]), "-o", str(out))
    assert code == 0, err
    return out


def test_docstring_examples_run() -> None:
    result = doctest.testmod(df)
    assert result.attempted > 0 and result.failed == 0


def test_alignment_handles_moves_and_order() -> None:
    rows = df.align_paragraphs(["一二三四五六七", "甲乙丙丁戊己庚", "旧段落被删除了"],
                               ["甲乙丙丁戊己庚", "一二三四五六七", "全新段落内容呀"])
    assert {(r.status, r.old, r.new) for r in rows} == {("kept", 1, 0), ("kept", 0, 1), ("new", None, 2),
                                                         ("dropped", 2, None)}
    assert sum(r.moved for r in rows) == 1
    assert [r.new for r in rows if r.new is not None] == [0, 1, 2]  # the new report's order


def test_paragraph_statuses(tables: dict[str, pd.DataFrame]) -> None:
    p = tables["paragraphs"]
    by_new = {t: s for t, s in zip(p["new_text"], p["status"], strict=True) if isinstance(t, str)}
    assert by_new[P_WORK_NEW] == "rewritten" and by_new[P_INQUIRY] == "kept" and by_new[P_LINK] == "kept"
    assert by_new[P_FRESH] == "new" and by_new[P_PLAN] == "kept"
    assert p.loc[p["old_text"] == P_GONE, "status"].tolist() == ["dropped"]
    assert p["moved"].sum() == 1  # 专题询问 now comes after 双联
    assert (p["status"] == "rewritten").sum() == 2  # and the meeting line under the title (year, session)
    work = p[p["new_text"] == P_WORK_NEW].iloc[0]
    assert work["changes"] == P_WORK_OLD.replace("12次", "1[-2-]{+0+}次").replace("20项", "2[-0-]{+2+}项") \
        .replace("4次", "[-4-]{+3+}次")
    assert work["chars_deleted"] == 3 and work["chars_inserted"] == 3


def test_offsets_index_the_originals(tables: dict[str, pd.DataFrame], pair: tuple[Path, Path]) -> None:
    old_raw, new_raw = (p.read_text(encoding="utf-8") for p in pair)
    for row in tables["paragraphs"].itertuples():
        if isinstance(row.old_text, str):
            assert old_raw[int(row.old_start) : int(row.old_end)] == row.old_text
        if isinstance(row.new_text, str):
            assert new_raw[int(row.new_start) : int(row.new_end)].startswith(row.new_text[:5])


def test_terms_labels_and_indicators_side_by_side(tables: dict[str, pd.DataFrame]) -> None:
    terms = tables["terms"].set_index("term")
    assert terms.loc["双联", "status"] == "kept" and terms.loc["双联", "old_count"] == 1
    assert (terms["status"] == "new").sum() >= 1
    labels = tables["labels"]
    assert labels["old_share"].sum() == pytest.approx(1, abs=1e-3)
    assert labels["new_share"].sum() == pytest.approx(1, abs=1e-3)
    ind = tables["indicators"].set_index("indicator")
    assert (ind.loc["sessions", "old_value"], ind.loc["sessions", "new_value"], ind.loc["sessions", "change"]) == \
        (12, 10, -2)
    assert ind.loc["reports_heard", "change"] == 2


def test_csv_cells_never_become_formulas(tables: dict[str, pd.DataFrame]) -> None:
    texts = tables["paragraphs"]["new_text"].dropna()
    assert not any(t.startswith("=") for t in texts)


def test_page_is_escaped_and_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert(1)" not in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "<del>2</del>" in text and "<ins>0</ins>" in text
    assert text.count('class="row ') == 12


def test_browser_shows_every_row_and_filters_by_status(page: Path, tmp_path: Path) -> None:
    dom = _browser(page.as_uri(), tmp_path, "--dump-dom").stdout
    assert "显示 12 / 12 段" in dom and "首次开展国有资产" in dom
    assert "alert(1)" in dom and "<script>alert(1)" not in dom  # shown as text, not run
    dom = _browser(page.as_uri() + "#status=" + quote("new"), tmp_path, "--dump-dom").stdout
    visible = re.findall(r'<div class="row (\w+)[^"]*" data-status="\w+">', dom)
    assert sorted(visible) == ["new", "new"] and "显示 2 / 12 段" in dom


def test_browser_screenshot_is_drawn(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    result = _browser(page.as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1200,1600")
    assert shot.is_file(), result.stderr[-500:]
    import numpy as np
    from PIL import Image

    assert len(np.unique(np.asarray(Image.open(shot).convert("L")))) > 20


def test_tagged_files_give_the_same_statuses(pair: tuple[Path, Path], tables: dict[str, pd.DataFrame],
                                             tmp_path: Path) -> None:
    tagged = []
    for path in pair:
        out = tmp_path / f"{path.stem}.jsonl"
        assert run_cli("tag", str(path), "-o", str(out))[0] == 0
        tagged.append(out)
    out = tmp_path / "t.xlsx"
    code, _, err = run_cli("diff", str(tagged[0]), str(tagged[1]), "-o", str(out))
    assert code == 0, err
    sheets = pd.read_excel(out, sheet_name=None)
    assert sheets["paragraphs"]["status"].tolist() == tables["paragraphs"]["status"].tolist()
    assert "indicators" in sheets  # the originals were found through the records' path


def test_bad_inputs_are_one_line_and_exit_2(pair: tuple[Path, Path], tmp_path: Path) -> None:
    code, _, err = run_cli("diff", str(pair[0]), str(tmp_path / "missing.txt"), "-o", str(tmp_path / "d.html"))
    assert code == 2 and err.strip().count("\n") == 0 and "NEW" in err and "file not found" in err
    two = tmp_path / "two.jsonl"
    assert run_cli("tag", str(pair[0]), str(pair[1]), "-o", str(two))[0] == 0
    code, _, err = run_cli("diff", str(two), str(pair[1]))
    assert code == 2 and "holds 2 documents" in err
    new_csv = tmp_path / "new.csv"
    assert run_cli("tag", str(pair[1]), "-o", str(new_csv))[0] == 0
    before = new_csv.read_bytes()
    code, _, err = run_cli("diff", str(pair[0]), str(new_csv), "-o", str(new_csv))
    assert code == 2 and "is also an input" in err and new_csv.read_bytes() == before
    code, _, err = run_cli("diff", str(pair[0]), str(pair[1]), "-o", str(tmp_path / "d.txt"))
    assert code == 2 and "unknown output type" in err


def test_without_output_prints_the_counts(pair: tuple[Path, Path]) -> None:
    code, out, _ = run_cli("diff", str(pair[0]), str(pair[1]))
    assert code == 0 and out.startswith("kept 7, rewritten 2, new 2, dropped 1 (moved 1)")


def test_diff_of_two_seeds(seeds_dir: Path, tmp_path: Path) -> None:
    seeds = sorted(seeds_dir.glob("*.txt"))
    code, _, err = run_cli("diff", str(seeds[3]), str(seeds[4]), "-o", str(tmp_path / "d.html"))
    assert code == 0, err
    assert (tmp_path / "d.html").stat().st_size > 10_000
