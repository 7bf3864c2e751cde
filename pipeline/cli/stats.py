"""``policytag stats``: label shares, term frequencies, term × function, first mentions, charts."""

from __future__ import annotations

from typing import Any

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError, InputError
from ..stats import GROUP_COLUMNS, TABLE_FORMATS
from .common import raw_cells_option, refuse_tagged_overwrite
from .progress import Steps, progress_option


def _split_terms(values: tuple[str, ...]) -> list[str]:
    """``--first-mention A --first-mention B,C`` -> [A, B, C] (also splits on ，)."""
    out = []
    for value in values:
        out.extend(part.strip() for part in value.replace("，", ",").split(",") if part.strip())
    return list(dict.fromkeys(out))


@click.command("stats")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", default=None,
              help="Output file; .csv/.parquet/.dta write one file per table (OUT_labels.csv ...) and "
                   "OUT_codebook.csv, .xlsx one sheet per table and a codebook sheet, .json one object. "
                   "Omitted: print the label table.")
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default=None,
              help="Output format (default: from -o).")
@click.option("--by", "by", multiple=True, metavar="FIELD",
              help=f"Group by this (repeatable: --by place --by year): {', '.join(GROUP_COLUMNS)} or any metadata "
                   "field of the tagged files (e.g. a sidecar's own column). Default: the whole input as one group.")
@click.option("--include-headings", is_flag=True,
              help="Count headings and glossary entries in label shares and term × function too.")
@click.option("--first-mention", "first_mention", multiple=True, metavar="TERM[,TERM]",
              help="Diffusion table: per place, first year TERM appears and its count per year (repeatable).")
@click.option("--category-depth", type=click.IntRange(min=1), default=None,
              help="Cut nested lexicon categories (经济/营商环境) to this many levels in the category tables.")
@click.option("--plot", "plot_dir", default=None, type=click.Path(file_okay=False),
              help="Also draw charts (PNG at 300 dpi, SVG, PDF) into this folder.")
@click.option("--adjust", is_flag=True,
              help="Add label shares corrected for the model's errors (TPR/FPR from its cross-validation), "
                   "raw and adjusted side by side with 95% intervals (table labels_adjusted).")
@click.option("--adjust-with", "adjust_with", default=None, type=click.Path(dir_okay=False),
              help="Correct with the TPR/FPR in this `policytag evaluate --json` output instead (implies --adjust).")
@click.option("--model", default=None, help="Model whose CV error rates --adjust uses (default: the configured one).")
@click.option("--panel", "panel_terms", multiple=True, metavar="TERM[,TERM]",
              help="Instead: a place × year diffusion panel for TERM in -o (event-history models; see README).")
