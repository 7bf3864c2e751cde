"""Writing outputs atomically: a reader never sees a half-written file.

Everything is written to a temporary file in the target folder and moved into
place with ``os.replace`` only when complete; on error or interruption the
temporary file is removed and an existing output is left untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from .compact import PathList, same_order

if TYPE_CHECKING:
    from .record import Paragraph

# errors that can only come from writing: said as "OUT: cannot write: ..." (OutputError, exit 2)
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; it replaces ``path`` on success.

    A folder that cannot be written, or a disk that fills up, is an ``OutputError``
    naming ``path``; ``path`` is then left as it was.
    """
    from .errors import OutputError, describe_os_error

    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise OutputError(describe_os_error(exc, target)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes 0600 files; give the output the permissions a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except OSError as exc:
        if exc.errno in _WRITE_ERRNOS:
            raise OutputError(describe_os_error(exc, target)) from None
        raise
    finally:
        tmp_path.unlink(missing_ok=True)


@contextlib.contextmanager
def open_output(path: str | Path | None, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """A text stream for ``path`` (atomic), or stdout when ``path`` is None or ``-``."""
    if path is None or str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_path(path) as tmp, open(tmp, "w", encoding=encoding, newline=newline) as fh:
        yield fh


def dumps(record: dict[str, Any]) -> str:
    """One compact JSON line, real UTF-8 (no \\uXXXX escapes).

    orjson writes the same text as ``json.dumps(ensure_ascii=False, separators=(",", ":"))``
    several times faster; encoding is a quarter of the tag path otherwise.
    """
    return orjson.dumps(record, option=orjson.OPT_SERIALIZE_NUMPY).decode("utf-8")


def encode(records: Iterable[dict[str, Any]]) -> bytes:
    """Records as JSON lines, each ending in a newline: one block of bytes (as ``dumps``).

    Tagged documents travel and are stored as such blocks: a worker sends one
    back to the parent, which appends it to the checkpoint as it is.
    """
    option = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE
    return b"".join(orjson.dumps(record, option=option) for record in records)


def encode_paragraphs(paragraphs: Iterable[Paragraph]) -> bytes:
    """``encode(p.to_dict() for p in paragraphs)``, byte for byte, in less CPU.

    The stream writes every tagged paragraph through here. ``to_dict`` copies what
    a caller may change (``meta``, ``section``, ``labels``) and rounds scores one by
    one; here nothing is copied (the record is encoded at once), a document's
    ``meta`` is encoded once and spliced in (``orjson.Fragment``), and the batch's
    scores are rounded together. Pre-cut input's ``extra`` fields and ``tokens`` take
    the ``to_dict`` path.
    """
    from .record import term_dicts  # here: importing write alone does not load numpy

    ps = list(paragraphs)
    if any(p.extra or p.tokens is not None for p in ps):
        return encode(p.to_dict() for p in ps)
    scores = iter(_round4(list(chain.from_iterable(p.scores.values() for p in ps))))
    option = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE
    lines = []  # one join at the end: cheaper than growing a bytearray line by line (it copies as it grows)
    meta: Any = None
    meta_json: orjson.Fragment | None = None
    for p in ps:
        if meta_json is None or p.meta is not meta:  # a document's paragraphs share one meta dict
            meta = p.meta
            meta_json = orjson.Fragment(orjson.dumps(dict(meta), option=orjson.OPT_SERIALIZE_NUMPY))
        start, end = p.body.span()
        rounded = dict(zip(p.scores, islice(scores, len(p.scores)), strict=False))
        lines.append(orjson.dumps({
            "doc_id": p.doc_id, "path": p.path, "index": p.index, "text": p.body.text, "start": start, "end": end,
            "section": p.section, "is_heading": p.is_heading, "is_glossary": p.is_glossary, "period": p.period,
            "meta": meta_json, "labels": p.labels, "scores": rounded, "terms": term_dicts(p.terms)}, option=option))
    return b"".join(lines)


def _round4(values: list[Any]) -> list[float]:
    """``[round(float(v), 4) for v in values]`` in a few numpy steps, the same floats.

    ``round`` rounds the exact value times 10^4 to an integer k and gives the float
    nearest to k/10^4; numpy's product times 10^4 is off by at most half a unit in its
    last place, so it rounds to the same k unless it lies within that of a half (or is
    huge or not finite): those few values go through ``round`` itself.
    """
    import numpy as np

    with np.errstate(all="ignore"):  # inf and nan are for round itself
        scaled = np.array(values, dtype=np.float64) * 1e4
        out = (np.rint(scaled) / 1e4).tolist()
        unsure = ~(np.abs(scaled) < 1e9) | (np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    for i in np.flatnonzero(unsure).tolist():
        out[i] = round(float(values[i]), 4)
    return out


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path | None) -> int:
    n = 0
    with open_output(path) as fh:
        for record in records:
            fh.write(dumps(record))
            fh.write("\n")
            n += 1
    return n


FORMATS = ("jsonl", "csv", "xlsx", "parquet", "dta")
# Fields of a tagged record in the order tables show them.
BASE_COLUMNS = ["doc_id", "path", "index", "text", "start", "end", "section", "is_heading", "is_glossary", "period"]
META_COLUMNS = ["place", "level", "province", "region_code", "year", "date", "meeting", "speaker", "title"]


def format_for(path: str | Path | None, explicit: str | None = None) -> str:
    """Output format from ``--format`` or the file extension (jsonl for stdout)."""
    if explicit:
        fmt = explicit.lower()
    elif path is None or str(path) == "-":
        fmt = "jsonl"
    else:
        fmt = Path(path).suffix.lower().lstrip(".")
        fmt = {"json": "jsonl", "ndjson": "jsonl", "xls": "xlsx", "pq": "parquet"}.get(fmt, fmt)
    if fmt not in FORMATS:
        from .errors import ConfigError

        raise ConfigError(f"unknown output format {fmt!r} for {path}; use one of {', '.join(FORMATS)} (--format)")
    return fmt


def flatten(record: dict[str, Any], labels: list[str]) -> dict[str, Any]:
    """A tagged record as one flat table row (``policytag.schema.tagged_row``).

    Hand-written rather than ``pandas.json_normalize``: that one flattens only the
    ``meta`` and ``scores`` mappings (as ``meta_place``), leaves ``labels``,
    ``section`` and ``terms`` as lists still to be joined, and costs 2 ms per
    record one at a time (CSV streams records) against 11 µs here.
    """
    from .schema import tagged_row

    return tagged_row(record, labels)


# ---------------------------------------------------------------------------- spreadsheet cells
# A text cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets
# (OWASP "CSV injection"). Report text comes from the web: it must never become a live formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_CELL = 32_767  # characters in one Excel cell
XLSX_MAX_ROWS = 1_048_576  # rows in one Excel sheet, the header included


def _formula_like(text: str) -> bool:
    """Starts with a formula trigger, possibly behind apostrophes (so that escaping is reversible)."""
    return text.lstrip("'")[:1] in FORMULA_TRIGGERS


def spreadsheet_cell(value: Any, raw: bool = False) -> Any:
    """A value for a CSV/XLSX/TSV cell: text that a spreadsheet would run gets a leading ``'``.

    Every spreadsheet-bound output goes through here (tag csv/xlsx, stats tables,
    indicators, kwic TSV, suggest/bootstrap); JSONL and Parquet are data and keep the
    text as it is. ``raw=True`` (``--raw-cells``) leaves text untouched. Text that
    already starts with ``'`` before a trigger gets one more, so ``restore_cell``
    gives back exactly what was written.

    >>> spreadsheet_cell("=1+1"), spreadsheet_cell("-5%"), spreadsheet_cell("执法检查")
    ("'=1+1", "'-5%", '执法检查')
    >>> restore_cell(spreadsheet_cell("'=1+1")), spreadsheet_cell(-5)
    ("'=1+1", -5)
    """
    if raw or not isinstance(value, str) or not _formula_like(value):
        return value
    return "'" + value


def restore_cell(value: Any) -> Any:
    """The text ``spreadsheet_cell`` was given (for reading our own CSV/XLSX back)."""
    if isinstance(value, str) and value.startswith("'") and _formula_like(value[1:]):
        return value[1:]
    return value


def spreadsheet_row(row: dict[str, Any], raw: bool = False) -> dict[str, Any]:
    return {key: spreadsheet_cell(value, raw) for key, value in row.items()}


def write_csv_table(path: str | Path | None, columns: list[str], rows: Iterable[dict[str, Any]],
                    raw_cells: bool = False) -> int:
    """A CSV table (UTF-8 with BOM, so Excel picks the encoding), atomically; returns the rows written."""
    import csv

    n = 0
    with open_output(path, encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(spreadsheet_row(row, raw_cells))
            n += 1
    return n


def write_csv_frame(frame: Any, path: str | Path, raw_cells: bool = False) -> None:
    """A pandas DataFrame as a CSV table (``write_csv_table``); missing values are empty cells."""
    write_csv_table(path, [str(c) for c in frame.columns], _frame_rows(frame), raw_cells)


def _frame_rows(frame: Any) -> Iterator[dict[str, Any]]:
    columns = [str(c) for c in frame.columns]
    for values in frame.itertuples(index=False, name=None):
        yield {c: _plain(v) for c, v in zip(columns, values, strict=True)}


def _plain(value: Any) -> Any:
    """numpy scalars -> Python, NaN/NA -> None, containers -> JSON text: what a cell can hold."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, dict)):
        return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS).decode("utf-8")
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # numpy scalars and arrays
        if isinstance(value, list):
            return _plain(value)
    if isinstance(value, float) and value != value:  # NaN
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return value


class XlsxNotes:
    """What ``write_xlsx`` had to do to fit Excel's limits; ``lines()`` says it to the user."""

    def __init__(self) -> None:
        self.split_cells: dict[str, int] = {}  # column -> cells continued in further columns
        self.extra_sheets: list[str] = []
        self.replaced_chars = 0

    def lines(self, path: str | Path) -> list[str]:
        out = []
        if self.split_cells:
            what = ", ".join(f"{col} ×{n}" for col, n in self.split_cells.items())
            out.append(f"{path}: {sum(self.split_cells.values())} cell(s) longer than Excel's {XLSX_MAX_CELL:,} "
                       f"characters continue in the next column(s) ({what}); nothing was cut")
        if self.extra_sheets:
            out.append(f"{path}: more rows than an Excel sheet holds ({XLSX_MAX_ROWS:,}); the rest continue on "
                       f"sheet(s) {', '.join(self.extra_sheets)}")
        if self.replaced_chars:
            out.append(f"{path}: {self.replaced_chars} control character(s) that Excel cannot store were written "
                       "as U+FFFD")
        return out


def _xlsx_parts(value: str) -> list[str]:
    return [value[i : i + XLSX_MAX_CELL] for i in range(0, len(value), XLSX_MAX_CELL)] or [""]


def write_xlsx(path: str | Path, sheets: dict[str, tuple[list[str], Sequence[dict[str, Any]]]],
               raw_cells: bool = False) -> XlsxNotes:
    """Sheets of rows (``{name: (columns, rows)}``) as one .xlsx, atomically, within Excel's limits.

    Text is written as text cells, never as formulas (and neutralized by
    ``spreadsheet_cell`` unless ``raw_cells``). Nothing is cut: a cell longer than
    32,767 characters continues in columns ``col (2)``, ``col (3)``... placed
    after ``col``; rows beyond 1,048,575 continue on sheets ``name (2)``...
    Rows are read twice (the first pass sizes the columns), so pass a sequence.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    notes = XlsxNotes()
    book = Workbook(write_only=True)
    for name, (columns, rows) in sheets.items():
        parts = {c: 1 for c in columns}
        for row in rows:
            for col, value in row.items():
                value = _plain(value)
                if isinstance(value, str) and len(value) > XLSX_MAX_CELL and col in parts:
                    parts[col] = max(parts[col], -(-len(value) // XLSX_MAX_CELL))
        header = [f"{col} ({k})" if k > 1 else col for col in columns for k in range(1, parts[col] + 1)]
        per_sheet = XLSX_MAX_ROWS - 1
        sheet = None
        for i, row in enumerate(rows):
            if i % per_sheet == 0:
                title = name if i == 0 else f"{name} ({i // per_sheet + 1})"
                if i:
                    notes.extra_sheets.append(title)
                sheet = book.create_sheet(title=title[:31])
                sheet.append(header)
            cells = []
            for col in columns:
                value = spreadsheet_cell(_plain(row.get(col)), raw_cells)
                if not isinstance(value, str):
                    cells.append(value if isinstance(value, (int, float, bool)) or value is None else str(value))
                    cells.extend([None] * (parts[col] - 1))
                    continue
                clean, n = ILLEGAL_CHARACTERS_RE.subn("\ufffd", value)
                notes.replaced_chars += n
                pieces = _xlsx_parts(clean)
                if len(pieces) > 1:
                    notes.split_cells[col] = notes.split_cells.get(col, 0) + 1
                for piece in pieces + [None] * (parts[col] - len(pieces)):
                    cell = WriteOnlyCell(sheet, value=piece)
                    if piece is not None:
                        cell.data_type = "s"  # text, never a formula, whatever it starts with
                    cells.append(cell)
            sheet.append(cells)
        if sheet is None:
            book.create_sheet(title=name[:31]).append(header)
    with atomic_path(path) as tmp:
        book.save(tmp)
    return notes


def write_xlsx_frames(frames: dict[str, Any], path: str | Path, raw_cells: bool = False) -> XlsxNotes:
    """pandas DataFrames as sheets of one .xlsx (``write_xlsx``)."""
    sheets = {name[:31]: ([str(c) for c in frame.columns], list(_frame_rows(frame))) for name, frame in frames.items()}
    return write_xlsx(path, sheets, raw_cells)


def join_split_cells(frame: Any) -> Any:
    """Undo ``write_xlsx``'s continuation columns: ``text (2)``... appended back to ``text``."""
    import re

    extra = [c for c in frame.columns if isinstance(c, str) and re.fullmatch(r".+ \(\d+\)", c)
             and c.rsplit(" (", 1)[0] in frame.columns]
    for col in extra:
        base = col.rsplit(" (", 1)[0]
        frame[base] = frame[base].where(frame[col].isna() | (frame[col] == ""),
                                        frame[base].fillna("").astype(str) + frame[col].fillna("").astype(str))
    return frame.drop(columns=extra)


def table_columns(labels: list[str], first: dict[str, Any] | None = None) -> list[str]:
    """Column names of a tagged table (``policytag.schema.tagged_columns``)."""
    from .schema import tagged_columns

    return [c.name for c in tagged_columns(labels, first)]


class RecordWriter:
    """Streams tagged records to jsonl/csv; buffers them for xlsx/parquet/dta.

    Tables (csv, xlsx, parquet, dta) have the columns of ``policytag.schema.tagged_columns``,
    fixed by the first record, and a codebook beside them (``OUT_codebook.csv``, or a
    sheet). Nothing appears at ``path`` until ``close()`` succeeds.
    """

    def __init__(self, path: str | Path | None, fmt: str, labels: list[str], raw_cells: bool = False) -> None:
        self.path, self.fmt, self.labels = path, fmt, labels
        self.raw_cells = raw_cells  # --raw-cells: no formula neutralization in csv/xlsx
        self.notes: list[str] = []  # what had to change to fit the format (xlsx limits)
        self.count = 0
        self._rows: list[dict[str, Any]] = []
        self._ctx = None
        self._fh: IO[str] | None = None
        self._csv = None
        self._first: dict[str, Any] | None = None  # the first record fixes a table's columns
        if fmt in ("jsonl", "csv"):
            self._ctx = open_output(path, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
            self._fh = self._ctx.__enter__()

    def write(self, record: dict[str, Any]) -> None:
        self.count += 1
        if self._first is None:
            self._first = record
        if self.fmt == "jsonl":
            self._fh.write(dumps(record) + "\n")
        elif self.fmt == "csv":
            self._write_csv(flatten(record, self.labels))
        else:
            self._rows.append(record)

    def write_block(self, block: bytes) -> int:
        """Records already encoded by ``encode``: copied as they are to jsonl, decoded for the others.

        Returns the number of records.
        """
        before = self.count
        if self.fmt == "jsonl":
            self.count += block.count(b"\n")
            _write_utf8(self._fh, block)
        else:
            for line in block.splitlines():
                self.write(orjson.loads(line))
        return self.count - before

    def _write_csv(self, row: dict[str, Any]) -> None:
        import csv

        from .schema import flat_rows, tagged_columns

        if self._csv is None:
            self._columns = tagged_columns(self.labels, self._first)
            self._csv = csv.DictWriter(self._fh, fieldnames=[c.name for c in self._columns], extrasaction="ignore")
            self._csv.writeheader()
        for flat in flat_rows(self._columns, [row]):
            self._csv.writerow(spreadsheet_row(flat, self.raw_cells))

    def close(self, ok: bool = True) -> None:
        """Finish the file; with ``ok=False`` discard everything written."""
        if self._ctx is not None:
            exc = None if ok else RuntimeError("aborted")
            self._ctx.__exit__(type(exc) if exc else None, exc, None)
            if ok and self.fmt == "csv" and self.path not in (None, "-"):
                self._write_codebook()
            return
        if ok:
            self._write_table()

    def _write_codebook(self) -> None:
        from .schema import CODEBOOK_COLUMNS, TAGGED_SHEET, codebook_path, codebook_rows, tagged_columns

        columns = getattr(self, "_columns", None) or tagged_columns(self.labels, self._first)
        write_csv_table(codebook_path(self.path), CODEBOOK_COLUMNS, codebook_rows({TAGGED_SHEET: columns}),
                        self.raw_cells)

    def _write_table(self) -> None:
        from .schema import TAGGED_SHEET, tagged_columns, tagged_row, write_table

        first = self._rows[0] if self._rows else None
        columns = tagged_columns(self.labels, first)
        rows = [tagged_row(r, self.labels) for r in self._rows]
        self.notes = write_table(self.path, self.fmt, columns, rows, TAGGED_SHEET, self.raw_cells)


def _write_utf8(fh: IO[str], block: bytes) -> None:
    """UTF-8 bytes to a text stream. Into its byte buffer when the stream writes UTF-8 and no newline
    translation: decoding a run's records to write them as text, which encodes them again, cost 4 % of
    ``tag``'s CPU on standard output."""
    buffer = getattr(fh, "buffer", None)
    if buffer is not None and os.linesep == "\n" and _is_utf8(getattr(fh, "encoding", None)):
        fh.flush()  # what was written as text goes first
        buffer.write(block)
    else:
        fh.write(block.decode("utf-8"))


def _is_utf8(encoding: str | None) -> bool:
    import codecs

    try:
        return encoding is not None and codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def read_spreadsheet(path: str | Path, sheet: str | int | None = None, **kwargs: Any) -> Any:
    """A CSV or XLSX table as a DataFrame, as it was before ``write_csv_table``/``write_xlsx``.

    Neutralized cells lose their ``'`` (``restore_cell``); in .xlsx, continuation
    columns (``text (2)``) and sheets (``Sheet1 (2)``) are joined back. ``sheet``
    picks one sheet (default: the first and its continuations); ``kwargs`` go to pandas.
    """
    import pandas as pd

    from .safezip import check_zip

    if Path(path).suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        check_zip(path, str(path))
        if sheet is not None:
            frame = pd.read_excel(path, sheet_name=sheet, **kwargs)
        else:
            sheets = pd.read_excel(path, sheet_name=None, **kwargs)
            first = next(iter(sheets), None)
            parts = [sheets[first]] if first is not None else []
            for k in range(2, len(sheets) + 1):
                name = f"{first} ({k})"[:31]
                if name not in sheets or list(sheets[name].columns) != list(parts[0].columns):
                    break
                parts.append(sheets[name])
            frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else pd.DataFrame())
        frame = join_split_cells(frame)
    else:
        frame = pd.read_csv(path, encoding=kwargs.pop("encoding", "utf-8-sig"), **kwargs)
    for col in frame.columns:
        if pd.api.types.is_object_dtype(frame[col]) or pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].map(restore_cell)
    return frame


# ---------------------------------------------------------------------------- outputs that are inputs
def _file_ids(paths: Iterable[str | Path | None]) -> dict[tuple[int, int], str]:
    ids = {}
    for path in paths:
        if path is None or str(path) == "-":
            continue
        try:
            st = os.stat(path)  # follows links: a link to an input is that input
        except (OSError, ValueError):
            continue
        ids.setdefault((st.st_dev, st.st_ino), str(path))
    return ids


def refuse_input_as_output(outputs: Iterable[str | Path | None], inputs: Iterable[str | Path | None]) -> None:
    """ConfigError (exit 2, nothing written) when an output is one of the inputs.

    Compared by device and inode, so a hard link, a symbolic link or another
    spelling of the same path (``./a.txt``, ``../x/a.txt``) is caught too.
    """
    from .errors import ConfigError

    wanted: dict[tuple[int, int], str] = {}  # the outputs' ids; the inputs are streamed past them, never all kept
    for out in outputs:
        for ident in _file_ids([out]):
            wanted.setdefault(ident, str(out))
    if not wanted:
        return
    for path in inputs:
        for ident in _file_ids([path]):
            if ident in wanted:
                out = wanted[ident]
                same = "" if Path(str(path)) == Path(out) else f" ({path})"
                raise ConfigError(f"{out}: the output is also an input{same}; writing it would destroy the input. "
                                  "Write to another file")


def refuse_inputs_inside(folder: str | Path, inputs: Iterable[str | Path | None]) -> None:
    """ConfigError when an input lies inside ``folder``, an output folder that is replaced as a whole."""
    from .errors import ConfigError

    root = Path(folder).resolve()
    for path in inputs:
        if path is None or str(path) == "-":
            continue
        resolved = Path(path).resolve()
        if resolved == root or root in resolved.parents:
            raise ConfigError(f"{folder}: the output folder holds the input {path}, which writing it would destroy; "
                              "write to another folder")


# ---------------------------------------------------------------------------- one run per output
class OutputLock:
    """Only one run writes OUT at a time: an exclusive lock on ``.OUT.lock`` beside it, held for the run.

    The lock is ``fcntl.flock`` (standard library, no dependency): the kernel
    drops it when the holder exits in any way, ``kill -9`` and power loss
    included, so a lock left by a dead run never blocks; a second run on the
    same OUT is refused at once with who holds it (pid, host, start time),
    which the holder writes into the file. The file is removed on release.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "out.jsonl"
    >>> with OutputLock(out):
    ...     OutputLock(out).acquire()
    Traceback (most recent call last):
    policytag.errors.ConfigError: ...out.jsonl is being written by another policytag run (pid ...
    """

    def __init__(self, output: str | Path) -> None:
        target = Path(output)
        self.output = str(output)
        self.path = target.with_name(f".{target.name}.lock")
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        from .errors import ConfigError, OutputError, describe_os_error

        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            except OSError as exc:  # a folder that cannot be written: said before anything runs
                raise OutputError(describe_os_error(exc, self.output)) from None
            if not _try_lock(fd):
                holder = _read_holder(fd)
                os.close(fd)
                raise ConfigError(f"{self.output} is being written by another policytag run ({holder}); wait for it "
                                  "to finish or write to another file")
            try:  # the holder before us may have removed the file just now: lock the one that is there
                if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        import socket
        from datetime import datetime

        holder = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": datetime.now().astimezone().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.write(fd, orjson.dumps(holder) + b"\n")
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)  # while still holding it: the next run makes a new file
        except OSError:
            pass
        finally:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _read_holder(fd: int) -> str:
    try:
        info = orjson.loads(os.pread(fd, 4096, 0))
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "it has not said who it is yet"


def file_digest(path: str | Path) -> str | None:
    """SHA-256 of a file's content (None for standard input, a pipe or device, or a file that cannot be read)."""
    import hashlib
    import stat

    if str(path) == "-":
        return None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # a pipe (<(cmd)) or device: reading it here would leave nothing for the reader
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


# ---------------------------------------------------------------------------- checkpoints
CHECKPOINT_VERSION = 1


def checkpoint_path(output: str | Path) -> Path:
    """Where ``tag -o OUT`` keeps finished documents until OUT is complete: ``.OUT.partial.jsonl``.

    Beside it, ``.OUT.partial.done`` lists the finished inputs.
    """
    target = Path(output)
    return target.with_name(f".{target.name}.partial.jsonl")


class Checkpoint:
    """Finished documents of one ``tag`` run, kept until the output is complete.

    Two files next to OUT. ``.OUT.partial.jsonl`` holds the encoded records
    (``encode``), one block per finished input, appended by this process in
    input order as the inputs finish. ``.OUT.partial.done`` holds the run's
    settings and then one line per finished input: source, record count, row
    problems and the byte range of its block, written after the block is on
    disk. Bytes no line points to belong to an input that did not finish and
    are never read: only whole documents count. A jsonl OUT is the records file
    renamed into place when its blocks stand in order (so a finished run copies
    nothing); after a resumed run retried some inputs, the blocks are copied in
    order by the kernel (``os.copy_file_range``). A run with another model,
    lexicon or options cannot resume the checkpoint.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "out.jsonl"
    >>> ck = Checkpoint(out, "settings-1")
    >>> ck.add("a.txt", encode([{"text": "甲"}]), [])
    >>> ck.close()
    >>> again = Checkpoint(out, "settings-1", resume=True)
    >>> sorted(again.done), [orjson.loads(b) for b in again.read_blocks()]
    (['a.txt'], [{'text': '甲'}])
    >>> again.remove()
    """

    def __init__(self, output: str | Path, settings: str, resume: bool = False) -> None:
        self.path = checkpoint_path(output)
        self.index_path = self.path.with_suffix(".done")
        self.settings = settings
        # The finished inputs, in the order they finished, kept compact (a run over 50,000 files must not hold
        # a dict entry, a tuple and a list per file): paths compressed, three integers per row, the row
        # problems and (when resumed) the stored digests only where there are some. ``done``, ``counts``,
        # ``blocks`` and ``digests`` are read-only mappings over them.
        self._paths = PathList()
        self._rows = array("q")  # n, start, end per finished input
        self._errors: dict[int, list[str]] = {}
        self._stored: dict[int, str | None] = {}  # row -> sha256 read back from the index (--resume)
        self._gone: set[int] = set()  # rows forgotten by ``changed``
        self._lookup: dict[str, int] | None = None  # source -> row, built only when asked (resume, finish)
        self.done: Mapping[str, list[str]] = _Column(self, lambda r: self._errors.get(r, []))
        self.counts: Mapping[str, int] = _Column(self, lambda r: self._rows[3 * r])
        self.blocks: Mapping[str, tuple[int, int]] = _Column(self, lambda r: (self._rows[3 * r + 1],
                                                                                self._rows[3 * r + 2]))
        self.digests: Mapping[str, str | None] = _Column(self, lambda r: self._stored.get(r))
        exists = self.path.is_file() or self.index_path.is_file()
        self.resumed = resume and exists
        self.replaced = not resume and exists
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.resumed:
            self._reopen()
            self._index = open(self.index_path, "ab")  # noqa: SIM115 - closed in close()
        else:
            open(self.path, "wb").close()
            self._index = open(self.index_path, "wb")  # noqa: SIM115
            self._index.write(orjson.dumps({"policytag_checkpoint": CHECKPOINT_VERSION, "settings": settings}) + b"\n")
            self._index.flush()
        self._records = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self._end = os.fstat(self._records).st_size
        self._parts: dict[str, list[int]] = {}  # source -> [start, end, records] written before it finished

    def _reopen(self) -> None:
        """Read the finished inputs; cut the index back to its last whole line."""
        from .errors import ConfigError

        if not (self.path.is_file() and self.index_path.is_file()):
            raise ConfigError(f"{self.path}: incomplete checkpoint; run without --resume to start over")
        size = self.path.stat().st_size
        with open(self.index_path, "rb") as fh:
            self._check_header(fh.readline())
            good = fh.tell()
            for line in fh:
                try:
                    entry = orjson.loads(line) if line.endswith(b"\n") else None
                except orjson.JSONDecodeError:
                    entry = None
                if not isinstance(entry, dict) or "source" not in entry:
                    break  # torn by a hard kill: it and what follows is redone
                if int(entry["end"]) > size:
                    raise ConfigError(f"{self.path}: damaged checkpoint (records missing); run without --resume")
                self._note(entry["source"], int(entry["n"]), [str(e) for e in entry.get("errors", [])],
                           (int(entry["start"]), int(entry["end"])))
                self._stored[len(self._paths) - 1] = entry.get("sha256")
                good += len(line)
        os.truncate(self.index_path, good)

    def _check_header(self, header: bytes) -> None:
        from .errors import ConfigError

        try:
            entry = orjson.loads(header) if header.endswith(b"\n") else None
        except orjson.JSONDecodeError:
            entry = None
        if not isinstance(entry, dict) or entry.get("policytag_checkpoint") != CHECKPOINT_VERSION:
            raise ConfigError(f"{self.index_path}: not a policytag checkpoint; delete it or run without --resume")
        if entry.get("settings") != self.settings:
            raise ConfigError(f"{self.index_path}: written by a run with other settings (model, lexicon or "
                              "options); run the same command as before, or without --resume to start over")

    def _note(self, source: str, n: int, errors: list[str], block: tuple[int, int]) -> None:
        if self._lookup is not None or self.resumed:  # finished again (a resumed run's retry): the new row counts
            self._forget(source)
        row = len(self._paths)
        self._paths.append(source)
        self._rows.extend((n, block[0], block[1]))
        if errors:
            self._errors[row] = errors
        if self._lookup is not None:
            self._lookup[source] = row

    def row(self, source: str) -> int | None:
        """The row of a finished input, or None. The first question builds a lookup (a run that resumes or
        finishes out of order pays for it; a fresh run never asks)."""
        if not self._rows:
            return None
        if self._lookup is None:
            self._lookup = {path: row for row, path in enumerate(self._paths) if row not in self._gone}
        return self._lookup.get(source)

    def _forget(self, source: str) -> None:
        row = self.row(source)
        if row is not None and self._lookup is not None:
            self._gone.add(row)
            del self._lookup[source]

    def finished(self) -> Iterator[tuple[str, int]]:
        """(source, row) of the finished inputs, in the order they finished."""
        for row, path in enumerate(self._paths):
            if row not in self._gone:
                yield path, row

    def _append(self, block: bytes) -> int:
        """Append to the records file; returns where the block starts."""
        start = self._end
        view = memoryview(block)
        while view:
            view = view[os.write(self._records, view):]
        self._end = start + len(block)
        return start

    def add_part(self, source: str, block: bytes) -> None:
        """Records of an input not finished yet (a batch of a long document): on disk at once, but they count
        only once ``add`` finishes the input. An input's parts lie together: no other input's come between."""
        part = self._parts.get(source)
        if part is not None and part[1] != self._end:
            raise ValueError(f"records of {source} would not lie together in the checkpoint")
        start = self._append(block)
        if part is None:
            part = self._parts[source] = [start, start, 0]
        part[1] = self._end
        part[2] += block.count(b"\n")

    def drop_parts(self, source: str) -> None:
        """Forget the parts of an input that failed: no index line ever points to them."""
        self._parts.pop(source, None)

    def add(self, source: str, block: bytes, errors: list[str], digest: str | None = None) -> int:
        """Record one finished input: its records (a block made by ``encode``; with ``add_part`` before, the
        rest of them), its row problems and the ``digest`` of its content (``file_digest``, taken before it
        was read), which ``--resume`` compares.

        Returns the number of records.
        """
        part = self._parts.pop(source, None)
        if part is not None and block and part[1] != self._end:
            raise ValueError(f"records of {source} would not lie together in the checkpoint")
        start = self._append(block)
        end, n = self._end, block.count(b"\n")
        if part is not None:  # later inputs' parts may already follow: the input ends where its records end
            start, end, n = part[0], (self._end if block else part[1]), n + part[2]
        entry = {"source": source, "n": n, "errors": errors, "start": start, "end": end, "sha256": digest}
        self._index.write(orjson.dumps(entry) + b"\n")
        self._index.flush()
        self._note(source, n, errors, (start, end))
        return n

    def changed(self, digests: dict[str, str | None]) -> list[str]:
        """Finished inputs whose content is not what was tagged (``digests``: source -> digest now).

        They are forgotten, so they are tagged again; their old records are never read. An
        input finished without a digest (standard input) counts as changed when it is asked about.
        """
        stale = [s for s in self.done if s in digests and (digests[s] is None or digests[s] != self.digests.get(s))]
        for source in stale:
            self._forget(source)
        return stale

    def _ranges(self, sources: Sequence[str] | None) -> Iterator[tuple[int, int]]:
        """Where the blocks of ``sources`` are, in that order (default: the order they were added); yielded,
        not listed: a tuple per file of a 50,000-file run was ≈6 MB at the end of the run (issue 13)."""
        rows = self._rows
        if sources is None or (not self._gone and same_order(self._paths, sources)):  # a fresh run: no lookup
            found: Iterable[int | None] = (r for _, r in self.finished())
        else:
            found = (self.row(s) for s in sources)
        for r in found:
            if r is not None:
                yield rows[3 * r + 1], rows[3 * r + 2]

    def _in_place(self, sources: Sequence[str]) -> bool:
        """The records file holds exactly the blocks of ``sources``, in that order, and nothing else."""
        end = 0
        for start, stop in self._ranges(sources):
            if start != end:
                return False
            end = stop
        return self.path.stat().st_size == end

    def read_blocks(self, sources: list[str] | None = None, chunk: int = 1 << 22) -> Iterator[bytes]:
        """The stored records of ``sources`` (those finished), in that order, as blocks of whole lines of
        about ``chunk`` bytes at most (a longer line comes whole): a long document is never read at once."""
        with open(self.path, "rb") as fh:
            for start, end in self._ranges(sources):
                fh.seek(start)
                left, rest = end - start, b""
                while left > 0:
                    more = fh.read(min(chunk, left))
                    if not more:  # the file is shorter than its index says: nothing more to read
                        break
                    data, left = rest + more, left - len(more)
                    cut = data.rfind(b"\n") + 1 if left > 0 else len(data)
                    if cut:
                        yield data[:cut]
                    rest = data[cut:]

    def move_to(self, output: str | Path, sources: list[str]) -> None:
        """Make the jsonl ``output`` from the blocks of ``sources``, in that order; atomic."""
        self.close()
        if self._in_place(sources):
            os.replace(self.path, output)  # the blocks already are the output
        else:
            with atomic_path(output) as tmp, open(self.path, "rb") as src, open(tmp, "wb") as dst:
                for start, end in self._ranges(sources):
                    _copy_range(src.fileno(), dst.fileno(), start, end - start)
        self.remove()

    def close(self) -> None:
        if not self._index.closed:
            self._index.close()
        if self._records >= 0:
            os.close(self._records)
            self._records = -1

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
        self.index_path.unlink(missing_ok=True)


class _Column(Mapping):
    """One column of a checkpoint's finished inputs as a read-only mapping: source -> value, in finishing order."""

    def __init__(self, checkpoint: Checkpoint, value: Any) -> None:
        self._ck, self._value = checkpoint, value

    def __getitem__(self, source: str) -> Any:
        row = self._ck.row(source)
        if row is None:
            raise KeyError(source)
        return self._value(row)

    def __contains__(self, source: object) -> bool:
        return isinstance(source, str) and self._ck.row(source) is not None

    def __iter__(self) -> Iterator[str]:
        return (path for path, _ in self._ck.finished())

    def __len__(self) -> int:
        return len(self._ck._rows) // 3 - len(self._ck._gone)


def _copy_range(src: int, dst: int, offset: int, count: int) -> None:
    """Copy bytes between files inside the kernel (no Python-level buffers)."""
    while count > 0:
        copied = os.copy_file_range(src, dst, count, offset)
        if copied <= 0:
            raise OSError("copy_file_range made no progress")
        offset += copied
        count -= copied
