"""``policytag segment`` end to end."""

from __future__ import annotations

import json

from click.testing import CliRunner

from policytag.cli import cli

REPORT_A = "过去一年的主要工作\n一、加强监督\n常委会听取审议专项工作报告六个。\n2024年主要任务\n继续加强监督工作。\n"
REPORT_B = "东岭市人大常委会工作报告\n各位代表：\n常委会依法履职，成效明显。\n"


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(cli, list(args))


def test_good_and_bad_files(tmp_path) -> None:  # noqa: ANN001
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(REPORT_A, encoding="utf-8")
    b.write_text(REPORT_B, encoding="utf-8")
    missing = tmp_path / "missing.txt"
    out = tmp_path / "out.jsonl"
    result = run("segment", str(a), str(missing), str(b), "-o", str(out))
    assert result.exit_code == 1
    assert "missing.txt" in result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["path"] for r in rows} == {str(a), str(b)}
    assert [r["text"] for r in rows if r["path"] == str(a)][2] == "常委会听取审议专项工作报告六个。"
    first = rows[0]
    assert set(first) >= {"doc_id", "index", "text", "start", "end", "section", "is_heading", "is_glossary",
                          "period", "meta"} and "labels" not in first
    assert rows[2]["period"] == "review" and rows[2]["section"] == ["过去一年的主要工作", "一、加强监督"]


def test_all_good_to_stdout_with_sidecar_and_sentences(tmp_path) -> None:  # noqa: ANN001
    a = tmp_path / "a.txt"
    a.write_text(REPORT_B, encoding="utf-8")
    side = tmp_path / "meta.csv"
    side.write_text("path,year,region\na.txt,2024,北方\n", encoding="utf-8")
    result = run("segment", str(a), "--meta", str(side), "--unit", "sentence")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["东岭市人大常委会工作报告", "各位代表：", "常委会依法履职，成效明显。"]
    assert rows[0]["meta"]["year"] == 2024 and rows[0]["meta"]["region"] == "北方"
    assert rows[0]["meta"]["place"] == "东岭市"


def test_no_inputs_is_usage_error(tmp_path) -> None:  # noqa: ANN001
    result = run("segment", str(tmp_path / "*.nothing"))
    assert result.exit_code == 2
    assert "no input files" in result.stderr


def test_help_has_example() -> None:
    result = run("segment", "--help")
    assert result.exit_code == 0 and "policytag segment report.txt -o paragraphs.jsonl" in result.stdout
