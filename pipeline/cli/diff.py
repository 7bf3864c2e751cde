"""``policytag diff OLD NEW``: what changed between two reports, as a page to read or tables to analyse."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import load_config
from ..errors import EXIT_OK, ConfigError, InputError
from .common import raw_cells_option

TABLE_SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".xls": "xlsx", ".parquet": "parquet", ".pq": "parquet",
                  ".json": "json"}


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("-o", "--output", default=None,
              help="diff.html (a page to read) or diff.csv/.xlsx/.parquet/.json (tables: paragraphs, terms, "
                   "labels, indicators). Omitted: print the counts.")
@click.option("--min-similarity", type=click.FloatRange(0.05, 1.0), default=0.5, show_default=True,
              help="Paragraphs less similar than this are not paired (new + dropped instead of rewritten).")
@click.option("--title", default=None, help="Page title (HTML).")
@raw_cells_option
@click.pass_context
def diff(ctx: click.Context, old: str, new: str, output: str | None, min_similarity: float, title: str | None,
         raw_cells: bool) -> int:
    """Compare two reports paragraph by paragraph: kept, rewritten, new, dropped.

    OLD and NEW are reports (.txt .md .docx .pdf .html), tagged here, or tagged
    files holding one report each. Also compared: lexicon terms new and
    dropped, label shares and activity indicators side by side.

    \b
    Examples:
      policytag diff 衡阳2022.txt 衡阳2023.txt -o diff.html
      policytag diff old.jsonl new.jsonl -o diff.csv      # diff.csv + diff_terms.csv, diff_labels.csv ...
    """
    from .. import diff as df
    from .. import tables

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    kind = _kind(output)
    if output:
        names = ["paragraphs", "terms", "labels", "indicators"]
        outs = [output] if kind == "html" else list(tables.companion_paths(output, kind, names).values())
        tables.refuse_inputs(outs, [old, new])
    if Path(old).resolve() == Path(new).resolve():
        click.echo(f"policytag: note: OLD and NEW are the same file ({old}): every paragraph is kept", err=True)
    sides = []
    for name, path in (("OLD", old), ("NEW", new)):
        try:
            sides.append(df.load_side(path, config))
        except InputError as exc:
            raise ConfigError(f"cannot compare: {name} {exc}") from None
    for side in sides:
        if not side.paras:
            raise ConfigError(f"cannot compare: {side.path} has no paragraphs")
    for note in sides[0].notes + sides[1].notes:
        click.echo(f"policytag: note: {note}", err=True)
    result = df.compare(sides[0], sides[1], list(config["classify"]["labels"]), min_similarity)
    counts = result.counts()
    line = (f"kept {counts['kept']}, rewritten {counts['rewritten']}, new {counts['new']}, dropped {counts['dropped']}"
            f" (moved {counts['moved']}); terms new {int((result.terms['status'] == 'new').sum())}, dropped "
            f"{int((result.terms['status'] == 'dropped').sum())}")
    if output is None:
        click.echo(line)
        return EXIT_OK
    if kind == "html":
        from ..write import atomic_path

        page = df.render_html(result, title)
        with atomic_path(output) as tmp:
            tmp.write_text(page, encoding="utf-8")
        written = [output]
    else:
        frames = {"paragraphs": result.paragraphs, "terms": result.terms, "labels": result.labels}
        if result.indicators is not None:
            frames["indicators"] = result.indicators
        files = tables.write_tables(frames, output, kind, inputs=[old, new], raw_cells=raw_cells)
        written = [str(p) for p in dict.fromkeys(files)]
    click.echo(f"policytag: diff: {line} -> {', '.join(map(str, written))}", err=True)
    return EXIT_OK


def _kind(output: str | None) -> str | None:
    if output is None:
        return None
    suffix = Path(output).suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    if suffix in TABLE_SUFFIXES:
        return TABLE_SUFFIXES[suffix]
    raise ConfigError(f"unknown output type {suffix or output!r} for {output}; use .html, .csv, .xlsx, .parquet "
                      "or .json")
