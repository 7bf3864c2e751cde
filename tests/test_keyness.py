"""``policytag keyness``: selectors, counts against an independent count, statistics against scipy, bad input."""

from __future__ import annotations

import doctest
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from test_robustness import run_cli
from test_stats import make_records, write_jsonl

from policytag import keyness as kn
from policytag.errors import ConfigError


@pytest.fixture()
def tagged(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "tagged.jsonl", make_records())


def run_keyness(*args: str) -> tuple[int, str, str]:
    return run_cli("keyness", *args)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(kn)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("text", "values", "low", "high"), [
    ("year=2023..2024", (), 2023, 2024),
    ("year=..2019", (), None, 2019),
    ("year=2023..", (), 2023, None),
    ("place=衡阳市,株洲市", ("衡阳市", "株洲市"), None, None),
    ("place=衡阳市，株洲市", ("衡阳市", "株洲市"), None, None),
    ("level=县区", ("县区",), None, None),
])
def test_selectors_parse(text: str, values: tuple, low: float | None, high: float | None) -> None:
    sel = kn.parse_selector(text)
    assert (sel.values, sel.low, sel.high) == (values, low, high)


@pytest.mark.parametrize("text", ["year", "=2020", "year=", "year=a..b", "year=2024..2020", "year=.."])
def test_bad_selectors_are_usage_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        kn.parse_selector(text)


def test_statistics_agree_with_scipy() -> None:
    target, reference = {"甲": 30, "乙": 2, "丙": 0}, {"甲": 5, "乙": 20, "丙": 9}
    n1, n2 = 50_000, 80_000
    table = kn.keyness_scores(target, reference, n1, n2).set_index("feature")
    for feat in target:
        a, b = target[feat], reference[feat]
        obs = np.array([[a, n1 - a], [b, n2 - b]])
        chi2, p, _, _ = chi2_contingency(obs, correction=False)
        g2, g2p, _, _ = chi2_contingency(obs, correction=False, lambda_="log-likelihood")
        row = table.loc[feat]
        assert row["chi2"] == pytest.approx(chi2) and row["chi2_p"] == pytest.approx(p)
        assert row["g2"] == pytest.approx(g2) and row["g2_p"] == pytest.approx(g2p)
        assert row["target_per_10k"] == pytest.approx(a / n1 * 10_000)
        expected_lr = np.log2((max(a, 0.5) / n1) / (max(b, 0.5) / n2))
        assert row["log_ratio"] == pytest.approx(expected_lr)
    assert table.loc["甲", "key_for"] == "target" and table.loc["丙", "key_for"] == "reference"
    order = kn.keyness_scores(target, reference, n1, n2)
    assert order["key_for"].tolist() == ["target", "reference", "reference"]
    assert order.loc[1, "g2"] >= order.loc[2, "g2"]  # each side strongest first


def _independent_counts(records: list[dict], years: set[int]) -> tuple[Counter, int]:
    counts, chars = Counter(), 0
    for r in records:
        if r["meta"]["year"] in years:
            chars += len(r["text"])
            counts.update(t["canonical"] for t in r["terms"])
    return counts, chars


def test_term_counts_and_rates_match_an_independent_count(tagged: Path, tmp_path: Path) -> None:
    out = tmp_path / "k.csv"
    code, _, err = run_keyness(str(tagged), "--target", "year=2021..2022", "--reference", "year=2019..2020",
                               "--min-count", "1", "-o", str(out))
    assert code == 0, err
    table = pd.read_csv(out, encoding="utf-8-sig").set_index("feature")
    records = make_records()
    tc, tchars = _independent_counts(records, {2021, 2022})
    rc, rchars = _independent_counts(records, {2019, 2020})
    assert set(table.index) == set(tc) | set(rc)
    for feat in table.index:
        assert table.loc[feat, "target_count"] == tc[feat] and table.loc[feat, "reference_count"] == rc[feat]
        assert table.loc[feat, "target_per_10k"] == pytest.approx(tc[feat] / tchars * 10_000)
    assert table.loc["票决制", "key_for"] == "target" and table.loc["专题询问", "key_for"] == "reference"
    assert f"{tchars} chars" in err and f"{rchars} chars" in err


def test_any_field_and_lists_select(tagged: Path) -> None:
    code, out, err = run_keyness(str(tagged), "--target", "place=丙县,丁区", "--min-count", "1")
    assert code == 0, err
    assert "target place=丙县,丁区: 5 paragraphs in 3 documents" in err and "reference (the rest)" in err
    code, out, err = run_keyness(str(tagged), "--target", "level=县", "--reference", "level=市", "--min-count", "1")
    assert code == 0 and "双联" in out


