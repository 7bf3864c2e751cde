"""``policytag stats --panel TERM``: one row per place × year, gaps as observed = 0, neighbours by region code."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pandas as pd
import pytest
from test_robustness import run_cli

from policytag import panel as panel_mod

# (place, year, mentions of 票决制): written for this test
REPORTS = [
    ("湖南省", 2019, 1),
    ("衡阳市", 2019, 0), ("衡阳市", 2021, 2),  # 2020 missing
    ("株洲市", 2020, 1),
    ("衡阳县", 2020, 0), ("衡阳县", 2021, 0), ("衡阳县", 2022, 1),
    ("江陵县", 2021, 0),
]


def records(extra: list[dict] | None = None) -> list[dict]:
    out = []
    for place, year, n in REPORTS:
        text = "推行民生实事项目代表票决制。" * n + "听取专项工作报告。"
        terms = [{"term": "代表票决制", "canonical": "票决制", "category": "代表工作"}] * n
        out.append({"doc_id": f"{place}-{year}", "index": 0, "text": text, "labels": [], "terms": terms,
                    "meta": {"place": place, "year": year}})
    return out + (extra or [])


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def panel(tmp_path: Path) -> pd.DataFrame:
    tagged = write_jsonl(tmp_path / "t.jsonl", records())
    code, _, err = run_cli("stats", str(tagged), "--panel", "票决制", "-o", str(tmp_path / "panel.csv"))
    assert code == 0, err
    return pd.read_csv(tmp_path / "panel.csv", encoding="utf-8-sig", dtype={"region_code": str})


def row(panel: pd.DataFrame, place: str, year: int) -> pd.Series:
    return panel[(panel["place"] == place) & (panel["year"] == year)].iloc[0]


def test_docstring_example_runs() -> None:
    result = doctest.testmod(panel_mod)
    assert result.attempted > 0 and result.failed == 0


def test_columns_and_one_row_per_place_year(panel: pd.DataFrame) -> None:
    assert list(panel.columns) == panel_mod.PANEL_COLUMNS
    assert not panel.duplicated(["place", "year"]).any()
    spans = panel.groupby("place")["year"].agg(["min", "max", "count"])
    assert (spans["count"] == spans["max"] - spans["min"] + 1).all()  # no gaps
    assert len(panel) == 1 + 3 + 1 + 3 + 1


def test_missing_year_is_a_row_with_observed_0(panel: pd.DataFrame) -> None:
    gap = row(panel, "衡阳市", 2020)
    assert gap["observed"] == 0 and pd.isna(gap["mentioned"]) and gap["adopted"] == 0 and gap["at_risk"] == 1
    assert gap["n_docs"] == 0


def test_adoption_event_and_risk_set(panel: pd.DataFrame) -> None:
    city = panel[panel["place"] == "衡阳市"].set_index("year")
    assert city["mentioned"].tolist()[::2] == [0, 1]
    assert city["adopted"].tolist() == [0, 0, 1] and city["event"].tolist() == [0, 0, 1]
    assert (city["first_year"] == 2021).all() and city.loc[2021, "mentions"] == 2
    never = panel[panel["place"] == "江陵县"].iloc[0]
    assert pd.isna(never["first_year"]) and never["adopted"] == 0 and never["at_risk"] == 1


def test_neighbours_by_province_level_and_higher_level(panel: pd.DataFrame) -> None:
    county = row(panel, "衡阳县", 2022)
    assert county["region_code"] == "430421" and county["province"] == "湖南省" and county["level"] == "县区"
    assert county["n_prior_adopters_same_province"] == 3  # 湖南省 2019, 株洲市 2020, 衡阳市 2021
    assert pd.isna(county["share_prior_adopters_same_level_in_province"])  # no other county of 湖南 here
    assert county["higher_level_mentioned_before"] == 1
    assert row(panel, "衡阳市", 2020)["share_prior_adopters_same_level_in_province"] == 0.0  # 株洲 in 2020: not before
    assert row(panel, "衡阳市", 2021)["share_prior_adopters_same_level_in_province"] == 1.0
    assert row(panel, "湖南省", 2019)["n_prior_adopters_same_province"] == 0
    assert pd.isna(row(panel, "湖南省", 2019)["higher_level_mentioned_before"])  # nothing above a province
    jiangling = row(panel, "江陵县", 2021)
    assert jiangling["province"] == "湖北省" and jiangling["n_prior_adopters_same_province"] == 0
    assert pd.isna(jiangling["higher_level_mentioned_before"])


def test_left_out_documents_and_unknown_places_are_said(tmp_path: Path) -> None:
    extra = [{"doc_id": "no-year", "text": "票决制", "labels": [], "meta": {"place": "株洲市"}},
             {"doc_id": "no-place", "text": "票决制", "labels": [], "meta": {"year": 2020}},
             {"doc_id": "nowhere", "text": "票决制", "labels": [], "meta": {"place": "乌有县", "year": 2020}}]
    tagged = write_jsonl(tmp_path / "t.jsonl", records(extra))
    code, _, err = run_cli("stats", str(tagged), "--panel", "票决制,双联", "-o", str(tmp_path / "p.xlsx"))
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("policytag: note:")]
    assert any("without a year are left out" in n and "no-year" in n for n in notes)
    assert any("without a place are left out" in n and "no-place" in n for n in notes)
    assert any("'乌有县' has no GB/T 2260 region code" in n for n in notes)
    assert any("'双联' is mentioned in no report" in n for n in notes)
    table = pd.read_excel(tmp_path / "p.xlsx", sheet_name="panel")
    assert set(table["term"]) == {"票决制", "双联"}
    assert "乌有县" in set(table["place"])


def test_no_place_or_year_anywhere_is_a_usage_error(tmp_path: Path) -> None:
    tagged = write_jsonl(tmp_path / "t.jsonl", [{"doc_id": "x", "text": "票决制", "labels": []}])
    code, _, err = run_cli("stats", str(tagged), "--panel", "票决制", "-o", str(tmp_path / "p.csv"))
    assert code == 2 and "no document has both a place and a year" in err
    assert not (tmp_path / "p.csv").exists()


def test_panel_never_overwrites_its_input(tmp_path: Path) -> None:
    tagged = write_jsonl(tmp_path / "t.csv", [])
    code, _, err = run_cli("stats", str(tagged), "--panel", "票决制", "-o", str(tagged))
    assert code == 2 and "is also an input" in err


def test_place_names_cannot_become_formulas(tmp_path: Path) -> None:
    extra = [{"doc_id": "evil", "text": "票决制", "labels": [], "meta": {"place": "=1+1", "year": 2020}}]
    tagged = write_jsonl(tmp_path / "t.jsonl", records(extra))
    assert run_cli("stats", str(tagged), "--panel", "票决制", "-o", str(tmp_path / "p.csv"))[0] == 0
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert "\n'=1+1," in text and "\n=1+1" not in text


def test_panel_on_the_seeds(seeds_dir: Path, tmp_path: Path) -> None:
    tagged = tmp_path / "seeds.jsonl"
    assert run_cli("tag", str(seeds_dir), "-o", str(tagged))[0] == 0
    code, _, err = run_cli("stats", str(tagged), "--panel", "票决制", "-o", str(tmp_path / "p.csv"))
    assert code == 0, err
    table = pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig")
    assert len(table) >= 3 and (table["observed"] == 1).sum() >= 3
    assert "without a place are left out" in err  # two seeds are excerpts without a title
