"""Experiments behind the shipped model: grouped CV on the real labeled rows only.

Used by ``models/train_default.py`` (which writes the results into MODEL_CARD.md);
run alone for a quick look:

    .venv/bin/python models/experiments.py [--data ../shared/data] [--seeds 0 1 2]

Every variant is scored by the same 5-fold CV grouped by report over the real
rows (seed + web + north + south): team rows only ever sit on the training side,
thresholds are tuned inside each training part on its real rows (3 inner folds,
grouped), and a variant is scored on exactly the same folds as its baseline, so
the paired bootstrap over reports of the difference in macro-F1 is meaningful.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402

from policytag.classify import FunctionClassifier, featurize, inputs_of  # noqa: E402
from policytag.config import load_config  # noqa: E402
from policytag.train import (  # noqa: E402
    HEADING_RULES,
    Example,
    _fit_weights,
    _proba,
    add_terms,
    best_thresholds,
    group_folds,
    label_matrix,
    load_labeled,
    metrics,
    model_params,
    paragraphs_from_texts,
    weak_labels,
)

REAL_FILES = ("seed_paragraphs.jsonl", "web_paragraphs.jsonl", "north_paragraphs.jsonl", "south_paragraphs.jsonl")
TEAM = HERE.parent / "data" / "team_paragraphs.jsonl"
SEEDS = (0, 1, 2)
FOLDS, INNER = 5, 3
POOL_MIN = 120  # paragraphs at least this long are also scored sentence by sentence
BLEND_WEIGHTS = (0.15, 0.3)
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


# --------------------------------------------------------------------------- data
def load_real(data: Path, labels: list[str]) -> list[Example]:
    rows: list[Example] = []
    for name in REAL_FILES:
        for e in load_labeled(data / name, labels=labels):
            e.extra["file"] = name
            rows.append(e)
    return rows


def load_team(labels: list[str]) -> list[Example]:
    rows = load_labeled(TEAM, labels=labels)
    for e in rows:
        e.extra["file"] = TEAM.name
    return rows


def sentences(text: str) -> list[str]:
    """Sentences of a long paragraph (empty list for a short one: it is its own sentence)."""
    if len(text) < POOL_MIN:
        return []
    parts = [s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) >= 8]
    return parts if len(parts) >= 2 else []


@dataclass
class Matrix:
    """Features of every row (real first), their sentences, rule and heading indicators."""

    rows: list[Example]
    X: Any  # csr, one row per example
    S: Any  # csr, one row per sentence of a long paragraph
    owner: np.ndarray  # example index of each sentence
    Y: np.ndarray
    rules: np.ndarray  # lexicon/phrase rule labels (policytag bootstrap's rules, headings left out)
    heading: np.ndarray  # labels named by the nearest section heading (seed rows cut by segment)
    groups: np.ndarray
    real: np.ndarray
    labels: list[str]


def build(rows: list[Example], config: dict, labels: list[str], sections: list[list[str]] | None = None,
          section_weight: float = 0.0) -> Matrix:
    params = model_params(config, 0)
    settings = FunctionClassifier(**{**params, "section_weight": section_weight}).feature_settings()
    paragraphs = paragraphs_from_texts([e.text for e in rows], sections)
    add_terms(paragraphs, config["match"]["lexicon"])
    texts, secs, cats = inputs_of(paragraphs)
    dim = 1 << settings["bits"]
    X = featurize(texts, settings, secs, cats).to_csr(dim)
    sent_texts, owner = [], []
    for i, t in enumerate(texts):
        for s in sentences(t):
            sent_texts.append(s)
            owner.append(i)
    sent_pars = paragraphs_from_texts(sent_texts)
    add_terms(sent_pars, config["match"]["lexicon"])
    st, _, sc = inputs_of(sent_pars)
    S = featurize(st, settings, None, sc).to_csr(dim)
    rule_map = {lab: lab for lab in labels}
    rules = label_matrix([weak_labels(t, [], c, rule_map, labels)[0] for t, c in zip(texts, cats, strict=True)],
                         labels)
    heading = np.zeros_like(rules)
    if sections is not None:
        for i, sec in enumerate(sections):
            for h in reversed(sec):  # the nearest heading that names a function
                found = [lab for pat, lab in HEADING_RULES if re.search(pat, h)]
                if found:
                    heading[i] = label_matrix([found[:1]], labels)[0]
                    break
    return Matrix(rows, X, S, np.array(owner, dtype=np.int64), label_matrix([e.labels for e in rows], labels),
                  rules, heading, np.array([e.group for e in rows]),
                  np.array([e.extra.get("file") != TEAM.name for e in rows]), list(labels))


# --------------------------------------------------------------------------- one grouped CV
def _pooled(m: Matrix, rows: np.ndarray, p: np.ndarray, coef: np.ndarray, intercept: np.ndarray
            ) -> dict[str, np.ndarray]:
    """Paragraph probability pooled with its sentences': max, and the mean of the two."""
    out = {"max": p.copy(), "mean": p.copy()}
    pos = {int(r): k for k, r in enumerate(rows)}
    take = np.flatnonzero(np.isin(m.owner, rows))
    if not len(take):
        return out
    ps = _proba(m.S[take], coef, intercept)
    best: dict[int, np.ndarray] = {}
    for s, row in zip(ps, m.owner[take], strict=True):
        k = pos[int(row)]
        best[k] = np.maximum(best[k], s) if k in best else s
    for k, s in best.items():
        out["max"][k] = np.maximum(p[k], s)
        out["mean"][k] = (p[k] + s) / 2
    return out


