"""Bad, odd and hostile inputs through the CLI: one clear line, the right exit code, no partial output.

Every case runs ``policytag.cli.main`` in this process (as the ``policytag``
script does), so exit codes and messages are exactly what a user sees; a few
run the real ``policytag`` script in a subprocess.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from policytag.cli import main
from policytag.resources import data_dir

POLICYTAG = str(Path(sys.executable).with_name("policytag"))
REPORT = ("东岭县人大常委会工作报告\n一、监督工作\n常委会开展执法检查，听取审议专项工作报告。\n"
          "二、立法工作\n审议通过条例草案，开展立法调研。\n三、代表工作\n深入推进双联工作。\n")
# Paragraphs of REPORT the tagger must find, with a label and a term each.
EXPECTED = [("常委会开展执法检查，听取审议专项工作报告。", "监督", "执法检查"),
            ("审议通过条例草案，开展立法调研。", "立法", "立法调研")]


def run_cli(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    """``policytag ARGS`` in this process: (exit code, stdout, stderr)."""
    runner = CliRunner()
    code = None
    with runner.isolation(input=stdin) as (out, err, _):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8")


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def leftovers(folder: Path) -> list[str]:
    """Temporary or partial files a run must not leave behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".part")


def assert_clean_stderr(stderr: str) -> None:
    """No traceback, and every line is one of ours."""
    assert "Traceback" not in stderr
    for line in stderr.splitlines():
        assert line.startswith(("policytag:", "Usage:", "Try ", "Error:", "")), line


# ----------------------------------------------------------------------------- inputs
def _docx_bytes(text: str) -> bytes:
    from docx import Document

    doc = Document()
    for line in text.splitlines():
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _pdf(path: Path, password: str | None) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)  # a page with no text layer, like a scan
    if password:
        writer.encrypt(password)
    with open(path, "wb") as fh:
        writer.write(fh)


def _long_line() -> bytes:
    unit = ("一、监督工作。常委会开展执法检查，听取审议专项工作报告。二、立法工作。审议通过条例草案，开展立法调研。"
            "三、代表工作。深入推进双联工作，落实代表票决制。")
    return (unit * (10_000_000 // len(unit.encode("utf-8")) + 1)).encode("utf-8")


@dataclass
class Case:
    name: str
    make: Callable[[Path], None]  # writes the input file(s) into the folder
    message: str  # regex the error line must match (empty: no error)
    code: int


def _write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda d: (d / name).write_bytes(data)


BAD_INPUTS = [
    Case("empty", _write("empty.txt", b""), r"empty\.txt: empty file", 1),
    Case("whitespace", _write("blank.txt", b" \n\t\r\n\xe3\x80\x80\n"), r"blank\.txt: empty", 1),
    Case("binary", _write("data.txt", bytes(range(256)) * 64), r"data\.txt: looks like binary data", 1),
    Case("truncated-docx", lambda d: (d / "cut.docx").write_bytes(_docx_bytes(REPORT)[:3000]),
         r"cut\.docx: not a readable \.docx", 1),
    Case("encrypted-pdf", lambda d: _pdf(d / "locked.pdf", "secret"), r"locked\.pdf: encrypted PDF", 1),
    Case("image-pdf", lambda d: _pdf(d / "scan.pdf", None), r"scan\.pdf: PDF has no text layer", 1),
    Case("html-no-body", _write("menu.html", "<html><head><title>报告</title><script>var a=1;</script></head>"
                                            "<body><nav>首页 | 新闻</nav></body></html>".encode()),
         r"menu\.html: HTML page has no body text", 1),
    Case("missing", lambda d: None, r"gone\.txt: cannot read: No such file", 1),
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda c: c.name)
def test_bad_input_is_one_line_and_the_good_ones_are_still_tagged(case: Case, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text(REPORT, encoding="utf-8")
    case.make(src)
    bad = [p for p in src.iterdir() if p.name != "good.txt"]
    inputs = [str(p) for p in bad] or [str(src / "gone.txt")]
    out = tmp_path / "out" / "tagged.jsonl"
    code, stdout, stderr = run_cli("tag", str(src / "good.txt"), *inputs, "-o", str(out))
    assert code == case.code
    assert_clean_stderr(stderr)
    errors = [line for line in stderr.splitlines() if line.startswith("policytag: skipped")]
    assert len(errors) == 1 and re.search(case.message, errors[0]), stderr
    assert "1 failed" in stderr.splitlines()[-1]
    rows = records(out)
    assert {r["path"] for r in rows} == {str(src / "good.txt")}
    assert leftovers(out.parent) == []


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "utf-16", "utf-8-sig"])
def test_readable_but_odd_encodings_are_tagged_like_utf8(codec: str, tmp_path: Path) -> None:
    text = REPORT if codec != "gb18030" else REPORT.replace("东岭县", "东岭县䶮")  # 䶮 is not in GBK
    path = tmp_path / f"report-{codec}.txt"
    path.write_bytes(text.encode(codec))  # Python's utf-16 codec writes a BOM
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(path), "-o", str(out))
    assert code == 0, stderr
    rows = records(out)
    by_text = {r["text"]: r for r in rows}
    for paragraph, label, term in EXPECTED:
        assert label in by_text[paragraph]["labels"]
        assert term in [t["canonical"] for t in by_text[paragraph]["terms"]]
    assert rows[0]["text"] == text.splitlines()[0]
    for r in rows:  # offsets index the decoded text
        assert text.removeprefix("\ufeff")[r["start"]:r["end"]] == r["text"]


