"""``policytag tag``: raw reports (or pre-cut paragraphs) in, tagged paragraphs out."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError, InputError
from ..write import FORMATS, RecordWriter, format_for


@click.command("tag")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", default=None, help="Output file (format from extension); stdout if omitted.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Output format (default: from -o).")
@click.option("--input-format", type=click.Choice(["report", "jsonl", "csv"]), default="report", show_default=True,
              help="report: whole reports, segmented here; jsonl/csv: paragraphs already cut (field 'text').")
@click.option("--text-field", default="text", show_default=True, help="Text column of jsonl/csv input.")
@click.option("--tokenizer", default=None, help="jieba (default), jieba-py, pkuseg or spacy.")
@click.option("--tokens", is_flag=True, default=None, help="Also write each paragraph's tokens.")
@click.option("--model", default=None, help="Model bundle folder (default: the shipped model).")
@click.option("--lexicon", default=None, help="Lexicon file (default: the shipped lexicon).")
@click.option("--unit", type=click.Choice(["paragraph", "sentence"]), default=None, help="Tag paragraphs or sentences.")
@click.option("--meta", "meta_path", default=None, help="Sidecar CSV/JSON: path -> place, year, ... for each report.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default 1).")
@click.option("--dask", "dask_address", default=None, help="Run on a Dask cluster at this scheduler address.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on when stderr is a terminal).")
@click.pass_context
def tag(ctx: click.Context, paths: tuple[str, ...], output: str | None, fmt: str | None, input_format: str,
        text_field: str, tokenizer: str | None, tokens: bool | None, model: str | None, lexicon: str | None,
        unit: str | None, meta_path: str | None, jobs: int | None, dask_address: str | None,
        progress: bool | None) -> int:
    """Tag reports: paragraphs with their functions (labels, scores) and policy terms.

    PATHS are files (.txt .md .docx .pdf .html), folders (searched recursively),
    globs, or - for standard input.

    \b
    Examples:
      policytag tag examples/report.txt -o tagged.jsonl
      policytag tag reports/ -o tagged.csv --jobs 2
      policytag tag paragraphs.jsonl --input-format jsonl -o tagged.parquet
    """
    config = load_config(ctx.obj.get("config_path"), {
        "tokenize.backend": tokenizer, "classify.model": model, "match.lexicon": lexicon,
        "segment.unit": unit, "output.jobs": jobs, "output.tokens": tokens,
    })
    out_format = format_for(output, fmt or (None if output else config["output"]["format"]))
    started = time.perf_counter()
    if input_format == "report":
        stats = _tag_reports(list(paths), config, output, out_format, meta_path, dask_address, progress)
    else:
        stats = _tag_precut(list(paths), config, output, out_format, input_format, text_field)
    _summary(stats, time.perf_counter() - started, output)
    return EXIT_SOME_FAILED if stats["failed"] else EXIT_OK


def _labels(config: dict[str, Any]) -> list[str]:
    from ..classify import load_model

    return list(load_model(config["classify"]["model"]).labels)


def _report(exc: InputError) -> None:
    click.echo(f"policytag: skipped {exc}", err=True)


def _progress_bar(total: int, enabled: bool | None, unit: str):  # noqa: ANN202
    from tqdm import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, unit=unit, disable=not show, file=sys.stderr, dynamic_ncols=True)


def _tag_reports(paths: list[str], config: dict, output: str | None, fmt: str, meta_path: str | None,
                 dask_address: str | None, progress: bool | None) -> dict[str, int]:
    from ..batch import tag_many
    from ..read import iter_paths

    sources = iter_paths(paths)
    if not sources:
        raise ConfigError(f"no input files found in: {' '.join(paths)}")
    sidecar = None
    if meta_path:
        from ..meta import load_sidecar

        sidecar = load_sidecar(meta_path)
    stats = {"files": len(sources), "paragraphs": 0, "failed": 0}
    writer = RecordWriter(output, fmt, _labels(config))
    ok = False
    try:
        with _progress_bar(len(sources), progress, "file") as bar, _dask_client(dask_address):
            backend = "dask" if dask_address else "loky"
            for _source, result in tag_many(sources, config, int(config["output"]["jobs"]), backend, sidecar):
                bar.update(1)
                if isinstance(result, InputError):
                    stats["failed"] += 1
                    bar.clear()
                    _report(result)
                    continue
                for record in result:
                    writer.write(record)
                stats["paragraphs"] += len(result)
        ok = True
    finally:
        writer.close(ok)
    return stats


def _tag_precut(paths: list[str], config: dict, output: str | None, fmt: str, input_format: str,
                text_field: str) -> dict[str, int]:
    from ..read import iter_paths, read_precut
    from ..tagger import Tagger

    tagger = Tagger(config)
    stats = {"files": 0, "paragraphs": 0, "failed": 0}
    writer = RecordWriter(output, fmt, list(tagger.classifier.labels))
    ok = False
    try:
        for path in iter_paths(paths, extensions={f".{input_format}"}):
            stats["files"] += 1
            try:
                batch = []
                for item in read_precut(path, input_format, config, text_field=text_field):
                    if isinstance(item, InputError):
                        stats["failed"] += 1
                        _report(item)
                    else:
                        batch.append(item)
                for p in tagger.annotate(batch):
                    writer.write(p.to_dict())
                stats["paragraphs"] += len(batch)
            except InputError as exc:
                stats["failed"] += 1
                _report(exc)
        ok = True
    finally:
        writer.close(ok)
    return stats


class _dask_client:
    """Connect joblib to a Dask scheduler for the duration of the run."""

    def __init__(self, address: str | None) -> None:
        self.address = address
        self._stack: list[Any] = []

    def __enter__(self) -> _dask_client:
        if self.address:
            try:
                from dask.distributed import Client
            except ImportError:
                raise ConfigError("--dask needs Dask: pip install 'policytag[dask]'") from None
            from joblib import parallel_config

            try:
                client = Client(self.address, timeout="10s")
            except OSError as exc:
                raise ConfigError(f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
            ctx = parallel_config(backend="dask")
            ctx.__enter__()
            self._stack = [client, ctx]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack:
            client, ctx = self._stack
            ctx.__exit__(None, None, None)
            client.close()


def _summary(stats: dict[str, int], seconds: float, output: str | None) -> None:
    where = f" -> {output}" if output else ""
    click.echo(
        f"policytag: {stats['files']} file(s), {stats['paragraphs']} paragraph(s), "
        f"{stats['failed']} failed, {seconds:.1f}s{where}",
        err=True,
    )