def _blend(p: np.ndarray, rules: np.ndarray, w: float) -> np.ndarray:
    return (1 - w) * p + w * rules


def cv_run(m: Matrix, use: np.ndarray, labels: list[str], config: dict, seed: int) -> dict[str, Any]:
    """Out-of-fold scores of the real rows under every variant, for one fold seed.

    ``use`` marks the non-real rows put on the training side (team rows).
    Returns probabilities and, per variant, thresholds tuned inside the fold.
    """
    params = FunctionClassifier(**model_params(config, seed)).get_params()
    real_idx = np.flatnonzero(m.real)
    extra_idx = np.flatnonzero(~m.real & use)
    n, L = len(real_idx), len(labels)
    out: dict[str, Any] = {"p": np.zeros((n, L)), "thr": np.zeros((n, L)), "splits": []}
    for kind in ("max", "mean"):
        out[f"p_{kind}"] = np.zeros((n, L))
        out[f"thr_{kind}"] = np.zeros((n, L))
    for w in BLEND_WEIGHTS:
        out[f"thr_blend{w}"] = np.zeros((n, L))
    for test in group_folds(m.groups[real_idx], FOLDS, seed):
        out["splits"].append(test)
        test_rows = real_idx[test]
        held = set(m.groups[test_rows].tolist())
        train_rows = np.array([i for i in np.concatenate([real_idx, extra_idx]) if m.groups[i] not in held])
        coef, b = _fit_weights(m.X[train_rows], m.Y[train_rows], params)
        p = _proba(m.X[test_rows], coef, b)
        out["p"][test] = p
        for kind, v in _pooled(m, test_rows, p, coef, b).items():
            out[f"p_{kind}"][test] = v
        inner = np.zeros((len(train_rows), L))
        inner_pool = {"max": np.zeros_like(inner), "mean": np.zeros_like(inner)}
        for itest in group_folds(m.groups[train_rows], INNER, seed):
            itrain = np.setdiff1d(np.arange(len(train_rows)), itest)
            c2, b2 = _fit_weights(m.X[train_rows[itrain]], m.Y[train_rows[itrain]], params)
            inner[itest] = _proba(m.X[train_rows[itest]], c2, b2)
            for kind, v in _pooled(m, train_rows[itest], inner[itest], c2, b2).items():
                inner_pool[kind][itest] = v
        real = m.real[train_rows]
        gold = m.Y[train_rows][real]
        out["thr"][test] = best_thresholds(inner[real], gold)
        for kind in ("max", "mean"):
            out[f"thr_{kind}"][test] = best_thresholds(inner_pool[kind][real], gold)
        for w in BLEND_WEIGHTS:
            out[f"thr_blend{w}"][test] = best_thresholds(_blend(inner, m.rules[train_rows], w)[real], gold)
    return out


POOL_LABELS = ("监督", "代表工作")  # the shipped [classify] sentence_labels


