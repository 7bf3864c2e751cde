"""The ``policytag`` entry point itself (``policytag.cli.main``); each command has its own test file."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from policytag.cli import MALLOC_KNOBS, THREAD_KNOBS, main
from policytag.tagger import Tagger


@pytest.fixture
def no_knobs(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for knob in (*THREAD_KNOBS, *MALLOC_KNOBS):
        monkeypatch.delenv(knob, raising=False)
    return monkeypatch


def test_the_command_asks_for_one_blas_thread_unless_the_user_chose(no_knobs: pytest.MonkeyPatch) -> None:
    no_knobs.setenv("OMP_NUM_THREADS", "3")
    no_knobs.setattr(sys, "argv", ["policytag", "--version"])
    with pytest.raises(SystemExit):
        main()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["MKL_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "3"


@pytest.mark.skipif(not hasattr(os, "confstr") or not os.confstr("CS_GNU_LIBC_VERSION"), reason="glibc only")
def test_the_command_fixes_mallocs_thresholds_unless_the_user_chose(no_knobs: pytest.MonkeyPatch) -> None:
    import ctypes

    calls: list[tuple[int, int]] = []

    class Libc:
        def mallopt(self, param: int, value: int) -> int:
            calls.append((param, value))
            return 1

    no_knobs.setattr(ctypes, "CDLL", lambda name: Libc())
    no_knobs.setenv("MALLOC_TRIM_THRESHOLD_", "4096")
    no_knobs.setattr(sys, "argv", ["policytag", "--version"])
    with pytest.raises(SystemExit):
        main()
    mmap = MALLOC_KNOBS["MALLOC_MMAP_THRESHOLD_"]
    assert calls == [(-3, mmap)]  # M_MMAP_THRESHOLD in this process; the user's trim threshold left alone
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(mmap)  # for the --jobs workers
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "4096"


def test_a_program_calling_main_keeps_its_environment(no_knobs: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert not {*THREAD_KNOBS, *MALLOC_KNOBS} & set(os.environ)


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as it was, afterwards, and nothing left frozen."""
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


def run_as_command(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["policytag", *args])
    with pytest.raises(SystemExit) as done:
        main()
    return done.value.code


@pytest.mark.parametrize("command", ["tag", "segment"])
def test_the_collector_is_quiet_while_the_command_starts_then_on(
        command: str, no_knobs: pytest.MonkeyPatch, tmp_path: Path, collector: None) -> None:
    report = tmp_path / "r.txt"
    report.write_text("一、监督工作\n常委会开展专题询问。\n", encoding="utf-8")
    seen: list[bool] = []
    build = Tagger.__init__
    no_knobs.setattr(Tagger, "__init__", lambda self, *a: (seen.append(gc.isenabled()), build(self, *a))[1])
    gc.enable()
    assert run_as_command(no_knobs, command, str(report), "-o", str(tmp_path / "out.jsonl")) == 0
    if command == "tag":
        assert seen == [False]  # the tagger is built with the collector off
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # what start-up made is never walked again


def test_a_program_calling_main_keeps_its_collector(tmp_path: Path, collector: None) -> None:
    report = tmp_path / "r.txt"
    report.write_text("一、监督工作\n常委会开展专题询问。\n", encoding="utf-8")
    gc.enable()
    with pytest.raises(SystemExit):
        main(["segment", str(report), "-o", str(tmp_path / "out.jsonl")])
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
