"""Term recall on paragraphs the lexicon was not curated from (issue 16): the expert list is found.

tests/data/expert_terms.yaml was written over north_/south_paragraphs.jsonl before the lexicon
was grown from them; bench/lexicon_recall.py prints the figures and the misses.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from policytag.coverage import phrase_spans, term_recall
from policytag.lexicon import load_lexicon
from policytag.match import Matcher

EXPERT = Path(__file__).parent / "data" / "expert_terms.yaml"


def _texts(data_dir: Path, name: str) -> dict[str, str]:
    with open(data_dir / f"{name}_paragraphs.jsonl", encoding="utf-8") as fh:
        return {r["id"]: r["text"] for r in map(json.loads, fh)}


@pytest.fixture(scope="module")
def expected() -> dict[str, list[str]]:
    return yaml.safe_load(EXPERT.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["north", "south"])
def test_recall_on_uncurated_paragraphs_is_at_least_095(data_dir: Path, expected: dict, name: str) -> None:
    texts = _texts(data_dir, name)
    result = term_recall(texts, {k: v for k, v in expected.items() if k in texts}, Matcher(load_lexicon()))
    assert result.absent == []  # every listed phrase stands in its paragraph
    assert result.total >= 100
    assert result.recall >= 0.95, result.misses


def test_the_list_covers_every_paragraph(data_dir: Path, expected: dict) -> None:
    ids = set(_texts(data_dir, "north")) | set(_texts(data_dir, "south"))
    assert set(expected) == ids


def test_gapped_phrases_allow_words_between_parts() -> None:
    assert phrase_spans("听取和审议13项专项工作报告", "听取和审议…专项工作报告") == [(0, 14)]
    assert phrase_spans("听取和审议" + "很" * 20 + "专项工作报告", "听取和审议…专项工作报告") == []