def test_ngrams_and_words(tagged: Path) -> None:
    frame = __import__("policytag.stats", fromlist=["x"]).load_tagged([tagged])
    target = [kn.parse_selector("year=2021..2022")]
    res = kn.keyness(frame, target, kind="ngram", n=2, min_count=1)
    expected = Counter()
    for r in make_records():
        if r["meta"]["year"] >= 2021:
            t = r["text"]
            expected.update(t[i : i + 2] for i in range(len(t) - 1) if kn._all_han(t[i : i + 2]))
    got = res.table.set_index("feature")["target_count"]
    assert {f: int(got[f]) for f in got.index if got[f]} == dict(expected)
    from policytag.tokenizer import get_tokenizer

    words = kn.keyness(frame, target, kind="word", min_count=1, tokenizer=get_tokenizer("jieba")).table
    assert "票决" in set(words["feature"]) or "票决制" in set(words["feature"])
    assert all(len(w) >= 2 for w in words["feature"])


def test_categories_need_the_category_field(tagged: Path, tmp_path: Path) -> None:
    code, out, err = run_keyness(str(tagged), "--target", "year=2021..2022", "--features", "category",
                                 "--min-count", "1")
    assert code == 0 and "代表工作" in out
    csv_tagged = tmp_path / "t.csv"
    pd.DataFrame([{"doc_id": "a", "text": "开展专题询问", "labels": "", "terms": "专题询问", "meta.year": 2020},
                  {"doc_id": "b", "text": "开展专题询问", "labels": "", "terms": "专题询问", "meta.year": 2021}]
                 ).to_csv(csv_tagged, index=False, encoding="utf-8-sig")
    code, _, err = run_keyness(str(csv_tagged), "--target", "year=2021", "--features", "category")
    assert code == 2 and "no term categories" in err


def test_a_target_that_matches_nothing_says_what_there_is(tagged: Path) -> None:
    code, _, err = run_keyness(str(tagged), "--target", "year=2030")
    assert code == 2
    assert err.strip() == "policytag: error: --target year=2030 matches no paragraph (year runs from 2019 to 2022)"
    code, _, err = run_keyness(str(tagged), "--target", "year=2019", "--reference", "place=乌有县")
    assert code == 2 and "--reference place=乌有县 matches no paragraph (place has 丁区, 丙县, 甲市)" in err
    code, _, err = run_keyness(str(tagged), "--target", "cityy=1")
    assert code == 2 and "no field 'cityy'" in err and "place" in err
    code, _, err = run_keyness(str(tagged), "--target", "year=2019..2022")
    assert code == 2 and "the reference is empty" in err


def test_chart_is_drawn(tagged: Path, tmp_path: Path) -> None:
    code, _, err = run_keyness(str(tagged), "--target", "year=2021..2022", "--min-count", "1", "--plot",
                               str(tmp_path / "charts" / "key.png"), "--top", "3")
    assert code == 0, err
    png = tmp_path / "charts" / "key.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "charts" / "key.svg").is_file()
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("L"))
    assert len(np.unique(pixels)) > 10


def test_hostile_terms_are_neutralized_and_inputs_protected(tmp_path: Path) -> None:
    records = make_records()
    records[0]["terms"] = [{"term": "=1+1", "canonical": "=1+1", "category": "x"}] * 3
    tagged = write_jsonl(tmp_path / "t.jsonl", records)
    assert run_keyness(str(tagged), "--target", "year=2019", "--min-count", "1", "-o", str(tmp_path / "k.csv"))[0] == 0
    text = (tmp_path / "k.csv").read_text(encoding="utf-8-sig")
    assert "\n'=1+1," in text and "\n=1+1," not in text
    before = tagged.read_bytes()
    code, _, err = run_keyness(str(tagged), "--target", "year=2019", "-o", str(tagged), "--format", "csv")
    assert code == 2 and "is also an input" in err and tagged.read_bytes() == before


def test_keyness_on_the_seeds(seeds_dir: Path, tmp_path: Path) -> None:
    tagged = tmp_path / "seeds.jsonl"
    assert run_cli("tag", str(seeds_dir), "-o", str(tagged))[0] == 0
    code, out, err = run_keyness(str(tagged), "--target", "year=2024", "--top", "5")
    assert code == 0, err
    table_lines = out.strip().splitlines()
    assert len(table_lines) >= 2 and "target" in table_lines[1]
