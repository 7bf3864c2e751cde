"""Keyness: which terms, categories, character n-grams or words set one part of the reports apart.

The target and the reference are chosen by metadata (``year=2023..2024``,
``level=县区``, ``place=衡阳市,株洲市``); without a reference, everything not in
the target. For each feature: its count and rate per 10,000 characters in both,
Pearson's χ² and the log-likelihood G² of the 2 × 2 table (the feature's count
and the rest of the characters, in target and reference; one degree of freedom) with their p-values, and the
log ratio (log2 of the rate ratio, 0.5 added to zero counts). Positive log
ratio: more frequent in the target.

>>> sel = parse_selector("year=2023..2024")
>>> sel.key, sel.low, sel.high
('year', 2023.0, 2024.0)
>>> row = keyness_scores({"票决制": 30}, {"票决制": 5}, 100_000, 100_000).iloc[0]
>>> round(float(row["g2"]), 2), round(float(row["log_ratio"]), 2), row["key_for"]
(19.82, 2.58, 'target')
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError

FEATURES = ("term", "category", "ngram", "word")
COLUMNS = ["feature", "key_for", "target_count", "reference_count", "target_per_10k", "reference_per_10k",
           "target_docs", "reference_docs", "chi2", "chi2_p", "g2", "g2_p", "log_ratio"]
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NUMERIC_KEYS = ("year",)


# --------------------------------------------------------------------------- selectors


@dataclass(frozen=True)
class Selector:
    """``KEY=VALUE``: a list of values (``a,b``), or a range ``low..high`` (either end may be open)."""

    key: str
    values: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    text: str = ""

    @property
    def is_range(self) -> bool:
        return self.low is not None or self.high is not None

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        if self.key not in frame.columns:
            fields = ", ".join(sorted(c for c in frame.columns if _selectable(frame[c])))
            raise ConfigError(f"{self.text}: no field {self.key!r} in the tagged data; fields: {fields}")
        column = frame[self.key]
        if self.is_range:
            numbers = pd.to_numeric(column, errors="coerce")
            ok = numbers.notna()
            if self.low is not None:
                ok &= numbers >= self.low
            if self.high is not None:
                ok &= numbers <= self.high
            return ok.fillna(False).astype(bool)
        wanted = set(self.values)
        if self.key in _NUMERIC_KEYS:
            numbers = pd.to_numeric(column, errors="coerce")
            nums = {float(v) for v in self.values if _is_number(v)}
            return numbers.isin(nums).fillna(False).astype(bool)
        return column.map(lambda v: v is not None and not (isinstance(v, float) and np.isnan(v))
                          and str(v) in wanted).astype(bool)


def _selectable(column: pd.Series) -> bool:
    sample = column.dropna().head(50)
    return len(sample) > 0 and all(isinstance(v, str | int | float | np.integer | np.floating) for v in sample)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def parse_selector(text: str) -> Selector:
    """``year=2023..2024``, ``level=县区``, ``place=衡阳市,株洲市`` (also ``，``), ``year=..2019``."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key or not value:
        raise ConfigError(f"{text!r}: expected KEY=VALUE, e.g. year=2023..2024 or level=县区")
    if ".." in value:
        low, _, high = value.partition("..")
        try:
            lo = float(low) if low.strip() else None
            hi = float(high) if high.strip() else None
        except ValueError:
            raise ConfigError(f"{text!r}: a range needs numbers on both sides of '..'") from None
        if lo is None and hi is None:
            raise ConfigError(f"{text!r}: a range needs at least one end")
        if lo is not None and hi is not None and lo > hi:
            raise ConfigError(f"{text!r}: the range is empty ({low} > {high})")
        return Selector(key, low=lo, high=hi, text=text)
    values = tuple(v.strip() for v in value.replace("，", ",").split(",") if v.strip())
    return Selector(key, values=values, text=text)


def select(frame: pd.DataFrame, selectors: Sequence[Selector]) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for sel in selectors:
        mask &= sel.mask(frame)
    return mask


