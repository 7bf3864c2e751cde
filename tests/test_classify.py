"""The classify stage: learning, numpy prediction, and safe model bundles."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from policytag.classify import Classifier, FunctionClassifier, featurize, load_model
from policytag.errors import ConfigError
from policytag.record import MappedText, Paragraph
from policytag.train import fit_classifier

LABELS = ["监督", "立法", "代表工作", "自身建设", "决定任免"]
# Small labeled paragraphs written for the tests (not taken from any real report).
TEMPLATES = {
    "监督": ["常委会听取审议了关于{x}的专项工作报告，并开展满意度测评。",
             "组织开展{x}执法检查，督促有关部门整改落实。",
             "围绕{x}开展专题询问，跟踪督办审议意见。"],
    "立法": ["审议通过{x}条例，完成立法计划确定的任务。",
             "开展{x}立法调研，修改完善条例草案。"],
    "代表工作": ["认真办理代表提出的{x}方面建议，办成率明显提升。",
             "组织代表进家站开展{x}主题活动，密切联系群众。"],
    "自身建设": ["坚持第一议题制度，组织机关干部学习{x}，加强作风建设。",
             "加强机关党建和{x}队伍建设，落实党风廉政责任。"],
    "决定任免": ["依法任免{x}国家机关工作人员，组织宪法宣誓。",
             "作出关于{x}的决议决定，依法讨论决定重大事项。"],
    "": ["各位代表：现在我代表常委会向大会报告工作，请予审议。",
         "我们始终坚持正确政治方向，为{x}凝心聚力。"],
}
TOPICS = ["生态环境", "乡村振兴", "食品安全", "城市管理", "教育事业", "养老服务"]


def rows(reports: int = 4) -> list[dict]:
    out = []
    for r in range(reports):
        for label, templates in TEMPLATES.items():
            for k, template in enumerate(templates):
                topic = TOPICS[(r + k) % len(TOPICS)]
                out.append({"text": template.format(x=topic), "labels": [label] if label else [],
                            "doc": f"报告{r}"})
    return out


@pytest.fixture(scope="module")
def fitted() -> FunctionClassifier:
    data = rows()
    return fit_classifier(FunctionClassifier(seed=0), [r["text"] for r in data], [r["labels"] for r in data],
                          groups=[r["doc"] for r in data], labels=LABELS)


def test_recovers_labels_of_new_paragraphs(fitted: FunctionClassifier) -> None:
    new = ["常委会听取审议了关于水资源保护的专项工作报告，并开展满意度测评。",
           "审议通过物业管理条例，完成立法计划确定的任务。",
           "依法任免一批国家机关工作人员，组织宪法宣誓。"]
    assert fitted.predict(new) == [["监督"], ["立法"], ["决定任免"]]


def test_punctuation_width_does_not_change_features() -> None:
    from policytag.classify import DEFAULT_FEATURES

    a = featurize(["听取审议报告，开展执法检查；督促整改。"], DEFAULT_FEATURES)
    b = featurize(["听取审议报告,开展执法检查;督促整改."], DEFAULT_FEATURES)
    assert sorted(a.cols.tolist()) == sorted(b.cols.tolist())


def test_fast_scores_equal_sparse_scores(fitted: FunctionClassifier) -> None:
    texts = [r["text"] for r in rows(1)] + ["", "a", " 监 督 "]
    assert np.allclose(fitted.decision_function(texts), fitted.decision_function(fitted.features(texts)), atol=1e-5)


def test_component_sets_labels_and_scores(fitted: FunctionClassifier) -> None:
    p = Paragraph("d", "d.txt", 0, MappedText.identity("组织开展食品安全执法检查，督促有关部门整改落实。"))
    out = list(Classifier(fitted).pipe([p], batch_size=1))[0]
    assert out.labels == ["监督"]
    assert set(out.scores) == set(LABELS) and out.scores["监督"] > out.scores["立法"]


def test_save_load_round_trip(fitted: FunctionClassifier, tmp_path: Path) -> None:
    fitted.save(tmp_path / "m")
    loaded = FunctionClassifier.load(tmp_path / "m")
    texts = [r["text"] for r in rows(1)]
    assert np.allclose(loaded.predict_proba(texts), fitted.predict_proba(texts), atol=1e-6)
    assert loaded.labels_ == LABELS


def test_same_seed_same_weights(tmp_path: Path) -> None:
    data = rows()
    for name in ("a", "b"):
        fit_classifier(FunctionClassifier(seed=3), [r["text"] for r in data], [r["labels"] for r in data],
                       groups=[r["doc"] for r in data]).save(tmp_path / name)
    assert (tmp_path / "a" / "weights.npz").read_bytes() == (tmp_path / "b" / "weights.npz").read_bytes()


def _bundle(fitted: FunctionClassifier, tmp_path: Path) -> Path:
    return fitted.save(tmp_path / "m")


def test_pickled_array_is_refused_and_never_runs(fitted: FunctionClassifier, tmp_path: Path) -> None:
    import pickle

    folder = _bundle(fitted, tmp_path)
    marker = tmp_path / "PWNED"

    class Payload:
        def __reduce__(self):  # noqa: ANN204
            return (Path.touch, (marker,))

    evil = np.empty(1, dtype=object)
    evil[0] = Payload()
    buf = io.BytesIO()
    np.lib.format.write_array(buf, evil, allow_pickle=True)
    with zipfile.ZipFile(folder / "weights.npz", "w") as zf:
        for name in ("rows", "values", "intercept"):
            zf.writestr(f"{name}.npy", buf.getvalue())
    assert pickle.dumps  # the payload is a real pickle
    with pytest.raises(ConfigError, match="weights.npz"):
        FunctionClassifier.load(folder)
    assert not marker.exists()


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.update(format_version=99), "format_version"),
    (lambda m: m["features"].update(scheme_version=1), "feature scheme"),
    (lambda m: m.update(labels="监督"), "labels"),
    (lambda m: m["thresholds"].update({"监督": "0.5; import os"}), "threshold"),
    (lambda m: m["arrays"]["values"].update(shape=[1, 1]), "shape"),
    (lambda m: m.update(arrays_sha256="0" * 64), "checksum"),
])
def test_odd_model_json_is_refused(fitted: FunctionClassifier, tmp_path: Path, edit, message: str) -> None:  # noqa: ANN001
    folder = _bundle(fitted, tmp_path)
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    edit(meta)
    (folder / "model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        FunctionClassifier.load(folder)


def test_edited_weights_fail_the_checksum(fitted: FunctionClassifier, tmp_path: Path) -> None:
    from policytag.classify import write_npz

    folder = _bundle(fitted, tmp_path)
    with np.load(folder / "weights.npz") as npz:
        arrays = {k: npz[k].copy() for k in npz.files}
    arrays["values"][0, 0] += 1.0
    write_npz(folder / "weights.npz", arrays)
    with pytest.raises(ConfigError, match="checksum"):
        FunctionClassifier.load(folder)


def test_missing_or_corrupt_bundle_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nowhere"):
        load_model(tmp_path / "nowhere")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "model.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "bad" / "weights.npz").write_bytes(b"junk")
    with pytest.raises(ConfigError, match="bad"):
        FunctionClassifier.load(tmp_path / "bad")


def test_shipped_default_model_loads_and_tags() -> None:
    clf = load_model("default")
    assert clf.labels == LABELS
    text = "审议通过了城市绿化条例和物业管理条例的修正案，开展立法调研。"
    assert "立法" in clf.model.predict([text])[0]  # plain strings: the model matches the lexicon itself