@raw_cells_option
@progress_option
@click.pass_context
def stats(ctx: click.Context, paths: tuple[str, ...], output: str | None, fmt: str | None, by: tuple[str, ...],
          include_headings: bool, first_mention: tuple[str, ...], category_depth: int | None,
          plot_dir: str | None, adjust: bool, adjust_with: str | None, model: str | None,
          panel_terms: tuple[str, ...], raw_cells: bool, progress: bool | None) -> int:
    """Count tagged paragraphs: label shares, term and category frequencies, term × function.

    Term and category tables count lexicon matches per 10,000 characters; categories are the
    lexicon's own (yours with --lexicon at tag time). --first-mention takes a term or a category.

    TAGGED files are what `policytag tag` wrote (.jsonl, .csv, .xlsx, .parquet)
    or folders of them.

    \b
    Examples:
      policytag stats tagged.jsonl --by place
      policytag stats tagged.jsonl -o stats.xlsx --by place --by year
      policytag stats tagged.jsonl -o stats.csv --first-mention 票决制,双联 --plot charts/
      policytag stats tagged.jsonl --by year --adjust
      policytag stats tagged.jsonl --adjust-with eval.json -o shares.xlsx
      policytag stats tagged.jsonl --panel 票决制 -o panel.csv
    """
    from .. import stats as st

    if panel_terms:
        from .panel import write_panel

        return write_panel(ctx, paths, _split_terms(panel_terms), output, fmt, raw_cells)

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    opts = config["stats"]
    labels = list(config["classify"]["labels"])
    terms = _split_terms(first_mention)
    st.group_columns(by)  # validate before reading anything
    out_format = st.table_format(output, fmt) if output else None
    errors: list[InputError] = []
    with Steps(progress, unit="file") as steps:
        frame = st.load_tagged(paths, errors, section_level=int(opts["section_level"]), progress=steps)
    if not errors and not len(frame) and not _any_files(paths):
        raise ConfigError(f"no tagged files (.jsonl .csv .xlsx .parquet) found in: {' '.join(paths)}")
    for exc in errors:
        click.echo(f"policytag: skipped {exc}", err=True)
    tables = st.compute_stats(frame, by, labels, include_headings, terms)
    if category_depth:
        tables["categories"] = st.category_table(frame, by, category_depth)
        tables["category_function"] = st.category_function_table(frame, by, labels, include_headings, category_depth)
    if adjust or adjust_with:
        tables["labels_adjusted"] = _adjusted(frame, by, include_headings, adjust_with, model, config)
    if output:
        refuse_tagged_overwrite(st.table_paths(output, out_format, tables).values(), paths)
        written = st.write_tables(tables, output, out_format, raw_cells)
        names = ", ".join(str(p) for p in dict.fromkeys(written))
        click.echo(f"{len(frame)} paragraphs from {frame['doc_id'].nunique()} documents -> {names}", err=True)
    else:
        with_rows = tables["labels"][tables["labels"]["paragraphs"] > 0]
        click.echo(with_rows.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        if "labels_adjusted" in tables:
            click.echo("\nlabel shares corrected for the classifier's errors (95% intervals):")
            shown = tables["labels_adjusted"].drop(columns=["rates_from"])
            click.echo(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if plot_dir:
        _plot(frame, tables, by, terms, opts, plot_dir, progress)
    return EXIT_SOME_FAILED if errors else EXIT_OK


def _plot(frame: Any, tables: dict[str, Any], by: tuple[str, ...], terms: list[str], opts: dict[str, Any],
          plot_dir: str, progress: bool | None) -> None:
    """Draw the charts (pages when the groups are many: said on stderr)."""
    from .. import plot
    from .. import stats as st
    from ..docnames import short_names

    font = plot.cjk_font(str(opts["font"]))
    trends = st.term_year_table(frame, terms, int(opts["top_terms"]))
    with Steps(progress, unit="chart") as steps:
        written, notes = plot.write_charts(tables["labels"], st.group_columns(by), trends, plot_dir, font,
                                           names=short_names(frame), categories=plot.term_categories(frame),
                                           category_rates=tables.get("categories"), progress=steps)
    for note in notes:
        click.echo(f"policytag: note: {note}", err=True)
    click.echo(f"charts ({font.family}; PNG {plot.DPI} dpi, SVG, PDF) -> {plot_dir}: {plot.chart_names(written)}",
               err=True)


def _any_files(paths: tuple[str, ...]) -> bool:
    """Whether the inputs name at least one file (an empty tagged file is fine, an empty folder is not)."""
    from ..stats import expand_paths

    return bool(expand_paths(list(paths)))


def _adjusted(frame, by, include_headings: bool, adjust_with: str | None, model: str | None, config: dict):  # noqa: ANN001, ANN202
    """The labels_adjusted table, with its rates' source and warnings on stderr."""
    from .. import adjust as adj

    if adjust_with:
        rates, source = adj.rates_from_file(adjust_with)
    else:
        from ..classify import load_model

        name = model or config["classify"]["model"]
        rates, source = adj.rates_from_model(load_model(name).model, str(name))
    for line in adj.warnings_for(rates):
        click.echo(f"policytag: warning: {line}", err=True)
    click.echo(f"policytag: adjusted shares use TPR/FPR from the {source}; valid only where those error rates "
               "transfer to these texts (see README, 'Corrected label shares')", err=True)
    return adj.adjusted_table(frame, rates, source, by, include_headings)
