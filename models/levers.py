"""Levers tried on the shipped recipe, scored by the same grouped CV as models/experiments.py (thresholds 0.5).

    .venv/bin/python models/levers.py                  # every lever, fold seeds 0-7, the kept ones on 8-15
    .venv/bin/python models/levers.py --only shipped   # the shipped recipe's F1 per label with intervals
    .venv/bin/python models/levers.py --errors         # out-of-fold errors of 自身建设 and 代表工作

Every variant is scored by 5-fold CV grouped by report over the real rows only
(seed + web + north + south); team rows only ever sit on the training side; the
fold splits are the same for every variant, so the paired bootstrap over reports
of Δ macro-F1 (on the fold-seed-0 splits) is meaningful. ``models/train_default.py``
writes the tables into MODEL_CARD.md. Word features and the LR + SVM average live
here only: they were tried and not shipped.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import math  # noqa: E402

import experiments as ex  # noqa: E402
import numpy as np  # noqa: E402
from scipy.sparse import diags  # noqa: E402

from policytag.classify import Features, FunctionClassifier, _token_hash, featurize, inputs_of  # noqa: E402
from policytag.config import load_config  # noqa: E402
from policytag.train import (  # noqa: E402
    _fit_linear,
    add_terms,
    group_folds,
    label_matrix,
    metrics,
    model_params,
    paragraphs_from_texts,  # noqa: E402
)

FOLDS = 5


# --------------------------------------------------------------------------- word features (tried, not shipped)
_WORD_TOKENIZER: Any = None
_DIGITS = str.maketrans("0123456789０１２３４５６７８９", "0" * 20)


def _word_tokenizer() -> Any:
    """jieba (rjieba) with the shipped lexicon's forms as words, built once per process."""
    global _WORD_TOKENIZER
    if _WORD_TOKENIZER is None:
        from policytag.lexicon import load_lexicon
        from policytag.tokenizer import get_tokenizer

        _WORD_TOKENIZER = get_tokenizer("jieba", lexicon=load_lexicon(None))
    return _WORD_TOKENIZER


def word_tokens(text: str) -> list[str]:
    """Words of 2+ characters (single characters are already n-grams), digits folded, punctuation dropped."""
    return [w.translate(_DIGITS).lower() for w in _word_tokenizer().tokenize(text)
            if len(w) >= 2 and any(ch.isalpha() for ch in w)]


def word_features(texts: Sequence[str], settings: dict[str, Any]) -> Features:
    """Hashed word features: each word occurrence counts weight/sqrt(words in the paragraph)."""
    weight, bits = float(settings.get("word_weight", 0.0)), int(settings["bits"])
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    cache: dict[str, int] = {}
    for r, text in enumerate(texts):
        words = word_tokens(text)
        if not words:
            continue
        value = weight / math.sqrt(len(words))
        for w in words:
            col = cache.get(w)
            if col is None:
                col = cache[w] = _token_hash(f"w:{w}", bits)
            rows.append(r)
            cols.append(col)
            vals.append(value)
    return Features(len(texts), np.array(rows, np.int64), np.array(cols, np.int64), np.array(vals, np.float32))




@dataclass
class Data:
    rows: list
    Xc: Any  # char n-grams + lexicon categories (the shipped features)
    Xw: Any  # hashed word tokens (unit-length per row)
    Y: np.ndarray
    groups: np.ndarray
    real: np.ndarray
    batch: np.ndarray
    S: Any = None  # sentences of long paragraphs (experiments.build)
    owner: Any = None


def build(real: list, team: list, config: dict, labels: list[str]) -> Data:
    rows = real + team
    settings = FunctionClassifier(**model_params(config, 0)).feature_settings()
    pars = paragraphs_from_texts([e.text for e in rows])
    add_terms(pars, config["match"]["lexicon"])
    texts, _, cats = inputs_of(pars)
    dim = 1 << settings["bits"]
    Xc = featurize(texts, settings, None, cats).to_csr(dim)
    Xw = word_features(texts, {**settings, "word_weight": 1.0}).to_csr(dim)
    m = ex.build(rows, config, labels)
    return Data(rows, Xc, Xw, label_matrix([e.labels for e in rows], labels), np.array([e.group for e in rows]),
                np.array([e.extra.get("file") != ex.TEAM.name for e in rows]),
                np.array([str(e.extra.get("batch", "")) for e in rows]), m.S, m.owner)


