"""Rebuild the shipped model (models/default/) from ../shared/data + data/team_paragraphs.jsonl, deterministically.

    .venv/bin/python models/train_default.py [--data ../shared/data] [--out models/default] [--no-team] [--no-compare]

Same data + lexicon + seed -> byte-identical weights.npz. Rerun after the lexicon
(lexicons/policy_terms.yaml) changes: the model uses its categories as features.

The real labeled paragraphs (seed + web) are scored and set the thresholds; the
team's written paragraphs (data/team_paragraphs.jsonl) are training rows only.
The card also measures weak labels (``policytag bootstrap`` rules on the seed
reports) as extra training rows; they did not help, so the model does not use them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402

from policytag.classify import FunctionClassifier  # noqa: E402
from policytag.config import load_config  # noqa: E402
from policytag.train import (  # noqa: E402
    Example,
    add_terms,
    as_inputs,
    cross_validate,
    label_matrix,
    load_labeled,
    metrics,
    model_params,
    read_paragraphs,
    train_bundle,
    weak_labels,
)

TEAM = HERE.parent / "data" / "team_paragraphs.jsonl"
CV_SEEDS = (0, 1, 2)


def _inputs(examples: list[Example], config: dict) -> list:
    return as_inputs(examples, config["match"]["lexicon"], model_params(config, 0)["lexicon_weight"] > 0)


def train_to_web(train: list[Example], web: list[Example], config: dict) -> dict:
    """Train on ``train`` (thresholds tuned on its seed rows only), score the web paragraphs."""
    labels = list(config["classify"]["labels"])
    clf = FunctionClassifier(**model_params(config, 0))
    from policytag.train import fit_classifier

    fit_classifier(clf, _inputs(train, config), [e.labels for e in train], groups=[e.group for e in train],
                   labels=labels, tune_mask=[e.source != "extra" for e in train])
    pred = clf.predict_matrix(_inputs(web, config))
    return metrics(label_matrix([e.labels for e in web], labels), pred, labels)


def weak_rows(seeds_dir: Path, config: dict) -> list[Example]:
    """`policytag bootstrap` labels of the seed reports' paragraphs, grouped like the seed rows (file name)."""
    labels = list(config["classify"]["labels"])
    paragraphs = read_paragraphs(sorted(str(p) for p in seeds_dir.glob("*.txt")), config)
    add_terms(paragraphs, config["match"]["lexicon"])
    out = []
    for p in paragraphs:
        found, _ = weak_labels(p.text, p.section, [t.category for t in p.terms], {lab: lab for lab in labels}, labels)
        out.append(Example(p.text, found, Path(p.path).name, "extra"))
    return out


def cv_real(real: list[Example], extra: list[Example], config: dict) -> dict:
    """Grouped 5-fold CV scored on the real rows only, ``extra`` rows on the training side; mean of CV_SEEDS."""
    labels = list(config["classify"]["labels"])
    params = model_params(config, 0)
    X, Xe = _inputs(real, config), _inputs(extra, config) if extra else []
    runs = []
    for seed in CV_SEEDS:
        ext = (Xe, [e.labels for e in extra], [e.group for e in extra]) if extra else None
        runs.append(cross_validate(params, X, [e.labels for e in real], [e.group for e in real], labels, folds=5,
                                   seed=seed, extra=ext)["metrics"])
    return {"macro_f1": float(np.mean([m["macro_f1"] for m in runs])), "runs": [m["macro_f1"] for m in runs],
            "per_label": {lab: float(np.mean([m["per_label"][lab]["f1"] for m in runs])) for lab in labels}}


def _row(name: str, m: dict) -> str:
    per = " | ".join(f"{v:.3f}" for v in m["per_label"].values())
    return f"| {name} | **{m['macro_f1']:.3f}** | {per} |"


def _f1s(m: dict) -> dict:
    return {"macro_f1": m["macro_f1"], "per_label": {lab: r["f1"] for lab, r in m["per_label"].items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(HERE / "default"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-team", action="store_true", help="train on the real paragraphs only")
    ap.add_argument("--no-compare", action="store_true", help="skip measuring weak labels (seed reports)")
    args = ap.parse_args()
    data = Path(args.data)
    files = [data / "seed_paragraphs.jsonl", data / "web_paragraphs.jsonl"]
    if not all(f.is_file() for f in files):
        print(f"train_default: skipped: the real labeled data is not there ({data}); it lives in ../shared/data")
        return
    config = load_config()
    labels = list(config["classify"]["labels"])
    started = time.perf_counter()
    seed, web = load_labeled(files[0], labels=labels), load_labeled(files[1], labels=labels)
    team = [] if args.no_team else load_labeled(TEAM, labels=labels)
    for e in team:
        e.source = "extra"
    table = {"real only": cv_real(seed + web, [], config)}
    s2w = {"seeds → web": _f1s(train_to_web(seed, web, config))}
    if team:
        table["real + team (train side)"] = cv_real(seed + web, team, config)
        s2w["seeds + team → web"] = _f1s(train_to_web(seed + team, web, config))
    if not args.no_compare:
        weak = weak_rows(data.parent / "seeds", config)
        table["real + weak"] = cv_real(seed + web, weak, config)
        table["real + team + weak"] = cv_real(seed + web, team + weak, config)
        s2w["seeds + weak → web"] = _f1s(train_to_web(seed + weak, web, config))
    head = "| training side | macro-F1 | " + " | ".join(labels) + " |\n|---|---|" + "---|" * len(labels)
    extra = ("## Does the team data help? (real data only)\n\n"
             f"Grouped 5-fold CV over the {len(seed) + len(web)} real paragraphs (seed + web), scored on real rows "
             f"only, thresholds tuned inside each training part on real rows; mean of fold seeds {list(CV_SEEDS)}. "
             "Team rows are added to the training side only.\n\n" + head + "\n"
             + "\n".join(_row(k, v) for k, v in table.items()) + "\n\n"
             "## Train on seeds -> test on web\n\n"
             f"Trained on the {len(seed)} seed units (5 reports, 湖北/湖南), scored on the {len(web)} web paragraphs "
             "(37 reports, 15 regions):\n\n" + head + "\n" + "\n".join(_row(k, v) for k, v in s2w.items()) + "\n\n"
             "Rebuild: `.venv/bin/python models/train_default.py` (reads ../shared/data and "
             "data/team_paragraphs.jsonl).")
    result = train_bundle([str(f) for f in files], args.out, config, seed=args.seed, folds=5, card_extra=extra,
                          extra_paths=[str(TEAM)] if team else [])
    cv = result["cv"]
    for name, m in {**table, **s2w}.items():
        print(f"{name:28s} macro-F1 {m['macro_f1']:.3f}  "
              + " ".join(f"{lab} {v:.3f}" for lab, v in m["per_label"].items()))
    print(f"shipped model: grouped CV (fold seed {args.seed}) macro-F1 {cv['macro_f1']:.3f}; "
          f"{time.perf_counter() - started:.1f}s -> {args.out}")
    for lab, r in cv["per_label"].items():
        print(f"  {lab}: P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f} (n={r['support']})")


if __name__ == "__main__":
    main()
