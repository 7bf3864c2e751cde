"""``policytag lexicon``: check, discover and kwic, the curator's tools for the phrase lexicon."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, InputError
from .common import echo_skipped, raw_cells_option


@click.group("lexicon")
def lexicon() -> None:
    """Curate the policy-phrase lexicon: validate it, find new phrases, see phrases in context.

    \b
    Examples:
      policytag lexicon check
      policytag lexicon discover reports/ -o candidates.yaml -n 50
      policytag lexicon kwic 双联 reports/ --width 15
    """


@lexicon.command("check")
@click.argument("file", required=False)
@click.option("--tokenizer", default=None, help="Also list lexicon forms this tokenizer splits (jieba, jieba-py, "
                                                "pkuseg, spacy).")
@click.pass_context
def check(ctx: click.Context, file: str | None, tokenizer: str | None) -> int:
    """Validate a lexicon (default: the configured one): duplicates, variants claimed by two entries,
    empty fields, unknown categories and entries still waiting for a curator ('?'), each with its line.
    Exit 0 when clean, 2 when there are errors.

    \b
    Examples:
      policytag lexicon check
      policytag lexicon check my_terms.yaml --tokenizer pkuseg
    """
    from ..lexicon import check_lexicon

    config = load_config(ctx.obj.get("config_path"), {"match.lexicon": file})
    lex, issues = check_lexicon(config["match"]["lexicon"])
    for issue in issues:
        click.echo(str(issue))
    counts = " · ".join(f"{c} {n}" for c, n in lex.counts().items())
    click.echo(f"{lex.source}: {len(lex)} entries, {lex.n_forms()} forms ({counts})", err=bool(issues))
    if tokenizer:
        _report_splits(tokenizer, lex, config)
    if issues:
        pending = sum(i.pending for i in issues)
        note = f", {pending} waiting for a curator" if pending else ""
        click.echo(f"{len(issues)} problem(s){note}", err=True)
        return EXIT_USAGE
    return EXIT_OK


def _report_splits(name: str, lex: Any, config: dict[str, Any]) -> None:
    from ..tokenizer import get_tokenizer, split_terms

    tok = get_tokenizer(name, lexicon=lex, hmm=bool(config["tokenize"].get("hmm", True)))
    split = split_terms(tok, lex)
    click.echo(f"{name}: {len(split)} lexicon form(s) split into several tokens")
    for word in split:
        click.echo(f"  {word}\t{' / '.join(tok.tokenize(word))}")


def _documents(paths: tuple[str, ...], config: dict[str, Any], output: str | None = None) -> Iterator[Any]:
    """Documents read one by one; a bad input is reported and skipped; ``output`` must be none of them."""
    from ..read import read_path, scan_paths
    from ..write import refuse_input_as_output

    scan = scan_paths(list(paths))
    refuse_input_as_output([output], [*scan.files, config["match"]["lexicon"]])
    echo_skipped(scan)
    for path in scan.files:
        try:
            yield read_path(path, config)
        except InputError as exc:
            click.echo(f"policytag: skipped {exc}", err=True)
            _documents.failed += 1  # type: ignore[attr-defined]


def _paragraph_texts(doc: Any, config: dict[str, Any]) -> list[str]:
    try:
        from ..segment import segment
    except ImportError:  # segment stage not built yet: lines of the normalized text
        return [line for line in doc.norm.text.splitlines() if line.strip()]
    return [p.text for p in segment(doc, config)]


@lexicon.command("discover")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", default=None, help="YAML file for the candidates (stdout if omitted).")
@click.option("-n", "number", type=click.IntRange(min=1), default=100, show_default=True, help="How many candidates.")
@click.option("--min-freq", type=click.IntRange(min=1), default=2, show_default=True,
              help="Fewest occurrences for an n-gram (quoted phrases and formulas count from one).")
@click.option("--lexicon", "lexicon_file", default=None, help="Lexicon whose phrases are skipped (default: shipped).")
@click.pass_context
def discover(ctx: click.Context, paths: tuple[str, ...], output: str | None, number: int, min_freq: int,
             lexicon_file: str | None) -> int:
    """Candidate phrases not yet in the lexicon, ranked, in the lexicon's own YAML format.

    Candidates are quoted phrases (“三入”), numbered formulas (四个意识, 一府一委两院, 三大攻坚战)
    and frequent word n-grams ending in an institution word (…制, …机制, …联络站). Score =
    kind weight (quoted 3, formula 2, n-gram 1) × documents × log2(1 + frequency). Each comes
    with frequency, documents, first year seen and example contexts; category and definition
    are left as "?" for the curator (lexicon check rejects them until filled in).

    \b
    Example:
      policytag lexicon discover reports/ -o candidates.yaml -n 50
    """
    from ..lexicon import candidates_yaml, document_year, load_lexicon
    from ..lexicon import discover as run_discover
    from ..write import open_output

    config = load_config(ctx.obj.get("config_path"), {"match.lexicon": lexicon_file})
    lex = load_lexicon(config["match"]["lexicon"])
    _documents.failed = 0  # type: ignore[attr-defined]
    n_docs = 0

    def paragraphs() -> Iterator[tuple[str, int | None, str]]:
        nonlocal n_docs
        for doc in _documents(paths, config, output):
            n_docs += 1
            year = document_year(doc)
            for text in _paragraph_texts(doc, config):
                yield doc.path, year, text

    cands = run_discover(paragraphs(), lex, n=number, min_freq=min_freq)
    with open_output(output) as fh:
        fh.write(candidates_yaml(cands, n_docs))
    if output:
        click.echo(f"{len(cands)} candidates from {n_docs} documents -> {output}", err=True)
    return EXIT_SOME_FAILED if _documents.failed else EXIT_OK  # type: ignore[attr-defined]


@lexicon.command("kwic")
@click.argument("term")
@click.argument("paths", nargs=-1, required=True)
@click.option("--width", type=click.IntRange(min=0), default=20, show_default=True,
              help="Characters of context on each side.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of TSV.")
@click.option("-o", "--output", default=None, help="Output file (stdout if omitted).")
@click.option("--lexicon", "lexicon_file", default=None, help="Lexicon for variants (default: shipped).")
@raw_cells_option
@click.pass_context
def kwic(ctx: click.Context, term: str, paths: tuple[str, ...], width: int, as_json: bool, output: str | None,
         lexicon_file: str | None, raw_cells: bool) -> int:
    """Keyword in context: TERM (and every variant, if it is a lexicon phrase) in the documents.

    TSV columns: path, start, end (offsets into the original text), left, match, right.

    \b
    Examples:
      policytag lexicon kwic 票决制 reports/
      policytag lexicon kwic “双联” report.txt --width 10 --json
    """
    from ..lexicon import load_lexicon
    from ..match import kwic as run_kwic
    from ..write import dumps, open_output, spreadsheet_cell

    config = load_config(ctx.obj.get("config_path"), {"match.lexicon": lexicon_file})
    lex = load_lexicon(config["match"]["lexicon"])
    _documents.failed = 0  # type: ignore[attr-defined]
    with open_output(output) as fh:
        if not as_json:
            fh.write("path\tstart\tend\tleft\tmatch\tright\n")
        for doc in _documents(paths, config, output):
            for row in run_kwic(term, doc.norm, doc.raw, lex, width):
                if as_json:
                    fh.write(dumps({"path": doc.path, **row}) + "\n")
                else:
                    cells = [doc.path, row["start"], row["end"], row["left"], row["match"], row["right"]]
                    flat = (str(c).replace("\t", " ").replace("\r", " ").replace("\n", " ") for c in cells)
                    fh.write("\t".join(spreadsheet_cell(c, raw_cells) for c in flat) + "\n")
    return EXIT_SOME_FAILED if _documents.failed else EXIT_OK  # type: ignore[attr-defined]
