"""``policytag train | evaluate | suggest | bootstrap``: the paragraph-function model."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from ..config import load_config
from ..errors import EXIT_OK, EXIT_SOME_FAILED, ConfigError
from .common import raw_cells_option
from .progress import Steps, progress_option


def _labels_option(value: str | None) -> list[str] | None:
    if not value:
        return None
    from ..train import LABEL_DELIMITERS

    return [s.strip() for s in LABEL_DELIMITERS.split(value) if s.strip()]


@click.command("train")
@click.argument("data", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="Model folder to write (replaced atomically).")
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed + data = same weights).")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(min=2), help="Cross-validation folds.")
@click.option("--labels", default=None, help="Allowed labels, e.g. 监督,立法 (default: those in the data).")
@click.option("--text-field", default="text", show_default=True, help="Text column of the data.")
@click.option("-C", "C", default=None, type=float, help="Inverse regularization strength (default from config).")
@click.option("--lexicon-features/--no-lexicon-features", default=None,
              help="Add lexicon categories of matched terms as features (default from config).")
@click.option("--tune-thresholds/--fixed-thresholds", default=None,
              help="Tune each label's threshold on grouped out-of-fold scores, or use 0.5 (default from config: "
                   "0.5, which tuning did not beat on the real data).")
@click.option("--no-cv", is_flag=True, help="Skip the cross-validated report.")
@click.option("--json", "as_json", is_flag=True, help="Print the CV metrics as JSON.")
@progress_option
@click.pass_context
def train(ctx: click.Context, data: tuple[str, ...], output: str, seed: int, folds: int, labels: str | None,
          text_field: str, C: float | None, lexicon_features: bool | None, tune_thresholds: bool | None, no_cv: bool,
          as_json: bool, progress: bool | None) -> int:
    """Train a paragraph-function model from labeled paragraphs.

    DATA are JSONL, CSV or XLSX files with a text column and labels as a list,
    a delimited string (、,;|，；) or one 0/1 column per label. Rows are grouped
    by their ``report``/``doc`` column for cross-validation.

    \b
    Example:
      policytag train labeled.jsonl more.csv -o models/mine --seed 0
    """
    from ..train import train_bundle

    config = load_config(ctx.obj.get("config_path"), {"classify.C": C, "classify.lexicon_features": lexicon_features,
                                                      "classify.tune_thresholds": tune_thresholds})
    from ..write import refuse_inputs_inside

    refuse_inputs_inside(output, data)  # the model folder is replaced as a whole
    started = time.perf_counter()
    with Steps(progress, unit="fold") as steps:
        result = train_bundle(list(data), output, config, seed=seed, folds=folds, labels=_labels_option(labels),
                              text_field=text_field, cv=not no_cv, progress=steps)
    if result.get("cv"):
        from ..train import format_metrics

        if as_json:
            click.echo(json.dumps(result["cv"], ensure_ascii=False, indent=1))
        else:
            how = "tuned in each training part" if config["classify"]["tune_thresholds"] else "0.5"
            click.echo(format_metrics(result["cv"], f"cross-validated, {folds} folds grouped by report "
                                                    f"(thresholds {how}):"))
    new = [lab for lab in result["labels"] if lab not in config["classify"].get("labels", ())]
    if new and not labels:  # a typo in the data becomes a label of its own: say so
        click.echo(f"policytag: note: labels not in the configured [classify] labels: {', '.join(new)} "
                   "(with --labels, an unknown label is an error naming its line)", err=True)
    click.echo(f"policytag: {result['n']} paragraphs, labels {', '.join(result['labels'])}; model written to "
               f"{output} ({time.perf_counter() - started:.1f}s)", err=True)
    return EXIT_OK


@click.command("evaluate")
@click.argument("gold", nargs=-1, required=True)
@click.option("--model", default=None, help="Model folder or shipped name (default: the shipped model).")
@click.option("--text-field", default="text", show_default=True, help="Text column of the gold file.")
@click.option("--exclude-training", is_flag=True,
              help="Score only the gold rows the model was not trained on.")
@click.option("--cv", "cv", default=None, type=click.IntRange(min=2), metavar="K",
              help="Instead of scoring the model: K-fold CV on GOLD itself, grouped by report, with the model's "
                   "settings (what a model trained on this data is expected to score on new reports).")
@click.option("--seed", default=0, show_default=True, help="Seed of the --cv folds and of the bootstrap.")
@click.option("--json", "as_json", is_flag=True, help="Print all metrics as JSON.")
@click.pass_context
def evaluate(ctx: click.Context, gold: tuple[str, ...], model: str | None, text_field: str, exclude_training: bool,
             cv: int | None, seed: int, as_json: bool) -> int:
    """Score a model on labeled paragraphs: per-label P/R/F1 with 95 % intervals, confusions.

    Rows the model was trained on are detected (the model keeps a key of each
    training row) and flagged: their scores say nothing about new text. When
    every row was a training row, evaluate stops (exit 2); use --cv K to
    estimate by grouped cross-validation instead. Intervals are bootstrap
    intervals over reports (the ``report``/``doc`` column), else over rows.

    \b
    Example:
      policytag evaluate held_out.jsonl --model models/mine
      policytag evaluate gold.csv --exclude-training --json > eval.json
      policytag evaluate labeled.jsonl --cv 5
    """
    from ..classify import load_model
    from ..train import format_confusion, format_metrics, load_labeled

    config = load_config(ctx.obj.get("config_path"), {"classify.model": model})
    clf = load_model(config["classify"]["model"]).model
    examples = [e for path in gold for e in load_labeled(path, text_field=text_field)]
    if cv:
        result = _cv_on_gold(clf, examples, config, cv, seed)
        how = "tuned inside each training part" if result.pop("tune_thresholds") else "0.5"
        title = (f"grouped {cv}-fold CV on {', '.join(gold)} ({len(examples)} rows, {result['reports']} reports), "
                 f"settings of {config['classify']['model']}; thresholds {how}:")
    else:
        examples, overlap = _training_overlap(clf, examples, gold, config["classify"]["model"], exclude_training)
        result = _score(clf, examples, seed)
        result["training_overlap"] = overlap
        title = ""
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        click.echo(format_metrics(result, title))
        click.echo(format_confusion(result))
    return EXIT_OK


def _training_overlap(clf: Any, examples: list[Any], gold: tuple[str, ...], model: str, exclude: bool
                      ) -> tuple[list[Any], dict[str, Any]]:
    """Find gold rows the model was trained on; warn, drop them (--exclude-training) or stop when all are."""
    from ..rowkeys import row_key, training_row_keys

    keys = training_row_keys(clf)
    if keys is None:
        click.echo(f"policytag: note: {model} does not record its training rows (trained by an older policytag); "
                   "cannot check whether the gold rows were used to train it", err=True)
        return examples, {"checked": False}
    seen = [row_key(e.text) in keys for e in examples]
    n, k = len(examples), sum(seen)
    info = {"checked": True, "rows": n, "training_rows": k, "excluded": bool(exclude and k)}
    if k == n:
        raise ConfigError(f"all {n} rows of {', '.join(gold)} were used to train {model}: scores on training rows "
                          f"say nothing about new text. Run `policytag evaluate --cv K {' '.join(gold)}` for a "
                          f"grouped cross-validated estimate, or score rows the model has not seen")
    if k and exclude:
        click.echo(f"policytag: left out {k} of {n} gold rows that {model} was trained on; scoring the other "
                   f"{n - k}", err=True)
        return [e for e, s in zip(examples, seen, strict=True) if not s], info
    if k:
        click.echo(f"policytag: WARNING: {k} of {n} gold rows were used to train {model}. Their scores are "
                   f"optimistic and the figures below overstate accuracy on new text. Add --exclude-training to "
                   f"score only the {n - k} others.", err=True)
    return examples, info


def _score(clf: Any, examples: list[Any], seed: int) -> dict[str, Any]:
    import numpy as np

    from ..train import label_matrix, metrics

    unknown = sorted({lab for e in examples for lab in e.labels} - set(clf.labels_))
    if unknown:
        click.echo(f"policytag: note: labels not in the model are scored as missed: {', '.join(unknown)}", err=True)
    labels = list(clf.labels_) + unknown
    pred = np.zeros((len(examples), len(labels)), dtype=bool)
    pred[:, : len(clf.labels_)] = clf.predict_matrix([e.text for e in examples])
    return metrics(label_matrix([e.labels for e in examples], labels), pred, labels,
                   groups=[e.group for e in examples], seed=seed)


def _cv_on_gold(clf: Any, examples: list[Any], config: dict[str, Any], folds: int, seed: int) -> dict[str, Any]:
    """Grouped CV on the gold rows with the model's feature and fitting settings."""
    from ..classify import FunctionClassifier
    from ..train import as_inputs, cross_validate, label_order

    known = FunctionClassifier().get_params()
    params = {k: v for k, v in clf.get_params().items() if k in known}
    params["seed"] = seed
    labels = label_order(examples, list(clf.labels_))
    X = as_inputs(examples, config["match"]["lexicon"], params.get("lexicon_weight", 0) > 0)
    groups = [e.group for e in examples]
    result = cross_validate(params, X, [e.labels for e in examples], groups, labels, folds=folds, seed=seed)["metrics"]
    result["reports"] = len(set(groups))
    result["tune_thresholds"] = bool(params.get("tune_thresholds", True))
    return result


