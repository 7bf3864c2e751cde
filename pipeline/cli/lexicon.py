"""``policytag lexicon``: check, convert, discover and kwic, the curator's tools for a phrase lexicon."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, InputError
from .common import echo_skipped, raw_cells_option


@click.group("lexicon")
def lexicon() -> None:
    """Curate a phrase lexicon: validate it, convert dictionary formats, find new phrases, see them in context.

    \b
    Examples:
      policytag lexicon check
      policytag lexicon check my_dict.dic
      policytag lexicon convert my_dict.dic -o my_dict.yaml
      policytag lexicon discover reports/ -o candidates.yaml -n 50
      policytag lexicon kwic 双联 reports/ --width 15
    """


@lexicon.command("check")
@click.argument("file", required=False)
@click.option("--tokenizer", default=None, help="Also list lexicon forms this tokenizer splits (jieba, jieba-py, "
                                                "pkuseg, spacy).")
@click.option("--all-notes", is_flag=True, help="List every warning and note (by default the first 10 of each "
                                                "kind).")
@click.pass_context
def check(ctx: click.Context, file: str | None, tokenizer: str | None, all_notes: bool) -> int:
    """Validate a lexicon in any format (default: the configured one), each problem with its line.

    Errors (exit 2): a term in one category twice, a variant claimed by two entries of one
    category, empty or unknown fields, a category used but not declared, a glob with nothing
    before '*', an invalid regex or one that matches the empty string or takes too long, an
    exclude context that can never apply, '?' left by discover. Warnings: missing definitions,
    declared categories without terms. Notes: a term that counts for several categories
    (allowed). Exit 0 when there are no errors.

    \b
    Examples:
      policytag lexicon check
      policytag lexicon check my_terms.yaml --tokenizer pkuseg
      policytag lexicon check liwc_style.dic
    """
    from ..lexicon import check_lexicon, lexicon_specs

    config = load_config(ctx.obj.get("config_path"), {"match.lexicon": file})
    specs = lexicon_specs(config["match"]["lexicon"])
    n_errors = 0
    for spec in specs:
        lex, issues = check_lexicon(spec)
        n_errors += _print_issues(issues, all_notes)
        counts = " · ".join(f"{c} {n}" for c, n in lex.counts().items())
        patterns = sum(len(e.pattern_forms) for e in lex)
        extra = f", {patterns} pattern(s)" if patterns else ""
        click.echo(f"{lex.source}: {len(lex)} entries, {lex.n_forms()} forms{extra} ({counts})", err=bool(n_errors))
        if tokenizer:
            _report_splits(tokenizer, lex, config)
    if n_errors:
        click.echo(f"{n_errors} problem(s)", err=True)
        return EXIT_USAGE
    return EXIT_OK


def _print_issues(issues: list[Any], all_notes: bool) -> int:
    """Print errors; warnings and notes up to 10 of each kind (missing definitions, shared terms).

    Returns the number of errors.
    """
    shown: dict[str, int] = {}
    hidden: dict[str, int] = {}
    for issue in issues:
        if issue.kind and not all_notes:
            shown[issue.kind] = shown.get(issue.kind, 0) + 1
            if shown[issue.kind] > 10:
                hidden[issue.kind] = hidden.get(issue.kind, 0) + 1
                continue
        click.echo(str(issue))
    what = {"definition": "entries without a definition", "shared": "terms that count for several categories"}
    for kind, n in hidden.items():
        click.echo(f"... and {n} more {what.get(kind, kind)} (--all-notes lists them)")
    errors = [i for i in issues if i.is_error]
    pending = sum(i.pending for i in errors)
    if pending:
        click.echo(f"{pending} entries waiting for a curator", err=True)
    return len(errors)


@lexicon.command("convert")
@click.argument("source")
@click.option("-o", "--output", required=True, help="Output file; the format follows its extension "
                                                    "(.yaml policytag, .dic LIWC, .csv, .tsv, .xlsx).")
@click.option("--to", "to", type=click.Choice(["policytag", "quanteda", "liwc", "csv", "tsv", "xlsx"]), default=None,
              help="Output format (default: from -o; use quanteda for an R dictionary).")
@click.option("--from", "from_", type=click.Choice(["policytag", "quanteda", "liwc", "lexicoder", "wordstat", "csv",
                                                    "tsv", "xlsx"]), default=None,
              help="Input format (default: from the extension and content).")
@raw_cells_option
def convert(source: str, output: str, to: str | None, from_: str | None, raw_cells: bool) -> int:
    """Convert a dictionary between formats (read any, write policytag / quanteda / LIWC / CSV / TSV / XLSX).

    Reads the own YAML, quanteda YAML, LIWC/Wordstat .dic, Lexicoder .lc3/.lcd, WordStat .cat,
    CSV/TSV/XLSX (term,category[,variants][,definition]). A dictionary with errors is not
    converted (exit 2); what the output format cannot hold is said on stderr.

    \b
    Examples:
      policytag lexicon convert lexicons/policy_terms.yaml -o policy_terms.yml --to quanteda
      policytag lexicon convert my_dict.dic -o my_dict.yaml
      policytag lexicon convert terms.xlsx -o terms.csv
    """
    from pathlib import Path

    from ..errors import ConfigError
    from ..lexicon import errors_of, lexicon_path
    from ..lexicon_formats import output_format, read_dictionary, write_dictionary
    from ..write import refuse_input_as_output

    src = lexicon_path(source)
    out = Path(output)
    refuse_input_as_output([out], [src])
    fmt = output_format(out, to)
    lex, issues = read_dictionary(src, from_)
    errors = errors_of(issues)
    if errors:
        for issue in errors:
            click.echo(str(issue), err=True)
        raise ConfigError(f"{src}: {len(errors)} problem(s); nothing converted")
    for note in write_dictionary(lex, out, fmt, raw_cells):
        click.echo(f"policytag: note: {note}", err=True)
    click.echo(f"{len(lex)} entries, {len(lex.categories)} categories -> {output} ({fmt})", err=True)
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
    from ..lexicon import lexicon_specs

    refuse_input_as_output([output], [*scan.files, *lexicon_specs(config["match"]["lexicon"])])
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
@click.option("--lexicon", "lexicon_files", multiple=True,
              help="Lexicon(s) whose phrases are skipped (default: shipped; +FILE adds yours to it).")
@click.option("--near", "near", multiple=True, metavar="CATEGORY",
              help="Keep candidates that occur beside terms of this category (repeatable).")
@click.pass_context
def discover(ctx: click.Context, paths: tuple[str, ...], output: str | None, number: int, min_freq: int,
             lexicon_files: tuple[str, ...], near: tuple[str, ...]) -> int:
    """Candidate phrases not yet in the lexicon, ranked, in the lexicon's own YAML format.

    Candidates are quoted phrases (“三入”), numbered formulas (四个意识, 一府一委两院, 三大攻坚战)
    and frequent word n-grams ending in an institution word (…制, …机制, …联络站). Score =
    kind weight (quoted 3, formula 2, n-gram 1) × documents × log2(1 + frequency). Each comes
    with frequency, documents, first year seen and example contexts; category and definition
    are left as "?" for the curator (lexicon check rejects them until filled in); the comment
    names the lexicon categories met beside each candidate. --near keeps only candidates found
    beside a category of yours.

    \b
    Examples:
      policytag lexicon discover reports/ -o candidates.yaml -n 50
      policytag lexicon discover reports/ --lexicon mine.yaml --near 营商环境
    """
    from ..discover import candidates_yaml, document_year
    from ..discover import discover as run_discover
    from ..lexicon import load_lexicon
    from ..write import open_output

    config = load_config(ctx.obj.get("config_path"), {"match.lexicon": list(lexicon_files) or None})
    lex = load_lexicon(config["match"]["lexicon"], cache=bool(config["lexicon"]["cache"]))
    unknown = [c for c in near if not lex.in_category(c)]
    if unknown:
        from ..errors import ConfigError

        raise ConfigError(f"--near {unknown[0]!r}: no lexicon category of that name (categories: "
                          f"{' '.join(lex.categories)})")
    _documents.failed = 0  # type: ignore[attr-defined]
    n_docs = 0

    def paragraphs() -> Iterator[tuple[str, int | None, str]]:
        nonlocal n_docs
        for doc in _documents(paths, config, output):
            n_docs += 1
            year = document_year(doc)
            for text in _paragraph_texts(doc, config):
                yield doc.path, year, text

    cands = run_discover(paragraphs(), lex, n=number, min_freq=min_freq, near=near)
    with open_output(output) as fh:
        fh.write(candidates_yaml(cands, n_docs, list(lex.categories)))
    if output:
        click.echo(f"{len(cands)} candidates from {n_docs} documents -> {output}", err=True)
    return EXIT_SOME_FAILED if _documents.failed else EXIT_OK  # type: ignore[attr-defined]


def _kwic_alias() -> click.Command:
    from .kwic import kwic

    return kwic


lexicon.add_command(_kwic_alias(), "kwic")  # `policytag lexicon kwic` = `policytag kwic`
