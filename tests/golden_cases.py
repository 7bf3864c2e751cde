"""Cases of the golden-record test (tests/test_golden.py) and how their outputs are reduced to digests.

``python tests/golden_cases.py`` writes tests/data/golden/expected.json from the code that runs it. It
was run with the per-document pipeline (main at 9bf4475, again at e53d1c9 for its retrained model, and e53d1c9's
code once more with the 2026-12c model: PYTHONPATH to an extracted tree holding the new models/default) so that
the batched path has to reproduce those exact bytes; rerun it only for an intended change of the output.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
EXPECTED = GOLDEN / "expected.json"
SEEDS = ROOT.parent / "shared" / "seeds"

REPORTS = ["examples/report.txt", "examples/reports", "tests/data/golden/tricky.txt", "tests/data/golden/lines.txt"]
LEXICONS = ["--lexicon", "+examples/dictionaries/minsheng.yml", "--lexicon", "examples/dictionaries/huanbao.dic"]

# name -> (inputs, options, output formats); inputs "seeds" = the real reports of ../shared (digest only)
CASES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "reports": (REPORTS, [], ["jsonl", "csv", "xlsx", "parquet"]),
    "sentences_tokens": (REPORTS, ["--unit", "sentence", "--tokens"], ["jsonl", "csv"]),
    "lexicons": (REPORTS, LEXICONS, ["jsonl", "csv"]),
    "precut": (["tests/data/golden/precut.jsonl"], ["--input-format", "jsonl"], ["jsonl", "csv", "parquet"]),
    "seeds": (["seeds"], [], ["jsonl", "csv", "parquet"]),
    "seeds_sentences": (["seeds"], ["--unit", "sentence", "--lexicon", "+examples/dictionaries/minsheng.yml"],
                        ["jsonl"]),
}


def inputs_of(inputs: list[str]) -> list[str]:
    return [str(SEEDS) if i == "seeds" else i for i in inputs]


def run_tag(inputs: list[str], options: list[str], out: Path, python: str = sys.executable,
            extra: list[str] | None = None) -> subprocess.CompletedProcess:
    cmd = [python, "-m", "policytag", *(extra or []), "tag", *inputs_of(inputs), *options, "-o", str(out)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _relative(value: Any) -> Any:
    """Absolute seed paths differ between checkouts: records keep them relative to ../shared."""
    if isinstance(value, str) and str(SEEDS) in value:
        return value.replace(str(SEEDS), "SEEDS")
    return value


def digest(path: Path, fmt: str) -> str:
    """A digest of what a user gets: the bytes (jsonl, csv), the cell values (xlsx), the table (parquet)."""
    if fmt in ("jsonl", "csv"):
        return _sha(path.read_text(encoding="utf-8").replace(str(SEEDS), "SEEDS").encode("utf-8"))
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        cells = {ws.title: [[_relative(c) for c in row] for row in ws.iter_rows(values_only=True)]
                 for ws in book.worksheets}
        return _sha(json.dumps(cells, ensure_ascii=False, default=str).encode("utf-8"))
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    rows = [{k: _relative(v) for k, v in row.items()} for row in table.to_pylist()]
    return _sha(json.dumps([str(table.schema), rows], ensure_ascii=False, default=str).encode("utf-8"))


def main() -> None:
    import tempfile

    expected: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (inputs, options, formats) in CASES.items():
            if "seeds" in inputs and not SEEDS.is_dir():
                continue
            for fmt in formats:
                out = Path(tmp) / f"{name}.{fmt}"
                done = run_tag(inputs, options, out)
                if done.returncode != 0:
                    sys.exit(f"{name} {fmt}: exit {done.returncode}\n{done.stderr}")
                expected[f"{name}.{fmt}"] = digest(out, fmt)
                if name == "reports" and fmt == "jsonl":  # kept whole, so a failure can show the first change
                    (GOLDEN / "reports.expected.jsonl").write_bytes(out.read_bytes())
    EXPECTED.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(expected)} digests -> {EXPECTED}")


if __name__ == "__main__":
    main()
