"""``policytag kwic``: keyword in context for patterns or whole categories, in raw reports or tagged files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError, InputError
from ..kwic import TABLE_FORMATS
from .common import echo_skipped, raw_cells_option


def split_args(args: tuple[str, ...], with_category: bool = False) -> tuple[list[str], list[str]]:
    """PATTERN... PATHS: the paths start at the first argument that exists (file, folder, glob, -).

    After that every argument is a path (a missing one is reported and skipped, as in every
    other command). When none exists, the first argument is the pattern (with --category all
    are paths).
    """
    import glob

    def is_path(arg: str) -> bool:
        return arg == "-" or Path(arg).exists() or (any(c in arg for c in "*?[") and bool(glob.glob(arg)))

    first_pattern = 0 if with_category else 1
    cut = next((i for i in range(first_pattern, len(args)) if is_path(args[i])), len(args))
    patterns, paths = list(args[:cut]), list(args[cut:])
    if not paths:
        first = 0 if with_category else 1
        if len(args) <= first:
            raise ConfigError("kwic needs PATHS (files or folders) after the patterns")
        patterns, paths = list(args[:first]), list(args[first:])
    return patterns, paths


@click.command("kwic")
@click.argument("args", nargs=-1, required=True, metavar="[PATTERN]... PATHS...")
@click.option("--category", "categories", multiple=True, metavar="NAME",
              help="Every term of this lexicon category (and its sub-categories), repeatable.")
@click.option("--window", "--width", "window", type=click.IntRange(min=0), default=20, show_default=True,
              help="Characters of context on each side.")
@click.option("-o", "--output", default=None, help="Output file: .csv (UTF-8 with BOM), .tsv, .xlsx or .jsonl "
                                                   "(default: TSV on stdout).")
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default=None,
              help="Output format (default: from -o).")
@click.option("--json", "as_json", is_flag=True, help="Same as --format jsonl.")
@click.option("--lexicon", "lexicons", multiple=True,
              help="Lexicon(s) for variants and --category (default: the configured one; +FILE adds to it).")
@click.option("--meta", "meta_path", default=None, help="Sidecar CSV/JSON: path -> place, year, ... for raw reports.")
@raw_cells_option
@click.pass_context
def kwic(ctx: click.Context, args: tuple[str, ...], categories: tuple[str, ...], window: int, output: str | None,
         fmt: str | None, as_json: bool, lexicons: tuple[str, ...], meta_path: str | None, raw_cells: bool) -> int:
    """Keyword in context, like quanteda's kwic: every hit of PATTERNs (or of a category) with its context.

    A PATTERN is a lexicon phrase (all its variants are searched), any literal, a glob at a
    term's end (优化营商*) or a regex (re:听取\\d+项). PATHS are raw reports (.txt .docx .pdf
    .html ...) or tagged files (.jsonl .csv .xlsx .parquet from `policytag tag`), folders or globs.
    Rows are sorted by document, then position; start/end are offsets into the original text.
    Metadata columns (place, year, ...) come from the reports or the tagged records.

    \b
    Examples:
      policytag kwic 票决制 双联 reports/
      policytag kwic "re:听取\\S{0,8}?\\d+项" tagged.jsonl -o hits.csv
      policytag kwic --category 代表工作 reports/ --window 15 -o hits.xlsx
      policytag kwic 优化营商* reports/ --lexicon my_dict.yaml --json
    """
    from ..kwic import (
        columns_for,
        is_tagged,
        kwic_lexicon,
        report_rows,
        sort_rows,
        table_format,
        tagged_rows,
        write_rows,
    )
    from ..lexicon import load_lexicon
    from ..match import Matcher
    from ..read import read_path, scan_paths
    from ..write import refuse_input_as_output

    patterns, paths = split_args(args, bool(categories))
    out_format = "jsonl" if as_json and not fmt else table_format(output, fmt)
    config = load_config(ctx.obj.get("config_path"), {"match.lexicon": list(lexicons) or None})
    lex = load_lexicon(config["match"]["lexicon"], cache=bool(config["lexicon"]["cache"]))
    matcher = Matcher(kwic_lexicon(patterns, lex, categories))
    sidecar = None
    if meta_path:
        from ..meta import load_sidecar

        sidecar = load_sidecar(meta_path)
    rows: list[dict[str, Any]] = []
    failed = 0
    scan = scan_paths(paths, extensions=_extensions())
    sources = scan.files
    refuse_input_as_output([output], [*sources, *(s.removeprefix("+") for s in lexicons)])
    echo_skipped(scan)
    for source in sources:
        try:
            if is_tagged(source):
                errors: list[InputError] = []
                rows += tagged_rows(source, matcher, window, lex, errors)
                for exc in errors:
                    click.echo(f"policytag: skipped {exc}", err=True)
                failed += len(errors)
            else:
                doc = read_path(source, config)
                if sidecar:
                    from ..meta import apply_sidecar

                    apply_sidecar(doc, sidecar)
                rows += report_rows(doc, matcher, window, lex)
        except InputError as exc:
            click.echo(f"policytag: skipped {exc}", err=True)
            failed += 1
    rows = sort_rows(rows)
    write_rows(rows, columns_for(rows), output, out_format, raw_cells)
    if output and output != "-":
        click.echo(f"{len(rows)} hit(s) in {len(sources) - failed} file(s) -> {output}", err=True)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _extensions() -> set[str]:
    from ..kwic import TAGGED_SUFFIXES
    from ..read import SUPPORTED

    return set(SUPPORTED) | set(TAGGED_SUFFIXES)
