"""The ``policytag`` entry point itself (``policytag.cli.main``); each command has its own test file."""

from __future__ import annotations

import os
import sys

import pytest

from policytag.cli import THREAD_KNOBS, main


@pytest.fixture
def no_knobs(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for knob in THREAD_KNOBS:
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


def test_a_program_calling_main_keeps_its_environment(no_knobs: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert not set(THREAD_KNOBS) & set(os.environ)
