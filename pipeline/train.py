"""Training, cross-validation, thresholds, evaluation, active learning and weak labels.

This module may import scikit-learn and scipy; ``policytag.classify`` (what
``policytag tag`` loads) never does. Cross-validation always splits by report
(the ``report``/``doc`` column): paragraphs of one report share wording, so a
row split would report numbers that do not hold on a new report.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .classify import FunctionClassifier, Texts, featurize, inputs_of
from .errors import ConfigError
from .normalize import normalize

GROUP_FIELDS = ("report", "doc", "doc_id", "group")
LABEL_DELIMITERS = re.compile(r"[、,;|，；]")
Progress = Callable[[str, int, int], None]  # (stage, done, total), e.g. a policytag.cli.progress.Steps
_NON_LABEL_COLUMNS = {"text", "id", "url", "region", "level", "year", "report", "doc", "doc_id", "group", "index",
                      "start", "end", "path", "section", "source", "rules", "scores", "predicted", "period"}


# --------------------------------------------------------------------------- labeled data
@dataclass
class Example:
    text: str
    labels: list[str]
    group: str
    source: str  # file:line, for messages
    extra: dict[str, Any] = field(default_factory=dict)


def _label_list(value: Any, where: str) -> list[str]:
    """Labels from a list, a JSON list string, or a delimited string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, list | tuple):
        items = [str(v).strip() for v in value]
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return _label_list(json.loads(text), where)
            except json.JSONDecodeError:
                raise ConfigError(f"{where}: labels {text[:40]!r} look like a list but are not valid JSON") from None
        items = [s.strip() for s in LABEL_DELIMITERS.split(text)]
    else:
        raise ConfigError(f"{where}: labels must be a list or a delimited string, got {value!r}")
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def _is_flag(value: Any) -> bool | None:
    """True/False for 0/1-like cells, None for an empty cell; raises ValueError otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false", "0.0", "1.0"):
        return value.strip().lower() in ("1", "true", "1.0")
    raise ValueError(value)


def _read_rows(path: Path, sheet: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """Rows of a JSONL/CSV/XLSX file and the line number of the first row."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ConfigError(f"training data not found: {path}")
    if suffix in (".jsonl", ".json", ".ndjson"):
        rows = []
        with open(path, encoding="utf-8-sig") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    rows.append(None)
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ConfigError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
                if not isinstance(obj, dict):
                    raise ConfigError(f"{path}:{n}: expected a JSON object per line")
                rows.append(obj)
        return rows, 1
    if suffix in (".csv", ".tsv", ".xlsx", ".xls"):
        try:
            from .write import read_spreadsheet

            if suffix in (".csv", ".tsv"):
                frame = read_spreadsheet(path, sep="\t" if suffix == ".tsv" else ",", dtype=object,
                                         keep_default_na=False)
            else:
                frame = read_spreadsheet(path, sheet=sheet, dtype=object)
        except Exception as exc:  # pandas raises many kinds; all mean "cannot read this table"
            raise ConfigError(f"{path}: cannot read as a table ({type(exc).__name__}: {exc})") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame.to_dict(orient="records"), 2
    raise ConfigError(f"{path}: unknown data format {suffix!r}; use .jsonl, .csv or .xlsx")


def load_labeled(path: str | Path, labels: Sequence[str] | None = None, text_field: str = "text",
                 label_field: str = "labels", require_labels: bool = True, normalize_text: bool = True
                 ) -> list[Example]:
    """Labeled paragraphs from JSONL, CSV or XLSX.

    Labels are a list, a delimited string (、,;|，；) or one 0/1 column per label.
    With ``labels`` given, any other label is an error naming file and line.
    Texts go through ``policytag.normalize`` (traditional -> simplified, pinyin
    glosses and full-width digits out), as the read stage does before classifying,
    so a model trains and is evaluated on what it will see.
    """
    path = Path(path)
    rows, first = _read_rows(path)
    present = [r for r in rows if r is not None]
    if not present:
        raise ConfigError(f"{path}: no rows")
    columns = list(dict.fromkeys(k for r in present for k in r))
    if text_field not in columns:
        raise ConfigError(f"{path}: no {text_field!r} column (columns: {', '.join(columns[:12])}); use --text-field")
    flag_columns = [] if label_field in columns else _flag_columns(present, columns, labels)
    if require_labels and label_field not in columns and not flag_columns:
        raise ConfigError(f"{path}: no labels: expected a {label_field!r} column or one 0/1 column per label")
    group_field = next((g for g in GROUP_FIELDS if g in columns), None)
    allowed = set(labels) if labels else None
    out: list[Example] = []
    for i, row in enumerate(rows):
        if row is None:
            continue
        line = i + first
        where = f"{path}:{line}"
        text = row.get(text_field)
        if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
            raise ConfigError(f"{where}: empty {text_field!r}")
        text = normalize(str(text)).text if normalize_text else str(text)
        if label_field in columns:
            if require_labels and label_field not in row:
                raise ConfigError(f"{where}: no {label_field!r} field")
            found = _label_list(row.get(label_field), where)
        else:
            found = []
            for col in flag_columns:
                try:
                    on = _is_flag(row.get(col))
                except ValueError:
                    raise ConfigError(f"{where}: column {col!r} must be 0 or 1, got {row.get(col)!r}") from None
                if on:
                    found.append(col)
        if allowed is not None:
            for lab in found:
                if lab not in allowed:
                    raise ConfigError(f"{where}: unknown label {lab!r} (expected one of {', '.join(labels)})")
        group = row.get(group_field) if group_field else None
        group = f"{path.name}#{line}" if group in (None, "") else str(group)
        extra = {k: v for k, v in row.items() if k not in (text_field, label_field) and k not in flag_columns}
        out.append(Example(str(text).strip(), found, group, where, extra))
    if require_labels and not any(e.labels for e in out):
        raise ConfigError(f"{path}: no row has any label; a model needs examples of each label")
    return out


