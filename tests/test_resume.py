"""Interrupting ``policytag tag`` (SIGTERM, Ctrl-C) and continuing with ``--resume``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_robustness import REPORT, leftovers, run_cli

POLICYTAG = str(Path(sys.executable).with_name("policytag"))


def make_corpus(folder: Path, n: int, items: int = 40) -> Path:
    """``n`` reports (one of them binary, so the run ends with exit 1), each with ``items`` numbered paragraphs."""
    folder.mkdir()
    for i in range(n):
        lines = [f"第{i}县人大常委会工作报告", "一、监督工作"]
        lines += [f"（{k % 9 + 1}）常委会开展第{i}号执法检查{k}次，听取审议专项工作报告。" for k in range(items)]
        lines += ["二、代表工作", "深入推进双联工作，落实民生实事项目人大代表票决制。"]
        (folder / f"r{i:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "r005b.txt").write_bytes(b"\x00\xff\x01" * 300)
    return folder


def checkpoint_of(out: Path) -> Path:
    return out.with_name(f".{out.name}.partial.jsonl")


def index_of(out: Path) -> Path:
    return out.with_name(f".{out.name}.partial.done")

def sigterm_after(args: list[str], index: Path, finished: int) -> tuple[subprocess.Popen, str]:
    """Run policytag, send SIGTERM once the checkpoint index lists ``finished`` documents."""
    proc = subprocess.Popen([POLICYTAG, *args], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (index.exists() and index.read_bytes().count(b"\n") >= finished + 1):  # + the settings line
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    return proc, stderr



def test_sigterm_keeps_whole_documents_and_resume_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    src = make_corpus(tmp_path / "reports", 150, items=120)
    reference = tmp_path / "reference.jsonl"
    done = subprocess.run([POLICYTAG, "tag", str(src), "-o", str(reference)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 1, done.stderr

    out = tmp_path / "out.jsonl"
    ckpt = checkpoint_of(out)
    index = index_of(out)
    proc, stderr = sigterm_after(["tag", str(src), "-o", str(out)], index, finished=6)
    assert proc.returncode == 130, stderr
    assert not out.exists()
    assert "Traceback" not in stderr
    assert f"{out} was not written" in stderr and "--resume" in stderr
    entries = [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines()[1:]]
    assert 6 <= len(entries) < 151
    data = ckpt.read_bytes()
    for entry in entries:  # each finished document: all its records, where the index says
        assert entry["n"] == 1 + 1 + 120 + 2
        rows = data[entry["start"] : entry["end"]].decode("utf-8").splitlines()
        assert len(rows) == entry["n"] and all(json.loads(r)["path"] == entry["source"] for r in rows)
    kept = ["header"] + entries

    resumed = subprocess.run([POLICYTAG, "tag", str(src), "-o", str(out), "--resume"], capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 1, resumed.stderr
    assert f"resuming: {len(kept) - 1} of 151 file(s) already done" in resumed.stderr
    assert "r005b.txt: looks like binary data" in resumed.stderr
    assert out.read_bytes() == reference.read_bytes()
    assert not ckpt.exists()


def _interrupt_at(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Make reading the n-th document raise KeyboardInterrupt, as Ctrl-C would."""
    from policytag.tagger import Tagger

    real = Tagger.read
    calls = {"n": 0}

    def read(self, source):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real(self, source)

    monkeypatch.setattr(Tagger, "read", read)


def _table(path: Path) -> list[dict]:
    import pandas as pd

    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    readers = {".csv": lambda p: pd.read_csv(p, encoding="utf-8-sig", dtype=str, keep_default_na=False),
               ".xlsx": lambda p: pd.read_excel(p, dtype=str, keep_default_na=False),
               ".parquet": pd.read_parquet}
    reader = readers[path.suffix]
    return json.loads(reader(path).to_json(orient="records", force_ascii=False))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx", "parquet"])