def test_ten_megabytes_without_line_breaks_are_cut_at_numbered_items(tmp_path: Path) -> None:
    data = _long_line()
    assert len(data) >= 10_000_000 and b"\n" not in data
    path = tmp_path / "oneline.txt"
    path.write_bytes(data)
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(path), "-o", str(out))
    assert code == 0, stderr
    rows = records(out)
    assert len(rows) == 3 * (len(data) // len(_long_line()[:225]))  # three items per repetition
    text = data.decode("utf-8")
    first, second, third = rows[:3]
    assert first["text"] == "一、监督工作。常委会开展执法检查，听取审议专项工作报告。" and "监督" in first["labels"]
    assert "立法调研" in [t["canonical"] for t in second["terms"]] and "立法" in second["labels"]
    assert "代表工作" in third["labels"]
    for r in rows[:50] + rows[-50:]:
        assert text[r["start"]:r["end"]] == r["text"]
        for t in r["terms"]:
            assert text[t["start"]:t["end"]] == t["term"]
    assert rows[-1]["end"] == len(text)


def test_a_folder_with_one_bad_file_among_many(tmp_path: Path) -> None:
    src = tmp_path / "reports"
    src.mkdir()
    for i in range(6):
        (src / f"r{i}.txt").write_text(REPORT.replace("东岭县", f"第{i}县"), encoding="utf-8")
    (src / "r3b.txt").write_bytes(b"\x00\x01\x02\xff" * 500)
    out = tmp_path / "out.csv"
    result = subprocess.run([POLICYTAG, "tag", str(src), "-o", str(out)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1
    assert_clean_stderr(result.stderr)
    assert re.search(r"skipped .*r3b\.txt: looks like binary data", result.stderr)
    assert "7 file(s), 42 paragraph(s), 1 failed" in result.stderr
    import pandas as pd

    table = pd.read_csv(out, encoding="utf-8-sig")
    assert sorted(set(table["path"])) == [str(src / f"r{i}.txt") for i in range(6)]


# ----------------------------------------------------------------------------- pre-cut input
def test_jsonl_with_one_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "paras.jsonl"
    lines = [json.dumps({"text": "常委会开展执法检查。"}, ensure_ascii=False), '{"text": "审议', "",
             json.dumps({"text": "审议通过条例草案。"}, ensure_ascii=False)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(path), "--input-format", "jsonl", "-o", str(out))
    assert code == 1
    assert_clean_stderr(stderr)
    assert re.search(r"skipped .*paras\.jsonl:2: not valid JSON", stderr)
    assert [r["text"] for r in records(out)] == ["常委会开展执法检查。", "审议通过条例草案。"]


def test_csv_without_the_text_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,body\n1,常委会开展执法检查。\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("id,text\n1,常委会开展执法检查。\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(bad), str(good), "--input-format", "csv", "-o", str(out))
    assert code == 1
    assert re.search(r"skipped .*bad\.csv: no 'text' column \(columns found: id, body\); use --text-field", stderr)
    assert [r["text"] for r in records(out)] == ["常委会开展执法检查。"]


# One row that Python's JSON reader takes but no output can hold, or that it cannot read at all.
HOSTILE_ROWS = [
    ('{"text": "\\ud800 孤立的代理项"}', r"unpaired surrogate"),
    ('{"text": "审议条例。", "id": 123456789012345678901234567890}', r"number is too large \(more than 64 bits\)"),
    ('{"text": "x", "n": ' + "[" * 100_000 + "]" * 100_000 + "}", r"JSON nested too deeply"),
    ('{"text": "x", "n": ' + "[" * 300 + "]" * 300 + "}", r"JSON nested too deeply"),
]


@pytest.mark.parametrize("row, message", HOSTILE_ROWS, ids=["surrogate", "huge-int", "deep-100k", "deep-300"])
def test_one_hostile_jsonl_row_is_one_skipped_row(row: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "paras.jsonl"
    good = [json.dumps({"text": t}, ensure_ascii=False) for t in ("常委会开展执法检查。", "审议通过条例草案。")]
    path.write_text("\n".join([good[0], row, good[1]]) + "\n", encoding="utf-8")
    for out in (tmp_path / "out.jsonl", tmp_path / "out.csv"):
        code, _, stderr = run_cli("tag", str(path), "--input-format", "jsonl", "-o", str(out))
        assert code == 1, stderr
        assert_clean_stderr(stderr)
        assert re.search(rf"skipped .*paras\.jsonl:2: .*{message}", stderr), stderr
    assert [r["text"] for r in records(tmp_path / "out.jsonl")] == ["常委会开展执法检查。", "审议通过条例草案。"]
    tagged = records(tmp_path / "out.jsonl")
    lines = [json.dumps(tagged[0], ensure_ascii=False), row, json.dumps(tagged[1], ensure_ascii=False)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")  # the same row in a tagged file
    code, stdout, stderr = run_cli("stats", str(path))
    assert code == 1 and re.search(r"skipped .*paras\.jsonl:2: bad JSON line", stderr), stderr
    assert "监督" in stdout


def test_csv_quote_that_never_closes_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "paras.csv"
    path.write_text('id,text\n1,常委会开展执法检查。\n2,"审议通过条例草案\n3,开展立法调研。\n4,听取审议报告。\n'
                    '5,审议代表议案。\n6,听取专项工作报告。\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(path), "--input-format", "csv", "-o", str(out))
    assert code == 1
    assert_clean_stderr(stderr)
    assert re.search(r"skipped .*paras\.csv:3: unclosed quote: the cell opened on this line runs to the end of "
                     r"the file \(line 7\)", stderr), stderr
    assert [r["text"] for r in records(out)] == ["常委会开展执法检查。"]
    path.write_text('id,text\n1,常委会开展执法检查。\n2,"多行的\n正常单元格"\n', encoding="utf-8")  # closed: fine
    assert run_cli("tag", str(path), "--input-format", "csv", "-o", str(out))[0] == 0
    assert [r["text"] for r in records(out)] == ["常委会开展执法检查。", "多行的\n正常单元格"]


# ----------------------------------------------------------------------------- configuration errors (exit 2)
def _train_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_training_data_with_an_unknown_label(tmp_path: Path) -> None:
    data = _train_rows(tmp_path / "train.jsonl", [
        {"text": "常委会开展执法检查。", "labels": ["监督"], "report": "a"},
        {"text": "审议通过条例草案。", "labels": ["立发"], "report": "b"},
    ])
    model = tmp_path / "model"
    code, _, stderr = run_cli("train", str(data), "-o", str(model), "--labels", "监督,立法")
    assert code == 2
    assert stderr.strip() == f"policytag: error: {data}:2: unknown label '立发' (expected one of 监督, 立法)"
    assert not model.exists() and leftovers(tmp_path) == []


def test_training_data_without_labels(tmp_path: Path) -> None:
    data = _train_rows(tmp_path / "train.jsonl", [{"text": "常委会开展执法检查。", "report": "a"}])
    code, _, stderr = run_cli("train", str(data), "-o", str(tmp_path / "model"))
    assert code == 2
    assert re.fullmatch(rf"policytag: error: {re.escape(str(data))}: no labels: .*\n", stderr)
    assert not (tmp_path / "model").exists()


LEXICON = """\
- term: 执法检查
  category: 监督
  definition: 检查法律实施情况
- term: 执法检查
  category: 监督
  definition: 重复的条目
- term: 专题询问
  category: 监督
  variants: [执法检查]
  definition: 询问
"""


def test_lexicon_with_duplicate_and_clashing_entries(tmp_path: Path) -> None:
    lex = tmp_path / "terms.yaml"
    lex.write_text(LEXICON, encoding="utf-8")
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(report), "--lexicon", str(lex), "-o", str(out))
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1
    first = rf"policytag: error: {re.escape(str(lex))}:4: duplicate term '执法检查' \(first at line 1\)"
    assert re.match(first, stderr)
    assert not out.exists() and leftovers(tmp_path) == []
    code, stdout, _ = run_cli("lexicon", "check", str(lex))
    assert code == 2
    assert f"{lex}:4: duplicate term" in stdout and f"{lex}:7: variant '执法检查' is also claimed" in stdout


@pytest.mark.parametrize("damage", ["missing", "empty-folder", "bad-json", "truncated-weights", "edited-weights"])
def test_missing_or_corrupt_model(damage: str, tmp_path: Path) -> None:
    import shutil

    model = tmp_path / "model"
    if damage != "missing":
        shutil.copytree(data_dir("models") / "default", model)
    if damage == "empty-folder":
        for p in model.iterdir():
            p.unlink()
    elif damage == "bad-json":
        (model / "model.json").write_text('{"format_version": 1, "labels": [', encoding="utf-8")
    elif damage == "truncated-weights":
        data = (model / "weights.npz").read_bytes()
        (model / "weights.npz").write_bytes(data[: len(data) // 2])
    elif damage == "edited-weights":
        with np.load(model / "weights.npz") as npz:
            arrays = {k: npz[k] for k in npz.files}
        arrays["intercept"] = arrays["intercept"] + np.float32(1)
        np.savez(model / "weights.npz", **arrays)
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(report), "--model", str(model), "-o", str(out))
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("policytag: error: ")
    assert str(model) in stderr
    assert not out.exists() and leftovers(tmp_path) == []


class _Payload:
    """Unpickling this runs ``touch MARKER``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return os.system, (f"touch {self.marker}",)


def _crafted_models(tmp_path: Path, marker: Path) -> dict[str, Path]:
    """Model folders whose loading would run the payload if anything were unpickled."""
    import pickle
    import shutil

    models = {}
    obj = np.empty(1, dtype=object)
    obj[0] = _Payload(marker)
    pickled_npz = tmp_path / "pickled-npz"
    shutil.copytree(data_dir("models") / "default", pickled_npz)
    np.savez(pickled_npz / "weights.npz", rows=obj, values=obj, intercept=obj)
    models["pickled-npz"] = pickled_npz
    # a scikit-learn style model: a pickle (and a joblib file) instead of model.json + weights.npz
    sklearn_style = tmp_path / "sklearn-style"
    sklearn_style.mkdir()
    for name in ("model.pkl", "model.joblib", "weights.npz"):
        (sklearn_style / name).write_bytes(pickle.dumps(_Payload(marker)))
    (sklearn_style / "model.json").write_text('{"format_version": 1}', encoding="utf-8")
    models["pickle-files"] = sklearn_style
    # a raw .npy pickle inside the npz under the expected names
    npy = tmp_path / "npy-pickle"
    shutil.copytree(data_dir("models") / "default", npy)
    buf = io.BytesIO()
    np.save(buf, obj, allow_pickle=True)
    import zipfile

    with zipfile.ZipFile(npy / "weights.npz", "w") as zf:
        for name in ("rows", "values", "intercept"):
            zf.writestr(f"{name}.npy", buf.getvalue())
    models["npy-pickle"] = npy
    return models


@pytest.mark.parametrize("command", ["tag", "evaluate", "suggest"])
def test_a_crafted_model_runs_nothing(command: str, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    gold = _train_rows(tmp_path / "gold.jsonl", [{"text": "常委会开展执法检查。", "labels": ["监督"]}])
    for kind, model in _crafted_models(tmp_path, marker).items():
        args = {"tag": ["tag", str(report), "-o", str(tmp_path / "out.jsonl")],
                "evaluate": ["evaluate", str(gold)],
                "suggest": ["suggest", str(report), "-o", str(tmp_path / "s.jsonl")]}[command]
        code, _, stderr = run_cli(*args, "--model", str(model))
        assert code == 2, (kind, stderr)
        assert_clean_stderr(stderr)
        assert stderr.startswith("policytag: error: ") and str(model) in stderr, (kind, stderr)
        assert not marker.exists(), f"{kind}: loading the model ran code"
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "s.jsonl").exists()


def test_the_payload_does_work_when_unpickled(tmp_path: Path) -> None:
    """The crafted models above are real threats: plain pickle would run them."""
    import pickle

    marker = tmp_path / "PWNED"
    pickle.loads(pickle.dumps(_Payload(marker)))  # noqa: S301 - this is the point
    assert marker.exists()


# ----------------------------------------------------------------------------- exit codes, tracebacks
def test_usage_errors_exit_2_for_every_command() -> None:
    from policytag.cli import COMMANDS

    for name in COMMANDS:
        code, _, stderr = run_cli(name, "--no-such-option")
        assert code == 2, name
        assert "No such option" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("args", [
    ["segment", "{missing}"], ["tag", "{missing}"], ["indicators", "{missing}"],
    ["lexicon", "kwic", "双联", "{missing}"], ["stats", "{missing}"],
])
def test_a_missing_input_exits_1_naming_it(args: list[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.txt")
    code, _, stderr = run_cli(*[a.replace("{missing}", missing) for a in args])
    assert code == 1
    assert_clean_stderr(stderr)
    assert f"skipped {missing}" in stderr


@pytest.mark.parametrize("command", ["stats", "report"])
def test_no_tagged_files_is_a_usage_error(command: str, tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    code, _, stderr = run_cli(command, str(tmp_path), "-o", str(tmp_path / "x.csv"))
    assert code == 2 and "no tagged files" in stderr


def test_unexpected_errors_are_one_line_unless_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import policytag.cli.tag as tag_cli

    def boom(config: dict) -> list[str]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tag_cli, "_labels", boom)
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    code, _, stderr = run_cli("tag", str(report), "-o", str(tmp_path / "o.jsonl"))
    assert code == 2
    assert stderr == "policytag: internal error: RuntimeError: disk on fire (run with --debug for details)\n"
    code, _, stderr = run_cli("--debug", "tag", str(report), "-o", str(tmp_path / "o.jsonl"))
    assert code == 2 and "Traceback" in stderr and "disk on fire" in stderr
    assert leftovers(tmp_path) == [] and not (tmp_path / "o.jsonl").exists()


def test_a_failure_while_writing_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records are streamed, then something breaks: neither OUT nor a temporary file remains."""
    import policytag.write as write

    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    out = tmp_path / "out.csv"
    out.write_text("old contents\n", encoding="utf-8")
    real = write.RecordWriter.write

    def failing(self: write.RecordWriter, record: dict) -> None:
        if self.count == 3:
            raise OSError(28, "No space left on device")
        real(self, record)

    monkeypatch.setattr(write.RecordWriter, "write", failing)
    code, _, stderr = run_cli("tag", str(report), "-o", str(out))
    assert code == 2 and "No space left on device" in stderr
    assert out.read_text(encoding="utf-8") == "old contents\n"  # the old output is untouched
    assert [p for p in leftovers(tmp_path) if ".partial." not in p] == []


def test_binary_stdin_through_the_real_script() -> None:
    result = subprocess.run([POLICYTAG, "tag", "-"], input=bytes(range(256)) * 64, capture_output=True,
                            timeout=300)
    assert result.returncode == 1
    stderr = result.stderr.decode("utf-8")
    assert_clean_stderr(stderr)
    assert stderr.splitlines()[0].startswith("policytag: skipped -: looks like binary data")
    assert result.stdout == b""


# ----------------------------------------------------------------------------- what folders hold
def test_files_no_reader_takes_are_listed_by_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "reports"
    (src / "old").mkdir(parents=True)
    (src / "a.txt").write_text(REPORT, encoding="utf-8")
    for name in ("b.xls", "old/c.XLS", "d.key", "README", ".DS_Store", "~$a.docx"):
        (src / name).write_bytes(b"\xd0\xcf\x11\xe0 not read")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(src), "-o", str(out))
    assert code == 0, stderr
    assert_clean_stderr(stderr)
    notes = [line for line in stderr.splitlines() if "unsupported types" in line]
    assert notes == [f"policytag: note: skipped 4 file(s) of unsupported types: .xls ×2, (no extension) ×1, .key ×1 "
                     f"({src}/README, {src}/b.xls, {src}/d.key, {src}/old/c.XLS)"]
    # the list follows the readers' table: a reader for .xls would take them, and the note no longer names them
    # (.doc and .wps have readers now: tests/test_office.py)
    import policytag.read as read

    monkeypatch.setattr(read, "SUPPORTED", read.SUPPORTED | {".xls"})
    code, _, stderr = run_cli("tag", str(src), "-o", str(out))
    assert "unsupported types: (no extension) ×1, .key ×1" in stderr
    assert {Path(r["path"]).name for r in records(out)} >= {"a.txt"}


def test_links_in_a_folder_are_followed_only_inside_it(tmp_path: Path) -> None:
    outside = tmp_path / "private.txt"
    outside.write_text(REPORT.replace("东岭县", "西山县"), encoding="utf-8")
    src = tmp_path / "reports"
    src.mkdir()
    (src / "a.txt").write_text(REPORT, encoding="utf-8")
    os.symlink(src / "a.txt", src / "inside.txt")
    os.symlink(outside, src / "escape.txt")
    os.symlink(src / "gone.txt", src / "dangling.txt")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(src), "-o", str(out))
    assert code == 0, stderr
    assert {Path(r["path"]).name for r in records(out)} == {"a.txt", "inside.txt"}
    assert f"policytag: note: skipped {src}/dangling.txt: dangling link" in stderr
    assert (f"policytag: note: skipped {src}/escape.txt: link to {outside}, outside {src} (--follow-links "
            "follows it)") in stderr
    code, _, stderr = run_cli("tag", str(src), "-o", str(out), "--follow-links")
    assert {Path(r["path"]).name for r in records(out)} == {"a.txt", "inside.txt", "escape.txt"}
    assert "dangling.txt: dangling link" in stderr and "escape.txt" not in stderr


def test_file_names_with_control_characters_are_printed_escaped(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(REPORT, encoding="utf-8")
    (src / "evil\x1b[2J\nfake line.txt").write_bytes(b"")
    (src / "b\x07.xls").write_bytes(b"x")
    code, _, stderr = run_cli("tag", str(src), "-o", str(tmp_path / "out.jsonl"))
    assert code == 1
    assert "\x1b" not in stderr and "\x07" not in stderr
    assert "skipped " + str(src) + "/evil\\x1b[2J\\nfake line.txt: empty file" in stderr
    assert "b\\x07.xls" in stderr
    assert_clean_stderr(stderr)


# ----------------------------------------------------------------------------- Excel's limits
def test_xlsx_cell_longer_than_excel_allows_continues_in_the_next_column(tmp_path: Path) -> None:
    long = "常委会开展执法检查，听取审议专项工作报告。" * 2000  # 42,000 characters
    path = tmp_path / "p.jsonl"
    row = {"text": "审议通过条例草案。", "note": long}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "t.xlsx"
    code, _, stderr = run_cli("tag", str(path), "--input-format", "jsonl", "-o", str(out))
    assert code == 0, stderr
    assert re.search(r"note: .*t\.xlsx: 1 cell\(s\) longer than Excel's 32,767 characters continue in the next "
                     r"column\(s\) \(note ×1\); nothing was cut", stderr), stderr
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[header.index("note") + 1] == "note (2)"
    assert all(len(str(c.value or "")) <= 32_767 for row in sheet.iter_rows() for c in row)
    from policytag.stats import load_tagged
    from policytag.write import read_spreadsheet

    assert read_spreadsheet(out, dtype=str)["note"][0] == long
    assert len(load_tagged([str(out)])) == 1


def test_xlsx_rows_beyond_a_sheet_continue_on_the_next_sheet(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import policytag.write as write

    monkeypatch.setattr(write, "XLSX_MAX_ROWS", 4)  # a header and 3 rows; Excel's is 1,048,576
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps({"text": f"第{i}次执法检查。"}, ensure_ascii=False) + "\n" for i in range(7)),
                    encoding="utf-8")
    out = tmp_path / "t.xlsx"
    code, _, stderr = run_cli("tag", str(path), "--input-format", "jsonl", "-o", str(out))
    assert code == 0, stderr
    assert ("more rows than an Excel sheet holds (4); the rest continue on sheet(s) paragraphs (2), paragraphs (3)"
            in stderr)
    from openpyxl import load_workbook

    assert [s.max_row for s in load_workbook(out).worksheets if s.title.startswith("paragraphs")] == [4, 4, 2]
    from policytag.stats import load_tagged

    assert list(load_tagged([str(out)])["text"]) == [f"第{i}次执法检查。" for i in range(7)]


# ----------------------------------------------------------------------------- outputs that cannot be written
def _in_own_mount(options: str, folder: Path, command: str) -> subprocess.CompletedProcess:
    """Run ``command`` (shell) where ``folder`` is a fresh tmpfs mounted with ``options``, seen by it alone.

    A user and mount namespace (``unshare -rm``) makes this work without privileges and leaves nothing mounted.
    """
    import shlex
    import shutil

    if not shutil.which("unshare"):
        pytest.skip("unshare is not installed")
    folder.mkdir(exist_ok=True)
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no user namespaces here: {probe.stderr.decode(errors='replace').strip()}")
    script = f"mount -t tmpfs -o {options} tmpfs {shlex.quote(str(folder))} && {command}"
    return subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_disk_full_is_one_line_naming_the_output(fmt: str, tmp_path: Path) -> None:
    src = tmp_path / "reports"
    src.mkdir()
    for i in range(20):
        (src / f"r{i}.txt").write_text(REPORT * 40, encoding="utf-8")
    out = tmp_path / "full" / f"out.{fmt}"
    result = _in_own_mount("size=64k", out.parent, f"{POLICYTAG} tag {src} -o {out}")
    assert result.returncode == 2, result.stderr
    assert_clean_stderr(result.stderr)
    assert f"policytag: error: {out}: cannot write: No space left on device (errno 28: the disk is full)" in \
        result.stderr.splitlines()


def test_read_only_folder_is_one_line_naming_the_output(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(REPORT, encoding="utf-8")
    ro = tmp_path / "ro"
    commands = [f"{POLICYTAG} tag {tmp_path / 'a.txt'} -o {ro / 'out.jsonl'}",
                f"{POLICYTAG} segment {tmp_path / 'a.txt'} -o {ro / 'out.jsonl'}",
                f"{POLICYTAG} indicators {tmp_path / 'a.txt'} -o {ro / 'out.csv'}"]
    result = _in_own_mount("ro", ro, "; ".join(f"{c}; echo rc=$?" for c in commands))
    assert result.stdout.split() == ["rc=2"] * 3, result.stderr
    assert_clean_stderr(result.stderr)
    lines = result.stderr.splitlines()
    assert [line for line in lines if "error" in line] == [
        f"policytag: error: {ro / name}: cannot write: Read-only file system (errno 30: the folder is on a "
        "read-only file system)" for name in ("out.jsonl", "out.jsonl", "out.csv")]


def test_standard_output_on_a_full_disk(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(REPORT * 200, encoding="utf-8")
    with open("/dev/full", "w") as full:
        result = subprocess.run([POLICYTAG, "tag", str(tmp_path / "a.txt")], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=300)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == ("policytag: error: standard output: cannot write: No space left on "
                                              "device (errno 28: the disk is full)")


BAD_CONFIGS = [
    ('[segment]\nunit = "word"\n', "segment.unit = 'word': expected one of paragraph, sentence"),
    ("[segment]\nmin_chars = -5\n", "segment.min_chars = -5: expected at least 0"),
    ("[output]\njobs = -1\n", "output.jobs = -1: expected at least 1"),
    ('[output]\njobs = "many"\n', "output.jobs = 'many': expected a whole number"),
    ("[classify]\nmodel = 5\n", "classify.model = 5: expected text"),
    ('[read]\ndefault_encoding = "klingon"\n', "read.default_encoding = 'klingon': unknown encoding"),
    ("[read]\nhalfwidth = 1\n", "read.halfwidth = 1: expected true or false"),
    ("[read]\nmax_document_mb = 0\n", "read.max_document_mb = 0: expected at least 1"),
    ("[read]\nmax_document_mb = 0.5\n", "read.max_document_mb = 0.5: expected a whole number"),
    ("[segment]\nmax_paragraph_chars = -1\n", "segment.max_paragraph_chars = -1: expected at least 0"),
    ('[read]\nopencc = "简繁"\n'.encode("gbk"),
     "config file is not UTF-8 (first bad byte at offset 17); save it as UTF-8"),
]


@pytest.mark.parametrize("text, message", BAD_CONFIGS, ids=[m.split(":")[0] for _, m in BAD_CONFIGS])
def test_config_values_are_checked_at_load_naming_key_and_value(text: str | bytes, message: str,
                                                                 tmp_path: Path) -> None:
    config = tmp_path / "my.toml"
    config.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    (tmp_path / "a.txt").write_text(REPORT, encoding="utf-8")
    code, _, stderr = run_cli("--config", str(config), "tag", str(tmp_path / "a.txt"), "-o", str(tmp_path / "o.jsonl"))
    assert code == 2
    assert stderr.splitlines() == [f"policytag: error: {config}: {message}"]
    assert not (tmp_path / "o.jsonl").exists()


def test_library_warnings_never_reach_the_user_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    code, _, stderr = run_cli("report", str(empty), "-o", str(tmp_path / "r.html"))  # matplotlib: empty legend
    assert code == 0
    assert "Warning" not in stderr and "legend" not in stderr, stderr
    import policytag.stats as stats

    real = stats.compute_stats

    def warns(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        warnings.warn("something the user should know\nsecond line", UserWarning, stacklevel=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(stats, "compute_stats", warns)
    code, _, stderr = run_cli("stats", str(empty))
    assert "policytag: note: something the user should know" in stderr.splitlines()
    assert "UserWarning" not in stderr and "second line" not in stderr


# ----------------------------------------------------------------------------- every input kind to every format
def _inputs(folder: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Input kind -> (tag arguments, texts expected in the output)."""
    folder.mkdir()
    (folder / "r.txt").write_text(REPORT, encoding="utf-8")
    rows = [{"text": "常委会开展执法检查。"}, {"text": "审议通过条例草案。", "id": "b7", "meta": {}},
            {"text": "开展立法调研。", "id": 3, "doc": "甲", "extra": {"nested": [1, "二"]}, "empty": {}}]
    (folder / "p.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                    encoding="utf-8")
    (folder / "p.csv").write_text("id,text,year\n1,常委会开展执法检查。,2020\nx,审议通过条例草案。,\n",
                                  encoding="utf-8")
    return {"report": ([str(folder / "r.txt")], [p for p, _, _ in EXPECTED]),
            "jsonl-mixed": ([str(folder / "p.jsonl"), "--input-format", "jsonl"], [r["text"] for r in rows]),
            "csv": ([str(folder / "p.csv"), "--input-format", "csv"], ["常委会开展执法检查。", "审议通过条例草案。"])}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx", "parquet"])
def test_every_input_kind_round_trips_to_every_format(fmt: str, tmp_path: Path) -> None:
    from policytag.stats import load_tagged

    for kind, (args, texts) in _inputs(tmp_path / "in").items():
        out = tmp_path / f"{kind}.{fmt}"
        code, _, stderr = run_cli("tag", *args, "-o", str(out))
        assert code == 0, f"{kind}: {stderr}"
        assert_clean_stderr(stderr)
        back = load_tagged([str(out)])
        assert set(texts) <= set(back["text"]), kind