def _flag_columns(rows: list[dict[str, Any]], columns: list[str], labels: Sequence[str] | None) -> list[str]:
    if labels:
        return [c for c in columns if c in labels]
    flags = []
    for col in columns:
        if col in _NON_LABEL_COLUMNS or col.startswith(("score.", "score_", "meta.")):
            continue
        try:
            values = [_is_flag(r.get(col)) for r in rows]
        except ValueError:
            continue
        if any(v is not None for v in values):
            flags.append(col)
    return flags


def data_digest(examples: Sequence[Example]) -> str:
    """sha256 of the training rows (text + labels + group), order-sensitive."""
    h = hashlib.sha256()
    for e in examples:
        h.update(json.dumps([e.text, e.labels, e.group], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def label_order(examples: Sequence[Example], preferred: Sequence[str] = ()) -> list[str]:
    """Preferred (config) order first, then any other label by first appearance."""
    seen = list(dict.fromkeys(lab for e in examples for lab in e.labels))
    return [lab for lab in preferred if lab in seen] + [lab for lab in seen if lab not in preferred]


def label_matrix(Y: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    index = {lab: j for j, lab in enumerate(labels)}
    out = np.zeros((len(Y), len(labels)), dtype=bool)
    for i, row in enumerate(Y):
        for lab in row:
            if lab in index:
                out[i, index[lab]] = True
    return out


# liblinear's dual coordinate-descent epochs. The few-hundred-row real data converges in fewer;
# on 20,000 near-separable rows C=30 would take 170-300 epochs (≈4 s a fit) for no gain in
# cross-validated F1 (measured: bench/, docs/sections/bench.md).
MAX_EPOCHS = 15
# Folds of the out-of-fold predictions the per-label thresholds are tuned on (3 instead of 5:
# 20 fits instead of 30, same CV macro-F1 within its spread).
THRESHOLD_FOLDS = 3


# --------------------------------------------------------------------------- folds
def group_folds(groups: Sequence[str], folds: int, seed: int) -> list[np.ndarray]:
    """Test-row indices of each fold; whole groups (reports) go to one fold.

    scikit-learn's ``GroupKFold`` with the groups shuffled by ``seed``: the split
    is deterministic for a seed, folds have similar row counts.
    """
    from sklearn.model_selection import GroupKFold

    groups = np.asarray([str(g) for g in groups])
    k = min(folds, len(set(groups.tolist())))
    if k < 2:
        raise ConfigError("cross-validation needs rows from at least two reports (doc/report column)")
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    return [np.sort(test) for _, test in splitter.split(np.zeros(len(groups)), groups=groups)]


# --------------------------------------------------------------------------- fitting
def _fit_linear(X, y: np.ndarray, C: float, class_weight: str | None, seed: int) -> tuple[np.ndarray, float]:  # noqa: ANN001
    """One label's L2 logistic regression; a constant label gets a constant score.

    liblinear's dual solver: with far more hashed features than paragraphs it is
    3-4x faster than the primal one and gives the same optimum.
    """
    if y.all() or not y.any():
        return np.zeros(X.shape[1]), (8.0 if y.all() else -8.0)
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=C, class_weight=class_weight, solver="liblinear", dual=True, random_state=seed,
                            max_iter=MAX_EPOCHS, tol=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lr.fit(X, y)
    return lr.coef_[0], float(lr.intercept_[0])


def _fit_weights(X, Y: np.ndarray, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    coefs, intercepts = [], []
    for j in range(Y.shape[1]):
        w, b = _fit_linear(X, Y[:, j], params["C"], params["class_weight"], params["seed"])
        coefs.append(w)
        intercepts.append(b)
    return np.array(coefs).T.astype(np.float32), np.array(intercepts)


def _proba(X, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:  # noqa: ANN001
    z = np.clip(np.asarray(X @ coef.astype(np.float64)) + intercept, -40, 40)
    return 1.0 / (1.0 + np.exp(-z))


def best_thresholds(probs: np.ndarray, Y: np.ndarray, default: float = 0.5) -> np.ndarray:
    """Per label, the threshold with the best F1 on these (out-of-fold) probabilities.

    Ties go to the threshold nearest 0.5; a label without positives keeps ``default``.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.025), 3)
    out = np.full(Y.shape[1], default)
    for j in range(Y.shape[1]):
        y = Y[:, j]
        if not y.any():
            continue
        pred = probs[:, j][:, None] >= grid[None, :]
        tp = (pred & y[:, None]).sum(0)
        f1 = 2 * tp / np.maximum(pred.sum(0) + y.sum(), 1)
        best = f1.max()
        candidates = grid[f1 >= best - 1e-9]
        out[j] = candidates[np.argmin(np.abs(candidates - 0.5))]
    return out


def oof_probabilities(X, Y: np.ndarray, groups: Sequence[str], params: dict[str, Any], folds: int,  # noqa: ANN001
                      seed: int, texts: Sequence[Any] | None = None, labels: Sequence[str] | None = None
                      ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Grouped out-of-fold probabilities; with sentence-pooled labels (and ``texts``/``labels`` given)
    the held-out rows are scored through the prediction code, as ``predict`` will score them."""
    probs = np.zeros(Y.shape, dtype=np.float64)
    splits = group_folds(groups, folds, seed)
    model = FunctionClassifier(**params)
    pooled = bool(model.sentence_labels) and texts is not None and labels is not None
    for test in splits:
        train = np.setdiff1d(np.arange(Y.shape[0]), test)
        coef, intercept = _fit_weights(X[train], Y[train], params)
        if pooled:
            scorer = _with_weights(model, labels, coef, intercept, model.feature_settings())
            probs[test] = scorer.predict_proba([texts[i] for i in test])
        else:
            probs[test] = _proba(X[test], coef, intercept)
    return probs, splits


def fit_classifier(model: FunctionClassifier, X: Texts, Y: Sequence[Sequence[str]],
                   groups: Sequence[str] | None = None, labels: Sequence[str] | None = None,
                   tune_mask: Sequence[bool] | None = None) -> FunctionClassifier:
    """Fit ``model`` (its parameters): weights on all rows, thresholds from grouped out-of-fold probabilities.

    ``tune_mask`` picks the rows thresholds are tuned on (default all): written or
    weakly labeled rows help the weights but should not set the cut-offs for real text.
    """
    if len(X) != len(Y):
        raise ConfigError(f"fit: {len(X)} texts but {len(Y)} label lists")
    if len(X) == 0:
        raise ConfigError("fit: no training rows")
    labels = list(labels) if labels else list(dict.fromkeys(lab for row in Y for lab in row))
    if not labels:
        raise ConfigError("fit: no labels in the training data")
    settings = model.feature_settings()
    texts, sections, cats = inputs_of(X)
    feats = featurize(texts, settings, sections, cats)
    dim = 1 << settings["bits"]
    Xm = feats.to_csr(dim)
    Ym = label_matrix(Y, labels)
    params = model.get_params()
    coef, intercept = _fit_weights(Xm, Ym, params)
    thresholds = np.full(len(labels), 0.5)
    groups = list(groups) if groups is not None else [str(i) for i in range(len(texts))]
    if model.tune_thresholds and len(set(groups)) >= 2:
        probs, _ = oof_probabilities(Xm, Ym, groups, params, model.folds, model.seed, list(X), labels)
        mask = np.ones(len(texts), dtype=bool) if tune_mask is None else np.asarray(tune_mask, dtype=bool)
        thresholds = best_thresholds(probs[mask], Ym[mask])
    model.labels_ = labels
    model.coef_ = coef
    model.intercept_ = intercept
    model.thresholds_ = thresholds
    model.features_ = settings
    model.n_train_ = len(texts)
    return model


def cross_validate(params: dict[str, Any], texts: Texts, Y: Sequence[Sequence[str]], groups: Sequence[str],
                   labels: Sequence[str], folds: int = 5, seed: int = 0, extra: tuple | None = None,
                   inner_folds: int = THRESHOLD_FOLDS, progress: Progress | None = None) -> dict[str, Any]:
    """Grouped CV with thresholds tuned inside each training part (no peeking at the test report).

    ``extra`` = (texts, Y, groups) of rows used for training only (team or weak
    data); rows of a test group are left out of training too. ``progress`` is
    told ``("cross-validation", fold, folds)`` after each fold.
    Returns out-of-fold predictions and metrics.
    """
    model = FunctionClassifier(**params)
    params = model.get_params()
    settings = model.feature_settings()
    all_texts = list(texts) + (list(extra[0]) if extra else [])
    all_Y = list(Y) + (list(extra[1]) if extra else [])
    all_groups = [str(g) for g in groups] + ([str(g) for g in extra[2]] if extra else [])
    n = len(texts)
    t, s, c = inputs_of(all_texts)
    Xm = featurize(t, settings, s, c).to_csr(1 << settings["bits"])
    Ym = label_matrix(all_Y, labels)
    splits = group_folds(list(groups), folds, seed)
    probs = np.zeros((n, len(labels)))
    pred = np.zeros((n, len(labels)), dtype=bool)
    group_arr = np.array(all_groups)
    for done, test in enumerate(splits, 1):
        test_groups = set(group_arr[test])
        train = np.array([i for i in range(len(all_texts)) if group_arr[i] not in test_groups])
        coef, intercept = _fit_weights(Xm[train], Ym[train], params)
        if model.sentence_labels:  # sentence pooling needs the texts: score the way prediction does
            p = _with_weights(model, labels, coef, intercept, settings).predict_proba([all_texts[i] for i in test])
        else:
            p = _proba(Xm[test], coef, intercept)
        thr = np.full(len(labels), 0.5)
        if model.tune_thresholds and len(set(group_arr[train])) >= 2:
            inner, _ = oof_probabilities(Xm[train], Ym[train], list(group_arr[train]), params, inner_folds, seed,
                                         [all_texts[i] for i in train], labels)
            real = train < n  # tune on the real rows only, never on weak labels
            thr = best_thresholds(inner[real], Ym[train][real])
        probs[test] = p
        pred[test] = p >= thr
        if progress is not None:
            progress("cross-validation", done, len(splits))
    gold = Ym[:n]
    return {"probs": probs, "pred": pred, "gold": gold, "splits": splits,
            "metrics": metrics(gold, pred, labels, groups=[str(g) for g in groups], seed=seed)}


def _with_weights(model: FunctionClassifier, labels: Sequence[str], coef: np.ndarray, intercept: np.ndarray,
                  settings: dict[str, Any]) -> FunctionClassifier:
    """``model`` holding these fitted weights (for scoring held-out rows through the prediction code)."""
    model.labels_ = list(labels)
    model.coef_ = coef
    model.intercept_ = intercept
    model.thresholds_ = np.full(len(labels), 0.5)
    model.features_ = settings
    return model


# --------------------------------------------------------------------------- metrics
def _label_counts(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """(labels, 4) array of tn, fp, fn, tp per label (scikit-learn ``multilabel_confusion_matrix``)."""
    from sklearn.metrics import multilabel_confusion_matrix

    if gold.shape[0] == 0:
        return np.zeros((gold.shape[1], 4), dtype=np.int64)
    if gold.shape[1] == 1:  # one column is "binary" to scikit-learn, not a label matrix
        mcm = multilabel_confusion_matrix(gold[:, 0], pred[:, 0], labels=[True])
    else:
        mcm = multilabel_confusion_matrix(gold, pred)
    return mcm.reshape(len(mcm), 4).astype(np.int64)


def metrics(gold: np.ndarray, pred: np.ndarray, labels: Sequence[str], groups: Sequence[str] | None = None,
            n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Per-label P/R/F1 (+ TPR/FPR and counts), macro/micro F1, exact match and a confusion summary.

    P/R/F1 come from scikit-learn's ``precision_recall_fscore_support``. With
    ``groups`` (the report of each row), ``ci`` holds 95 % bootstrap intervals
    resampling whole reports (``bootstrap_ci``).
    """
    from sklearn.metrics import precision_recall_fscore_support

    gold, pred = np.asarray(gold, dtype=bool), np.asarray(pred, dtype=bool)
    counts = _label_counts(gold, pred)
    if gold.shape[0]:
        prec, rec, f1, _ = precision_recall_fscore_support(gold.astype(int), pred.astype(int), average=None,
                                                           labels=None if gold.shape[1] > 1 else [1],
                                                           zero_division=0)
        micro = precision_recall_fscore_support(gold.astype(int), pred.astype(int), average="micro",
                                                labels=None if gold.shape[1] > 1 else [1], zero_division=0)[2]
    else:
        prec = rec = f1 = np.zeros(len(labels))
        micro = 0.0
    per: dict[str, dict[str, Any]] = {}
    for j, lab in enumerate(labels):
        tn, fp, fn, tp = (int(x) for x in counts[j])
        per[lab] = {"precision": round(float(prec[j]), 4), "recall": round(float(rec[j]), 4),
                    "f1": round(float(f1[j]), 4), "support": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
                    "tpr": round(tp / (tp + fn), 4) if tp + fn else None,
                    "fpr": round(fp / (fp + tn), 4) if fp + tn else None}
    scored = [lab for lab in labels if per[lab]["support"] > 0]
    macro = float(np.mean([per[lab]["f1"] for lab in scored])) if scored else 0.0
    out = {
        "n": int(gold.shape[0]),
        "per_label": per,
        "macro_f1": round(macro, 4),
        "micro_f1": round(float(micro), 4),
        "exact_match": round(float(np.mean(np.all(gold == pred, axis=1))) if len(gold) else 0.0, 4),
        "confusion": confusion(gold, pred, labels),
    }
    if groups is not None and len(set(map(str, groups))) >= 2:
        out["ci"] = bootstrap_ci(gold, pred, groups, labels, n_boot=n_boot, seed=seed)
    return out


def bootstrap_ci(gold: np.ndarray, pred: np.ndarray, groups: Sequence[str], labels: Sequence[str],
                 n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> dict[str, Any]:
    """Percentile bootstrap intervals of per-label P/R/F1 and macro-F1, resampling whole reports.

    Paragraphs of one report share wording and labelers, so the report, not the
    row, is the unit of sampling: each replicate draws as many reports as there
    are, with replacement, and pools their rows. A label without positives or
    predictions in a replicate is left out of that replicate (not counted as 0).
    """
    keys = np.asarray([str(g) for g in groups])
    _, inv = np.unique(keys, return_inverse=True)
    n_groups = int(inv.max()) + 1
    per_group = np.zeros((n_groups, len(labels), 3))  # tp, fp, fn
    np.add.at(per_group[:, :, 0], inv, gold & pred)
    np.add.at(per_group[:, :, 1], inv, ~gold & pred)
    np.add.at(per_group[:, :, 2], inv, gold & ~pred)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_groups, size=(n_boot, n_groups))
    weights = np.zeros((n_boot, n_groups))
    np.add.at(weights, (np.repeat(np.arange(n_boot), n_groups), draws.ravel()), 1.0)
    tp, fp, fn = (np.einsum("bg,gl->bl", weights, per_group[:, :, k]) for k in range(3))
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        rec = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
        f1_scored = np.where(tp + fn > 0, f1, np.nan)  # macro over labels present in the replicate
        macro = np.nanmean(np.where(np.isnan(f1_scored).all(axis=1, keepdims=True), 0.0, f1_scored), axis=1)
    lo, hi = 100 * (1 - level) / 2, 100 * (1 + level) / 2

    def interval(values: np.ndarray) -> list[float] | None:
        values = values[~np.isnan(values)]
        if not len(values):
            return None
        return [round(float(np.percentile(values, lo)), 4), round(float(np.percentile(values, hi)), 4)]

    return {"level": level, "n_boot": n_boot, "groups": n_groups, "unit": "report",
            "macro_f1": interval(macro),
            "per_label": {lab: {"precision": interval(prec[:, j]), "recall": interval(rec[:, j]),
                                "f1": interval(f1[:, j])} for j, lab in enumerate(labels)}}


def confusion(gold: np.ndarray, pred: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """For each label: what the gold said where it was wrongly predicted, and what was
    predicted instead where it was missed ("(none)" = no label)."""
    out: dict[str, Any] = {}
    for j, lab in enumerate(labels):
        fp_rows = np.flatnonzero(pred[:, j] & ~gold[:, j])
        fn_rows = np.flatnonzero(gold[:, j] & ~pred[:, j])
        fp_gold: Counter[str] = Counter()
        for i in fp_rows:
            names = [labels[k] for k in np.flatnonzero(gold[i])]
            fp_gold.update(names or ["(none)"])
        fn_pred: Counter[str] = Counter()
        for i in fn_rows:
            names = [labels[k] for k in np.flatnonzero(pred[i])]
            fn_pred.update(names or ["(none)"])
        out[lab] = {"false_positives": int(len(fp_rows)), "false_negatives": int(len(fn_rows)),
                    "fp_gold_was": dict(fp_gold.most_common()), "fn_predicted_instead": dict(fn_pred.most_common())}
    return out


def _ci(ci: dict[str, Any] | None, label: str | None, key: str = "f1") -> str:
    if not ci:
        return ""
    iv = ci["macro_f1"] if label is None else ci["per_label"][label][key]
    return f" [{iv[0]:.2f}, {iv[1]:.2f}]" if iv else " [–]"


def format_metrics(m: dict[str, Any], title: str = "") -> str:
    ci = m.get("ci")
    lines = [title] if title else []
    lines.append(f"{'label':<10}{'P':>7}{'R':>7}{'F1':>7}" + (f"{'95% CI':>15}" if ci else "") + f"{'support':>9}")
    for lab, r in m["per_label"].items():
        lines.append(f"{_pad(lab, 10)}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}"
                     + (f"{_ci(ci, lab):>15}" if ci else "") + f"{r['support']:>9d}")
    lines.append(f"macro-F1 {m['macro_f1']:.3f}{_ci(ci, None)}  micro-F1 {m['micro_f1']:.3f}  "
                 f"exact match {m['exact_match']:.3f}  (n={m['n']})")
    if ci:
        lines.append(f"95% intervals: bootstrap over {ci['groups']} reports ({ci['n_boot']} resamples)")
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    """Left-justify by display width (CJK characters take two columns; ``wcwidth`` knows which)."""
    from wcwidth import wcswidth

    used = wcswidth(text)
    return text + " " * max(width - (used if used >= 0 else len(text)), 1)


def format_confusion(m: dict[str, Any]) -> str:
    lines = ["confusions (FP: gold label of wrongly tagged rows; FN: what was predicted instead):"]
    for lab, c in m["confusion"].items():
        fp = ", ".join(f"{k} {v}" for k, v in c["fp_gold_was"].items()) or "-"
        fn = ", ".join(f"{k} {v}" for k, v in c["fn_predicted_instead"].items()) or "-"
        lines.append(f"  {lab}: FP {c['false_positives']} [{fp}]; FN {c['false_negatives']} [{fn}]")
    return "\n".join(lines)


# --------------------------------------------------------------------------- active learning
def uncertainty(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Distance (in log-odds) of the least certain label from its threshold: small = unsure."""
    eps = 1e-6
    p = np.clip(probs, eps, 1 - eps)
    t = np.clip(thresholds, eps, 1 - eps)
    margin = np.abs(np.log(p / (1 - p)) - np.log(t / (1 - t)))
    return margin.min(axis=1)


def select_diverse(margins: np.ndarray, feats, n: int, pool_factor: int = 5) -> list[int]:  # noqa: ANN001
    """Greedy max-min selection among the least certain rows.

    The pool is the ``pool_factor * n`` rows nearest a threshold; each step takes
    the row with the best mix of uncertainty and cosine distance to the rows
    already taken, so near-duplicate paragraphs (greetings, repeated openings)
    are not all suggested.
    """
    if n <= 0 or len(margins) == 0:
        return []
    order = np.argsort(margins, kind="stable")
    pool = order[: max(n * pool_factor, n)]
    X = feats.to_csr(int(feats.cols.max()) + 1 if len(feats.cols) else 1)[pool]
    sims = np.asarray((X @ X.T).todense())
    certainty = margins[pool] / (margins[pool].max() + 1e-9)  # 0 = most unsure
    chosen = [0]
    min_dist = 1.0 - sims[0]
    while len(chosen) < min(n, len(pool)):
        score = min_dist - 0.5 * certainty
        score[chosen] = -np.inf
        k = int(np.argmax(score))
        chosen.append(k)
        min_dist = np.minimum(min_dist, 1.0 - sims[k])
    return [int(pool[k]) for k in chosen]


# --------------------------------------------------------------------------- weak labels
# Headings name the function of everything under them (三、发挥代表作用 -> 代表工作).
HEADING_RULES: list[tuple[str, str]] = [
    (r"代表", "代表工作"),
    (r"立法|法规|法治建设", "立法"),
    (r"监督", "监督"),
    (r"自身建设|党的建设|机关建设|队伍建设|作风|政治建设|主题教育", "自身建设"),
    (r"任免|重大事项|决定权", "决定任免"),
]
# Phrases that, by ANNOTATION.md, mark a function wherever they stand.
TEXT_RULES: list[tuple[str, str]] = [
    (r"执法检查|专题询问|满意度测评|备案审查|听取(和|并)?审议|预算.{0,6}(审查|监督)|审计查出", "监督"),
    (r"(制定|修改|修订|废止|审议通过).{0,12}条例|立法(规划|计划|调研|联系点)|法规案", "立法"),
    (r"代表(建议|议案|之家|联络站|工作站|履职|小组|培训)|联系代表|双联", "代表工作"),
    (r"第一议题|中心组|党风廉政|八项规定|机关党建|请示报告|智慧人大|人大宣传|理论研究", "自身建设"),
    (r"任免|任命|宪法宣誓|任前|作出.{0,6}决(议|定)", "决定任免"),
]


def weak_labels(text: str, section: Sequence[str], categories: Sequence[str] = (),
                category_rules: dict[str, str] | None = None, labels: Sequence[str] | None = None
                ) -> tuple[list[str], list[str]]:
    """Weak labels and the rules that fired, from headings, phrases and lexicon categories."""
    found: dict[str, list[str]] = {}
    for heading in section:
        for pattern, lab in HEADING_RULES:
            if re.search(pattern, heading):
                found.setdefault(lab, []).append(f"heading:{pattern.split('|')[0]}->{lab}")
                break  # one label per heading: the first rule is the most specific
    for pattern, lab in TEXT_RULES:
        m = re.search(pattern, text)
        if m:
            found.setdefault(lab, []).append(f"phrase:{m.group(0)}->{lab}")
    for cat in categories:
        lab = (category_rules or {}).get(cat)
        if lab:
            found.setdefault(lab, []).append(f"lexicon:{cat}->{lab}")
    order = list(labels) if labels else [lab for _, lab in HEADING_RULES]
    ordered = [lab for lab in order if lab in found] + [lab for lab in found if lab not in order]
    rules = [r for lab in ordered for r in dict.fromkeys(found[lab])]
    return ordered, rules


def lexicon_info() -> dict[str, Any] | None:
    """Version and sha256 of the shipped lexicon, when there is one."""
    try:
        from .resources import data_dir

        path = data_dir("lexicons") / "policy_terms.yaml"
    except FileNotFoundError:
        return None
    if not path.is_file():
        return None
    data = path.read_bytes()
    version = None
    m = re.search(rb"^version:\s*['\"]?([^'\"\n]+)", data, re.M)
    if m:
        version = m.group(1).decode("utf-8", "replace").strip()
    return {"file": path.name, "version": version, "sha256": hashlib.sha256(data).hexdigest()}


def load_for_training(paths: Sequence[str | Path], labels: Sequence[str] | None = None, text_field: str = "text"
                      ) -> list[Example]:
    examples: list[Example] = []
    for p in paths:
        examples.extend(load_labeled(p, labels=labels, text_field=text_field))
    return examples


# --------------------------------------------------------------------------- paragraphs for suggest / bootstrap
PRECUT_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}


def read_paragraphs(paths: Sequence[str], config: dict[str, Any], errors: list[str] | None = None
                    ) -> list[Any]:
    """Paragraphs of whole reports (read + segment) or of pre-cut JSONL/CSV files.

    Headings and glossary entries of whole reports are dropped: nobody labels those.
    A file that cannot be read is noted in ``errors`` and skipped.
    """
    from .errors import InputError
    from .read import iter_paths, read_path, read_precut
    from .segment import segment

    out = []
    files = iter_paths(list(paths), None) if any(not Path(p).is_file() for p in paths) else list(paths)
    if not files:
        raise ConfigError(f"no input files found in: {' '.join(paths)}")
    for path in files:
        kind = PRECUT_SUFFIXES.get(Path(path).suffix.lower())
        try:
            if kind:
                for item in read_precut(path, kind, config):
                    if isinstance(item, InputError):
                        if errors is not None:
                            errors.append(str(item))
                    else:
                        out.append(item)
            else:
                out.extend(p for p in segment(read_path(path, config), config)
                           if not p.is_heading and not p.is_glossary and p.text.strip())
        except InputError as exc:
            if errors is None:
                raise
            errors.append(str(exc))
    return out


def add_terms(paragraphs: Sequence[Any], lexicon: str | None) -> bool:
    """Fill ``Paragraph.terms`` from the lexicon; False when no lexicon can be loaded."""
    try:
        from .lexicon import load_lexicon
        from .match import Matcher
    except ImportError:
        return False
    matcher = Matcher(load_lexicon(lexicon))
    for p in paragraphs:
        matcher(p)
    return True


def paragraphs_from_texts(texts: Sequence[str], sections: Sequence[Sequence[str]] | None = None) -> list[Any]:
    from .record import MappedText, Paragraph

    return [Paragraph(doc_id="", path="", index=i, body=MappedText.identity(t),
                      section=list(sections[i]) if sections else []) for i, t in enumerate(texts)]


# --------------------------------------------------------------------------- the train command
def model_params(config: dict[str, Any], seed: int) -> dict[str, Any]:
    c = config["classify"]
    return {"C": float(c.get("C", 30.0)), "ngram_max": int(c.get("ngram_max", 3)), "bits": int(c.get("hash_bits", 18)),
            "section_weight": float(c.get("section_weight", 0.0)),
            "lexicon_weight": float(c.get("lexicon_weight", 0.5)) if c.get("lexicon_features", False) else 0.0,
            "tune_thresholds": bool(c.get("tune_thresholds", True)), "seed": seed, "folds": THRESHOLD_FOLDS,
            "sentence_labels": [str(x) for x in c.get("sentence_labels", [])],
            "sentence_min_chars": int(c.get("sentence_min_chars", 120))}


def as_inputs(examples: Sequence[Example], lexicon: str | None, use_lexicon: bool) -> list[Any]:
    """Training rows as Paragraphs (with lexicon terms when the model uses them), else texts."""
    texts = [e.text for e in examples]
    if not use_lexicon:
        return texts
    paragraphs = paragraphs_from_texts(texts)
    add_terms(paragraphs, lexicon)
    return paragraphs


def train_bundle(paths: Sequence[str], output: str | Path, config: dict[str, Any], seed: int = 0, folds: int = 5,
                 labels: Sequence[str] | None = None, text_field: str = "text", cv: bool = True,
                 card_extra: str = "", extra_paths: Sequence[str] = (),
                 progress: Progress | None = None) -> dict[str, Any]:
    """Load data, report grouped CV, fit on everything, write the bundle with its model card.

    Rows of ``extra_paths`` (written or weakly labeled data) are used for training
    only: CV scores and thresholds come from the rows of ``paths`` alone.
    ``progress(stage, done, total)`` follows the folds and the final fit.
    """
    real = load_for_training(paths, labels=labels, text_field=text_field)
    added = load_for_training(extra_paths, labels=labels, text_field=text_field) if extra_paths else []
    examples = real + added
    order = list(labels) if labels else label_order(examples, config["classify"].get("labels", ()))
    params = model_params(config, seed)
    X = as_inputs(examples, config["match"]["lexicon"], params["lexicon_weight"] > 0)
    Y = [e.labels for e in examples]
    groups = [e.group for e in examples]
    n = len(real)
    for lab in order:
        if not any(lab in y for y in Y):
            raise ConfigError(f"label {lab!r} has no example in {', '.join(map(str, paths))}")
    result: dict[str, Any] = {"n": len(examples), "labels": order}
    if len(set(groups)) < 2:
        raise ConfigError(f"{', '.join(map(str, paths))}: all rows come from one report; cross-validation and "
                          f"threshold tuning need a 'report' or 'doc' column naming at least two")
    if cv:
        extra = (X[n:], Y[n:], groups[n:]) if added else None
        result["cv"] = cross_validate(params, X[:n], Y[:n], groups[:n], order, folds=folds, seed=seed,
                                      extra=extra, progress=progress)["metrics"]
    if progress is not None:
        progress("fit", 0, 1)
    model = fit_classifier(FunctionClassifier(**params), X, Y, groups=groups, labels=order,
                           tune_mask=[i < n for i in range(len(examples))])
    if progress is not None:
        progress("fit", 1, 1)
    from .rowkeys import encode_row_keys, row_key

    info = {
        "training": {"rows": len(examples), "reports": len(set(groups)), "sha256": data_digest(examples),
                     "row_keys": encode_row_keys(row_key(e.text) for e in examples),
                     "files": [Path(p).name for p in [*paths, *extra_paths]],
                     "sources": [*(_source_info(p, "train+cv") for p in paths),
                                 *(_source_info(p, "train only") for p in extra_paths)],
                     "label_counts": {lab: sum(lab in y for y in Y) for lab in order},
                     "no_label": sum(not y for y in Y)},
        "cv": _cv_summary(result.get("cv"), folds),
        "lexicon": lexicon_info() if params["lexicon_weight"] > 0 else None,
        "seed": seed,
    }
    model.save(output, info, model_card(info, order, model, card_extra))
    return result


def _source_info(path: str | Path, role: str) -> dict[str, Any]:
    """Name, role, row count and file sha256 of one training file (for model.json and the card)."""
    data = Path(path).read_bytes()
    rows = sum(1 for line in data.decode("utf-8-sig", "replace").splitlines() if line.strip())
    if Path(path).suffix.lower() not in (".jsonl", ".ndjson", ".json"):
        rows = None  # a table's line count is not its row count
    return {"file": Path(path).name, "role": role, "rows": rows, "sha256": hashlib.sha256(data).hexdigest()}


_CV_KEYS = ("precision", "recall", "f1", "support", "tp", "fp", "fn", "tn", "tpr", "fpr")


def _cv_summary(m: dict[str, Any] | None, folds: int) -> dict[str, Any] | None:
    """What model.json keeps of the CV: scores, counts (for ``stats --adjust``) and the intervals."""
    if not m:
        return None
    return {"folds": folds, "grouped_by": "report", "n": m["n"], "macro_f1": m["macro_f1"],
            "micro_f1": m["micro_f1"], "exact_match": m["exact_match"],
            "per_label": {lab: {k: r.get(k) for k in _CV_KEYS} for lab, r in m["per_label"].items()},
            "ci": m.get("ci")}


def model_card(info: dict[str, Any], labels: Sequence[str], model: FunctionClassifier, extra: str = "") -> str:
    import datetime

    from .classify import _versions

    t = info["training"]
    lines = ["# Model card: paragraph-function classifier", "",
             f"Created {datetime.date.today().isoformat()} by `policytag train` (seed {info['seed']}).", "",
             "## Labels and thresholds", "", "| label | training rows | threshold |", "|---|---|---|"]
    for lab, thr in zip(labels, model.thresholds_, strict=True):
        lines.append(f"| {lab} | {t['label_counts'][lab]} | {thr:.3f} |")
    lines += ["", "## Training data", "",
              f"- {t['rows']} paragraphs from {t['reports']} reports ({t['no_label']} with no label); "
              f"files: {', '.join(t['files'])}",
              f"- sha256 of the rows (text, labels, group): `{t['sha256']}`"]
    for src in t.get("sources", []):
        rows = f"{src['rows']} rows, " if src.get("rows") is not None else ""
        lines.append(f"- `{src['file']}` ({src['role']}): {rows}file sha256 `{src['sha256'][:16]}…`")
    if any(src["role"] == "train only" for src in t.get("sources", [])):
        lines.append("- rows of \"train only\" files help fit the weights; "
                     "CV scores and thresholds use the other rows only")
    lines += ["",
              "## Features and model", "",
              f"- hashed character {model.ngram_min}–{model.ngram_max}-grams, 2^{model.bits} buckets, "
              f"section weight {model.section_weight}, lexicon-category weight {model.lexicon_weight}",
              f"- one L2 logistic regression per label (C={model.C}, class_weight={model.class_weight}); "
              + ("thresholds tuned per label on grouped out-of-fold probabilities" if model.tune_thresholds
                 else "every threshold 0.5 (`tune_thresholds = false`)"),
              *([f"- sentence pooling for {', '.join(model.sentence_labels)}: in paragraphs of "
                 f"{model.sentence_min_chars} characters or more, the label's score is the higher of the "
                 "paragraph's and its best sentence's (`sentence_labels`)"] if model.sentence_labels else []), ""]
    cv = info.get("cv")
    if cv:
        ci = cv.get("ci")
        how = "thresholds tuned inside each training part" if model.tune_thresholds else "thresholds 0.5"
        lines += [f"## Cross-validated metrics ({cv['folds']} folds grouped by report, {how})", "",
                  "| label | P | R | F1 | F1 95% CI | TPR | FPR | support |", "|---|---|---|---|---|---|---|---|"]
        for lab, r in cv["per_label"].items():
            rate = (lambda v: f"{v:.3f}" if v is not None else "–")  # noqa: E731
            lines.append(f"| {lab} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |{_ci(ci, lab) or ' –'} "
                         f"| {rate(r.get('tpr'))} | {rate(r.get('fpr'))} | {r['support']} |")
        lines += ["", f"**macro-F1 {cv['macro_f1']:.3f}**{_ci(ci, None)}, micro-F1 {cv['micro_f1']:.3f}, "
                  f"exact match {cv['exact_match']:.3f} (n={cv.get('n', '?')})", ""]
        if ci:
            lines += [f"Intervals: 95 % percentile bootstrap over the {ci['groups']} reports ({ci['n_boot']} "
                      "resamples of whole reports). TPR/FPR are what `policytag stats --adjust` corrects shares with.",
                      ""]
    lex = info.get("lexicon")
    lines += ["## Lexicon", "", (f"`{lex['file']}` version {lex['version']}, sha256 `{lex['sha256'][:16]}…`"
                                 if lex else "not used by this model"), "",
              "## Library versions", "", ", ".join(f"{k} {v}" for k, v in _versions().items()), ""]
    if extra:
        lines += [extra.rstrip(), ""]
    return "\n".join(lines)