def predictions(m: Matrix, run: dict[str, Any]) -> dict[str, np.ndarray]:
    """Every variant's out-of-fold label matrix on the real rows."""
    real = np.flatnonzero(m.real)
    rules = m.rules[real]
    some = run["p"].copy()
    cols = [j for j, lab in enumerate(m.labels) if lab in POOL_LABELS]
    some[:, cols] = run["p_max"][:, cols]
    preds = {
        "fixed 0.5": run["p"] >= 0.5,
        "sentence pooling (max) for 监督 and 代表工作 only, 0.5": some >= 0.5,
        "tuned thresholds": run["p"] >= run["thr"],
        "sentence pooling (max), 0.5": run["p_max"] >= 0.5,
        "sentence pooling (mean), 0.5": run["p_mean"] >= 0.5,
        "sentence pooling (mean), tuned": run["p_mean"] >= run["thr_mean"],
        "OR lexicon/phrase rules, 0.5": (run["p"] >= 0.5) | rules,
    }
    if m.heading.any():  # only rows with a heading path (seeds cut by segment) have heading labels
        preds["heading rule OR, 0.5"] = (run["p"] >= 0.5) | m.heading[real]
    for w in BLEND_WEIGHTS:
        preds[f"blend with rules (w={w}), 0.5"] = _blend(run["p"], rules, w) >= 0.5
        preds[f"blend with rules (w={w}), tuned"] = _blend(run["p"], rules, w) >= run[f"thr_blend{w}"]
    return preds


