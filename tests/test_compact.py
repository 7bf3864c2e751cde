"""Per-file bookkeeping of `tag` stays small per file (issue 13: peak memory flat over many reports):
the paths and the checkpoint's finished inputs are not held as Python objects per file."""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from policytag.cli import cli
from policytag.compact import PathList, same_order
from policytag.normalize import normalize
from policytag.write import Checkpoint, encode

PATHS = [f"/data/reports/{i // 500:04d}/{i:06d}_人大常委会工作报告.txt" for i in range(20_000)]


def _objects() -> int:
    gc.collect()
    return len(gc.get_objects())


def test_path_list_keeps_order_and_content() -> None:
    odd = ["a.txt", "b\udcff.txt", "报告 (1).txt", "x/y/z.docx"]  # a lone surrogate: a file name not in UTF-8
    paths = PathList([*odd, *PATHS])
    assert len(paths) == len(odd) + len(PATHS)
    assert list(paths) == [*odd, *PATHS] and paths == [*odd, *PATHS]
    assert paths[1] == odd[1] and paths[-1] == PATHS[-1] and paths[300] == PATHS[296]
    assert same_order(iter(paths), [*odd, *PATHS]) and not same_order(iter(PATHS), [*odd, *PATHS])


def test_path_list_is_small_per_path() -> None:
    paths = PathList(PATHS)
    as_objects = sum(sys.getsizeof(p) for p in PATHS)  # ≈180 bytes a path as str objects
    assert paths.nbytes() < as_objects / 8
    assert paths.nbytes() / len(PATHS) < 20


def test_checkpoint_holds_no_object_per_finished_input(tmp_path: Path) -> None:
    """Finishing 20,000 more inputs adds no Python objects (the old checkpoint kept a dict entry, a tuple
    and a list per input): the per-input size is a few bytes, not hundreds."""
    ck = Checkpoint(tmp_path / "out.jsonl", "s")
    block = encode([{"i": 1}])
    for path in PATHS[:1000]:
        ck.add(path, block, [], "0" * 64)
    before = _objects()
    for path in PATHS[1000:]:
        ck.add(path, block, [], "0" * 64)
    assert _objects() - before < 200  # compressed chunks, not one object (or three) per input
    assert len(ck.done) == len(PATHS)
    ck.move_to(tmp_path / "out.jsonl", PATHS)  # in order: renamed, no table by source built
    assert ck._lookup is None
    assert (tmp_path / "out.jsonl").read_bytes() == block * len(PATHS)


@pytest.mark.parametrize("input_format", ["report", "jsonl"])
def test_a_fresh_tag_run_builds_no_table_of_finished_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            input_format: str) -> None:
    """Asking the checkpoint about a source once inputs have finished builds a dict entry per file: a fresh
    run must not ask as it hands each source on (it did: ≈200 bytes a file of peak memory, issue 13)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        if input_format == "report":
            (folder / f"r{i}.txt").write_text(f"一、监督工作\n常委会开展执法检查{i}次。\n", encoding="utf-8")
        else:
            (folder / f"r{i}.jsonl").write_text(json.dumps({"text": f"常委会开展执法检查{i}次。"}, ensure_ascii=False)
                                               + "\n", encoding="utf-8")
    asked_late: list[str] = []
    row = Checkpoint.row

    def spy(self: Checkpoint, source: str) -> int | None:
        if self._rows and not self.resumed:
            asked_late.append(source)
        return row(self, source)

    monkeypatch.setattr(Checkpoint, "row", spy)
    config = tmp_path / "small_batches.toml"  # a batch per paragraph: inputs finish while others are handed on
    config.write_text("[output]\nbatch_size = 1\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["--config", str(config), "tag", str(folder), "-o", str(out),
                                      "--input-format", input_format])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) >= 4
    assert asked_late == []


def test_checkpoint_errors_and_resume_still_by_source(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    ck = Checkpoint(out, "s")
    ck.add("a", encode([{"i": 1}]), ["a: line 2: bad row"], "da")
    ck.add("b", encode([{"i": 2}, {"i": 3}]), [], "db")
    ck.close()
    again = Checkpoint(out, "s", resume=True)
    assert dict(again.done) == {"a": ["a: line 2: bad row"], "b": []}
    assert again.counts == {"a": 1, "b": 2} and again.digests == {"a": "da", "b": "db"}
    assert again.changed({"a": "da", "b": "changed"}) == ["b"]
    assert list(again.done) == ["a"] and "b" not in again.done
    again.add("b", encode([{"i": 4}]), [], "changed")
    assert list(again.done) == ["a", "b"] and again.blocks["b"][0] > again.blocks["a"][1]
    again.remove()


def test_a_text_that_normalizes_to_itself_is_not_copied() -> None:
    raw = "人大常委会听取和审议了工作报告。\n" * 1000
    assert normalize(raw).text is raw
    changed = "ＡＢＣ" + raw  # full-width letters are mapped: a new text
    assert normalize(changed).text == "ABC" + raw
