"""spaCy components ``policy_terms`` and ``policy_functions`` on a blank ``zh`` pipeline (char segmenter)."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

import policytag  # noqa: E402
import policytag.spacy_components as components  # noqa: E402

PARAGRAPH = "全面落实代表联系群众制度，推进“双联”工作，落实民生实事项目人大代表票决制。"
TRADITIONAL = "常委會組織執法檢查，推進「雙聯」工作。"


@pytest.fixture(scope="module")
def nlp():  # noqa: ANN201
    nlp = spacy.blank("zh")
    nlp.add_pipe("policy_terms")
    nlp.add_pipe("policy_functions")
    return nlp


def _spans(doc, key: str = "policy_terms") -> list[tuple]:  # noqa: ANN001
    return [(s.text, s.label_, s._.canonical, s._.quoted, s.start_char, s.end_char) for s in doc.spans[key]]


def test_terms_become_spans_with_category_canonical_and_quotes(nlp) -> None:  # noqa: ANN001
    doc = nlp(PARAGRAPH)
    assert _spans(doc) == [
        ("代表联系群众", "代表工作", "代表联系群众", False, 4, 10),
        ("“双联”工作", "代表工作", "双联", True, 15, 21),
        ("民生实事项目人大代表票决制", "代表工作", "民生实事项目人大代表票决制", False, 24, 37),
    ]
    assert nlp.get_pipe_meta("policy_terms").assigns == ["doc.spans"]


def test_spans_are_the_terms_policytag_tag_finds(nlp) -> None:  # noqa: ANN001
    record = policytag.load().tag_text(PARAGRAPH)[0]
    doc = nlp(PARAGRAPH)
    assert [(s.start_char, s.end_char, s._.canonical) for s in doc.spans["policy_terms"]] == [
        (t["start"], t["end"], t["canonical"]) for t in record["terms"]]
    assert doc.cats == pytest.approx(record["scores"], abs=1e-4)
    assert doc._.policy_labels == record["labels"]


def test_traditional_text_spans_index_doc_text(nlp) -> None:  # noqa: ANN001
    doc = nlp(TRADITIONAL)
    spans = doc.spans["policy_terms"]
    assert [(s.text, s._.canonical) for s in spans] == [("執法檢查", "执法检查"), ("「雙聯」工作", "双联")]
    assert all(doc.text[s.start_char : s.end_char] == s.text for s in spans)


def test_functions_give_probabilities_per_label(nlp) -> None:  # noqa: ANN001
    doc = nlp("常委会听取审议专项工作报告，开展执法检查和专题询问。")
    assert list(doc.cats) == ["监督", "立法", "代表工作", "自身建设", "决定任免"]
    assert all(0.0 <= p <= 1.0 for p in doc.cats.values())
    assert max(doc.cats, key=doc.cats.get) == "监督" and doc._.policy_labels == ["监督"]
    assert nlp("").cats.keys() == doc.cats.keys()  # an empty doc still gets scores


def test_functions_match_terms_themselves_without_policy_terms(nlp) -> None:  # noqa: ANN001
    alone = spacy.blank("zh")
    alone.add_pipe("policy_functions")
    doc = alone(PARAGRAPH)
    assert "policy_terms" not in doc.spans
    assert doc.cats == pytest.approx(nlp(PARAGRAPH).cats)


def test_pipe_equals_one_by_one(nlp) -> None:  # noqa: ANN001
    texts = [PARAGRAPH, TRADITIONAL, "审议通过条例草案两件。", "各位代表："]
    piped = list(nlp.pipe(texts, batch_size=3))
    for doc, text in zip(piped, texts, strict=True):
        single = nlp(text)
        assert doc.cats == pytest.approx(single.cats) and _spans(doc) == _spans(single)


def test_config_lexicon_spans_key_and_overlaps(tmp_path: Path) -> None:
    lexicon = tmp_path / "mini.yaml"
    lexicon.write_text("- term: 票决制\n  category: 代表工作\n  definition: 代表投票决定\n"
                       "- term: 民生实事项目人大代表票决制\n  category: 代表工作\n  definition: 代表票决民生项目\n",
                       encoding="utf-8")
    nlp = spacy.blank("zh")
    nlp.add_pipe("policy_terms", config={"lexicon": str(lexicon), "spans_key": "terms", "overlaps": True})
    doc = nlp("推行民生实事项目人大代表票决制。")
    assert "policy_terms" not in doc.spans
    assert sorted(s._.canonical for s in doc.spans["terms"]) == ["民生实事项目人大代表票决制", "票决制"]


def test_user_categories_and_dictionaries_on_spans(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("经济:\n  营商环境: [优化营商环境, 营商*]\n", encoding="utf-8")  # a quanteda dictionary
    nlp = spacy.blank("zh")
    nlp.add_pipe("policy_terms", config={"lexicon": [str(mine), "policy_terms.yaml"]})
    doc = nlp("持续优化营商环境，开展执法检查。")
    got = {(s.text, s.label_, s.id_) for s in doc.spans["policy_terms"]}
    assert ("优化营商环境", "经济/营商环境", "mine") in got and ("执法检查", "监督", "policy_terms") in got


def test_bad_lexicon_is_a_config_error(tmp_path: Path) -> None:
    from policytag.errors import ConfigError

    bad = tmp_path / "bad.yaml"
    bad.write_text("categories: [监督]\nterms:\n  - term: 双联\n    category: 没有这个类\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.yaml"):
        spacy.blank("zh").add_pipe("policy_terms", config={"lexicon": str(bad)})


def test_displacy_span_view_shows_the_terms(nlp) -> None:  # noqa: ANN001
    from spacy import displacy

    doc = nlp(PARAGRAPH)
    html = displacy.render(doc, style="span", options={"spans_key": "policy_terms"})
    # Every character under a span is drawn in a bold token box; joined they spell the terms.
    marked = "".join(re.findall(r'<span style="font-weight: bold;[^"]*">\s*(\S+)', html))
    assert marked == "代表联系群众“双联”工作民生实事项目人大代表票决制"
    assert "代表工作" in html
    assert "双联" in re.sub(r"<[^>]+>|\s", "", html)


def test_saved_pipeline_loads_again(nlp, tmp_path: Path) -> None:  # noqa: ANN001
    nlp.to_disk(tmp_path / "nlp")
    again = spacy.load(tmp_path / "nlp")
    assert again.pipe_names == ["policy_terms", "policy_functions"]
    assert _spans(again(PARAGRAPH)) == _spans(nlp(PARAGRAPH))


def test_entry_points_find_the_components_without_importing_policytag() -> None:
    code = (
        "import json, sys, spacy\n"
        "assert 'policytag' not in sys.modules\n"
        "nlp = spacy.blank('zh')  # spaCy loads the spacy_factories entry points here\n"
        "nlp.add_pipe('policy_terms'); nlp.add_pipe('policy_functions')\n"
        f"doc = nlp({PARAGRAPH!r})\n"
        "print(json.dumps({'spans': [s.text for s in doc.spans['policy_terms']], 'labels': sorted(doc.cats)},"
        " ensure_ascii=False))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["spans"] == ["代表联系群众", "“双联”工作", "民生实事项目人大代表票决制"]
    assert out["labels"] == sorted(["监督", "立法", "代表工作", "自身建设", "决定任免"])


def test_docstring_examples_run() -> None:
    result = doctest.testmod(components)
    assert result.attempted > 0 and result.failed == 0
