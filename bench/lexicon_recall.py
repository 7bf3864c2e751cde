"""Term recall of the lexicon on paragraphs the team did not curate it from (issue 16).

    .venv/bin/python bench/lexicon_recall.py [--lexicon FILE] [--data ../shared/data] [--misses]

The expected terms are tests/data/expert_terms.yaml (written before the lexicon was grown from
these paragraphs); the paragraphs stay in ../shared/data (north_ and south_paragraphs.jsonl).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from policytag.coverage import term_recall
from policytag.lexicon import load_lexicon
from policytag.match import Matcher

ROOT = Path(__file__).resolve().parents[1]


def load(data: Path, name: str) -> dict[str, str]:
    with open(data / f"{name}_paragraphs.jsonl", encoding="utf-8") as fh:
        return {r["id"]: r["text"] for r in map(json.loads, fh)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lexicon", default=None)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    expected = yaml.safe_load((ROOT / "tests" / "data" / "expert_terms.yaml").read_text(encoding="utf-8"))
    matcher = Matcher(load_lexicon(args.lexicon))
    for name in ("north", "south"):
        texts = load(Path(args.data), name)
        part = {k: v for k, v in expected.items() if k in texts}
        r = term_recall(texts, part, matcher)
        print(f"{name}: recall {r.recall:.3f} ({r.found}/{r.total} expected term occurrences)")
        for pid, phrase in r.absent:
            print(f"  not in the text (list error): {pid} {phrase}")
        if args.misses:
            for pid, phrase in r.misses:
                print(f"  miss {pid} {phrase}")


if __name__ == "__main__":
    main()
