"""``policytag reuse``: candidates never all pairs, alignment, offsets, relations, boilerplate, bad input."""

from __future__ import annotations

import doctest
import importlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_robustness import run_cli

from policytag import corpus as corpus_mod
from policytag import reuse
from policytag.corpus import DocInfo, OffsetMap

ROOT = Path(__file__).resolve().parent.parent

# Paragraphs written for these tests (not taken from any report).
SHARED = ("围绕优化营商环境开展专题询问，推动解决企业反映强烈的审批难题一百二十项，"
          "督促有关部门建立问题清单和整改台账，限期办结并向常委会书面报告办理结果。")
OWN = {
    "衡阳市": "市人大常委会组织代表走访三十个乡镇的农贸市场，了解食品安全监管中存在的薄弱环节，形成调研报告。",
    "衡阳县": "县人大常委会把乡镇人大主席团的建设作为重点，统一配备了工作人员和办公场所，制定了年度工作要点。",
    "株洲市": "常委会听取了城市管理综合执法情况的报告，对占道经营、违规停车等群众反映强烈的问题提出了八条审议意见。",
    "湖北省": "省人大常委会审议了长江保护修复攻坚战实施情况的报告，要求沿江各地严格落实岸线管控和排污口整治责任。",
    "攸县": "围绕农村饮水安全，常委会组织部分代表逐村查看供水工程，发现管网老化问题二十余处并督促限期维修。",
    "衡东县": "常委会首次对县政府国有资产管理情况开展综合审议，听取专项报告后形成了十项具体的审议意见。",
}
FORMULA = "我们要更加紧密地团结在一起，凝心聚力、担当作为，以奋发有为的精神状态完成全年确定的各项目标任务。"


def report(place: str, year: int, *paragraphs: str) -> str:
    head = f"{place}人民代表大会常务委员会工作报告\n\n——{year}年1月10日在{place}第九届人民代表大会第三次会议上\n\n"
    return head + "各位代表：\n\n" + "\n\n".join(paragraphs) + "\n"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture()
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    edited = SHARED.replace("一百二十项", "九十六项").replace("书面报告", "专题书面报告")
    write(folder, "hengyang_city_2021.txt", report("衡阳市", 2021, OWN["衡阳市"], SHARED))
    write(folder, "hengyang_county_2022.txt", report("衡阳县", 2022, edited, OWN["衡阳县"]))
    write(folder, "zhuzhou_2022.txt", report("株洲市", 2022, OWN["株洲市"], "株洲市" + SHARED))
    write(folder, "hubei_2022.txt", report("湖北省", 2022, OWN["湖北省"]))
    return folder


def run_reuse(*args: str) -> tuple[int, str, str]:
    return run_cli("reuse", *args)


# --------------------------------------------------------------------------- pieces


@pytest.mark.parametrize("module", ["policytag.reuse", "policytag.corpus", "policytag.tables"])
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_units_cover_the_paragraph_and_join_short_sentences() -> None:
    params = reuse.ReuseParams()
    text = "短句一。短句二。" + "甲" * 50 + "。" + "乙" * 300 + "。"
    spans = reuse.unit_spans(text, params)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(b[0] == a[1] for a, b in zip(spans, spans[1:], strict=False))  # no gaps, no overlaps
    assert all(e - s >= params.unit_min for s, e in spans)
    assert max(e - s for s, e in spans) <= params.unit_max
    assert reuse.unit_spans("太短的段落。", params) == []


def test_near_copies_share_band_keys_and_strangers_do_not() -> None:
    params = reuse.ReuseParams()
    edited = SHARED.replace("一百二十项", "九十六项")
    keys = reuse.band_keys([SHARED, edited, OWN["湖北省"] * 2], params)
    assert keys.shape == (3, params.bands) and keys.dtype == np.uint32
    assert (keys[0] == keys[1]).sum() >= 3
    assert (keys[0] == keys[2]).sum() == 0


def test_keys_do_not_depend_on_the_batch() -> None:
    params = reuse.ReuseParams()
    texts = [SHARED, OWN["衡阳市"], OWN["株洲市"], FORMULA]
    together = reuse.band_keys(texts, params)
    alone = np.vstack([reuse.band_keys([t], params) for t in texts])
    small_blocks = reuse.band_keys(texts, params, block=10)
    assert (together == alone).all() and (together == small_blocks).all()