def test_ctrl_c_then_resume_for_every_output_format(fmt: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_corpus(tmp_path / "reports", 8, items=3)
    reference = tmp_path / f"reference.{fmt}"
    code, _, _ = run_cli("tag", str(src), "-o", str(reference))
    assert code == 1
    out = tmp_path / f"out.{fmt}"
    with monkeypatch.context() as m:
        _interrupt_at(m, 4)
        code, _, stderr = run_cli("tag", str(src), "-o", str(out))
    assert code == 130
    assert not out.exists() and checkpoint_of(out).exists()
    assert "3 finished file(s) are kept" in stderr
    code, _, stderr = run_cli("tag", str(src), "-o", str(out), "--resume")
    assert code == 1, stderr
    assert _table(out) == _table(reference)
    assert leftovers(tmp_path) == []


def test_a_torn_last_line_is_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_corpus(tmp_path / "reports", 6, items=3)
    reference = tmp_path / "reference.jsonl"
    run_cli("tag", str(src), "-o", str(reference))
    out = tmp_path / "out.jsonl"
    with monkeypatch.context() as m:
        _interrupt_at(m, 5)
        assert run_cli("tag", str(src), "-o", str(out))[0] == 130
    ckpt = checkpoint_of(out)
    lines = index_of(out).read_text(encoding="utf-8").splitlines(keepends=True)
    finished = len(lines) - 1
    # a hard kill while the last document was listed: its index line is cut short
    index_of(out).write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2], encoding="utf-8")
    code, _, stderr = run_cli("tag", str(src), "-o", str(out), "--resume")
    assert code == 1
    assert f"resuming: {finished - 1} of 7 file(s) already done" in stderr
    assert out.read_bytes() == reference.read_bytes()
    assert not ckpt.exists() and not index_of(out).exists()


def test_without_resume_a_checkpoint_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_corpus(tmp_path / "reports", 4, items=2)
    out = tmp_path / "out.jsonl"
    with monkeypatch.context() as m:
        _interrupt_at(m, 3)
        assert run_cli("tag", str(src), "-o", str(out))[0] == 130
    code, _, stderr = run_cli("tag", str(src), "-o", str(out))
    assert code == 1
    assert f"replacing {checkpoint_of(out)}" in stderr
    assert len({r["path"] for r in _table(out)}) == 4 and not checkpoint_of(out).exists()


def test_resume_refuses_other_settings_and_impossible_requests(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_corpus(tmp_path / "reports", 4, items=2)
    out = tmp_path / "out.jsonl"
    with monkeypatch.context() as m:
        _interrupt_at(m, 3)
        assert run_cli("tag", str(src), "-o", str(out))[0] == 130
    code, _, stderr = run_cli("tag", str(src), "-o", str(out), "--resume", "--unit", "sentence")
    assert code == 2 and "written by a run with other settings" in stderr
    assert checkpoint_of(out).exists()  # still there to resume properly
    code, _, stderr = run_cli("tag", str(src), "--resume")
    assert code == 2 and "--resume needs -o OUT" in stderr
    code, _, stderr = run_cli("tag", "-", "-o", str(out), "--resume", stdin=REPORT)
    assert code == 2 and "standard input" in stderr
    code, _, stderr = run_cli("tag", str(src), "-o", str(out), "--resume", "--jobs", "2", "--force-jobs")
    # jobs may differ
    assert code == 1 and "resuming: 2 of 5" in stderr


def test_resume_with_nothing_to_resume_starts_over(tmp_path: Path) -> None:
    src = make_corpus(tmp_path / "reports", 2, items=2)
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(src), "-o", str(out), "--resume")
    assert code == 1 and "nothing to resume" in stderr and out.exists()


def test_precut_row_errors_are_reported_again_after_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policytag.tagger import Tagger

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text('{"text": "常委会开展执法检查。"}\n{"text": 3}\n', encoding="utf-8")
    b.write_text('{"text": "审议通过条例草案。"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    real = Tagger.annotate
    calls = {"n": 0}

    def annotate(self: Tagger, paragraphs: list) -> list:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, paragraphs)

    with monkeypatch.context() as m:
        m.setattr(Tagger, "annotate", annotate)
        code, _, stderr = run_cli("tag", str(a), str(b), "--input-format", "jsonl", "-o", str(out))
    assert code == 130 and f"{a}:2: field 'text' is not a string" in stderr
    code, _, stderr = run_cli("tag", str(a), str(b), "--input-format", "jsonl", "-o", str(out), "--resume")
    assert code == 1, stderr
    assert f"{a}:2: field 'text' is not a string" in stderr and "2 file(s), 2 paragraph(s), 1 failed" in stderr
    assert [r["text"] for r in _table(out)] == ["常委会开展执法检查。", "审议通过条例草案。"]


