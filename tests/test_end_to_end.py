"""Raw reports → ``policytag tag`` → every output format → ``policytag stats``, checked against the JSONL.

Fixture reports are written here in three formats (GBK text, .docx, traditional-script HTML);
the real seed reports are used when ../shared is present.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from policytag.normalize import normalize
from policytag.read import read_path
from policytag.stats import compute_stats, load_tagged

POLICYTAG = str(Path(sys.executable).with_name("policytag"))

GBK_REPORT = """北岭县人大常委会工作报告
——2023年1月8日在北岭县第九届人民代表大会第二次会议上

各位代表：
现在，我代表县人大常委会向大会报告工作，请予审议。

一、过去一年的主要工作
（一）依法履行监督职能
常委会听取审议专项工作报告五个，组织开展执法检查三次，开展专题询问一次。
（二）认真做好代表工作
深入推进“双联”工作，组织代表进家站点履职，落实民生实事项目人大代表票决制。
（三）加强自身建设
坚持党的全面领导，扎实开展学习教育。

二、2023年主要任务
审议通过条例草案两件，依法任免国家机关工作人员。
"""
DOCX_PARAGRAPHS = ["南江市人大常委会工作报告", "一、监督工作",
                   "常委会组织执法检查，听取审议专项工作报告，开展满意度测评。",
                   "二、代表工作", "推进“双联”工作，办理代表建议四十件。"]
HTML_REPORT = ("<!doctype html><html><head><meta charset='utf-8'><title>西山區人大常委會工作報告</title></head><body>"
               "<article><h1>西山區人大常委會工作報告</h1><p>一、監督工作</p>"
               "<p>常委會開展執法檢查，聽取審議專項工作報告，推進「雙聯」工作。</p><p>二、立法工作</p>"
               "<p>審議通過條例草案兩件，落實民生實事項目人大代表票決制。</p></article></body></html>")


def policytag(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([POLICYTAG, *args], capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import docx

    folder = tmp_path_factory.mktemp("reports")
    (folder / "beiling.txt").write_bytes(GBK_REPORT.encode("gbk"))
    document = docx.Document()
    for line in DOCX_PARAGRAPHS:
        document.add_paragraph(line)
    document.save(folder / "nanjiang.docx")
    (folder / "xishan.html").write_text(HTML_REPORT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tagged(reports: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture reports tagged once into every output format."""
    out = tmp_path_factory.mktemp("tagged")
    paths = {fmt: out / f"tagged.{fmt}" for fmt in ("jsonl", "csv", "xlsx", "parquet")}
    for path in paths.values():
        policytag("tag", str(reports), "-o", str(path))
    return paths


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_all_three_formats_are_read_and_tagged(tagged: dict[str, Path]) -> None:
    records = read_jsonl(tagged["jsonl"])
    by_file = Counter(Path(r["path"]).name for r in records)
    assert by_file == {"beiling.txt": 13, "nanjiang.docx": 5, "xishan.html": 5}
    texts = {r["text"] for r in records}
    assert "常委会开展执法检查，听取审议专项工作报告，推进「双联」工作。" in texts  # traditional -> simplified
    assert {r["meta"]["place"] for r in records} == {"北岭县", "南江市", "西山区"}
    canon = Counter(t["canonical"] for r in records for t in r["terms"])
    assert canon["双联"] == 3 and canon["民生实事项目人大代表票决制"] == 2 and canon["执法检查"] == 3


def _check_flat(frame: pd.DataFrame, records: list[dict]) -> None:
    """A CSV/XLSX table read back with pandas against the JSONL records."""
    assert len(frame) == len(records)
    for row, rec in zip(frame.to_dict("records"), records, strict=True):
        assert row["text"] == rec["text"] and row["doc_id"] == rec["doc_id"]
        assert (int(row["char_start"]), int(row["char_end"])) == (rec["start"], rec["end"])
        assert row["labels"] == "|".join(rec["labels"])
        assert row["terms"] == "|".join(t["canonical"] for t in rec["terms"])
        assert row["term_surfaces"] == "|".join(t["term"] for t in rec["terms"])
        for label, score in rec["scores"].items():
            assert float(row[f"score_{label}"]) == pytest.approx(score)
        assert (row["place"] or None) == rec["meta"].get("place")
        assert row["is_heading"] == str(int(rec["is_heading"]))  # 0/1: a number in R, Stata and Excel


