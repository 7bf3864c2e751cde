"""Options and messages shared by several commands (not a command itself)."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import printable

raw_cells_option: Callable[[Any], Any] = click.option(
    "--raw-cells", is_flag=True,
    help="Write text cells of CSV/XLSX/TSV exactly as they are. By default a cell starting with = + - @ "
         "tab or CR gets a leading ' so that a spreadsheet never runs it as a formula.")

follow_links_option: Callable[[Any], Any] = click.option(
    "--follow-links", is_flag=True,
    help="Follow symbolic links in folders wherever they lead (default: only to files inside the folder).")

NAMED = 10  # files named in a note before "and N more"


def names(paths: list[str]) -> str:
    """Paths for one line: escaped, the first few named, then how many more."""
    shown = ", ".join(printable(p) for p in paths[:NAMED])
    return shown + (f" and {len(paths) - NAMED} more" if len(paths) > NAMED else "")


def skipped_notes(scan: Any) -> list[str]:
    """Lines naming what the folders held but the run left out (``policytag.read.PathScan``).

    >>> from policytag.read import PathScan
    >>> skipped_notes(PathScan(unsupported=["r/a.doc", "r/b.DOC", "r/c.wps"]))
    ['policytag: note: skipped 3 file(s) of unsupported types: .doc ×2, .wps ×1 (r/a.doc, r/b.DOC, r/c.wps)']
    """
    lines = []
    if scan.unsupported:
        kinds = Counter(Path(p).suffix.lower() or "(no extension)" for p in scan.unsupported)
        what = ", ".join(f"{kind} ×{n}" for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
        lines.append(f"policytag: note: skipped {len(scan.unsupported)} file(s) of unsupported types: {what} "
                     f"({names(scan.unsupported)})")
    for link, why in scan.links[:NAMED]:
        lines.append(f"policytag: note: skipped {printable(link)}: {printable(why)}")
    if len(scan.links) > NAMED:
        lines.append(f"policytag: note: skipped {len(scan.links) - NAMED} more link(s)")
    return lines


def echo_skipped(scan: Any) -> None:
    for line in skipped_notes(scan):
        click.echo(line, err=True)


def refuse_tagged_overwrite(outputs: Any, paths: tuple[str, ...]) -> None:
    """No output of ``stats``/``report`` may replace a tagged file it reads (exit 2, nothing written)."""
    from ..errors import InputError
    from ..stats import expand_paths
    from ..write import refuse_input_as_output

    inputs: list[str] = []
    for path in paths:
        with contextlib.suppress(InputError):  # a missing input is reported by load_tagged
            inputs.extend(str(p) for p in expand_paths([path]))
    refuse_input_as_output(outputs, inputs)
