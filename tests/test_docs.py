"""Every ``policytag`` command shown in the README and in docs/ is valid, and the worked example runs.

A command is valid when its subcommand exists and each option it uses is one the subcommand (or the
main program) takes; ``--help`` of every subcommand shown runs. Commands need inputs (../shared,
users' folders) that are not here, so only the README's worked example, which uses examples/, is run.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import ROOT

from policytag.cli import cli

PAGES = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").rglob("*.md") if p.name != "HELPERS.md")]
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
SEPARATORS = {"&&", "||", "|", ";"}


def shown_commands(text: str) -> list[str]:
    """Command lines of the code blocks: every line of bash/sh blocks, ``$ `` lines of the others."""
    out = []
    for lang, body in BLOCK.findall(text):
        body = body.replace("\\\n", " ")
        for line in body.splitlines():
            if lang in ("bash", "sh", "shell"):
                if line.strip() and not line.lstrip().startswith("#"):
                    out.append(line.strip())
            elif line.startswith("$ "):
                out.append(line[2:].strip())
    return out


def policytag_calls(line: str) -> list[list[str]]:
    """The argument lists given to policytag on a command line (``policytag``, ``.venv/bin/policytag``,
    ``python -m policytag``)."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:
        return []
    calls, current = [], []
    for token in [*tokens, ";"]:
        if token in SEPARATORS:
            for i, t in enumerate(current):
                if Path(t).name == "policytag" and not (i and current[i - 1] == "install"):
                    if i >= 2 and current[i - 1] == "-m" or Path(t).name == t or "/" in t:
                        calls.append(current[i + 1 :])
                    break
            current = []
        else:
            current.append(token)
    return calls


def _options(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)} | {"--help", "-h"}


def resolve(args: list[str]) -> tuple[list[str], click.Command, list[str]]:
    """(command path, the click command, the arguments left) for ``policytag ARGS``."""
    ctx = click.Context(cli)
    rest = list(args)
    while rest and rest[0].startswith("-"):
        assert rest[0].split("=")[0] in _options(cli), f"policytag has no option {rest[0]}"
        rest = rest[2:] if rest[0] == "--config" else rest[1:]
    path, command = [], cli
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        sub = command.get_command(ctx, name)
        assert sub is not None, f"no command {' '.join([*path, name])}"
        path.append(name)
        command = sub
    return path, command, rest


def all_calls() -> list[tuple[str, list[str]]]:
    out = []
    for page in PAGES:
        for line in shown_commands(page.read_text(encoding="utf-8")):
            out += [(f"{page.relative_to(ROOT)}: {line}", call) for call in policytag_calls(line)]
    return out


def test_the_docs_show_commands() -> None:
    calls = all_calls()
    shown = {tuple(resolve(call)[0]) for _, call in calls}
    assert len(calls) > 30 and {("tag",), ("stats",), ("report",), ("indicators",), ("kwic",), ("dfm",)} <= shown


@pytest.mark.parametrize(("where", "call"), all_calls(), ids=lambda v: v if isinstance(v, str) else None)
def test_every_shown_command_is_valid(where: str, call: list[str]) -> None:
    path, command, rest = resolve(call)
    assert path, f"{where}: no subcommand"
    options = _options(command)
    for token in rest:
        if token.startswith("-") and token != "-" and not re.fullmatch(r"-\d+(\.\d+)?", token):
            assert token.split("=")[0] in options, f"{where}: `policytag {' '.join(path)}` has no option {token}"


def test_help_of_every_shown_command_runs() -> None:
    for path in sorted({tuple(resolve(call)[0]) for _, call in all_calls()}):
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, f"policytag {' '.join(path)} --help: {result.output}"
        assert "Example" in result.output, f"policytag {' '.join(path)} --help shows no example"


def test_readme_worked_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A worked example", 1)[1].split("\n## ", 1)[0]
    commands, shown_output = BLOCK.findall(section)[:2]
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    stderr = ""
    for line in shown_commands(f"```{commands[0]}\n{commands[1]}```\n"):
        (call,) = policytag_calls(line)
        result = CliRunner().invoke(cli, [*call, "--no-progress"], catch_exceptions=False)
        assert result.exit_code == 0, f"{line}: {result.output}"
        stderr += result.stderr
    for expected in shown_output[1].strip().splitlines():  # the output shown, but for the time taken
        assert re.sub(r"\d+\.\ds", "", expected) in re.sub(r"\d+\.\ds", "", stderr), expected
    for made in ("out/tagged.jsonl", "out/stats.xlsx", "out/charts/label_shares.png", "out/report.html"):
        assert os.path.getsize(made) > 1000, made
