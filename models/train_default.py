"""Rebuild the shipped model (models/default/) from ../shared/data, deterministically.

    .venv/bin/python models/train_default.py [--data ../shared/data] [--out models/default]

Same data + lexicon + seed -> byte-identical weights.npz. Rerun after the lexicon
(lexicons/policy_terms.yaml) changes: the model uses its categories as features.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipeline.classify import FunctionClassifier  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.train import (  # noqa: E402
    as_inputs,
    label_matrix,
    load_labeled,
    metrics,
    model_params,
    train_bundle,
)


def seeds_to_web(data: Path, config: dict) -> dict:
    """Train on the five seed reports only, test on the web paragraphs (other provinces)."""
    seed, web = load_labeled(data / "seed_paragraphs.jsonl"), load_labeled(data / "web_paragraphs.jsonl")
    labels = list(config["classify"]["labels"])
    params = model_params(config, 0, 5)
    use_lex = params["lexicon_weight"] > 0
    clf = FunctionClassifier(**params).fit(as_inputs(seed, config["match"]["lexicon"], use_lex),
                                           [e.labels for e in seed], groups=[e.group for e in seed], labels=labels)
    pred = clf.predict_matrix(as_inputs(web, config["match"]["lexicon"], use_lex))
    return metrics(label_matrix([e.labels for e in web], labels), pred, labels)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(HERE / "default"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    data = Path(args.data)
    config = load_config()
    started = time.perf_counter()
    s2w = seeds_to_web(data, config)
    extra = ("## Train on seeds -> test on web\n\n"
             "Trained on the 196 seed units (5 reports, 湖北/湖南), scored on the 109 web paragraphs "
             f"(37 reports, 15 regions): macro-F1 **{s2w['macro_f1']:.3f}**, per label "
             + ", ".join(f"{lab} {r['f1']:.3f}" for lab, r in s2w["per_label"].items()) + ".\n\n"
             "Rebuild: `.venv/bin/python models/train_default.py` (reads ../shared/data).")
    files = [str(data / "seed_paragraphs.jsonl"), str(data / "web_paragraphs.jsonl")]
    result = train_bundle(files, args.out, config, seed=args.seed, folds=5, card_extra=extra)
    cv = result["cv"]
    print(f"grouped CV macro-F1 {cv['macro_f1']:.3f}; seeds->web macro-F1 {s2w['macro_f1']:.3f}; "
          f"{time.perf_counter() - started:.1f}s -> {args.out}")
    for lab, r in cv["per_label"].items():
        print(f"  {lab}: P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f} (n={r['support']})")


if __name__ == "__main__":
    main()
