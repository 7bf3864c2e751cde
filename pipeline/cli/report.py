"""``policytag report``: one offline HTML page to read tagged paragraphs."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError, InputError
from .common import refuse_tagged_overwrite


@click.command("report")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", default="report.html", show_default=True, help="HTML file to write.")
@click.option("--lexicon", default=None,
              help="Lexicon YAML for term definitions shown on hover (default: the configured lexicon).")
@click.option("--title", default=None, help="Page title.")
@click.option("--no-charts", is_flag=True, help="Leave the charts out (faster for very large inputs).")
@click.pass_context
def report(ctx: click.Context, paths: tuple[str, ...], output: str, lexicon: str | None, title: str | None,
           no_charts: bool) -> int:
    """Write a self-contained HTML report of tagged paragraphs.

    The page needs no network: per-document summary, charts, and every
    paragraph with its labels and highlighted terms, filterable by label.
    Open report.html#label=监督 to start with one label.

    \b
    Examples:
      policytag report tagged.jsonl -o report.html
      policytag report tagged/ -o report.html --title "甲市人大常委会工作报告 2018–2023"
    """
    from .. import report as rp
    from ..stats import load_tagged

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    if lexicon is not None and not Path(lexicon).is_file():
        raise ConfigError(f"--lexicon {lexicon}: file not found")
    refuse_tagged_overwrite([output], paths)
    errors: list[InputError] = []
    frame = load_tagged(paths, errors, section_level=int(config["stats"]["section_level"]))
    if not errors and not len(frame) and not _any_files(paths):
        raise ConfigError(f"no tagged files (.jsonl .csv .xlsx .parquet) found in: {' '.join(paths)}")
    for exc in errors:
        click.echo(f"policytag: skipped {exc}", err=True)
    definitions = rp.load_definitions(lexicon or rp.default_lexicon_path(config))
    kwargs = {"title": title} if title else {}
    rp.write_report(frame, output, labels=list(config["classify"]["labels"]), definitions=definitions,
                    charts=not no_charts, font_setting=str(config["stats"]["font"]), **kwargs)
    click.echo(f"{len(frame)} paragraphs from {frame['doc_id'].nunique()} documents -> {output}", err=True)
    return EXIT_SOME_FAILED if errors else EXIT_OK


def _any_files(paths: tuple[str, ...]) -> bool:
    """Whether the inputs name at least one file (an empty tagged file is fine, an empty folder is not)."""
    from ..stats import expand_paths

    return bool(expand_paths(list(paths)))
