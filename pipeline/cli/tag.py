"""``policytag tag``: raw reports (or pre-cut paragraphs) in, tagged paragraphs out.

With ``-o OUT``, finished documents go to a checkpoint next to OUT (see
``policytag.write.Checkpoint``) and OUT appears, complete, only at the end. Ctrl-C
or SIGTERM keeps the checkpoint and exits 130; ``--resume`` continues from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import click

from ..compact import PathList
from ..config import load_config
from ..errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SOME_FAILED,
    ConfigError,
    InputError,
    OutputError,
    describe_os_error,
)
from ..stream import Part
from ..write import (
    FORMATS,
    Checkpoint,
    OutputLock,
    RecordWriter,
    checkpoint_path,
    encode,
    file_digest,
    format_for,
    refuse_input_as_output,
)
from . import start_up_done
from .common import echo_skipped, follow_links_option, names, raw_cells_option, skipped_notes
from .progress import progress_bar, progress_option

# (source, records as a block of JSON lines or None when the whole input failed, problems with single rows)
Item = tuple[str, bytes | None, list[InputError]]


@click.command("tag")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", default=None,
              help="Output file, format from the extension: .jsonl, or a table (.csv .xlsx .parquet .dta) with its "
                   "codebook; stdout (jsonl) if omitted.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None, help="Output format (default: from -o).")
@click.option("--input-format", type=click.Choice(["report", "jsonl", "csv"]), default="report", show_default=True,
              help="report: whole reports, segmented here; jsonl/csv: paragraphs already cut (field 'text').")
@click.option("--text-field", default="text", show_default=True, help="Text column of jsonl/csv input.")
@click.option("--tokenizer", default=None, help="jieba (default), jieba-py, pkuseg or spacy.")
@click.option("--tokens", is_flag=True, default=None, help="Also write each paragraph's tokens.")
@click.option("--model", default=None, help="Model bundle folder (default: the shipped model).")
@click.option("--lexicon", "lexicon", multiple=True,
              help="Lexicon file in any dictionary format (default: the shipped one); repeat for several, each "
                   "match naming its dictionary; +FILE adds FILE to the shipped lexicon.")
@click.option("--unit", type=click.Choice(["paragraph", "sentence"]), default=None, help="Tag paragraphs or sentences.")
@click.option("--meta", "meta_path", default=None, help="Sidecar CSV/JSON: path -> place, year, ... for each report.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default 1; no more than there are inputs).")
@click.option("--force-jobs", is_flag=True,
              help="Start --jobs workers even beyond the CPUs this process may use, or when the machine is busy.")
@click.option("--no-cache", "no_cache", is_flag=True, default=None,
              help="Parse the lexicon files anew instead of reading the compiled-lexicon cache ([lexicon] cache).")
@click.option("--dask", "dask_address", default=None, help="Run on a Dask cluster at this scheduler address.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run into the same -o OUT, skipping the documents it finished.")
@click.option("--ocr", type=click.Choice(["auto", "always", "never"]), default=None,
              help="OCR (needs policytag[ocr]): auto = scanned or broken PDF pages and images (default); "
                   "always = every PDF page; never = no OCR.")
@progress_option
@raw_cells_option
@follow_links_option
@click.pass_context
def tag(ctx: click.Context, paths: tuple[str, ...], output: str | None, fmt: str | None, input_format: str,
        text_field: str, tokenizer: str | None, tokens: bool | None, model: str | None, lexicon: tuple[str, ...],
        unit: str | None, meta_path: str | None, jobs: int | None, force_jobs: bool, no_cache: bool | None,
        dask_address: str | None, resume: bool,
        progress: bool | None, ocr: str | None, raw_cells: bool, follow_links: bool) -> int:
    """Tag reports: paragraphs with their functions (labels, scores) and policy terms.

    PATHS are files (.txt .md .docx .doc .wps .rtf .pdf .html, images .png .jpg
    .tif .bmp), folders (searched recursively), globs, or - for standard input.
    A bad input is reported and skipped (exit 1).
    With -o, OUT appears only when the run is complete; an interrupted run
    (Ctrl-C, SIGTERM) keeps the finished documents in .OUT.partial.jsonl and
    --resume continues it.

    \b
    Examples:
      policytag tag examples/report.txt -o tagged.jsonl
      policytag tag reports/ -o tagged.csv --jobs 2
      policytag tag reports/ -o tagged.csv --jobs 2 --resume
      policytag tag paragraphs.jsonl --input-format jsonl -o tagged.parquet
      policytag tag reports/ --lexicon +my_dict.yaml --lexicon liwc_style.dic -o tagged.jsonl
      policytag tag scans/ --ocr auto -o tagged.jsonl   # pip install 'policytag[ocr]'
    """
    config = load_config(ctx.obj.get("config_path"), {
        "tokenize.backend": tokenizer, "classify.model": model, "match.lexicon": list(lexicon) or None,
        "segment.unit": unit, "output.jobs": jobs, "output.tokens": tokens, "read.ocr": ocr,
        "lexicon.cache": False if no_cache else None,
    })
    to_file = output is not None and output != "-"
    if resume and not to_file:
        raise ConfigError("--resume needs -o OUT: standard output cannot be continued")
    if resume and "-" in paths:
        raise ConfigError("--resume cannot continue standard input (-): it cannot be read a second time")
    out_format = format_for(output, fmt or (None if output else config["output"]["format"]))
    started = time.perf_counter()
    labels = _labels(config)  # a bad model stops the run here, before any file is touched
    settings = _settings_key(config, input_format, text_field, meta_path)
    scan = _scan(list(paths), input_format, follow_links)
    sources = PathList(scan.files)  # compact: a path costs ≈10 bytes, not a str object per file (issue 13)
    scan.files = sources
    if to_file:  # before anything is written: never over an input, never two runs into one OUT
        _refuse_inputs_as_output(output, sources, config, meta_path, ctx.obj.get("config_path"))
        ctx.with_resource(OutputLock(output))  # released when the command ends, however it ends
    sink = _Sink(output if to_file else None, out_format, labels, settings, resume, raw_cells)
    changed: list[str] = []
    if to_file and sink.checkpoint.resumed:  # the finished inputs' content now: --resume redoes what changed
        changed = sink.checkpoint.changed({s: file_digest(s) for s in sources if s in sink.done})
    todo = sink.unfinished(sources)
    try:
        with _sigterm_as_interrupt():
            if input_format == "report":
                items = _report_items(todo, config, meta_path, dask_address, force_jobs, sink.digested)
            else:
                if int(config["output"]["jobs"]) > 1 or dask_address:
                    click.echo("policytag: note: --jobs and --dask split whole reports; pre-cut paragraphs are "
                               "tagged in this process", err=True)
                items = _precut_items(sink.digested(todo), config, input_format, text_field)
            sink.replay(sources)
            with progress_bar(len(sources), progress, "file") as bar:
                bar.update(len(sources) - len(todo))
                for item in items:
                    start_up_done()  # the tagger is built (policytag.cli.quiet_start)
                    if isinstance(item, Part):  # records of an input not finished yet
                        sink.add_part(item.source, item.block)
                        continue
                    bar.update(1)
                    if item[2]:
                        bar.clear()
                    sink.add(*item)
            start_up_done()  # also when nothing was left to tag (--resume): finish may convert a long checkpoint
            sink.finish(sources)
    except KeyboardInterrupt:
        sink.abort(interrupted=True)
        ctx.exit(EXIT_INTERRUPTED)
    except OSError as exc:  # inputs fail one by one as InputError: this is the output (disk full, ...)
        sink.abort(interrupted=False)
        raise OutputError(describe_os_error(exc, output or "standard output")) from None
    except BaseException:
        sink.abort(interrupted=False)
        raise
    echo_skipped(scan)
    if changed:
        click.echo(f"policytag: note: {len(changed)} file(s) changed since the interrupted run and were tagged "
                   f"again: {names(changed)}", err=True)
    _summary(sink.stats, time.perf_counter() - started, output)
    return EXIT_SOME_FAILED if sink.stats["failed"] else EXIT_OK


def _labels(config: dict[str, Any]) -> list[str]:
    from ..classify import load_model

    return list(load_model(config["classify"]["model"]).labels)


def _settings_key(config: dict[str, Any], input_format: str, text_field: str, meta_path: str | None) -> str:
    """What decides the records: a checkpoint written with other settings must not be resumed."""
    from ..classify import load_model

    decisive = {section: dict(values) for section, values in config.items()}
    for key in ("jobs", "format", "batch_size"):  # how the run goes, not what it writes
        decisive.get("output", {}).pop(key, None)
    if decisive.get("lexicon", {}).keys() <= {"cache"}:  # the lexicon cache gives the same entries
        decisive.pop("lexicon", None)
    weights = load_model(config["classify"]["model"]).model.info_.get("arrays_sha256")
    blob = json.dumps([decisive, weights, input_format, text_field, meta_path], sort_keys=True, ensure_ascii=False,
                      default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (kill, a job scheduler) stops the run like Ctrl-C, so cleanup runs."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (e.g. an embedding application): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _report(exc: InputError | str) -> None:
    click.echo(f"policytag: skipped {exc}", err=True)


class _Sink:
    """Where finished inputs go: stdout directly, or a checkpoint that becomes OUT at the end."""

    def __init__(self, output: str | None, fmt: str, labels: list[str], settings: str, resume: bool,
                 raw_cells: bool = False) -> None:
        self.output, self.fmt, self.labels, self.raw_cells = output, fmt, labels, raw_cells
        self.stats = {"files": 0, "paragraphs": 0, "failed": 0}
        self.digests: dict[str, str | None] = {}  # source -> content digest taken before it is read, until done
        self.pending: dict[str, list[bytes]] = {}  # standard output: records of the input being tagged
        self.checkpoint: Checkpoint | None = None
        self.writer: RecordWriter | None = None
        if output is None:
            self.writer = RecordWriter(None, fmt, labels, raw_cells)
            return
        self.checkpoint = Checkpoint(output, settings, resume)
        path = self.checkpoint.path
        if self.checkpoint.replaced:
            click.echo(f"policytag: note: replacing {path} left by an interrupted run (--resume continues one)",
                       err=True)
        elif resume and not self.checkpoint.resumed:
            click.echo(f"policytag: note: nothing to resume ({path} not found); starting from the beginning",
                       err=True)

    @property
    def done(self) -> Mapping[str, list[str]]:
        return self.checkpoint.done if self.checkpoint else {}

    def unfinished(self, sources: Iterable[str]) -> PathList:
        """The sources an interrupted run did not finish (all of them in a fresh run), in order.

        Asked once, before any input of this run finishes: asking the checkpoint about a source once
        inputs have finished builds its lookup, a dict entry per file (issue 13: peak memory grew
        ≈200 bytes a file when every source was asked as it was handed on)."""
        return PathList(s for s in sources if s not in self.done)

    def digested(self, sources: Iterable[str]) -> Iterator[str]:
        """``sources`` (unfinished ones), each one's content digest taken as it is handed on to be read (kept
        until it is done): ``--resume`` redoes an input whose content is not what was tagged."""
        for source in sources:
            if self.checkpoint is not None:
                self.digests[source] = file_digest(source)
            yield source

    def replay(self, sources: Sequence[str]) -> None:
        """Count (and report again) what the interrupted run already finished."""
        self.stats["files"] = len(sources)
        for source in sources:
            if source in self.done:
                for message in self.done[source]:
                    _report(message)
                self.stats["failed"] += len(self.done[source])
                self.stats["paragraphs"] += self.checkpoint.counts[source]
        if self.checkpoint and self.checkpoint.resumed:
            n = sum(s in self.done for s in sources)
            click.echo(f"policytag: resuming: {n} of {len(sources)} file(s) already done", err=True)

    def add_part(self, source: str, block: bytes) -> None:
        """Records of an input still being tagged: into the checkpoint at once (they count when it is done);
        for standard output they wait for the input to finish, so a failed input writes nothing."""
        if self.checkpoint is not None:
            self.checkpoint.add_part(source, block)
        else:
            self.pending.setdefault(source, []).append(block)

    def add(self, source: str, block: bytes | None, errors: list[InputError]) -> None:
        for exc in errors:
            _report(exc)
        self.stats["failed"] += len(errors)
        parts = self.pending.pop(source, [])
        if block is None:  # the whole input failed: not stored, so --resume tries it again
            self.digests.pop(source, None)
            if self.checkpoint is not None:
                self.checkpoint.drop_parts(source)
            return
        if parts:
            block = b"".join([*parts, block])
        if self.checkpoint is not None:
            self.stats["paragraphs"] += self.checkpoint.add(source, block, [str(e) for e in errors],
                                                            self.digests.pop(source, None))
        else:
            self.stats["paragraphs"] += self.writer.write_block(block)

    def finish(self, sources: Sequence[str]) -> None:
        """Write OUT (atomically) from the checkpoint, then drop the checkpoint."""
        if self.checkpoint is None:
            self.writer.close(True)
            return
        if self.fmt == "jsonl":  # records are copied (or renamed) as they are, never decoded
            self.checkpoint.move_to(self.output, sources)
            return
        writer = RecordWriter(self.output, self.fmt, self.labels, self.raw_cells)
        ok = False
        try:
            for block in self.checkpoint.read_blocks(sources):
                writer.write_block(block)
            ok = True
        finally:
            writer.close(ok)
        for line in writer.notes:
            click.echo(f"policytag: note: {line}", err=True)
        self.checkpoint.remove()

    def abort(self, interrupted: bool) -> None:
        if self.checkpoint is None:
            self.writer.close(False)
            if interrupted:
                click.echo("policytag: interrupted", err=True)
            return
        self.checkpoint.close()
        path, n = self.checkpoint.path, len(self.checkpoint.done)
        if not n:
            self.checkpoint.remove()
            if interrupted:
                click.echo(f"policytag: interrupted before any file was finished; {self.output} was not written",
                           err=True)
        elif interrupted:
            click.echo(f"policytag: interrupted; {self.output} was not written. {n} finished file(s) are kept in "
                       f"{path}: run the same command with --resume to continue", err=True)
        else:
            click.echo(f"policytag: {n} finished file(s) are kept in {path} (--resume continues)", err=True)


def _scan(paths: list[str], input_format: str, follow_links: bool) -> Any:
    """The input files (``policytag.read.PathScan``); none at all is a usage error."""
    from ..read import scan_paths

    extensions = None if input_format == "report" else {f".{input_format}"}
    scan = scan_paths(paths, extensions, follow_links)
    if not scan.files:
        for line in skipped_notes(scan):
            click.echo(line, err=True)
        raise ConfigError(f"no input files found in: {' '.join(paths)}")
    return scan


def _refuse_inputs_as_output(output: str, sources: Iterable[str], config: dict, *others: str | None) -> None:
    """OUT, its checkpoint and its lock must not be any input file, the lexicon, sidecar or config included."""
    from ..resources import resolve

    inputs = [*others]
    from ..lexicon import lexicon_specs

    for spec in lexicon_specs(config["match"]["lexicon"]):  # every lexicon, when there are several
        with contextlib.suppress(Exception):
            inputs.append(str(resolve(spec, "lexicons")))
    checkpoint = checkpoint_path(output)
    refuse_input_as_output([output, checkpoint, checkpoint.with_suffix(".done"), OutputLock(output).path],
                           itertools.chain(sources, inputs))


def _report_items(todo: Sequence[str], config: dict, meta_path: str | None, dask_address: str | None,
                  force_jobs: bool = False,
                  digested: Callable[[Iterable[str]], Iterator[str]] = iter) -> Iterator[Item]:
    """The reports ``todo`` (those not finished yet) tagged, in order."""
    sidecar = None
    if meta_path:
        from ..meta import load_sidecar

        sidecar = load_sidecar(meta_path)

    def items() -> Iterator[Item | Part]:
        from ..batch import tag_many

        if not todo:
            return
        # no more local processes than inputs or CPUs, nor than the idle CPUs (policytag.cpus)
        jobs = int(config["output"]["jobs"])
        if not dask_address:
            from ..cpus import plan_jobs

            plan = plan_jobs(jobs, len(todo), force_jobs)
            for note in plan.notes:
                click.echo(f"policytag: note: {note}", err=True)
            jobs = plan.jobs
        if jobs == 1 and not dask_address:  # one stream of batches across the documents, records per batch
            yield from _streamed(digested(todo), config, sidecar)  # each digest taken just before its read
            return
        with _dask_client(dask_address):
            backend = "dask" if dask_address else "loky"
            for source, result in tag_many(digested(todo), config, jobs, backend, sidecar, encoded=True):
                if isinstance(result, InputError):
                    yield source, None, [result]
                else:
                    yield source, result, []

    return items()


def _streamed(todo: Iterable[str], config: dict, sidecar: dict[str, dict] | None) -> Iterator[Item | Part]:
    import gc

    from ..batch import few_collections
    from ..stream import Done, tag_stream
    from ..tagger import Tagger

    finished = 0
    with few_collections():  # as the --jobs workers do (policytag.batch)
        for event in tag_stream(Tagger(config), todo, sidecar):
            if isinstance(event, Done):
                finished += 1
                if finished % _COLLECT_EVERY == 0:  # the cycles a file leaves must not pile up over thousands
                    gc.collect()
                yield (event.source, None, [event.error]) if event.error else (event.source, b"", [])
            else:
                yield event


# Finished files between two full collections: with the high thresholds of few_collections the cyclic
# garbage of each file (a few hundred bytes) reached gen 2 and stayed for thousands of files (300 MB of
# reports: +7 MB peak RSS); a full collection costs ≈30-60 ms, under 2 % of the time of 500 files.
_COLLECT_EVERY = 500


def _precut_items(todo: Iterable[str], config: dict, input_format: str, text_field: str) -> Iterator[Item]:
    from ..read import read_precut

    def items() -> Iterator[Item]:
        from ..tagger import Tagger

        tagger = Tagger(config)
        for path in todo:
            errors: list[InputError] = []
            try:
                batch = []
                for item in read_precut(path, input_format, config, text_field=text_field):
                    if isinstance(item, InputError):
                        errors.append(item)
                    else:
                        batch.append(item)
                block = encode(p.to_dict() for p in tagger.annotate(batch))
            except InputError as exc:
                yield path, None, [*errors, exc]
                continue
            yield path, block, errors

    return items()


class _dask_client:
    """Connect joblib to a Dask scheduler for the duration of the run."""

    timeout = "10s"  # to reach the scheduler

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
                client = Client(self.address, timeout=self.timeout)
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
