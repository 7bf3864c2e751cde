"""``policytag report``: one offline HTML page to read tagged paragraphs."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError, InputError
from .common import refuse_tagged_overwrite
from .progress import Steps, progress_option


@click.command("report")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", default="report.html", show_default=True, help="HTML file to write.")
@click.option("--lexicon", "lexicon", multiple=True,
              help="Lexicon(s) for term definitions on hover and the category legend (default: the configured "
                   "lexicon); any dictionary format.")
@click.option("--title", default=None, help="Page title.")
@click.option("--no-charts", is_flag=True, help="Leave the charts out.")
@click.option("--embed-font", is_flag=True,
              help="Embed the glyphs the page uses from the packaged Noto Sans CJK font, so Chinese shows on "
                   "machines without a Chinese font (adds ~0.3-1 MB).")
@progress_option
@click.pass_context
def report(ctx: click.Context, paths: tuple[str, ...], output: str, lexicon: tuple[str, ...], title: str | None,
           no_charts: bool, embed_font: bool, progress: bool | None) -> int:
    """Write a self-contained HTML report of tagged paragraphs.

    The page needs no network: documents named by place, year and title,
    charts, a search box (full text or policy term), label filters, and every
    paragraph with its labels, the model's scores and its terms coloured by
    category. Paragraphs are drawn as documents are opened, so 500 reports
    open as fast as 5. Open report.html#label=监督, #q=专题询问 or
    #term=票决制 to start filtered.

    \b
    Examples:
      policytag report tagged.jsonl -o report.html
      policytag report tagged/ -o report.html --title "甲市人大常委会工作报告 2018–2023"
      policytag report tagged.jsonl -o report.html --embed-font
    """
    from .. import report as rp
    from ..stats import load_tagged

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    for spec in lexicon:
        if not Path(spec.removeprefix("+")).is_file():
            raise ConfigError(f"--lexicon {spec}: file not found")
    refuse_tagged_overwrite([output], paths)
    errors: list[InputError] = []
    with Steps(progress, unit="file") as steps:
        frame = load_tagged(paths, errors, section_level=int(config["stats"]["section_level"]), progress=steps)
        if not errors and not len(frame) and not _any_files(paths):
            raise ConfigError(f"no tagged files (.jsonl .csv .xlsx .parquet) found in: {' '.join(paths)}")
        for exc in errors:
            steps.clear()
            click.echo(f"policytag: skipped {exc}", err=True)
        source = list(lexicon) if lexicon else rp.default_lexicon_path(config)
        definitions = rp.load_definitions(source)
        kwargs = {"title": title} if title else {}
        rp.write_report(frame, output, labels=list(config["classify"]["labels"]), definitions=definitions,
                        categories=rp.category_definitions(source), charts=not no_charts,
                        font_setting=str(config["stats"]["font"]), embed_font=embed_font, progress=steps, **kwargs)
    size = Path(output).stat().st_size / 1e6
    click.echo(f"{len(frame)} paragraphs from {frame['doc_id'].nunique()} documents -> {output} ({size:.1f} MB)",
               err=True)
    return EXIT_SOME_FAILED if errors else EXIT_OK


def _any_files(paths: tuple[str, ...]) -> bool:
    """Whether the inputs name at least one file (an empty tagged file is fine, an empty folder is not)."""
    from ..stats import expand_paths

    return bool(expand_paths(list(paths)))