@pytest.mark.parametrize("edit", [
    lambda s: s.replace("一百二十项", "九十六项"),               # a number
    lambda s: s[:20] + "认真" + s[20:],                           # an insertion
    lambda s: s[:30] + s[34:],                                    # a deletion
])
def test_align_finds_lightly_edited_copies(edit) -> None:  # noqa: ANN001
    other = edit(SHARED)
    spans = reuse.align("前面是别的话题，讨论了很多事情。" + SHARED, other + "后面也是不相干的内容。")
    assert len(spans) == 1
    span = spans[0]
    assert span.similarity >= 0.9
    assert span.b_end - span.b_start >= len(other) - 3
    assert 0.9 < span.matched / len(SHARED) <= 1


def test_align_rejects_unrelated_and_short_matches() -> None:
    assert reuse.align(OWN["衡阳市"], OWN["湖北省"]) == []
    assert reuse.align("开展专题询问。" + OWN["衡阳市"], "开展专题询问。" + OWN["湖北省"]) == []  # 7 chars < 30


def test_align_reports_two_separate_shared_stretches() -> None:
    a = SHARED + OWN["衡阳市"] + FORMULA
    b = SHARED + OWN["湖北省"] + FORMULA
    spans = sorted(reuse.align(a, b), key=lambda s: s.a_start)
    assert len(spans) == 2
    assert a[spans[0].a_start : spans[0].a_end] == SHARED  # 人大常委会 after 市/省 is not taken along
    assert FORMULA in a[spans[1].a_start : spans[1].a_end] and spans[1].a_end - spans[1].a_start <= len(FORMULA) + 2


def test_candidates_never_pair_a_document_with_itself() -> None:
    keys = np.array([[1, 2], [1, 3], [1, 4], [5, 2]], dtype=np.uint32)
    unit_para = np.array([0, 1, 2, 3])
    para_doc = np.array([0, 0, 1, 1])
    pairs = reuse.candidate_pairs(keys, unit_para, para_doc)
    assert sorted(map(tuple, pairs.tolist())) == [(0, 2), (0, 3), (1, 2)]


def test_boilerplate_needs_enough_documents() -> None:
    keys = np.array([[7], [7], [7], [9], [9]], dtype=np.uint32)
    unit_doc = np.array([0, 1, 2, 3, 4])
    mask, edges = reuse.boilerplate_units(keys, unit_doc, threshold=3)
    assert mask.tolist() == [True, True, True, False, False] and len(edges) == 2
    assert reuse.ReuseParams(min_docs=5, max_doc_share=0.05).boilerplate_docs(1000) == 51
    assert reuse.ReuseParams(min_docs=5, max_doc_share=0.05).boilerplate_docs(10) == 5


def test_offset_map_with_dropped_characters() -> None:
    m = OffsetMap.from_offsets(np.array([5, 6, 8, 9, 12]))
    assert [m.raw(i) for i in range(5)] == [5, 6, 8, 9, 12]
    assert m.raw_end(5) == 13 and m.raw_end(2) == 7
    approx = OffsetMap.approximate(100, 120, 10)
    assert not approx.exact and approx.raw(5) == 110


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("430000", "430400", ("vertical", "a")),      # province > city
    ("430421", "430400", ("vertical", "b")),      # county < city
    ("430000", "430421", ("vertical", "a")),      # province > county
    ("430400", "430200", ("horizontal", None)),   # two cities
    ("430400", "430400", ("same-place", None)),
    ("420000", "430421", ("other", None)),        # another province's county
    (None, "430400", ("unknown", None)),
])
def test_relation_by_region_code(a: str | None, b: str | None, expected: tuple) -> None:
    assert reuse.relation(DocInfo("a", "a", "甲" if a else None, region_code=a),
                          DocInfo("b", "b", "乙", region_code=b)) == expected


def test_direction_only_across_years() -> None:
    assert reuse.direction(DocInfo("a", "a", year=2020), DocInfo("b", "b", year=2021)) == "a->b"
    assert reuse.direction(DocInfo("a", "a", year=2021), DocInfo("b", "b", year=2021)) == "unknown"
    assert reuse.direction(DocInfo("a", "a"), DocInfo("b", "b", year=2021)) == "unknown"


