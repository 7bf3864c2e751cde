"""Long commands show a progress bar on a terminal only; --progress/--no-progress force it, as for tag."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_cli_tag import TRAIN
from test_stats import make_records, write_jsonl

from policytag.cli import cli
from policytag.cli.progress import Steps

BAR = re.compile(r"\d+/\d+|\d+it")  # what a tqdm bar writes: "3/5 [..." or "4it [..."


def _inputs(tmp_path: Path) -> dict[str, list[str]]:
    tagged = write_jsonl(tmp_path / "t.jsonl", make_records())
    report = tmp_path / "a.txt"
    report.write_text("过去一年的主要工作\n召开常委会会议十次，听取和审议专项工作报告12个。\n", encoding="utf-8")
    topics = ["生态环境", "乡村振兴", "食品安全", "城市管理"]
    rows = [{"text": t.format(x=topics[(r + k) % 4]), "labels": [lab] if lab else [], "doc": f"报告{r}"}
            for r in range(4) for lab, ts in TRAIN.items() for k, t in enumerate(ts)]
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {
        "stats": ["stats", str(tagged), "-o", str(tmp_path / "s.csv"), "--plot", str(tmp_path / "charts")],
        "report": ["report", str(tagged), "-o", str(tmp_path / "r.html"), "--no-charts"],
        "indicators": ["indicators", str(report), "-o", str(tmp_path / "i.csv")],
        "train": ["train", str(data), "-o", str(tmp_path / "model"), "--folds", "2"],
    }


@pytest.mark.parametrize("command", ["stats", "report", "indicators", "train"])
def test_progress_only_when_asked_or_on_a_terminal(command: str, tmp_path: Path) -> None:
    args = _inputs(tmp_path)[command]
    shown = CliRunner().invoke(cli, [*args, "--progress"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert BAR.search(shown.stderr), shown.stderr
    quiet = CliRunner().invoke(cli, [*args, "--no-progress"], catch_exceptions=False)
    assert quiet.exit_code == 0 and not BAR.search(quiet.stderr), quiet.stderr
    default = CliRunner().invoke(cli, args, catch_exceptions=False)  # stderr is not a terminal here
    assert default.exit_code == 0 and not BAR.search(default.stderr), default.stderr


def test_steps_name_the_stage_and_follow_the_counts(capsys: pytest.CaptureFixture) -> None:
    with Steps(True) as steps:
        steps("read", 1, 4)
        steps("read", 4, 4)
        assert (steps.bar.n, steps.bar.total, steps.bar.desc) == (4, 4, "read")
        steps("charts", 1, 3)
        assert (steps.bar.n, steps.bar.total, steps.bar.desc) == (1, 3, "charts")
    assert "charts" in capsys.readouterr().err