def _lr(X, y: np.ndarray, C: float, seed: int, sw: np.ndarray | None, cw: str | None) -> tuple:  # noqa: ANN001
    if sw is None:
        return _fit_linear(X, y, C, cw, seed)
    import warnings

    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=C, class_weight=cw, solver="liblinear", dual=True, random_state=seed,
                            max_iter=15, tol=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr.fit(X, y, sample_weight=sw)
    return lr.coef_[0], float(lr.intercept_[0])


@functools.lru_cache(maxsize=4)
def category_columns(bits: int) -> np.ndarray:
    """Hashed columns of the lexicon-category features (cat:<category>) of the shipped lexicon."""
    from policytag.lexicon import load_lexicon

    cats = {getattr(e, "category", None) for e in load_lexicon(None).entries}
    return np.array(sorted({_token_hash(f"cat:{c}", bits) for c in cats if c}), dtype=np.int64)


def fit_predict(Xtr, Ytr: np.ndarray, Xte, spec: dict[str, Any], seed: int,  # noqa: ANN001
                sw: np.ndarray | None = None) -> np.ndarray:
    """Decision scores (logits) of the test rows for every label under a variant spec."""
    L = Ytr.shape[1]
    z = np.zeros((Xte.shape[0], L))
    for j in range(L):
        C = spec.get("C_label", {}).get(j, spec.get("C", 30.0))
        parts = []
        if spec.get("lr", 1.0) > 0:
            scale = spec.get("cat_scale", {}).get(j)
            if scale is not None:  # one label's lexicon-category columns scaled in training; folded back into w
                col = np.ones(Xtr.shape[1])
                col[category_columns(int(np.log2(Xtr.shape[1])))] = scale
                w, b = _lr(Xtr @ diags(col), Ytr[:, j], C, seed, sw, spec.get("cw", "balanced"))
                w = w * col
            else:
                w, b = _lr(Xtr, Ytr[:, j], C, seed, sw, spec.get("cw", "balanced"))
            parts.append((spec.get("lr", 1.0), np.asarray(Xte @ w).ravel() + b))
        if spec.get("svm", 0.0) > 0:
            from sklearn.svm import LinearSVC

            y = Ytr[:, j]
            svm = LinearSVC(C=spec.get("svm_C", 1.0), class_weight="balanced", random_state=seed, max_iter=2000)
            svm.fit(Xtr, y, sample_weight=sw)
            parts.append((spec["svm"], np.asarray(Xte @ svm.coef_[0]).ravel() + svm.intercept_[0]))
        tot = sum(a for a, _ in parts)
        z[:, j] = sum(a * v for a, v in parts) / tot
    return z


def cv(d: Data, spec: dict[str, Any], seeds: list[int], use: np.ndarray) -> list[np.ndarray]:
    """Out-of-fold probabilities of the real rows, one array per fold seed."""
    X = d.Xc + spec.get("word", 0.0) * d.Xw if spec.get("word", 0.0) else d.Xc
    X = X.tocsr()
    real_idx = np.flatnonzero(d.real)
    extra_idx = np.flatnonzero(~d.real & use)
    out = []
    for seed in seeds:
        p = np.zeros((len(real_idx), d.Y.shape[1]))
        for test in group_folds(d.groups[real_idx], FOLDS, seed):
            held = set(d.groups[real_idx[test]].tolist())
            tr = np.array([i for i in np.concatenate([real_idx, extra_idx]) if d.groups[i] not in held])
            sw = None
            if spec.get("real_w", 1.0) != 1.0:
                sw = np.where(d.real[tr], spec["real_w"], 1.0)
            te = real_idx[test]
            if spec.get("pool") == "nested":
                chosen = choose_pool(d, X, tr, spec, seed, sw)
                z = pooled(d, X, tr, te, {**spec, "pool": chosen}, seed, sw)
                spec.setdefault("_chosen", []).append(sorted(chosen))
            elif spec.get("pool"):
                z = pooled(d, X, tr, te, spec, seed, sw)
            else:
                z = fit_predict(X[tr], d.Y[tr], X[te], spec, seed, sw)
            p[test] = 1 / (1 + np.exp(-np.clip(z, -40, 40)))
        out.append(p)
    return out