def describe_values(frame: pd.DataFrame, key: str, limit: int = 8) -> str:
    """What a field holds, for the message when a selector matches nothing."""
    if key not in frame.columns:
        return "no such field"
    values = frame[key].dropna()
    if not len(values):
        return f"{key} is empty everywhere"
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all():
        return f"{key} runs from {numbers.min():g} to {numbers.max():g}"
    seen = sorted({str(v) for v in values})
    return f"{key} has " + ", ".join(seen[:limit]) + (f" (+{len(seen) - limit} more)" if len(seen) > limit else "")


# --------------------------------------------------------------------------- features


@dataclass
class Counts:
    counts: Counter = field(default_factory=Counter)
    docs: dict[str, set] = field(default_factory=dict)
    chars: int = 0


def count_features(frame: pd.DataFrame, kind: str, n: int = 2, tokenizer: Any = None) -> Counts:
    """Occurrences of each feature in the paragraphs of ``frame`` (and in how many documents)."""
    out = Counts(chars=int(frame["chars"].sum()))
    for doc_id, text, terms in zip(frame["doc_id"], frame["text"], frame["terms"], strict=True):
        feats = list(_features(text, terms, kind, n, tokenizer))
        out.counts.update(feats)
        for f in set(feats):
            out.docs.setdefault(f, set()).add(doc_id)
    return out


def _features(text: str, terms: list[dict[str, Any]], kind: str, n: int, tokenizer: Any) -> Iterable[str]:
    if kind == "term":
        return (str(t["canonical"]) for t in terms if t.get("canonical"))
    if kind == "category":
        return (str(t["category"]) for t in terms if t.get("category"))
    if kind == "ngram":
        return (text[i : i + n] for i in range(len(text) - n + 1) if _all_han(text[i : i + n]))
    if kind == "word":
        return (w for w in tokenizer.tokenize(text) if len(w) >= 2 and _HAN.search(w))
    raise ConfigError(f"unknown --features {kind!r}; use one of {', '.join(FEATURES)}")


def _all_han(gram: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in gram)


# --------------------------------------------------------------------------- statistics


def keyness_scores(target: dict[str, int], reference: dict[str, int], target_size: int, reference_size: int,
                   target_docs: dict[str, int] | None = None, reference_docs: dict[str, int] | None = None,
                   min_count: int = 1) -> pd.DataFrame:
    """χ², G², p-values and log ratio for every feature; sorted target-key first (by G²), then reference-key."""
    from scipy.stats import chi2 as chi2_dist

    feats = sorted(f for f in set(target) | set(reference) if target.get(f, 0) + reference.get(f, 0) >= min_count)
    a = np.array([target.get(f, 0) for f in feats], dtype=np.float64)
    b = np.array([reference.get(f, 0) for f in feats], dtype=np.float64)
    n1, n2 = float(target_size), float(reference_size)
    if n1 <= 0 or n2 <= 0:
        raise ConfigError("target and reference both need text (characters) to compare")
    total = n1 + n2
    c, d = n1 - a, n2 - b  # the other characters of each part: the full 2 × 2 table
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = 2 * sum(_o_log_o_over_e(o, row * col / total)
                     for o, row, col in ((a, n1, a + b), (b, n2, a + b), (c, n1, c + d), (d, n2, c + d)))
        chi2 = total * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
        log_ratio = np.log2(((a + np.where(a == 0, 0.5, 0)) / n1) / ((b + np.where(b == 0, 0.5, 0)) / n2))
    chi2 = np.nan_to_num(chi2)
    frame = pd.DataFrame({
        "feature": feats, "key_for": np.where(a / n1 >= b / n2, "target", "reference"),
        "target_count": a.astype(np.int64), "reference_count": b.astype(np.int64),
        "target_per_10k": a / n1 * 10_000, "reference_per_10k": b / n2 * 10_000,
        "target_docs": [int((target_docs or {}).get(f, 0)) for f in feats],
        "reference_docs": [int((reference_docs or {}).get(f, 0)) for f in feats],
        "chi2": chi2, "chi2_p": chi2_dist.sf(chi2, 1), "g2": g2, "g2_p": chi2_dist.sf(g2, 1),
        "log_ratio": log_ratio,
    }, columns=COLUMNS)
    frame["_side"] = frame["key_for"] != "target"
    frame = frame.sort_values(["_side", "g2", "feature"], ascending=[True, False, True], kind="stable")
    return frame.drop(columns="_side").reset_index(drop=True)


