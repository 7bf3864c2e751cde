"""``policytag dfm``: a document × feature matrix (Matrix Market) from tagged files."""

from __future__ import annotations

import click

from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError, InputError
from .common import raw_cells_option, refuse_tagged_overwrite


@click.command("dfm")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="Matrix Market file (OUT.mtx); OUT_docs.csv and "
                                                    "OUT_features.csv are written beside it.")
@click.option("--features", type=click.Choice(["term", "category"]), default="term", show_default=True,
              help="Columns: lexicon terms (canonical forms) or their categories.")
@click.option("--by", "by", type=click.Choice(["doc", "paragraph"]), default="doc", show_default=True,
              help="Rows: documents or paragraphs.")
@click.option("--depth", type=click.IntRange(min=1), default=None,
              help="With --features category: cut nested category paths to this many levels.")
@raw_cells_option
def dfm(paths: tuple[str, ...], output: str, features: str, by: str, depth: int | None, raw_cells: bool) -> int:
    """Document × feature matrix for stm, seededlda, keyATM or scikit-learn.

    TAGGED files are what `policytag tag` wrote (.jsonl .csv .xlsx .parquet) or folders of them.
    Counts equal `policytag stats` term counts. Load in R:
    m <- Matrix::readMM("OUT.mtx"); quanteda::as.dfm(m) (names from OUT_docs.csv and
    OUT_features.csv); in Python: scipy.io.mmread("OUT.mtx").tocsr().

    \b
    Examples:
      policytag dfm tagged.jsonl -o terms.mtx
      policytag dfm tagged/ -o cats.mtx --features category --by paragraph
    """
    from .. import stats as st
    from ..dfm import build_dfm, side_paths, write_dfm

    if not output.lower().endswith(".mtx"):
        raise ConfigError(f"-o {output}: a Matrix Market file name ends in .mtx")
    refuse_tagged_overwrite([output, *side_paths(output)], paths)
    errors: list[InputError] = []
    frame = st.load_tagged(paths, errors)
    for exc in errors:
        click.echo(f"policytag: skipped {exc}", err=True)
    if not len(frame):
        raise ConfigError(f"no tagged paragraphs found in: {' '.join(paths)}")
    matrix = build_dfm(frame, features, by, depth)
    written = write_dfm(matrix, output, raw_cells)
    rows, cols = matrix.matrix.shape
    click.echo(f"{rows} {by}(s) × {cols} {features}(s), {int(matrix.matrix.sum())} counts -> "
               f"{', '.join(str(p) for p in written)}", err=True)
    return EXIT_SOME_FAILED if errors else EXIT_OK