# --------------------------------------------------------------------------- the command


def test_pairs_carry_offsets_meta_direction_and_relation(reports: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "pairs.csv"
    code, _, err = run_reuse(str(reports), "-o", str(out), "--no-progress")
    assert code == 0, err
    pairs = pd.read_csv(out, encoding="utf-8-sig", dtype={"a_region_code": str, "b_region_code": str})
    assert len(pairs) == 3  # every pair of the three reports holding the paragraph; 湖北省 shares nothing
    raw = {p.name: p.read_text(encoding="utf-8") for p in reports.iterdir()}
    for row in pairs.itertuples():
        a_raw = raw[row.a_doc_id.split("#")[0]][row.a_start : row.a_end]
        b_raw = raw[row.b_doc_id.split("#")[0]][row.b_start : row.b_end]
        assert a_raw == row.a_text and b_raw == row.b_text  # offsets index the original files
        assert row.a_chars >= 60 and row.similarity >= 0.9
    by_places = {(r.a_place, r.b_place): r for r in pairs.itertuples()}
    city_county = by_places[("衡阳市", "衡阳县")]
    assert (city_county.relation, city_county.higher, city_county.direction) == ("vertical", "a", "a->b")
    assert city_county.a_region_code == "430400" and city_county.b_region_code == "430421"
    assert city_county.a_year == 2021 and city_county.b_year == 2022
    city_city = by_places[("衡阳市", "株洲市")]
    assert (city_city.relation, city_city.direction) == ("horizontal", "a->b")
    same_year = by_places.get(("衡阳县", "株洲市")) or by_places[("株洲市", "衡阳县")]
    assert (same_year.relation, same_year.direction) == ("other", "unknown")
    docs = pd.read_csv(tmp_path / "out" / "pairs_documents.csv", encoding="utf-8-sig")
    assert len(docs) == 3 and set(docs["pairs"]) == {1}
    row = docs[(docs["a_place"] == "衡阳市") & (docs["b_place"] == "衡阳县")].iloc[0]
    assert row["a_shared_chars"] == pairs.loc[pairs["b_place"] == "衡阳县", "a_chars"].iloc[0]
    assert row["share_a_in_b"] == pytest.approx(row["a_shared_chars"] / row["a_chars"], abs=1e-4)
    assert 0 < row["share_a_in_b"] < 1


def test_traditional_copy_is_found_with_offsets_into_the_traditional_text(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    trad = SHARED.replace("营商环境", "營商環境").replace("专题询问", "專題詢問").replace("审批难题", "審批難題")
    write(folder, "a.txt", report("衡阳市", 2020, SHARED))
    write(folder, "b.txt", report("衡阳县", 2021, OWN["衡阳县"], trad))
    out = tmp_path / "p.csv"
    code, _, err = run_reuse(str(folder), "-o", str(out), "--no-progress")
    assert code == 0, err
    row = pd.read_csv(out, encoding="utf-8-sig").iloc[0]
    b_raw = (folder / "b.txt").read_text(encoding="utf-8")
    assert "營商環境" in b_raw[row["b_start"] : row["b_end"]]
    assert row["similarity"] == 1.0  # compared after conversion to simplified script


def test_tagged_input_gives_the_same_pairs(reports: Path, tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.jsonl"
    code, _, err = run_cli("tag", str(reports), "-o", str(tagged), "--no-progress")
    assert code == 0, err
    code, _, err = run_reuse(str(tagged), "-o", str(tmp_path / "t.csv"), "--no-progress")
    assert code == 0, err
    code, _, err = run_reuse(str(reports), "-o", str(tmp_path / "r.csv"), "--no-progress")
    cols = ["a_doc_id", "b_doc_id", "a_start", "a_end", "b_start", "b_end", "similarity", "relation"]
    from_tagged = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig")[cols]
    from_reports = pd.read_csv(tmp_path / "r.csv", encoding="utf-8-sig")[cols]
    pd.testing.assert_frame_equal(from_tagged, from_reports)


def test_wrapped_lines_in_a_tagged_file_are_mapped_through_the_original(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    wrapped = SHARED[:40] + "\n" + SHARED[40:]  # a line break inside the paragraph
    write(folder, "a.txt", report("衡阳市", 2020, SHARED))
    write(folder, "b.txt", report("株洲市", 2021, wrapped))
    tagged = tmp_path / "t.jsonl"
    assert run_cli("tag", str(folder), "-o", str(tagged))[0] == 0
    code, _, err = run_reuse(str(tagged), "-o", str(tmp_path / "p.csv"), "--no-progress")
    assert code == 0, err
    row = pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig").iloc[0]
    b_raw = (folder / "b.txt").read_text(encoding="utf-8")
    assert bool(row["offsets_exact"])
    assert b_raw[row["b_start"] : row["b_end"]].replace("\n", "") == row["b_text"]


def test_boilerplate_is_listed_and_never_paired(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    places = ["衡阳市", "株洲市", "衡阳县", "湖北省", "攸县", "衡东县"]
    for n, place in enumerate(places):
        write(folder, f"{n}.txt", report(place, 2020 + n, OWN[place], FORMULA))
    out = tmp_path / "p.xlsx"
    code, _, err = run_reuse(str(folder), "-o", str(out), "--min-docs", "5", "--no-progress")
    assert code == 0, err
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["pairs", "documents", "boilerplate"]
    assert not sheets["pairs"]["a_text"].astype(str).str.contains("凝心聚力").any()
    plate = sheets["boilerplate"]
    assert FORMULA in set(plate["passage"]) or plate["passage"].str.contains("凝心聚力").any()
    assert plate["documents"].max() == len(places)
    assert "boilerplate: " in err and ">= 5 documents" in err
    # below the threshold, the same text is reuse
    code, _, err = run_reuse(str(folder), "-o", str(tmp_path / "q.csv"), "--min-docs", "7", "--no-progress")
    assert pd.read_csv(tmp_path / "q.csv", encoding="utf-8-sig")["a_text"].str.contains("凝心聚力").any()


def test_jobs_2_gives_the_same_tables(reports: Path, tmp_path: Path) -> None:
    assert run_reuse(str(reports), "-o", str(tmp_path / "one.csv"), "--no-progress")[0] == 0
    code, _, err = run_reuse(str(reports), "-o", str(tmp_path / "two.csv"), "--jobs", "2", "--force-jobs",
                             "--no-progress")
    assert code == 0, err
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


def test_dask_cluster_gives_the_same_tables(reports: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    assert run_reuse(str(reports), "-o", str(tmp_path / "one.csv"), "--no-progress")[0] == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        code, _, err = run_reuse(str(reports), "-o", str(tmp_path / "dask.csv"), "--dask", cluster.scheduler_address,
                                 "--no-progress")
    assert code == 0, err
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "dask.csv").read_bytes()


# --------------------------------------------------------------------------- bad input and hostile text


def test_fewer_than_two_documents_is_a_usage_error(reports: Path, tmp_path: Path) -> None:
    code, out, err = run_reuse(str(reports / "hubei_2022.txt"), "-o", str(tmp_path / "p.csv"))
    assert code == 2 and not (tmp_path / "p.csv").exists()
    assert err.strip().splitlines() == ["policytag: error: reuse compares documents: found 1 readable document(s) "
                                        "in 1 input(s); give at least two"]


def test_a_bad_input_is_skipped_and_the_rest_compared(reports: Path, tmp_path: Path) -> None:
    (reports / "empty.txt").write_bytes(b"")
    code, _, err = run_reuse(str(reports), "-o", str(tmp_path / "p.csv"), "--no-progress")
    assert code == 1
    assert any(line.startswith("policytag: skipped") and "empty.txt" in line for line in err.splitlines())
    assert len(pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig")) == 3


def test_missing_year_place_and_unknown_region_are_said(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    write(folder, "a.txt", report("衡阳市", 2020, SHARED))
    write(folder, "b.txt", "各位代表：\n\n" + SHARED + "\n")  # no title block: no place, no year
    write(folder, "c.txt", report("乌有县", 2021, SHARED))  # not a real county
    code, _, err = run_reuse(str(folder), "-o", str(tmp_path / "p.csv"), "--no-progress")
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("policytag: note:")]
    assert any("1 document(s) without a year" in n and "b.txt" in n for n in notes)
    assert any("without a place" in n and "b.txt" in n for n in notes)
    assert any("'乌有县' has no GB/T 2260 region code" in n and "c.txt" in n for n in notes)
    pairs = pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig")
    assert len(pairs) == 3 and set(pairs["relation"]) == {"unknown"}


def test_nothing_shared_is_said_not_silent(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    write(folder, "a.txt", report("衡阳市", 2020, OWN["衡阳市"]))
    write(folder, "b.txt", report("株洲市", 2021, OWN["株洲市"]))
    code, _, err = run_reuse(str(folder), "-o", str(tmp_path / "p.csv"), "--no-progress")
    assert code == 0
    assert "no text shared beyond boilerplate" in err
    assert pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig").columns.tolist() == reuse.PAIR_COLUMNS


def test_report_text_never_becomes_a_formula(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    hostile = "=HYPERLINK(\"http://x\",\"点击\")" + SHARED
    write(folder, "a.txt", report("衡阳市", 2020, hostile))
    write(folder, "b.txt", report("株洲市", 2021, hostile))
    code, _, err = run_reuse(str(folder), "-o", str(tmp_path / "p.csv"), "--no-progress")
    assert code == 0, err
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    code, _, err = run_reuse(str(folder), "-o", str(tmp_path / "p.xlsx"), "--no-progress")
    from openpyxl import load_workbook

    cells = [c.value for row in load_workbook(tmp_path / "p.xlsx")["pairs"].iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    assert any(isinstance(v, str) and v.startswith("'=HYPERLINK") for v in cells)


def test_output_over_an_input_is_refused(reports: Path, tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.csv"
    assert run_cli("tag", str(reports), "-o", str(tagged))[0] == 0
    before = tagged.read_bytes()
    code, _, err = run_reuse(str(tagged), "-o", str(tagged))
    assert code == 2 and "is also an input" in err and tagged.read_bytes() == before


def test_unknown_output_format_is_a_usage_error(reports: Path, tmp_path: Path) -> None:
    code, _, err = run_reuse(str(reports), "-o", str(tmp_path / "p.txt"))
    assert code == 2 and "unknown output format 'txt'" in err


# --------------------------------------------------------------------------- planted corpus (real seeds)


def test_planted_copies_are_found_among_the_seeds(seeds_dir: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        planted = importlib.import_module("planted")
    finally:
        sys.path.remove(str(ROOT / "bench"))
    hosts = tmp_path / "hosts"
    sources, seed_files = planted.build(seeds_dir, hosts, hosts=20, sources=15, seed=3)
    out = tmp_path / "p.csv"
    code, _, err = run_reuse(str(seeds_dir), str(hosts), "-o", str(out), "--no-progress")
    assert code == 0, err
    score = planted.score(pd.read_csv(out, encoding="utf-8-sig"), sources, seed_files)
    assert score.planted_pairs > 20
    assert score.recall >= 0.9, score.recall_by_edit
    assert score.precision >= 0.95
    plate = pd.read_csv(tmp_path / "p_boilerplate.csv", encoding="utf-8-sig")
    assert plate["passage"].str.contains("凝心聚力").any()  # the formula planted in 3 of 5 hosts


def test_corpus_reads_a_tagged_file_without_offsets(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"doc_id": "x", "text": "甲乙丙", "labels": [], "place": "衡阳市", "year": 2020}\n',
                    encoding="utf-8")
    docs = corpus_mod.load_tagged_docs(str(path))
    assert docs[0].info.region_code == "430400" and docs[0].info.year == 2020
    assert not docs[0].paras[0].omap.exact


def test_progress_bar_only_when_asked_or_on_a_terminal(reports: Path, tmp_path: Path) -> None:
    code, _, err = run_reuse(str(reports), "-o", str(tmp_path / "p.csv"), "--progress")
    assert code == 0 and "reading" in err and "aligning" in err
    code, _, err = run_reuse(str(reports), "-o", str(tmp_path / "q.csv"))  # stderr is not a terminal here
    assert code == 0 and "reading" not in err
