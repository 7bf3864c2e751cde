"""``policytag agreement``: how far two coders agree, label by label."""

from __future__ import annotations

import json

import click

from ..config import load_config
from ..errors import EXIT_OK
from .common import raw_cells_option


@click.command("agreement")
@click.argument("coder_a", type=click.Path(dir_okay=False))
@click.argument("coder_b", type=click.Path(dir_okay=False))
@click.option("--id-field", default="id", show_default=True, help="Column that names the same row in both files.")
@click.option("--labels", default=None, help="Allowed labels, e.g. 监督,立法 (default: the configured labels).")
@click.option("-o", "--disagreements", "output", default=None, type=click.Path(dir_okay=False),
              help="CSV (UTF-8 with BOM) of the rows where the coders differ.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@raw_cells_option
@click.pass_context
def agreement(ctx: click.Context, coder_a: str, coder_b: str, id_field: str, labels: str | None,
              output: str | None, as_json: bool, raw_cells: bool) -> int:
    """Inter-coder agreement: per-label Cohen's kappa, Krippendorff's alpha, raw agreement.

    CODER_A and CODER_B are two coders' label files (JSONL, CSV or XLSX) with an
    id column; labels as a list, a delimited string (、,;|，；) or one 0/1 column
    per label. Rows are joined by id; rows only one coder has are counted and left
    out. Check the codebook this way before training on the labels.

    \b
    Example:
      policytag agreement coder_a.csv coder_b.xlsx -o disagreements.csv
      policytag agreement a.jsonl b.jsonl --json
    """
    from ..agreement import agreement as compute
    from ..agreement import disagreements, format_agreement, read_coding

    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    allowed = _labels(labels) or list(config["classify"]["labels"])
    from ..write import refuse_input_as_output

    refuse_input_as_output([output], [coder_a, coder_b])  # links and other spellings of an input too
    a = read_coding(coder_a, id_field=id_field, labels=allowed)
    b = read_coding(coder_b, id_field=id_field, labels=allowed)
    if a.name == b.name:  # column names must tell the coders apart
        a.name, b.name = f"A_{a.name}", f"B_{b.name}"
    result = compute(a, b, allowed)
    rows = disagreements(a, b, allowed)
    if output:
        _write_csv(rows, output, [f"labels_{a.name}", f"labels_{b.name}"], raw_cells)
        result["disagreements_file"] = output
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        click.echo(format_agreement(result))
    where = f" -> {output}" if output else " (write them with -o FILE.csv)"
    click.echo(f"policytag: {len(rows)} of {result['rows']} rows differ{where}", err=True)
    return EXIT_OK


def _labels(value: str | None) -> list[str] | None:
    from ..train import LABEL_DELIMITERS

    return [s.strip() for s in LABEL_DELIMITERS.split(value) if s.strip()] if value else None


def _write_csv(rows: list[dict], output: str, label_columns: list[str], raw_cells: bool) -> None:
    """The disagreeing rows, UTF-8 with BOM (Excel opens it), text cells neutralized against formulas."""
    from ..write import write_csv_table

    write_csv_table(output, ["id", "text", *label_columns, "only_a", "only_b"], rows, raw_cells)