# --------------------------------------------------------------------------- scoring
def paired_delta(gold: np.ndarray, a: np.ndarray, b: np.ndarray, groups: np.ndarray, labels: list[str],
                 n_boot: int = 1000, seed: int = 0) -> list[float]:
    """95 % bootstrap interval (over reports) of macro-F1(b) - macro-F1(a) on the same rows."""
    _, inv = np.unique(groups, return_inverse=True)
    G = int(inv.max()) + 1

    def per_group(pred: np.ndarray) -> np.ndarray:
        c = np.zeros((G, len(labels), 3))
        np.add.at(c[:, :, 0], inv, gold & pred)
        np.add.at(c[:, :, 1], inv, ~gold & pred)
        np.add.at(c[:, :, 2], inv, gold & ~pred)
        return c

    ca, cb = per_group(a), per_group(b)
    rng = np.random.default_rng(seed)
    w = np.zeros((n_boot, G))
    np.add.at(w, (np.repeat(np.arange(n_boot), G), rng.integers(0, G, size=(n_boot, G)).ravel()), 1.0)

    def macro(c: np.ndarray) -> np.ndarray:
        tp, fp, fn = (np.einsum("bg,gl->bl", w, c[:, :, k]) for k in range(3))
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(tp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
        return np.nanmean(f1, axis=1)

    d = macro(cb) - macro(ca)
    return [round(float(np.percentile(d, 2.5)), 4), round(float(np.percentile(d, 97.5)), 4)]


def summarize(runs: list[tuple[Matrix, dict[str, Any]]], labels: list[str], baseline: str = "fixed 0.5",
              rows: np.ndarray | None = None, ci_seed_run: int = 0) -> dict[str, dict[str, Any]]:
    """Mean over fold seeds of macro- and per-label F1 of each variant; Δ vs baseline with a paired CI (seed 0)."""
    table: dict[str, dict[str, Any]] = {}
    for k, (m, run) in enumerate(runs):
        real = np.flatnonzero(m.real)
        keep = np.ones(len(real), dtype=bool) if rows is None else rows
        gold = m.Y[real][keep]
        groups = m.groups[real][keep]
        preds = predictions(m, run)
        for name, pred in preds.items():
            res = metrics(gold, pred[keep], labels, groups=groups if k == ci_seed_run else None)
            entry = table.setdefault(name, {"macro": [], "per_label": {lab: [] for lab in labels}})
            entry["macro"].append(res["macro_f1"])
            for lab in labels:
                entry["per_label"][lab].append(res["per_label"][lab]["f1"])
            if k == ci_seed_run:
                entry["metrics"] = res
                entry["delta_ci"] = paired_delta(gold, preds[baseline][keep], pred[keep], groups, labels)
    for entry in table.values():
        entry["macro_f1"] = float(np.mean(entry["macro"]))
        entry["f1"] = {lab: float(np.mean(v)) for lab, v in entry["per_label"].items()}
    base = table[baseline]["macro_f1"]
    for entry in table.values():
        entry["delta"] = entry["macro_f1"] - base
    return table


def run_all(m: Matrix, use: np.ndarray, labels: list[str], config: dict, seeds=SEEDS) -> list[tuple[Matrix, dict]]:
    return [(m, cv_run(m, use, labels, config, s)) for s in seeds]


# --------------------------------------------------------------------------- seeds cut by segment
def seed_sections(real: list[Example], seeds_dir: Path, config: dict) -> tuple[list[list[str]], int]:
    """For every seed row, the heading path ``policytag segment`` gives the paragraph it starts in.

    Other rows (web, north, south: single paragraphs) get no heading path. Returns
    the paths and how many seed rows got a non-empty one.
    """
    from policytag.read import read_path
    from policytag.segment import segment

    def key(t: str) -> str:
        return re.sub(r"[\W_]+", "", t)

    cut: dict[str, list[tuple[str, list[str], bool]]] = {}
    out: list[list[str]] = [[] for _ in real]
    placed = 0
    for i, e in enumerate(real):
        if e.extra.get("file") != "seed_paragraphs.jsonl":
            continue
        doc = str(e.extra.get("doc") or e.group)
        if doc not in cut:
            cut[doc] = [(key(p.text), list(p.section), p.is_heading)
                        for p in segment(read_path(str(seeds_dir / doc), config), config)]
        k = key(e.text)[:14]
        for text, section, _is_heading in cut[doc]:
            if k and (k in text or text and text in key(e.text)):
                out[i] = section  # for a heading: the headings above it
                placed += bool(section)
                break
    return out, placed


def section_experiment(real: list[Example], team: list[Example], config: dict, labels: list[str],
                       seeds_dir: Path, weights=(0.0, 0.5, 1.0), seeds=SEEDS) -> tuple[dict[str, dict], int]:
    """Heading context for whole reports: the seed rows get the heading path `segment` gives them.

    Scored on the seed rows only (the five whole reports, grouped CV as everywhere
    else); the other real rows and the team rows have no headings and only
    train. ``section_weight`` = 0 is the model without heading features.
    """
    sections, placed = seed_sections(real, seeds_dir, config)
    seed_mask = np.array([e.extra.get("file") == "seed_paragraphs.jsonl" for e in real])
    out: dict[str, dict] = {}
    first: dict[str, np.ndarray] = {}
    gold = groups = None
    for w in weights:
        m = build(real + team, config, labels, sections + [[] for _ in team], section_weight=w)
        runs = run_all(m, np.ones(len(m.rows), dtype=bool), labels, config, seeds)
        table = summarize(runs, labels, rows=seed_mask)
        real_idx = np.flatnonzero(m.real)
        gold, groups = m.Y[real_idx][seed_mask], m.groups[real_idx][seed_mask]
        preds = predictions(m, runs[0][1])
        out[f"section weight {w}"] = table["fixed 0.5"]
        first[f"section weight {w}"] = preds["fixed 0.5"][seed_mask]
        if w == 0.0:
            out["heading rule OR, 0.5"] = table["heading rule OR, 0.5"]
            first["heading rule OR, 0.5"] = preds["heading rule OR, 0.5"][seed_mask]
    base = out["section weight 0.0"]["macro_f1"]
    for name, entry in out.items():
        entry["delta"] = entry["macro_f1"] - base
        entry["delta_ci"] = paired_delta(gold, first["section weight 0.0"], first[name], groups, labels)
    return out, placed


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    ap.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    args = ap.parse_args()
    cfg = load_config()
    labs = list(cfg["classify"]["labels"])
    real_rows = load_real(Path(args.data), labs)
    team_rows = load_team(labs)
    mat = build(real_rows + team_rows, cfg, labs)
    for name, use in (("real only", np.zeros(len(mat.rows), bool)), ("real + team", np.ones(len(mat.rows), bool))):
        tab = summarize(run_all(mat, use, labs, cfg, args.seeds), labs)
        print(f"== {name}")
        for variant, entry in tab.items():
            print(f"  {variant:28s} macro {entry['macro_f1']:.3f} Δ {entry['delta']:+.3f} {entry['delta_ci']}  "
                  + " ".join(f"{lab} {v:.3f}" for lab, v in entry["f1"].items()))
