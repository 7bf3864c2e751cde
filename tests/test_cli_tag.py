"""``policytag tag`` options: pre-cut input, sentences, tokens, own model and lexicon, progress, help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from policytag.cli import COMMANDS, cli

POLICYTAG = str(Path(sys.executable).with_name("policytag"))
REPORT = ("东岭县人大常委会工作报告\n一、监督工作\n常委会开展执法检查。听取审议专项工作报告四个！\n"
          "二、代表工作\n深入推进“双联”工作，落实民生实事项目人大代表票决制。\n三、其他工作\n实施青苗护航计划。\n")


def policytag(*args: str, code: int = 0, stdin: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([POLICYTAG, *args], capture_output=True, text=True, input=stdin, timeout=300)
    assert result.returncode == code, result.stderr
    return result


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "dongling.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


def test_stdout_is_jsonl_and_summary_goes_to_stderr_without_progress_bar(report: Path) -> None:
    result = policytag("tag", str(report))  # stderr is a pipe here, not a terminal
    rows = records(result.stdout)
    assert [r["text"] for r in rows][:2] == ["东岭县人大常委会工作报告", "一、监督工作"]
    assert result.stderr.startswith("policytag: 1 file(s), 7 paragraph(s), 0 failed")
    assert "\r" not in result.stderr and "it/s" not in result.stderr and "file/s" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    forced = policytag("tag", str(report), "--progress")
    assert "file" in forced.stderr and len(forced.stderr) > len(result.stderr)


def test_stdin_input(report: Path) -> None:
    rows = records(policytag("tag", "-", stdin=REPORT).stdout)
    assert rows[0]["path"] == "-" and len(rows) == 7


def test_bad_input_is_skipped_and_exit_code_is_1(report: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = policytag("tag", str(report), str(tmp_path / "missing.txt"), "-o", str(out), code=1)
    assert "missing.txt" in result.stderr and "1 failed" in result.stderr
    assert len(records(out.read_text(encoding="utf-8"))) == 7


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_precut_paragraphs_keep_their_id_and_fields(tmp_path: Path, fmt: str) -> None:
    rows = [{"id": "p-7", "text": "常委会开展执法检查。", "county": "东岭"},
            {"id": "p-9", "text": "推進「雙聯」工作。", "county": "西山"}]
    path = tmp_path / f"paragraphs.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    else:
        path.write_text("id,text,county\n" + "".join(f"{r['id']},{r['text']},{r['county']}\n" for r in rows),
                        encoding="utf-8")
    out = records(policytag("tag", str(path), "--input-format", fmt).stdout)
    assert [(r["id"], r["county"]) for r in out] == [("p-7", "东岭"), ("p-9", "西山")]
    assert out[1]["text"] == "推进「双联」工作。"
    assert [t["canonical"] for t in out[1]["terms"]] == ["双联"]
    assert (out[1]["terms"][0]["start"], out[1]["terms"][0]["end"]) == (2, 8)  # offsets index the row's text
    assert out[0]["labels"] == ["监督"]


def test_precut_paragraphs_with_jobs_say_they_run_in_one_process(tmp_path: Path) -> None:
    path = tmp_path / "paragraphs.jsonl"
    path.write_text(json.dumps({"text": "常委会开展执法检查。"}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = policytag("tag", str(path), "--input-format", "jsonl", "--jobs", "2")
    assert "pre-cut paragraphs are tagged in this process" in result.stderr
    assert records(result.stdout)[0]["labels"] == ["监督"]
    assert "pre-cut" not in policytag("tag", str(path), "--input-format", "jsonl").stderr


def test_sentence_unit(report: Path) -> None:
    rows = records(policytag("tag", str(report), "--unit", "sentence").stdout)
    texts = [r["text"] for r in rows]
    assert "常委会开展执法检查。" in texts and "听取审议专项工作报告四个！" in texts
    first = texts.index("常委会开展执法检查。")
    assert rows[first]["paragraph"] == rows[first + 1]["paragraph"] == 2
    raw = report.read_text(encoding="utf-8")
    assert all(raw[r["start"] : r["end"]] == r["text"] for r in rows)


def test_tokens_keep_lexicon_terms_whole(report: Path) -> None:
    rows = records(policytag("tag", str(report), "--tokenizer", "jieba", "--tokens").stdout)
    tokens = [tok for r in rows for tok in r["tokens"]]
    assert "民生实事项目人大代表票决制" in tokens and "双联" in tokens
    for r in rows:
        assert "".join(r["tokens"]) == r["text"]
    assert "tokens" not in records(policytag("tag", str(report)).stdout)[0]


def test_own_lexicon(report: Path, tmp_path: Path) -> None:
    lexicon = tmp_path / "mine.yaml"
    lexicon.write_text("- term: 青苗护航计划\n  category: 政策\n  variants: [青苗计划]\n  definition: 一个虚构的计划\n",
                       encoding="utf-8")
    rows = records(policytag("tag", str(report), "--lexicon", str(lexicon)).stdout)
    terms = [t for r in rows for t in r["terms"]]
    assert [(t["canonical"], t["category"]) for t in terms] == [("青苗护航计划", "政策")]
    assert REPORT[terms[0]["start"] : terms[0]["end"]] == "青苗护航计划"
    bad = tmp_path / "bad.yaml"
    bad.write_text("- term: [\n", encoding="utf-8")
    result = policytag("tag", str(report), "--lexicon", str(bad), code=2)
    assert "bad.yaml" in result.stderr and "Traceback" not in result.stderr


TRAIN = {
    "甲类": ["常委会听取审议{x}专项工作报告并开展满意度测评。", "组织开展{x}执法检查，督促整改落实。"],
    "乙类": ["审议通过{x}条例，完成年度立法计划。", "开展{x}立法调研，修改条例草案。"],
    "": ["向大会报告工作，请予审议，{x}。", "为{x}凝心聚力，奋勇前进。"],
}


def test_own_model_trained_with_policytag_train(report: Path, tmp_path: Path) -> None:
    topics = ["生态环境", "乡村振兴", "食品安全", "城市管理"]
    rows = [{"text": t.format(x=topics[(r + k) % 4]), "labels": [lab] if lab else [], "doc": f"报告{r}"}
            for r in range(4) for lab, ts in TRAIN.items() for k, t in enumerate(ts)]
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    model = tmp_path / "model"
    policytag("train", str(data), "-o", str(model), "--no-cv", "--folds", "2")
    out = records(policytag("tag", str(report), "--model", str(model)).stdout)
    assert all(set(r["scores"]) == {"甲类", "乙类"} for r in out)
    assert next(r for r in out if r["text"] == "常委会开展执法检查。听取审议专项工作报告四个！")["labels"] == ["甲类"]
    csv_out = tmp_path / "out.csv"
    policytag("tag", str(report), "--model", str(model), "-o", str(csv_out))
    header = csv_out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "score_甲类" in header and "score_监督" not in header
    policytag("tag", str(report), "--model", str(tmp_path / "no_model"), code=2)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_help_shows_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and f"policytag {command.split()[0]}" in result.output
