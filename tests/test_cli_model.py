"""policytag train / evaluate / suggest / bootstrap on small files written for the tests."""

from __future__ import annotations

import json
import re
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


def _main(*args: str) -> int:
    """Run the real entry point (error handling and exit codes included)."""
    from policytag.cli import main

    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return int(exc.value.code or 0)


HELD_OUT = [  # same functions, topics and reports the training rows never had
    {"text": "常委会听取审议交通运输专项工作报告并开展满意度测评。", "labels": ["监督"], "doc": "新报告1"},
    {"text": "审议通过交通运输条例，完成年度立法计划。", "labels": ["立法"], "doc": "新报告1"},
    {"text": "办理代表提出的交通运输建议，提高办理质量。", "labels": ["代表工作"], "doc": "新报告2"},
    {"text": "为交通运输凝心聚力，奋勇前进。", "labels": [], "doc": "新报告2"},
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def model(data: dict[str, Path], tmp_path: Path) -> Path:
    path = tmp_path / "m"
    assert _run("train", str(data["jsonl"]), "-o", str(path), "--folds", "3", "--no-cv")[0] == 0
    return path


def test_evaluate_scores_held_out_rows_with_intervals(model: Path, tmp_path: Path) -> None:
    held = _write(tmp_path / "held.jsonl", HELD_OUT)
    code, out = _run("evaluate", str(held), "--model", str(model), "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["training_overlap"] == {"checked": True, "rows": 4, "training_rows": 0, "excluded": False}
    assert "confusion" in result and result["per_label"]["监督"]["tp"] + result["per_label"]["监督"]["fn"] == 1
    low, high = result["ci"]["macro_f1"]
    assert 0 <= low <= result["macro_f1"] <= high <= 1 and result["ci"]["groups"] == 2


def test_evaluate_on_training_rows_stops_with_exit_2(data: dict[str, Path], model: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    assert _main("evaluate", str(data["delim"]), "--model", str(model)) == 2
    err = capsys.readouterr().err
    assert "all 32 rows" in err and "were used to train" in err and "--cv K" in err
    assert _main("evaluate", str(data["delim"]), "--model", str(model), "--exclude-training") == 2


def test_evaluate_warns_about_and_can_exclude_training_rows(data: dict[str, Path], model: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    train_rows = [json.loads(line) for line in data["jsonl"].read_text(encoding="utf-8").splitlines()][:3]
    # the same paragraph with half-width punctuation is still a training row
    train_rows[0]["text"] = train_rows[0]["text"].replace("，", ",")
    mixed = _write(tmp_path / "mixed.jsonl", HELD_OUT + train_rows)
    assert _main("evaluate", str(mixed), "--model", str(model), "--json") == 0
    captured = capsys.readouterr()
    assert "WARNING: 3 of 7 gold rows were used to train" in captured.err
    assert json.loads(captured.out)["n"] == 7
    assert _main("evaluate", str(mixed), "--model", str(model), "--json", "--exclude-training") == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["n"] == 4 and result["training_overlap"]["excluded"] is True
    assert "left out 3 of 7" in captured.err


def test_evaluate_cv_reports_grouped_cv_with_intervals(data: dict[str, Path], model: Path) -> None:
    code, out = _run("evaluate", str(data["jsonl"]), "--model", str(model), "--cv", "3")
    assert code == 0, out
    assert "grouped 3-fold CV" in out and "4 reports" in out
    assert re.search(r"监督\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\[\d\.\d\d, \d\.\d\d\]", out), out
    assert "bootstrap over 4 reports" in out


def test_train_prints_cv_with_intervals_and_keeps_row_keys(data: dict[str, Path], tmp_path: Path) -> None:
    code, out = _run("train", str(data["jsonl"]), "-o", str(tmp_path / "m2"), "--folds", "3")
    assert code == 0, out
    assert re.search(r"macro-F1 [\d.]+ \[\d\.\d\d, \d\.\d\d\]", out), out
    meta = json.loads((tmp_path / "m2" / "model.json").read_text(encoding="utf-8"))
    assert meta["cv"]["ci"]["unit"] == "report" and meta["cv"]["per_label"]["监督"]["tn"] > 0
    assert len(meta["training"]["row_keys"]) < 12 * 32  # compact: ~11 characters a row
    card = (tmp_path / "m2" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "F1 95% CI" in card and "bootstrap over the 4 reports" in card


def test_suggest_and_bootstrap(data: dict[str, Path], model: Path, tmp_path: Path) -> None:
    code, out = _run("suggest", str(data["jsonl"]), "--model", str(model), "-n", "3", "-o", str(tmp_path / "s.csv"))
    assert code == 0, out
    import pandas as pd

    frame = pd.read_csv(tmp_path / "s.csv", keep_default_na=False)
    assert len(frame) == 3 and (frame["labels"] == "").all() and "score_监督" in frame.columns
    code, out = _run("suggest", str(data["jsonl"]), "--model", str(model), "-n", "3", "-o", str(tmp_path / "s.xlsx"))
    assert code == 0, out
    assert list(pd.read_excel(tmp_path / "s.xlsx", sheet_name=None)) == ["suggest"]  # a named sheet
    report = tmp_path / "report.txt"
    report.write_text("三、充分发挥代表主体作用\n\n认真办理代表建议，组织代表视察食品安全工作。\n", encoding="utf-8")
    code, out = _run("bootstrap", str(report), "-o", str(tmp_path / "weak.jsonl"))
    assert code == 0, out
    weak = [json.loads(line) for line in (tmp_path / "weak.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any("代表工作" in r["labels"] and r["rules"] for r in weak)
