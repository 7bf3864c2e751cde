"""The README's two opening commands are exactly what CI runs."""

from __future__ import annotations

import re

from conftest import ROOT


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, re.S)
    assert block, "README has no opening code block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_readme_opens_with_setup_and_test_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert "pip install" in commands[0] and "policytag tag examples/" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_commands() -> None:
    ci_lines = {line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()}
    for command in _readme_commands():
        assert command in ci_lines, f"CI does not run the README command: {command}"