def choose_pool(d: Data, X, tr: np.ndarray, spec: dict, seed: int, sw) -> dict:  # noqa: ANN001
    """Labels whose inner-CV F1 (real rows of the training part, 3 grouped folds) is higher with max pooling."""
    from policytag.train import group_folds as gf

    L = d.Y.shape[1]
    zs = {"none": np.zeros((len(tr), L)), "max": np.zeros((len(tr), L))}
    for itest in gf(d.groups[tr], 3, seed):
        itr = np.setdiff1d(np.arange(len(tr)), itest)
        isw = None if sw is None else sw[itr]
        zs["max"][itest] = pooled(d, X, tr[itr], tr[itest], {**spec, "pool": {j: "max" for j in range(L)}}, seed, isw)
        zs["none"][itest] = fit_predict(X[tr[itr]], d.Y[tr[itr]], X[tr[itest]], spec, seed, isw)
    real = d.real[tr]
    gold = d.Y[tr][real]
    chosen = {}
    for j in range(L):
        f = {}
        for k, z in zs.items():
            pr = z[real, j] >= 0
            tp = (pr & gold[:, j]).sum()
            f[k] = 2 * tp / max(pr.sum() + gold[:, j].sum(), 1)
        if f["max"] > f["none"]:
            chosen[j] = "max"
    return chosen


def pooled(d: Data, X, tr: np.ndarray, te: np.ndarray, spec: dict, seed: int, sw) -> np.ndarray:  # noqa: ANN001
    """Logits of the test rows; pooled labels take the max of the paragraph's and its sentences' logits."""
    from scipy.sparse import vstack

    take = np.flatnonzero(np.isin(d.owner, te))
    z_all = fit_predict(X[tr], d.Y[tr], vstack([X[te], d.S[take]]).tocsr(), spec, seed, sw)
    z, zs = z_all[: len(te)], z_all[len(te):]
    pos = {int(r): k for k, r in enumerate(te)}
    best = np.full_like(z, -np.inf)
    for k_s, r in enumerate(d.owner[take]):
        best[pos[int(r)]] = np.maximum(best[pos[int(r)]], zs[k_s])
    for j, how in spec["pool"].items():
        has = np.isfinite(best[:, j])
        if how == "max":
            z[has, j] = np.maximum(z[has, j], best[has, j])
        else:  # mean of the two probabilities, as a logit
            pm = (1 / (1 + np.exp(-z[has, j])) + 1 / (1 + np.exp(-best[has, j]))) / 2
            z[has, j] = np.log(pm / (1 - pm))
    return z


def score(d: Data, probs: list[np.ndarray], labels: list[str], base: list[np.ndarray] | None = None
          ) -> dict[str, Any]:
    real_idx = np.flatnonzero(d.real)
    gold, groups = d.Y[real_idx], d.groups[real_idx]
    ms = [metrics(gold, p >= 0.5, labels) for p in probs]
    out = {"macro_f1": float(np.mean([m["macro_f1"] for m in ms])),
           "f1": {lab: float(np.mean([m["per_label"][lab]["f1"] for m in ms])) for lab in labels},
           "per_seed": [m["macro_f1"] for m in ms]}
    if base is not None:
        out["delta"] = out["macro_f1"] - float(np.mean([metrics(gold, p >= 0.5, labels)["macro_f1"] for p in base]))
        out["delta_ci"] = ex.paired_delta(gold, base[0] >= 0.5, probs[0] >= 0.5, groups, labels)
        out["seeds_better"] = int(sum(a > b + 1e-12 for a, b in zip(
            out["per_seed"], [metrics(gold, p >= 0.5, labels)["macro_f1"] for p in base], strict=True)))
    return out


def show(name: str, r: dict[str, Any], labels: list[str]) -> None:
    d = f" Δ {r['delta']:+.4f} {r['delta_ci']} better on {r['seeds_better']}/8" if "delta" in r else ""
    print(f"{name:40s} macro {r['macro_f1']:.4f}{d}  " + " ".join(f"{lab} {r['f1'][lab]:.3f}" for lab in labels),
          flush=True)


