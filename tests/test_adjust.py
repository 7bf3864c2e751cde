"""stats --adjust: classify-and-count shares corrected by TPR/FPR recover a known prevalence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from policytag.adjust import Rates, adjust, adjusted_table, rates_from_file
from policytag.cli import cli
from policytag.errors import ConfigError
from policytag.stats import normalize

TRUE = {"监督": 0.10, "自身建设": 0.60}
TPR, FPR = 0.80, 0.10


def _simulate(seed: int = 3, docs: int = 60, per_doc: int = 50) -> pd.DataFrame:
    """Paragraphs whose true labels have a known prevalence, tagged by a classifier with known TPR/FPR."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(docs):
        for i in range(per_doc):
            labels = []
            for lab, p in TRUE.items():
                truth = rng.random() < p
                if rng.random() < (TPR if truth else FPR):
                    labels.append(lab)
            rows.append({"doc_id": f"d{d}", "index": i, "text": "段落" * 5, "labels": labels,
                         "year": 2020 + d % 2})
    return normalize(pd.DataFrame(rows))


RATES = {lab: Rates(tp=800, fn=200, fp=100, tn=900) for lab in TRUE}  # TPR 0.8, FPR 0.1 measured on 2,000 rows


def test_formula_and_clipping() -> None:
    assert adjust(0.17, 0.8, 0.1) == pytest.approx(0.1)
    assert adjust(0.05, 0.8, 0.1) == 0.0 and adjust(0.95, 0.8, 0.1) == 1.0  # clipped to [0, 1]
    assert np.isnan(adjust(0.5, 0.52, 0.5))  # TPR − FPR too small: no correction


def test_adjusted_shares_recover_the_true_prevalence() -> None:
    frame = _simulate()
    table = adjusted_table(frame, RATES, "simulation").set_index("label")
    for lab, truth in TRUE.items():
        row = table.loc[lab]
        raw_expected = truth * TPR + (1 - truth) * FPR  # 0.17 and 0.52: the raw shares are biased
        assert row["share_raw"] == pytest.approx(raw_expected, abs=0.02)
        assert abs(row["share_raw"] - truth) > 0.05
        assert row["share_adjusted"] == pytest.approx(truth, abs=0.03)
        assert row["adjusted_low"] < truth < row["adjusted_high"]
        assert row["raw_low"] < row["share_raw"] < row["raw_high"]
        # the interval also carries the uncertainty of TPR/FPR, so it is wider than the raw one
        assert row["adjusted_high"] - row["adjusted_low"] > row["raw_high"] - row["raw_low"]


def test_groups_are_adjusted_separately() -> None:
    table = adjusted_table(_simulate(), RATES, "simulation", by=["year"])
    assert sorted(table["year"].unique().tolist()) == [2020, 2021] and len(table) == 4
    assert table["share_adjusted"].between(0, 1).all()


def test_rates_from_evaluate_json(tmp_path: Path) -> None:
    good = tmp_path / "eval.json"
    good.write_text(json.dumps({"per_label": {"监督": {"tp": 8, "fn": 2, "fp": 1, "tn": 9}}}), encoding="utf-8")
    rates, source = rates_from_file(good)
    assert rates["监督"].tpr == 0.8 and rates["监督"].fpr == 0.1 and "eval.json" in source
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"per_label": {"监督": {"precision": 1.0}}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="no tp/fn/fp/tn counts"):
        rates_from_file(old)


def test_cli_prints_raw_and_adjusted_side_by_side(tmp_path: Path) -> None:
    frame = _simulate(docs=20)
    tagged = tmp_path / "tagged.jsonl"
    tagged.write_text("".join(json.dumps({"doc_id": r.doc_id, "index": int(r.index), "text": r.text,
                                          "labels": r.labels, "meta": {"year": int(r.year)}}, ensure_ascii=False)
                              + "\n" for r in frame.itertuples()), encoding="utf-8")
    rates = tmp_path / "eval.json"
    rates.write_text(json.dumps({"per_label": {lab: {"tp": 800, "fn": 200, "fp": 100, "tn": 900} for lab in TRUE}}),
                     encoding="utf-8")
    result = CliRunner().invoke(cli, ["stats", str(tagged), "--adjust-with", str(rates)], obj={})
    assert result.exit_code == 0, result.output
    assert "share_raw" in result.output and "share_adjusted" in result.output and "adjusted_low" in result.output
    assert "valid only where those error rates" in result.output
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(cli, ["stats", str(tagged), "--adjust-with", str(rates), "-o", str(out)], obj={})
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "s_labels_adjusted.csv", encoding="utf-8-sig")
    assert set(table["label"]) == set(TRUE) and (table["rates_from"] == "evaluate output eval.json").all()


def test_cli_adjust_uses_the_model_card_rates(tmp_path: Path) -> None:
    rows = [{"text": t.format(x=x), "labels": lab, "doc": f"r{k}"}
            for k, x in enumerate(["甲", "乙", "丙", "丁"])
            for t, lab in (("听取审议{x}专项工作报告。", ["监督"]), ("审议通过{x}条例草案。", ["立法"]),
                           ("为{x}努力奋斗。", []), ("开展{x}执法检查。", ["监督"]))]
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    model = tmp_path / "m"
    assert CliRunner().invoke(cli, ["train", str(train), "-o", str(model), "--folds", "2"], obj={}).exit_code == 0
    tagged = tmp_path / "tagged.jsonl"
    tagged.write_text(json.dumps({"doc_id": "a", "text": "x", "labels": ["监督"]}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    result = CliRunner().invoke(cli, ["stats", str(tagged), "--adjust", "--model", str(model)], obj={})
    assert result.exit_code == 0, result.output
    assert f"grouped CV of model {model}" in result.output
