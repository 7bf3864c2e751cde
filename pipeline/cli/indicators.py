"""``policytag indicators``: the committee's activity counts as a table."""

from __future__ import annotations

from typing import Any

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError, InputError
from ..write import FORMATS, format_for, refuse_input_as_output, write_jsonl
from .common import echo_skipped, follow_links_option, raw_cells_option
from .progress import progress_bar, progress_option

COLUMNS = ["doc_id", "path", "place", "year", "province", "region_code", "level", "indicator", "label", "value",
           "value_max", "unit", "approx", "period", "occurrence", "evidence", "start", "end"]


@click.command("indicators")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", default=None,
              help="Output table (.csv .xlsx .parquet .dta .jsonl; tables come with a codebook); stdout (jsonl) "
                   "if omitted.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Output format (default: from -o).")
@click.option("--patterns", "patterns_path", type=click.Path(dir_okay=False), default=None,
              help="Indicator pattern file (default: the shipped configs/indicators.yaml).")
@click.option("--first", is_flag=True, help="Keep only the first statement of each indicator per report and period.")
@raw_cells_option
@progress_option
@follow_links_option
@click.pass_context
def indicators(ctx: click.Context, paths: tuple[str, ...], output: str | None, fmt: str | None,
               patterns_path: str | None, first: bool, raw_cells: bool, follow_links: bool,
               progress: bool | None) -> int:
    """Extract activity counts (sessions held, reports heard, laws inspected, ...).

    One row per report x indicator x statement, with value, unit, approx
    (近/余/多/ranges), period (review/plan), the evidence phrase and its
    start/end offsets in the original text. A report that states a count
    twice (summary and section) gives two rows, numbered by `occurrence`;
    --first keeps occurrence 1 only.

    \b
    Examples:
      policytag indicators reports/ -o indicators.csv
      policytag indicators report.txt --first -o indicators.xlsx
      policytag indicators reports/ --patterns my_indicators.yaml -o out.parquet
    """
    from ..indicators import load_patterns

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    out_format = format_for(output, fmt)
    specs = load_patterns(patterns_path)
    rows, failed, files = _collect(list(paths), config, specs, first, output, patterns_path, follow_links,
                                   progress)
    _write(rows, output, out_format, raw_cells)
    where = output or "stdout"
    click.echo(f"policytag: {len(rows)} indicator rows from {files - failed} of {files} files -> {where}", err=True)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _collect(paths: list[str], config: dict, specs: list, first: bool, output: str | None = None,
             patterns_path: str | None = None, follow_links: bool = False,
             progress: bool | None = None) -> tuple[list[dict[str, Any]], int, int]:
    from ..read import scan_paths

    scan = scan_paths(paths, follow_links=follow_links)
    sources = scan.files
    echo_skipped(scan)
    if not sources:
        raise ConfigError(f"no input files found in: {' '.join(paths)}")
    refuse_input_as_output([output], [*sources, patterns_path])
    rows: list[dict[str, Any]] = []
    failed = 0
    with progress_bar(len(sources), progress, "file") as bar:
        for source in sources:
            try:
                rows.extend(document_rows(source, config, specs, first))
            except InputError as exc:
                failed += 1
                bar.clear()
                click.echo(f"policytag: skipped {exc}", err=True)
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                failed += 1
                bar.clear()
                click.echo(f"policytag: skipped {source}: {type(exc).__name__}: {exc}", err=True)
            bar.update(1)
    return rows, failed, len(sources)


def _meta(doc: Any) -> dict[str, Any]:
    from ..regions import enrich_meta

    meta = dict(doc.meta)
    try:
        from ..meta import extract_meta
    except ImportError:
        extract_meta = None
    if extract_meta is not None:
        found = extract_meta(doc)
        found = found if isinstance(found, dict) else vars(found)
        meta = {**found, **{k: v for k, v in meta.items() if v is not None}}
    return enrich_meta(meta)


def document_rows(source: str, config: dict, specs: list, first: bool) -> list[dict[str, Any]]:
    """Table rows for one report."""
    from ..indicators import extract
    from ..read import read_path

    doc = read_path(source, config)
    meta = _meta(doc)
    base = {"doc_id": doc.doc_id, "path": doc.path, **{k: meta.get(k) for k in
                                                        ("place", "year", "province", "region_code", "level")}}
    return [{**base, **hit.to_dict()} for hit in extract(doc, config, specs, first=first)]


def _write(rows: list[dict[str, Any]], output: str | None, fmt: str, raw_cells: bool = False) -> None:
    from ..schema import INDICATORS, INDICATORS_SHEET, indicator_row, write_table

    if fmt == "jsonl":
        write_jsonl([{c: r.get(c) for c in COLUMNS} for r in rows], output)
        return
    if output is None or output == "-":
        raise ConfigError(f"{fmt} output needs a file: use -o FILE.{fmt}")
    for line in write_table(output, fmt, INDICATORS, [indicator_row(r) for r in rows], INDICATORS_SHEET, raw_cells):
        click.echo(f"policytag: note: {line}", err=True)