@click.command("suggest")
@click.argument("paths", nargs=-1, required=True)
@click.option("--model", default=None, help="Model folder or shipped name (default: the shipped model).")
@click.option("-n", "n", default=50, show_default=True, type=click.IntRange(min=1), help="How many to suggest.")
@click.option("-o", "--output", required=True, help="JSONL or CSV file to write, ready to label.")
@raw_cells_option
@click.pass_context
def suggest(ctx: click.Context, paths: tuple[str, ...], model: str | None, n: int, output: str,
            raw_cells: bool) -> int:
    """Active learning: the paragraphs the model is least sure of, kept diverse.

    PATHS are reports (segmented here) or pre-cut JSONL/CSV paragraphs. Fill
    the empty ``labels`` column and add the file to ``policytag train``.

    \b
    Example:
      policytag suggest reports/ -n 50 -o to_label.csv
      policytag train labeled.jsonl to_label.csv -o models/mine
    """
    from ..classify import load_model
    from ..train import read_paragraphs, select_diverse, uncertainty

    config = load_config(ctx.obj.get("config_path"), {"classify.model": model})
    _refuse_overwrite(output, paths)
    clf = load_model(config["classify"]["model"]).model
    errors: list[str] = []
    paragraphs = _dedup(read_paragraphs(list(paths), config, errors))
    for err in errors:
        click.echo(f"policytag: skipped {err}", err=True)
    if not paragraphs:
        raise ConfigError(f"no paragraphs found in: {' '.join(paths)}")
    if clf.features_.get("lexicon_weight", 0) > 0:
        from ..train import add_terms

        add_terms(paragraphs, config["match"]["lexicon"])
    probs = clf.predict_proba(paragraphs)
    picked = select_diverse(uncertainty(probs, clf.thresholds_), clf.features(paragraphs), n)
    rows = []
    for i in picked:
        p = paragraphs[i]
        rows.append({"id": p.extra.get("id", f"{p.doc_id}:{p.index}"), "doc": p.extra.get("doc") or p.doc_id,
                     "path": p.path, "section": " > ".join(p.section), "text": p.text,
                     "predicted": "|".join(lab for lab, on in zip(clf.labels_, probs[i] >= clf.thresholds_,
                                                                 strict=True) if on),
                     **{f"score_{lab}": round(float(s), 4) for lab, s in zip(clf.labels_, probs[i], strict=True)},
                     "labels": ""})
    _write_rows(rows, output, raw_cells, sheet="suggest")
    click.echo(f"policytag: {len(rows)} of {len(paragraphs)} paragraphs suggested -> {output}; fill 'labels' "
               f"(e.g. 监督|立法, empty = none) and add the file to policytag train", err=True)
    return EXIT_SOME_FAILED if errors else EXIT_OK


