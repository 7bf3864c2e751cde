"""``policytag kwic``: patterns, globs, regexes and categories in raw reports and tagged files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from test_stats import make_records, write_jsonl

from policytag.cli import main

REPORT_A = ("某市人大常委会工作报告\n一是推行民生实事项目人大代表票决制，落实“双联”制度。\n"
            "二是优化营商环境，优化营商服务。\n")
REPORT_B = "某县人大常委会工作报告\n=HYPERLINK(\"http://e/\") 落实双联。听取和审议12项专项工作报告。\n"
MINE = "经济:\n  营商环境: [优化营商*]\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.fixture()
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text(REPORT_A, encoding="utf-8")
    (folder / "b.txt").write_text(REPORT_B, encoding="utf-8")
    return folder


def test_several_patterns_sorted_by_document_then_position(reports: Path, capsys) -> None:  # noqa: ANN001
    code, out, _ = run(["kwic", "双联", "优化营商*", r"re:听取\p{Han}{0,3}\d+项", str(reports), "--json"], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(Path(r["path"]).name, r["match"], r["pattern"]) for r in rows] == [
        ("a.txt", "双联", "双联"), ("a.txt", "优化营商", "优化营商*"), ("a.txt", "优化营商", "优化营商*"),
        ("b.txt", "双联", "双联"), ("b.txt", "听取和审议12项", r"re:听取\p{Han}{0,3}\d+项")]
    for r in rows:
        raw = Path(r["path"]).read_text(encoding="utf-8")
        assert raw[r["start"]: r["end"]] == r["match"]
    assert rows[0]["quoted"] is True and rows[0]["category"] == "代表工作" and rows[0]["dictionary"] == "policy_terms"


def test_category_of_a_users_dictionary(reports: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    mine = tmp_path / "mine.yml"
    mine.write_text(MINE, encoding="utf-8")
    code, out, _ = run(["kwic", "--category", "经济", str(reports), "--lexicon", str(mine), "--json"], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["match"] for r in rows] == ["优化营商", "优化营商"]
    assert {r["category"] for r in rows} == {"经济/营商环境"} and {r["pattern"] for r in rows} == {"经济"}
    code, _, err = run(["kwic", "--category", "没有", str(reports)], capsys)
    assert code == 2 and "no lexicon entries in that category" in err


def test_tagged_files_give_metadata_columns_and_original_offsets(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    records = make_records()
    tagged = write_jsonl(tmp_path / "t.jsonl", records)
    out_path = tmp_path / "hits.jsonl"
    code, _, _ = run(["kwic", "票决制", "专题询问", str(tagged), "-o", str(out_path), "--window", "4"], capsys)
    rows = [json.loads(line) for line in out_path.read_text(encoding="utf-8").splitlines()]
    assert code == 0 and rows
    by_doc = {r["doc_id"]: r for r in records}
    texts = {(r["doc_id"], r["index"]): r for r in records}
    for row in rows:
        rec = texts[(row["doc_id"], row["index"])]
        assert rec["text"][row["offset"]: row["offset"] + len(row["match"])] == row["match"]
        assert row["start"] == rec["start"] + row["offset"]  # the paragraph text is the original slice here
        assert row["place"] == rec["meta"]["place"] and row["year"] == rec["meta"]["year"]
        assert len(row["left"]) <= 4
    order = [(row["doc_id"], row["index"], row["offset"]) for row in rows]
    assert order == sorted(order, key=lambda k: (list(by_doc).index(k[0]), k[1], k[2]))


@pytest.mark.parametrize("ext", ["csv", "xlsx", "tsv"])
def test_spreadsheet_outputs_have_bom_and_no_live_formula(reports: Path, tmp_path: Path, capsys,  # noqa: ANN001
                                                          ext: str) -> None:
    out = tmp_path / f"hits.{ext}"
    window = str(len('=HYPERLINK("http://e/") 落实'))  # the left context starts with the formula
    code, _, _ = run(["kwic", "双联", str(reports / "b.txt"), "-o", str(out), "--window", window], capsys)
    assert code == 0
    if ext == "xlsx":
        sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet and "'=HYPERLINK" in sheet
        return
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    sep = "," if ext == "csv" else "\t"
    left = text.splitlines()[0].split(sep).index("left")
    assert text.splitlines()[1].split(sep)[left].strip('"').startswith("'=HYPERLINK")


def test_paths_are_needed_after_the_patterns(reports: Path, capsys) -> None:  # noqa: ANN001
    code, _, err = run(["kwic", "双联", "no/such/file.txt"], capsys)
    assert code == 1 and "no/such/file.txt" in err  # a missing file is skipped and named, as everywhere
    code, out, err = run(["kwic", "双联", "票决制", str(reports / "a.txt"), "no/such/file.txt"], capsys)
    assert code == 1 and "no/such/file.txt" in err and "票决制" not in err
    header, *lines = out.splitlines()
    column = header.split("\t").index("pattern")
    assert {line.split("\t")[column] for line in lines} == {"双联", "票决制"}
    code, _, err = run(["kwic", "双联"], capsys)
    assert code == 2 and "kwic needs PATHS" in err


def test_bad_regex_is_refused(reports: Path, capsys) -> None:  # noqa: ANN001
    code, _, err = run(["kwic", "re:(a+)+$", str(reports)], capsys)
    assert code == 2 and "takes too long" in err
