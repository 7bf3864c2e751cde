"""The team's written training paragraphs (data/team_paragraphs.jsonl) and robustness to conversion noise."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from policytag.classify import FunctionClassifier
from policytag.config import load_config
from policytag.normalize import get_converter, normalize
from policytag.train import load_labeled

ROOT = Path(__file__).resolve().parent.parent
TEAM = ROOT / "data" / "team_paragraphs.jsonl"
LABELS = list(load_config()["classify"]["labels"])


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in TEAM.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_rows_follow_the_data_format(rows: list[dict]) -> None:
    assert [r["id"] for r in rows] == [f"t{i:04d}" for i in range(1, len(rows) + 1)]
    assert len({r["text"] for r in rows}) == len(rows)
    for r in rows:
        assert r["source"] == "team" and r["level"] in ("省", "市", "县区") and 2012 <= r["year"] <= 2025
        assert r["labels"] == [lab for lab in LABELS if lab in r["labels"]], r["id"]  # known labels, canonical order
        assert str(r["year"]) in r["report"], r["id"]


def test_every_label_and_no_label_are_well_covered(rows: list[dict]) -> None:
    counts = Counter(lab for r in rows for lab in r["labels"])
    assert all(counts[lab] >= 25 for lab in LABELS), counts
    assert sum(not r["labels"] for r in rows) >= 50
    assert len({r["report"] for r in rows}) >= 30


def test_traditional_rows_are_simplified_when_loaded(rows: list[dict]) -> None:
    to_simplified = get_converter("t2s")
    raw = [r["text"] for r in rows]
    assert any(to_simplified(t) != t for t in raw), "the file should keep some traditional-script rows"
    loaded = load_labeled(TEAM, labels=LABELS)
    assert all(to_simplified(e.text) == e.text for e in loaded)


def test_no_long_run_of_shared_text(rows: list[dict], data_dir: Path) -> None:
    """The paragraphs are written in our own words: no 20-character run of the real data."""
    files = ("seed_paragraphs.jsonl", "web_paragraphs.jsonl", "north_paragraphs.jsonl", "south_paragraphs.jsonl")
    shared = "\n".join(json.loads(line)["text"] for f in files if (data_dir / f).is_file()
                       for line in (data_dir / f).read_text(encoding="utf-8").splitlines() if line.strip())
    grams = {shared[i:i + 20] for i in range(len(shared) - 19)}
    to_simplified = get_converter("t2s")
    for r in rows:
        text = to_simplified(r["text"]).replace(",", "，")
        hit = next((text[i:i + 20] for i in range(len(text) - 19) if text[i:i + 20] in grams), None)
        assert hit is None, f"{r['id']}: {hit}"


def test_shipped_model_was_trained_on_this_file() -> None:
    meta = json.loads((ROOT / "models" / "default" / "model.json").read_text(encoding="utf-8"))
    sources = {s["file"]: s for s in meta["training"]["sources"]}
    assert sources[TEAM.name]["role"] == "train only"
    assert sources[TEAM.name]["sha256"] == hashlib.sha256(TEAM.read_bytes()).hexdigest(), \
        "data/team_paragraphs.jsonl changed: rerun models/train_default.py"


# --------------------------------------------------------------------------- conversion noise
CLEAN = [
    "常委会组织代表对全县农村供水工程开展视察，听取审议县政府关于供水保障情况的报告，提出意见12条。",
    "审议通过《丰水市河道保护条例》，批准设区的市报批的法规3件，编制2024年度立法计划。",
    "依法任免国家机关工作人员28人次，组织新任命人员进行宪法宣誓。",
    "落实第一议题制度，党组理论学习中心组集中学习6次，加强机关党风廉政建设。",
    "各位代表，让我们在市委的坚强领导下，团结奋进，再创佳绩！",
]
# the same paragraphs as a converter-damaged web page shows them: traditional script,
# toned pinyin glosses after some characters, full-width digits
NOISY = [
    "常委會組織代表(dài biǎo)對全縣農村供水工程開展視察，聽取審議縣政府關於供水保障情況的報(bào)告，提出意見１２條。",
    "審議通過《豐水市河道保護條例》，批准(pī zhǔn)設區的市報批的法規３件，編制２０２４年度立(lì)法計劃。",
    "依法任免國家機關工作人員２８人次，組織新任命人員進行憲(xiàn)法宣誓。",
    "落實第一議題制度，黨組理論學習中心組集中學習６次，加強機關黨風(fēng)廉政建設。",
    "各位代表，讓我們在市委的堅強領導下，團結奮進，再創佳績(jì)！",
]


def test_noise_is_undone_by_normalize() -> None:
    assert [normalize(t).text for t in NOISY] == CLEAN


def test_predictions_survive_conversion_noise() -> None:
    model = FunctionClassifier.load(ROOT / "models" / "default")
    clean = model.predict(CLEAN)
    assert len({tuple(c) for c in clean}) >= 4 and clean[4] == []  # the texts tell the labels apart at all
    assert model.predict([normalize(t).text for t in NOISY]) == clean
    assert any(re.search(r"[\u4e00-\u9fff]\([a-zà-ǜ ]+\)", t) for t in NOISY)