@click.command("bootstrap")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="JSONL or CSV file of weakly labeled paragraphs.")
@click.option("--fired-only", is_flag=True, help="Write only paragraphs where some rule fired.")
@click.option("--lexicon", default=None, help="Lexicon for category rules (default: the shipped lexicon).")
@raw_cells_option
@click.pass_context
def bootstrap(ctx: click.Context, paths: tuple[str, ...], output: str, fired_only: bool, lexicon: str | None,
              raw_cells: bool) -> int:
    """Weak labels for users with no labeled data: from section headings and lexicon categories.

    Each paragraph gets the labels its rules give and the ``rules`` that fired
    (三、发挥代表作用 -> 代表工作). Check a sample, then train on the file.

    \b
    Example:
      policytag bootstrap reports/ -o weak.jsonl
      policytag train weak.jsonl -o models/weak
    """
    from ..train import add_terms, read_paragraphs, weak_labels

    config = load_config(ctx.obj.get("config_path"), {"match.lexicon": lexicon})
    _refuse_overwrite(output, paths)
    errors: list[str] = []
    paragraphs = read_paragraphs(list(paths), config, errors)
    for err in errors:
        click.echo(f"policytag: skipped {err}", err=True)
    labels = list(config["classify"]["labels"])
    has_lexicon = add_terms(paragraphs, config["match"]["lexicon"])
    category_rules = {lab: lab for lab in labels} if has_lexicon else None
    rows, fired = [], 0
    for p in paragraphs:
        found, rules = weak_labels(p.text, p.section, [t.category for t in p.terms], category_rules, labels)
        fired += bool(rules)
        if fired_only and not rules:
            continue
        rows.append({"id": p.extra.get("id", f"{p.doc_id}:{p.index}"), "doc": p.extra.get("doc") or p.doc_id,
                     "section": " > ".join(p.section), "text": p.text, "labels": found, "rules": rules})
    _write_rows(rows, output, raw_cells, sheet="bootstrap")
    click.echo(f"policytag: {len(rows)} paragraphs ({fired} with a rule) -> {output}", err=True)
    return EXIT_SOME_FAILED if errors else EXIT_OK