def test_sigterm_handler_is_restored(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM)
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    run_cli("tag", str(tmp_path / "r.txt"), "-o", str(tmp_path / "o.jsonl"))
    assert signal.getsignal(signal.SIGTERM) is before
    assert os.path.exists(tmp_path / "o.jsonl")


def test_blocks_of_unfinished_inputs_are_left_out_and_order_is_input_order(tmp_path: Path) -> None:
    """A resumed run appends an input it retried (say, a file fixed since) after the others; the
    output keeps input order and whole inputs only (bytes a hard kill left behind are never copied)."""
    from policytag.write import Checkpoint, encode

    out = tmp_path / "out.jsonl"
    ck = Checkpoint(out, "s")
    ck.add("b", encode([{"doc": "b", "i": 0}]), [])  # b finished first: a was retried by a resume
    ck.close()
    with open(ck.path, "ab") as fh:  # an input a hard kill stopped halfway
        fh.write(encode([{"doc": "x", "i": 0}])[:7])
    resumed = Checkpoint(out, "s", resume=True)
    resumed.add("a", encode([{"doc": "a", "i": 0}, {"doc": "a", "i": 1}]), [])
    assert list(resumed.done) == ["b", "a"]
    resumed.move_to(out, ["a", "b"])
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["doc"], r["i"]) for r in rows] == [("a", 0), ("a", 1), ("b", 0)]
    assert not ck.path.exists() and not ck.index_path.exists()


def test_blocks_in_order_become_the_output_without_a_copy(tmp_path: Path) -> None:
    from policytag.write import Checkpoint, encode

    out = tmp_path / "out.jsonl"
    ck = Checkpoint(out, "s")
    for doc in "abc":
        ck.add(doc, encode([{"doc": doc}]), [])
    inode = os.stat(ck.path).st_ino
    ck.move_to(out, ["a", "b", "c"])
    assert os.stat(out).st_ino == inode  # renamed, not copied
    assert [json.loads(line)["doc"] for line in out.read_text(encoding="utf-8").splitlines()] == ["a", "b", "c"]


def test_sigterm_and_resume_with_two_worker_processes(tmp_path: Path) -> None:
    src = make_corpus(tmp_path / "reports", 120, items=120)
    reference = tmp_path / "reference.jsonl"
    assert subprocess.run([POLICYTAG, "tag", str(src), "-o", str(reference)], capture_output=True,
                          timeout=600).returncode == 1
    out = tmp_path / "out.jsonl"
    index = index_of(out)
    proc, stderr = sigterm_after(["tag", str(src), "-o", str(out), "--jobs", "2", "--force-jobs"], index, finished=3)
    assert proc.returncode == 130 and not out.exists(), stderr
    resumed = subprocess.run([POLICYTAG, "tag", str(src), "-o", str(out), "--resume", "--jobs", "2", "--force-jobs"],
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 1 and "resuming:" in resumed.stderr
    assert out.read_bytes() == reference.read_bytes()
    assert not checkpoint_of(out).exists() and not index.exists()


def test_resume_redoes_a_finished_file_that_changed_and_says_so(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_corpus(tmp_path / "reports", 6, items=3)
    out = tmp_path / "out.jsonl"
    with monkeypatch.context() as m:
        _interrupt_at(m, 4)
        assert run_cli("tag", str(src), "-o", str(out))[0] == 130
    edited = src / "r001.txt"  # finished before the interruption
    edited.write_text(edited.read_text(encoding="utf-8").replace("执法检查", "专题询问"), encoding="utf-8")
    code, _, stderr = run_cli("tag", str(src), "-o", str(out), "--resume")
    assert code == 1, stderr
    assert "resuming: 2 of 7 file(s) already done" in stderr
    assert re.search(r"note: 1 file\(s\) changed since the interrupted run and were tagged again: .*r001\.txt",
                     stderr), stderr
    reference = tmp_path / "reference.jsonl"
    run_cli("tag", str(src), "-o", str(reference))
    assert out.read_bytes() == reference.read_bytes()  # the new text, in input order, nothing of the old
    assert "专题询问" in out.read_text(encoding="utf-8")
