"""The naive baseline: the script a user would write without policytag.

    .venv/bin/python bench/baseline.py CORPUS_DIR -o out.jsonl [--data ../shared/data] [--terms FILE]

jieba.lcut on every line, ``term in text`` for every term form the tagger matches, and a
scikit-learn TF-IDF (on the jieba words) + one-vs-rest LogisticRegression trained on the
labeled paragraphs of /work/shared/data. ``--terms FILE`` (one form a line) is the list
bench/run.py writes from policytag's own loaded lexicon, so both match the same terms
(``re:`` forms are searched with the ``regex`` module, as the tagger does); without it the
forms are read from lexicons/policy_terms.yaml. bench/run.py runs this file as a subprocess,
set-up included (imports, jieba's dictionary, training), paired with ``policytag tag``
runs in the same benchmark run, and takes its CPU seconds: what a user's script costs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LEXICON = ROOT / "lexicons" / "policy_terms.yaml"
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def load_terms(path: Path = LEXICON) -> list[str]:
    """Every canonical form and variant of the lexicon, as a plain list (``.txt``: one form a line)."""
    if path.suffix == ".txt":
        return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    terms = []
    for e in entries:
        terms.append(str(e["term"]))
        terms.extend(str(v) for v in e.get("variants") or [])
    return list(dict.fromkeys(terms))


def _space_split(text: str) -> list[str]:
    return text.split(" ")


class NaiveTagger:
    """jieba + substring lexicon + TF-IDF/LogisticRegression, the obvious way."""

    def __init__(self, data_dir: Path = DEFAULT_DATA, lexicon: Path = LEXICON) -> None:
        import jieba
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.preprocessing import MultiLabelBinarizer

        jieba.setLogLevel(60)
        jieba.initialize()  # build the dictionary now, so tagging time is tagging only
        self.jieba = jieba
        forms = load_terms(lexicon)
        self.terms = [t for t in forms if not t.startswith("re:")]
        import regex

        self.patterns = [(t, regex.compile(t[3:])) for t in forms if t.startswith("re:")]
        rows = [json.loads(line) for f in sorted(Path(data_dir).glob("*.jsonl"))
                for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not rows:
            raise FileNotFoundError(f"no labeled *.jsonl in {data_dir}")
        self.binarizer = MultiLabelBinarizer()
        y = self.binarizer.fit_transform([r["labels"] for r in rows])
        self.vectorizer = TfidfVectorizer(tokenizer=_space_split, token_pattern=None, lowercase=False)
        x = self.vectorizer.fit_transform([" ".join(jieba.lcut(r["text"])) for r in rows])
        self.model = OneVsRestClassifier(LogisticRegression(max_iter=1000)).fit(x, y)

    def tag_text(self, text: str, name: str) -> list[dict]:
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        words = [self.jieba.lcut(ln) for ln in lines]
        found = [[t for t in self.terms if t in ln] + [t for t, rx in self.patterns if rx.search(ln)]
                 for ln in lines]
        if not lines:
            return []
        probs = self.model.predict_proba(self.vectorizer.transform([" ".join(w) for w in words]))
        labels = list(self.binarizer.classes_)
        return [{"doc": name, "index": i, "text": ln, "terms": terms,
                 "labels": [lab for lab, p in zip(labels, row, strict=True) if p >= 0.5],
                 "scores": {lab: round(float(p), 4) for lab, p in zip(labels, row, strict=True)}}
                for i, (ln, terms, row) in enumerate(zip(lines, found, probs, strict=True))]

    def tag_files(self, files: list[Path], output: Path) -> int:
        n = 0
        with open(output, "w", encoding="utf-8") as out:
            for f in files:
                for rec in self.tag_text(f.read_text(encoding="utf-8"), f.name):
                    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    n += 1
        return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="folder of .txt reports")
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labeled paragraphs (*.jsonl)")
    ap.add_argument("--terms", type=Path, default=LEXICON, help="term forms: a .txt (one a line) or a lexicon .yaml")
    args = ap.parse_args()
    files = sorted(args.corpus.rglob("*.txt"))
    if not files:
        print(f"baseline: no .txt files in {args.corpus}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    tagger = NaiveTagger(args.data, args.terms)
    t1 = time.perf_counter()
    n = tagger.tag_files(files, args.output)
    t2 = time.perf_counter()
    mb = sum(f.stat().st_size for f in files) / 1e6
    print(f"baseline: {len(files)} files, {n} lines, setup {t1 - t0:.1f}s, {mb:.1f} MB in {t2 - t1:.1f}s "
          f"= {mb / (t2 - t1):.2f} MB/s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
