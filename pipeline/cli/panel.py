"""``policytag stats --panel TERM``: the place × year diffusion panel (called from ``cli/stats.py``)."""

from __future__ import annotations

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError, InputError

_SHOW = 5


def _names(items: list[str]) -> str:
    return ", ".join(items[:_SHOW]) + (f" (+{len(items) - _SHOW} more)" if len(items) > _SHOW else "")


def write_panel(ctx: click.Context, paths: tuple[str, ...], terms: list[str], output: str | None,
                fmt: str | None, raw_cells: bool = False) -> int:
    from .. import tables
    from ..panel import panel_table
    from ..stats import load_tagged

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    out_format = tables.output_format(output, fmt) if output else None
    if output:
        inputs = tables.tagged_inputs(paths)
        tables.refuse_inputs([output], inputs)
    errors: list[InputError] = []
    frame = load_tagged(paths, errors, section_level=int(config["stats"]["section_level"]))
    for exc in errors:
        click.echo(f"policytag: skipped {exc}", err=True)
    panel, left = panel_table(frame, terms)
    _notes(left)
    if not len(panel):
        raise ConfigError(f"no document has both a place and a year ({frame['doc_id'].nunique()} document(s) read): "
                          "nothing to put in a panel; give place and year with `tag --meta`")
    if output:
        written = tables.write_tables({"panel": panel}, output, out_format, inputs=inputs, raw_cells=raw_cells)
        click.echo(f"{len(panel)} place-year rows ({panel['place'].nunique()} places, "
                   f"{int(panel['observed'].sum())} observed) -> {written[0]}", err=True)
    else:
        click.echo(panel.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return EXIT_SOME_FAILED if errors else EXIT_OK


def _notes(left: dict) -> None:
    if left["no_year_docs"]:
        docs = left["no_year_docs"]
        click.echo(f"policytag: note: {len(docs)} document(s) without a year are left out of the panel: "
                   f"{_names(docs)}", err=True)
    if left["no_place_docs"]:
        docs = left["no_place_docs"]
        click.echo(f"policytag: note: {len(docs)} document(s) without a place are left out of the panel: "
                   f"{_names(docs)}", err=True)
    for place in left["unknown_places"]:
        click.echo(f"policytag: note: place {place!r} has no GB/T 2260 region code (unknown or ambiguous name): its "
                   "rows have no level, and no neighbours by province or higher level", err=True)
    for term in left["never_mentioned"]:
        click.echo(f"policytag: note: {term!r} is mentioned in no report of the panel: adopted is 0 everywhere",
                   err=True)
