"""``policytag segment``: reports in, one JSON line per paragraph out."""

from __future__ import annotations

from typing import Any

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, InputError, PolicytagError
from ..write import dumps, open_output, refuse_input_as_output
from .common import echo_skipped, follow_links_option


@click.command("segment")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", default=None,
              help="Output .jsonl file (written atomically); stdout if omitted.")
@click.option("--meta", "meta_path", default=None, help="Sidecar CSV/JSON: path or file name -> place, year, ...")
@click.option("--unit", type=click.Choice(["paragraph", "sentence"]), default=None,
              help="Cut into paragraphs (default) or sentences.")
@follow_links_option
@click.pass_context
def segment(ctx: click.Context, paths: tuple[str, ...], output: str | None, meta_path: str | None,
            unit: str | None, follow_links: bool) -> None:
    """Cut reports into the paragraphs a reader sees, with headings, section
    path, review/plan period and report metadata.

    PATHS are files, folders (searched recursively), globs, or - for standard input.
    Offsets (start, end) index the decoded original text.

    \b
    Examples:
      policytag segment report.txt -o paragraphs.jsonl
      policytag segment reports/ --meta meta.csv --unit sentence > sentences.jsonl
    """
    from ..read import scan_paths

    config = load_config((ctx.obj or {}).get("config_path"), {"segment.unit": unit})
    scan = scan_paths(list(paths), follow_links=follow_links)
    sources = scan.files
    if not sources:
        echo_skipped(scan)
        raise click.UsageError(f"no input files found in: {' '.join(paths)}")
    refuse_input_as_output([output], [*sources, meta_path])
    sidecar = None
    if meta_path:
        from ..meta import load_sidecar

        sidecar = load_sidecar(meta_path)
    failed = written = 0
    with open_output(output) as fh:
        for source in sources:
            try:
                records = _segment_one(source, config, sidecar)
            except InputError as exc:
                failed += 1
                click.echo(f"policytag: skipped {exc}", err=True)
                continue
            for record in records:
                fh.write(dumps(record) + "\n")
            written += len(records)
    echo_skipped(scan)
    if output:
        click.echo(f"policytag: {written} units from {len(sources) - failed} of {len(sources)} files -> {output}",
                   err=True)
    ctx.exit(EXIT_SOME_FAILED if failed else EXIT_OK)


def _segment_one(source: str, config: dict[str, Any], sidecar: dict[str, dict] | None) -> list[dict[str, Any]]:
    from ..meta import apply_sidecar
    from ..segment import segment as cut
    from ..segment import split_sentences

    try:
        if source == "-":
            from ..read import read_stdin

            doc = read_stdin(config)
        else:
            from ..read import read_path

            doc = read_path(source, config)
        if sidecar:
            apply_sidecar(doc, sidecar)
        paragraphs = cut(doc, config)
        if config["segment"].get("unit", "paragraph") == "sentence":
            paragraphs = split_sentences(paragraphs)
        return [p.to_dict(annotations=False) for p in paragraphs]
    except PolicytagError:
        raise
    except (UnicodeDecodeError, ValueError, OSError) as exc:  # a file that breaks a stage must not stop the run
        raise InputError(source, f"could not be processed ({type(exc).__name__}: {exc})") from None
