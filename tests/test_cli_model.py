"""policytag train / evaluate / suggest / bootstrap on small files written for the tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from policytag.cli import cli

TEXTS = {
    "监督": ["常委会听取审议{x}专项工作报告并开展满意度测评。", "组织开展{x}执法检查，督促整改落实。"],
    "立法": ["审议通过{x}条例，完成年度立法计划。", "开展{x}立法调研，修改条例草案。"],
    "代表工作": ["办理代表提出的{x}建议，提高办理质量。", "组织代表进站开展{x}主题活动。"],
    "": ["向大会报告工作，请予审议，{x}。", "为{x}凝心聚力，奋勇前进。"],
}
TOPICS = ["生态环境", "乡村振兴", "食品安全", "城市管理"]


def _rows() -> list[dict]:
    return [{"text": t.format(x=TOPICS[(r + k) % 4]), "labels": [lab] if lab else [], "doc": f"报告{r}"}
            for r in range(4) for lab, ts in TEXTS.items() for k, t in enumerate(ts)]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), obj={})
    return result.exit_code, result.output + (str(result.exception) if result.exception else "")


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    import pandas as pd

    rows = _rows()
    jsonl = tmp_path / "train.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    names = ("监督", "立法", "代表工作")
    flags = pd.DataFrame([{"text": r["text"], "doc": r["doc"], **{n: int(n in r["labels"]) for n in names}}
                          for r in rows])
    flags.to_csv(tmp_path / "flags.csv", index=False)
    delim = pd.DataFrame([{"text": r["text"], "doc": r["doc"], "labels": "；".join(r["labels"])} for r in rows])
    delim.to_csv(tmp_path / "delim.csv", index=False)
    delim.to_excel(tmp_path / "data.xlsx", index=False)
    return {"jsonl": jsonl, "flags": tmp_path / "flags.csv", "delim": tmp_path / "delim.csv",
            "xlsx": tmp_path / "data.xlsx"}


@pytest.mark.parametrize("kind", ["jsonl", "flags", "delim", "xlsx"])
def test_train_writes_a_bundle_from_each_format(data: dict[str, Path], tmp_path: Path, kind: str) -> None:
    code, out = _run("train", str(data[kind]), "-o", str(tmp_path / "m"), "--folds", "3")
    assert code == 0, out
    assert "macro-F1" in out
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert meta["labels"] == ["监督", "立法", "代表工作"]
    assert (tmp_path / "m" / "MODEL_CARD.md").is_file()


def test_train_rejects_unknown_label(data: dict[str, Path], tmp_path: Path) -> None:
    code, out = _run("train", str(data["jsonl"]), "-o", str(tmp_path / "m"), "--labels", "监督,立法")
    assert code != 0 and "unknown label '代表工作'" in out and "train.jsonl:" in out
    assert not (tmp_path / "m").exists()


def test_evaluate_suggest_bootstrap(data: dict[str, Path], tmp_path: Path) -> None:
    model = tmp_path / "m"
    assert _run("train", str(data["jsonl"]), "-o", str(model), "--folds", "3", "--no-cv")[0] == 0
    code, out = _run("evaluate", str(data["delim"]), "--model", str(model), "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["macro_f1"] > 0.9 and "confusion" in result
    code, out = _run("suggest", str(data["jsonl"]), "--model", str(model), "-n", "3", "-o", str(tmp_path / "s.csv"))
    assert code == 0, out
    import pandas as pd

    frame = pd.read_csv(tmp_path / "s.csv", keep_default_na=False)
    assert len(frame) == 3 and (frame["labels"] == "").all() and "score.监督" in frame.columns
    report = tmp_path / "report.txt"
    report.write_text("三、充分发挥代表主体作用\n\n认真办理代表建议，组织代表视察食品安全工作。\n", encoding="utf-8")
    code, out = _run("bootstrap", str(report), "-o", str(tmp_path / "weak.jsonl"))
    assert code == 0, out
    weak = [json.loads(line) for line in (tmp_path / "weak.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any("代表工作" in r["labels"] and r["rules"] for r in weak)
