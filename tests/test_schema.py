"""Tables that open right everywhere: one column list for csv/xlsx/parquet/dta, names every tool takes,
codes as text, flags as 0/1 (booleans in Parquet), a named sheet and a codebook, a .dta round trip."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_stats import make_records, write_jsonl

from policytag import schema, stats
from policytag.cli import cli
from policytag.write import RecordWriter

LABELS = ["监督", "立法", "代表工作", "自身建设", "决定任免"]
FORMATS = ("csv", "xlsx", "parquet", "dta")
# ASCII snake_case or Chinese, no leading digit, at most 32 characters
NAME = re.compile(r"^[a-z_\u4e00-\u9fff][a-z0-9_\u4e00-\u9fff]{0,31}$")


def records() -> list[dict]:
    out = make_records()
    for r in out:
        r["meta"]["region_code"] = {"甲市": "421000", "丙县": "421024", "丁区": None}[r["meta"]["place"]]
    out[0]["meta"]["year"] = None  # a missing year in the first row
    return out


def write_all(folder: Path) -> dict[str, Path]:
    paths = {}
    for fmt in FORMATS:
        writer = RecordWriter(folder / f"t.{fmt}", fmt, LABELS)
        for record in records():
            writer.write(record)
        writer.close()
        paths[fmt] = folder / f"t.{fmt}"
    return paths


def read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, encoding="utf-8-sig")
    if path.suffix == ".xlsx":
        return pd.read_excel(path, sheet_name=0)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_stata(path)


@pytest.fixture(scope="module")
def tagged_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_all(tmp_path_factory.mktemp("tables"))


def test_every_format_has_the_same_columns(tagged_tables: dict[str, Path]) -> None:
    columns = {fmt: list(read(path).columns) for fmt, path in tagged_tables.items()}
    assert columns["csv"] == columns["xlsx"] == columns["parquet"] == columns["dta"]
    expected = [c.name for c in schema.tagged_columns(LABELS, records()[0])]
    assert columns["csv"] == expected
    assert {"place", "year", "region_code", "char_start", "char_end", "score_监督", "term_categories"} <= set(expected)


def test_names_are_taken_by_r_stata_and_excel_as_they_are(tagged_tables: dict[str, Path]) -> None:
    names = list(read(tagged_tables["csv"]).columns)
    bad = [n for n in names if not NAME.match(n) or n in schema.STATA_RESERVED]
    assert not bad
    frame = pd.DataFrame({n: [1] for n in names})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas warns (InvalidColumnName) when it has to rename for Stata
        frame.to_stata(tagged_tables["dta"].with_name("names.dta"), write_index=False, version=118)


@pytest.mark.parametrize(("raw", "name"), [("score.监督", "score_监督"), ("end", "end_"), ("2019", "y2019"),
                                           ("Meta Place", "meta_place"), ("in", "in_"), ("7x", "c7x")])
def test_safe_name(raw: str, name: str) -> None:
    assert schema.safe_name(raw) == name


def test_region_code_stays_text(tagged_tables: dict[str, Path]) -> None:
    assert "421024.0" not in tagged_tables["csv"].read_text(encoding="utf-8-sig")
    assert ",421024," in tagged_tables["csv"].read_text(encoding="utf-8-sig")
    import pyarrow.parquet as pq

    assert str(pq.read_schema(tagged_tables["parquet"]).field("region_code").type) == "string"
    assert set(pd.read_stata(tagged_tables["dta"])["region_code"]) == {"421000", "421024", ""}
    from openpyxl import load_workbook

    sheet = load_workbook(tagged_tables["xlsx"]).worksheets[0]
    column = [c.value for c in sheet[1]].index("region_code") + 1
    assert {type(sheet.cell(row=r, column=column).value) for r in range(2, 6)} == {str}


def test_flags_are_0_1_or_booleans(tagged_tables: dict[str, Path]) -> None:
    expected = [int(r["is_heading"]) for r in records()]
    assert list(pd.read_csv(tagged_tables["csv"], encoding="utf-8-sig")["is_heading"]) == expected
    assert list(pd.read_excel(tagged_tables["xlsx"])["is_heading"]) == expected
    dta = pd.read_stata(tagged_tables["dta"])
    assert dta["is_heading"].dtype == "int8" and list(dta["is_heading"]) == expected
    parquet = pd.read_parquet(tagged_tables["parquet"])
    assert parquet["is_heading"].dtype == bool and list(parquet["is_heading"]) == [bool(x) for x in expected]
    header = tagged_tables["csv"].read_text(encoding="utf-8-sig").splitlines()[1]
    assert "True" not in header and "False" not in header  # readr would take those for text


def test_xlsx_has_a_named_sheet_and_a_codebook(tagged_tables: dict[str, Path]) -> None:
    sheets = pd.read_excel(tagged_tables["xlsx"], sheet_name=None)
    assert list(sheets) == ["paragraphs", "codebook"]
    book = sheets["codebook"]
    assert list(book["column"]) == list(sheets["paragraphs"].columns)
    assert book["description"].notna().all() and (book["description"].str.len() > 5).all()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "dta"])
def test_a_codebook_file_describes_every_column(tagged_tables: dict[str, Path], fmt: str) -> None:
    book = pd.read_csv(schema.codebook_path(tagged_tables[fmt]), encoding="utf-8-sig")
    assert list(book.columns) == schema.CODEBOOK_COLUMNS
    assert list(book["column"]) == list(read(tagged_tables[fmt]).columns)
    row = book.set_index("column").loc["region_code"]
    assert "text" in row["type"] and "GB/T 2260" in row["description"]


def test_dta_carries_variable_labels(tagged_tables: dict[str, Path]) -> None:
    with pd.io.stata.StataReader(tagged_tables["dta"]) as reader:
        labels = reader.variable_labels()
    assert labels["place"].startswith("place whose") and len(labels) == len(read(tagged_tables["dta"]).columns)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tables_read_back_as_the_records(tagged_tables: dict[str, Path], fmt: str) -> None:
    """stats reads every table format back into what the JSONL says (the .dta via pandas.read_stata)."""
    from test_stats import _plain

    source = write_jsonl(tagged_tables["csv"].with_name("t.jsonl"), records())
    base = stats.load_tagged([source])
    back = stats.load_tagged([tagged_tables[fmt]])
    assert list(back["text"]) == list(base["text"])
    assert list(back["start"]) == list(base["start"]) and list(back["is_heading"]) == list(base["is_heading"])
    assert [t[0]["category"] if t else None for t in back["terms"]] == [t[0]["category"] if t else None
                                                                           for t in base["terms"]]
    assert back["scores"].tolist() == base["scores"].tolist()
    for name, table in stats.compute_stats(base, ["place", "year"]).items():
        other = stats.compute_stats(back, ["place", "year"])[name]
        pd.testing.assert_frame_equal(_plain(other), _plain(table), check_dtype=False)


def _cli(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output


def test_stats_tables_have_the_same_columns_everywhere(tmp_path: Path) -> None:
    tagged = write_jsonl(tmp_path / "t.jsonl", records())
    for fmt in FORMATS:
        _cli("stats", str(tagged), "-o", str(tmp_path / f"s.{fmt}"), "--by", "place", "--first-mention", "票决制")
    for name in ("labels", "terms", "term_function", "first_mention"):
        got = {fmt: list(pd.read_excel(tmp_path / "s.xlsx", sheet_name=name).columns) if fmt == "xlsx"
               else list(read(tmp_path / f"s_{name}.{fmt}").columns) for fmt in FORMATS}
        assert got["csv"] == got["xlsx"] == got["parquet"] == got["dta"], name
        assert all(NAME.match(str(c)) for c in got["csv"]), got["csv"]
    assert "y2021" in got["csv"]  # year columns of the diffusion table
    assert "codebook" in pd.read_excel(tmp_path / "s.xlsx", sheet_name=None)


def test_indicator_tables_have_the_same_columns_everywhere(tmp_path: Path) -> None:
    report = tmp_path / "a.txt"
    report.write_text("甲市人大常委会工作报告\n过去一年的主要工作\n召开常委会会议十次，听取和审议专项工作报告12个。\n",
                      encoding="utf-8")
    for fmt in FORMATS:
        _cli("indicators", str(report), "-o", str(tmp_path / f"i.{fmt}"))
    got = {fmt: list(read(tmp_path / f"i.{fmt}").columns) for fmt in FORMATS}
    assert got["csv"] == got["xlsx"] == got["parquet"] == got["dta"] == [c.name for c in schema.INDICATORS]
    dta = pd.read_stata(tmp_path / "i.dta")
    assert list(dta["value"]) == [10, 12] and dta["approx"].dtype == "int8"
    assert list(pd.read_excel(tmp_path / "i.xlsx", sheet_name=None)) == ["indicators", "codebook"]
