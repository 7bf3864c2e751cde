"""Training data, grouped folds, thresholds, metrics and weak labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from policytag.classify import featurize
from policytag.errors import ConfigError
from policytag.train import (
    best_thresholds,
    bootstrap_ci,
    format_metrics,
    group_folds,
    load_labeled,
    metrics,
    weak_labels,
)


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_labels_as_list_string_or_columns(tmp_path: Path) -> None:
    a = load_labeled(_jsonl(tmp_path / "a.jsonl", [{"text": "甲", "labels": ["监督", "立法"], "doc": "1"}]))
    b = load_labeled(_jsonl(tmp_path / "b.jsonl", [{"text": "甲", "labels": "监督、立法", "doc": "1"}]))
    (tmp_path / "c.csv").write_text("text,doc,监督,立法\n甲,1,1,1\n乙,1,0,0\n", encoding="utf-8")
    c = load_labeled(tmp_path / "c.csv")
    assert a[0].labels == b[0].labels == c[0].labels == ["监督", "立法"]
    assert c[1].labels == [] and c[0].group == "1"


def test_unknown_label_names_file_and_line(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "a.jsonl", [{"text": "甲", "labels": ["监督"]}, {"text": "乙", "labels": ["财经"]}])
    with pytest.raises(ConfigError, match=r"a\.jsonl:2: unknown label '财经'"):
        load_labeled(path, labels=["监督", "立法"])


def test_no_labels_at_all_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no labels"):
        load_labeled(_jsonl(tmp_path / "a.jsonl", [{"text": "甲"}]))
    with pytest.raises(ConfigError, match="no row has any label"):
        load_labeled(_jsonl(tmp_path / "b.jsonl", [{"text": "甲", "labels": []}]))


def test_folds_keep_each_report_whole() -> None:
    groups = [f"r{i % 7}" for i in range(70)]
    folds = group_folds(groups, 5, seed=1)
    assert sorted(np.concatenate(folds).tolist()) == list(range(70))
    for test in folds:
        inside = {groups[i] for i in test}
        assert all(groups[i] not in inside for i in range(70) if i not in set(test.tolist()))
    assert [f.tolist() for f in folds] == [f.tolist() for f in group_folds(groups, 5, seed=1)]


def test_thresholds_maximize_f1() -> None:
    probs = np.array([[0.9], [0.35], [0.3], [0.1]])
    gold = np.array([[True], [True], [False], [False]])
    assert 0.3 < best_thresholds(probs, gold)[0] <= 0.35


def test_metrics_and_confusion() -> None:
    gold = np.array([[1, 0], [0, 1], [0, 0]], dtype=bool)
    pred = np.array([[1, 0], [1, 0], [0, 0]], dtype=bool)
    m = metrics(gold, pred, ["A", "B"])
    assert m["per_label"]["A"]["precision"] == 0.5 and m["per_label"]["B"]["recall"] == 0.0
    assert m["exact_match"] == round(2 / 3, 4)
    assert m["confusion"]["A"]["fp_gold_was"] == {"B": 1}
    assert m["confusion"]["B"]["fn_predicted_instead"] == {"A": 1}


def test_weak_labels_from_heading_and_phrase() -> None:
    labels, rules = weak_labels("认真办理代表建议，组织执法检查。", ["三、充分发挥代表作用"])
    assert labels == ["代表工作", "监督"]
    assert any(r.startswith("heading:") for r in rules) and any("执法检查" in r for r in rules)


def test_metrics_agree_with_scikit_learn() -> None:
    from sklearn.metrics import f1_score, precision_score, recall_score

    rng = np.random.default_rng(0)
    gold = rng.random((200, 3)) < 0.3
    pred = gold ^ (rng.random((200, 3)) < 0.15)
    m = metrics(gold, pred, ["A", "B", "C"])
    for j, lab in enumerate("ABC"):
        r = m["per_label"][lab]
        assert r["precision"] == round(precision_score(gold[:, j], pred[:, j]), 4)
        assert r["recall"] == round(recall_score(gold[:, j], pred[:, j]), 4) == r["tpr"]
        assert r["f1"] == round(f1_score(gold[:, j], pred[:, j]), 4)
        assert r["tp"] + r["fp"] + r["fn"] + r["tn"] == 200
        assert r["fpr"] == round(r["fp"] / (r["fp"] + r["tn"]), 4)
    assert m["micro_f1"] == round(f1_score(gold, pred, average="micro"), 4)
    one = metrics(gold[:, :1], pred[:, :1], ["A"])  # a single label is not "binary" by accident
    assert one["per_label"]["A"] == {k: v for k, v in m["per_label"]["A"].items()}


def test_bootstrap_intervals_resample_whole_reports() -> None:
    rng = np.random.default_rng(1)
    gold = rng.random((300, 2)) < 0.4
    pred = gold ^ (rng.random((300, 2)) < 0.2)
    groups = [f"r{i // 10}" for i in range(300)]
    m = metrics(gold, pred, ["A", "B"], groups=groups)
    ci = m["ci"]
    assert ci["groups"] == 30 and ci["unit"] == "report"
    for lab in "AB":
        low, high = ci["per_label"][lab]["f1"]
        assert low < m["per_label"][lab]["f1"] < high and high - low < 0.3
    assert ci == bootstrap_ci(gold, pred, groups, ["A", "B"])  # same seed, same intervals
    # every report identical -> resampling reports changes nothing -> zero-width interval
    same = np.tile(np.array([[1, 0], [0, 1], [1, 1]], dtype=bool), (20, 1))
    flat = bootstrap_ci(same, same, [f"r{i // 3}" for i in range(60)], ["A", "B"])
    assert flat["macro_f1"] == [1.0, 1.0]
    text = format_metrics(m)
    assert "[" in text and "bootstrap over 30 reports" in text


def test_row_keys_round_trip_and_refuse_a_corrupt_bundle() -> None:
    from types import SimpleNamespace

    from policytag.rowkeys import encode_row_keys, row_key, training_row_keys

    texts = ["听取审议专项工作报告。", "审议通过条例草案，", "审议通过条例草案,"]  # the last two: one key
    model = SimpleNamespace(info_={"training": {"row_keys": encode_row_keys(row_key(t) for t in texts)}})
    keys = training_row_keys(model)
    assert len(keys) == 2 and row_key("听取审议 专项工作报告") in keys and row_key("任免") not in keys
    assert training_row_keys(SimpleNamespace(info_={"training": {}})) is None  # an older bundle
    with pytest.raises(ConfigError, match="row_keys is not valid"):
        training_row_keys(SimpleNamespace(info_={"training": {"row_keys": "abc!"}}))


def _pooling_rows() -> tuple[list[str], list[list[str]], list[str]]:
    short = {"监督": "常委会听取审议了关于{x}的专项工作报告。", "代表工作": "认真办理代表提出的{x}方面建议。",
             "": "各位代表，现在我代表常委会向大会报告工作。"}
    topics = ["生态环境", "乡村振兴", "食品安全", "城市管理", "教育事业", "养老服务"]
    texts, labels, groups = [], [], []
    for r in range(6):
        for lab, template in short.items():
            texts.append(template.format(x=topics[r]))
            labels.append([lab] if lab else [])
            groups.append(f"r{r}")
        # a long paragraph: two framing sentences and, last, one sentence of deputies' work (left unlabeled
        # here, so that the paragraph as a whole scores low and only its last sentence scores high)
        texts.append("一年来，常委会坚持围绕中心、服务大局，各项工作取得了新的成效。我们始终坚持依法履职，"
                     f"努力让人大工作更好体现人民意愿。认真办理代表提出的{topics[r]}方面建议，办成率明显提升。")
        labels.append([])
        groups.append(f"r{r}")
    return texts, labels, groups


def test_cross_validation_scores_pooled_labels_by_their_best_sentence() -> None:
    """With sentence_labels, CV scores held-out rows through the prediction code: pooled columns change."""
    from policytag.train import cross_validate

    texts, labels, groups = _pooling_rows()
    params = {"C": 30.0, "tune_thresholds": False, "seed": 0}
    plain = cross_validate(params, texts, labels, groups, ["监督", "代表工作"], folds=3)["probs"]
    pooled = cross_validate({**params, "sentence_labels": ["代表工作"], "sentence_min_chars": 40},
                            texts, labels, groups, ["监督", "代表工作"], folds=3)["probs"]
    long_rows = [i for i, t in enumerate(texts) if len(t) >= 40]
    np.testing.assert_allclose(pooled[:, 0], plain[:, 0], atol=1e-6)  # 监督 is not pooled
    assert (pooled[long_rows, 1] > plain[long_rows, 1] + 1e-3).all()  # the deputies' sentence lifts 代表工作
    short_rows = [i for i in range(len(texts)) if i not in long_rows]
    np.testing.assert_allclose(pooled[short_rows], plain[short_rows], atol=1e-6)


def test_thresholds_are_tuned_on_pooled_probabilities() -> None:
    """Out-of-fold probabilities for threshold tuning are pooled like the predictions they cut."""
    from policytag.classify import FunctionClassifier
    from policytag.train import label_matrix, oof_probabilities

    texts, labels, groups = _pooling_rows()
    params = FunctionClassifier(C=30.0, seed=0, sentence_labels=["代表工作"], sentence_min_chars=40).get_params()
    settings = FunctionClassifier(**params).feature_settings()
    X = featurize(texts, settings).to_csr(1 << settings["bits"])
    Y = label_matrix(labels, ["监督", "代表工作"])
    plain, _ = oof_probabilities(X, Y, groups, params, 3, 0)
    pooled, _ = oof_probabilities(X, Y, groups, params, 3, 0, texts, ["监督", "代表工作"])
    long_rows = [i for i, t in enumerate(texts) if len(t) >= 40]
    assert (pooled[long_rows, 1] > plain[long_rows, 1] + 1e-3).all()
    np.testing.assert_allclose(pooled[:, 0], plain[:, 0], atol=1e-6)
