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


def _config(tmp_path: Path, batch_size: int) -> str:
    path = tmp_path / "batch.toml"
    path.write_text(f"[output]\nbatch_size = {batch_size}\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("batch_size", [1, 7, 100_000])
@pytest.mark.parametrize("name", ["reports", "lexicons", "seeds"])
def test_batch_size_does_not_change_records(tmp_path: Path, name: str, batch_size: int) -> None:
    """Batches of 7 cut documents (and the paragraphs of one) in many places; one batch holds them all."""
    inputs, options, _ = CASES[name]
    _skip_without_seeds(inputs)
    out = tmp_path / f"{name}.jsonl"
    done = run_tag(inputs, options, out, extra=["--config", _config(tmp_path, batch_size)])
    assert done.returncode == 0, done.stderr
    _check(name, "jsonl", out)


def test_worker_processes_give_the_same_records(tmp_path: Path) -> None:
    inputs, options, _ = CASES["reports"]
    out = tmp_path / "reports.jsonl"
    done = run_tag(inputs, [*options, "--jobs", "2"], out)
    assert done.returncode == 0, done.stderr
    _check("reports", "jsonl", out)


def test_standard_output_gives_the_same_records(tmp_path: Path) -> None:
    import subprocess
    import sys

    from golden_cases import REPORTS, ROOT

    cfg = _config(tmp_path, 5)
    done = subprocess.run([sys.executable, "-m", "policytag", "--config", cfg, "tag", *REPORTS],
                          cwd=ROOT, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "stdout.jsonl"
    out.write_bytes(done.stdout)
    _check("reports", "jsonl", out)


def test_library_api_gives_the_same_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Tagger.tag_file`` and ``Tagger.pipe`` (one document at a time) give the records the CLI wrote."""
    import orjson
    from golden_cases import ROOT

    import policytag

    monkeypatch.chdir(ROOT)
    want: dict[str, list[bytes]] = {}
    for line in (GOLDEN / "reports.expected.jsonl").read_bytes().splitlines():
        want.setdefault(orjson.loads(line)["path"], []).append(line)
    tagger = policytag.load(output__batch_size=3)
    for path, lines in want.items():
        assert [orjson.dumps(r, option=orjson.OPT_SERIALIZE_NUMPY) for r in tagger.tag_file(path)] == lines, path
    for source, paragraphs in tagger.pipe(sorted(want)):
        assert [orjson.dumps(p.to_dict()) for p in paragraphs] == want[source], source
