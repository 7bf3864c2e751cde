"""Golden records: every output format stays byte-identical to what the per-document pipeline wrote.

The digests in tests/data/golden/expected.json were made by ``tests/golden_cases.py`` with the code before
the batched path (one document at a time through match and classify). The batched, streaming path must give
the same bytes for every case, whatever the batch size and however many processes.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from golden_cases import CASES, EXPECTED, GOLDEN, SEEDS, digest, run_tag

EXPECTED_DIGESTS: dict[str, str] = json.loads(EXPECTED.read_text(encoding="utf-8"))


def _first_difference(out: Path) -> str:
    """The first changed line against the kept expected records, to say what broke."""
    want = (GOLDEN / "reports.expected.jsonl").read_text(encoding="utf-8").splitlines()
    got = out.read_text(encoding="utf-8").splitlines()
    diff = list(difflib.unified_diff(want, got, "expected", "got", n=0, lineterm=""))
    return "\n".join(line[:400] for line in diff[:6])


def _check(name: str, fmt: str, out: Path) -> None:
    got = digest(out, fmt)
    if got != EXPECTED_DIGESTS[f"{name}.{fmt}"]:
        detail = _first_difference(out) if name == "reports" and fmt == "jsonl" else ""
        pytest.fail(f"{name}.{fmt} differs from the golden records\n{detail}")


def _skip_without_seeds(inputs: list[str]) -> None:
    if "seeds" in inputs and not SEEDS.is_dir():
        pytest.skip("real reports not available (../shared absent)")


@pytest.mark.parametrize(("name", "fmt"), [(n, f) for n, (_, _, fmts) in CASES.items() for f in fmts])
def test_output_is_byte_identical(tmp_path: Path, name: str, fmt: str) -> None:
    inputs, options, _ = CASES[name]
    _skip_without_seeds(inputs)
    out = tmp_path / f"{name}.{fmt}"
    done = run_tag(inputs, options, out)
    assert done.returncode == 0, done.stderr
    _check(name, fmt, out)