def errors(d: Data, probs: list[np.ndarray], labels: list[str], which: list[str]) -> None:
    """Rows whose out-of-fold prediction is wrong on most fold seeds, per label (FP and FN)."""
    real_idx = np.flatnonzero(d.real)
    mean = np.mean([p >= 0.5 for p in probs], axis=0)
    pbar = np.mean(probs, axis=0)
    for lab in which:
        j = labels.index(lab)
        gold = d.Y[real_idx, j]
        for kind, mask in (("FN", gold & (mean[:, j] >= 0.5) == 0), ("FP", ~gold & (mean[:, j] >= 0.5))):
            mask = (gold & (mean[:, j] < 0.5)) if kind == "FN" else mask
            print(f"\n== {lab} {kind}: {int(mask.sum())}")
            for k in np.flatnonzero(mask):
                e = d.rows[real_idx[k]]
                print(f"  {e.extra.get('id')} p={pbar[k, j]:.2f} gold={e.labels} | {e.text[:160]}")


VARIANTS: dict[str, dict[str, Any]] = {
    "word features (jieba tokens, hashed), weight 0.5": {"word": 0.5},
    "word features, weight 1.0": {"word": 1.0},
    "LR + linear SVM (C 1), logits averaged": {"svm": 1.0},
    "LR + linear SVM (C 0.3)": {"svm": 1.0, "svm_C": 0.3},
    "LR + linear SVM (C 3)": {"svm": 1.0, "svm_C": 3.0},
    "LR + 0.5 × linear SVM": {"svm": 0.5},
    "linear SVM only": {"lr": 0.0, "svm": 1.0},
    "word 0.5 + LR + SVM": {"word": 0.5, "svm": 1.0},
    "C = 10": {"C": 10.0},
    "C = 100": {"C": 100.0},
    "C = 10 for 自身建设 only": {"C_label": {3: 10.0}},
    "C = 100 for 自身建设 only": {"C_label": {3: 100.0}},
    "C = 10 for 代表工作 only": {"C_label": {2: 10.0}},
    "C = 100 for 代表工作 only": {"C_label": {2: 100.0}},
    "no class weights": {"cw": None},
    "real rows weight 2 (team 1)": {"real_w": 2.0},
    "real rows weight 0.5 (team 1)": {"real_w": 0.5},
    "sentence pooling (max), every label": {"pool": {j: "max" for j in range(5)}},
    "sentence pooling (max), 代表工作 only": {"pool": {2: "max"}},
    "sentence pooling (mean), 代表工作 only": {"pool": {2: "mean"}},
    "sentence pooling (max), labels chosen per label by inner CV": {"pool": "nested"},
    "**sentence pooling (max), 监督 and 代表工作 (shipped)**": {"pool": {0: "max", 2: "max"}},
    "lexicon-category columns × 2 for 自身建设 only (trained scaled, folded back into its weights)": {
        "cat_scale": {3: 2.0}},
    "lexicon-category columns × 0 for 自身建设 only": {"cat_scale": {3: 0.0}},
    "word features 0.5 + sentence pooling (max), 监督 and 代表工作 (needs prediction-code changes)": {
        "word": 0.5, "pool": {0: "max", 2: "max"}},
}
CONFIRM = ("LR + linear SVM (C 1), logits averaged", "sentence pooling (max), 代表工作 only",
           "**sentence pooling (max), 监督 and 代表工作 (shipped)**",
           "word features 0.5 + sentence pooling (max), 监督 and 代表工作 (needs prediction-code changes)")
SEEDS_A, SEEDS_B = list(range(8)), list(range(8, 16))


