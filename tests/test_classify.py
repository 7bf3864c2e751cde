"""The classify stage: learning, numpy prediction, and safe model bundles."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from policytag.classify import (
    Classifier,
    FunctionClassifier,
    batch_sentence_spans,
    featurize,
    load_model,
)
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
    (lambda m: m["features"].update(sentence_labels="监督"), "sentence_labels"),
    (lambda m: m["features"].update(sentence_min_chars=0), "sentence_min_chars"),
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


# --------------------------------------------------------------------------- sentence pooling
# A long paragraph whose last sentence is deputies' work (written for the test).
LONG = ("围绕生态环境保护开展执法检查，督促有关部门整改落实，推动解决突出问题二十余个。"
        "常委会还听取审议了关于城市管理的专项工作报告，开展满意度测评。"
        "认真办理代表提出的养老服务方面建议，办成率明显提升。")


# The rule the numpy cut (batch_sentence_spans) implements, written plainly as the test's reference: a
# sentence runs from its first character that is neither space nor an end mark, up to and with its end mark.
_SENTENCE = re.compile(r"[^\s。！？；!?;][^。！？；!?;]*[。！？；!?;]?")


def sentence_spans(text: str, min_chars: int) -> list[tuple[int, int]]:
    """(start, end) of the sentences of one paragraph at least ``min_chars`` long; [] for a shorter one."""
    if len(text) < min_chars:
        return []
    spans = []
    for m in _SENTENCE.finditer(text):
        a, b = m.span()
        if text[b - 1].isspace():  # only the last sentence can lack an end mark
            b = a + len(m.group().rstrip())
        if b - a >= 8:
            spans.append((a, b))
    return spans if len(spans) >= 2 else []


def test_sentence_spans_cut_long_paragraphs_only() -> None:
    spans = sentence_spans(LONG, 60)
    assert [LONG[a:b][-1] for a, b in spans] == ["。", "。", "。"]
    assert "".join(LONG[a:b] for a, b in spans) == LONG
    assert sentence_spans(LONG, len(LONG) + 1) == []  # shorter than the minimum: its own sentence
    assert sentence_spans("短句。" * 30, 60) == []  # pieces under 8 characters are left out
    assert sentence_spans("  " + "一句很长的话" * 12 + "。  ", 10) == []  # one sentence: nothing to pool


def test_batch_sentence_spans_are_sentence_spans_text_by_text() -> None:
    """The numpy cut of a whole batch gives the regex's spans, for any mix of marks, spaces and characters."""
    import random

    rng = random.Random(7)
    alphabet = [*"字词ab ,。！？；!?;", "\t", "\n", "\u3000", "\u2003", "\x85", "\x00", "\U0001f600"]
    for _ in range(3000):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(rng.randint(0, 5))]
        min_chars = rng.randint(1, 25)
        expected = [(i, a, b) for i, t in enumerate(texts) for a, b in sentence_spans(t, min_chars)]
        owner, start, end = batch_sentence_spans(texts, min_chars)
        assert list(zip(owner.tolist(), start.tolist(), end.tolist(), strict=True)) == expected, texts
    owner, start, end = batch_sentence_spans(["短", LONG, LONG], 60)
    assert owner.tolist() == [1, 1, 1, 2, 2, 2]
    assert list(zip(start[3:].tolist(), end[3:].tolist(), strict=True)) == sentence_spans(LONG, 60)  # per text


def test_sentence_spaces_are_every_space_of_the_bmp() -> None:
    from policytag.classify import _sentence_classes

    spaces = np.flatnonzero(_sentence_classes() == 1).tolist()
    assert spaces == [i for i in range(0x10000) if chr(i).isspace()]


def _pooled(fitted: FunctionClassifier, labels: list[str]) -> FunctionClassifier:
    import copy

    model = copy.copy(fitted)
    model.features_ = {**fitted.features_, "sentence_labels": labels, "sentence_min_chars": 60}
    return model


def test_pooled_labels_take_their_best_sentence(fitted: FunctionClassifier) -> None:
    plain = _pooled(fitted, [])
    pooled = _pooled(fitted, ["代表工作", "监督"])
    texts = [LONG, "依法任免国家机关工作人员，组织宪法宣誓。"]
    z_plain, z_pooled = plain.decision_function(texts), pooled.decision_function(texts)
    sentences = plain.decision_function([LONG[a:b] for a, b in sentence_spans(LONG, 60)])
    for j, lab in enumerate(LABELS):
        expected = max(z_plain[0, j], sentences[:, j].max()) if lab in ("代表工作", "监督") else z_plain[0, j]
        assert z_pooled[0, j] == pytest.approx(expected, abs=1e-5), lab
    assert z_pooled[0, LABELS.index("代表工作")] > z_plain[0, LABELS.index("代表工作")] + 0.1  # the pooling did act
    np.testing.assert_allclose(z_pooled[1], z_plain[1])  # a short paragraph is not split