def test_csv_round_trips_and_opens_in_excel(tagged: dict[str, Path]) -> None:
    raw = tagged["csv"].read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf"  # UTF-8 BOM: Excel picks the right encoding
    text = raw.decode("utf-8-sig")
    assert "双联" in text and "\\u" not in text
    frame = pd.read_csv(tagged["csv"], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    _check_flat(frame, read_jsonl(tagged["jsonl"]))


def test_xlsx_round_trips(tagged: dict[str, Path]) -> None:
    frame = pd.read_excel(tagged["xlsx"], dtype=str, keep_default_na=False)
    _check_flat(frame, read_jsonl(tagged["jsonl"]))


def test_parquet_is_the_same_table_typed(tagged: dict[str, Path]) -> None:
    frame = pd.read_parquet(tagged["parquet"])
    csv = pd.read_csv(tagged["csv"], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(csv.columns)
    records = read_jsonl(tagged["jsonl"])
    assert frame["is_heading"].dtype == bool and list(frame["is_heading"]) == [r["is_heading"] for r in records]
    assert list(frame["char_start"]) == [r["start"] for r in records]
    assert list(frame["terms"]) == ["|".join(t["canonical"] for t in r["terms"]) for r in records]


def test_jsonl_is_real_utf8(tagged: dict[str, Path]) -> None:
    text = tagged["jsonl"].read_text(encoding="utf-8")
    assert "\\u" not in text and "人大代表票决制" in text


def test_offsets_point_at_the_original_text(tagged: dict[str, Path]) -> None:
    raws: dict[str, str] = {}
    for rec in read_jsonl(tagged["jsonl"]):
        raw = raws.setdefault(rec["path"], read_path(rec["path"]).raw)
        assert normalize(raw[rec["start"] : rec["end"]]).text == rec["text"]
        for term in rec["terms"]:
            assert normalize(raw[term["start"] : term["end"]]).text == term["term"]
            assert rec["start"] <= term["start"] < term["end"] <= rec["end"]


def independent_counts(records: list[dict]) -> tuple[Counter, Counter]:
    """(doc, label) -> paragraphs (headings and glossary entries left out), (doc, term) -> occurrences."""
    labels: Counter = Counter()
    terms: Counter = Counter()
    for rec in records:
        if not (rec["is_heading"] or rec["is_glossary"]):
            for label in set(rec["labels"]) or {"无标签"}:
                labels[rec["doc_id"], label] += 1
        for term in rec["terms"]:
            terms[rec["doc_id"], term["canonical"]] += 1
    return labels, terms


def _stats_counts(tables: dict[str, list[dict]] | dict[str, pd.DataFrame]) -> tuple[Counter, Counter]:
    rows = {k: v.to_dict("records") if isinstance(v, pd.DataFrame) else v for k, v in tables.items()}
    labels = Counter({(r["doc_id"], r["label"]): r["paragraphs"] for r in rows["labels"] if r["paragraphs"]})
    terms = Counter({(r["doc_id"], r["term"]): r["count"] for r in rows["terms"]})
    return labels, terms


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx", "parquet"])
def test_stats_agree_with_a_count_from_the_jsonl(tagged: dict[str, Path], fmt: str) -> None:
    expected = independent_counts(read_jsonl(tagged["jsonl"]))
    assert sum(expected[0].values()) > 5 and sum(expected[1].values()) > 10
    assert _stats_counts(compute_stats(load_tagged([tagged[fmt]]), by=["doc"])) == expected


def test_stats_command_agrees_too(tagged: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "stats.json"
    policytag("stats", str(tagged["jsonl"]), "-o", str(out), "--by", "doc")
    tables = json.loads(out.read_text(encoding="utf-8"))
    assert _stats_counts(tables) == independent_counts(read_jsonl(tagged["jsonl"]))


# --------------------------------------------------------------------------- the real seed reports
@pytest.fixture(scope="module")
def seeds_tagged(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("seeds")
    paths = {fmt: out / f"seeds.{fmt}" for fmt in ("jsonl", "csv", "parquet")}
    for path in paths.values():
        policytag("tag", str(seeds_dir), "-o", str(path))
    return paths


def test_seeds_tag_and_count(seeds_dir: Path, seeds_tagged: dict[str, Path]) -> None:
    records = read_jsonl(seeds_tagged["jsonl"])
    assert len({r["doc_id"] for r in records}) == len(list(seeds_dir.glob("*.txt")))
    labels = Counter(label for r in records for label in r["labels"])
    assert set(labels) == {"监督", "立法", "代表工作", "自身建设", "决定任免"}
    expected = independent_counts(records)
    for fmt in ("jsonl", "csv", "parquet"):
        assert _stats_counts(compute_stats(load_tagged([seeds_tagged[fmt]]), by=["doc"])) == expected


def test_seed_offsets_point_at_the_original_text(seeds_tagged: dict[str, Path]) -> None:
    raws: dict[str, str] = {}
    n = 0
    for rec in read_jsonl(seeds_tagged["jsonl"]):
        raw = raws.setdefault(rec["path"], read_path(rec["path"]).raw)
        for term in rec["terms"]:
            # The surface is normalized text: a line break joined inside a phrase is gone.
            assert normalize(raw[term["start"] : term["end"]]).text.replace("\n", "") == term["term"]
            n += 1
    assert n > 500


def test_seeds_report_and_charts(seeds_tagged: dict[str, Path], tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    policytag("report", str(seeds_tagged["jsonl"]), "-o", str(html))
    page = html.read_text(encoding="utf-8")
    assert '<mark class="term"' in page and "监督" in page
    result = policytag("stats", str(seeds_tagged["jsonl"]), "-o", str(tmp_path / "stats.xlsx"), "--by", "place",
                       "--plot", str(tmp_path / "charts"), "--first-mention", "票决制")
    assert (tmp_path / "stats.xlsx").is_file() and "stats.xlsx" in result.stderr
    assert sorted(p.name for p in (tmp_path / "charts").glob("*.png"))
    sheets = pd.read_excel(tmp_path / "stats.xlsx", sheet_name=None)
    assert {"labels", "terms", "term_function", "first_mention"} <= set(sheets)