def _refuse_overwrite(output: str, paths: tuple[str, ...]) -> None:
    """The file to write must be none of the inputs (exit 2 before anything is read); say what folders left out."""
    from ..read import scan_paths
    from ..write import refuse_input_as_output
    from .common import echo_skipped

    scan = scan_paths(list(paths))  # what read_paragraphs takes from folders
    refuse_input_as_output([output], [*paths, *scan.files])
    echo_skipped(scan)


def _dedup(paragraphs: list[Any]) -> list[Any]:
    """Drop repeated paragraphs (same text without punctuation/space): suggest each once."""
    import re

    seen, out = set(), []
    for p in paragraphs:
        key = re.sub(r"[\W_]+", "", p.text)
        if key and key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _write_rows(rows: list[dict[str, Any]], output: str, raw_cells: bool = False, sheet: str = "paragraphs") -> None:
    from ..write import write_csv_table, write_jsonl, write_xlsx

    suffix = Path(output).suffix.lower()
    if suffix in (".csv", ".xlsx"):
        flat = [{k: "|".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows]
        columns = list(dict.fromkeys(k for r in flat for k in r))
        if suffix == ".csv":
            write_csv_table(output, columns, flat, raw_cells)
        else:
            for line in write_xlsx(output, {sheet: (columns, flat)}, raw_cells).lines(output):
                click.echo(f"policytag: note: {line}", err=True)
    elif suffix in (".jsonl", ".json", ".ndjson") or output == "-":
        write_jsonl(rows, output)
    else:
        raise ConfigError(f"{output}: unknown output format {suffix!r}; use .jsonl, .csv or .xlsx")

