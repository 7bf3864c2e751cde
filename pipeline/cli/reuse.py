"""``policytag reuse``: paragraph pairs from different reports that share text beyond boilerplate."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError
from ..tables import FORMATS
from .common import raw_cells_option

_SHOW = 5  # names listed in a note before "+N more"


@click.command("reuse")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", default=None,
              help="Pairs table (.csv .xlsx .parquet .json); OUT_documents and OUT_boilerplate beside it. "
                   "Omitted: print the document table.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Output format (default: from -o).")
@click.option("--min-chars", type=click.IntRange(min=5), default=30, show_default=True,
              help="Shortest shared span (characters, on both sides).")
@click.option("--min-similarity", type=click.FloatRange(0, 1), default=0.8, show_default=True,
              help="Lowest similarity of a shared span (2 × matched characters / both lengths).")
@click.option("--min-docs", type=click.IntRange(min=2), default=5, show_default=True,
              help="Boilerplate: text found in at least this many documents ...")
@click.option("--max-doc-share", type=click.FloatRange(0, 1), default=0.05, show_default=True,
              help="... and in more than this share of the documents.")
@click.option("--shingle", type=click.IntRange(2, 20), default=5, show_default=True,
              help="Characters per shingle for MinHash.")
@click.option("--bands", type=click.IntRange(1, 64), default=20, show_default=True, help="LSH bands.")
@click.option("--rows", type=click.IntRange(1, 16), default=3, show_default=True,
              help="MinHash values per band (more: fewer, closer candidates).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes for reading and signing (no more than the idle CPUs).")
@click.option("--force-jobs", is_flag=True, help="Start --jobs workers even beyond the idle CPUs.")
@click.option("--dask", "dask_address", default=None,
              help="Read and sign on a Dask cluster at this scheduler address (as `tag --dask`).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on when stderr is a terminal).")
@raw_cells_option
@click.pass_context
def reuse(ctx: click.Context, paths: tuple[str, ...], output: str | None, fmt: str | None, min_chars: int,
          min_similarity: float, min_docs: int, max_doc_share: float, shingle: int, bands: int, rows: int,
          jobs: int, force_jobs: bool, dask_address: str | None, progress: bool | None, raw_cells: bool) -> int:
    """Find text shared between reports: paragraph pairs, documents, boilerplate.

    PATHS are reports (.txt .md .docx .pdf .html) or tagged files (.jsonl
    .csv .xlsx .parquet), folders or globs. Each pair gives the aligned span in
    both reports (offsets into the originals), its similarity, both reports'
    place, level, region code and year, the direction (earlier -> later) and
    the relation (vertical, horizontal, same-place). Text found in at least
    --min-docs documents and in more than --max-doc-share of them is
    boilerplate: listed in OUT_boilerplate, never paired.

    \b
    Examples:
      policytag reuse reports/ -o pairs.csv
      policytag reuse tagged.jsonl -o reuse.xlsx --min-similarity 0.9
      policytag reuse /shared/reports/ -o pairs.parquet --dask tcp://HOST:8786
    """
    from .. import reuse as ru
    from .. import tables
    from ..corpus import list_inputs

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    out_format = tables.output_format(output, fmt) if output else None
    params = ru.ReuseParams(shingle=shingle, bands=bands, rows=rows, min_chars=min_chars,
                            min_similarity=min_similarity, min_docs=min_docs, max_doc_share=max_doc_share)
    sources = list_inputs(list(paths))
    if not sources:
        raise ConfigError(f"no reports or tagged files found in: {' '.join(paths)}")
    if output:
        names = ["pairs", "documents", "boilerplate"]
        tables.refuse_inputs(set(tables.companion_paths(output, out_format, names).values()), sources)
    started = time.perf_counter()
    if not dask_address:  # as tag: no more processes than inputs or idle CPUs (policytag.cpus)
        from ..cpus import plan_jobs

        plan = plan_jobs(jobs, len(sources), force_jobs)
        for note in plan.notes:
            click.echo(f"policytag: note: {note}", err=True)
        jobs = plan.jobs
    corpus, errors = _read(sources, config, params, jobs, dask_address, progress)
    for exc in errors:
        click.echo(f"policytag: skipped {exc}", err=True)
    if len(corpus.docs) < 2:
        raise ConfigError(f"reuse compares documents: found {len(corpus.docs)} readable document(s) in "
                          f"{len(sources)} input(s); give at least two")
    _notes(corpus.docs)
    with _bar(None, progress, "pair", "aligning") as bar:
        result = ru.find_reuse(corpus, params, progress=lambda items: _counting(items, bar))
    _write_or_print(result, output, out_format, sources, raw_cells)
    _summary(result, time.perf_counter() - started, output)
    return EXIT_SOME_FAILED if errors else EXIT_OK


def _read(sources: list[str], config: dict, params: Any, jobs: int, dask_address: str | None,
          progress: bool | None) -> tuple[Any, list]:
    from ..reuse import build_corpus
    from .tag import _dask_client

    with _dask_client(dask_address), _bar(len(sources), progress, "file", "reading") as bar:
        return build_corpus(sources, config, params, jobs=jobs, backend="dask" if dask_address else "loky",
                            on_done=bar.update)


def _bar(total: int | None, enabled: bool | None, unit: str, desc: str):  # noqa: ANN202
    from tqdm import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, unit=unit, desc=desc, disable=not show, file=sys.stderr, dynamic_ncols=True)


def _counting(items: list, bar: Any) -> Any:
    bar.reset(total=len(items))
    for item in items:
        yield item
        bar.update(1)


def _names(docs: list) -> str:
    shown = ", ".join(d.doc_id for d in docs[:_SHOW])
    return shown + (f" (+{len(docs) - _SHOW} more)" if len(docs) > _SHOW else "")


def _notes(docs: list) -> None:
    """One line for each kind of missing metadata: which documents, and what is left out."""
    no_year = [d for d in docs if d.year is None]
    if no_year:
        click.echo(f"policytag: note: {len(no_year)} document(s) without a year, so their pairs have direction "
                   f"'unknown': {_names(no_year)}", err=True)
    no_place = [d for d in docs if not d.place]
    if no_place:
        click.echo(f"policytag: note: {len(no_place)} document(s) without a place, so their pairs have relation "
                   f"'unknown' (give place with `tag --meta`): {_names(no_place)}", err=True)
    unknown = sorted({d.place for d in docs if d.place and not d.region_code})
    for place in unknown:
        which = [d for d in docs if d.place == place and not d.region_code]
        click.echo(f"policytag: note: place {place!r} has no GB/T 2260 region code (unknown or ambiguous name), so "
                   f"its pairs with other places have relation 'unknown': {_names(which)}", err=True)


def _write_or_print(result: Any, output: str | None, fmt: str | None, sources: list[str], raw_cells: bool) -> None:
    from .. import tables

    frames = {"pairs": result.pairs, "documents": result.documents, "boilerplate": result.boilerplate}
    if output:
        written = tables.write_tables(frames, output, fmt, inputs=sources, raw_cells=raw_cells)
        result.stats["written"] = [str(p) for p in dict.fromkeys(written)]
        return
    if len(result.documents):
        cols = ["a_doc_id", "b_doc_id", "relation", "direction", "pairs", "share_a_in_b", "share_b_in_a"]
        click.echo(result.documents[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def _summary(result: Any, seconds: float, output: str | None) -> None:
    s = result.stats
    where = f" -> {', '.join(s['written'])}" if output else ""
    click.echo(f"policytag: reuse: {s['documents']} documents, {s['paragraphs']} paragraphs, {s['units']} units, "
               f"{s['candidates']} candidate pairs, {s['pairs']} shared spans; boilerplate: "
               f"{len(result.boilerplate)} passage(s) in >= {s['boilerplate_threshold']} documents, "
               f"{seconds:.1f}s{where}", err=True)
    if not s["pairs"]:
        click.echo("policytag: note: no text shared beyond boilerplate at these settings (the tables have their "
                   "columns and no rows); lower --min-similarity or --min-chars to look further", err=True)