def test_pooling_finds_lexicon_terms_of_paragraphs_by_offset(fitted: FunctionClassifier) -> None:
    """Paragraphs from the pipeline carry matched terms with document offsets: same scores as plain text."""
    from policytag.classify import _token_hash
    from policytag.lexicon import load_lexicon
    from policytag.match import Matcher

    model = _pooled(fitted, ["代表工作"])
    model.features_["lexicon_weight"] = 0.5
    raw = "前文。" * 300 + LONG  # the paragraph starts at offset 900 of its document
    para = Paragraph(doc_id="d", path="p", index=0, body=MappedText.identity(LONG, base=900))
    Matcher(load_lexicon(None))(para, raw)
    assert para.terms
    model.coef_ = fitted.coef_.copy()  # make the categories matter: a large weight on each one's bucket
    for term in para.terms:
        model.coef_[_token_hash(f"cat:{term.category}", model.features_["bits"]), LABELS.index("代表工作")] += 3.0
    with_terms = model.decision_function([para])
    np.testing.assert_allclose(with_terms, model.decision_function([LONG]), atol=1e-6)
    para.terms = []
    assert not np.allclose(model.decision_function([para]), with_terms)
    # a line break inside the paragraph, dropped by the read stage: offsets are no longer one stretch
    cut = LONG.index("常委会还")
    broken = LONG[:cut] + "\n" + LONG[cut:]
    para = Paragraph(doc_id="d", path="p", index=0, body=MappedText.identity(broken, base=900).drop("\n"))
    assert para.text == LONG
    Matcher(load_lexicon(None))(para, "前文。" * 300 + broken)
    np.testing.assert_allclose(model.decision_function([para]), with_terms, atol=1e-6)


def test_batch_term_positions_are_the_per_paragraph_lookup(fitted: FunctionClassifier) -> None:
    """One searchsorted for a whole batch finds every term where the per-paragraph lookup does:
    contiguous paragraphs, one with a dropped line break, one without terms, in one batch."""
    from policytag.classify import ParagraphBatch, _batch_term_positions
    from policytag.lexicon import load_lexicon
    from policytag.match import Matcher

    matcher = Matcher(load_lexicon(None))
    cut = LONG.index("常委会还")
    broken = LONG[:cut] + "\n" + LONG[cut:]
    pieces = [(LONG, None), ("今年没有术语的一段话。", None), (broken, "\n"), (LONG[cut:], None)]
    paragraphs = []
    for i, (text, drop) in enumerate(pieces):
        body = MappedText.identity(text, base=1000 * i + 7)
        para = Paragraph(doc_id="d", path="p", index=i, body=body.drop(drop) if drop else body)
        matcher(para, " " * (1000 * i + 7) + text)
        paragraphs.append(para)
    assert [bool(p.terms) for p in paragraphs] == [True, False, True, True]
    which = np.array([0, 2, 3])
    rows, pos, cats = fitted._term_positions(paragraphs, None, which.tolist())
    batch = ParagraphBatch.of(paragraphs)
    got_rows, got_pos, codes = _batch_term_positions(paragraphs, batch, which)
    assert got_rows.tolist() == rows.tolist()
    assert got_pos.tolist() == pos.tolist()
    assert [batch.categories.names[c] for c in codes.tolist()] == cats
    assert [paragraphs[r].text[q:].startswith(t.term) for r, q, t in  # each position is where the term stands
            zip(rows.tolist(), pos.tolist(), [t for i in which for t in paragraphs[i].terms], strict=True)] == \
        [True] * len(rows)


def test_sentence_labels_survive_save_and_load(fitted: FunctionClassifier, tmp_path: Path) -> None:
    model = _pooled(fitted, ["代表工作"])
    model.save(tmp_path / "m")
    loaded = FunctionClassifier.load(tmp_path / "m")
    assert loaded.features_["sentence_labels"] == ["代表工作"]
    np.testing.assert_allclose(loaded.decision_function([LONG]), model.decision_function([LONG]), atol=1e-6)


def test_shipped_model_pools_supervision_and_deputies() -> None:
    model = load_model("default").model
    assert model.features_["sentence_labels"] == ["监督", "代表工作"]


def test_pooling_reads_the_terms_of_a_whole_batch_at_once(fitted: FunctionClassifier) -> None:
    """Long paragraphs with contiguous and with broken offsets, and short ones, scored together or alone: same."""
    from policytag.lexicon import load_lexicon
    from policytag.match import Matcher

    model = _pooled(fitted, ["代表工作", "监督"])
    model.features_["lexicon_weight"] = 0.5
    cut = LONG.index("常委会还")
    broken = MappedText.identity(LONG[:cut] + "\n" + LONG[cut:], base=40).drop("\n")
    bodies = [MappedText.identity(LONG, base=900), broken, MappedText.identity("依法任免国家机关工作人员。", 5),
              MappedText.identity(LONG[cut:] + LONG[:cut], base=3)]
    paragraphs = [Paragraph(doc_id="d", path="p", index=i, body=b) for i, b in enumerate(bodies)]
    Matcher(load_lexicon(None)).match_batch(paragraphs)
    assert all(p.terms for p in paragraphs)
    together = model.decision_function(paragraphs)
    alone = np.vstack([model.decision_function([p]) for p in paragraphs])
    np.testing.assert_array_equal(together, alone)