def _boot_weights(G: int, n_boot: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = np.zeros((n_boot, G))
    np.add.at(w, (np.repeat(np.arange(n_boot), G), rng.integers(0, G, size=(n_boot, G)).ravel()), 1.0)
    return w


def seed_mean_f1(d: Data, probs: list[np.ndarray], n_labels: int, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-label F1, mean over fold seeds: the point value (labels,) and one per bootstrap draw (n_boot, labels).

    Each draw ``w`` (n_boot, reports) counts whole reports, the same draw for every fold seed.
    """
    real_idx = np.flatnonzero(d.real)
    gold = d.Y[real_idx]
    _, inv = np.unique(d.groups[real_idx], return_inverse=True)
    G = int(inv.max()) + 1
    f1s, points = [], []
    for p in probs:
        pred = p >= 0.5
        c = np.zeros((G, n_labels, 3))
        np.add.at(c[:, :, 0], inv, gold & pred)
        np.add.at(c[:, :, 1], inv, ~gold & pred)
        np.add.at(c[:, :, 2], inv, gold & ~pred)
        tp, fp, fn = (np.einsum("bg,gl->bl", w, c[:, :, k]) for k in range(3))
        with np.errstate(invalid="ignore", divide="ignore"):
            f1s.append(np.where(tp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan))
        t = c.sum(0)
        points.append(2 * t[:, 0] / np.maximum(2 * t[:, 0] + t[:, 1] + t[:, 2], 1))
    return np.mean(points, axis=0), np.nanmean(f1s, axis=0)


def _reports(d: Data) -> int:
    return len(np.unique(d.groups[d.real]))


def seed_mean_table(d: Data, probs: list[np.ndarray], labels: list[str], n_boot: int = 1000, seed: int = 0) -> str:
    """Per-label F1 as the mean over fold seeds, with a 95 % bootstrap interval over reports.

    Each resample draws whole reports (the same draw for every fold seed) and averages
    the F1 of the fold seeds' out-of-fold predictions on it.
    """
    gold = d.Y[np.flatnonzero(d.real)]
    G = _reports(d)
    point, boot = seed_mean_f1(d, probs, len(labels), _boot_weights(G, n_boot, seed))
    lo, hi = np.nanpercentile(boot, 2.5, axis=0), np.nanpercentile(boot, 97.5, axis=0)
    macro = np.nanmean(boot, axis=1)
    lines = ["| label | F1, mean of the fold seeds | 95% CI | support |", "|---|---|---|---|"]
    lines += [f"| {lab} | {point[j]:.3f} | [{lo[j]:.2f}, {hi[j]:.2f}] | {int(gold[:, j].sum())} |"
              for j, lab in enumerate(labels)]
    lines.append(f"| **macro** | **{point.mean():.3f}** | [{np.percentile(macro, 2.5):.2f}, "
                 f"{np.percentile(macro, 97.5):.2f}] | {len(gold)} rows, {G} reports |")
    return "\n".join(lines)


SEEDS_C = list(range(16, 24))  # untouched until batch 2026-12c was fixed: its final confirmation


def batch_table(real: list, team: list, config: dict, labels: list[str], batch: str,
                seed_sets: Sequence[list[int]] = (SEEDS_A, SEEDS_B, SEEDS_C), focus: str = "自身建设",
                n_boot: int = 1000) -> str:
    """The shipped recipe without and with one team batch, per fold-seed set: per-label F1 [95% CI] and
    the paired bootstrap interval (over reports, mean over the fold seeds) of Δ macro-F1 and Δ ``focus``."""
    d = build(real, team, config, labels)
    without = d.batch != batch
    every = np.ones(len(d.rows), dtype=bool)
    w = _boot_weights(_reports(d), n_boot, 0)
    j = labels.index(focus)
    head = (f"| fold seeds | team rows | macro-F1 [95% CI] | Δ macro [95% CI] | Δ {focus} [95% CI] | seeds better | "
            + " | ".join(labels) + " |\n|---|---|---|---|---|---|" + "---|" * len(labels))
    lines = [head]
    for seeds in seed_sets:
        runs = {}
        for name, use in ((f"without {batch}", without), (f"with {batch}", every)):
            probs = cv(d, dict(VARIANTS[SHIPPED]), seeds, use)
            runs[name] = (probs, *seed_mean_f1(d, probs, len(labels), w))
        (pa, a, ba), (pb, b, bb) = runs.values()
        gold = d.Y[d.real]
        better = sum(metrics(gold, y >= 0.5, labels)["macro_f1"] > metrics(gold, x >= 0.5, labels)["macro_f1"] + 1e-12
                     for x, y in zip(pa, pb, strict=True))
        dm = np.nanmean(bb, axis=1) - np.nanmean(ba, axis=1)
        df = bb[:, j] - ba[:, j]
        for k, (name, (_, point, boot)) in enumerate(runs.items()):
            lo, hi = np.nanpercentile(boot, 2.5, axis=0), np.nanpercentile(boot, 97.5, axis=0)
            mb = np.nanmean(boot, axis=1)
            delta = (f"{b.mean() - a.mean():+.4f} [{np.percentile(dm, 2.5):+.3f}, {np.percentile(dm, 97.5):+.3f}] | "
                     f"{b[j] - a[j]:+.3f} [{np.percentile(df, 2.5):+.3f}, {np.percentile(df, 97.5):+.3f}] | "
                     f"{better}/{len(seeds)}") if k else "– | – | –"
            lines.append(f"| {seeds[0]}–{seeds[-1]} | {name} | {point.mean():.3f} [{np.percentile(mb, 2.5):.2f}, "
                         f"{np.percentile(mb, 97.5):.2f}] | {delta} | "
                         + " | ".join(f"{point[i]:.3f} [{lo[i]:.2f}, {hi[i]:.2f}]" for i in range(len(labels))) + " |")
    return "\n".join(lines)


SHIPPED = "**sentence pooling (max), 监督 and 代表工作 (shipped)**"


def shipped_tables(real: list, team: list, config: dict, labels: list[str]) -> tuple[str, ...]:
    """The shipped recipe's per-label F1 with intervals, fold seeds 0-7, 8-15 and 16-23."""
    d = build(real, team, config, labels)
    use = np.ones(len(d.rows), dtype=bool)
    return tuple(seed_mean_table(d, cv(d, dict(VARIANTS[SHIPPED]), seeds, use), labels)
                 for seeds in (SEEDS_A, SEEDS_B, SEEDS_C))


def _row(name: str, r: dict[str, Any], labels: list[str], extra: str = "") -> str:
    d = f"{r['delta']:+.4f} | [{r['delta_ci'][0]:+.3f}, {r['delta_ci'][1]:+.3f}] | {r['seeds_better']}/8" \
        if "delta" in r else "– | – | –"
    return (f"| {name} | {r['macro_f1']:.4f} | {d} | " + " | ".join(f"{r['f1'][lab]:.3f}" for lab in labels)
            + f" |{extra}")


def tables(real: list, team: list, config: dict, labels: list[str], new_batch: str = "2026-12b",
           names: Sequence[str] | None = None) -> str:
    """Markdown: every lever on fold seeds 0-7, the kept ones again on fold seeds 8-15."""
    d = build(real, team, config, labels)
    use = np.ones(len(d.rows), dtype=bool)
    head = ("| variant | macro-F1 | Δ | Δ 95% CI | seeds better | " + " | ".join(labels) + " |\n|---|---|---|---|---|"
            + "---|" * len(labels))
    out = []
    for seeds in (SEEDS_A, SEEDS_B):
        base = cv(d, {}, seeds, use)
        lines = [head, _row("char 1–3-grams + lexicon categories, one LR per label (C 30), team rows of "
                            "every batch, no pooling (base)", score(d, base, labels), labels)]
        without = score(d, cv(d, {}, seeds, d.batch != new_batch), labels, base)
        lines.append(_row(f"base without the team rows of batch {new_batch}", without, labels))
        for name, spec in VARIANTS.items():
            if (names and name not in names) or (seeds is SEEDS_B and name not in CONFIRM):
                continue
            spec = dict(spec)
            print(f"  levers: {name} (fold seeds {seeds[0]}-{seeds[-1]}) …", flush=True)
            lines.append(_row(name, score(d, cv(d, spec, seeds, use), labels, base), labels))
        out.append("\n".join(lines))
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--batch", help="the shipped recipe without and with this team batch, fold seeds 0-23")
    args = ap.parse_args()
    config = load_config()
    labels = list(config["classify"]["labels"])
    real = ex.load_real(Path(args.data), labels)
    team = ex.load_team(labels)
    if args.errors:
        d = build(real, team, config, labels)
        errors(d, cv(d, {}, SEEDS_A, np.ones(len(d.rows), dtype=bool)), labels, ["自身建设", "代表工作"])
        return
    if args.batch:
        print(batch_table(real, team, config, labels, args.batch))
        return
    if args.only == ["shipped"]:
        a, b, c = shipped_tables(real, team, config, labels)
        print(a, "\n\nfold seeds 8-15:\n", b, "\n\nfold seeds 16-23:\n", c, sep="")
        return
    first, second = tables(real, team, config, labels, names=args.only)
    print(first, "\n\nfold seeds 8-15:\n", second, sep="")


if __name__ == "__main__":
    main()
