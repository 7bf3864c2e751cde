"""Options and messages shared by several commands (not a command itself)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

raw_cells_option: Callable[[Any], Any] = click.option(
    "--raw-cells", is_flag=True,
    help="Write text cells of CSV/XLSX/TSV exactly as they are. By default a cell starting with = + - @ "
         "tab or CR gets a leading ' so that a spreadsheet never runs it as a formula.")
