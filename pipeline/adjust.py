"""Label shares corrected for the classifier's errors (``policytag stats --adjust``).

A model that misses some 自身建设 paragraphs (TPR < 1) and tags some others
wrongly (FPR > 0) reports a biased share. Adjusted classify-and-count undoes
that bias for one label at a time:

    adjusted = (observed − FPR) / (TPR − FPR), clipped to [0, 1]

with TPR and FPR measured on labeled paragraphs the model did not train on:
the model card's grouped cross-validation (the counts are in ``model.json``) or
a user's ``policytag evaluate --json`` output on their own held-out gold.

Valid when the error rates transfer: the texts are of the kind the rates were
measured on, labeled by the same rules, and only the share of each label
differs between them (prior-probability shift). It is not valid for a kind of
text the rates never saw (another genre, era or writing style changes TPR and
FPR themselves), and it is unstable when TPR − FPR is small. The intervals
cover both the sampling of documents (bootstrap over documents in each group)
and the uncertainty of TPR and FPR (binomial draws from their counts).

>>> r = Rates(tp=80, fn=20, fp=10, tn=90)
>>> round(float(adjust(0.17, r.tpr, r.fpr)), 3)
0.1
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError

MIN_YOUDEN = 0.05  # TPR − FPR below this: the correction divides by (almost) zero


@dataclass(frozen=True)
class Rates:
    """A label's confusion counts on held-out labeled paragraphs."""

    tp: int
    fn: int
    fp: int
    tn: int

    @property
    def tpr(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else float("nan")


def adjust(observed: np.ndarray | float, tpr: np.ndarray | float, fpr: np.ndarray | float) -> np.ndarray:
    """(observed − FPR) / (TPR − FPR), clipped to [0, 1]; NaN where TPR − FPR < MIN_YOUDEN."""
    observed, tpr, fpr = np.asarray(observed, float), np.asarray(tpr, float), np.asarray(fpr, float)
    gap = tpr - fpr
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.clip((observed - fpr) / gap, 0.0, 1.0)
    return np.where(gap >= MIN_YOUDEN, out, np.nan)


def _rates(per_label: Any, where: str) -> dict[str, Rates]:
    if not isinstance(per_label, dict) or not per_label:
        raise ConfigError(f"{where}: no per-label results")
    out = {}
    for label, r in per_label.items():
        try:
            counts = {k: int(r[k]) for k in ("tp", "fn", "fp", "tn")}
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{where}: label {label!r} has no tp/fn/fp/tn counts; rerun `policytag evaluate "
                              f"--json` (or retrain the model) with this policytag") from None
        if min(counts.values()) < 0:
            raise ConfigError(f"{where}: label {label!r} has a negative count")
        out[str(label)] = Rates(**counts)
    return out


def rates_from_model(model: Any, name: str) -> tuple[dict[str, Rates], str]:
    """Cross-validated counts kept in a model bundle (``model.json`` → ``cv.per_label``)."""
    cv = getattr(model, "info_", {}).get("cv")
    if not isinstance(cv, dict):
        raise ConfigError(f"{name}: the model keeps no cross-validated error rates (trained with --no-cv?); "
                          "pass --adjust-with an `evaluate --json` file instead")
    return _rates(cv.get("per_label"), f"{name} (model.json cv)"), f"grouped CV of model {name}"


def rates_from_file(path: str | Path) -> tuple[dict[str, Rates], str]:
    """Counts from the JSON ``policytag evaluate --json`` (or ``evaluate --cv K --json``) printed."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not the JSON of `policytag evaluate --json` ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not the JSON of `policytag evaluate --json`")
    return _rates(data.get("per_label"), str(path)), f"evaluate output {path.name}"


def adjusted_table(frame: pd.DataFrame, rates: dict[str, Rates], source: str, by: list[str] | tuple[str, ...] = (),
                   include_headings: bool = False, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Raw and adjusted paragraph share of every label with rates, per group, with 95 % intervals.

    ``frame`` is what ``stats.load_tagged`` returns. Intervals: percentile
    bootstrap; each replicate resamples the group's documents (its paragraphs
    when it has one document) and draws TPR/FPR from their binomial counts.
    """
    from .stats import _groups, _key_dict, eligible, group_columns

    cols = group_columns(by, frame)
    frame = eligible(frame, include_headings)
    labels = list(rates)
    rng = np.random.default_rng(seed)
    tpr_draws = {lab: _binomial_rate(rng, r.tp + r.fn, r.tpr, n_boot) for lab, r in rates.items()}
    fpr_draws = {lab: _binomial_rate(rng, r.fp + r.tn, r.fpr, n_boot) for lab, r in rates.items()}
    rows = []
    for key, part in _groups(frame, cols):
        units = part["doc_id"].astype(str) if part["doc_id"].nunique() >= 2 else pd.Series(range(len(part)),
                                                                                              index=part.index)
        codes, uniq = pd.factorize(units)
        has = np.array([[lab in labs for lab in labels] for labs in part["labels"]], dtype=float).reshape(-1,
                                                                                                         len(labels))
        per_unit = np.zeros((len(uniq), len(labels)))
        np.add.at(per_unit, codes, has)
        size = np.bincount(codes, minlength=len(uniq)).astype(float)
        weights = rng.multinomial(len(uniq), np.full(len(uniq), 1 / len(uniq)), size=n_boot) if len(uniq) else None
        for j, lab in enumerate(labels):
            r = rates[lab]
            n = len(part)
            observed = has[:, j].mean() if n else float("nan")
            point = float(adjust(observed, r.tpr, r.fpr)) if n else float("nan")
            if weights is not None:
                boot_obs = (weights @ per_unit[:, j]) / np.maximum(weights @ size, 1)
                boot_adj = adjust(boot_obs, tpr_draws[lab], fpr_draws[lab])
            else:
                boot_obs = boot_adj = np.array([np.nan])
            rows.append({**_key_dict(cols, key), "label": lab, "paragraphs": n,
                         "share_raw": observed, "raw_low": _pct(boot_obs, 2.5), "raw_high": _pct(boot_obs, 97.5),
                         "share_adjusted": point, "adjusted_low": _pct(boot_adj, 2.5),
                         "adjusted_high": _pct(boot_adj, 97.5), "tpr": r.tpr, "fpr": r.fpr,
                         "clipped": bool(n and r.tpr - r.fpr >= MIN_YOUDEN
                                         and not 0 <= (observed - r.fpr) / (r.tpr - r.fpr) <= 1),
                         "rates_from": source})
    return pd.DataFrame(rows, columns=[*cols, "label", "paragraphs", "share_raw", "raw_low", "raw_high",
                                       "share_adjusted", "adjusted_low", "adjusted_high", "tpr", "fpr", "clipped",
                                       "rates_from"])


def _binomial_rate(rng: np.random.Generator, n: int, p: float, size: int) -> np.ndarray:
    if n <= 0 or np.isnan(p):
        return np.full(size, np.nan)
    return rng.binomial(n, p, size=size) / n


def _pct(values: np.ndarray, q: float) -> float:
    values = values[~np.isnan(values)]
    return float(np.percentile(values, q)) if len(values) else float("nan")


def warnings_for(rates: dict[str, Rates]) -> list[str]:
    """One line per label whose correction is unreliable or impossible."""
    out = []
    for lab, r in rates.items():
        if np.isnan(r.tpr) or np.isnan(r.fpr):
            out.append(f"{lab}: no positives or no negatives in the error-rate data; its share is not adjusted")
        elif r.tpr - r.fpr < MIN_YOUDEN:
            out.append(f"{lab}: TPR − FPR = {r.tpr - r.fpr:.3f} is too small to correct; its share is not adjusted")
    return out