def _o_log_o_over_e(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.where(observed > 0, observed * np.log(np.where(observed > 0, observed, 1) / expected), 0.0)


@dataclass
class KeynessResult:
    table: pd.DataFrame
    target_paragraphs: int
    reference_paragraphs: int
    target_docs: int
    reference_docs: int
    target_chars: int
    reference_chars: int
    overlap_paragraphs: int


def keyness(frame: pd.DataFrame, target: Sequence[Selector], reference: Sequence[Selector] = (),
            kind: str = "term", n: int = 2, min_count: int = 3, tokenizer: Any = None) -> KeynessResult:
    """Select target and reference paragraphs, count features, score them.

    Paragraphs that both selections match count for the target only. A selection
    that matches nothing is a ConfigError naming what the field holds.
    """
    if kind not in FEATURES:
        raise ConfigError(f"unknown --features {kind!r}; use one of {', '.join(FEATURES)}")
    in_target = select(frame, target)
    if not in_target.any():
        raise ConfigError("--target " + " ".join(s.text for s in target) + " matches no paragraph ("
                          + "; ".join(describe_values(frame, s.key) for s in target) + ")")
    if reference:
        in_ref_all = select(frame, reference)
        if not in_ref_all.any():
            raise ConfigError("--reference " + " ".join(s.text for s in reference) + " matches no paragraph ("
                              + "; ".join(describe_values(frame, s.key) for s in reference) + ")")
        overlap = int((in_ref_all & in_target).sum())
        in_ref = in_ref_all & ~in_target
    else:
        overlap, in_ref = 0, ~in_target
    if not in_ref.any():
        raise ConfigError("the reference is empty: every paragraph is in the target; give --reference or a "
                          "narrower --target")
    if kind == "category" and not any(t.get("category") for ts in frame["terms"] for t in ts):
        raise ConfigError("the tagged data has no term categories (CSV/XLSX keep only the canonical form): use the "
                          ".jsonl or .parquet that `policytag tag` wrote, or --features term")
    tgt, ref = frame[in_target], frame[in_ref]
    ct = count_features(tgt, kind, n, tokenizer)
    cr = count_features(ref, kind, n, tokenizer)
    table = keyness_scores(ct.counts, cr.counts, ct.chars, cr.chars, {k: len(v) for k, v in ct.docs.items()},
                           {k: len(v) for k, v in cr.docs.items()}, min_count)
    return KeynessResult(table, len(tgt), len(ref), tgt["doc_id"].nunique(), ref["doc_id"].nunique(), ct.chars,
                         cr.chars, overlap)


# --------------------------------------------------------------------------- chart


def keyness_figure(table: pd.DataFrame, top: int, font: Any, title: str) -> Any:
    """Horizontal bars of the log ratio: the ``top`` target-key features above, the reference-key below."""
    from . import plot

    plot._matplotlib()
    import matplotlib.pyplot as plt

    up = table[table["key_for"] == "target"].head(top)
    down = table[table["key_for"] == "reference"].head(top)
    rows = pd.concat([up, down.iloc[::-1]])
    with plt.rc_context(plot._style(font)):
        fig, ax = plt.subplots(figsize=(7.5, max(2.5, 0.32 * len(rows) + 1.2)), layout="constrained")
        colors = ["#c0392b" if k == "target" else "#2471a3" for k in rows["key_for"]]
        ax.barh(range(len(rows))[::-1], rows["log_ratio"], color=colors)
        ax.set_yticks(range(len(rows))[::-1], [str(f) for f in rows["feature"]])
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.set_xlabel("log2 频率比（目标 / 参照），按 G² 排序")
        ax.set_title(title)
    return fig
