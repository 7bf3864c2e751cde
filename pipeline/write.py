"""Writing outputs atomically: a reader never sees a half-written file.

Everything is written to a temporary file in the target folder and moved into
place with ``os.replace`` only when complete; on error or interruption the
temporary file is removed and an existing output is left untouched.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; it replaces ``path`` on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes 0600 files; give the output the permissions a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
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


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path | None) -> int:
    n = 0
    with open_output(path) as fh:
        for record in records:
            fh.write(dumps(record))
            fh.write("\n")
            n += 1
    return n


FORMATS = ("jsonl", "csv", "xlsx", "parquet")
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
    """A tagged record as one flat table row (for CSV and Excel).

    Lists become ``|``-joined strings, meta fields become ``meta.<field>``,
    scores become one ``score.<label>`` column per label.
    """
    row: dict[str, Any] = {}
    for key, value in record.items():
        if key == "meta":
            for mk, mv in value.items():
                row[f"meta.{mk}"] = mv
        elif key == "scores":
            continue
        elif key == "terms":
            row["terms"] = "|".join(t["canonical"] for t in value)
            row["term_surfaces"] = "|".join(t["term"] for t in value)
            row["term_categories"] = "|".join(t.get("category") or "" for t in value)
        elif key in ("labels", "section", "tokens") and isinstance(value, list):
            row[key] = "|".join(value) if key != "tokens" else " ".join(value)
        else:
            row[key] = value
    scores = record.get("scores", {})
    for label in labels:
        row[f"score.{label}"] = scores.get(label)
    return row


def table_columns(labels: list[str], extra: list[str] = ()) -> list[str]:
    cols = list(extra) + BASE_COLUMNS + [f"meta.{m}" for m in META_COLUMNS] + ["labels", "terms", "term_surfaces",
                                                                                  "term_categories"]
    return cols + [f"score.{label}" for label in labels]


class RecordWriter:
    """Streams tagged records to jsonl/csv; buffers them for xlsx/parquet.

    Nothing appears at ``path`` until ``close()`` succeeds.
    """

    def __init__(self, path: str | Path | None, fmt: str, labels: list[str]) -> None:
        self.path, self.fmt, self.labels = path, fmt, labels
        self.count = 0
        self._rows: list[dict[str, Any]] = []
        self._ctx = None
        self._fh: IO[str] | None = None
        self._csv = None
        if fmt in ("jsonl", "csv"):
            self._ctx = open_output(path, encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
            self._fh = self._ctx.__enter__()

    def write(self, record: dict[str, Any]) -> None:
        self.count += 1
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
            self._fh.write(block.decode("utf-8"))
        else:
            for line in block.splitlines():
                self.write(orjson.loads(line))
        return self.count - before

    def _write_csv(self, row: dict[str, Any]) -> None:
        import csv

        if self._csv is None:
            extra = [k for k in row if k not in table_columns(self.labels) and not k.startswith("meta.")]
            self._columns = table_columns(self.labels, extra)
            self._csv = csv.DictWriter(self._fh, fieldnames=self._columns, extrasaction="ignore")
            self._csv.writeheader()
        self._csv.writerow(row)

    def close(self, ok: bool = True) -> None:
        """Finish the file; with ``ok=False`` discard everything written."""
        if self._ctx is not None:
            exc = None if ok else RuntimeError("aborted")
            self._ctx.__exit__(type(exc) if exc else None, exc, None)
            return
        if ok:
            self._write_table()

    def _write_table(self) -> None:
        import pandas as pd

        if self.fmt == "xlsx":
            frame = pd.DataFrame([flatten(r, self.labels) for r in self._rows])
            with atomic_path(self.path) as tmp:
                frame.to_excel(tmp, index=False, engine="openpyxl")
        else:  # parquet keeps lists and nested terms as real nested columns
            frame = pd.DataFrame(self._rows)
            with atomic_path(self.path) as tmp:
                frame.to_parquet(tmp, index=False)


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
        self.done: dict[str, list[str]] = {}  # source -> error messages stored with it (in input order)
        self.counts: dict[str, int] = {}  # source -> number of records
        self.blocks: dict[str, tuple[int, int]] = {}  # source -> (start, end) in the records file
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
        self.done[source] = errors
        self.counts[source] = n
        self.blocks[source] = block

    def add(self, source: str, block: bytes, errors: list[str]) -> int:
        """Record one finished input: its records (a block made by ``encode``) and its row problems.

        Returns the number of records.
        """
        start = self._end
        view = memoryview(block)
        while view:
            view = view[os.write(self._records, view):]
        self._end = start + len(block)
        n = block.count(b"\n")
        entry = {"source": source, "n": n, "errors": errors, "start": start, "end": self._end}
        self._index.write(orjson.dumps(entry) + b"\n")
        self._index.flush()
        self._note(source, n, errors, (start, self._end))
        return n

    def _ranges(self, sources: list[str] | None) -> list[tuple[int, int]]:
        """Where the blocks of ``sources`` are, in that order (default: the order they were added)."""
        return [self.blocks[s] for s in (self.done if sources is None else sources) if s in self.blocks]

    def read_blocks(self, sources: list[str] | None = None) -> Iterator[bytes]:
        """The stored blocks of ``sources`` (those finished), in that order."""
        with open(self.path, "rb") as fh:
            for start, end in self._ranges(sources):
                fh.seek(start)
                yield fh.read(end - start)

    def move_to(self, output: str | Path, sources: list[str]) -> None:
        """Make the jsonl ``output`` from the blocks of ``sources``, in that order; atomic."""
        ranges = self._ranges(sources)
        self.close()
        in_order = all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
        if in_order and (not ranges or ranges[0][0] == 0) and self.path.stat().st_size == (ranges[-1][1] if ranges
                                                                                          else 0):
            os.replace(self.path, output)  # the blocks already are the output
        else:
            with atomic_path(output) as tmp, open(self.path, "rb") as src, open(tmp, "wb") as dst:
                for start, end in ranges:
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


def _copy_range(src: int, dst: int, offset: int, count: int) -> None:
    """Copy bytes between files inside the kernel (no Python-level buffers)."""
    while count > 0:
        copied = os.copy_file_range(src, dst, count, offset)
        if copied <= 0:
            raise OSError("copy_file_range made no progress")
        offset += copied
        count -= copied
