"""``policytag keyness``: terms, categories, n-grams or words that set a target apart from a reference."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError, InputError
from ..keyness import FEATURES
from ..tables import FORMATS
from .common import raw_cells_option


@click.command("keyness")
@click.argument("paths", nargs=-1, required=True)
@click.option("--target", "targets", multiple=True, required=True, metavar="KEY=VALUE",
              help="Target paragraphs: year=2023..2024, level=县区, place=衡阳市,株洲市 (repeat: all must hold).")
@click.option("--reference", "references", multiple=True, metavar="KEY=VALUE",
              help="Reference paragraphs, same form (default: everything not in the target).")
@click.option("--features", "kind", type=click.Choice(FEATURES), default="term", show_default=True,
              help="Lexicon terms, their categories, character n-grams or jieba words.")
@click.option("--n", "ngram", type=click.IntRange(1, 8), default=2, show_default=True,
              help="n of the character n-grams (--features ngram).")
@click.option("--min-count", type=click.IntRange(min=1), default=3, show_default=True,
              help="Leave out features seen fewer times in target and reference together.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="Features each way in the chart and the printed table.")
@click.option("-o", "--output", default=None, help="Table (.csv .xlsx .parquet .json); omitted: print the top.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Output format (default: from -o).")
@click.option("--plot", "plot_path", default=None, metavar="CHART.png",
              help="Also draw the top features both ways (CHART.png and CHART.svg).")
@raw_cells_option
@click.pass_context
def keyness(ctx: click.Context, paths: tuple[str, ...], targets: tuple[str, ...], references: tuple[str, ...],
            kind: str, ngram: int, min_count: int, top: int, output: str | None, fmt: str | None,
            plot_path: str | None, raw_cells: bool) -> int:
    """Keyness: what distinguishes the target reports from the reference.

    KEY is any metadata field of the tagged files (year, level, place,
    province, period, region_code, doc_id ...); VALUE is a value, a list
    (a,b) or a range (2019..2020, ..2019, 2023..). For each feature: counts
    and rates per 10,000 characters in both, chi-squared and log-likelihood
    G2 with p-values (1 df), and the log ratio (log2 of the rate ratio).

    \b
    Examples:
      policytag keyness tagged.jsonl --target year=2024 --reference year=2019
      policytag keyness tagged.jsonl --target level=县区 --reference level=市 --features word -o key.csv
      policytag keyness tagged.jsonl --target year=2023..2024 --features ngram --n 3 --plot key.png
    """
    from .. import tables
    from ..keyness import keyness as compute
    from ..keyness import parse_selector
    from ..stats import load_tagged

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    target = [parse_selector(t) for t in targets]
    reference = [parse_selector(r) for r in references]
    out_format = tables.output_format(output, fmt) if output else None
    inputs = tables.tagged_inputs(paths)
    if output:
        tables.refuse_inputs([output], inputs)
    if plot_path:
        tables.refuse_inputs([Path(plot_path).with_suffix(".png"), Path(plot_path).with_suffix(".svg")], inputs)
    errors: list[InputError] = []
    frame = load_tagged(paths, errors, section_level=int(config["stats"]["section_level"]))
    for exc in errors:
        click.echo(f"policytag: skipped {exc}", err=True)
    if not len(frame):
        raise ConfigError(f"no tagged paragraphs found in: {' '.join(paths)}")
    tokenizer = None
    if kind == "word":
        from ..tokenizer import get_tokenizer

        tokenizer = get_tokenizer(str(config["tokenize"]["backend"]), hmm=bool(config["tokenize"].get("hmm", True)))
    result = compute(frame, target, reference, kind, ngram, min_count, tokenizer)
    if result.overlap_paragraphs:
        click.echo(f"policytag: note: {result.overlap_paragraphs} paragraph(s) match both --target and --reference; "
                   "they count for the target only", err=True)
    if not len(result.table):
        click.echo(f"policytag: note: no {kind} occurs {min_count} or more times in target and reference together; "
                   "the table has its columns and no rows (lower --min-count)", err=True)
    ref_name = " ".join(references) or "(the rest)"
    if output:
        written = tables.write_tables({"keyness": result.table}, output, out_format, inputs=inputs,
                                      raw_cells=raw_cells)
        where = f" -> {written[0]}"
    else:
        where = ""
        shown = result.table.groupby("key_for", sort=False).head(top)
        click.echo(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    if plot_path:
        from ..keyness import keyness_figure
        from ..plot import cjk_font, save_figure

        fig = keyness_figure(result.table, top, cjk_font(str(config["stats"]["font"])),
                             f"{' '.join(targets)} 对 {ref_name}")
        charts = save_figure(fig, Path(plot_path).with_suffix(""))
        where += f"; chart -> {', '.join(str(c) for c in charts)}"
    click.echo(f"policytag: keyness ({kind}): target {' '.join(targets)}: {result.target_paragraphs} paragraphs in "
               f"{result.target_docs} documents, {result.target_chars} chars; reference {ref_name}: "
               f"{result.reference_paragraphs} paragraphs in {result.reference_docs} documents, "
               f"{result.reference_chars} chars; {len(result.table)} features{where}", err=True)
    return EXIT_SOME_FAILED if errors else EXIT_OK
